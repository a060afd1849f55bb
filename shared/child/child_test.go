package child

import (
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Stop ends the child and everything it started: no orphan survives.
func TestStop_KillsTheWholeProcessGroup(t *testing.T) {
	pidFile := t.TempDir() + "/grandchild"
	// The shell starts a grandchild that ignores SIGTERM, as a stuck JVM might.
	p, err := Start("test", io.Discard, "sh", "-c", `(trap "" TERM; sleep 300) & echo $! > `+pidFile+`; wait`)
	if err != nil {
		t.Fatal(err)
	}
	var grandchild int
	deadline := time.Now().Add(5 * time.Second)
	for grandchild == 0 && time.Now().Before(deadline) {
		if b, err := os.ReadFile(pidFile); err == nil && len(strings.TrimSpace(string(b))) > 0 {
			grandchild, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if grandchild == 0 {
		t.Fatal("grandchild did not start")
	}
	p.Stop(200 * time.Millisecond)
	select {
	case <-p.Exited():
	default:
		t.Fatal("child still running after Stop")
	}
	deadline = time.Now().Add(5 * time.Second)
	for alive(grandchild) {
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d survived Stop", grandchild)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	// A zombie (exited, not yet reaped by init) is not alive.
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !strings.Contains(string(b), ") Z ")
}
