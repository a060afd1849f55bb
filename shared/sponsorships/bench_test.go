package sponsorships_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/ledger"
	sp "github.com/souqhq/souq/shared/sponsorships"
	"github.com/souqhq/souq/shared/store/storetest"
)

// BenchmarkCapacity: read and write capacity units of each use case and
// transition, from a metered client (reads as DynamoDB reports them,
// writes by DynamoDB's pricing rule; see storetest.Meter).
func BenchmarkCapacity(b *testing.B) {
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		w := newWorld(b, 100_000)
		mdb, meter := storetest.Metered(w.db)
		svc := sp.NewService(sp.NewRepository(mdb), ledger.New(mdb), w.sched, w.clock, sp.Config{FeeBps: 1000, Self: "sponsorships"})
		measure := func(name string, f func() error) {
			b.Helper()
			meter.Reset()
			if err := f(); err != nil {
				b.Fatalf("%s: %v", name, err)
			}
			t := meter.Total()
			b.ReportMetric(t.RCU, "RCU/"+name)
			b.ReportMetric(t.WCU, "WCU/"+name)
		}
		book := func(date string) (id string, err error) {
			v, err := svc.Book(ctx, w.sponsor, w.offering.ID, sp.BookInput{DesiredDate: date, Content: content})
			return v.ID, err
		}
		do := func(p auth.Principal, id string, a sp.Action, in sp.ActInput) func() error {
			return func() error { _, err := svc.Act(ctx, &p, id, a, in); return err }
		}
		var s1, s2, s3, s4 string
		measure("book", func() (err error) { s1, err = book("2026-12-01"); return err })
		measure("request-changes", do(w.owner, s1, sp.RequestChanges, sp.ActInput{Notes: "shorter"}))
		measure("revise", do(w.sponsor, s1, sp.Revise, sp.ActInput{Content: content}))
		measure("approve", do(w.owner, s1, sp.Approve, sp.ActInput{}))
		measure("publish", do(w.owner, s1, sp.Publish, sp.ActInput{URL: "https://community.example/p/1"}))
		s2, _ = book("2026-12-02")
		measure("reject", do(w.owner, s2, sp.Reject, sp.ActInput{Reason: "off topic"}))
		s3, _ = book("2026-12-03")
		measure("propose", do(w.owner, s3, sp.Propose, sp.ActInput{Amount: ptr(int64(1_500)), Date: "2026-12-04"}))
		measure("accept-proposal", do(w.sponsor, s3, sp.AcceptProposal, sp.ActInput{}))
		measure("cancel", do(w.sponsor, s3, sp.Cancel, sp.ActInput{}))
		s4, _ = book("2026-12-05")
		w.clock.Advance(3 * 24 * time.Hour)
		measure("expire", func() error { _, err := svc.Act(ctx, nil, s4, sp.Expire, sp.ActInput{}); return err })
		b.Logf("the whole run: %s", meter)
	}
}

// BenchmarkDecision_TwentyReviewers: 20 reviewers decide at once, each on
// its own queue of bookings (approve, reject or ask for changes in turn);
// it reports decisions/s and the p50 and p99 latency of one decision.
func BenchmarkDecision_TwentyReviewers(b *testing.B) {
	const reviewers, each = 20, 10
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		w := newWorld(b, 0)
		wide, err := w.svc.CreateOffering(ctx, w.owner, "com_1", sp.OfferingInput{Title: ptr("Pinned post"), Format: ptr("pinned_post"),
			Amount: ptr(int64(100)), Currency: ptr("USD"), ReviewDays: ptr(7), CapacityPerDate: ptr(100)})
		if err != nil {
			b.Fatal(err)
		}
		queues := make([][]string, reviewers)
		var wg sync.WaitGroup
		for r := range queues {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := w.advertiser(fmt.Sprint("s", r), 10_000)
				for k := 0; k < each; k++ {
					v, err := w.svc.Book(ctx, p, wide.ID, sp.BookInput{DesiredDate: fmt.Sprintf("2026-12-%02d", 1+k), Content: content})
					if err != nil {
						b.Error(err)
						return
					}
					queues[r] = append(queues[r], v.ID)
				}
			}()
		}
		wg.Wait()
		var mu sync.Mutex
		var lat []time.Duration
		start := time.Now()
		for r := range queues {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k, id := range queues[r] {
					in, do := sp.ActInput{}, []sp.Action{sp.Approve, sp.Reject, sp.RequestChanges}[k%3]
					in.Reason, in.Notes = "not for us", "a shorter title"
					t := time.Now()
					_, err := w.svc.Act(ctx, &w.owner, id, do, in)
					d := time.Since(t)
					if err != nil {
						b.Error(err)
					}
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		sort.Slice(lat, func(a, c int) bool { return lat[a] < lat[c] })
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "decisions/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		w.verify()
	}
}
