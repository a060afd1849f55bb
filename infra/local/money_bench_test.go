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

	"github.com/souqhq/souq/shared/store/storetest"
)

// BenchmarkMoney_StripeCallsAndCheckoutToCredit counts the Stripe API
// requests (HTTP, as the local Stripe answers them) of a saved-card
// deposit (the same call as an auto-recharge or a renewal: one
// off-session charge), and of a refund on one deposit; and times a
// Checkout deposit from Stripe's checkout.session.completed to the
// credited balance: the event's delivery (signature, the deposit's
// credit transaction, the card saved) until the balance reads it.
func BenchmarkMoney_StripeCallsAndCheckoutToCredit(b *testing.B) {
	ctx := context.Background()
	p, err := Start(ctx, Options{Addr: "127.0.0.1:0", DynamoEndpoint: storetest.Endpoint(b), TablePrefix: storetest.Prefix(), Seed: true, StripeMock: true})
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
	stripeEvents := func() []map[string]any {
		var out []map[string]any
		for _, e := range call("", "GET", "/local/stripe/events", "", "", 200)["data"].([]any) {
			out = append(out, e.(map[string]any))
		}
		return out
	}
	adv := p.Demo.Users["advertiser"].Token
	advPath := "/v1/advertisers/" + p.Demo.AdvertiserID
	const n = 20
	for i := 0; i < b.N; i++ {
		before := p.Stripe.Requests()
		for k := 0; k < n; k++ {
			if st := call(adv, "POST", advPath+"/deposits", fmt.Sprint("bench-dep-", i, "-", k), `{"amount":5000,"currency":"USD"}`, 201)["status"]; st != "succeeded" {
				b.Fatalf("saved-card deposit %v", st)
			}
		}
		b.ReportMetric(float64(p.Stripe.Requests()-before)/n, "stripe-requests/saved-card-deposit")
		before = p.Stripe.Requests()
		for k := 0; k < n; k++ {
			call(adv, "POST", advPath+"/refunds", fmt.Sprint("bench-rfd-", i, "-", k), `{"amount":1000,"currency":"USD"}`, 201)
		}
		b.ReportMetric(float64(p.Stripe.Requests()-before)/n, "stripe-requests/refund")

		// Checkout: a new payer each time (no saved card), its events held
		// until it is paid, then checkout.session.completed delivered.
		var lat []time.Duration
		for k := 0; k < n; k++ {
			tok, err := p.Tokens.Issue(fmt.Sprintf("usr_bench_checkout_%d_%d", i, k), time.Hour)
			if err != nil {
				b.Fatal(err)
			}
			a := call(tok, "POST", "/v1/advertisers", "", `{"name":"Bench","currency":"USD"}`, 201)["id"].(string)
			d := call(tok, "POST", "/v1/advertisers/"+a+"/deposits", "k", `{"amount":2500,"currency":"USD"}`, 201)
			page := d["checkoutUrl"].(string)
			call("", "POST", "/local/stripe/delivery", "", `{"hold":true}`, 200)
			from := len(stripeEvents())
			call("", "POST", page[strings.Index(page, "/local/checkout/"):], "", `{"card":"4242424242424242"}`, 200)
			call("", "POST", "/local/stripe/delivery", "", `{"hold":false}`, 200)
			completed := ""
			for _, e := range stripeEvents()[from:] {
				if e["type"] == "checkout.session.completed" {
					completed, _ = e["id"].(string)
				}
			}
			start := time.Now()
			call("", "POST", "/local/stripe/events/"+completed+"/resend", "", "", 200)
			if got := call(tok, "GET", "/v1/advertisers/"+a+"/balance", "", "", 200)["available"]; got != float64(2500) {
				b.Fatalf("balance after the event: %v", got)
			}
			lat = append(lat, time.Since(start))
		}
		sort.Slice(lat, func(x, y int) bool { return lat[x] < lat[y] })
		b.ReportMetric(float64(lat[n/2].Microseconds())/1000, "checkout-event-to-credit-p50-ms")
		b.ReportMetric(float64(lat[n-1].Microseconds())/1000, "checkout-event-to-credit-max-ms")
	}
}
