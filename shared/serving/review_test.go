package serving_test

// Communities choose what runs on their pages (DESIGN §16): serving
// learns their review setting, blocked advertisers and decisions from
// events, against DynamoDB Local, and offers only what they allow.

import (
	"context"
	"testing"
	"time"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/serving"
)

const otherSlot = "slot_01jd3k4m5n6p7q8r9s0t1v2w3z"

// reviewWorld is the world with its slot (com_1) and another community's
// (com_2, otherSlot) taking campaigns, and two live campaigns: adv_w's
// cmp_w and adv_x's cmp_x. At t0 no flight runs.
func reviewWorld(t *testing.T) *world {
	w := newWorld(t)
	accept := events.SlotCampaigns{Accept: true, FloorCPM: money.Amount{Currency: "USD"}}
	w.deliver(&events.CommunityCreated{CommunityID: "com_2", OwnerID: "usr_two", Currency: "USD"})
	w.deliver(&events.SlotChanged{SlotID: w.slotID, CommunityID: "com_1", Width: 300, Height: 250, Currency: "USD", Campaigns: accept, Version: 2})
	w.deliver(&events.SlotChanged{SlotID: otherSlot, CommunityID: "com_2", Width: 300, Height: 250, Currency: "USD", Campaigns: accept, Version: 1})
	for _, c := range []struct{ id, adv string }{{"cmp_w", "adv_w"}, {"cmp_x", "adv_x"}} {
		w.deliver(w.campaign(c.id, c.adv, 1, 1))
	}
	return w
}

func (w *world) campaign(id, adv string, version, creative int) *events.CampaignChanged {
	return &events.CampaignChanged{CampaignID: id, AdvertiserID: adv, Currency: "USD", Model: "cpm",
		Bid: money.Amount{Minor: 500, Currency: "USD"}, Budget: money.Amount{Minor: 100_000, Currency: "USD"},
		Start: clock.Format(t0.Add(-time.Hour)), End: clock.Format(t0.Add(72 * time.Hour)), Pacing: "asap", State: "live", Version: version,
		CreativeVersion: creative,
		Creative:        events.SizedCreative{ImageURL: "https://cdn.example/" + id + ".png", ClickURL: "https://shop.example/" + id, AltText: id, Width: 300, Height: 250}}
}

// served decides n times on a fresh instance (no cache) and counts the
// campaigns offered.
func (w *world) served(slotID string, n int) map[string]int {
	w.t.Helper()
	s := w.server()
	got := map[string]int{}
	for range n {
		ad, ok, err := s.Decide(context.Background(), slotID, "gophers.example")
		if err != nil {
			w.t.Fatal(err)
		}
		if ok && ad.Kind == serving.KindCampaign {
			got[ad.CampaignID]++
		}
	}
	return got
}

func TestReview_ServingOffersOnlyWhatTheCommunityAllows(t *testing.T) {
	t.Parallel()
	w := reviewWorld(t)
	if got := w.served(w.slotID, 60); got["cmp_w"] == 0 || got["cmp_x"] == 0 {
		t.Fatalf("before any rule, both run: %v", got)
	}
	w.deliver(&events.CommunityUpdated{CommunityID: "com_1", OwnerID: "usr_owner", AllowedDomains: []string{}, Version: 2,
		CampaignReview: "approve", BlockedAdvertisers: []string{"adv_x"}})
	w.deliver(&events.CommunityUpdated{CommunityID: "com_1", OwnerID: "usr_owner", AllowedDomains: []string{}, Version: 1}) // late: ignored
	if got := w.served(w.slotID, 200); len(got) != 0 {
		t.Fatalf("on an approve community nothing unapproved runs: %v", got)
	}
	if got := w.served(otherSlot, 60); got["cmp_w"] == 0 || got["cmp_x"] == 0 {
		t.Fatalf("another community runs both: %v", got)
	}
	review := func(campaignID, adv string, creative, version int, decision string) *events.CampaignReviewed {
		return &events.CampaignReviewed{CampaignID: campaignID, CommunityID: "com_1", AdvertiserID: adv, CreativeVersion: creative, Decision: decision, Version: version}
	}
	w.deliver(review("cmp_w", "adv_w", 1, 1, "approve"))
	w.deliver(review("cmp_x", "adv_x", 1, 1, "approve")) // approved, and still blocked
	if got := w.served(w.slotID, 100); got["cmp_w"] != 100 {
		t.Fatalf("the approved one runs, the blocked one never: %v", got)
	}
	// A new creative is not the one approved.
	w.deliver(w.campaign("cmp_w", "adv_w", 2, 2))
	if got := w.served(w.slotID, 200); len(got) != 0 {
		t.Fatalf("a changed creative runs before approval: %v", got)
	}
	if got := w.served(otherSlot, 60); got["cmp_w"] == 0 {
		t.Fatalf("the changed creative runs where nobody reviews: %v", got)
	}
	w.deliver(review("cmp_w", "adv_w", 2, 2, "reject"))
	w.deliver(review("cmp_w", "adv_w", 1, 1, "approve")) // redelivered, older: ignored
	if got := w.served(w.slotID, 200); len(got) != 0 {
		t.Fatalf("a rejected creative runs: %v", got)
	}
}

func TestCommunityRules_Allows(t *testing.T) {
	t.Parallel()
	c := serving.Campaign{ID: "cmp_a", AdvertiserID: "adv_a", CreativeVersion: 2}
	for _, tc := range []struct {
		name  string
		rules serving.CommunityRules
		want  bool
	}{
		{"no rules", serving.CommunityRules{}, true},
		{"blocked", serving.CommunityRules{Blocked: []string{"adv_a"}}, false},
		{"another blocked", serving.CommunityRules{Blocked: []string{"adv_b"}}, true},
		{"approve, undecided", serving.CommunityRules{Approve: true}, false},
		{"approve, approved", serving.CommunityRules{Approve: true, Decisions: map[string]serving.Reviewed{"cmp_a": {CreativeVersion: 2, Approved: true}}}, true},
		{"approve, an earlier creative approved", serving.CommunityRules{Approve: true, Decisions: map[string]serving.Reviewed{"cmp_a": {CreativeVersion: 1, Approved: true}}}, false},
		{"auto, rejected", serving.CommunityRules{Decisions: map[string]serving.Reviewed{"cmp_a": {CreativeVersion: 2}}}, false},
		{"auto, an earlier creative rejected", serving.CommunityRules{Decisions: map[string]serving.Reviewed{"cmp_a": {CreativeVersion: 1}}}, true},
		{"approved and blocked", serving.CommunityRules{Blocked: []string{"adv_a"}, Decisions: map[string]serving.Reviewed{"cmp_a": {CreativeVersion: 2, Approved: true}}}, false},
	} {
		if got := tc.rules.Allows(c); got != tc.want {
			t.Errorf("%s: Allows = %v, want %v", tc.name, got, tc.want)
		}
	}
}
