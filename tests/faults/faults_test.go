// Package faults runs a mixed workload against the local platform while
// DynamoDB throttles, conflicts and times out (before and after applying
// a write), the relay dies between PutEvents and its checkpoint, the bus
// delivers every event twice and out of order, and the payment rail times
// out; then heals everything and proves that nothing
// was lost or doubled: every request ended done or with a retryable
// 503/409 problem, retrying with the same keys finished the work, the
// balances are exactly what the successful operations make them, every
// expected event was published, and the ledger verifies.
package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/souqhq/souq/infra/local"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/tests/harness"
)

// injector fails a share of DynamoDB calls, inside the SDK's retry loop
// (so the standard retryer, with its bounded attempts and jitter, meets
// them as it would in AWS).
type injector struct {
	on                                atomic.Bool
	permille                          int64 // per fault kind
	throttled, conflicts, lost, early atomic.Int64
	killed                            atomic.Int64 // relay deaths after PutEvents
}

func (in *injector) middleware(s *middleware.Stack) error {
	return s.Deserialize.Add(middleware.DeserializeMiddlewareFunc("souqFaults", func(ctx context.Context, req middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
		if !in.on.Load() {
			return next.HandleDeserialize(ctx, req)
		}
		r := rand.Int64N(1000)
		switch {
		case r < in.permille: // throttled: nothing applied
			in.throttled.Add(1)
			return middleware.DeserializeOutput{}, middleware.Metadata{}, &types.ProvisionedThroughputExceededException{Message: aws.String("injected throttle")}
		case r < 2*in.permille: // a timeout before the request left: nothing applied
			in.early.Add(1)
			return middleware.DeserializeOutput{}, middleware.Metadata{}, &smithyhttp.RequestSendError{Err: errors.New("injected timeout before sending")}
		case r < 3*in.permille: // the write applied, its answer lost
			out, md, err := next.HandleDeserialize(ctx, req)
			if err != nil {
				return out, md, err
			}
			in.lost.Add(1)
			return middleware.DeserializeOutput{}, md, &smithyhttp.RequestSendError{Err: errors.New("injected timeout after applying")}
		case r < 4*in.permille: // a transaction conflict
			if tx, ok := middleware.GetStackValue(ctx, txKey{}).(int); ok && tx > 0 {
				in.conflicts.Add(1)
				reasons := make([]types.CancellationReason, tx)
				for i := range reasons {
					reasons[i] = types.CancellationReason{Code: aws.String("None")}
				}
				reasons[0].Code = aws.String("TransactionConflict")
				return middleware.DeserializeOutput{}, middleware.Metadata{}, &types.TransactionCanceledException{Message: aws.String("injected conflict"), CancellationReasons: reasons}
			}
		}
		return next.HandleDeserialize(ctx, req)
	}), middleware.After)
}

type txKey struct{}

// txSize remembers how many items a transaction has, for its conflict.
func txSize(s *middleware.Stack) error {
	return s.Initialize.Add(middleware.InitializeMiddlewareFunc("souqTxSize", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		if tx, ok := in.Parameters.(*dynamodb.TransactWriteItemsInput); ok {
			ctx = middleware.WithStackValue(ctx, txKey{}, len(tx.TransactItems))
		}
		return next.HandleInitialize(ctx, in)
	}), middleware.Before)
}

var (
	plat *local.Platform
	inj  = &injector{permille: 25} // 2.5 % of calls for each of four faults: 10 % in all
	hc   = harness.Client
)

func TestMain(m *testing.M) {
	harness.Main(m, harness.Options{Name: "flt", Contract: true, Ready: func(p *local.Platform) { plat = p }, Platform: local.Options{
		// Errors only: a 5xx's cause is printed with the test's output.
		Log: slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		// The relay dies, now and then, after PutEvents and before its
		// checkpoint: the stream gives it the batch again, and the bus
		// carries those events twice.
		WrapRelay: func(next local.RelayHandler) local.RelayHandler {
			return func(ctx context.Context, ev lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error) {
				resp, err := next(ctx, ev)
				if err == nil && inj.on.Load() && rand.Int64N(1000) < 200 {
					inj.killed.Add(1)
					return lambdaevents.DynamoDBEventResponse{}, errors.New("injected: the relay died before its checkpoint")
				}
				return resp, err
			}
		},
		WrapDB: func(db *store.DB) *store.DB {
			opts := db.Client.Options()
			opts.APIOptions = append(opts.APIOptions, txSize, inj.middleware)
			return db.WithClient(dynamodb.New(opts))
		},
	}})
}

// outcome counts the answers seen under faults.
type outcome struct {
	mu    sync.Mutex
	codes map[int]int
}

// until sends a request again, with the same Idempotency-Key, until it
// is done (want), as a client would; every other answer must be a
// retryable 503 or 409 problem. It returns the final body.
func (o *outcome) until(t *testing.T, method, path, auth, body, key string, want ...int) map[string]any {
	t.Helper()
	for attempt := 0; attempt < 30; attempt++ {
		req, _ := http.NewRequest(method, plat.BaseURL+path, bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+auth)
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		o.mu.Lock()
		o.codes[resp.StatusCode]++
		o.mu.Unlock()
		for _, w := range want {
			if resp.StatusCode == w {
				var out map[string]any
				_ = json.Unmarshal(raw, &out)
				return out
			}
		}
		if (resp.StatusCode != 503 && resp.StatusCode != 409) || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s %s under faults: %d %s (only a retryable 503/409 problem is allowed)", method, path, resp.StatusCode, raw)
		}
		time.Sleep(time.Duration(20+attempt*20) * time.Millisecond) // a client's backoff
	}
	t.Fatalf("%s %s never finished", method, path)
	return nil
}

func get(t *testing.T, path, auth string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", plat.BaseURL+path, nil)
	req.Header.Set("Authorization", "Bearer "+auth)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(raw, &out) != nil {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, raw)
	}
	return out
}

func num(v any) int64 { f, _ := v.(float64); return int64(f) }

func TestFaults_MixedWorkloadLosesAndDoublesNothing(t *testing.T) {
	o := &outcome{codes: map[int]int{}}
	ctx := context.Background()
	run := fmt.Sprint(time.Now().UnixNano()) // ids and keys of this run alone (go test -count=N reuses the platform)
	tok := func(u string) string {
		tk, err := plat.Tokens.Issue(u+"_"+run, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	owner, inf := tok("usr_flt_owner"), tok("usr_flt_inf")
	// The stage, before the faults: a community with a slot, an auction
	// and a program, and its key.
	com := o.until(t, "POST", "/v1/communities", owner, `{"name":"F","url":"https://f.example","currency":"USD"}`, run+"c", 201)["id"].(string)
	comKey := o.until(t, "POST", "/v1/communities/"+com+"/api-keys", owner, `{"name":"k"}`, run+"ck", 201)["secret"].(string)
	harness.SaveCard(t, owner, "/v1/communities/"+com, harness.CardVisa)
	o.until(t, "POST", "/v1/communities/"+com+"/deposits", owner, `{"amount":100000,"currency":"USD"}`, run+"cd", 201)
	if err := plat.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	slot := o.until(t, "POST", "/v1/communities/"+com+"/slots", owner, `{"name":"S","width":300,"height":250,"reserve":{"amount":100,"currency":"USD"}}`, run+"s", 201)["id"].(string)
	now := plat.Clock.Now().Truncate(time.Second)
	auc := o.until(t, "POST", "/v1/slots/"+slot+"/auctions", owner, fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q,"closesAt":%q}`,
		now.Add(48*time.Hour).Format(time.RFC3339), now.Add(72*time.Hour).Format(time.RFC3339), now.Add(24*time.Hour).Format(time.RFC3339)), "a", 201)["id"].(string)
	prg := o.until(t, "POST", "/v1/communities/"+com+"/programs", owner, `{"name":"P","currency":"USD","commission":{"type":"flat","amount":100},"attributionDays":30,"holdDays":0,"minimumPayout":{"amount":100,"currency":"USD"},"budget":{"amount":50000,"currency":"USD"}}`, run+"p", 201)["id"].(string)
	deal := o.until(t, "POST", "/v1/programs/"+prg+"/deals", inf, `{}`, run+"d", 201)["id"].(string)
	code := o.until(t, "POST", "/v1/deals/"+deal+"/approve", owner, `{}`, run+"da", 200)["code"].(string)
	harness.OnboardPayouts(t, inf)
	// A customer's webhook receiver that fails half its deliveries.
	var hooks sync.Map // webhook-id → times received
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := hooks.LoadOrStore(r.Header.Get("webhook-id"), new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
		if rand.IntN(2) == 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	hook := o.until(t, "POST", "/v1/webhooks", owner, `{"url":"`+recv.URL+`","events":["ConversionRecorded"]}`, run+"wh", 201)["id"].(string)
	const advertisers = 8
	type adv struct{ id, token, key string }
	advs := make([]adv, advertisers)
	for i := range advs {
		advs[i].token = tok(fmt.Sprintf("usr_flt_adv%d", i))
		advs[i].id = o.until(t, "POST", "/v1/advertisers", advs[i].token, `{"name":"A","currency":"USD"}`, run+"adv", 201)["id"].(string)
		advs[i].key = o.until(t, "POST", "/v1/advertisers/"+advs[i].id+"/api-keys", advs[i].token, `{"name":"k"}`, run+"k", 201)["secret"].(string)
		harness.SaveCard(t, advs[i].token, "/v1/advertisers/"+advs[i].id, harness.CardVisa)
	}
	if err := plat.Settle(ctx); err != nil {
		t.Fatal(err)
	}

	// The faults: DynamoDB, a duplicating bus, a rail that times out.
	inj.on.Store(true)
	plat.Bus.DeliverTwice(true)
	plat.Rail.FailNext(2, "timeout")
	var wg sync.WaitGroup
	for i := range advs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := advs[i]
			o.until(t, "POST", "/v1/advertisers/"+a.id+"/deposits", a.token, `{"amount":10000,"currency":"USD"}`, fmt.Sprint(run, "dep-", i), 201)
			o.until(t, "PUT", "/v1/auctions/"+auc+"/bid", a.key, fmt.Sprintf(`{"amount":%d,"currency":"USD","creative":{"imageUrl":"https://cdn.example/a.png","clickUrl":"https://shop.example/","altText":"A"}}`, 100*(i+1)), "", 200)
			for k := 0; k < 3; k++ {
				o.until(t, "POST", "/v1/conversions", comKey, fmt.Sprintf(`{"code":%q,"externalId":"%s-o-%d-%d","amount":1000,"currency":"USD","customerId":"c-%d-%d"}`, code, run, i, k, i, k), "", 201, 200)
			}
		}()
	}
	wg.Wait()
	for k := 0; k < 2; k++ {
		o.until(t, "POST", "/v1/payouts", inf, `{"amount":500,"currency":"USD"}`, fmt.Sprint(run, "po-", k), 202)
	}
	// Let the workers and consumers run under the faults for a while.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if err := plat.Settle(ctx); err == nil {
			break
		}
	}

	// Heal, and let everything pending finish (the payouts sweep included).
	inj.on.Store(false)
	plat.Bus.DeliverTwice(false)
	plat.Rail.FailNext(0, "")
	if _, err := plat.Advance(ctx, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	t.Logf("answers under faults: %v; injected: %d throttles, %d early timeouts, %d lost answers, %d conflicts, %d relay deaths after PutEvents",
		o.codes, inj.throttled.Load(), inj.early.Load(), inj.lost.Load(), inj.conflicts.Load(), inj.killed.Load())
	if o.codes[500] > 0 {
		t.Fatalf("%d answers were 500", o.codes[500])
	}
	if inj.lost.Load() == 0 || inj.throttled.Load() == 0 || inj.killed.Load() == 0 {
		t.Fatal("the faults were not injected")
	}

	// Exactly the money the operations make, once.
	for i, a := range advs {
		b := get(t, "/v1/advertisers/"+a.id+"/balance", a.key)
		if bid := int64(100 * (i + 1)); num(b["available"]) != 10000-bid || num(b["held"]) != bid {
			t.Errorf("advertiser %d: %v, want available %d and held %d", i, b, 10000-bid, bid)
		}
	}
	e := get(t, "/v1/me/earnings", inf)
	bal := e["balances"].([]any)[0].(map[string]any)
	if num(bal["available"]) != advertisers*3*100-1000 || num(bal["paid"]) != 1000 || num(bal["pending"]) != 0 {
		t.Errorf("influencer: %v, want available %d and paid 1000", bal, advertisers*3*100-1000)
	}
	payouts := get(t, "/v1/payouts", inf)["data"].([]any)
	for _, p := range payouts {
		if st := p.(map[string]any)["status"]; st != "paid" {
			t.Errorf("payout %v", p)
		}
	}
	if len(payouts) != 2 {
		t.Errorf("%d payouts, want 2", len(payouts))
	}
	// Every expected event, published (and only once per id).
	count := func(dt, field string, mine func(map[string]any) bool) map[string]int {
		seen := map[string]int{}
		for _, env := range plat.Bus.Published(dt) {
			var d map[string]any
			_ = json.Unmarshal(env.Detail, &d)
			if mine(d) {
				seen[fmt.Sprint(d[field])]++
			}
		}
		return seen
	}
	paid := map[string]bool{}
	for _, p := range payouts {
		paid[p.(map[string]any)["id"].(string)] = true
	}
	if got := count("BidPlaced", "advertiserId", func(d map[string]any) bool { return d["auctionId"] == auc }); len(got) != advertisers {
		t.Errorf("BidPlaced for %d advertisers, want %d", len(got), advertisers)
	}
	if got := count("ConversionRecorded", "externalId", func(d map[string]any) bool { return strings.HasPrefix(fmt.Sprint(d["externalId"]), run) }); len(got) != advertisers*3 {
		t.Errorf("ConversionRecorded for %d externalIds, want %d", len(got), advertisers*3)
	}
	if got := count("PayoutPaid", "payoutId", func(d map[string]any) bool { return paid[fmt.Sprint(d["payoutId"])] }); len(got) != 2 {
		t.Errorf("PayoutPaid for %d payouts, want 2", len(got))
	}
	ids := map[string]int{}
	for _, env := range plat.Bus.Published("") {
		var d struct {
			EventID string `json:"eventId"`
		}
		_ = json.Unmarshal(env.Detail, &d)
		ids[d.EventID]++
	}
	dupes := 0
	for _, n := range ids {
		if n > 1 {
			dupes++
		}
	}
	t.Logf("%d events published, %d ids published more than once (the relay is at least once; consumers dedupe by id)", len(ids), dupes)
	// The failing receiver: one delivery per conversion, none lost, none
	// doubled, each either delivered or waiting for its next retry.
	ds := get(t, "/v1/webhooks/"+hook+"/deliveries?limit=100", owner)["data"].([]any)
	if len(ds) != advertisers*3 {
		t.Errorf("%d webhook deliveries for %d conversions", len(ds), advertisers*3)
	}
	for _, d := range ds {
		dm := d.(map[string]any)
		if st := dm["status"]; st != "succeeded" && st != "pending" || num(dm["attempts"]) < 1 {
			t.Errorf("delivery %v", dm)
		}
		if _, ok := hooks.Load(dm["id"]); !ok {
			t.Errorf("delivery %s never reached the receiver", dm["id"])
		}
	}
	v := get(t, "/local/ledger/verify", "")
	if v["ok"] != true {
		t.Fatalf("ledger verify: %v", v)
	}
}
