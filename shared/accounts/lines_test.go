package accounts_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/accounts"
	"github.com/souqhq/souq/shared/money"
)

// A settlement's lines are kept once however often and concurrently the
// event is delivered; a late, older event adds its counts but leaves the
// newer weights: the breakdown by country is the newer weights' share of
// both settlements' counts, and its earned total both settlements'.
func TestCampaignReported_KeptOnceNewerWeightsStand(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	ctx := context.Background()
	com, err := svc.CreateCommunity(ctx, user("usr_l"), accounts.CreateCommunityInput{Name: "C", URL: "https://c.example", Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	usd := func(n int64) money.Amount { return money.Amount{Minor: n, Currency: "USD"} }
	deliver := func(id string, seq, impressions, earned int64, dims map[string]events.DimUnits) error {
		e := events.CampaignReported{Meta: events.Meta{EventID: id, OccurredAt: "2026-11-23T09:00:00Z", SchemaVersion: 1}, CampaignID: "cmp_1",
			AdvertiserID: "adv_1", Seq: seq, Day: "2026-11-23", Model: "cpm",
			Lines: []events.CampaignLine{{CommunityID: com.ID, Impressions: impressions, Billed: impressions, Spend: usd(impressions), Earned: usd(earned), Premium: usd(0), Dims: dims}}}
		d, _ := json.Marshal(e)
		return svc.HandleEvent(ctx, lambdaevents.EventBridgeEvent{DetailType: "CampaignReported", Source: events.SourceCampaigns, Detail: d})
	}
	newer := map[string]events.DimUnits{"c|SA": {Impressions: 3}, "c|AE": {Impressions: 1}}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ { // seq 2, eight copies at once
		wg.Add(1)
		go func() { defer wg.Done(); errs <- deliver("evt_r2", 2, 4, 3, newer) }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// seq 1 arrives late, with older weights (all AE).
	if err := deliver("evt_r1", 1, 4, 2, map[string]events.DimUnits{"c|AE": {Impressions: 4}}); err != nil {
		t.Fatal(err)
	}
	if err := deliver("evt_r1", 1, 4, 2, nil); err != nil { // and again
		t.Fatal(err)
	}
	b, err := svc.CommunityBreakdown(ctx, user("usr_l"), com.ID, "2026-11-23", "2026-11-23", "country")
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, r := range b.Rows {
		got += fmt.Sprintf("%s:%d/%d ", r.Value, r.Impressions, r.Earned.Minor)
	}
	// 8 impressions, 5 earned, by the newer weights 3:1: SA 6 and 3.75, AE 2 and 1.25.
	if got != "AE:2/1 SA:6/4 " || b.Totals.Impressions != 8 || b.Totals.Earned.Minor != 5 {
		t.Fatalf("by country: %s totals %+v", got, b.Totals)
	}
}
