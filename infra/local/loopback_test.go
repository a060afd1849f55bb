package local

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every socket the platform's helpers listen on is bound to loopback:
// nothing we start is reachable from another machine.
func TestChildren_ListenOnLoopbackOnly(t *testing.T) {
	p, err := Start(context.Background(), Options{Addr: "127.0.0.1:0", TablePrefix: "lb_", StripeMock: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	pids := p.ChildPids()
	if len(pids) != 2 {
		t.Fatalf("started %d helpers, want DynamoDB Local and stripe-mock", len(pids))
	}
	listening := listeningSockets(t)
	for _, pid := range pids {
		n := 0
		for _, inode := range socketInodes(t, pid) {
			addr, ok := listening[inode]
			if !ok {
				continue
			}
			n++
			if !loopback(addr) {
				t.Errorf("pid %d listens on %s, which is not loopback", pid, addr)
			}
		}
		if n == 0 {
			t.Errorf("pid %d listens on nothing", pid)
		}
	}
}

func socketInodes(t *testing.T, pid int) []string {
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(fmt.Sprintf("/proc/%d/fd", pid), fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]"))
		}
	}
	return out
}

// listeningSockets maps inode → local address (hex, as /proc shows it) of
// every TCP socket in LISTEN state.
func listeningSockets(t *testing.T) map[string]string {
	out := map[string]string{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) > 9 && fields[3] == "0A" { // 0A = LISTEN
				out[fields[9]] = strings.Split(fields[1], ":")[0]
			}
		}
	}
	return out
}

// loopback reads /proc's little-endian hex address: 0100007F is 127.0.0.1;
// IPv6 ::1 and v4-mapped 127.x count too.
func loopback(hexAddr string) bool {
	b, err := hex.DecodeString(hexAddr)
	if err != nil {
		return false
	}
	switch len(b) {
	case 4:
		return b[3] == 127
	case 16:
		if hexAddr == "00000000000000000000000001000000" { // ::1
			return true
		}
		// ::ffff:127.x.x.x, as 4 little-endian words
		return strings.HasPrefix(hexAddr, "0000000000000000FFFF0000") && b[15] == 127
	}
	return false
}
