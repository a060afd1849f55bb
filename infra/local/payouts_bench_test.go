package local

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/store/storetest"
	"github.com/souqhq/souq/shared/topology"
)

// BenchmarkPayout_ClaimToPaid: the demo community's owner claims payouts
// one after another through the local gateway, and each is timed from the
// claim until GET /v1/payouts/{id} reads paid: the claim's transaction,
// the outbox stream, the relay, the bus, the worker, its Stripe transfer
// on stripe-mock and the settlement. Then every PayoutRequested is
// delivered to the worker three more times, and the rail calls per payout
// are counted (the goal: exactly 1).
func BenchmarkPayout_ClaimToPaid(b *testing.B) {
	ctx := context.Background()
	p, err := Start(ctx, Options{Addr: "127.0.0.1:0", DynamoEndpoint: storetest.Endpoint(b), TablePrefix: storetest.Prefix(), Seed: true, StripeMock: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Close)
	owner := "Bearer " + p.Demo.Users["owner"].Token
	call := func(method, path, key, body string, want int) map[string]any {
		req, _ := http.NewRequest(method, p.BaseURL+path, strings.NewReader(body))
		req.Header.Set("Authorization", owner)
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		if resp.StatusCode != want {
			b.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
		return out
	}
	const n = 30
	op, err := p.ledger.Prepare(ledger.Transfer{ID: "txf_bench_earnings", Kind: "deposit", Currency: "USD", At: p.Clock.Now(),
		Legs: []ledger.Leg{{Account: ledger.ExternalDeposits, Available: -1_000 * n * int64(b.N)}, {Account: ledger.Community(p.Demo.CommunityID), Available: 1_000 * n * int64(b.N)}}})
	if err != nil {
		b.Fatal(err)
	}
	if err := p.ledger.Apply(ctx, op); err != nil {
		b.Fatal(err)
	}
	// The owner sets up payouts with the local Stripe, and Stripe's
	// account.updated enables them before the first claim.
	link, _ := call("POST", "/v1/me/payout-account", "", "", 201)["onboardingUrl"].(string)
	acct := link[strings.LastIndexByte(link, '/')+1:]
	if !strings.HasPrefix(acct, "acct_") {
		b.Fatalf("onboarding link %q", link)
	}
	call("POST", "/local/connect/"+acct, "", `{"result":"complete"}`, 200)
	if err := p.Settle(ctx); err != nil {
		b.Fatal(err)
	}
	if st := call("GET", "/v1/me/payout-account", "", "", 200)["status"]; st != "enabled" {
		b.Fatalf("payout account %v after onboarding", st)
	}
	for i := 0; i < b.N; i++ {
		var lat []time.Duration
		var ids []string
		before := p.Rail.Payouts()
		for k := 0; k < n; k++ {
			start := time.Now()
			po := call("POST", "/v1/communities/"+p.Demo.CommunityID+"/payouts", fmt.Sprintf("bench-%d-%d", i, k), `{"amount":1000,"currency":"USD"}`, 202)
			id := po["id"].(string)
			for deadline := start.Add(10 * time.Second); ; {
				if call("GET", "/v1/payouts/"+id, "", "", 200)["status"] == "paid" {
					break
				}
				if time.Now().After(deadline) {
					b.Fatalf("payout %s not paid after 10 s", id)
				}
				time.Sleep(2 * time.Millisecond) // polling, as a client would
			}
			lat = append(lat, time.Since(start))
			ids = append(ids, id)
		}
		worker := p.Functions[topology.FnPayouts]
		for _, id := range ids {
			d, _ := json.Marshal(&events.PayoutRequested{Payout: events.Payout{Meta: events.Meta{EventID: "evt_redeliver_" + id}, PayoutID: id}})
			for r := 0; r < 3; r++ {
				if err := worker.Event(ctx, lambdaevents.EventBridgeEvent{DetailType: "PayoutRequested", Detail: d}); err != nil {
					b.Fatal(err)
				}
			}
		}
		sort.Slice(lat, func(a, c int) bool { return lat[a] < lat[c] })
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "claim-to-paid-p50-ms")
		b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "claim-to-paid-max-ms")
		b.ReportMetric(float64(p.Rail.Payouts()-before)/n, "rail-calls/payout")
	}
}
