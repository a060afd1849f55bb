package local

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/storetest"
)

// BenchmarkMemberships_Renewals: fifty members of the demo tier, each
// joined on a saved card, are renewed by their schedules when the clock
// reaches their period's end: the scheduler's delivery, the claim, the
// off-session charge on the local Stripe, the payment's transaction (the
// ledger transfer, the report's day, the event) and the next schedule.
// Figures: renewals per second through the scheduler, and DynamoDB
// capacity per renewal (every function's calls while they ran).
func BenchmarkMemberships_Renewals(b *testing.B) {
	ctx := context.Background()
	var meter *storetest.Meter
	p, err := Start(ctx, Options{Addr: "127.0.0.1:0", DynamoEndpoint: storetest.Endpoint(b), TablePrefix: storetest.Prefix(), Seed: true, StripeMock: true,
		WrapDB: func(db *store.DB) *store.DB { m, mt := storetest.Metered(db); meter = mt; return m }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Close)
	call := func(token, method, path, key, body string, want int) map[string]any {
		req, _ := http.NewRequest(method, p.BaseURL+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
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
	const n = 50
	var periodEnd, firstEnd time.Time // the latest and the earliest period's end
	for i := 0; i < n; i++ {
		tok, err := p.Tokens.Issue(fmt.Sprintf("usr_bench_member_%d", i), time.Hour*24*3650)
		if err != nil {
			b.Fatal(err)
		}
		u, _ := call(tok, "POST", "/v1/me/payment-methods", "", "", 201)["setupUrl"].(string)
		call("", "POST", u[strings.Index(u, "/local/checkout/"):], "", `{"card":"4242424242424242"}`, 200)
		m := call(tok, "POST", "/v1/communities/"+p.Demo.CommunityID+"/memberships", fmt.Sprintf("bench-%d", i), `{"tierId":"`+p.Demo.TierID+`","interval":"month"}`, 201)
		end, _ := time.Parse(time.RFC3339Nano, m["currentPeriodEnd"].(string))
		if end.After(periodEnd) {
			periodEnd = end
		}
		if firstEnd.IsZero() || end.Before(firstEnd) {
			firstEnd = end
		}
	}
	b.ResetTimer()
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		// To just before the first period's end, then across the last:
		// the renewals are what falls due in the second step.
		b.StopTimer()
		if _, err := p.Advance(ctx, firstEnd.Sub(p.Clock.Now())-time.Second); err != nil {
			b.Fatal(err)
		}
		meter.Reset()
		b.StartTimer()
		t0 := time.Now()
		if _, err := p.Advance(ctx, periodEnd.Sub(p.Clock.Now())+time.Minute); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(t0)
		b.StopTimer()
		renewed := 0
		for _, m := range call(p.Demo.Users["owner"].Token, "GET", "/v1/communities/"+p.Demo.CommunityID+"/memberships", "", "", 200)["data"].([]any) {
			if start, _ := time.Parse(time.RFC3339Nano, m.(map[string]any)["currentPeriodStart"].(string)); !start.Before(firstEnd) {
				renewed++
			}
		}
		if renewed < n {
			b.Fatalf("%d renewals, want %d", renewed, n)
		}
		u := meter.Total()
		b.ReportMetric(u.WCU/n, "WCU/renewal")
		b.ReportMetric(u.RCU/n, "RCU/renewal")
		b.ReportMetric(float64(u.Calls)/n, "dynamodb-calls/renewal")
		periodEnd, firstEnd = periodEnd.AddDate(0, 1, 0), firstEnd.AddDate(0, 1, 0)
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "renewals/s")
}
