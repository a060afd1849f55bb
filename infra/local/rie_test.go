package local

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/store/storetest"
	"github.com/souqhq/souq/shared/topology"
)

// The same binaries (DESIGN §20): every function's real Lambda bootstrap,
// built as make build builds it (for this machine), runs under AWS's
// Runtime Interface Emulator and is invoked with the events AWS sends it:
// payload 2.0 through the gateway, EventBridge events from the bus, the
// outbox's DynamoDB stream records, Scheduler's payloads. Its errors and
// timeouts come back as Lambda reports them. The suite fails, never
// skips, without the emulator: make deps installs it.
func TestRIE_TheSameBinaries(t *testing.T) {
	emulator, err := FindEmulator()
	if err != nil {
		t.Fatalf("the RIE smoke suite needs the Lambda Runtime Interface Emulator: %v", err)
	}
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	bins, err := BuildBootstraps(ctx, root, t.TempDir(), "./functions/...", "./infra/local/testdata/hello", "./infra/local/testdata/misbehave")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range topology.Souq().Functions {
		if bins[f.Name] == "" {
			t.Fatalf("functions/%s did not build", f.Name)
		}
	}
	t.Run("FailuresAreLambdas", func(t *testing.T) { testRIEFailures(t, emulator, bins) })
	t.Run("Platform", func(t *testing.T) { testRIEPlatform(t, bins) })
}

// syncBuffer keeps the emulators' output, shown when a test fails.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) dumpOnFailure(t *testing.T) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		out := b.buf.String()
		if len(out) > 16<<10 {
			out = "…" + out[len(out)-16<<10:]
		}
		t.Logf("the emulators' output:\n%s", out)
	})
}

// testRIEFailures holds the runner to Lambda's mapping of failures, with
// misbehave, a function that fails on request: a returned error and a
// panic are function errors, and the instance serves on; a timeout is a
// function error, and the instance is replaced; for HTTP, API Gateway
// answers each with 500 {"message":"Internal Server Error"}; for events,
// each is an error the bus retries, then dead-letters.
func testRIEFailures(t *testing.T, emulator string, bins map[string]string) {
	logs := &syncBuffer{}
	logs.dumpOnFailure(t)
	r := NewRIE(emulator, logs, RIEFunction{Name: "misbehave", Bootstrap: bins["misbehave"], Env: []string{"PATH=" + os.Getenv("PATH")}, Timeout: 2 * time.Second})
	t.Cleanup(r.Close)
	ctx := context.Background()
	invoke := func(payload string) ([]byte, *FunctionError) {
		t.Helper()
		out, err := r.Invoke(ctx, "misbehave", []byte(payload))
		var fe *FunctionError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("invoke %s: not a function error: %v", payload, err)
		}
		return out, fe
	}

	if out, fe := invoke(`{"hello":"world"}`); fe != nil || string(out) != `{"hello":"world"}` {
		t.Fatalf("an answer: got %s, %v", out, fe)
	}
	if _, fe := invoke(`{"error":"boom"}`); fe == nil || fe.Type != "errorString" || fe.Message != "boom" || fe.Timeout {
		t.Errorf("a returned error: got %+v, want errorString: boom", fe)
	}
	if _, fe := invoke(`{"panic":"oops"}`); fe == nil || fe.Message != "oops" || fe.Timeout {
		t.Errorf("a panic: got %+v, want a function error oops", fe)
	}
	if n := r.Instances("misbehave"); n != 1 {
		t.Errorf("after an error and a panic, %d instances; want the one, serving on", n)
	}
	if out, fe := invoke(`{"after":"panic"}`); fe != nil || string(out) != `{"after":"panic"}` {
		t.Errorf("the instance after a panic: got %s, %v", out, fe)
	}
	// It sleeps 5 s under a 2 s timeout: only the emulator's cut answers
	// Sandbox.Timedout.
	if _, fe := invoke(`{"sleepMs":5000}`); fe == nil || !fe.Timeout || fe.Type != "Sandbox.Timedout" {
		t.Errorf("a timeout: got %+v, want Sandbox.Timedout", fe)
	}
	if n := r.Instances("misbehave"); n != 0 {
		t.Errorf("after a timeout, %d instances; want the timed-out one replaced", n)
	}
	if out, fe := invoke(`{"after":"timeout"}`); fe != nil || string(out) != `{"after":"timeout"}` {
		t.Errorf("after a timeout: got %s, %v", out, fe)
	}

	// Concurrent invocations each get an instance of their own (one
	// emulator crashes on two at once), and idle ones are reused.
	for round := 0; round < 2; round++ {
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Go(func() {
				out, err := r.Invoke(ctx, "misbehave", []byte(fmt.Sprintf(`{"sleepMs":300,"i":%d}`, i)))
				if err == nil && !strings.Contains(string(out), fmt.Sprintf(`"i":%d`, i)) {
					err = fmt.Errorf("answered %s", out)
				}
				errs[i] = err
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d of three concurrent invocations: %v", round, err)
		}
		if n := r.Instances("misbehave"); n != 3 {
			t.Errorf("round %d: %d instances for three concurrent invocations; want 3", round, n)
		}
	}

	// HTTP: what API Gateway answers.
	p := &Platform{RIE: r, originSecret: "s"}
	fn := p.rieFunction("misbehave", &Function{
		HTTP: func(context.Context, lambdaevents.APIGatewayV2HTTPRequest) (lambdaevents.APIGatewayV2HTTPResponse, error) {
			panic("in-process")
		},
		Event:     func(context.Context, lambdaevents.EventBridgeEvent) error { panic("in-process") },
		Scheduled: func(context.Context, json.RawMessage) error { panic("in-process") },
	})
	for _, body := range []string{`{"error":"boom"}`, `{"panic":"oops"}`, `{"sleepMs":5000}`} {
		resp, err := fn.HTTP(ctx, lambdaevents.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "POST /x", RawPath: "/x", Body: body,
			RequestContext: lambdaevents.APIGatewayV2HTTPRequestContext{RequestID: "req_1"}})
		if err != nil || resp.StatusCode != http.StatusInternalServerError || resp.Body != `{"message":"Internal Server Error"}` {
			t.Errorf("HTTP %s: got %d %s, %v; want API Gateway's 500", body, resp.StatusCode, resp.Body, err)
		}
	}
	if resp, err := fn.HTTP(ctx, lambdaevents.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "POST /x", RawPath: "/x", Body: `{"fine":true}`}); err != nil || resp.StatusCode != http.StatusOK || resp.Body != `{"fine":true}` {
		t.Errorf("HTTP answer: got %d %s, %v", resp.StatusCode, resp.Body, err)
	}
	if err := fn.Scheduled(ctx, json.RawMessage(`{"job":"x","error":"boom"}`)); err == nil {
		t.Error("a scheduled invocation that fails answers no error: Scheduler would not retry it")
	}

	// Events: the bus retries a failed delivery, then keeps it as a dead
	// letter.
	at := time.Date(2040, 3, 2, 4, 0, 0, 0, time.UTC)
	bus, err := NewBus([]topology.Rule{{Name: "to-misbehave", Pattern: `{"source":["souq.test"]}`, Target: "misbehave"}},
		clock.NewFake(at), slog.New(slog.DiscardHandler), 2, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	bus.SetTargets(func(string) func(context.Context, lambdaevents.EventBridgeEvent) error { return fn.Event })
	for _, detail := range []string{`{"fine":true}`, `{"error":"boom"}`} {
		if errs, err := bus.Publish(ctx, []events.Envelope{{ID: "e", Source: "souq.test", DetailType: "Test", Time: at, Detail: json.RawMessage(detail)}}); err != nil || errs[0] != nil {
			t.Fatal(err, errs)
		}
	}
	bus.WaitIdle()
	dead := bus.DeadLetters()
	if len(dead) != 1 || dead[0].Attempts != 2 || !strings.Contains(dead[0].Error, "boom") {
		t.Errorf("dead letters: got %+v; want the failing event, after 2 attempts", dead)
	}
}

// testRIEPlatform runs the platform with every function's binary under
// the emulator and speaks to it as a client would.
func testRIEPlatform(t *testing.T, bins map[string]string) {
	logs := &syncBuffer{}
	logs.dumpOnFailure(t)
	ctx := context.Background()
	p, err := Start(ctx, Options{Addr: "127.0.0.1:0", DynamoEndpoint: storetest.Endpoint(t), TablePrefix: storetest.Prefix(),
		StripeMock: true, Seed: true, Runtime: RuntimeRIE, RIEBootstraps: bins, ChildLog: logs})
	if err != nil {
		t.Fatalf("start with the seed, every request of it to the binaries: %v", err)
	}
	t.Cleanup(p.Close)
	top := topology.Souq()

	type answer struct {
		status int
		header http.Header
		body   map[string]any
	}
	send := func(method, path, token, body string) answer {
		t.Helper()
		req, err := http.NewRequest(method, p.BaseURL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		a := answer{status: resp.StatusCode, header: resp.Header}
		if err := json.Unmarshal(raw, &a.body); err != nil {
			t.Fatalf("%s %s: %d, not JSON: %s", method, path, resp.StatusCode, raw)
		}
		return a
	}
	isProblem := func(what string, a answer, status int) {
		t.Helper()
		if a.status != status || a.header.Get("Content-Type") != "application/problem+json" || a.body["status"] != float64(status) || a.body["type"] == nil {
			t.Errorf("%s: got %d %s %v; want %d problem+json", what, a.status, a.header.Get("Content-Type"), a.body, status)
		}
	}

	// The seed went through the binaries: Stripe's cards and the demo
	// membership (the binaries on the local Stripe, Stripe's signed events
	// verified by the accounts binary), the house creative (the campaigns
	// binary's PutObject to the stand-in), which the demo slot shows.
	if p.Demo.MembershipID == "" || p.Demo.TierID == "" || p.Demo.SlotID == "" {
		t.Fatalf("the seed made no membership or slot: %+v", p.Demo)
	}
	served := send("GET", "/v1/serve/"+p.Demo.SlotID, "", "")
	image := findString(served.body, "/creatives/")
	if served.status != http.StatusOK || image == "" {
		t.Fatalf("the demo slot serves no hosted creative: %d %v", served.status, served.body)
	}
	if resp, err := http.Get(image); err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("the house creative %s: %v %v", image, resp, err)
	} else {
		resp.Body.Close()
	}

	// Payload 2.0 through the gateway, to the binaries.
	if a := send("GET", "/healthz", "", ""); a.status != http.StatusOK || a.body["status"] != "ok" {
		t.Fatalf("GET /healthz: %d %v", a.status, a.body)
	}
	if n := p.RIE.Instances(topology.FnAccounts); n < 1 {
		t.Fatalf("GET /healthz was answered, but no accounts binary runs (%d instances): not through the emulator", n)
	}
	token, _ := send("POST", "/local/tokens", "", `{"userId":"usr_rie_owner"}`).body["token"].(string)
	isProblem("a community that does not exist", send("GET", "/v1/communities/com_nosuchcommunity", token, ""), http.StatusNotFound)
	bad := send("POST", "/v1/communities", token, `{"name":"Rie","color":"red"}`)
	isProblem("a community with an unknown field", bad, http.StatusBadRequest)
	if errs, _ := bad.body["errors"].([]any); len(errs) == 0 {
		t.Errorf("a 400 names no field: %v", bad.body)
	}

	// The binary answers only what came through the edge: the gateway
	// sends the origin secret, as CloudFront does; without it, 403.
	raw, err := json.Marshal(lambdaevents.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "GET /healthz", RawPath: "/healthz",
		Headers:        map[string]string{"host": "souq.test"},
		RequestContext: lambdaevents.APIGatewayV2HTTPRequestContext{RouteKey: "GET /healthz", HTTP: lambdaevents.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/healthz"}}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.RIE.Invoke(ctx, topology.FnAccounts, raw)
	var direct lambdaevents.APIGatewayV2HTTPResponse
	if err != nil || json.Unmarshal(out, &direct) != nil || direct.StatusCode != http.StatusForbidden {
		t.Errorf("a request without the origin secret: got %s, %v; want 403", out, err)
	}

	// The outbox's stream records to the relay's binary, its PutEvents to
	// the bus, the bus's EventBridge events to the consumers' binaries.
	com := send("POST", "/v1/communities", token, `{"name":"Rie Reads","url":"https://rie.example","currency":"USD"}`)
	comID, _ := com.body["id"].(string)
	if com.status != http.StatusCreated || comID == "" {
		t.Fatalf("create a community: %d %v", com.status, com.body)
	}
	if err := p.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	var created *events.Envelope
	for _, e := range p.Bus.Published("CommunityCreated") {
		if strings.Contains(string(e.Detail), comID) {
			created = &e
		}
	}
	if created == nil {
		t.Fatalf("the community's CommunityCreated never reached the bus (relay instances: %d)", p.RIE.Instances(topology.FnRelay))
	}
	if dead := p.Bus.DeadLetters(); len(dead) > 0 {
		t.Errorf("dead letters: %+v", dead)
	}
	for _, r := range top.Rules {
		if r.Target != top.Authorizer && p.RIE.Instances(r.Target) == 0 && ruleMatches(t, r, *created) {
			t.Errorf("rule %s matches CommunityCreated, but no %s binary ever ran", r.Name, r.Target)
		}
	}
	// A redelivery, as EventBridge may make, straight to a consumer.
	ev, _, err := p.Bus.eventOf(*created)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Functions[topology.FnAuctions].Event(ctx, ev); err != nil {
		t.Errorf("auctions refused a redelivered CommunityCreated: %v", err)
	}
	if resp, err := p.Functions[topology.FnRelay].Stream(ctx, lambdaevents.DynamoDBEvent{Records: []lambdaevents.DynamoDBEventRecord{}}); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Errorf("an empty stream batch: %+v, %v", resp, err)
	}

	// Scheduler: a binary's CreateSchedule reaches the local Scheduler,
	// and Scheduler's payloads reach the binaries.
	pending := p.Scheduler.Pending()
	slot := send("POST", "/v1/communities/"+comID+"/slots", token, `{"name":"Sidebar","width":300,"height":250,"reserve":{"amount":500,"currency":"USD"}}`)
	slotID, _ := slot.body["id"].(string)
	now := p.Clock.Now().UTC()
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	auction := send("POST", "/v1/slots/"+slotID+"/auctions", token, fmt.Sprintf(`{"closesAt":%q,"flightStart":%q,"flightEnd":%q}`, at(time.Hour), at(2*time.Hour), at(170*time.Hour)))
	if auction.status != http.StatusCreated {
		t.Fatalf("create an auction: %d %v", auction.status, auction.body)
	}
	if got := p.Scheduler.Pending(); got != pending+1 {
		t.Errorf("the auction's close: %d one-time schedules, want %d (CreateSchedule did not reach the local Scheduler)", got, pending+1)
	}
	// The binaries keep the platform's clock (clock.Follow): an hour on,
	// the close fires and the auctions binary, seeing the same hour, closes
	// it (on the wall clock it would refuse: "closes at …").
	auctionID, _ := auction.body["id"].(string)
	if _, err := p.Advance(ctx, time.Hour+time.Minute); err != nil {
		t.Fatalf("advance the platform's clock: %v", err)
	}
	if got := send("GET", "/v1/auctions/"+auctionID, token, ""); got.status != http.StatusOK || got.body["status"] != "closed" {
		t.Errorf("an hour past its close, the auction is still open: the binaries do not keep the platform's clock: %v", got.body)
	}
	if err := p.Functions[topology.FnServe].Scheduled(ctx, json.RawMessage(topology.JobInput(topology.JobMeter))); err != nil {
		t.Errorf("serve's meter: %v", err)
	}
	// Every function that makes schedules takes Scheduler's payloads: its
	// main hands them to its handler (a job it does not know is its own
	// error, not the runtime's refusal of the payload).
	for _, f := range top.Functions {
		if !f.CreatesSchedules {
			continue
		}
		_, err := p.RIE.Invoke(ctx, f.Name, []byte(`{"job":"no-such-job"}`))
		var fe *FunctionError
		switch {
		case !errors.As(err, &fe):
			t.Errorf("%s took a job it does not know: got %v, want a function error", f.Name, err)
		case strings.Contains(fe.Message, "a payload this function does not take"):
			t.Errorf("%s makes schedules, but its binary refuses Scheduler's payloads: functions/%s/main.go gives invoke.Mux no Scheduled handler", f.Name, f.Name)
		}
	}

	// Every emulator, told loopback addresses, listens on nothing else
	// (by default it takes 0.0.0.0:8080).
	pids := p.RIE.Pids()
	if len(pids) < 4 {
		t.Errorf("%d emulators running; the suite started more", len(pids))
	}
	listening := listeningSockets(t)
	for _, pid := range pids {
		n := 0
		for _, inode := range socketInodes(t, pid) {
			if addr, ok := listening[inode]; ok {
				n++
				if !loopback(addr) {
					t.Errorf("emulator %d listens on %s, which is not loopback", pid, addr)
				}
			}
		}
		if n == 0 {
			t.Errorf("emulator %d listens on nothing", pid)
		}
	}

	t.Run("ColdStarts", func(t *testing.T) { testRIEColdStarts(t, p, bins) })
	// Last: the quickstart moves the platform's clock a week on.
	t.Run("Quickstart", func(t *testing.T) { testRIEQuickstart(t, p) })
}

// testRIEQuickstart runs the README's quickstart as printed against the
// binaries (what `SOUQ_RUNTIME=rie make run` serves): every answer is
// JSON, the one error is the 400 it shows on purpose, and what it sets
// off happens as in-process: the auction closes on the clock's move, the
// payout is paid, the ledger verifies.
func testRIEQuickstart(t *testing.T, p *Platform) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start, end := strings.Index(text, "source .souq/env"), strings.Index(text, "curl -s $SOUQ_URL/local/ledger/verify")
	if start < 0 || end < start {
		t.Fatal("README has no quickstart block from `source .souq/env` to the ledger check")
	}
	d := p.Demo
	if d == nil {
		t.Fatal("the platform was not seeded")
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".souq"), 0o700); err != nil {
		t.Fatal(err)
	}
	env := fmt.Sprintf("export SOUQ_URL=%q OWNER_TOKEN=%q ADVERTISER_TOKEN=%q INFLUENCER_TOKEN=%q MEMBER_TOKEN=%q TIER_ID=%q COMMUNITY_ID=%q ADVERTISER_ID=%q COMMUNITY_KEY=%q ADVERTISER_KEY=%q\n",
		p.BaseURL, d.Users["owner"].Token, d.Users["advertiser"].Token, d.Users["influencer"].Token, d.Users["member"].Token, d.TierID, d.CommunityID, d.AdvertiserID, d.APIKeys["community"], d.APIKeys["advertiser"])
	if err := os.WriteFile(filepath.Join(dir, ".souq", "env"), []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", text[start:end]+"curl -s $SOUQ_URL/local/ledger/verify\n")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README block failed against the binaries: %v\n%s", err, out)
	}
	statuses := map[string]int{}
	var last map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		last = v
		switch st := v["status"].(type) {
		case float64:
			if st != 400 {
				t.Errorf("an error the README does not show: %s", l)
			}
		case string:
			statuses[st]++
		}
	}
	for _, want := range []string{"closed", "paid", "published", "succeeded"} {
		if statuses[want] == 0 {
			t.Errorf("nothing %s in the quickstart's answers (%v): the binaries did not do what in-process does", want, statuses)
		}
	}
	if last["ok"] != true {
		t.Errorf("the ledger after the quickstart: %v", last)
	}
	if dead := p.Bus.DeadLetters(); len(dead) > 0 {
		t.Errorf("%d dead letters after the quickstart", len(dead))
	}
}

// ruleMatches says whether r's pattern matches env, by the bus's own
// matcher.
func ruleMatches(t *testing.T, r topology.Rule, env events.Envelope) bool {
	t.Helper()
	b, err := NewBus([]topology.Rule{r}, clock.NewFake(env.Time), slog.New(slog.DiscardHandler), 1, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.EventJSON(env)
	if err != nil {
		t.Fatal(err)
	}
	m, err := b.Matches(raw)
	return err == nil && len(m) > 0
}

// testRIEColdStarts times each binary's cold start under the emulator
// (the emulator's start, the function's init and its first invocation
// answered) against hello, the smallest Go Lambda, built with the same
// flags, and logs the figures (go test -v -run TestRIE).
func testRIEColdStarts(t *testing.T, p *Platform, bins map[string]string) {
	emulator, err := FindEmulator()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	hello := NewRIE(emulator, io.Discard, RIEFunction{Name: "hello", Bootstrap: bins["hello"], Env: []string{"PATH=" + os.Getenv("PATH")}, Timeout: 10 * time.Second})
	defer hello.Close()
	// Rounds interleave hello and the functions, so that the machine's
	// load on the moment weighs on each alike; the median of each is
	// kept.
	const runs = 5
	top := topology.Souq()
	times := map[string][]time.Duration{}
	cold := func(name string, r *RIE, payload []byte) {
		t.Helper()
		d, out, err := r.ColdStart(ctx, name, payload)
		if err != nil {
			t.Fatalf("%s's cold start: %v (%s)", name, err, out)
		}
		checkColdAnswer(t, top, name, out)
		times[name] = append(times[name], d)
	}
	for range runs {
		cold("hello", hello, []byte(`{}`))
		for _, f := range top.Functions {
			cold(f.Name, p.RIE, p.coldStartPayload(t, top, f.Name))
		}
	}
	median := func(name string) time.Duration {
		ds := slices.Sorted(slices.Values(times[name]))
		return ds[len(ds)/2]
	}
	base := median("hello")
	var lines []string
	for _, f := range top.Functions {
		d := median(f.Name)
		lines = append(lines, fmt.Sprintf("%-12s %6.1f ms  %5.2f× hello", f.Name, float64(d.Microseconds())/1000, float64(d)/float64(base)))
	}
	sort.Strings(lines)
	t.Logf("cold start under the emulator, process start to first answer (median of %d; hello, the smallest Go Lambda, %.1f ms):\n%s",
		runs, float64(base.Microseconds())/1000, strings.Join(lines, "\n"))
}

// checkColdAnswer holds a first answer to what the event asked: the
// route's function answered the request past the origin check (a status
// of its router's, not 403 or 5xx), the authorizer named what is wrong
// with the bad token, the relay had nothing to fail.
func checkColdAnswer(t *testing.T, top topology.Topology, name string, out []byte) {
	t.Helper()
	switch {
	case name == top.Authorizer:
		var a lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse
		// It lets the request through with the reason, for the function
		// to answer 401 in problem+json.
		if err := json.Unmarshal(out, &a); err != nil || a.Context["authError"] == nil {
			t.Errorf("the authorizer on a bad token answered %s, naming no authError", out)
		}
	case len(top.RoutesOf(name)) > 0:
		var h lambdaevents.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(out, &h); err != nil || h.StatusCode < 200 || h.StatusCode >= 500 || h.StatusCode == http.StatusForbidden {
			t.Errorf("%s's first route answered %s", name, out)
		}
	case name == topology.FnRelay:
		var r lambdaevents.DynamoDBEventResponse
		if err := json.Unmarshal(out, &r); err != nil || len(r.BatchItemFailures) != 0 {
			t.Errorf("the relay on an empty batch answered %s", out)
		}
	}
}

// coldStartPayload is an event each function takes: a request for its
// first route (with the origin secret), the authorizer's request, an
// empty stream batch, the ledger verification's {}.
func (p *Platform) coldStartPayload(t *testing.T, top topology.Topology, name string) []byte {
	t.Helper()
	var ev any
	switch routes := top.RoutesOf(name); {
	case name == top.Authorizer:
		ev = lambdaevents.APIGatewayV2CustomAuthorizerV2Request{Version: "2.0", Type: "REQUEST", RouteKey: "GET /v1/me", RawPath: "/v1/me",
			IdentitySource: []string{"Bearer not-a-token"}, Headers: map[string]string{"authorization": "Bearer not-a-token"}}
	case len(routes) > 0:
		path := routes[0].Path
		for strings.Contains(path, "{") {
			i, j := strings.Index(path, "{"), strings.Index(path, "}")
			path = path[:i] + "x" + path[j+1:]
		}
		ev = lambdaevents.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: routes[0].Key(), RawPath: path,
			Headers: map[string]string{"host": "souq.test", strings.ToLower(api.OriginHeader): p.originSecret},
			RequestContext: lambdaevents.APIGatewayV2HTTPRequestContext{RouteKey: routes[0].Key(), RequestID: "req_cold",
				HTTP: lambdaevents.APIGatewayV2HTTPRequestContextHTTPDescription{Method: routes[0].Method, Path: path, SourceIP: "127.0.0.1"}}}
	case name == topology.FnRelay:
		ev = lambdaevents.DynamoDBEvent{Records: []lambdaevents.DynamoDBEventRecord{}}
	default:
		ev = map[string]any{}
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// Without the emulator, what runs it says how to install it.
func TestFindEmulator_WhenMissing_SaysHowToInstallIt(t *testing.T) {
	t.Setenv("SOUQ_RIE", "")
	t.Setenv("PATH", "")
	t.Chdir(t.TempDir())
	if _, err := FindEmulator(); !errors.Is(err, ErrNoEmulator) || !strings.Contains(err.Error(), "make deps") {
		t.Errorf("got %v, want ErrNoEmulator naming make deps", err)
	}
	t.Setenv("SOUQ_RIE", "/nonexistent/aws-lambda-rie")
	if _, err := FindEmulator(); err == nil || !strings.Contains(err.Error(), "SOUQ_RIE") {
		t.Errorf("a SOUQ_RIE that is not there: got %v", err)
	}
}

// make deps installs the emulator at the version the runner names.
func TestRIEVersion_IsTheOneMakeDepsInstalls(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile(root + "/Makefile")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mk), "RIE_VERSION = "+RIEVersion+"\n") || !strings.Contains(string(mk), "RIE_MODULE = "+strings.TrimSuffix(RIEModule, "/cmd/aws-lambda-rie")+"\n") {
		t.Errorf("the Makefile does not install %s@%s", RIEModule, RIEVersion)
	}
}

// Only Lambda's error document is a function error: a response of the
// function's own, even one with an errorMessage field, is not.
func TestFunctionError_OnlyLambdasErrorDocument(t *testing.T) {
	for _, c := range []struct {
		body string
		want *FunctionError
	}{
		{`{"errorMessage":"boom","errorType":"errorString"}`, &FunctionError{Function: "f", Type: "errorString", Message: "boom"}},
		{`{"errorMessage":"oops","errorType":"string","stackTrace":[]}`, &FunctionError{Function: "f", Type: "string", Message: "oops"}},
		{`{"errorType":"Runtime.ExitError"}`, &FunctionError{Function: "f", Type: "Runtime.ExitError"}},
		{`{"statusCode":200,"body":"{}"}`, nil},
		{`{"errorMessage":"a field of the response","statusCode":400}`, nil},
		{`{}`, nil},
		{`null`, nil},
		{`"errorMessage"`, nil},
		{`Task timed out after 3.00 seconds`, nil},
	} {
		got := functionError("f", []byte(c.body))
		if (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
			t.Errorf("%s: got %+v, want %+v", c.body, got, c.want)
		}
	}
}

// findString is the first string in v (decoded JSON) that contains sub.
func findString(v any, sub string) string {
	switch x := v.(type) {
	case string:
		if strings.Contains(x, sub) {
			return x
		}
	case map[string]any:
		for _, e := range x {
			if s := findString(e, sub); s != "" {
				return s
			}
		}
	case []any:
		for _, e := range x {
			if s := findString(e, sub); s != "" {
				return s
			}
		}
	}
	return ""
}
