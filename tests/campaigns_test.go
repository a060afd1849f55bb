package tests

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

type campaignView struct {
	ID, AdvertiserID, Name, Currency, Status, Pacing string
	Pricing                                          struct {
		Model string
		Bid   struct{ Amount int64 }
	}
	Budget, Spent, Remaining, Released struct{ Amount int64 }
	DailyCap                           *struct{ Amount int64 }
	Start, End                         time.Time
	Impressions, Clicks                int64
}

type reportFigures struct {
	Impressions, Clicks, Billed, Free int64
	CTR                               float64
	Spend, ECPM, Premium              struct{ Amount int64 }
	Invalid                           map[string]int64
}

type campaignReport struct {
	CampaignID, Currency, From, To string
	Rows                           []struct {
		Day, CommunityID string
		reportFigures
	}
	Totals reportFigures
}

type earningsReport struct {
	CommunityID, Currency, From, To string
	Rows                            []struct {
		Day, Source string
		Amount      struct{ Amount int64 }
		Transfers   int64
	}
	Totals []struct {
		Source string
		Amount struct{ Amount int64 }
	}
	Total struct{ Amount int64 }
}

func campaignBody(budget int64, end time.Time) string {
	return fmt.Sprintf(`{"name":"Winter sale","currency":"EUR","pricing":{"model":"cpm","bid":{"amount":250,"currency":"EUR"}},
	  "budget":{"amount":%d,"currency":"EUR"},"end":%q,
	  "creative":{"imageUrl":"https://cdn.example/winter.png","clickUrl":"https://shop.example/winter","altText":"Winter sale","width":300,"height":250}}`,
		budget, end.Format(time.RFC3339))
}

// A campaign through the API: its budget held once however often its
// creation is retried, refused creations hold nothing, a raised budget
// holds the difference and a lowered one gives it back, pause and resume,
// the end releasing what is left (CampaignEnded once), strangers kept
// out; and a campaign nobody ends is ended by its schedule at its end, on
// the platform's clock.
func TestCampaigns_HeldChangedAndEndedThroughTheAPI(t *testing.T) {
	aTok, aID := eurAdvertiser(t, 10_000)
	adv := "/v1/advertisers/" + aID
	end := now(t).Add(72 * time.Hour).Truncate(time.Second)

	body := campaignBody(6_000, end)
	key := freshKey()
	first := expect(t, do(t, call{method: "POST", path: adv + "/campaigns", auth: aTok, body: body, headers: key}), 201)
	again := expect(t, do(t, call{method: "POST", path: adv + "/campaigns", auth: aTok, body: body, headers: key}), 201)
	c := decode[campaignView](t, first)
	if again.header.Get("Idempotent-Replayed") != "true" || decode[campaignView](t, again).ID != c.ID {
		t.Fatalf("a retried creation made another: %s", again.body)
	}
	if c.Status != "active" || c.Budget.Amount != 6_000 || c.Remaining.Amount != 6_000 || c.Spent.Amount != 0 || c.Pacing != "even" || !c.End.Equal(end) {
		t.Fatalf("created: %+v", c)
	}
	if b := balanceOf(t, aTok, adv); b.Available != 4_000 || b.Held != 6_000 {
		t.Fatalf("balance %+v: the budget must be held once", b)
	}

	// Refused: no key, bad fields (every one named), more than the wallet.
	expect(t, do(t, call{method: "POST", path: adv + "/campaigns", auth: aTok, body: body}), 400)
	r := expect(t, do(t, call{method: "POST", path: adv + "/campaigns", auth: aTok, headers: freshKey(),
		body: `{"name":"","currency":"EUR","pricing":{"model":"cpa","bid":{"amount":0,"currency":"EUR"}},"budget":{"amount":100,"currency":"USD"},
		  "creative":{"imageUrl":"http://cdn.example/a.png","clickUrl":"https://shop.example/","altText":"","width":1,"height":250}}`}), 400)
	for _, f := range []string{"name", "pricing.model", "pricing.bid", "budget", "end", "creative.imageUrl", "creative.altText", "creative.width"} {
		if !hasFieldError(r, f) {
			t.Errorf("the problem does not name %s: %s", f, r.body)
		}
	}
	expect(t, do(t, call{method: "POST", path: adv + "/campaigns", auth: aTok, headers: freshKey(), body: campaignBody(4_001, end)}), 422)
	expect(t, do(t, call{method: "POST", path: adv + "/campaigns", auth: aTok, headers: freshKey(), body: `{"name":`}), 400)
	if b := balanceOf(t, aTok, adv); b.Available != 4_000 || b.Held != 6_000 {
		t.Fatalf("refused creations moved money: %+v", b)
	}
	list := decode[struct{ Data []campaignView }](t, expect(t, do(t, call{method: "GET", path: adv + "/campaigns", auth: aTok}), 200))
	if len(list.Data) != 1 || list.Data[0].ID != c.ID {
		t.Fatalf("list: %+v", list)
	}

	// Strangers: another person, another advertiser's key.
	_, stranger := newUser(t)
	for _, cl := range []call{
		{method: "GET", path: "/v1/campaigns/" + c.ID, auth: stranger},
		{method: "POST", path: "/v1/campaigns/" + c.ID + "/end", auth: stranger},
		{method: "PATCH", path: "/v1/campaigns/" + c.ID, auth: stranger, body: `{"budget":{"amount":7000,"currency":"EUR"}}`},
		{method: "GET", path: adv + "/campaigns", auth: stranger},
		{method: "POST", path: adv + "/campaigns", auth: stranger, body: body, headers: freshKey()},
		{method: "GET", path: "/v1/campaigns/cmp_nope", auth: aTok},
	} {
		expect(t, do(t, cl), 404)
	}

	// Changes: a raised budget holds the difference; a lower one gives it
	// back (tests/campaign_budget_test.go has the rest).
	path := "/v1/campaigns/" + c.ID
	u := decode[campaignView](t, expect(t, do(t, call{method: "PATCH", path: path, auth: aTok,
		body: `{"budget":{"amount":7000,"currency":"EUR"},"dailyCap":{"amount":1000,"currency":"EUR"},"bid":{"amount":300,"currency":"EUR"}}`}), 200))
	if u.Budget.Amount != 7_000 || u.Remaining.Amount != 7_000 || u.DailyCap == nil || u.DailyCap.Amount != 1_000 || u.Pricing.Bid.Amount != 300 {
		t.Fatalf("changed: %+v", u)
	}
	if b := balanceOf(t, aTok, adv); b.Available != 3_000 || b.Held != 7_000 {
		t.Fatalf("balance after the raise: %+v", b)
	}
	if got := decode[campaignView](t, expect(t, do(t, call{method: "PATCH", path: path, auth: aTok, body: `{"budget":{"amount":5000,"currency":"EUR"}}`}), 200)); got.Budget.Amount != 5_000 || got.Remaining.Amount != 5_000 {
		t.Fatalf("a lower budget: %+v", got)
	}
	if b := balanceOf(t, aTok, adv); b.Available != 5_000 || b.Held != 5_000 {
		t.Fatalf("balance after lowering the budget: %+v", b)
	}
	if r := expect(t, do(t, call{method: "PATCH", path: path, auth: aTok, body: `{"end":"2020-01-01T00:00:00Z"}`}), 400); !hasFieldError(r, "end") {
		t.Fatalf("an end in the past: %s", r.body)
	}
	if got := decode[campaignView](t, expect(t, do(t, call{method: "POST", path: path + "/pause", auth: aTok}), 200)); got.Status != "paused" {
		t.Fatalf("paused: %+v", got)
	}
	if got := decode[campaignView](t, expect(t, do(t, call{method: "POST", path: path + "/resume", auth: aTok}), 200)); got.Status != "active" {
		t.Fatalf("resumed: %+v", got)
	}

	// The end: everything left goes back, once.
	ended := decode[campaignView](t, expect(t, do(t, call{method: "POST", path: path + "/end", auth: aTok}), 200))
	if ended.Status != "ended" || ended.Released.Amount != 5_000 || ended.Remaining.Amount != 0 {
		t.Fatalf("ended: %+v", ended)
	}
	expect(t, do(t, call{method: "POST", path: path + "/end", auth: aTok}), 200)
	expect(t, do(t, call{method: "POST", path: path + "/resume", auth: aTok}), 409)
	expect(t, do(t, call{method: "PATCH", path: path, auth: aTok, body: `{"budget":{"amount":8000,"currency":"EUR"}}`}), 409)
	if b := balanceOf(t, aTok, adv); b.Available != 10_000 || b.Held != 0 {
		t.Fatalf("balance after the end: %+v", b)
	}
	if n := countEventsFor(t, "CampaignEnded", "campaignId", c.ID); n != 1 {
		t.Fatalf("%d CampaignEnded, want 1", n)
	}
	if n := countEventsFor(t, "CampaignCreated", "campaignId", c.ID); n != 1 {
		t.Fatalf("%d CampaignCreated, want 1", n)
	}

	// A campaign nobody ends ends at its end.
	second := decode[campaignView](t, expect(t, do(t, call{method: "POST", path: adv + "/campaigns", auth: aTok, headers: freshKey(),
		body: strings.Replace(campaignBody(2_500, now(t).Add(2*time.Hour).Truncate(time.Second)), "Winter sale", "Short one", 1)}), 201))
	advance(t, 2*time.Hour)
	got := decode[campaignView](t, expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + second.ID, auth: aTok}), 200))
	if got.Status != "ended" || got.Remaining.Amount != 2_500 || got.Released.Amount != 0 {
		t.Fatalf("at its end, before its last meter is settled: %+v", got)
	}
	advance(t, 3*time.Minute) // EndGrace: the last views settled, then the rest released
	got = decode[campaignView](t, expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + second.ID, auth: aTok}), 200))
	if got.Status != "ended" || got.Released.Amount != 2_500 {
		t.Fatalf("after its end's grace: %+v", got)
	}
	if b := balanceOf(t, aTok, adv); b.Available != 10_000 || b.Held != 0 {
		t.Fatalf("balance after the schedule's end: %+v", b)
	}
	verifyLedger(t)
}

// A campaign served through a slot that accepts campaigns: offered when
// no flight runs, labelled Sponsored, its click sent to its own page;
// never on a slot that does not accept them, of another size, or whose
// floor is above its bid; paused, it stops within serving's refresh and
// comes back on resume; ended, it is not offered again. (A size of its own,
// 468×60, keeps other tests' campaigns away.)
func TestCampaigns_ServedOnSlotsThatAcceptThem(t *testing.T) {
	ownerToken, com := newCommunityForSlots(t)
	slot := func(w, h int) string {
		return decode[slot](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/slots", auth: ownerToken,
			body: fmt.Sprintf(`{"name":"Banner","width":%d,"height":%d,"reserve":{"amount":100,"currency":"EUR"}}`, w, h)}), 201)).ID
	}
	accepting, closed, other := slot(468, 60), slot(468, 60), slot(728, 90)
	for _, s := range []string{accepting, other} {
		r := expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + s, auth: ownerToken, body: `{"campaigns":{"accept":true,"floorCpm":{"amount":150,"currency":"EUR"}}}`}), 200)
		if !strings.Contains(string(r.body), `"campaigns":{"accept":true,"floorCpm":{"amount":150,"currency":"EUR"}}`) {
			t.Fatalf("the slot's setting: %s", r.body)
		}
	}
	for _, body := range []string{
		`{"campaigns":{"accept":true,"floorCpm":{"amount":150,"currency":"USD"}}}`, // another currency
		`{"campaigns":{"floorCpm":{"amount":-1,"currency":"EUR"}}}`,
		`{"campaigns":{}}`,
		`{"campaigns":true}`,
		`{"campaigns":{"accept":"yes"}}`,
	} {
		expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + closed, auth: ownerToken, body: body}), 400)
	}
	_, stranger := newUser(t)
	expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + closed, auth: stranger, body: `{"campaigns":{"accept":true}}`}), 404)

	aTok, aID := eurAdvertiser(t, 10_000)
	end := now(t).Add(48 * time.Hour).Truncate(time.Second)
	body := strings.NewReplacer(`"width":300,"height":250`, `"width":468,"height":60`, `"amount":250,"currency":"EUR"}},`, `"amount":200,"currency":"EUR"}},`).Replace(campaignBody(5_000, end))
	c := decode[campaignView](t, expect(t, do(t, call{method: "POST", path: "/v1/advertisers/" + aID + "/campaigns", auth: aTok, body: body, headers: freshKey()}), 201))
	advance(t, 10*time.Second) // serving hears of the campaign and the slots, and reads campaigns every 10 s

	served := decode[ad](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + accepting}), 200))
	if served.Kind != "campaign" || served.Label != "Sponsored" || served.ImageURL != "https://cdn.example/winter.png" || served.Width != 468 || served.Height != 60 {
		t.Fatalf("the accepting slot served %+v", served)
	}
	if r := expect(t, do(t, call{method: "GET", path: strings.TrimPrefix(served.ClickURL, base), headers: person(1)}), 302); r.header.Get("Location") != "https://shop.example/winter" {
		t.Fatalf("the click goes to %q", r.header.Get("Location"))
	}
	expect(t, do(t, call{method: "POST", path: strings.TrimPrefix(served.ViewURL, base), headers: person(1)}), 204)
	expect(t, do(t, call{method: "GET", path: "/v1/serve/" + closed}), 204) // does not accept campaigns, no house ad
	expect(t, do(t, call{method: "GET", path: "/v1/serve/" + other}), 204)  // another size

	// A floor above the bid keeps it off.
	expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + accepting, auth: ownerToken, body: `{"campaigns":{"floorCpm":{"amount":201,"currency":"EUR"}}}`}), 200)
	advance(t, 10*time.Second)
	expect(t, do(t, call{method: "GET", path: "/v1/serve/" + accepting}), 204)
	expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + accepting, auth: ownerToken, body: `{"campaigns":{"floorCpm":{"amount":200,"currency":"EUR"}}}`}), 200)
	advance(t, 10*time.Second)
	if got := decode[ad](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + accepting}), 200)); got.Kind != "campaign" {
		t.Fatalf("at the floor: %+v", got)
	}

	// Paused, resumed, ended.
	expect(t, do(t, call{method: "POST", path: "/v1/campaigns/" + c.ID + "/pause", auth: aTok}), 200)
	advance(t, 10*time.Second)
	expect(t, do(t, call{method: "GET", path: "/v1/serve/" + accepting}), 204)
	expect(t, do(t, call{method: "POST", path: "/v1/campaigns/" + c.ID + "/resume", auth: aTok}), 200)
	advance(t, 10*time.Second)
	expect(t, do(t, call{method: "GET", path: "/v1/serve/" + accepting}), 200)
	expect(t, do(t, call{method: "POST", path: "/v1/campaigns/" + c.ID + "/end", auth: aTok}), 200)
	advance(t, 10*time.Second)
	expect(t, do(t, call{method: "GET", path: "/v1/serve/" + accepting}), 204)
	// Its click still goes to its page after the end.
	if r := expect(t, do(t, call{method: "GET", path: strings.TrimPrefix(served.ClickURL, base), headers: person(2)}), 302); r.header.Get("Location") != "https://shop.example/winter" {
		t.Fatalf("after the end the click goes to %q", r.header.Get("Location"))
	}
}

// Metered billing end to end: views of a campaign through a slot are
// counted, sent by serving's meter on the platform's minute, and settled:
// the advertiser pays floor(views × bid / 1000) from the hold, the
// community earns 70 % of it in its available balance, the statement
// shows the campaign_charge, and the end releases exactly the rest; the
// ledger verifies. (A size of its own, 970×250, keeps other campaigns
// away.)
func TestCampaigns_ViewsAreSettledOnThePlatformsMinute(t *testing.T) {
	ownerToken, com := newCommunityForSlots(t)
	slotID := decode[slot](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/slots", auth: ownerToken,
		body: `{"name":"Billboard","width":970,"height":250,"reserve":{"amount":100,"currency":"EUR"}}`}), 201)).ID
	expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + slotID, auth: ownerToken, body: `{"campaigns":{"accept":true,"floorCpm":{"amount":100,"currency":"EUR"}}}`}), 200)
	aTok, aID := eurAdvertiser(t, 10_000)
	body := strings.NewReplacer(`"width":300,"height":250`, `"width":970,"height":250`, `"end":`, `"pacing":"asap","end":`).
		Replace(campaignBody(5_000, now(t).Add(48*time.Hour).Truncate(time.Second)))
	c := decode[campaignView](t, expect(t, do(t, call{method: "POST", path: "/v1/advertisers/" + aID + "/campaigns", auth: aTok, body: body, headers: freshKey()}), 201))
	advance(t, 10*time.Second) // serving reads campaigns every 10 s
	comBefore := balanceOf(t, ownerToken, "/v1/communities/"+com)

	const views = 400
	for i := 0; i < views; i++ {
		o := decode[ad](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID}), 200))
		if o.Kind != "campaign" {
			t.Fatalf("decision %d: %+v", i, o)
		}
		expect(t, do(t, call{method: "POST", path: strings.TrimPrefix(o.ViewURL, base), headers: person(10_000 + i)}), 204)
	}
	for i := 0; i < 3; i++ { // a crawler's views: refused, reported, never billed
		o := decode[ad](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID}), 200))
		expect(t, do(t, call{method: "POST", path: strings.TrimPrefix(o.ViewURL, base), headers: map[string]string{"User-Agent": "Googlebot/2.1"}}), 204)
	}
	advance(t, 61*time.Second) // the meter's minute: counted, sent, settled
	got := decode[campaignView](t, expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + c.ID, auth: aTok}), 200))
	if got.Impressions != views || got.Spent.Amount != 100 || got.Remaining.Amount != 4_900 { // floor(400 × 250 / 1000)
		t.Fatalf("settled: %+v", got)
	}
	if b := balanceOf(t, aTok, "/v1/advertisers/"+aID); b.Held != 4_900 || b.Available != 5_000 {
		t.Fatalf("the advertiser: %+v", b)
	}
	if b := balanceOf(t, ownerToken, "/v1/communities/"+com); b.Available-comBefore.Available != 70 {
		t.Fatalf("the community earned %d, want 70 (70 %% of 100): %+v", b.Available-comBefore.Available, b)
	}
	// The statement shows the charges with what they billed: usually one
	// meter's, two when a slow machine's views straddle a minute.
	st := decode[struct {
		Data []struct {
			Kind, Memo string
			Held       int64
		}
	}](t, expect(t, do(t, call{method: "GET", path: "/v1/ledger/statement?limit=20&accountId=" + aID, auth: aTok}), 200))
	billed, charged, charges := 0, int64(0), 0
	for _, p := range st.Data {
		if p.Kind != "campaign_charge" {
			continue
		}
		charges++
		var meter, n int
		if _, err := fmt.Sscanf(strings.TrimPrefix(p.Memo, c.ID+" "), "m%d: %d impressions billed at 2.50 EUR CPM, 0 free", &meter, &n); err != nil {
			t.Fatalf("a charge's memo %q: %v", p.Memo, err)
		}
		billed, charged = billed+n, charged-p.Held
	}
	if billed != views || charged != 100 {
		t.Fatalf("the statement's charges bill %d impressions for %d, want %d for 100: %+v", billed, charged, views, st.Data)
	}
	if n := countEventsFor(t, "CampaignCharged", "campaignId", c.ID); n != charges {
		t.Fatalf("%d CampaignCharged, want one per charge (%d)", n, charges)
	}

	// The report: one line for the day and the community, agreeing with
	// the campaign and the ledger to the cent.
	day := now(t).UTC().Format("2006-01-02")
	rep := decode[campaignReport](t, expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + c.ID + "/report", auth: aTok}), 200))
	if len(rep.Rows) != 1 || rep.Rows[0].Day != day || rep.Rows[0].CommunityID != com || rep.Rows[0].Impressions != views ||
		rep.Rows[0].Spend.Amount != 100 || rep.Rows[0].ECPM.Amount != 250 || rep.Rows[0].Billed != views || rep.Rows[0].Invalid["bot"] != 3 ||
		rep.Totals.Spend.Amount != got.Spent.Amount || rep.Totals.Impressions != got.Impressions || rep.Currency != "EUR" {
		t.Fatalf("the campaign's report: %+v", rep)
	}
	csv := expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + c.ID + "/report?from=" + day + "&to=" + day, auth: aTok, headers: map[string]string{"Accept": "text/csv"}}), 200)
	wantCSV := "day,community_id,impressions,clicks,ctr,spend,ecpm,currency,billed,free,invalid_expired,invalid_bot,invalid_off_domain,invalid_too_fast,invalid_reused,invalid_not_viewed,invalid_source_cap,premium\n" +
		day + "," + com + ",400,0,0.000000,1.00,2.50,EUR,400,0,0,3,0,0,0,0,0,0.00\n"
	if string(csv.body) != wantCSV || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("the report as CSV: %q (%s)", csv.body, csv.header.Get("Content-Type"))
	}
	if r := decode[campaignReport](t, expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + c.ID + "/report?from=2020-01-01&to=2020-01-31", auth: aTok}), 200)); len(r.Rows) != 0 || r.Totals.Spend.Amount != 0 {
		t.Fatalf("a report of days before it: %+v", r)
	}
	if r := expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + c.ID + "/report?from=tomorrow", auth: aTok}), 400); !hasFieldError(r, "from") {
		t.Fatalf("a bad from: %+v", r.problem)
	}
	expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + c.ID + "/report", auth: ownerToken}), 404)
	earn := decode[earningsReport](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + com + "/report", auth: ownerToken}), 200))
	if earn.Total.Amount != 70 || len(earn.Rows) != 1 || earn.Rows[0].Source != "campaigns" || earn.Rows[0].Amount.Amount != 70 || earn.Rows[0].Day != day {
		t.Fatalf("the community's report: %+v", earn)
	}
	expect(t, do(t, call{method: "GET", path: "/v1/communities/" + com + "/report", auth: aTok}), 404)
	advance(t, 61*time.Second) // nothing new: no second charge
	if n := countEventsFor(t, "CampaignCharged", "campaignId", c.ID); n != 1 {
		t.Fatalf("%d CampaignCharged after a quiet minute, want 1", n)
	}
	ended := decode[campaignView](t, expect(t, do(t, call{method: "POST", path: "/v1/campaigns/" + c.ID + "/end", auth: aTok}), 200))
	if ended.Released.Amount != 4_900 || ended.Spent.Amount != 100 {
		t.Fatalf("ended: %+v", ended)
	}
	if b := balanceOf(t, aTok, "/v1/advertisers/"+aID); b.Held != 0 || b.Available != 9_900 {
		t.Fatalf("the advertiser after the end: %+v", b)
	}

	// A campaign that reaches its end is billed for its last views before
	// the rest is released.
	body = strings.NewReplacer(`"width":300,"height":250`, `"width":970,"height":250`, `"end":`, `"pacing":"asap","end":`).
		Replace(campaignBody(2_500, now(t).Add(2*time.Minute).Truncate(time.Second)))
	last := decode[campaignView](t, expect(t, do(t, call{method: "POST", path: "/v1/advertisers/" + aID + "/campaigns", auth: aTok, body: body, headers: freshKey()}), 201))
	advance(t, 10*time.Second)
	for i := 0; i < 200; i++ {
		o := decode[ad](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID}), 200))
		expect(t, do(t, call{method: "POST", path: strings.TrimPrefix(o.ViewURL, base), headers: person(20_000 + i)}), 204)
	}
	advance(t, 2*time.Minute) // its end
	expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID}), 204)
	advance(t, 3*time.Minute) // its grace: the last meter settled, then the release
	got = decode[campaignView](t, expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + last.ID, auth: aTok}), 200))
	if got.Status != "ended" || got.Spent.Amount != 50 || got.Released.Amount != 2_450 || got.Impressions != 200 {
		t.Fatalf("at its end: %+v", got) // floor(200 × 250 / 1000) = 50
	}
	verifyLedger(t)
}
