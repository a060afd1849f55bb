package local

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/souqhq/souq/shared/child"
)

// The Lambda Runtime Interface Emulator (RIE) runs a function's real
// bootstrap, the binary make build ships, behind the Runtime API Lambda
// gives it, and answers invocations on
// http://<address>/2015-03-31/functions/function/invocations. One emulator
// runs one instance of one function and takes one invocation at a time (a
// second concurrent one crashes it), so the runner keeps a pool per
// function: one emulator per concurrent invocation, started on demand and
// reused once idle, as Lambda keeps execution environments.

// RIEModule is the emulator's module at the pseudo-version make deps
// installs (GOBIN=bin go install RIEModule@RIEVersion): never in go.mod,
// so that its dependencies do not move ours.
const (
	RIEModule  = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"
	RIEVersion = "v0.0.0-20261030222936-bef5c4ba774d"
)

// rieInvokePath is where the emulator takes invocations.
const rieInvokePath = "/2015-03-31/functions/function/invocations"

// ErrNoEmulator is FindEmulator's error when aws-lambda-rie is nowhere.
var ErrNoEmulator = errors.New("aws-lambda-rie not found: `make deps` installs it into bin/ (GOBIN=$PWD/bin go install " +
	RIEModule + "@" + RIEVersion + "), or set SOUQ_RIE to the emulator's path")

// FindEmulator finds aws-lambda-rie: $SOUQ_RIE, else bin/aws-lambda-rie
// in the working directory or one above it (the repository's, where make
// deps puts it), else on PATH.
func FindEmulator() (string, error) {
	if p := os.Getenv("SOUQ_RIE"); p != "" {
		if !fileExists(p) {
			return "", fmt.Errorf("SOUQ_RIE=%s: no such file", p)
		}
		return p, nil
	}
	if dir, err := os.Getwd(); err == nil {
		for ; ; dir = filepath.Dir(dir) {
			if cand := filepath.Join(dir, "bin", "aws-lambda-rie"); fileExists(cand) {
				return cand, nil
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p, nil
	}
	return "", ErrNoEmulator
}

// ModuleRoot is the directory of the go.mod above the working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for ; ; dir = filepath.Dir(dir) {
		if fileExists(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", errors.New("no go.mod above the working directory: run from the repository")
		}
	}
}

// BuildBootstraps builds the main packages pkgs (import paths or ./
// patterns, relative to root) for this machine with make build's flags
// (-tags lambda.norpc, -s -w, no cgo), in one go build so that they link
// in parallel, and puts each at out/<name>/bootstrap, name being the
// package's last path element. It answers the bootstraps by name. Unlike
// make build it keeps the source paths (no -trimpath, which only changes
// the paths in stack traces): the compiled packages are then the ones
// go build ./... and make lint already cached, and only the links remain.
func BuildBootstraps(ctx context.Context, root, out string, pkgs ...string) (map[string]string, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(out, ".build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	args := append([]string{"build", "-buildvcs=false", "-tags", "lambda.norpc", "-ldflags=-s -w", "-o", tmp + string(filepath.Separator)}, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	if outb, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build the bootstraps: %w\n%s", err, outb)
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return nil, err
	}
	built := map[string]string{}
	for _, e := range entries {
		dst := filepath.Join(out, e.Name(), "bootstrap")
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		if err := os.Rename(filepath.Join(tmp, e.Name()), dst); err != nil {
			return nil, err
		}
		built[e.Name()] = dst
	}
	return built, nil
}

// RIEFunction is one function as the emulator runs it.
type RIEFunction struct {
	Name string
	// Bootstrap is the function's binary.
	Bootstrap string
	// Env is the function's whole environment (KEY=value), as the stack
	// sets it in AWS: the emulator passes its own to the bootstrap, and
	// nothing of the caller's leaks in.
	Env []string
	// Timeout is the function's timeout, in whole seconds as Lambda's (at
	// least one): the emulator stops an invocation that runs longer.
	Timeout time.Duration
	// MaxInstances bounds the function's concurrent instances (0: 16), as
	// a reserved concurrency does.
	MaxInstances int
}

// FunctionError is an invocation that failed inside the function, as
// Lambda reports it: the error the handler returned or panicked with
// (errorType, errorMessage), or its timeout.
type FunctionError struct {
	Function string
	Type     string
	Message  string
	// Timeout is set when the function ran out of time: its instance was
	// stopped, and the next invocation starts a fresh one.
	Timeout bool
}

func (e *FunctionError) Error() string {
	return fmt.Sprintf("function %s: %s: %s", e.Function, e.Type, e.Message)
}

// RIE runs functions under the emulator, a pool of instances each.
type RIE struct {
	emulator string
	log      io.Writer
	client   *http.Client
	mu       sync.Mutex
	pools    map[string]*riePool
	closed   bool
}

// NewRIE is a runner of fns with the emulator at emulator, their output
// (the emulator's and the functions' logs) to log.
func NewRIE(emulator string, log io.Writer, fns ...RIEFunction) *RIE {
	if log == nil {
		log = io.Discard
	}
	r := &RIE{emulator: emulator, log: log, pools: map[string]*riePool{},
		// Never retried here: a retry is the caller's (the bus's, the
		// scheduler's) to decide, as Lambda's event sources do.
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}}}
	for _, f := range fns {
		if f.MaxInstances <= 0 {
			f.MaxInstances = 16
		}
		f.Timeout = time.Duration(max(1, math.Ceil(f.Timeout.Seconds()))) * time.Second
		r.pools[f.Name] = &riePool{fn: f, slots: make(chan struct{}, f.MaxInstances)}
	}
	return r
}

// Instances is how many instances of name are running (idle or busy).
func (r *RIE) Instances(name string) int {
	r.mu.Lock()
	p := r.pools[name]
	r.mu.Unlock()
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.all)
}

// Pids are the emulators' process ids (each with its bootstrap, once
// started, as a child).
func (r *RIE) Pids() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	for _, p := range r.pools {
		p.mu.Lock()
		for _, inst := range p.all {
			out = append(out, inst.proc.Pid())
		}
		p.mu.Unlock()
	}
	return out
}

// Invoke runs one invocation of name with payload on an idle instance,
// or a new one, and answers the function's response. A failure inside the
// function is a *FunctionError; any other error is the platform's (the
// emulator died, or ctx ended).
func (r *RIE) Invoke(ctx context.Context, name string, payload []byte) ([]byte, error) {
	r.mu.Lock()
	p, closed := r.pools[name], r.closed
	r.mu.Unlock()
	if p == nil {
		return nil, fmt.Errorf("rie: no function %s", name)
	}
	if closed {
		return nil, errors.New("rie: stopped")
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-p.slots }()
	inst, err := p.take(ctx, r)
	if err != nil {
		return nil, err
	}
	out, err := r.send(ctx, p.fn, inst, payload)
	var fe *FunctionError
	switch {
	case err == nil, errors.As(err, &fe) && !fe.Timeout:
		// A handled error or a panic leaves a usable instance: the
		// emulator starts the runtime again on the next invocation.
		p.give(inst)
	default:
		p.drop(inst)
	}
	return out, err
}

// ColdStart starts a fresh instance of name beside the pool, and answers
// the time from its process's start to the answer of its first
// invocation (the emulator's start, the bootstrap's init and the
// invocation: a cold start as Lambda counts it, less the download).
func (r *RIE) ColdStart(ctx context.Context, name string, payload []byte) (time.Duration, []byte, error) {
	r.mu.Lock()
	p := r.pools[name]
	r.mu.Unlock()
	if p == nil {
		return 0, nil, fmt.Errorf("rie: no function %s", name)
	}
	start := time.Now()
	inst, err := r.start(ctx, p.fn)
	if err != nil {
		return 0, nil, err
	}
	defer inst.proc.Stop(time.Second)
	out, err := r.send(ctx, p.fn, inst, payload)
	return time.Since(start), out, err
}

// Close stops every instance.
func (r *RIE) Close() {
	r.mu.Lock()
	r.closed = true
	pools := r.pools
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range pools {
		p.mu.Lock()
		all := p.all
		p.all, p.idle = nil, nil
		p.mu.Unlock()
		for _, inst := range all {
			wg.Go(func() { inst.proc.Stop(time.Second) })
		}
	}
	wg.Wait()
}

// riePool is one function's instances.
type riePool struct {
	fn    RIEFunction
	slots chan struct{} // one per invocation in flight, at most MaxInstances
	mu    sync.Mutex
	idle  []*rieInstance
	all   []*rieInstance
}

type rieInstance struct {
	proc *child.Process
	url  string
}

func (p *riePool) take(ctx context.Context, r *RIE) (*rieInstance, error) {
	p.mu.Lock()
	for len(p.idle) > 0 {
		inst := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		select {
		case <-inst.proc.Exited():
			p.all = slices.DeleteFunc(p.all, func(i *rieInstance) bool { return i == inst })
			continue
		default:
		}
		p.mu.Unlock()
		return inst, nil
	}
	p.mu.Unlock()
	inst, err := r.start(ctx, p.fn)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed { // Close ran while it started: it would outlive the runner
		inst.proc.Stop(time.Second)
		return nil, errors.New("rie: stopped")
	}
	p.mu.Lock()
	p.all = append(p.all, inst)
	p.mu.Unlock()
	return inst, nil
}

func (p *riePool) give(inst *rieInstance) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if slices.Contains(p.all, inst) { // not closed meanwhile
		p.idle = append(p.idle, inst)
	}
}

func (p *riePool) drop(inst *rieInstance) {
	p.mu.Lock()
	p.all = slices.DeleteFunc(p.all, func(i *rieInstance) bool { return i == inst })
	p.mu.Unlock()
	inst.proc.Stop(time.Second)
}

// startMu makes one emulator at a time pick its ports and bind them, so
// that two starting together never pick the same free port.
var startMu sync.Mutex

// start runs one emulator for fn on loopback ports of its own (it would
// listen on 0.0.0.0:8080, and its Runtime API on 127.0.0.1:9001, unless
// told otherwise) and waits until it takes connections. The bootstrap
// starts with the first invocation, as in Lambda.
func (r *RIE) start(ctx context.Context, fn RIEFunction) (*rieInstance, error) {
	startMu.Lock()
	defer startMu.Unlock()
	apiPort, err := child.FreePort()
	if err != nil {
		return nil, err
	}
	port, err := child.FreePort()
	if err != nil {
		return nil, err
	}
	for port == apiPort {
		if port, err = child.FreePort(); err != nil {
			return nil, err
		}
	}
	env := append(slices.Clip(fn.Env),
		"AWS_LAMBDA_FUNCTION_NAME="+fn.Name,
		"AWS_LAMBDA_FUNCTION_TIMEOUT="+strconv.Itoa(int(fn.Timeout.Seconds())),
		"LOG_LEVEL=warn",
	)
	proc, err := child.StartEnv("aws-lambda-rie "+fn.Name, r.log, env, r.emulator,
		"--runtime-interface-emulator-address", child.Addr(port),
		"--runtime-api-address", child.Addr(apiPort),
		fn.Bootstrap)
	if err != nil {
		return nil, err
	}
	if err := waitListening(ctx, proc, child.Addr(port), 10*time.Second); err != nil {
		proc.Stop(time.Second)
		return nil, fmt.Errorf("rie: %s: %w", fn.Name, err)
	}
	return &rieInstance{proc: proc, url: "http://" + child.Addr(port) + rieInvokePath}, nil
}

// waitListening waits until addr takes connections: the emulator binds
// its Runtime API before its own address, so both are then bound.
func waitListening(ctx context.Context, proc *child.Process, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	pause := time.Millisecond
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the emulator did not listen on %s within %s", addr, timeout)
		}
		select {
		case <-proc.Exited():
			return errors.New("the emulator exited before it listened (see its log)")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 20*time.Millisecond)
	}
}

// timedOut is how the emulator answers an invocation that ran out of
// time: 200, and this text instead of the function's response.
const timedOut = "Task timed out after "

// send posts payload to inst and maps the emulator's answer as Lambda's
// Invoke API does: the response; or the function's error, which the
// emulator answers with 200 (a returned error) or 502 (a panic, the
// runtime's exit) and {"errorMessage","errorType"}; or its timeout.
func (r *RIE) send(ctx context.Context, fn RIEFunction, inst *rieInstance, payload []byte) ([]byte, error) {
	// The emulator enforces the function's timeout; this one only ends a
	// wait for an emulator that stopped answering.
	ctx, cancel := context.WithTimeout(ctx, fn.Timeout+10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inst.url, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("rie: invoke %s: %w", fn.Name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 7<<20)) // Lambda's 6 MB response limit, and some
	if err != nil {
		return nil, fmt.Errorf("rie: invoke %s: %w", fn.Name, err)
	}
	if resp.StatusCode == http.StatusOK && bytes.HasPrefix(body, []byte(timedOut)) {
		return nil, &FunctionError{Function: fn.Name, Type: "Sandbox.Timedout", Message: string(body), Timeout: true}
	}
	if fe := functionError(fn.Name, body); fe != nil && (resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusBadGateway) {
		return nil, fe
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("rie: invoke %s: the emulator answered %d: %s", fn.Name, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return body, nil
}

// functionError reads the error document Lambda's runtime client sends
// for a failed invocation, or nil when body is not one: an object of
// errorType and errorMessage (and stackTrace) and nothing else, which no
// handler's response is.
func functionError(fn string, body []byte) *FunctionError {
	var doc map[string]json.RawMessage
	if json.Unmarshal(body, &doc) != nil {
		return nil
	}
	if _, ok := doc["errorType"]; !ok {
		if _, ok := doc["errorMessage"]; !ok {
			return nil
		}
	}
	for k := range doc {
		if k != "errorType" && k != "errorMessage" && k != "stackTrace" {
			return nil
		}
	}
	fe := &FunctionError{Function: fn}
	_ = json.Unmarshal(doc["errorType"], &fe.Type)
	_ = json.Unmarshal(doc["errorMessage"], &fe.Message)
	return fe
}
