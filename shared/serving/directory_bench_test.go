package serving_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/serving"
	"github.com/souqhq/souq/shared/store/storetest"
)

// directoryQueries are what people ask the directory, in turn.
var directoryQueries = []string{"", "topic=t3", "q=community+17", "size=728x90&sort=name", "country=DE&sort=new&limit=100", "language=de&topic=t1&sort=audience"}

// BenchmarkDirectory_1000Listed is GET /v1/directory over 1,000 listed
// communities (each with two slots and 30 days of audience): the store's
// read of the whole listing (its time and RCU, made once per instance
// every DirectoryRefresh), a query on the cached listing (p50/p99 through
// the router), and a query stream at 100 queries a second per instance,
// refreshes included (p50/p99 and RCU per query).
func BenchmarkDirectory_1000Listed(b *testing.B) {
	w := newWorld(b)
	ctx := context.Background()
	const n = 1000
	fill1000(b, w, n)
	mdb, meter := storetest.Metered(w.db)
	st := serving.NewStore(mdb, w.clock)

	b.Run("refresh", func(b *testing.B) {
		var rcu float64
		var took []time.Duration
		for i := 0; i < b.N; i++ {
			meter.Reset()
			start := time.Now()
			ls, err := st.DirectoryListings(ctx, w.clock.Now())
			took = append(took, time.Since(start))
			if err != nil || len(ls) != n {
				b.Fatalf("%d listings: %v", len(ls), err)
			}
			rcu = meter.Total().RCU
		}
		b.ReportMetric(rcu, "RCU/refresh")
		reportPercentiles(b, took)
	})

	rt := serving.NewRouter(w.server(), st, slog.New(slog.DiscardHandler), w.clock.Now)
	query := func(i int) {
		raw := directoryQueries[i%len(directoryQueries)]
		vals, _ := url.ParseQuery(raw)
		params := map[string]string{}
		for k, v := range vals {
			params[k] = v[0]
		}
		resp, _ := rt.Serve(ctx, lambdaevents.APIGatewayV2HTTPRequest{RouteKey: "GET /v1/directory", RawPath: "/v1/directory", RawQueryString: raw,
			QueryStringParameters: params,
			RequestContext: lambdaevents.APIGatewayV2HTTPRequestContext{DomainName: "api.souq.test", RequestID: "req_bench",
				HTTP: lambdaevents.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/v1/directory"}}})
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Body, `{"data":[{`) {
			b.Fatalf("%s: %d %.200s", raw, resp.StatusCode, resp.Body)
		}
	}
	query(0) // loads the listing

	b.Run("cached", func(b *testing.B) {
		took := make([]time.Duration, 0, b.N)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			start := time.Now()
			query(i)
			took = append(took, time.Since(start))
		}
		reportPercentiles(b, took)
	})

	b.Run("100qps-with-refreshes", func(b *testing.B) {
		meter.Reset()
		took := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			w.clock.Advance(10 * time.Millisecond) // 100 queries a second: a refresh every 500
			start := time.Now()
			query(i)
			took = append(took, time.Since(start))
		}
		b.ReportMetric(meter.Total().RCU/float64(b.N), "RCU/query")
		reportPercentiles(b, took)
	})
}

func reportPercentiles(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	at := func(p float64) float64 { return float64(took[int(p*float64(len(took)-1))].Microseconds()) }
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}

// fill1000 lists n communities as serving learns them (their listing and
// two slots from events) with 30 days of audience each, rolled up.
func fill1000(b *testing.B, w *world, n int) {
	ctx := context.Background()
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		seq int
	)
	next := make(chan int)
	fail := make(chan error, 1)
	for k := 0; k < 16; k++ {
		wg.Go(func() {
			for i := range next {
				com := fmt.Sprintf("com_b%04d", i)
				country, lang := []string{"DE", "FR", "US", "AT"}[i%4], []string{"en", "de", "fr"}[i%3]
				evs := []events.Event{
					&events.CommunityCreated{CommunityID: com, OwnerID: "usr_b", Currency: "EUR", Name: fmt.Sprintf("Community %d", i), URL: "https://c.example/" + com},
					&events.CommunityUpdated{CommunityID: com, OwnerID: "usr_b", Version: 1, Name: fmt.Sprintf("Community %d", i), Listed: true,
						Description: "A community of people who meet every week to talk about what they like", Topics: []string{fmt.Sprintf("t%d", i%10), "news"},
						Languages: []string{lang}, Country: country},
					&events.SlotChanged{SlotID: fmt.Sprintf("slot_b%04da", i), CommunityID: com, Width: 300, Height: 250, Currency: "EUR", Version: 1,
						Campaigns: events.SlotCampaigns{Accept: true, FloorCPM: money.Amount{Minor: 150, Currency: "EUR"}}},
					&events.SlotChanged{SlotID: fmt.Sprintf("slot_b%04db", i), CommunityID: com, Width: 728 - 400*(i%2), Height: 90, Currency: "EUR", Version: 1},
				}
				for _, e := range evs {
					mu.Lock()
					seq++
					e.Base().EventID, e.Base().OccurredAt, e.Base().SchemaVersion = fmt.Sprintf("evt_b%d", seq), "2026-11-01T00:00:00Z", 1
					mu.Unlock()
					d, _ := json.Marshal(e)
					if err := w.mux.Handle(ctx, lambdaevents.EventBridgeEvent{ID: "ebe", DetailType: e.DetailType(), Source: e.Source(), Detail: d}); err != nil {
						select {
						case fail <- err:
						default:
						}
					}
				}
				for d := 0; d < serving.AudienceWindow; d++ {
					day := w.clock.Now().AddDate(0, 0, -d).Format("2006-01-02")
					if err := w.st.AddAudience(ctx, com, serving.AudienceDay{Day: day, ViewableImpressions: int64(100 + i + d), Clicks: int64(i % 7), DistinctViewers: int64(10 + i%50)}); err != nil {
						select {
						case fail <- err:
						default:
						}
					}
				}
				if err := w.st.RollupAudience(ctx, com, w.clock.Now()); err != nil {
					select {
					case fail <- err:
					default:
					}
				}
			}
		})
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	select {
	case err := <-fail:
		b.Fatal(err)
	default:
	}
}
