package local

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/store/storetest"
)

// BenchmarkWebhooks_Delivery: a person with an endpoint on a fast
// receiver on loopback creates advertisers through the local gateway, 8 at
// a time; each AdvertiserCreated goes through the outbox stream, the
// relay, the bus and the webhooks function to the receiver. It reports
// deliveries/s and the p50 and p99 latency from the state change (the
// create's answer) to the receiver's.
func BenchmarkWebhooks_Delivery(b *testing.B) {
	ctx := context.Background()
	p, err := Start(ctx, Options{Addr: "127.0.0.1:0", DynamoEndpoint: storetest.Endpoint(b), TablePrefix: storetest.Prefix(), Seed: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Close)
	var mu sync.Mutex
	arrived := map[string]time.Time{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		// The advertiser's name, which the benchmark chose, is in the data.
		i := strings.Index(string(body), `"advertiserId":"`)
		mu.Lock()
		arrived[string(body[i+16:i+16+30])] = time.Now()
		mu.Unlock()
		w.WriteHeader(204)
	}))
	defer recv.Close()
	var tok string
	post := func(path, body string) string {
		req, _ := http.NewRequest("POST", p.BaseURL+path, strings.NewReader(body))
		req.Header.Set("Authorization", tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 201 {
			b.Fatalf("%s: %d %s", path, resp.StatusCode, raw)
		}
		return string(raw)
	}
	const n, par = 48, 8 // within the 50 advertisers a person may have
	for i := 0; i < b.N; i++ {
		t, err := p.Tokens.Issue(fmt.Sprintf("usr_bench_webhooks_%d", i), time.Hour)
		if err != nil {
			b.Fatal(err)
		}
		tok = "Bearer " + t
		post("/v1/webhooks", `{"url":"`+recv.URL+`","events":["AdvertiserCreated"]}`)
		committed := map[string]time.Time{}
		var wg sync.WaitGroup
		sem := make(chan struct{}, par)
		start := time.Now()
		for k := 0; k < n; k++ {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				raw := post("/v1/advertisers", fmt.Sprintf(`{"name":"Bench %d-%d","currency":"USD"}`, i, k))
				at := time.Now()
				j := strings.Index(raw, `"id":"`)
				mu.Lock()
				committed[raw[j+6:j+6+30]] = at
				mu.Unlock()
			}()
		}
		wg.Wait()
		for deadline := time.Now().Add(30 * time.Second); ; {
			mu.Lock()
			done := 0
			for id := range committed {
				if _, ok := arrived[id]; ok {
					done++
				}
			}
			mu.Unlock()
			if done == n {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d delivered after 30 s", done, n)
			}
			time.Sleep(5 * time.Millisecond) // polling the receiver's record
		}
		elapsed := time.Since(start)
		var lat []time.Duration
		mu.Lock()
		for id, at := range committed {
			lat = append(lat, arrived[id].Sub(at))
		}
		mu.Unlock()
		sort.Slice(lat, func(a, c int) bool { return lat[a] < lat[c] })
		b.ReportMetric(float64(n)/elapsed.Seconds(), "deliveries/s")
		b.ReportMetric(float64(lat[n/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[n*99/100].Microseconds())/1000, "p99-ms")
	}
}
