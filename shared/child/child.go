// Package child runs the local platform's helper processes (DynamoDB Local,
// stripe-mock) so that none outlives Souq: each runs in its own process
// group, is killed with SIGKILL by the kernel if Souq dies without cleaning
// up, and is stopped (whole group) on shutdown.
package child

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Process is a running child.
type Process struct {
	Name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	once sync.Once
}

// Start runs name with args, its output to logw.
func Start(name string, logw io.Writer, prog string, args ...string) (*Process, error) {
	return StartEnv(name, logw, nil, prog, args...)
}

// StartEnv is Start with the child's whole environment given (nil: this
// process's own), for a child that must see only what it is told (a
// function under the Lambda emulator).
func StartEnv(name string, logw io.Writer, env []string, prog string, args ...string) (*Process, error) {
	cmd := exec.Command(prog, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logw, logw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{Name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Exited is closed when the process ends.
func (p *Process) Exited() <-chan struct{} { return p.done }

// Stop ends the whole process group: SIGTERM, then SIGKILL after grace.
func (p *Process) Stop(grace time.Duration) {
	p.once.Do(func() {
		pgid := p.cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(grace):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-p.done
		}
	})
}

// FreePort asks the kernel for a free loopback port.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// WaitHTTP polls url until it answers any HTTP status, the process exits,
// or the deadline passes.
func (p *Process) WaitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hc := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready: %v", p.Name, p.err)
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("%s was not ready after %s", p.Name, timeout)
			}
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Addr renders a loopback address.
func Addr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

// Pid is the child's process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }
