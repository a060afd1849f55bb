package campaigns_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/souqhq/souq/shared/campaigns"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/store/storetest"
)

// BenchmarkCapacity_Settlement: the capacity units of one settlement (a
// meter of new views on 1 and on 5 communities: the books, the draw with
// its postings, CampaignCharged), from a metered client. A settlement is
// one per campaign per minute, so its cost per 1,000 billed impressions
// is this divided by the thousands billed in that minute.
func BenchmarkCapacity_Settlement(b *testing.B) {
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		for _, coms := range []int{1, 5} {
			w := newWorld(b)
			mdb, meter := storetest.Metered(w.db)
			svc := campaigns.NewService(campaigns.NewRepository(mdb), ledger.New(mdb), w.sched, w.clock, campaigns.Config{Self: "campaigns", ShareBps: campaigns.DefaultShareBps})
			w.svc = svc
			v, err := svc.Create(ctx, w.key, "adv_a", input(10_000))
			if err != nil {
				b.Fatal(err)
			}
			units := map[string][2]int64{}
			for c := 0; c < coms; c++ {
				units[fmt.Sprintf("com_%d", c)] = [2]int64{1_000, 0}
			}
			meter.Reset()
			if err := w.meter(v.ID, 1, units); err != nil {
				b.Fatal(err)
			}
			t := meter.Total()
			b.ReportMetric(t.RCU, fmt.Sprintf("RCU/settlement-%d-communities", coms))
			b.ReportMetric(t.WCU, fmt.Sprintf("WCU/settlement-%d-communities", coms))
		}
	}
}
