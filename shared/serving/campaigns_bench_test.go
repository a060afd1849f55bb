package serving

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkDecide_Campaigns: decisions on a slot that accepts campaigns,
// with 0 (its house ad), 1, 10 and 100 eligible campaigns of its size, in
// one run; it reports each one's decisions/s and its ratio to none's (the
// goal: at least 0.8 at 100).
func BenchmarkDecide_Campaigns(b *testing.B) {
	ctx := context.Background()
	rate := map[int]float64{}
	for _, n := range []int{0, 1, 10, 100} {
		b.Run(fmt.Sprintf("campaigns=%d", n), func(b *testing.B) {
			var cs []Campaign
			for i := 0; i < n; i++ {
				c := camp(fmt.Sprintf("cmp_%03d", i))
				c.Bid, c.Budget = int64(150+i), 1_000_000_000
				cs = append(cs, c)
			}
			srv, _, src, _ := campaignServer(cs...)
			src.p.House = house
			if _, ok, err := srv.Decide(ctx, "slot_1", ""); err != nil || !ok {
				b.Fatal(ok, err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if _, ok, _ := srv.Decide(ctx, "slot_1", ""); !ok {
					b.Fatal("no offer")
				}
			}
			rate[n] = float64(b.N) / time.Since(start).Seconds()
			b.ReportMetric(rate[n], "decisions/s")
			if n > 0 && rate[0] > 0 {
				b.ReportMetric(rate[n]/rate[0], "ratio-to-none")
			}
		})
	}
}
