package campaigns_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/campaigns"
	"github.com/souqhq/souq/shared/clock"
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

// The same settlement of one community's 1,000 views with the day's
// breakdown weights a busy line carries (10 countries, 2 devices, 3
// keywords, as the meter sends them): what the breakdowns add.
func BenchmarkCapacity_SettlementWithBreakdowns(b *testing.B) {
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		w := newWorld(b)
		mdb, meter := storetest.Metered(w.db)
		svc := campaigns.NewService(campaigns.NewRepository(mdb), ledger.New(mdb), w.sched, w.clock, campaigns.Config{Self: "campaigns", ShareBps: campaigns.DefaultShareBps})
		v, err := svc.Create(ctx, w.key, "adv_a", input(10_000))
		if err != nil {
			b.Fatal(err)
		}
		dims := &events.DayDims{Day: w.clock.Now().UTC().Format(clock.DayLayout), Values: map[string]events.DimUnits{}}
		for _, c := range []string{"SA", "AE", "EG", "JO", "KW", "QA", "BH", "OM", "MA", "US"} {
			dims.Values["c|"+c] = events.DimUnits{Impressions: 100, Invalid: map[string]int64{"bot": 1}}
		}
		dims.Values["d|mobile"], dims.Values["d|desktop"] = events.DimUnits{Impressions: 700}, events.DimUnits{Impressions: 300}
		for _, k := range []string{"go", "rust", "databases"} {
			dims.Values["k|"+k] = events.DimUnits{Impressions: 333}
		}
		e := events.CampaignMetered{Meta: events.Meta{EventID: "evt_m_bench", OccurredAt: clock.Format(w.clock.Now()), SchemaVersion: 1}, CampaignID: v.ID, Seq: 1,
			Communities: []events.CommunityUnits{{CommunityID: "com_0", Impressions: 1_000, Invalid: map[string]int64{"bot": 10}, Dims: dims}}}
		d, _ := json.Marshal(e)
		meter.Reset()
		if err := svc.HandleEvent(ctx, lambdaevents.EventBridgeEvent{DetailType: "CampaignMetered", Source: events.SourceServing, Detail: d}); err != nil {
			b.Fatal(err)
		}
		t := meter.Total()
		b.ReportMetric(t.RCU, "RCU/settlement-with-breakdowns")
		b.ReportMetric(t.WCU, "WCU/settlement-with-breakdowns")
	}
}
