package local

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/ledger"
)

// BenchmarkGateway_ServeVsHealthz drives the local gateway over loopback
// HTTP from 16 clients for 3 s per route, /healthz (the gateway's floor)
// and then /v1/serve on a slot with a running flight, and reports each
// one's requests/s and p99, and serve's throughput as a share of healthz's
// in the same run (the goal: serve within 2× of the floor).
func BenchmarkGateway_ServeVsHealthz(b *testing.B) {
	p, _ := benchPlatform(b)
	slotID := runningFlight(b, p)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	run := func(path string) (rps float64, p99 time.Duration, errs int) {
		const clients, window = 16, 3 * time.Second
		var mu sync.Mutex
		var lat []time.Duration
		deadline := time.Now().Add(window)
		var wg sync.WaitGroup
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []time.Duration
				bad := 0
				for time.Now().Before(deadline) {
					t := time.Now()
					resp, err := hc.Get(p.BaseURL + path)
					if err != nil {
						bad++
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						bad++
					}
					mine = append(mine, time.Since(t))
				}
				mu.Lock()
				lat, errs = append(lat, mine...), errs+bad
				mu.Unlock()
			}()
		}
		wg.Wait()
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		return float64(len(lat)) / window.Seconds(), lat[len(lat)*99/100], errs
	}
	for i := 0; i < b.N; i++ {
		hRPS, hP99, hErr := run("/healthz")
		sRPS, sP99, sErr := run("/v1/serve/" + slotID)
		if hErr+sErr > 0 {
			b.Fatalf("errors: healthz %d, serve %d", hErr, sErr)
		}
		b.ReportMetric(hRPS, "healthz-req/s")
		b.ReportMetric(float64(hP99.Microseconds())/1000, "healthz-p99-ms")
		b.ReportMetric(sRPS, "serve-req/s")
		b.ReportMetric(float64(sP99.Microseconds())/1000, "serve-p99-ms")
		b.ReportMetric(hRPS/sRPS, "healthz/serve")
	}
}

// runningFlight makes a slot of the demo community, auctions a flight,
// bids on it with a funded advertiser, and moves the clock into the
// flight; it returns the slot.
func runningFlight(b *testing.B, p *Platform) string {
	b.Helper()
	ctx := context.Background()
	owner, adv := "Bearer "+p.Demo.Users["owner"].Token, "Bearer "+p.Demo.APIKeys["advertiser"]
	call := func(method, path, auth, body string, want int) map[string]any {
		req, _ := http.NewRequest(method, p.BaseURL+path, strings.NewReader(body))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		raw, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(raw, &out)
		if resp.StatusCode != want {
			b.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
		return out
	}
	// Fund the demo advertiser straight in the ledger (this platform runs
	// without stripe-mock).
	op, err := p.ledger.Prepare(ledger.Transfer{ID: "txf_bench_funds", Kind: "deposit", Currency: "USD", At: p.Clock.Now(),
		Legs: []ledger.Leg{{Account: ledger.ExternalDeposits, Available: -1_000_000}, {Account: ledger.Advertiser(p.Demo.AdvertiserID), Available: 1_000_000}}})
	if err != nil {
		b.Fatal(err)
	}
	if err := p.ledger.Apply(ctx, op); err != nil {
		b.Fatal(err)
	}
	slot := call("POST", "/v1/communities/"+p.Demo.CommunityID+"/slots", owner, `{"name":"Bench","width":728,"height":90,"reserve":{"amount":100,"currency":"USD"}}`, 201)
	now := p.Clock.Now().Truncate(time.Second)
	auc := call("POST", "/v1/slots/"+slot["id"].(string)+"/auctions", owner, fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q,"closesAt":%q}`,
		now.Add(2*time.Hour).Format(time.RFC3339), now.Add(48*time.Hour).Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339)), 201)
	call("PUT", "/v1/auctions/"+auc["id"].(string)+"/bid", adv, `{"amount":500,"currency":"USD","creative":{"imageUrl":"https://cdn.example/b.png","clickUrl":"https://shop.example/","altText":"Bench"}}`, 200)
	if _, err := p.Advance(ctx, 2*time.Hour); err != nil {
		b.Fatal(err)
	}
	return slot["id"].(string)
}
