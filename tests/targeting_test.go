package tests

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/souqhq/souq/tests/harness"
)

const (
	phoneUA   = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
	desktopUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36"
)

// Targeting (DESIGN §13, first step): a targeted and an untargeted
// campaign on one slot; decisions with and without the keyword, the
// country header and a phone's agent go to the right one; the targeting
// is validated, normalised, read back and changed. (A size of its own,
// 234×60, keeps other tests' campaigns away.)
func TestTargeting_DecisionsGoToTheCampaignsTheyMatch(t *testing.T) {
	ownerToken, com := newCommunityForSlots(t)
	slotID := decode[slot](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/slots", auth: ownerToken,
		body: `{"name":"Button","width":234,"height":60,"reserve":{"amount":100,"currency":"EUR"}}`}), 201)).ID
	expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + slotID, auth: ownerToken, body: `{"campaigns":{"accept":true,"floorCpm":{"amount":100,"currency":"EUR"}}}`}), 200)
	aTok, aID := eurAdvertiser(t, 10_000)
	body := func(name string, bid int, targeting string) string {
		return strings.NewReplacer(`"width":300,"height":250`, `"width":234,"height":60`, `"name":"Winter sale"`, `"name":"`+name+`"`,
			`"amount":250,"currency":"EUR"}}`, fmt.Sprintf(`"amount":%d,"currency":"EUR"}}`, bid), `"end":`, targeting+`"end":`).
			Replace(campaignBody(1_000, now(t).Add(48*time.Hour).Truncate(time.Second)))
	}

	// Refused targeting holds nothing and names its field.
	for field, tg := range map[string]string{
		"targeting.countries[1]":          `"targeting":{"countries":["SA","XX"]},`,
		"targeting.devices[0]":            `"targeting":{"devices":["tv"]},`,
		"targeting.hours[0]":              `"targeting":{"hours":[24]},`,
		"targeting.keywords[0]":           `"targeting":{"keywords":["` + strings.Repeat("k", 41) + `"]},`,
		"targeting.frequency.impressions": `"targeting":{"frequency":{"impressions":0,"hours":24}},`,
		"targeting.frequency.hours":       `"targeting":{"frequency":{"impressions":3,"hours":169}},`,
	} {
		r := expect(t, do(t, call{method: "POST", path: "/v1/advertisers/" + aID + "/campaigns", auth: aTok, body: body("Bad", 250, tg), headers: freshKey()}), 400)
		if !hasFieldError(r, field) {
			t.Errorf("%s: %+v", field, r.problem)
		}
	}
	if b := balanceOf(t, aTok, "/v1/advertisers/"+aID); b.Held != 0 {
		t.Fatalf("refused campaigns hold %d", b.Held)
	}

	targeted := decode[campaignView](t, expect(t, do(t, call{method: "POST", path: "/v1/advertisers/" + aID + "/campaigns", auth: aTok, headers: freshKey(),
		body: body("Gulf phones", 5_000, `"targeting":{"keywords":["ＧＯ","Databases"],"countries":["sa","AE"],"devices":["mobile"]},"pacing":"asap",`)}), 201))
	plain := decode[campaignView](t, expect(t, do(t, call{method: "POST", path: "/v1/advertisers/" + aID + "/campaigns", auth: aTok, headers: freshKey(),
		body: body("Everyone", 200, "")}), 201))
	r := expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + targeted.ID, auth: aTok}), 200)
	if !strings.Contains(string(r.body), `"targeting":{"keywords":["databases","go"],"countries":["AE","SA"],"devices":["mobile"],"hours":[],"frequency":null}`) {
		t.Fatalf("the targeting read back: %s", r.body)
	}
	if r := expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + plain.ID, auth: aTok}), 200); !strings.Contains(string(r.body), `"targeting":null`) {
		t.Fatalf("an untargeted campaign: %s", r.body)
	}
	advance(t, 11*time.Second) // serving reads campaigns every 10 s

	decide := func(query, country, ua string) string {
		h := map[string]string{"User-Agent": ua}
		if country != "" {
			h["CloudFront-Viewer-Country"] = country
		}
		r := do(t, call{method: "GET", path: "/v1/serve/" + slotID + query, headers: h})
		if r.status != 200 {
			t.Fatalf("a decision %s from %q with %q: %d", query, country, ua, r.status)
		}
		return decode[ad](t, r).CampaignID
	}
	// Requests the targeting does not match go to the untargeted one only.
	for _, c := range []struct{ query, country, ua string }{
		{"?keywords=go", "SA", desktopUA}, // a desktop
		{"?keywords=go", "US", phoneUA},   // another country
		{"?keywords=go", "", phoneUA},     // an unknown country
		{"?keywords=rust", "SA", phoneUA}, // another keyword
		{"", "SA", phoneUA},               // no keywords
	} {
		for i := 0; i < 15; i++ {
			if got := decide(c.query, c.country, c.ua); got != plain.ID {
				t.Fatalf("%+v: decision %d went to %s, want the untargeted %s", c, i, got, plain.ID)
			}
		}
	}
	// Matching requests: the targeted one (25 × the bid, and asap) wins
	// nearly every draw; with the untargeted paused, every one.
	seen := 0
	for i := 0; i < 40; i++ {
		if decide("?keywords=databases|"+"Go", "sa", phoneUA) == targeted.ID {
			seen++
		}
	}
	if seen < 20 {
		t.Fatalf("the targeted campaign won %d of 40 matching decisions", seen)
	}
	expect(t, do(t, call{method: "POST", path: "/v1/campaigns/" + plain.ID + "/pause", auth: aTok}), 200)
	advance(t, 11*time.Second)
	// 40 of its offers seen, settled on the platform's minute: 40 × 50.00 /
	// 1000 = 2.00 spent, and 20 % of it, 0.40, of premium, from the same
	// hold; the community earns 70 % of the spend only.
	comBefore := balanceOf(t, ownerToken, "/v1/communities/"+com)
	for i := 0; i < 40; i++ {
		o := decode[ad](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID + "?keywords=go",
			headers: map[string]string{"User-Agent": phoneUA, "CloudFront-Viewer-Country": "AE"}}), 200))
		if o.CampaignID != targeted.ID {
			t.Fatalf("a matching decision went to %q", o.CampaignID)
		}
		expect(t, do(t, call{method: "POST", path: strings.TrimPrefix(o.ViewURL, base), headers: map[string]string{"User-Agent": phoneUA, harness.ViewerAddressHeader: harness.ViewerAddress(30_000 + i)}}), 204)
	}
	advance(t, 61*time.Second)
	r = expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + targeted.ID, auth: aTok}), 200)
	got := decode[struct {
		Spent, Premium, Remaining struct{ Amount int64 }
		Impressions               int64
	}](t, r)
	if got.Impressions != 40 || got.Spent.Amount != 240 || got.Premium.Amount != 40 || got.Remaining.Amount != 760 {
		t.Fatalf("the targeted campaign settled: %s", r.body)
	}
	if b := balanceOf(t, ownerToken, "/v1/communities/"+com); b.Available-comBefore.Available != 140 {
		t.Fatalf("the community earned %d, want 140 (70 %% of the 200 spent, none of the premium)", b.Available-comBefore.Available)
	}
	rep := decode[campaignReport](t, expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + targeted.ID + "/report", auth: aTok}), 200))
	if len(rep.Rows) != 1 || rep.Rows[0].Spend.Amount != 200 || rep.Totals.Premium.Amount != 40 {
		t.Fatalf("the report: %+v", rep)
	}
	st := expect(t, do(t, call{method: "GET", path: "/v1/ledger/statement?limit=5&accountId=" + aID, auth: aTok}), 200)
	if !strings.Contains(string(st.body), "targeting premium 0.40 EUR") {
		t.Fatalf("the statement's memo: %s", st.body)
	}
	expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID + "?keywords=go", headers: map[string]string{"User-Agent": desktopUA, "CloudFront-Viewer-Country": "SA"}}), 204)

	// The slot's own keywords count as the page's: without ?keywords=, a
	// request from a phone in the UAE matches once the slot says "go".
	expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID, headers: map[string]string{"User-Agent": phoneUA, "CloudFront-Viewer-Country": "AE"}}), 204)
	if r := expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + slotID, auth: ownerToken, body: `{"keywords":["` + strings.Repeat("k", 41) + `"]}`}), 400); !hasFieldError(r, "keywords[0]") {
		t.Fatalf("a long slot keyword: %+v", r.problem)
	}
	if r := expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + slotID, auth: ownerToken, body: `{"keywords":["GO","go "]}`}), 200); !strings.Contains(string(r.body), `"keywords":["go"]`) {
		t.Fatalf("the slot's keywords: %s", r.body)
	}
	advance(t, 11*time.Second)
	if got := decide("", "AE", phoneUA); got != targeted.ID {
		t.Fatalf("with the slot's keyword: %q", got)
	}

	// Changed: the targeting removed ({}), it runs everywhere.
	r = expect(t, do(t, call{method: "PATCH", path: "/v1/campaigns/" + targeted.ID, auth: aTok, body: `{"targeting":{}}`}), 200)
	if !strings.Contains(string(r.body), `"targeting":null`) {
		t.Fatalf("targeting removed: %s", r.body)
	}
	expect(t, do(t, call{method: "PATCH", path: "/v1/campaigns/" + targeted.ID, auth: aTok, body: `{"targeting":{"hours":[25]}}`}), 400)
	advance(t, 11*time.Second)
	if got := decide("", "", desktopUA); got != targeted.ID {
		t.Fatalf("untargeted now, it went to %q", got)
	}
	// A frequency cap: the offer carries it for the tag; a browser that
	// says it has seen the campaign three times gets nothing from it.
	expect(t, do(t, call{method: "PATCH", path: "/v1/campaigns/" + targeted.ID, auth: aTok, body: `{"targeting":{"frequency":{"impressions":3,"hours":24}}}`}), 200)
	advance(t, 11*time.Second)
	o := decode[struct {
		CampaignID string
		Frequency  *struct{ Impressions, Hours int }
	}](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID + "?f=" + targeted.ID + ":2", headers: map[string]string{"User-Agent": desktopUA}}), 200))
	if o.CampaignID != targeted.ID || o.Frequency == nil || o.Frequency.Impressions != 3 || o.Frequency.Hours != 24 {
		t.Fatalf("seen twice: %+v", o)
	}
	expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID + "?f=" + targeted.ID + ":3", headers: map[string]string{"User-Agent": desktopUA}}), 204)
	expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID + "?f=garbage,,:", headers: map[string]string{"User-Agent": desktopUA}}), 200)
	for _, id := range []string{targeted.ID, plain.ID} {
		expect(t, do(t, call{method: "POST", path: "/v1/campaigns/" + id + "/end", auth: aTok}), 200)
	}
	verifyLedger(t)
}

type breakdown struct {
	CampaignID, Currency, From, To, By string
	Rows                               []struct {
		Day, Value string
		reportFigures
	}
	Totals reportFigures
}

// Breakdowns (DESIGN §13): views of a keyword-targeted campaign from
// chosen countries, devices and pages, settled; the report by country,
// device and keyword gives each its impressions, spend, premium and
// refusals, as done by hand, and totals equal to the unbroken report's to
// the cent; by slot, each of the community's two slots its own; CSV for
// each; an unknown breakdown is a 400. (Its own size, 180×150.)
func TestTargeting_BreakdownsAddUpToTheReport(t *testing.T) {
	ownerToken, com := newCommunityForSlots(t)
	slotID := decode[slot](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/slots", auth: ownerToken,
		body: `{"name":"Square","width":180,"height":150,"reserve":{"amount":100,"currency":"EUR"}}`}), 201)).ID
	expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + slotID, auth: ownerToken, body: `{"campaigns":{"accept":true,"floorCpm":{"amount":100,"currency":"EUR"}}}`}), 200)
	// A second slot of the size on the same community: the breakdown by
	// slot tells them apart.
	sideID := decode[slot](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/slots", auth: ownerToken,
		body: `{"name":"Side","width":180,"height":150,"reserve":{"amount":100,"currency":"EUR"}}`}), 201)).ID
	expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + sideID, auth: ownerToken, body: `{"campaigns":{"accept":true,"floorCpm":{"amount":100,"currency":"EUR"}}}`}), 200)
	aTok, aID := eurAdvertiser(t, 10_000)
	body := strings.NewReplacer(`"width":300,"height":250`, `"width":180,"height":150`, `"amount":250,"currency":"EUR"}}`, `"amount":1000,"currency":"EUR"}}`,
		`"end":`, `"targeting":{"keywords":["rust","go"]},"pacing":"asap","end":`).Replace(campaignBody(1_000, now(t).Add(48*time.Hour).Truncate(time.Second)))
	c := decode[campaignView](t, expect(t, do(t, call{method: "POST", path: "/v1/advertisers/" + aID + "/campaigns", auth: aTok, headers: freshKey(), body: body}), 201))
	advance(t, 11*time.Second)

	n := 0
	on := slotID
	show := func(keywords, country, ua, viewUA string) {
		n++
		h := map[string]string{"User-Agent": ua}
		if country != "" {
			h["CloudFront-Viewer-Country"] = country
		}
		o := decode[ad](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + on + "?keywords=" + keywords, headers: h}), 200))
		if o.CampaignID != c.ID {
			t.Fatalf("the decision went to %q", o.CampaignID)
		}
		expect(t, do(t, call{method: "POST", path: strings.TrimPrefix(o.ViewURL, base), headers: map[string]string{"User-Agent": viewUA, harness.ViewerAddressHeader: harness.ViewerAddress(40_000 + n)}}), 204)
	}
	for i := 0; i < 3; i++ {
		show("go", "SA", phoneUA, phoneUA) // three phones in Saudi Arabia on a page about go
	}
	on = sideID
	for i := 0; i < 2; i++ {
		show("rust", "AE", desktopUA, desktopUA) // two desktops in the UAE on a page about rust, on the side slot
	}
	on = slotID
	show("rust|go", "ZZ", phoneUA, phoneUA)                                      // a phone whose country is not one (unknown); its first keyword is go
	show("go", "SA", phoneUA, "Googlebot/2.1 (+http://www.google.com/bot.html)") // refused: a bot's view
	advance(t, 61*time.Second)

	rep := decode[campaignReport](t, expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + c.ID + "/report", auth: aTok}), 200))
	// 6 impressions at 10.00 CPM: 6 cents; 20 % premium: 1.2, half-even 1.
	if rep.Totals.Impressions != 6 || rep.Totals.Spend.Amount != 6 || rep.Totals.Premium.Amount != 1 || rep.Totals.Invalid["bot"] != 1 {
		t.Fatalf("the report: %+v", rep.Totals)
	}
	type fig struct{ impressions, spend, premium, bot int64 }
	for by, want := range map[string]map[string]fig{
		// The premium follows the spend: 1 × 3/6 is SA's largest remainder.
		"country": {"SA": {3, 3, 1, 1}, "AE": {2, 2, 0, 0}, "": {1, 1, 0, 0}},
		"device":  {"mobile": {4, 4, 1, 1}, "desktop": {2, 2, 0, 0}},
		"keyword": {"go": {4, 4, 1, 1}, "rust": {2, 2, 0, 0}},
		"slot":    {slotID: {4, 4, 1, 1}, sideID: {2, 2, 0, 0}},
	} {
		b := decode[breakdown](t, expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + c.ID + "/report?by=" + by, auth: aTok}), 200))
		got := map[string]fig{}
		for _, r := range b.Rows {
			f := got[r.Value]
			got[r.Value] = fig{f.impressions + r.Impressions, f.spend + r.Spend.Amount, f.premium + r.Premium.Amount, f.bot + r.Invalid["bot"]}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("by %s: %v, want %v", by, got, want)
		}
		if b.By != by || b.Totals.Impressions != rep.Totals.Impressions || b.Totals.Spend != rep.Totals.Spend || b.Totals.Premium != rep.Totals.Premium ||
			b.Totals.Billed != rep.Totals.Billed || b.Totals.Invalid["bot"] != rep.Totals.Invalid["bot"] || b.Totals.ECPM != rep.Totals.ECPM {
			t.Errorf("by %s: totals %+v, the report's %+v", by, b.Totals, rep.Totals)
		}
	}
	day := rep.Rows[0].Day
	csv := expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + c.ID + "/report?by=country&from=" + day + "&to=" + day, auth: aTok,
		headers: map[string]string{"Accept": "text/csv"}}), 200)
	want := "day,country,impressions,clicks,ctr,spend,ecpm,currency,billed,free,invalid_expired,invalid_bot,invalid_off_domain,invalid_too_fast,invalid_reused,invalid_not_viewed,invalid_source_cap,premium\n" +
		day + ",,1,0,0.000000,0.01,10.00,EUR,1,0,0,0,0,0,0,0,0,0.00\n" +
		day + ",AE,2,0,0.000000,0.02,10.00,EUR,2,0,0,0,0,0,0,0,0,0.00\n" +
		day + ",SA,3,0,0.000000,0.03,10.00,EUR,3,0,0,1,0,0,0,0,0,0.01\n"
	if string(csv.body) != want {
		t.Fatalf("the CSV by country:\n%s\nwant\n%s", csv.body, want)
	}
	// The community's side: its 70 % of the 6 cents is 4.2, half-even 4,
	// shared by spend (1, 2, 3 of 6): 0.67, 1.33 and 2, so the largest
	// remainder gives the unknown country the cent left. Its total is the
	// earnings report's campaigns total.
	earn := decode[earningsReport](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + com + "/report", auth: ownerToken}), 200))
	var fromCampaigns int64
	for _, tot := range earn.Totals {
		if tot.Source == "campaigns" {
			fromCampaigns = tot.Amount.Amount
		}
	}
	cb := decode[struct {
		By   string
		Rows []struct {
			Value         string
			Impressions   int64
			Spend, Earned struct{ Amount int64 }
			Invalid       map[string]int64
		}
		Totals struct {
			Impressions   int64
			Spend, Earned struct{ Amount int64 }
		}
	}](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + com + "/report?by=country", auth: ownerToken}), 200))
	gotCom := map[string]string{}
	for _, r := range cb.Rows {
		gotCom[r.Value] = fmt.Sprintf("%d/%d/%d/%d", r.Impressions, r.Spend.Amount, r.Earned.Amount, r.Invalid["bot"])
	}
	if want := map[string]string{"": "1/1/1/0", "AE": "2/2/1/0", "SA": "3/3/2/1"}; fmt.Sprint(gotCom) != fmt.Sprint(want) || fromCampaigns != 4 ||
		cb.Totals.Earned.Amount != fromCampaigns || cb.Totals.Impressions != 6 || cb.Totals.Spend.Amount != 6 {
		t.Fatalf("the community by country: %v (totals %+v), want %v and the report's %d", gotCom, cb.Totals, want, fromCampaigns)
	}
	// By slot: what each slot showed and earned (70 % of 4 and 2 cents:
	// 2.67 and 1.33, the cent left to the largest remainder), adding up
	// to the report's.
	sb := decode[struct {
		Rows []struct {
			Value         string
			Impressions   int64
			Spend, Earned struct{ Amount int64 }
		}
	}](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + com + "/report?by=slot", auth: ownerToken}), 200))
	bySlot := map[string]string{}
	for _, r := range sb.Rows {
		bySlot[r.Value] = fmt.Sprintf("%d/%d/%d", r.Impressions, r.Spend.Amount, r.Earned.Amount)
	}
	if want := map[string]string{slotID: "4/4/3", sideID: "2/2/1"}; fmt.Sprint(bySlot) != fmt.Sprint(want) {
		t.Fatalf("the community by slot: %v, want %v", bySlot, want)
	}
	ccsv := expect(t, do(t, call{method: "GET", path: "/v1/communities/" + com + "/report?by=device&from=" + day + "&to=" + day, auth: ownerToken,
		headers: map[string]string{"Accept": "text/csv"}}), 200)
	if want := "day,device,impressions,clicks,ctr,spend,earned,ecpm,currency,invalid_expired,invalid_bot,invalid_off_domain,invalid_too_fast,invalid_reused,invalid_not_viewed,invalid_source_cap\n" +
		day + ",desktop,2,0,0.000000,0.02,0.01,5.00,EUR,0,0,0,0,0,0,0\n" + day + ",mobile,4,0,0.000000,0.04,0.03,7.50,EUR,0,1,0,0,0,0,0\n"; string(ccsv.body) != want {
		t.Fatalf("the community's CSV by device:\n%s\nwant\n%s", ccsv.body, want)
	}
	if r := expect(t, do(t, call{method: "GET", path: "/v1/communities/" + com + "/report?by=planet", auth: ownerToken}), 400); !hasFieldError(r, "by") {
		t.Fatalf("the community by planet: %+v", r.problem)
	}
	expect(t, do(t, call{method: "GET", path: "/v1/communities/" + com + "/report?by=country", auth: aTok}), 404)
	if r := expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + c.ID + "/report?by=planet", auth: aTok}), 400); !hasFieldError(r, "by") {
		t.Fatalf("by planet: %+v", r.problem)
	}
	expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + c.ID + "/report?by=country", auth: ownerToken}), 404)
	expect(t, do(t, call{method: "POST", path: "/v1/campaigns/" + c.ID + "/end", auth: aTok}), 200)
	verifyLedger(t)
}

// The campaign form's count (GET /v1/reach): of the slots of a size and
// currency that take campaigns, those whose floor a bid meets, and of
// those the ones that name one of its keywords; an archived slot or one
// that does not take campaigns is not counted; what it cannot read is a
// 400 naming the field. (Its own size, 120×600.)
func TestTargeting_ReachCountsTheSlotsACampaignCouldRunOn(t *testing.T) {
	ownerToken, com := newCommunityForSlots(t)
	newSlot := func(name, setting string) string {
		id := decode[slot](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/slots", auth: ownerToken,
			body: `{"name":"` + name + `","width":120,"height":600,"reserve":{"amount":100,"currency":"EUR"}}`}), 201)).ID
		if setting != "" {
			expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + id, auth: ownerToken, body: setting}), 200)
		}
		return id
	}
	newSlot("Go tower", `{"campaigns":{"accept":true,"floorCpm":{"amount":100,"currency":"EUR"}},"keywords":["go"]}`)
	newSlot("Dear tower", `{"campaigns":{"accept":true,"floorCpm":{"amount":500,"currency":"EUR"}}}`)
	newSlot("Own tower", "") // auctions only
	gone := newSlot("Old tower", `{"campaigns":{"accept":true,"floorCpm":{"amount":100,"currency":"EUR"}}}`)
	expect(t, do(t, call{method: "POST", path: "/v1/slots/" + gone + "/archive", auth: ownerToken}), 200)
	aTok, _ := eurAdvertiser(t, 1_000)

	reach := func(q string) string {
		r := decode[struct{ Accepting, AtBid, KeywordMatch int }](t, expect(t, do(t, call{method: "GET", path: "/v1/reach?width=120&height=600&currency=EUR&" + q, auth: aTok}), 200))
		return fmt.Sprintf("%d/%d/%d", r.Accepting, r.AtBid, r.KeywordMatch)
	}
	for q, want := range map[string]string{
		"bid=200":                  "2/1/1", // 2.00 CPM meets the 1.00 floor only
		"bid=200&keywords=GO,rust": "2/1/1", // normalised: the go slot
		"bid=600&keywords=rust":    "2/2/0", // both floors; neither slot says rust (pages may)
		"bid=600":                  "2/2/2",
		"bid=600&model=cpc":        "2/2/2", // a 6.00 click at 0.1 % is a 6.00 CPM
		"bid=50":                   "2/0/0",
	} {
		if got := reach(q); got != want {
			t.Errorf("reach %s: %s, want %s", q, got, want)
		}
	}
	if got := decode[struct{ Accepting int }](t, expect(t, do(t, call{method: "GET", path: "/v1/reach?width=120&height=600&currency=USD&bid=200", auth: aTok}), 200)); got.Accepting != 0 {
		t.Errorf("in USD: %d", got.Accepting)
	}
	for field, q := range map[string]string{
		"width":       "width=0&height=600&currency=EUR&bid=200",
		"height":      "width=120&height=x&currency=EUR&bid=200",
		"currency":    "width=120&height=600&currency=EU&bid=200",
		"bid":         "width=120&height=600&currency=EUR",
		"model":       "width=120&height=600&currency=EUR&bid=200&model=cpv",
		"keywords[1]": "width=120&height=600&currency=EUR&bid=200&keywords=go,a|b",
	} {
		if r := expect(t, do(t, call{method: "GET", path: "/v1/reach?" + q, auth: aTok}), 400); !hasFieldError(r, field) {
			t.Errorf("%s: %+v", field, r.problem)
		}
	}
	expect(t, do(t, call{method: "GET", path: "/v1/reach?width=120&height=600&currency=EUR&bid=200"}), 401)
}
