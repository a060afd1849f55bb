package serving

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/souqhq/souq/events"
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

// BenchmarkDecide_Targeted: decisions with 100 targeted campaigns (by
// keyword, country and device; half of them match) ÷ decisions with 100
// untargeted ones, in one run, for requests from 24 viewer profiles
// (8 keyword sets × 3 countries, a phone's agent). Goal: at least 0.8.
func BenchmarkDecide_Targeted(b *testing.B) {
	ctx := context.Background()
	kw := []string{"go", "rust", "databases", "cloud", "ml", "web", "security", "design"}
	viewers := make([]Viewer, 0, 24)
	for _, country := range []string{"SA", "AE", "EG"} {
		for _, k := range kw {
			viewers = append(viewers, Viewer{Keywords: []string{k}, Country: country,
				UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"})
		}
	}
	rate := map[bool]float64{}
	for _, targeted := range []bool{false, true} {
		b.Run(fmt.Sprintf("targeted=%v", targeted), func(b *testing.B) {
			var cs []Campaign
			for i := 0; i < 100; i++ {
				c := camp(fmt.Sprintf("cmp_%03d", i))
				c.Bid, c.Budget = int64(150+i), 1_000_000_000
				if targeted {
					c.Targeting = targetingOf(&events.CampaignTargeting{Keywords: []string{kw[i%8], kw[(i+1)%8]}, Countries: []string{"SA", "AE"}, Devices: []string{"mobile"}})
				}
				cs = append(cs, c)
			}
			srv, _, src, _ := campaignServer(cs...)
			src.p.House = house
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if _, ok, _ := srv.DecideFor(ctx, "slot_1", "", viewers[i%len(viewers)]); !ok {
					b.Fatal("no offer")
				}
			}
			rate[targeted] = float64(b.N) / time.Since(start).Seconds()
			b.ReportMetric(rate[targeted], "decisions/s")
			if targeted && rate[false] > 0 {
				b.ReportMetric(rate[true]/rate[false], "ratio-to-untargeted")
			}
		})
	}
}
