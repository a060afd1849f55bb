package serving

import (
	"context"
	"testing"

	"github.com/souqhq/souq/events"
)

// A targeted and an untargeted campaign on one slot: a matching request
// may get either (the targeted one, at 25 × the bid, nearly always); a
// request it does not match (a desktop, another country, none) only the
// untargeted one, from its own draw.
func TestDecideFor_TargetedAndUntargetedOnOneSlot(t *testing.T) {
	ctx := context.Background()
	plain, tg := camp("cmp_plain"), camp("cmp_tg")
	tg.Bid = 5000
	tg.Targeting = targetingOf(&events.CampaignTargeting{Keywords: []string{"databases", "go"}, Countries: []string{"AE", "SA"}, Devices: []string{"mobile"}})
	srv, _, _, _ := campaignServer(plain, tg)
	phone := "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
	seen := map[string]int{}
	for i := 0; i < 40; i++ {
		ad, ok, err := srv.DecideFor(ctx, "slot_1", "", Viewer{Keywords: []string{"go"}, Country: "SA", UserAgent: phone})
		if err != nil || !ok {
			t.Fatalf("decision %d: %v %v", i, ok, err)
		}
		seen[ad.CampaignID]++
	}
	if seen["cmp_tg"] < 30 {
		t.Fatalf("matching requests: %v", seen)
	}
	for _, v := range []Viewer{{Keywords: []string{"go"}, Country: "SA", UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/118.0.0.0 Safari/537.36"},
		{Keywords: []string{"go"}, Country: "US", UserAgent: phone}, {Keywords: []string{"go"}, UserAgent: phone}, {Country: "SA", UserAgent: phone}} {
		for i := 0; i < 20; i++ {
			if ad, ok, _ := srv.DecideFor(ctx, "slot_1", "", v); !ok || ad.CampaignID != "cmp_plain" {
				t.Fatalf("%+v: %+v %v", v, ad, ok)
			}
		}
	}
}
