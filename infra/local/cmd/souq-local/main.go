// Command souq-local runs the local platform (`make run`), or runs a
// command with one DynamoDB Local up for it (`souq-local exec -- go test
// ./...`, which `make test` uses so that every test package shares one).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/souqhq/souq/infra/local"
	"github.com/souqhq/souq/shared/store/dynamolocal"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "exec" {
		os.Exit(execWithDynamo(os.Args[2:]))
	}
	os.Exit(run())
}

func run() int {
	addr := envOr("SOUQ_ADDR", "127.0.0.1:8080")
	if pid := runningPID(); pid != 0 || already(addr) {
		if pid != 0 {
			fmt.Fprintf(os.Stderr, "Souq is already running (pid %d).\n", pid)
		}
		fmt.Fprintf(os.Stderr, "Souq is already running at http://%s (credentials in %s).\n"+
			"Stop it with Ctrl-C in its terminal, or start another beside it with SOUQ_ADDR=127.0.0.1:8081 SOUQ_STATE_DIR=.souq-8081 make run.\n", addr, filepath.Join(stateDir(), "local.json"))
		return 1
	}
	// Credentials of a previous run are useless (data is in memory) and
	// misleading: remove them before anything can read them.
	for _, f := range []string{"local.json", "env", "souq.pid"} {
		_ = os.Remove(filepath.Join(stateDir(), f))
	}
	_ = os.WriteFile(filepath.Join(stateDir(), "souq.pid"), []byte(fmt.Sprint(os.Getpid())), 0o600)
	defer os.Remove(filepath.Join(stateDir(), "souq.pid"))
	start := time.Now()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	logFile, err := os.OpenFile(filepath.Join(stateDir(), "souq.log"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, "souq:", err)
		return 1
	}
	defer logFile.Close()
	var logw io.Writer = logFile
	if os.Getenv("SOUQ_LOG") == "stdout" {
		logw = io.MultiWriter(logFile, os.Stdout)
	}
	runtime, err := local.RuntimeFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "souq:", err)
		return 1
	}
	p, err := local.Start(ctx, local.Options{
		// SOUQ_RUNTIME=rie runs each function's real Lambda binary under
		// the Runtime Interface Emulator, built into .souq/rie/.
		Runtime: runtime, RIEDir: filepath.Join(stateDir(), "rie"),
		Addr: addr, DynamoEndpoint: os.Getenv("SOUQ_DYNAMODB_ENDPOINT"), StripeMock: true, Seed: true, RateLimits: rateLimits(),
		StateDir: stateDir(), Log: slog.New(slog.NewJSONHandler(logw, nil)), ChildLog: logFile,
		// The products' settings (fees, shares, the traffic caps) are read
		// from the environment as the stack passes them in AWS.
		Env: os.Getenv,
	})
	if err != nil {
		if errors.Is(err, local.ErrAddrInUse) {
			fmt.Fprintf(os.Stderr, "souq: %s is in use by another program; choose another address: SOUQ_ADDR=127.0.0.1:8081 SOUQ_STATE_DIR=.souq-8081 make run\n", addr)
		} else {
			fmt.Fprintln(os.Stderr, "souq: could not start:", err)
		}
		return 1
	}
	d := p.Demo
	fmt.Printf(`
Souq is running at %[1]s  (ready in %.1fs; logs in %[8]s)%[10]s

The console: %[12]s
  sign in with any user id (usr_demo_owner, usr_demo_advertiser, usr_demo_influencer and usr_demo_member own the demo data)
A page with the ad tag for the demo slot %[14]s: %[13]s
The demo community's join page (its Supporter tier; usr_demo_member is a member): %[12]sc/%[6]s/join

Demo credentials (also in %[9]s; "source %[11]s" puts them in your shell):
  owner       %[3]s   token $OWNER_TOKEN
  advertiser  %[4]s   token $ADVERTISER_TOKEN
  influencer  %[5]s   token $INFLUENCER_TOKEN
  member      usr_demo_member   token $MEMBER_TOKEN (tier $TIER_ID)
  community   %[6]s   API key $COMMUNITY_KEY
  advertiser  %[7]s   API key $ADVERTISER_KEY

Try:
  source %[11]s
  curl -s $SOUQ_URL/healthz
  curl -s -H "Authorization: Bearer $OWNER_TOKEN" $SOUQ_URL/v1/communities/$COMMUNITY_ID
  curl -s -X POST $SOUQ_URL/local/tokens -H 'Content-Type: application/json' -d '{"userId":"usr_alice"}'

Local-only: POST /local/tokens, POST /local/clock/advance, POST /local/clock/hold, POST /local/rail/fail, GET /local/events, GET /local/dead-letters, GET /local/ledger/verify
Press Ctrl-C to stop (DynamoDB Local and stripe-mock stop with it).
`, p.BaseURL, time.Since(start).Seconds(), local.DemoOwner, local.DemoAdvertiser, local.DemoInfluencer, d.CommunityID, d.AdvertiserID,
		filepath.Join(stateDir(), "souq.log"), filepath.Join(stateDir(), "local.json"), limitsNote(), filepath.Join(stateDir(), "env"), p.ConsoleURL(), p.BaseURL+"/local/demo", d.SlotID)
	<-ctx.Done()
	fmt.Println("\nstopping Souq…")
	p.Close()
	fmt.Println("stopped.")
	return 0
}

// already reports whether a Souq answers at addr.
func already(addr string) bool {
	hc := &http.Client{Timeout: time.Second}
	resp, err := hc.Get("http://" + addr + "/healthz")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var body struct{ Status string }
	return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&body) == nil && body.Status == "ok"
}

// runningPID returns the pid of a live souq-local recorded in the state
// directory (it may still be starting), or 0.
func runningPID() int {
	b, err := os.ReadFile(filepath.Join(stateDir(), "souq.pid"))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 || pid == os.Getpid() || syscall.Kill(pid, 0) != nil {
		return 0
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !strings.Contains(string(cmdline), "souq-local") {
		return 0
	}
	return pid
}

// rateLimits reads SOUQ_RATE_LIMITS: "off" turns the gateway's
// per-principal limits off, for benchmarks and load tests from outside.
func rateLimits() bool { return os.Getenv("SOUQ_RATE_LIMITS") != "off" }

func limitsNote() string {
	note := ""
	if !rateLimits() {
		note = "\nRate limits are off (SOUQ_RATE_LIMITS=off): nothing stops a flood."
	}
	if os.Getenv("SOUQ_RUNTIME") == local.RuntimeRIE {
		note += "\nThe functions run as their real Lambda binaries under the Runtime Interface Emulator (SOUQ_RUNTIME=rie; the authorizer in-process)."
	}
	return note
}

func stateDir() string {
	d := envOr("SOUQ_STATE_DIR", ".souq")
	_ = os.MkdirAll(d, 0o700)
	return d
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// execWithDynamo runs args with SOUQ_DYNAMODB_ENDPOINT pointing at a fresh
// DynamoDB Local, and stops it afterwards whatever happens.
func execWithDynamo(args []string) int {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: souq-local exec -- command [args…]")
		return 2
	}
	ctx := context.Background()
	srv, err := dynamolocal.Start(ctx, io.Discard)
	if err != nil {
		fmt.Fprintln(os.Stderr, "souq-local:", err)
		return 1
	}
	defer srv.Stop()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "SOUQ_DYNAMODB_ENDPOINT="+srv.Endpoint)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "souq-local:", err)
		return 1
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	err = cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "souq-local:", err)
		return 1
	}
	return 0
}
