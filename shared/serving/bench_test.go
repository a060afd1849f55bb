package serving_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/shared/serving"
	"github.com/souqhq/souq/shared/store/storetest"
)

// The serve handler on a cache hit: the router, the cached placement,
// the served count buffered, the offer signed.
func BenchmarkServe_CacheHit(b *testing.B) {
	w := newWorld(b)
	srv := w.server()
	w.clock.Advance(2 * time.Hour) // into the flight
	rt := serving.NewRouter(srv, w.st, slog.New(slog.DiscardHandler), w.clock.Now)
	req := lambdaevents.APIGatewayV2HTTPRequest{
		RouteKey: "GET /v1/serve/{slotId}", RawPath: "/v1/serve/" + w.slotID,
		PathParameters: map[string]string{"slotId": w.slotID},
		RequestContext: lambdaevents.APIGatewayV2HTTPRequestContext{DomainName: "api.souq.test", RequestID: "req_bench",
			HTTP: lambdaevents.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/v1/serve/" + w.slotID}},
	}
	ctx := context.Background()
	if resp, _ := rt.Serve(ctx, req); resp.StatusCode != 200 { // warms the cache
		b.Fatal(resp.StatusCode, resp.Body)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if resp, _ := rt.Serve(ctx, req); resp.StatusCode != 200 {
			b.Fatal(resp.StatusCode)
		}
	}
}

// Capacity units of serving, from a metered client over one instance's
// second: 1,000 decisions alone (one placement load, one counter flush),
// and 1,000 decisions each viewed once by its own person (plus, per view,
// the once-per-offer record) — the capacity of a viewable impression,
// amortized. Reads are as DynamoDB reports them; writes follow
// DynamoDB's pricing (storetest.Meter).
func BenchmarkCapacity(b *testing.B) {
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		for _, viewed := range []bool{false, true} {
			w := newWorld(b)
			mdb, meter := storetest.Metered(w.db)
			st := serving.NewStore(mdb, w.clock)
			srv := serving.NewServer(st, st, st, w.clock, serving.Config{Key: testKey, BaseURL: "http://souq.test"}, slog.New(slog.DiscardHandler))
			w.clock.Advance(2 * time.Hour)
			const n = 1000
			for j := 0; j < n; j++ {
				ad, ok, err := srv.Decide(ctx, w.slotID, "")
				if err != nil || !ok {
					b.Fatal(ok, err)
				}
				if viewed {
					ev := person
					ev.SourceIP = fmt.Sprint("198.51.", j/256, ".", j%256)
					if err := srv.View(ctx, strings.TrimPrefix(ad.ViewURL, "http://souq.test/v/"), ev); err != nil {
						b.Fatal(err)
					}
				}
				w.clock.Advance(time.Millisecond)
			}
			if err := srv.Counts.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			if viewed {
				if got := w.stats(owner); got.Impressions != n {
					b.Fatalf("%d impressions, want %d", got.Impressions, n)
				}
			}
			t := meter.Total()
			unit := "decision"
			if viewed {
				unit = "viewable-impression"
			}
			b.ReportMetric(t.RCU/n, "RCU/"+unit)
			b.ReportMetric(t.WCU/n, "WCU/"+unit)
		}
	}
}
