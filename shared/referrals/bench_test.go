package referrals_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/ledger"
	rf "github.com/souqhq/souq/shared/referrals"
	"github.com/souqhq/souq/shared/store/storetest"
)

// BenchmarkConversions_OneProgram: 16 community servers report
// conversions on one program at once (every one accrues from the same
// budget item); it reports conversions/s and the p50 and p99 latency.
func BenchmarkConversions_OneProgram(b *testing.B) {
	const clients, each = 16, 25
	for i := 0; i < b.N; i++ {
		w := newWorld(b, 10_000, pct20, 7) // 400 conversions of 20 each
		w.deal(w.influencer, fmt.Sprint("hot", i))
		var mu sync.Mutex
		var lat []time.Duration
		var wg sync.WaitGroup
		start := time.Now()
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; k < each; k++ {
					t := time.Now()
					v, _, err := w.convert(fmt.Sprint("hot", i), "", fmt.Sprintf("o-%d-%d", c, k), fmt.Sprintf("c-%d-%d", c, k), 100)
					d := time.Since(t)
					if err != nil || v.Commission.Minor != 20 {
						b.Errorf("conversion: %+v %v", v, err)
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
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "conversions/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		w.verify()
	}
}

// BenchmarkCapacity: capacity units of a conversion (by code and by
// click), a clearing, a reversal and a click, from a metered client.
func BenchmarkCapacity(b *testing.B) {
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		w := newWorld(b, 10_000, pct20, 7)
		w.deal(w.influencer, "meter")
		mdb, meter := storetest.Metered(w.db)
		svc := rf.NewService(rf.NewRepository(mdb), ledger.New(mdb), w.sched, w.clock, rf.Config{Self: "referrals", VisitorKey: []byte("0123456789abcdef0123456789abcdef")})
		measure := func(name string, f func() error) {
			meter.Reset()
			if err := f(); err != nil {
				b.Fatalf("%s: %v", name, err)
			}
			t := meter.Total()
			b.ReportMetric(t.RCU, "RCU/"+name)
			b.ReportMetric(t.WCU, "WCU/"+name)
		}
		var cnv string
		measure("click", func() error {
			_, err := svc.Click(ctx, "meter", "192.0.2.1", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "")
			return err
		})
		measure("conversion-by-code", func() error {
			v, _, err := svc.RecordConversion(ctx, w.key, rf.ConversionInput{Code: "meter", ExternalID: "o-1", Amount: ptr(int64(1_000)), Currency: "USD", CustomerID: "c-1"})
			cnv = v.ID
			return err
		})
		measure("conversion-replay", func() error {
			_, _, err := svc.RecordConversion(ctx, w.key, rf.ConversionInput{Code: "meter", ExternalID: "o-1", Amount: ptr(int64(1_000)), Currency: "USD", CustomerID: "c-1"})
			return err
		})
		measure("reversal", func() error {
			_, err := svc.Reverse(ctx, w.key, cnv, rf.ReverseInput{Amount: ptr(int64(100))})
			return err
		})
		w.clock.Advance(7 * 24 * time.Hour)
		measure("clearing", func() error { return svc.HandleScheduled(ctx, clearPayload(cnv)) })
		b.Logf("the last step: %s", meter)
	}
}

// BenchmarkMemberPayments: capacity units of a member's referral (the
// first event of a person in a community), a renewal's commission, the
// same event again, a refund's reversal, and an event that only moves the
// member's status, from a metered client; and renewals/s, 16 members'
// events at once on one program.
func BenchmarkMemberPayments(b *testing.B) {
	for i := 0; i < b.N; i++ {
		w := newMemberWorld(b, 1_000_000, pct20, 30, nil)
		w.deal(w.influencer, "meter")
		mdb, meter := storetest.Metered(w.db)
		svc := rf.NewService(rf.NewRepository(mdb), ledger.New(mdb), w.sched, w.clock, rf.Config{Self: "referrals", VisitorKey: []byte("0123456789abcdef0123456789abcdef")})
		metered := &world{t: b, svc: svc}
		j := w.joiner("usr_meter", "meter", t0, 0)
		measure := func(name string, ev events.Event) {
			meter.Reset()
			if err := metered.deliver(ev); err != nil {
				b.Fatalf("%s: %v", name, err)
			}
			t := meter.Total()
			b.ReportMetric(t.RCU, "RCU/"+name)
			b.ReportMetric(t.WCU, "WCU/"+name)
		}
		p0, p1 := j.payment(0, "first", 500), j.payment(1, "renewal", 500)
		measure("member-joins", &events.MembershipStarted{Meta: j.meta(), Membership: j.next("active"), Payment: &p0})
		measure("renewal", j.renewed(p1))
		measure("renewal-again", j.renewed(p1))
		measure("refund", j.refunded(p1, "mrf_meter", 250))
		measure("status-only", j.ended())

		const members, each = 16, 12
		var wg sync.WaitGroup
		start := time.Now()
		for c := 0; c < members; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := w.joiner(fmt.Sprintf("usr_load_%d", c), "meter", t0, 0)
				for k := 0; k < each; k++ {
					if err := w.deliver(m.renewed(m.payment(k, "renewal", 500))); err != nil {
						b.Errorf("renewal: %v", err)
					}
				}
			}()
		}
		wg.Wait()
		b.ReportMetric(float64(members*each)/time.Since(start).Seconds(), "renewals/s")
		w.verify()
	}
}
