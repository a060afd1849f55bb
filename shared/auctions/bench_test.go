package auctions_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/auctions"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/store/storetest"
)

// Capacity units per operation, from a metered client: a bid placed and
// replaced, and a close with 2 and with 500 bids. Reads are as DynamoDB
// reports them; writes follow DynamoDB's pricing (see storetest.Meter).
// (What serving costs is shared/serving's BenchmarkCapacity.)
func BenchmarkCapacity(b *testing.B) {
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		for _, bids := range []int{2, 500} {
			m := newMarket(b, 100, auctions.SecondPrice)
			mdb, meter := storetest.Metered(m.db)
			svc := auctions.NewService(auctions.NewRepository(mdb), ledger.New(mdb), m.sched, m.clock, auctions.Config{FeeBps: 1000, Self: "auctions"})
			ps := make([]auth.Principal, bids)
			for k := range ps {
				ps[k] = m.advertiser(fmt.Sprint("c", k), 100_000)
			}
			meter.Reset()
			placeAll(b, svc, m, ps, 0)
			if bids == 2 {
				t := meter.Total()
				b.ReportMetric(t.RCU/float64(bids), "RCU/bid")
				b.ReportMetric(t.WCU/float64(bids), "WCU/bid")
				meter.Reset()
				placeAll(b, svc, m, ps, 50) // replacements: the hold moves by the difference
				t = meter.Total()
				b.ReportMetric(t.RCU/float64(bids), "RCU/replace")
				b.ReportMetric(t.WCU/float64(bids), "WCU/replace")
			}
			m.clock.Advance(time.Hour)
			meter.Reset()
			if err := svc.HandleScheduled(ctx, m.sched.payload("close-"+m.auction.ID)); err != nil {
				b.Fatal(err)
			}
			t := meter.Total()
			b.ReportMetric(t.RCU, fmt.Sprintf("RCU/close-%d-bids", bids))
			b.ReportMetric(t.WCU, fmt.Sprintf("WCU/close-%d-bids", bids))
			b.Logf("close with %d bids: %s", bids, meter)
		}
	}
}

func placeAll(b *testing.B, svc *auctions.Service, m *market, ps []auth.Principal, extra int64) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for k, p := range ps {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			amount := int64(200+k) + extra
			if _, err := svc.PlaceBid(context.Background(), p, m.auction.ID, auctions.PlaceBidInput{Amount: &amount, Currency: "USD", Creative: creative}); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
}

// BenchmarkBid_HotAuction: 50 advertisers place and replace bids on one
// auction at once; it reports bids/s, p99, and the share answered 409
// (a lost race the client retries).
func BenchmarkBid_HotAuction(b *testing.B) {
	for i := 0; i < b.N; i++ {
		m := newMarket(b, 100, auctions.SecondPrice)
		const n, rounds = 50, 4
		ps := make([]auth.Principal, n)
		for k := range ps {
			ps[k] = m.advertiser(fmt.Sprint("h", k), 1_000_000)
		}
		var mu sync.Mutex
		var lat []time.Duration
		conflicts := 0
		var wg sync.WaitGroup
		start := time.Now()
		for k := range ps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := 0; r < rounds; r++ {
					amount := int64(200 + k + r*100)
					t := time.Now()
					_, err := m.svc.PlaceBid(context.Background(), ps[k], m.auction.ID, auctions.PlaceBidInput{Amount: &amount, Currency: "USD", Creative: creative})
					d := time.Since(t)
					mu.Lock()
					if err != nil {
						conflicts++
					} else {
						lat = append(lat, d)
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "bids/s")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(conflicts)/float64(n*rounds)*100, "%409")
	}
}
