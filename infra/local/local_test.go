package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/store/storetest"
	"github.com/souqhq/souq/shared/topology"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// Every route the topology declares is served by its function's real
// handler, and no handler serves a route the topology does not declare.
func TestTopology_EveryRouteHasAHandler(t *testing.T) {
	top := topology.Souq()
	fns, err := wireAll(deps{top: top, db: storetest.New(t), clock: clock.System{}, log: slog.New(slog.DiscardHandler), bus: mustBus(t, nil), baseURL: "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range top.Functions {
		if fns[f.Name] == nil {
			t.Errorf("function %s has no local wiring", f.Name)
		}
	}
	declared := map[string]bool{}
	for _, r := range top.Routes {
		declared[r.Key()] = true
		fn := fns[r.Function]
		if fn == nil || fn.HTTP == nil || !contains(fn.Routes, r.Key()) {
			t.Errorf("route %s has no handler in function %s", r.Key(), r.Function)
		}
	}
	for name, fn := range fns {
		for _, rk := range fn.Routes {
			if !declared[rk] {
				t.Errorf("function %s handles %s, which the topology does not declare", name, rk)
			}
		}
	}
	for _, r := range top.Rules {
		if fns[r.Target] == nil || fns[r.Target].Event == nil {
			t.Errorf("rule %s targets %s, which has no event handler", r.Name, r.Target)
		}
	}
}

// Each bus rule sends its target exactly the detail-types the target's
// handler handles: a rule naming a type the handler ignores would drop
// events, and a handler for a type no rule sends would never run. A rule
// without a detail-type (every event of its sources) goes to a consumer
// that takes every event.
func TestTopology_EveryRuleMatchesWhatItsTargetHandles(t *testing.T) {
	top := topology.Souq()
	fns, err := wireAll(deps{top: top, db: storetest.New(t), clock: clock.System{}, log: slog.New(slog.DiscardHandler), bus: mustBus(t, nil), baseURL: "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	sent := map[string]map[string]bool{} // function → detail-types its rules send
	for _, r := range top.Rules {
		var pattern struct {
			DetailType []string `json:"detail-type"`
		}
		if err := json.Unmarshal([]byte(r.Pattern), &pattern); err != nil {
			t.Fatalf("rule %s: %v", r.Name, err)
		}
		fn := fns[r.Target]
		if fn == nil || fn.Events == nil {
			t.Errorf("rule %s targets %s, which has no event mux", r.Name, r.Target)
			continue
		}
		if len(pattern.DetailType) == 0 {
			if !fn.Events.TakesRest() {
				t.Errorf("rule %s sends every event to %s, which handles only %v", r.Name, r.Target, fn.Events.DetailTypes())
			}
			continue
		}
		if sent[r.Target] == nil {
			sent[r.Target] = map[string]bool{}
		}
		for _, dt := range pattern.DetailType {
			sent[r.Target][dt] = true
			if !contains(fn.Events.DetailTypes(), dt) && !fn.Events.TakesRest() {
				t.Errorf("rule %s sends %s to %s, which does not handle it", r.Name, dt, r.Target)
			}
		}
	}
	for name, fn := range fns {
		if fn.Events == nil {
			continue
		}
		for _, dt := range fn.Events.DetailTypes() {
			if !sent[name][dt] && !fn.Events.TakesRest() {
				t.Errorf("%s handles %s, which no rule sends it", name, dt)
			}
		}
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func mustBus(t testing.TB, rules []topology.Rule) *Bus {
	b, err := NewBus(rules, clock.System{}, slog.New(slog.DiscardHandler), 3, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func envelope(detailType, detail string) events.Envelope {
	return events.Envelope{ID: "evt_1", Source: "souq.test", DetailType: detailType, Time: time.Now(), Detail: json.RawMessage(detail)}
}

// The bus routes by EventBridge patterns, retries a failing target and
// dead-letters what never succeeds, without blocking other targets.
func TestBus_MatchesRetriesAndDeadLetters(t *testing.T) {
	rules := []topology.Rule{
		{Name: "closed-to-flaky", Pattern: `{"detail-type":["AuctionClosed"]}`, Target: "flaky"},
		{Name: "big-to-broken", Pattern: `{"source":[{"prefix":"souq."}],"detail":{"tier":["big"]}}`, Target: "broken"},
	}
	b := mustBus(t, rules)
	var flakyCalls, brokenCalls atomic.Int32
	b.SetTargets(func(name string) func(context.Context, lambdaevents.EventBridgeEvent) error {
		switch name {
		case "flaky":
			return func(_ context.Context, ev lambdaevents.EventBridgeEvent) error {
				if ev.DetailType != "AuctionClosed" || ev.Source != "souq.test" {
					t.Errorf("target got %+v", ev)
				}
				if flakyCalls.Add(1) < 3 {
					return errors.New("not yet")
				}
				return nil
			}
		case "broken":
			return func(context.Context, lambdaevents.EventBridgeEvent) error {
				brokenCalls.Add(1)
				panic("boom")
			}
		}
		return nil
	})
	errs, err := b.Publish(context.Background(), []events.Envelope{
		envelope("AuctionClosed", `{"amount":5}`),
		envelope("BidPlaced", `{"tier":"big"}`),
		envelope("BidPlaced", `{"tier":"small"}`),
	})
	if err != nil || errs[0] != nil || errs[1] != nil || errs[2] != nil {
		t.Fatal(err, errs)
	}
	b.WaitIdle()
	if flakyCalls.Load() != 3 {
		t.Fatalf("flaky target called %d times, want 3 (two failures then success)", flakyCalls.Load())
	}
	if brokenCalls.Load() != 3 {
		t.Fatalf("broken target called %d times, want 3 attempts", brokenCalls.Load())
	}
	dl := b.DeadLetters()
	if len(dl) != 1 || dl[0].Rule != "big-to-broken" || dl[0].Attempts != 3 || dl[0].Event.DetailType != "BidPlaced" {
		t.Fatalf("dead letters = %+v", dl)
	}
	if got := len(b.Published("")); got != 3 {
		t.Fatalf("published %d, want 3", got)
	}
	if got := len(b.Published("BidPlaced")); got != 2 {
		t.Fatalf("published BidPlaced %d, want 2", got)
	}
}

// Replay delivers what was published after a mark again, in order, to
// every rule it matches, and nothing from before the mark.
func TestBus_ReplaysWhatCameAfterAMark(t *testing.T) {
	b := mustBus(t, []topology.Rule{
		{Name: "closed", Pattern: `{"detail-type":["AuctionClosed"]}`, Target: "t"},
		{Name: "all", Pattern: `{"source":["souq.test"]}`, Target: "t"},
	})
	var mu sync.Mutex
	var got []string
	b.SetTargets(func(string) func(context.Context, lambdaevents.EventBridgeEvent) error {
		return func(_ context.Context, ev lambdaevents.EventBridgeEvent) error {
			mu.Lock()
			got = append(got, ev.DetailType+string(ev.Detail))
			mu.Unlock()
			return nil
		}
	})
	ctx := context.Background()
	_, _ = b.Publish(ctx, []events.Envelope{envelope("BidPlaced", `{"n":0}`)})
	b.WaitIdle()
	mark := b.Mark()
	_, _ = b.Publish(ctx, []events.Envelope{envelope("AuctionClosed", `{"n":1}`), envelope("BidPlaced", `{"n":2}`)})
	b.WaitIdle()
	got = nil
	if n := b.Replay(mark); n != 2 || b.Mark() != mark+2 {
		t.Fatalf("replayed %d envelopes (want 2), mark now %d (want %d: a replay publishes nothing)", n, b.Mark(), mark+2)
	}
	want := []string{`AuctionClosed{"n":1}`, `AuctionClosed{"n":1}`, `BidPlaced{"n":2}`}
	sort.Strings(got)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("replayed deliveries %v, want %v", got, want)
	}
}

func TestBus_RefusesABadPattern(t *testing.T) {
	if _, err := NewBus([]topology.Rule{{Name: "bad", Pattern: `{"detail-type":`, Target: "x"}}, clock.System{}, slog.New(slog.DiscardHandler), 1, 0); err == nil {
		t.Fatal("a malformed pattern was accepted")
	}
}

func TestScheduler_FiresDueSchedulesInOrderOnceAndRetriesFailures(t *testing.T) {
	c := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s, err := NewScheduler(c, time.Time{}, []topology.Schedule{{Name: "sweep", Expression: "rate(5 minutes)", Target: "sweeper"}}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	failOnce := true
	s.invoke = func(_ context.Context, target string, payload json.RawMessage) error {
		if target == "closer" && string(payload) == `"b"` && failOnce {
			failOnce = false
			return errors.New("busy")
		}
		calls = append(calls, target+":"+string(payload))
		return nil
	}
	ctx := context.Background()
	_ = s.Once(ctx, "close-b", c.Now().Add(2*time.Hour), "closer", json.RawMessage(`"b"`))
	_ = s.Once(ctx, "close-a", c.Now().Add(time.Hour), "closer", json.RawMessage(`"a"`))
	_ = s.Once(ctx, "close-a", c.Now().Add(time.Minute), "closer", json.RawMessage(`"dup"`)) // same name: no-op
	_ = s.Once(ctx, "close-c", c.Now().Add(3*time.Hour), "closer", json.RawMessage(`"c"`))
	_ = s.Cancel(ctx, "close-c")
	if n := s.Fire(ctx); n != 0 {
		t.Fatalf("fired %d before anything was due", n)
	}
	c.Advance(24 * time.Hour)
	s.Fire(ctx)
	// The sweep was due at +5 min, a at +1 h; b (at +2 h) failed once.
	want := []string{"sweeper:{}", "closer:\"a\""}
	if len(calls) != 2 || calls[0] != want[0] || calls[1] != want[1] {
		t.Fatalf("calls = %v, want %v ", calls, want)
	}
	s.Fire(ctx)
	if calls[len(calls)-1] != `closer:"b"` || s.Pending() != 0 {
		t.Fatalf("retry did not run b: %v, pending %d", calls, s.Pending())
	}
	if _, err := ParseRate("cron(0 * * * ? *)"); err == nil {
		t.Fatal("cron accepted")
	}
}

// A recurring schedule counts from the anchor (the instant the platform's
// clock started), not from when the scheduler was made: a platform whose
// set-up took 25 s still meters on its start's minute.
func TestScheduler_RecurringSchedulesCountFromTheAnchor(t *testing.T) {
	start := time.Date(2039, 1, 31, 9, 0, 0, 0, time.UTC)
	c := clock.NewFake(start.Add(25 * time.Second))
	s, err := NewScheduler(c, start, []topology.Schedule{{Name: "meter", Expression: "rate(1 minute)", Target: "serve"}}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	fired := 0
	s.invoke = func(context.Context, string, json.RawMessage) error { fired++; return nil }
	ctx := context.Background()
	c.Advance(34 * time.Second) // 09:00:59
	if n := s.Fire(ctx); n != 0 || fired != 0 {
		t.Fatalf("fired %d before the anchor's minute", n)
	}
	c.Advance(time.Second) // 09:01:00, not 09:01:25
	if n := s.Fire(ctx); n != 1 || fired != 1 {
		t.Fatalf("at the anchor's minute fired %d, want 1", n)
	}
	c.Advance(59 * time.Second)
	if n := s.Fire(ctx); n != 0 {
		t.Fatalf("fired %d within the minute after", n)
	}
}

// The platform relays a committed outbox event through the real stream and
// relay handler to the bus exactly once, and Settle waits for it.
func TestPlatform_RelaysCommittedEventsOnce(t *testing.T) {
	ctx := context.Background()
	p, err := Start(ctx, Options{Addr: "127.0.0.1:0", DynamoEndpoint: storetest.Endpoint(t), TablePrefix: storetest.Prefix(), Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	// One community; two advertisers: the demo advertiser, and the demo
	// owner's own, whose hosted creative is the house ad.
	for dt, want := range map[string]int{"CommunityCreated": 1, "AdvertiserCreated": 2} {
		if n := len(p.Bus.Published(dt)); n != want {
			t.Fatalf("%s published %d times, want %d", dt, n, want)
		}
	}
	if n := len(p.Bus.Published("APIKeyCreated")); n != 2 {
		t.Fatalf("APIKeyCreated published %d times, want 2", n)
	}
	// The demo slot, created and given its house ad: serving hears both.
	if n := len(p.Bus.Published("SlotChanged")); n != 2 {
		t.Fatalf("SlotChanged published %d times, want 2", n)
	}
	// Advancing the clock settles too, and republishes nothing.
	if _, err := p.Advance(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	if n := len(p.Bus.Published("")); n != 7 {
		t.Fatalf("after advance %d events, want 7", n)
	}
}

func TestListen_RefusesNonLoopback(t *testing.T) {
	if _, err := Listen("0.0.0.0:0"); err == nil {
		t.Fatal("listened on every interface")
	}
	l, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := Listen(l.Addr().String()); !errors.Is(err, ErrAddrInUse) {
		t.Fatalf("second listen = %v, want ErrAddrInUse", err)
	}
}

// benchPlatform serves the gateway in-process through httptest so that the
// benchmark measures gateway + authorizer + handler, not the network.
func benchPlatform(b *testing.B) (*Platform, http.Handler) {
	b.Helper()
	ctx := context.Background()
	p, err := Start(ctx, Options{Addr: "127.0.0.1:0", DynamoEndpoint: storetest.Endpoint(b), TablePrefix: storetest.Prefix(), Seed: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Close)
	return p, p.server.Handler
}

func BenchmarkGateway_Healthz(b *testing.B) {
	_, h := benchPlatform(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

// An authenticated GET: JWT verification in the authorizer, then a strongly
// consistent GetItem on DynamoDB Local in the handler.
func BenchmarkGateway_AuthenticatedGet(b *testing.B) {
	benchGet(b, func(d *Demo) string { return d.Users["owner"].Token })
}

// The same GET authenticated with an API key: one more GetItem (the key's
// hash) in the authorizer.
func BenchmarkGateway_APIKeyGet(b *testing.B) {
	benchGet(b, func(d *Demo) string { return d.APIKeys["community"] })
}

func benchGet(b *testing.B, credential func(*Demo) string) {
	p, h := benchPlatform(b)
	path := "/v1/communities/" + p.Demo.CommunityID
	header := "Bearer " + credential(p.Demo)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", header)
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}

// A function that panics is an invocation that failed (Lambda's runtime
// reports it and API Gateway answers 500), not the platform's end.
func TestGateway_AFunctionThatPanicsIsAFailedInvocation(t *testing.T) {
	_, err := invokeHTTP(context.Background(), func(context.Context, lambdaevents.APIGatewayV2HTTPRequest) (lambdaevents.APIGatewayV2HTTPResponse, error) {
		panic("stopped")
	}, lambdaevents.APIGatewayV2HTTPRequest{})
	if err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Fatalf("a panicking function answered %v", err)
	}
	// A function stopped mid-way (its goroutine ends, as the simulation
	// stops one) failed too.
	_, err = invokeHTTP(context.Background(), func(context.Context, lambdaevents.APIGatewayV2HTTPRequest) (lambdaevents.APIGatewayV2HTTPResponse, error) {
		runtime.Goexit()
		return lambdaevents.APIGatewayV2HTTPResponse{StatusCode: 201}, nil
	}, lambdaevents.APIGatewayV2HTTPRequest{})
	if err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Fatalf("a function that stopped answered %v", err)
	}
	resp, err := invokeHTTP(context.Background(), func(context.Context, lambdaevents.APIGatewayV2HTTPRequest) (lambdaevents.APIGatewayV2HTTPResponse, error) {
		return lambdaevents.APIGatewayV2HTTPResponse{StatusCode: 201}, nil
	}, lambdaevents.APIGatewayV2HTTPRequest{})
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("a function that answers: %d %v", resp.StatusCode, err)
	}
}

// The simulation's schedule faults: a one-time schedule fires late (not
// before its time plus the lateness) and twice (once more, on a later
// Fire); a failing one is retried as before.
func TestScheduler_FaultsFireLateAndTwice(t *testing.T) {
	c := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s, err := NewScheduler(c, time.Time{}, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	s.invoke = func(_ context.Context, target string, payload json.RawMessage) error {
		calls = append(calls, string(payload))
		return nil
	}
	ctx := context.Background()
	s.Faults(time.Hour, true)
	_ = s.Once(ctx, "close-a", c.Now().Add(time.Minute), "closer", json.RawMessage(`"a"`))
	c.Advance(30 * time.Minute)
	if s.Fire(ctx); len(calls) != 0 {
		t.Fatalf("a schedule an hour late fired %d times half an hour after its time", len(calls))
	}
	c.Advance(31 * time.Minute)
	s.Fire(ctx)
	s.Fire(ctx)
	s.Fire(ctx)
	if fmt.Sprint(calls) != `["a" "a"]` || s.Pending() != 0 {
		t.Fatalf("fired %v, %d pending; want it twice, then gone", calls, s.Pending())
	}
	s.Faults(0, false)
	calls = nil
	_ = s.Once(ctx, "close-b", c.Now(), "closer", json.RawMessage(`"b"`))
	s.Fire(ctx)
	s.Fire(ctx)
	if fmt.Sprint(calls) != `["b"]` {
		t.Fatalf("without faults fired %v, want once", calls)
	}
}
