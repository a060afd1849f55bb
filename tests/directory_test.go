package tests

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

type directoryListing struct {
	ID, Name, Description, Country, URL, CreatedAt string
	Topics, Languages                              []string
	TakesCampaigns                                 bool
	Slots                                          []struct {
		SlotID, Currency string
		Width, Height    int
		TakesCampaigns   bool
	}
	Audience struct {
		ViewableImpressions, DistinctDailyViewers, Clicks int64
	}
	Tiers []struct {
		TierID, Name string
		Benefits     []string
		TrialDays    int
		Prices       []struct {
			Interval string
			Amount   struct {
				Amount   int64
				Currency string
			}
		}
	}
}

type directoryPage struct {
	Data       []directoryListing
	NextCursor string
}

// directoryCommunity is a new community of its own owner named name,
// with a slot of a size, and the settings (a PATCH body) it is given.
func directoryCommunity(t *testing.T, name string, width, height int, settings string) (token, com, slotID string) {
	t.Helper()
	_, token = newUser(t)
	com = decode[community](t, expect(t, do(t, call{method: "POST", path: "/v1/communities", auth: token,
		body: fmt.Sprintf(`{"name":%q,"url":"https://communities.example/%d","currency":"EUR"}`, name, time.Now().UnixNano())}), 201)).ID
	events(t, "CommunityCreated")
	slotID = decode[slot](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/slots", auth: token,
		body: fmt.Sprintf(`{"name":"Sidebar","width":%d,"height":%d,"reserve":{"amount":500,"currency":"EUR"}}`, width, height)}), 201)).ID
	expect(t, do(t, call{method: "PATCH", path: "/v1/communities/" + com, auth: token, body: settings}), 200)
	events(t, "CommunityUpdated") // settles: serving learns the listing by event
	return token, com, slotID
}

func directory(t *testing.T, query string) directoryPage {
	t.Helper()
	return decode[directoryPage](t, expect(t, do(t, call{method: "GET", path: "/v1/directory?" + query}), 200))
}

func directoryIDs(p directoryPage) []string {
	var out []string
	for _, l := range p.Data {
		out = append(out, l.ID)
	}
	return out
}

// The directory shows what serving counted, exactly: a listed community,
// N views by M people and K clicks, counted once each; a bot's view, a
// view from a page off the community's allowlist and a view faster than
// a person add nothing. Filters and sorts find it; a community that is
// not listed is never in it.
func TestDirectory_MeasuredAudienceIsWhatServingCounted(t *testing.T) {
	tag := fmt.Sprintf("dir-%d", time.Now().UnixNano()%1_000_000_000)
	ownerA, comA, slotA := directoryCommunity(t, "Zeta "+tag, 300, 250, fmt.Sprintf(
		`{"allowedDomains":["gophers.example"],"listed":true,"description":"Go people, measured","topics":[%q,"golang"],"languages":["en"],"country":"DE"}`, tag))
	advance(t, time.Second) // B is newer
	_, comB, _ := directoryCommunity(t, "Alpha "+tag, 728, 90, fmt.Sprintf(
		`{"listed":true,"description":"Brettspiele","topics":[%q],"languages":["de"],"country":"AT"}`, tag))
	_, comC, _ := directoryCommunity(t, "Hidden "+tag, 300, 250, fmt.Sprintf(`{"description":"not listed","topics":[%q]}`, tag))

	aTok := bookedFlight(t, ownerA, slotA)
	advance(t, time.Hour)
	advance(t, time.Hour+time.Minute) // into the flight
	if n := now(t); n.Add(10*time.Minute).Day() != n.Day() {
		advance(t, 11*time.Minute) // the views are all of one UTC day
	}

	page := map[string]string{"Origin": "https://gophers.example"}
	headers := func(p map[string]string, h map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range p {
			out[k] = v
		}
		for k, v := range h {
			out[k] = v
		}
		return out
	}
	serve := func() ad {
		return decode[ad](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotA}), 200))
	}
	view := func(a ad, h map[string]string) {
		expect(t, do(t, call{method: "GET", path: strings.TrimPrefix(a.ViewURL, base), headers: h}), 204)
	}
	const viewers = 3
	views, clicks := 0, 0
	flightID := ""
	for i := 0; i < 7; i++ {
		a := serve()
		flightID = a.FlightID
		h := headers(person(9000+i%viewers), page)
		view(a, h)
		views++
		if i < 2 {
			expect(t, do(t, call{method: "GET", path: strings.TrimPrefix(a.ClickURL, base), headers: h}), 302)
			clicks++
		}
		advance(t, 2*time.Second)
	}
	// Not counted: a bot, a page elsewhere, and a person's second view
	// within the second (the first of the two counts).
	view(serve(), headers(map[string]string{"User-Agent": "curl/8.5.0"}, page))
	view(serve(), headers(person(9100), map[string]string{"Origin": "https://evil.example"}))
	view(serve(), headers(person(9000), page))
	views++
	view(serve(), headers(person(9000), page))

	var stats flightStats
	var got directoryListing
	for try := 0; ; try++ {
		advance(t, time.Minute) // flushes every instance; the rollup and the directory's refresh follow
		stats = decode[flightStats](t, expect(t, do(t, call{method: "GET", path: "/v1/flights/" + flightID + "/stats", auth: aTok}), 200))
		got = decode[directoryListing](t, expect(t, do(t, call{method: "GET", path: "/v1/directory/" + comA}), 200))
		if got.Audience.ViewableImpressions == int64(views) && stats.Impressions == int64(views) || try == 5 {
			break
		}
	}
	if stats.Impressions != int64(views) || stats.Clicks != int64(clicks) || stats.Invalid["bot"] != 1 || stats.Invalid["off_domain"] != 1 || stats.Invalid["too_fast"] != 1 {
		t.Fatalf("serving counted %+v: want %d impressions, %d clicks, one bot, off_domain and too_fast", stats, views, clicks)
	}
	if got.Audience.ViewableImpressions != stats.Impressions || got.Audience.Clicks != stats.Clicks || got.Audience.DistinctDailyViewers != viewers {
		t.Fatalf("directory audience %+v; serving counted %d impressions and %d clicks of %d people", got.Audience, stats.Impressions, stats.Clicks, viewers)
	}
	if got.Name != "Zeta "+tag || got.Country != "DE" || !slices.Equal(got.Languages, []string{"en"}) || len(got.Slots) != 1 ||
		got.Slots[0].Width != 300 || got.Slots[0].Height != 250 || got.URL == "" {
		t.Fatalf("listing %+v", got)
	}

	// Filters and sorts, over the communities of this test.
	q := "topic=" + tag
	for query, want := range map[string][]string{
		q:                    {comA, comB}, // most viewable impressions first
		q + "&sort=audience": {comA, comB},
		q + "&sort=name":     {comB, comA},
		q + "&sort=new":      {comB, comA},
		q + "&language=de":   {comB},
		q + "&country=de":    {comA},
		q + "&size=728x90":   {comB},
		"q=" + url.QueryEscape(strings.ToUpper(tag)):               {comA, comB},
		"q=" + tag + "&sort=name":                                  {comB, comA},
		"topic=golang&q=" + url.QueryEscape("go people, measured"): {comA},
	} {
		if got := directoryIDs(directory(t, query)); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", query, got, want)
		}
	}
	first := directory(t, q+"&limit=1")
	if len(first.Data) != 1 || first.Data[0].ID != comA || first.NextCursor == "" {
		t.Fatalf("first page %+v", first)
	}
	second := directory(t, q+"&limit=1&cursor="+url.QueryEscape(first.NextCursor))
	if len(second.Data) != 1 || second.Data[0].ID != comB || second.NextCursor != "" {
		t.Fatalf("second page %+v", second)
	}

	// Not listed: never there.
	expect(t, do(t, call{method: "GET", path: "/v1/directory/" + comC}), 404)
	expect(t, do(t, call{method: "GET", path: "/v1/directory/com_nope"}), 404)
	for _, query := range []string{q, "q=hidden", "sort=new&limit=100", "q=" + tag + "&sort=name"} {
		if slices.Contains(directoryIDs(directory(t, query)), comC) {
			t.Fatalf("%s lists the unlisted %s", query, comC)
		}
	}

	// Bad parameters are named.
	r := expect(t, do(t, call{method: "GET", path: "/v1/directory?sort=best&size=big&colour=red&limit=500&language=english"}), 400)
	for _, f := range []string{"sort", "size", "colour", "limit", "language"} {
		if !hasFieldError(r, f) {
			t.Errorf("400 does not name %s: %s", f, r.body)
		}
	}
}

// The directory shows a community's membership tiers on sale (DESIGN §16,
// §17): a tier's name, benefits, prices and trial, from its events; an
// archived tier is gone from it.
func TestDirectory_ShowsACommunitysTiers(t *testing.T) {
	tok, com, _ := directoryCommunity(t, "Tiered Gophers", 300, 250, `{"listed":true,"description":"Members read without ads.","topics":["go"]}`)
	mk := func(body string) string {
		return decode[tierView](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/tiers", auth: tok, body: body}), 201)).ID
	}
	keep := mk(supporterTier)
	gone := mk(`{"name":"Old","prices":[{"interval":"month","amount":{"amount":300,"currency":"EUR"}}]}`)
	expect(t, do(t, call{method: "POST", path: "/v1/tiers/" + gone + "/archive", auth: tok}), 200)
	events(t, "TierChanged")
	var got []struct {
		TierID, Name string
		Benefits     []string
		TrialDays    int
		Prices       []struct {
			Interval string
			Amount   struct {
				Amount   int64
				Currency string
			}
		}
	}
	for try := 0; try < 5 && len(got) != 1; try++ {
		advance(t, time.Minute) // the directory's refresh follows: an instance answers the listing it had, and reads anew
		if r := do(t, call{method: "GET", path: "/v1/directory/" + com}); r.status == 200 {
			got = decode[directoryListing](t, r).Tiers
		}
	}
	if len(got) != 1 || got[0].TierID != keep || got[0].Name != "Supporter" || got[0].TrialDays != 14 || len(got[0].Prices) != 2 ||
		got[0].Prices[0].Interval != "month" || got[0].Prices[0].Amount.Amount != 500 || !slices.Contains(got[0].Benefits, "ad_free") {
		t.Fatalf("the directory's tiers: %+v", got)
	}
}
