package payments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/child"
)

// mockURL is the stripe-mock this package's tests share (one per go test
// run, on free loopback ports).
var mockURL string

func TestMain(m *testing.M) {
	proc, url, err := startStripeMock()
	if err != nil {
		fmt.Fprintln(os.Stderr, "payments tests:", err)
		os.Exit(1)
	}
	mockURL = url
	code := m.Run()
	proc.Stop(2 * time.Second)
	os.Exit(code)
}

// startStripeMock runs bin/stripe-mock (or SOUQ_STRIPE_MOCK) as the local
// platform does. Without it the tests fail: they never skip the rail.
func startStripeMock() (*child.Process, string, error) {
	bin := os.Getenv("SOUQ_STRIPE_MOCK")
	if bin == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, "", err
		}
		for dir := wd; ; dir = filepath.Dir(dir) {
			cand := filepath.Join(dir, "bin", "stripe-mock")
			if _, err := os.Stat(cand); err == nil {
				bin = cand
				break
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	if bin == "" {
		if found, err := exec.LookPath("stripe-mock"); err == nil {
			bin = found
		}
	}
	if bin == "" {
		return nil, "", errors.New("stripe-mock not found: run `make deps` (it builds bin/stripe-mock), or set SOUQ_STRIPE_MOCK")
	}
	port, err := child.FreePort()
	if err != nil {
		return nil, "", err
	}
	tlsPort, err := child.FreePort()
	if err != nil {
		return nil, "", err
	}
	// Both addresses: with -http-addr alone, stripe-mock still opens HTTPS
	// on :12112 on every interface.
	proc, err := child.Start("stripe-mock", io.Discard, bin, "-http-addr", child.Addr(port), "-https-addr", child.Addr(tlsPort))
	if err != nil {
		return nil, "", err
	}
	url := "http://" + child.Addr(port)
	if err := proc.WaitHTTP(context.Background(), url+"/v1/balance", 30*time.Second); err != nil {
		proc.Stop(time.Second)
		return nil, "", fmt.Errorf("stripe-mock did not start: %w", err)
	}
	return proc, url, nil
}
