package serving

import (
	"context"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/clock"
)

var cmpStart = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)

// camp is a live CPM campaign of 300×250 in USD, bid 2.00, budget 96.00
// over four days from cmpStart, even pacing.
func camp(id string) Campaign {
	return Campaign{ID: id, AdvertiserID: "adv_1", Currency: "USD", Model: ModelCPM, Bid: 200, Budget: 9_600,
		Start: cmpStart, End: cmpStart.Add(96 * time.Hour), Pacing: PacingEven, Live: true, Width: 300, Height: 250,
		Creative: Creative{ImageURL: "https://cdn.example/" + id + ".png", ClickURL: "https://shop.example/" + id, AltText: id}}
}

var accepting = Placement{Found: true, CommunityID: "com_1", Width: 300, Height: 250, Currency: "USD", Campaigns: &SlotCampaigns{FloorCPM: 100}}

// Even pacing: the need is what keeps the campaign on its straight line,
// looking one PacingInterval ahead; ahead of it, it waits; asap needs all
// that is left; a daily cap bounds both.
func TestNeed_EvenFollowsTheStraightLine(t *testing.T) {
	c := camp("c")
	perInterval := 9_600 * float64(PacingInterval) / float64(96*time.Hour) // 25.00 per 15 minutes
	for _, tc := range []struct {
		name  string
		at    time.Duration
		spent Spend
		want  float64
	}{
		{"at its start: one interval's worth", 0, Spend{}, perInterval},
		{"a day in, nothing spent: the day and an interval", 24 * time.Hour, Spend{}, 2_400 + perInterval},
		{"a day in, on the line", 24 * time.Hour, Spend{Total: 2_400}, perInterval},
		{"ahead of the line: waits", 24 * time.Hour, Spend{Total: 2_500}, 0},
		{"near the end: the rest", 96*time.Hour - time.Minute, Spend{Total: 9_000}, 600},
		{"the budget spent", 48 * time.Hour, Spend{Total: 9_600}, 0},
	} {
		if got := c.Need(cmpStart.Add(tc.at), tc.spent); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: need %.4f, want %.4f", tc.name, got, tc.want)
		}
	}
	c.Pacing = PacingASAP
	if got := c.Need(cmpStart, Spend{Total: 600}); got != 9_000 {
		t.Errorf("asap: %.2f, want all that is left", got)
	}
	c.DailyCap = 1_000
	if got := c.Need(cmpStart, Spend{Total: 600, Today: 700}); got != 300 {
		t.Errorf("asap under a daily cap: %.2f, want what is left of today's", got)
	}
	if got := c.Need(cmpStart, Spend{Total: 600, Today: 1_000}); got != 0 {
		t.Errorf("today's cap reached: %.2f", got)
	}
}

// Only a live campaign in its window, of the slot's size and currency, at
// or above its floor (a CPC bid at its eCPM), with something to spend, on
// a slot that accepts campaigns, is eligible.
func TestEligible(t *testing.T) {
	now := cmpStart.Add(time.Hour)
	for name, tc := range map[string]struct {
		change func(*Campaign, *Placement)
		want   bool
	}{
		"as it is":                  {func(*Campaign, *Placement) {}, true},
		"paused":                    {func(c *Campaign, _ *Placement) { c.Live = false }, false},
		"before its start":          {func(c *Campaign, _ *Placement) { c.Start = now.Add(time.Second) }, false},
		"at its end":                {func(c *Campaign, _ *Placement) { c.End = now }, false},
		"another size":              {func(c *Campaign, _ *Placement) { c.Height = 90 }, false},
		"another currency":          {func(c *Campaign, _ *Placement) { c.Currency = "EUR" }, false},
		"below the floor":           {func(c *Campaign, _ *Placement) { c.Bid = 99 }, false},
		"at the floor":              {func(c *Campaign, _ *Placement) { c.Bid = 100 }, true},
		"a slot that does not take": {func(_ *Campaign, p *Placement) { p.Campaigns = nil }, false},
		"cpc at its eCPM":           {func(c *Campaign, _ *Placement) { c.Model, c.Bid = ModelCPC, 100 }, true}, // 100 × 0.001 × 1000 = 100
		"cpc below":                 {func(c *Campaign, _ *Placement) { c.Model, c.Bid = ModelCPC, 99 }, false},
	} {
		c, p := camp("c"), accepting
		floor := *p.Campaigns
		p.Campaigns = &floor
		tc.change(&c, &p)
		if got := c.Eligible(p, now, Spend{}); got != tc.want {
			t.Errorf("%s: eligible %v, want %v", name, got, tc.want)
		}
	}
}

// The lottery weighs need × eCPM: over many draws with a seeded source,
// each campaign wins in proportion to its weight, and one that waits or
// is ineligible never wins.
func TestChoose_WeightedByNeedTimesECPM(t *testing.T) {
	now := cmpStart.Add(time.Hour)
	a, b, waiting, small := camp("a"), camp("b"), camp("waits"), camp("small")
	b.Bid = 600       // three times a's eCPM, same need
	small.Width = 728 // another size
	spent := func(c Campaign) Spend {
		if c.ID == "waits" {
			return Spend{Total: 5_000} // far ahead of its line
		}
		return Spend{}
	}
	r := rand.New(rand.NewPCG(1, 2))
	wins := map[string]int{}
	const draws = 40_000
	cs := []Campaign{a, waiting, b, small}
	l := NewLottery(cs, accepting, now, spent)
	for i := 0; i < draws; i++ {
		c, ok := l.Draw(r)
		if !ok {
			t.Fatal("none chosen")
		}
		wins[c.ID]++
	}
	if wins["waits"] != 0 || wins["small"] != 0 {
		t.Fatalf("a waiting or ineligible campaign won: %v", wins)
	}
	if share := float64(wins["b"]) / draws; math.Abs(share-0.75) > 0.01 {
		t.Fatalf("b won %.3f of draws, want 0.75 (its weight is 3× a's): %v", share, wins)
	}
	if _, ok := NewLottery([]Campaign{waiting, small}, accepting, now, spent).Draw(r); ok {
		t.Fatal("none eligible must choose none")
	}
}

func campaignServer(camps ...Campaign) (*Server, *clock.Fake, *fakeSource, *memTally) {
	clk := clock.NewFake(cmpStart.Add(time.Hour))
	src := &fakeSource{p: accepting, camps: camps}
	tally := &memTally{n: map[string]int64{}}
	srv := NewServer(src, &memOnce{seen: map[string]bool{}}, tally, clk, Config{Key: []byte("0123456789abcdef0123456789abcdef"),
		BaseURL: "http://souq.test", Rand: rand.New(rand.NewPCG(7, 7))}, slog.New(slog.DiscardHandler))
	return srv, clk, src, tally
}

// A slot that accepts campaigns shows one when no flight runs, before its
// house ad: labelled Sponsored, with signed view and click URLs, counted
// as served; a flight beats it; the set is read once per CampaignsRefresh,
// so a paused campaign stops within it; views count under the campaign
// and the slot's community; a click bills only after a view.
func TestDecide_CampaignBetweenFlightAndHouse(t *testing.T) {
	ctx := context.Background()
	srv, clk, src, tally := campaignServer(camp("cmp_1"))
	src.p.House = house
	ad, ok, err := srv.Decide(ctx, "slot_1", "")
	if err != nil || !ok || ad.Kind != KindCampaign || ad.CampaignID != "cmp_1" || ad.Label != LabelSponsored || ad.ImageURL != "https://cdn.example/cmp_1.png" ||
		ad.Width != 300 || !strings.HasPrefix(ad.ViewURL, "http://souq.test/v/") || !strings.HasPrefix(ad.ClickURL, "http://souq.test/c/") {
		t.Fatalf("decided %+v %v %v", ad, ok, err)
	}
	// A click before any view goes to the campaign's page but bills nothing.
	if to, err := srv.Click(ctx, strings.TrimPrefix(ad.ClickURL, "http://souq.test/c/"), human); err != nil || to != "https://shop.example/cmp_1" {
		t.Fatalf("click: %q %v", to, err)
	}
	// Another offer, viewed then clicked: an impression and a click.
	clk.Advance(2 * time.Second)
	ad2, _, _ := srv.Decide(ctx, "slot_1", "")
	if err := srv.View(ctx, viewToken(t, ad2), human); err != nil {
		t.Fatal(err)
	}
	if err := srv.Counts.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Click(ctx, strings.TrimPrefix(ad2.ClickURL, "http://souq.test/c/"), human); err != nil {
		t.Fatal(err)
	}
	if err := srv.Counts.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if tally.n[CountServed] != 2 || tally.n[CountImpressions] != 1 || tally.n[CountClicks] != 1 || tally.n["inv_not_viewed"] != 1 {
		t.Fatalf("counts %v", tally.n)
	}
	if len(tally.refs) != 1 || tally.refs[0] != "cmp_1/com_1" {
		t.Fatalf("counted under %v, want the campaign on the slot's community", tally.refs)
	}
	// A flight running wins its window.
	src.p.Flight = flightNow(clk.Now())
	srv.book.slots = map[string]*slotEntry{}
	if ad, _, _ := srv.Decide(ctx, "slot_1", ""); ad.Kind != KindFlight {
		t.Fatalf("with a flight running: %+v", ad)
	}
	src.p.Flight = nil
	// Paused: offered until the set is read again, then the house ad.
	src.camps[0].Live = false
	srv.book.slots = map[string]*slotEntry{}
	reads := src.reads
	if ad, _, _ := srv.Decide(ctx, "slot_1", ""); ad.Kind != KindCampaign || src.reads != reads {
		t.Fatalf("within CampaignsRefresh the set is kept: %+v (reads %d → %d)", ad, reads, src.reads)
	}
	clk.Advance(CampaignsRefresh)
	if ad, _, _ := srv.Decide(ctx, "slot_1", ""); ad.Kind != KindHouse || src.reads != reads+1 {
		t.Fatalf("a paused campaign after the refresh: %+v", ad)
	}
}

// What this instance counts a campaign spent stops its offers at its
// budget: a CPM campaign with a budget of ten views' worth is offered
// until ten views are counted (its belief rounds costs up, so it never
// lags what settlements charge).
func TestDecide_CampaignStopsAtItsBudget(t *testing.T) {
	ctx := context.Background()
	c := camp("cmp_2")
	c.Pacing, c.Bid, c.Budget = PacingASAP, 1_000, 10 // 1.00 per view; 10 of them
	srv, clk, _, _ := campaignServer(c)
	for i := 0; i < 10; i++ {
		ad, ok, err := srv.Decide(ctx, "slot_1", "")
		if err != nil || !ok || ad.Kind != KindCampaign {
			t.Fatalf("offer %d: %+v %v %v", i, ad, ok, err)
		}
		ev := human
		ev.SourceIP = "203.0.113." + string(rune('a'+i))
		if err := srv.View(ctx, viewToken(t, ad), ev); err != nil {
			t.Fatal(err)
		}
		if err := srv.Counts.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Second)
	}
	if _, ok, _ := srv.Decide(ctx, "slot_1", ""); ok {
		t.Fatal("offered past its budget")
	}
}

func flightNow(now time.Time) *Run {
	return &Run{FlightID: "flt_9", Start: now.Add(-time.Hour), End: now.Add(time.Hour), Creative: Creative{ImageURL: "https://cdn.example/f.png", ClickURL: "https://acme.example", AltText: "F"}}
}
