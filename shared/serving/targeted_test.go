package serving

import (
	"context"
	"fmt"
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

// A campaign capped at 3 in 24 hours: its offer carries the cap for the
// tag; a browser that says it saw it 3 times is offered the other one; at
// 2, it may still get it. The count comes from the browser alone.
func TestDecideFor_FrequencyCapFromTheBrowsersCount(t *testing.T) {
	ctx := context.Background()
	plain, capped := camp("cmp_plain"), camp("cmp_capped")
	capped.Bid = 50_000
	capped.Targeting = targetingOf(&events.CampaignTargeting{Frequency: &events.CampaignFrequency{Impressions: 3, Hours: 24}})
	srv, _, _, _ := campaignServer(plain, capped)
	ad, ok, err := srv.DecideFor(ctx, "slot_1", "", Viewer{Seen: map[string]int{"cmp_capped": 2}})
	if err != nil || !ok || ad.CampaignID != "cmp_capped" || ad.Frequency == nil || ad.Frequency.Impressions != 3 || ad.Frequency.Hours != 24 {
		t.Fatalf("seen twice: %+v %v %v", ad, ok, err)
	}
	for i := 0; i < 20; i++ {
		if ad, ok, _ := srv.DecideFor(ctx, "slot_1", "", Viewer{Seen: map[string]int{"cmp_capped": 3}}); !ok || ad.CampaignID != "cmp_plain" || ad.Frequency != nil {
			t.Fatalf("seen three times: %+v %v", ad, ok)
		}
	}
}

func TestParseSeen(t *testing.T) {
	got := ParseSeen("cmp_a:3,cmp_b:0,bad,cmp_c:-1,flt_x:2,cmp_d:x,cmp_e:9999999999")
	want := map[string]int{"cmp_a": 3, "cmp_b": 0, "cmp_e": 1_000_000}
	if len(got) != len(want) || got["cmp_a"] != 3 || got["cmp_e"] != 1_000_000 {
		t.Fatalf("ParseSeen = %v, want %v", got, want)
	}
	if ParseSeen("") != nil {
		t.Fatal("empty")
	}
}

// A meter moves at most MeterCommunities communities at once (a
// settlement's transaction holds four items for each it pays): with 25
// new ones, the first meter sends 20 and leaves 5 for the next; counts are
// cumulative, so the next sends all 25 and nothing is lost or repeated.
func TestMoved_AtMostTwentyCommunitiesAMeter(t *testing.T) {
	var now []events.CommunityUnits
	for i := 0; i < 25; i++ {
		now = append(now, events.CommunityUnits{CommunityID: fmt.Sprintf("com_%02d", i), Impressions: int64(100 + i)})
	}
	first := moved(now, nil, 0)
	if len(first) != MeterCommunities {
		t.Fatalf("the first meter moved %d communities", len(first))
	}
	second := moved(now, first, 1)
	if len(second) != 25 {
		t.Fatalf("the second meter sent %d", len(second))
	}
	changed := 0
	prev := map[string]events.CommunityUnits{}
	for _, u := range first {
		prev[u.CommunityID] = u
	}
	for i, u := range second {
		if !sameUnits(u, now[i]) {
			t.Fatalf("the second meter's %s: %+v, want %+v", u.CommunityID, u, now[i])
		}
		if _, ok := prev[u.CommunityID]; !ok {
			changed++
		}
	}
	if changed != 5 {
		t.Fatalf("%d moved in the second meter, want the 5 left", changed)
	}
	// More moving than fit: those deferred are sent as they were.
	later := append([]events.CommunityUnits(nil), second...)
	for i := range later {
		later[i].Impressions += 10
	}
	third := moved(later, second, 2)
	n := 0
	for i, u := range third {
		if u.Impressions != second[i].Impressions {
			n++
		}
	}
	if len(third) != 25 || n != MeterCommunities {
		t.Fatalf("the third meter moved %d of %d", n, len(third))
	}
	if got := moved(now[:3], nil, 0); len(got) != 3 {
		t.Fatalf("a few: %v", got)
	}
}
