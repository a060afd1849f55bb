package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/souqhq/souq/shared/console"

	"github.com/souqhq/souq/tests/harness"
)

// The console's pages in every state their data can take (issue 27 §3).
// Each GET route of shared/console/routes.go is opened by the person who
// may see it, after the marketplace was driven (through the API and the
// console's own forms) into each state its data can take. In every state
// a page answers 200 (a 404 only for what is not the person's, a 4xx only
// for a refused form, never a 5xx), carries the strict CSP, and says the
// state in its own words: a status, an amount in its currency, "No … yet"
// when there is nothing.
//
// A state is a row of a table: who opens which page, the state's name,
// and the texts the page must show. The tables come group by group, each
// after the steps that make its states.

// TestStates_EveryPageInEveryState opens every page in every state, first
// on a month's last day, then (the money pages) on the next month's 1st,
// then five days on (what takes days: a webhook endpoint disabled).
func TestStates_EveryPageInEveryState(t *testing.T) {
	day := toMonthsLastDay(t)
	month, next := day.Format("January 2006"), day.AddDate(0, 0, 1).Format("January 2006")

	// A person who owns nothing: every list is empty, and says so.
	fresh := signIn(t, uid("new"), "/console/")
	visit(t, "nothing yet", []row{
		{"new person", fresh, "/console/", []string{"Nothing waits for you.", "Start by creating a community (to sell its ad slots and sponsored posts) or an advertiser (to buy them)"}, 0},
		{"no community", fresh, "/console/communities", []string{"You own no community yet.", "Create a community"}, 0},
		{"no advertiser", fresh, "/console/advertisers", []string{"You have no advertiser account yet.", "Create an advertiser"}, 0},
		{"no deal", fresh, "/console/deals", []string{"You have no deals yet."}, 0},
		{"no earnings, payouts not set up", fresh, "/console/payouts", []string{"You have no earnings yet.", "Payouts are not set up yet.", "Set up payouts", "No payouts yet."}, 0},
		{"no endpoint", fresh, "/console/webhooks", []string{"No endpoints yet.", "Add an endpoint"}, 0},
		{"no community asked, an empty directory", fresh, "/console/market", []string{"Market", "Community", "No community is listed yet."}, 0},
		{"a profile not set", fresh, "/console/profile", []string{"Profile", "Display name", "Time zone", "UTC (Coordinated Universal Time)", "Save profile"}, 0},
		{"an unknown community", fresh, "/console/market/com_nosuchcommunity", []string{"Nothing on sale.", "No open program.", "No auction is open."}, 0},
		{"open auctions", fresh, "/console/auctions", []string{"Open auctions"}, 0},
		{"signed out", fresh, "/console/signed-out", []string{"You are signed out"}, 0},
	})
	// A person whose community and advertiser have nothing in them yet.
	empty := signIn(t, uid("empty"), "/console/")
	etok := token(t, empty.id)
	ecom, eadv := newCommunity(t, etok, "Empty Club", "EUR"), newAdvertiser(t, etok, "Nobody Ads", "EUR", 0)
	c, a := "/console/communities/"+ecom, "/console/advertisers/"+eadv
	visit(t, "nothing yet", []row{
		{"an empty community", empty, c, []string{"Available €0.00", "No slots yet.", "No offerings yet.", "No open programs."}, 0},
		{"no earnings yet", empty, c + "/earnings", []string{"Earned in " + month + " (net) €0.00", "No campaign earnings this month yet.", "No money has moved this month.", "Total €0.00 €0.00 €0.00"}, 0},
		{"no sponsorship to review", empty, c + "/reviews", []string{"Nothing is Pending review now."}, 0},
		{"no campaign to review", empty, c + "/campaign-reviews", []string{"Campaigns to review", "Empty Club", "No campaign waits for your review."}, 0},
		{"not listed, campaigns run at once", empty, c, []string{"Listing and what runs", "Not listed", "Run at once when they fit", "Save settings"}, 0},
		{"no community key", empty, c + "/keys", []string{"No keys yet."}, 0},
		{"an empty wallet", empty, a, []string{"Available €0.00", "Spent in " + month + " €0.00", "No money has moved this month.", "No flights won yet.", "No bookings yet."}, 0},
		{"no advertiser key", empty, a + "/keys", []string{"No keys yet."}, 0},
		{"a wallet with no card and no payment", empty, a + "/wallet", []string{"Wallet · Nobody Ads", "Available €0.00", "No card saved yet.", "Add a card",
			"You pay on Stripe's page. Save a card", "Add funds", "Auto-recharge Off.", "Low-balance alert Off.", "Nothing is available to refund.", "No payments yet"}, 0},
		{"a community's wallet, no card", empty, c + "/wallet", []string{"Wallet · Empty Club", "No card saved yet.", "No payments yet"}, 0},
		{"no campaign", empty, a + "/campaigns", []string{"No campaigns yet.", "New campaign", "No images uploaded yet.", "Upload image"}, 0},
		{"the first campaign's form", empty, a + "/campaigns/new", []string{"Bid (EUR)", "Create campaign"}, 0},
		{"nothing on sale", empty, "/console/market/" + ecom, []string{"Nothing on sale.", "No open program.", "No auction is open."}, 0},
		{"an empty account's home", empty, "/console/", []string{"Nothing waits for you.", "Empty Club", "Nobody Ads"}, 0},
	})

	// Everything else, made on the month's last day.
	s := newStates(t)
	s.phaseOne(t, fresh, month)

	// The next month's 1st: the money pages start a month of their own.
	first := time.Date(day.Year(), day.Month(), day.Day()+1, 9, 30, 0, 0, time.UTC)
	advance(t, first.Sub(plat.Clock.Now()))
	s.phaseTwo(t, day, next)

	// Five days on, in steps a retry apart (each advance runs what fell
	// due, which schedules its own next retry from then): the failing
	// delivery is dead, and the endpoint fails again: it is disabled.
	for i := 0; i < 10; i++ {
		advance(t, 12*time.Hour)
	}
	s.phaseThree(t)

	if t.Failed() {
		return
	}
	// Every page the console serves was opened in some state.
	routes := consoleGETs(t)
	for _, route := range routes {
		found := false
		for path := range opened {
			found = found || routeMatches(route, path)
		}
		if !found {
			t.Errorf("no state opens GET %s: add it to a table", route)
		}
	}
	t.Logf("%d pages shown in their states, over the console's %d GET routes", shown, len(routes))
}

// The defect found from outside: a campaign whose views were refused made
// its page answer 502 (the template could not name a reason). After one
// bot's view, the page answers 200 and says the reason and the count.
func TestCampaign_PageShowsRefusalsByReason(t *testing.T) {
	adv := signIn(t, uid("adv"), "/console/advertisers")
	ownTok, advTok := token(t, uid("owner")), token(t, adv.id)
	com := newCommunity(t, ownTok, "Refusals", "EUR")
	slot := acceptingSlot(t, ownTok, com, 250, 250, 100, "EUR")
	advID := newAdvertiser(t, advTok, "Bots Beware", "EUR", 10_000)
	now := plat.Clock.Now()
	cmp := newCampaign(t, advTok, advID, "Refused", "EUR", 250, 250, 1_000, 5_000, time.Time{}, now.Add(48*time.Hour))
	advance(t, 10*time.Second) // serving reads campaigns every 10 s
	see(t, serve(t, slot), viewer(900_001, ""))
	bot := viewer(900_002, "")
	bot["User-Agent"] = []string{"curl/8.5.0"}
	see(t, serve(t, slot), bot)
	advance(t, 61*time.Second) // the meter's minute, then the settlement

	adv.get("/console/campaigns/" + cmp)
	checkShown(t, "a refused view", adv, http.StatusOK, "Refused, by reason", "Bot")
	if got := strings.TrimSpace(adv.page.Find(`h3 + dl dt:contains("Bot") + dd`).Text()); got != "1" {
		t.Errorf("the page counts %q bot views, want 1:\n%s", got, adv.text())
	}
}

// toMonthsLastDay moves the platform's clock to 09:00 UTC on the last day
// of this month (of the next, when this one's is nearly over): run alone,
// the suite's 31 January. It returns the time it is then.
func toMonthsLastDay(t *testing.T) time.Time {
	t.Helper()
	now := plat.Clock.Now().UTC()
	last := time.Date(now.Year(), now.Month()+1, 0, 9, 0, 0, 0, time.UTC)
	if now.After(last.Add(9 * time.Hour)) {
		last = time.Date(now.Year(), now.Month()+2, 0, 9, 0, 0, 0, time.UTC)
	}
	if d := last.Sub(now); d > 0 {
		advance(t, d)
	}
	return plat.Clock.Now().UTC()
}

// states is the marketplace the tables open: a community and an
// advertiser in EUR (whose community keeps an allowlist) and in JPY,
// two influencers, an owner of webhook endpoints, and what each made.
type states struct {
	eurOwner, jpyOwner, eurAdv, jpyAdv, inf, inf2, hooks *person
	tok                                                  map[*person]string
	eurCom, jpyCom, eurAdvID, jpyAdvID                   string

	eurBox, eurStrip, jpyBox, eurBanner, jpyBanner string // slots
	cActive, cExhausted, cScheduled, cPaused, cJPY string // campaigns
	cEnded                                         string
	aOpen, aBid, aWon, aUnsold, aCancelled, aJPY   string // auctions
	flight                                         string
	offering, jpyOffering                          string
	spn                                            map[string]string // sponsorships by the status they are put in
	jpySpn                                         string
	pHold, pFlat, pJPY                             string // programs
	dApproved, dPending, dDeclined, dFlat, dJPY    string // deals
	eurKey, jpyKey                                 string // community API keys
	whOK, whFailing                                string // webhook endpoints
	eurDep                                         string // a paid deposit of the EUR advertiser
}

// page is the community's own page, where valid views come from.
const page = "https://gophers.example"

// atLocal is a datetime-local field's value, d from the platform's now (the
// people here have no time zone of their own: UTC).
func atLocal(d time.Duration) string { return plat.Clock.Now().UTC().Add(d).Format("2006-01-02T15:04") }

func newStates(t *testing.T) *states {
	t.Helper()
	s := &states{tok: map[*person]string{}, spn: map[string]string{}}
	s.eurOwner = signIn(t, uid("eurowner"), "/console/communities")
	s.eurOwner.press("Create community", map[string]string{"name": "Gophers Europa", "url": page, "currency": "EUR"})
	s.eurCom = idFrom(t, s.eurOwner.url, "/console/communities/")
	settle(t)
	s.eurOwner.get("/console/communities/"+s.eurCom).press("Save domains", map[string]string{"allowedDomains": "gophers.example"})
	checkShown(t, "flash: domains saved", s.eurOwner, 0, "Domains saved", "€0.00", "No slots yet.", "No offerings yet.", "No open programs.")

	s.jpyOwner = signIn(t, uid("jpyowner"), "/console/communities")
	s.jpyOwner.press("Create community", map[string]string{"name": "Tokyo Gophers", "url": "https://tokyo.example", "currency": "JPY"})
	s.jpyCom = idFrom(t, s.jpyOwner.url, "/console/communities/")
	settle(t)
	checkShown(t, "flash: community created (JPY)", s.jpyOwner, 0, "Community created.", "¥0")

	s.eurAdv = signIn(t, uid("euradv"), "/console/advertisers")
	s.eurAdv.press("Create advertiser", map[string]string{"name": "Acme Europe", "currency": "EUR"})
	s.eurAdvID = idFrom(t, s.eurAdv.url, "/console/advertisers/")
	settle(t)
	// The first funds on Stripe's Checkout (no card is saved yet): back
	// from it, the payment is received.
	s.eurAdv.get("/console/advertisers/"+s.eurAdvID+"/wallet").press("Add funds", map[string]string{"amount": "1,000.00"}).payOnStripe(harness.CardVisa)
	checkShown(t, "back from Checkout: paid (EUR)", s.eurAdv, 0, "Payment received: €1,000.00 added.", "Receipt", "Available €1,000.00")

	s.jpyAdv = signIn(t, uid("jpyadv"), "/console/advertisers")
	s.jpyAdv.press("Create advertiser", map[string]string{"name": "Kaisha", "currency": "JPY"})
	s.jpyAdvID = idFrom(t, s.jpyAdv.url, "/console/advertisers/")
	settle(t)
	// A card saved on Stripe's page, then funds added with it.
	s.jpyAdv.get("/console/advertisers/"+s.jpyAdvID+"/wallet").press("Add a card", nil).payOnStripe(harness.CardVisa)
	checkShown(t, "back from saving a card", s.jpyAdv, 0, "Card saved.", "Visa •••• 4242", "Default", "Saved card (Visa •••• 4242)")
	s.jpyAdv.press("Add funds", map[string]string{"amount": "100000.5"})
	refused(t, "refused: a yen has no decimals", s.jpyAdv, "deposit", "amount", "JPY has no decimals")
	s.jpyAdv.get("/console/advertisers/"+s.jpyAdvID+"/wallet").press("Add funds", map[string]string{"amount": "100000"})
	checkShown(t, "paid with the saved card (JPY)", s.jpyAdv, 0, "Payment received: ¥100,000 added.", "Available ¥100,000")

	s.inf = signIn(t, uid("inf"), "/console/deals")
	s.inf2 = signIn(t, uid("inftwo"), "/console/deals")
	s.hooks = signIn(t, uid("hooks"), "/console/webhooks")
	for _, p := range []*person{s.eurOwner, s.jpyOwner, s.eurAdv, s.jpyAdv, s.inf, s.inf2, s.hooks} {
		s.tok[p] = token(t, p.id)
	}
	return s
}

// wake opens everyone's home once after the clock moved on by hours: the
// access token each session holds has expired, and the first page renews
// it (its calls refused, then made again), as for anyone coming back.
func (s *states) wake(t *testing.T) {
	t.Helper()
	for _, p := range []*person{s.eurOwner, s.jpyOwner, s.eurAdv, s.jpyAdv, s.inf, s.inf2, s.hooks} {
		checkShown(t, "back after hours", p.get("/console/"), 0, "Home")
	}
}

// phaseOne makes every state a day allows, on a month's last day, and
// opens each page in it.
func (s *states) phaseOne(t *testing.T, fresh *person, month string) {
	s.campaigns(t)
	s.auctions(t)
	s.sponsorships(t)
	s.referrals(t)
	s.payouts(t)
	s.webhooks(t)
	s.keysAndMarket(t)
	s.directory(t)
	s.wallets(t)
	s.memberships(t)
	s.money(t, "month's last day", month)
	s.notYours(t, fresh)
}

// Campaigns: active with views refused by reason, scheduled, paused,
// ended (its budget released), its budget spent, and one in yen.
func (s *states) campaigns(t *testing.T) {
	adv, own, jadv := s.tok[s.eurAdv], s.tok[s.eurOwner], s.tok[s.jpyAdv]
	s.eurBox = acceptingSlot(t, own, s.eurCom, 336, 280, 100, "EUR")
	s.eurStrip = acceptingSlot(t, own, s.eurCom, 320, 50, 100, "EUR")
	s.jpyBox = acceptingSlot(t, s.tok[s.jpyOwner], s.jpyCom, 300, 250, 100, "JPY")
	week := plat.Clock.Now().Add(7 * 24 * time.Hour)
	s.cActive = newCampaign(t, adv, s.eurAdvID, "Spring sale", "EUR", 336, 280, 1_000, 5_000, time.Time{}, week)
	s.cExhausted = newCampaign(t, adv, s.eurAdvID, "Last cent", "EUR", 320, 50, 1_000, 1, time.Time{}, week)
	s.cPaused = newCampaign(t, adv, s.eurAdvID, "Pause me", "EUR", 300, 250, 500, 2_000, time.Time{}, week)
	s.cEnded = newCampaign(t, adv, s.eurAdvID, "End me", "EUR", 300, 250, 500, 2_000, time.Time{}, week)
	s.cJPY = newCampaign(t, jadv, s.jpyAdvID, "Sakura", "JPY", 300, 250, 300, 5_000, time.Time{}, week)

	// Scheduled, through the form; then the form refused beside a field.
	s.eurAdv.get("/console/advertisers/"+s.eurAdvID+"/campaigns/new").press("Create campaign", map[string]string{"name": "Summer",
		"model": "cpm", "bid": "4.00", "budget": "20.00", "start": atLocal(48 * time.Hour), "end": atLocal(9 * 24 * time.Hour), "pacing": "even",
		"imageUrl": "https://cdn.example/summer.png", "clickUrl": "https://acme.example/summer", "altText": "Summer", "width": "300", "height": "250"})
	s.cScheduled = idFrom(t, s.eurAdv.url, "/console/campaigns/")
	checkShown(t, "flash: campaign created", s.eurAdv, 0, "Campaign created: its budget of €20.00 is held.", "Scheduled", "Nothing settled yet")
	s.eurAdv.get("/console/advertisers/"+s.eurAdvID+"/campaigns/new").press("Create campaign", map[string]string{"name": "Too dear",
		"model": "cpm", "bid": "4.00", "budget": "1.234", "end": atLocal(9 * 24 * time.Hour),
		"imageUrl": "https://cdn.example/summer.png", "clickUrl": "https://acme.example/summer", "altText": "Summer", "width": "300", "height": "250"})
	refused(t, "refused: a third decimal in euros", s.eurAdv, "campaign", "budget", "New campaign", "2 decimals")

	advance(t, 10*time.Second) // serving reads campaigns every 10 s
	valid := refusedViews(t, s.eurBox, page, 1_000, 4)
	see(t, serve(t, s.eurStrip), viewer(1_100, page))
	see(t, serve(t, s.eurStrip), viewer(1_101, page))
	for i := 0; i < 10; i++ {
		see(t, serve(t, s.jpyBox), viewer(1_200+i, ""))
	}
	advance(t, 61*time.Second) // the meter's minute, then the settlement

	// Paused and ended with the page's buttons; a change refused beside
	// its field shows the paused page again.
	s.eurAdv.get("/console/campaigns/"+s.cPaused).press("Pause", nil)
	checkShown(t, "flash: paused", s.eurAdv, 0, "Paused: it is not offered until you resume it.", "Paused", "Resume")
	s.eurAdv.press("Save changes", map[string]string{"budget": "10.001"})
	refused(t, "refused: a budget with a third decimal", s.eurAdv, "change", "budget", "Paused", "Pause me")
	s.eurAdv.get("/console/campaigns/"+s.cEnded).press("End campaign", nil)
	checkShown(t, "flash: ended", s.eurAdv, 0, "Ended: what was not spent is back in your wallet.", "Released to your wallet", "€20.00")

	active := read[campaignRead](t, "/v1/campaigns/"+s.cActive, adv)
	spent := read[campaignRead](t, "/v1/campaigns/"+s.cExhausted, adv)
	jpy := read[campaignRead](t, "/v1/campaigns/"+s.cJPY, jadv)
	if active.Impressions != int64(valid) || spent.Remaining.Amount != 0 || spent.Free == 0 || jpy.Spent.Amount != 3 {
		t.Fatalf("the campaigns did not settle as made: %+v %+v %+v", active, spent, jpy)
	}
	cmp := "/console/campaigns/"
	visit(t, "campaigns", []row{
		{"active, views refused by reason", s.eurAdv, cmp + s.cActive, []string{"badge-active", "€10.00 per 1,000 viewable impressions", "€50.00",
			eur(active.Spent.Amount), eur(active.Remaining.Amount), "Impressions " + strconv.Itoa(valid), "Refused, by reason", "Bot 1", "Off domain 1", "Reused 1", "Too fast 1", "Pause", "End campaign"}, 0},
		{"active, by device", s.eurAdv, cmp + s.cActive + "?by=device", []string{"What it bought, by device", "Download CSV by device"}, 0},
		{"active, by keyword", s.eurAdv, cmp + s.cActive + "?by=keyword", []string{"No keyword"}, 0},
		{"budget spent", s.eurAdv, cmp + s.cExhausted, []string{"€0.01", "Remaining €0.00", "Free (past a cap) " + strconv.FormatInt(spent.Free, 10), "Budget spent"}, 0},
		{"scheduled", s.eurAdv, cmp + s.cScheduled, []string{"Scheduled", "€4.00 per 1,000 viewable impressions", "Nothing settled yet: views are settled every minute.", "Pause"}, 0},
		{"paused", s.eurAdv, cmp + s.cPaused, []string{"Paused", "Resume", "€20.00"}, 0},
		{"ended, its budget released", s.eurAdv, cmp + s.cEnded, []string{"Ended", "Released to your wallet €20.00", "Remaining €0.00"}, 0},
		{"in yen", s.jpyAdv, cmp + s.cJPY, []string{"badge-active", "¥300 per 1,000 viewable impressions", "Budget ¥5,000", "Spent ¥3", "Remaining ¥4,997", "¥300"}, 0},
		{"every status in the list", s.eurAdv, "/console/advertisers/" + s.eurAdvID + "/campaigns", []string{"Spring sale", "badge-active", "badge-scheduled", "badge-paused", "badge-ended", "€50.00", "€0.01"}, 0},
		{"the list in yen", s.jpyAdv, "/console/advertisers/" + s.jpyAdvID + "/campaigns", []string{"Sakura", "¥300 per 1,000 views", "¥5,000"}, 0},
		{"the form in yen", s.jpyAdv, "/console/advertisers/" + s.jpyAdvID + "/campaigns/new", []string{"Bid (JPY)", "accept campaigns in JPY"}, 0},
		{"the owner's slot taking campaigns", s.eurOwner, "/console/slots/" + s.eurBox, []string{"336×280", "accepts campaigns from €1.00 CPM", "No auctions yet."}, 0},
		{"a slot in yen", s.jpyOwner, "/console/slots/" + s.jpyBox, []string{"accepts campaigns from ¥100 CPM", "Floor per 1,000 views (JPY)"}, 0},
	})
	// The reasons add up to the report's refused total.
	s.eurAdv.get(cmp + s.cActive)
	var byReason int
	s.eurAdv.page.Find(`h3 + dl dd`).Each(func(_ int, dd *goquery.Selection) {
		n, _ := strconv.Atoi(strings.TrimSpace(dd.Text()))
		byReason += n
	})
	if total := strings.TrimSpace(s.eurAdv.page.Find(`section[aria-labelledby="report"] tfoot td`).Last().Text()); total != strconv.Itoa(byReason) || byReason != 4 {
		t.Errorf("the reasons add up to %d, the report's refused total is %s (want 4)", byReason, total)
	}
	visitCSV(t, "campaign report", s.eurAdv, cmp+s.cActive+"/report.csv", "day,community_id,impressions")
	visitCSV(t, "community report", s.eurOwner, "/console/communities/"+s.eurCom+"/report.csv", "day,")
}

// Auctions: open without and with bids, closed with a winner (its flight
// without stats, then with a refusal), closed unsold, cancelled, one in
// yen.
func (s *states) auctions(t *testing.T) {
	own, adv := s.tok[s.eurOwner], s.tok[s.eurAdv]
	at := func(d time.Duration) string {
		return plat.Clock.Now().UTC().Add(d).Truncate(time.Second).Format(time.RFC3339)
	}
	open := func(tok, slot string, closes, start, end time.Duration) string {
		return api(t, "POST", "/v1/slots/"+slot+"/auctions", tok, fmt.Sprintf(`{"closesAt":%q,"flightStart":%q,"flightEnd":%q}`, at(closes), at(start), at(end)), 201)["id"].(string)
	}
	bid := func(tok, auction, advID string, amount int64, currency string) {
		api(t, "PUT", "/v1/auctions/"+auction+"/bid", tok, fmt.Sprintf(`{"advertiserId":%q,"amount":%d,"currency":%q,`+
			`"creative":{"imageUrl":"https://cdn.example/b%d.png","clickUrl":"https://acme.example/","altText":"Acme %d"}}`, advID, amount, currency, amount, amount), 200)
	}
	day := 24 * time.Hour

	s.eurOwner.get("/console/communities/"+s.eurCom).press("Create slot", map[string]string{"name": "Top banner", "width": "728", "height": "90", "reserve": "5.00"})
	s.eurBanner = idFrom(t, s.eurOwner.url, "/console/slots/")
	s.eurOwner.press("Open auction", map[string]string{"closesAt": atLocal(3 * day), "flightStart": atLocal(3 * day), "flightEnd": atLocal(4 * day)})
	s.aOpen = idFrom(t, s.eurOwner.url, "/console/auctions/")
	checkShown(t, "flash: auction open", s.eurOwner, 0, "Auction open.", "badge-open", "reserve €5.00")
	s.aBid = open(own, s.eurBanner, 4*day, 4*day, 5*day)
	s.eurAdv.get("/console/auctions/"+s.aBid).press("Place bid", map[string]string{"amount": "4.99", "creative.imageUrl": "https://cdn.example/b.png",
		"creative.clickUrl": "https://acme.example", "creative.altText": "Acme"})
	refused(t, "refused: a bid under the reserve", s.eurAdv, "bid", "amount", "badge-open", "reserve €5.00")
	s.eurAdv.get("/console/auctions/"+s.aBid).press("Place bid", map[string]string{"amount": "7.50", "creative.imageUrl": "https://cdn.example/b.png",
		"creative.clickUrl": "https://acme.example", "creative.altText": "Acme"})
	checkShown(t, "flash: bid placed", s.eurAdv, 0, "Bid placed: €7.50 is held until the auction closes.", "Your bid", "Withdraw bid", "Replace your bid")
	s.aWon = open(own, s.eurBanner, 70*time.Second, 70*time.Second, time.Hour)
	bid(adv, s.aWon, s.eurAdvID, 600, "EUR")
	s.aUnsold = open(own, s.eurBanner, 70*time.Second, time.Hour, 2*time.Hour)
	s.aCancelled = open(own, s.eurBanner, 5*day, 5*day, 6*day)
	bid(adv, s.aCancelled, s.eurAdvID, 550, "EUR")
	api(t, "POST", "/v1/auctions/"+s.aCancelled+"/cancel", own, "", 200)
	s.jpyBanner = api(t, "POST", "/v1/communities/"+s.jpyCom+"/slots", s.tok[s.jpyOwner], `{"name":"Header","width":728,"height":90,"reserve":{"amount":500,"currency":"JPY"}}`, 201)["id"].(string)
	s.aJPY = open(s.tok[s.jpyOwner], s.jpyBanner, 3*day, 3*day, 4*day)
	bid(s.tok[s.jpyAdv], s.aJPY, s.jpyAdvID, 800, "JPY")

	visit(t, "auctions, open", []row{
		{"open, no bid: the owner", s.eurOwner, "/console/auctions/" + s.aOpen, []string{"badge-open", "reserve €5.00", "Second price"}, 0},
		{"open, no bid: an advertiser", s.eurAdv, "/console/auctions/" + s.aOpen, []string{"badge-open", "reserve €5.00", "Place bid"}, 0},
		{"open, with a bid: the bidder", s.eurAdv, "/console/auctions/" + s.aBid, []string{"Your bid", "€7.50", "Active", "Withdraw bid", "Replace your bid"}, 0},
		{"open, with a bid: the owner", s.eurOwner, "/console/auctions/" + s.aBid, []string{"badge-open", "reserve €5.00"}, 0},
		{"cancelled: the bidder", s.eurAdv, "/console/auctions/" + s.aCancelled, []string{"Cancelled", "€5.50"}, 0},
		{"cancelled: the owner", s.eurOwner, "/console/auctions/" + s.aCancelled, []string{"Cancelled"}, 0},
		{"in yen, with a bid", s.jpyAdv, "/console/auctions/" + s.aJPY, []string{"badge-open", "reserve ¥500", "¥800", "held ¥800"}, 0},
		{"the list, in both currencies", s.eurAdv, "/console/auctions", []string{"Open auctions", "€5.00", "¥500"}, 0},
	})

	advance(t, 80*time.Second) // the two auctions close
	won := api(t, "GET", "/v1/auctions/"+s.aWon, "", "", 200)
	s.flight, _ = won["flightId"].(string)
	if won["status"] != "closed" || s.flight == "" {
		t.Fatalf("the auction did not close with a flight: %v", won)
	}
	visit(t, "auctions, closed", []row{
		{"closed with a winner: the winner", s.eurAdv, "/console/auctions/" + s.aWon, []string{"badge-closed", "Won at €5.00 (1 bid)", "Your bid won."}, 0},
		{"closed with a winner: the owner", s.eurOwner, "/console/auctions/" + s.aWon, []string{"Won at €5.00", "Flight stats", "Served"}, 0},
		{"closed with no bid", s.eurOwner, "/console/auctions/" + s.aUnsold, []string{"badge-closed", "No bids: the flight was not sold."}, 0},
		{"a flight without stats", s.eurAdv, "/console/flights/" + s.flight, []string{"Served 0", "Viewable impressions 0", "No data yet."}, 0},
		{"the winner's flights", s.eurAdv, "/console/advertisers/" + s.eurAdvID, []string{"Flights", "Acme 600", "€5.00"}, 0},
		{"the owner's slot, every auction's status", s.eurOwner, "/console/slots/" + s.eurBanner, []string{"728×90", "reserve €5.00", "no campaigns", "badge-open", "badge-closed", "badge-cancelled"}, 0},
		{"a stranger's view of a slot", s.eurAdv, "/console/slots/" + s.eurBanner, []string{"The tag", "Auctions"}, 0},
	})

	// Into its flight: a person's view counts, a bot's is refused.
	o := serve(t, s.eurBanner)
	if o.Kind != "flight" {
		t.Fatalf("the slot shows %+v, not its flight", o)
	}
	see(t, o, viewer(1_300, page))
	bot := viewer(1_301, page)
	bot["User-Agent"] = []string{"curl/8.5.0"}
	see(t, serve(t, s.eurBanner), bot)
	advance(t, 0) // the counts are written
	visit(t, "flights", []row{
		{"a flight with stats and a refusal", s.eurAdv, "/console/flights/" + s.flight, []string{"Served 2", "Viewable impressions 1", "Refused (never counted or billed)", "Bot 1"}, 0},
		{"the owner's flight stats", s.eurOwner, "/console/auctions/" + s.aWon, []string{"Viewable impressions 1"}, 0},
	})
}

// Sponsorships in each status (expired is made by the clock, in phase
// two), the review queue's tabs, and one in yen.
func (s *states) sponsorships(t *testing.T) {
	own, adv := s.eurOwner, s.eurAdv
	own.get("/console/communities/"+s.eurCom).press("Create offering", map[string]string{"title": "Newsletter feature", "amount": "19.00", "reviewDays": "1", "capacityPerDate": "10"})
	s.offering = idFrom(t, own.url, "/console/offerings/")
	checkShown(t, "flash: offering created", own, 0, "Offering created.", "€19.00", "within 1 day")
	s.jpyOffering = api(t, "POST", "/v1/communities/"+s.jpyCom+"/offerings", s.tok[s.jpyOwner],
		`{"title":"Mail magazine","format":"newsletter","amount":8000,"currency":"JPY","reviewDays":3,"capacityPerDate":5}`, 201)["id"].(string)
	date := platformDate(5)
	book := func(title string) string {
		return api(t, "POST", "/v1/offerings/"+s.offering+"/sponsorships", s.tok[adv], fmt.Sprintf(`{"advertiserId":%q,"desiredDate":%q,`+
			`"content":{"title":%q,"body":"Try Acme.","link":"https://acme.example/"}}`, s.eurAdvID, date, title), 201)["id"].(string)
	}
	adv.get("/console/offerings/"+s.offering).press("Book", map[string]string{"desiredDate": date, "content.title": "Pending post", "content.body": "Try Acme.", "content.link": "https://acme.example/"})
	s.spn["pending_review"] = idFrom(t, adv.url, "/console/sponsorships/")
	checkShown(t, "flash: booked", adv, 0, "Booked: the price is held until the community decides.", "Pending review", "€19.00")
	for _, st := range []string{"changes_requested", "countered", "approved", "published", "rejected", "cancelled", "expired"} {
		s.spn[st] = book(strings.ToUpper(st[:1]) + strings.ReplaceAll(st[1:], "_", " ") + " post")
	}
	sp := func(st string) string { return "/console/sponsorships/" + s.spn[st] }

	own.get(sp("changes_requested")).press("Request changes", map[string]string{"notes": ""})
	refused(t, "refused: changes without a note", own, "request-changes", "notes", "Pending review")
	own.get(sp("changes_requested")).press("Request changes", map[string]string{"notes": "Shorter, please."})
	checkShown(t, "flash: changes requested", own, 0, "Changes requested: the sponsor has been told.", "Changes requested")
	own.get(sp("countered")).press("Propose", map[string]string{"amount": "17.00", "notes": "A little less, please."})
	checkShown(t, "flash: proposed", own, 0, "Proposed: the sponsor decides.", "Countered", "€17.00")
	own.get(sp("approved")).press("Approve", nil)
	checkShown(t, "flash: approved", own, 0, "Approved: the price is captured, and paid to the community when published.", "Publish")
	own.press("Publish", map[string]string{"url": "ftp://gophers.example/p"})
	refused(t, "refused: published at no web address", own, "publish", "url", "Approved")
	own.get(sp("published")).press("Approve", nil).press("Publish", map[string]string{"url": "https://gophers.example/posts/acme"})
	checkShown(t, "flash: published", own, 0, "Published: the community is paid.", "Published")
	own.get(sp("rejected")).press("Reject", map[string]string{"reason": "Not for our readers."})
	checkShown(t, "flash: rejected", own, 0, "Rejected: the price is released to the sponsor.", "Rejected")
	adv.get(sp("cancelled")).press("Cancel booking", nil)
	checkShown(t, "flash: cancelled", adv, 0, "Cancelled.")
	s.jpyAdv.get("/console/offerings/"+s.jpyOffering).press("Book", map[string]string{"desiredDate": date, "content.title": "Yen post", "content.body": "Kaisha.", "content.link": "https://kaisha.example/"})
	s.jpySpn = idFrom(t, s.jpyAdv.url, "/console/sponsorships/")
	checkShown(t, "flash: booked in yen", s.jpyAdv, 0, "Booked", "¥8,000")

	own.get("/console/offerings/"+s.offering).press("Save dates", map[string]string{"blockDates": platformDate(7)})
	checkShown(t, "flash: dates saved", own, 0, "Dates saved.", platformDate(7)+" blocked", date+" free")

	q := "/console/communities/" + s.eurCom + "/reviews?status="
	visit(t, "sponsorships", []row{
		{"pending review: the owner", own, sp("pending_review"), []string{"badge-pending_review", "€19.00", "Approve", "Request changes", "Reject", "Counter-propose"}, 0},
		{"pending review: the sponsor", adv, sp("pending_review"), []string{"badge-pending_review", "Cancel booking"}, 0},
		{"changes requested: the owner", own, sp("changes_requested"), []string{"badge-changes_requested", "Shorter, please."}, 0},
		{"changes requested: the sponsor", adv, sp("changes_requested"), []string{"badge-changes_requested", "Send revision", "Shorter, please."}, 0},
		{"a proposal: the owner", own, sp("countered"), []string{"badge-countered", "The community's proposal", "€17.00"}, 0},
		{"a proposal: the sponsor", adv, sp("countered"), []string{"badge-countered", "€17.00", "A little less, please.", "Accept proposal", "Decline proposal"}, 0},
		{"approved: the owner", own, sp("approved"), []string{"badge-approved", "publish on " + date, "Publish"}, 0},
		{"approved: the sponsor", adv, sp("approved"), []string{"badge-approved", "Cancel booking"}, 0},
		{"published", own, sp("published"), []string{"badge-published", "https://gophers.example/posts/acme"}, 0},
		{"published: the sponsor", adv, sp("published"), []string{"badge-published", "€19.00"}, 0},
		{"rejected", own, sp("rejected"), []string{"badge-rejected", "Not for our readers."}, 0},
		{"rejected: the sponsor", adv, sp("rejected"), []string{"badge-rejected", "Not for our readers."}, 0},
		{"cancelled", own, sp("cancelled"), []string{"badge-cancelled"}, 0},
		{"in yen: the owner", s.jpyOwner, "/console/sponsorships/" + s.jpySpn, []string{"badge-pending_review", "¥8,000", "Price (JPY)"}, 0},
		// A list's items carry no content (the API lists them without
		// their versions): they read as the offering and its date.
		{"the queue", own, "/console/communities/" + s.eurCom + "/reviews", []string{"Newsletter feature (" + date + ")", "badge-pending_review", "€19.00"}, 0},
		{"the queue: changes requested", own, q + "changes_requested", []string{"badge-changes_requested"}, 0},
		{"the queue: countered", own, q + "countered", []string{"badge-countered"}, 0},
		{"the queue: approved", own, q + "approved", []string{"badge-approved"}, 0},
		{"the queue: published", own, q + "published", []string{"badge-published"}, 0},
		{"the queue: rejected", own, q + "rejected", []string{"badge-rejected"}, 0},
		{"the queue: cancelled", own, q + "cancelled", []string{"badge-cancelled"}, 0},
		{"the queue: none expired", own, q + "expired", []string{"Nothing is Expired now."}, 0},
		{"the queue in yen", s.jpyOwner, "/console/communities/" + s.jpyCom + "/reviews", []string{"Mail magazine (" + date + ")", "¥8,000"}, 0},
		{"the owner's home", own, "/console/", []string{"Review “Newsletter feature (" + date + ")”", "€19.00"}, 0},
		{"the sponsor's home", adv, "/console/", []string{"Changes requested: “Newsletter feature", "Countered: “Newsletter feature"}, 0},
		{"the sponsor's bookings", adv, "/console/advertisers/" + s.eurAdvID, []string{"Pending review", "Changes requested", "Countered", "Approved", "Published", "Rejected", "Cancelled"}, 0},
		{"an offering: its owner", own, "/console/offerings/" + s.offering, []string{"€19.00", "Availability", "Blocked dates"}, 0},
		{"an offering: an advertiser", adv, "/console/offerings/" + s.offering, []string{"Booking holds €19.00", "Book"}, 0},
		{"an offering in yen", s.jpyAdv, "/console/offerings/" + s.jpyOffering, []string{"¥8,000", "Booking holds ¥8,000"}, 0},
	})
}

// Referral programs and deals: pending, approved (conversions pending and
// reversed; cleared in phase two), declined; a program whose budget ran
// out; a program in yen, made with the form's own default minimum.
func (s *states) referrals(t *testing.T) {
	own, jown := s.eurOwner, s.jpyOwner
	fund(t, s.tok[own], "/v1/communities/"+s.eurCom, 10000, "EUR")
	fund(t, s.tok[jown], "/v1/communities/"+s.jpyCom, 50000, "JPY")
	own.get("/console/communities/"+s.eurCom).press("Create program", map[string]string{"name": "Friends", "commissionType": "percent", "commission": "10",
		"attributionDays": "30", "holdDays": "1", "budget": "20.00"})
	s.pHold = idFrom(t, own.url, "/console/programs/")
	checkShown(t, "flash: program created", own, 0, "Program created: its budget is held.", "€20.00", "No application waits.")
	s.pFlat = api(t, "POST", "/v1/communities/"+s.eurCom+"/programs", s.tok[own], `{"name":"Flat fiver","currency":"EUR","commission":{"type":"flat","amount":500},`+
		`"attributionDays":30,"holdDays":1,"minimumPayout":{"amount":0,"currency":"EUR"},"budget":{"amount":500,"currency":"EUR"}}`, 201)["id"].(string)
	jown.get("/console/communities/"+s.jpyCom).press("Create program", map[string]string{"name": "Tomodachi", "commissionType": "percent", "commission": "10",
		"attributionDays": "30", "holdDays": "0", "budget": "10000"})
	s.pJPY = idFrom(t, jown.url, "/console/programs/")
	checkShown(t, "flash: program created in yen", jown, 0, "Program created: its budget is held.", "¥10,000")

	s.inf.get("/console/programs/"+s.pHold).press("Apply", map[string]string{"pitch": "I write about Go."})
	s.dApproved = idFrom(t, s.inf.url, "/console/deals/")
	checkShown(t, "flash: applied", s.inf, 0, "Applied: the community will decide.", "badge-pending")
	own.get("/console/programs/"+s.pHold).press("Approve", map[string]string{"code": "friendsgo"})
	checkShown(t, "flash: approved deal", own, 0, "Approved: the influencer's code is friendsgo.", "No application waits.")
	s.dDeclined = api(t, "POST", "/v1/programs/"+s.pHold+"/deals", s.tok[s.inf2], `{"pitch":"Me too"}`, 201)["id"].(string)
	own.get("/console/deals/"+s.dDeclined).press("Decline", nil)
	checkShown(t, "flash: declined", own, 0, "Declined.")
	s.dFlat = api(t, "POST", "/v1/programs/"+s.pFlat+"/deals", s.tok[s.inf2], `{}`, 201)["id"].(string)
	flatCode := api(t, "POST", "/v1/deals/"+s.dFlat+"/approve", s.tok[own], `{}`, 200)["code"].(string)
	s.dPending = api(t, "POST", "/v1/programs/"+s.pFlat+"/deals", s.tok[s.inf], `{"pitch":"Flat is fine"}`, 201)["id"].(string)
	s.dJPY = api(t, "POST", "/v1/programs/"+s.pJPY+"/deals", s.tok[s.inf], `{}`, 201)["id"].(string)
	jpyCode := api(t, "POST", "/v1/deals/"+s.dJPY+"/approve", s.tok[jown], `{"code":"tomodachi"}`, 200)["code"].(string)

	// The community's server reports sales with a key made in the console.
	keys := "/console/communities/" + s.eurCom + "/keys"
	visit(t, "keys", []row{{"no key yet", own, keys, []string{"API keys · Gophers Europa", "No keys yet.", "Create key"}, 0}})
	own.press("Create key", map[string]string{"name": "shop"})
	s.eurKey = strings.TrimSpace(own.page.Find("#new-secret").Text())
	checkShown(t, "a key's secret, once", own, 0, "Key “shop” created", "Copy its secret now: it is shown only once.", s.eurKey)
	s.jpyKey = api(t, "POST", "/v1/communities/"+s.jpyCom+"/api-keys", s.tok[jown], `{"name":"shop"}`, 201)["secret"].(string)
	sale := func(key, code, ext string, amount int64, currency string) string {
		return api(t, "POST", "/v1/conversions", key, fmt.Sprintf(`{"code":%q,"externalId":%q,"amount":%d,"currency":%q,"customerId":"c-%s"}`, code, ext, amount, currency, ext), 201)["id"].(string)
	}
	sale(s.eurKey, "friendsgo", "eu-1", 5_000, "EUR") // €5.00, pending for a day
	back := sale(s.eurKey, "friendsgo", "eu-2", 3_000, "EUR")
	api(t, "POST", "/v1/conversions/"+back+"/reverse", s.eurKey, "", 200) // €3.00 reversed
	sale(s.eurKey, flatCode, "flat-1", 1_000, "EUR")                      // the budget's €5.00
	sale(s.eurKey, flatCode, "flat-2", 1_000, "EUR")                      // nothing left
	sale(s.jpyKey, jpyCode, "jp-1", 12_345, "JPY")                        // ¥1,234 (half-even), cleared at once
	advance(t, 0)

	d, p := "/console/deals/", "/console/programs/"
	visit(t, "referrals", []row{
		{"a program: its owner", own, p + s.pHold, []string{"Friends", "10% of each sale", "attribution 30 days · cleared after 1 day", "Funded €20.00", "No application waits.", "Approved", "Declined", "€5.00", "€3.00"}, 0},
		{"a program: its influencer", s.inf, p + s.pHold, []string{"You are in this program", "Approved"}, 0},
		{"a program: anyone", s.eurAdv, p + s.pHold, []string{"Apply", "10% of each sale"}, 0},
		{"a program's budget spent", own, p + s.pFlat, []string{"€5.00 per sale", "Remaining €0.00", "Budget spent", "Deals to decide", "Flat is fine"}, 0},
		{"a program in yen", jown, p + s.pJPY, []string{"Tomodachi", "Funded ¥10,000", "Committed ¥1,234", "Approved"}, 0},
		{"approved, pending and reversed", s.inf, d + s.dApproved, []string{"badge-approved", "/r/friendsgo", "Commission pending €5.00", "Reversed €3.00", "badge-pending", "badge-reversed", "€50.00", "€30.00"}, 0},
		{"approved: the owner", own, d + s.dApproved, []string{"Approved", "Conversions 2"}, 0},
		{"pending: the influencer", s.inf, d + s.dPending, []string{"badge-pending", "No conversions yet."}, 0},
		{"pending: the owner", own, d + s.dPending, []string{"badge-pending", "Approve", "Decline"}, 0},
		{"pending: the owner's home lists the application", own, "/console/", []string{"applied to Flat fiver", "a referral deal for Gophers Europa; approve or decline"}, 0},
		{"the influencer's home: a checklist of its own", s.inf, "/console/", []string{"Getting started", "Influencer", "Join a referral program", "Set up payouts"}, 0},
		{"declined", s.inf2, d + s.dDeclined, []string{"badge-declined"}, 0},
		{"a sale past the budget", s.inf2, d + s.dFlat, []string{"badge-approved", "badge-no_commission", "No commission (Budget exhausted)"}, 0},
		{"cleared in yen", s.inf, d + s.dJPY, []string{"badge-cleared", "¥12,345", "¥1,234"}, 0},
		{"deals in two currencies", s.inf, "/console/deals", []string{"friendsgo", "tomodachi", "badge-approved", "badge-pending", "€5.00", "¥1,234"}, 0},
		{"declined and approved", s.inf2, "/console/deals", []string{"badge-declined", "badge-approved"}, 0},
		{"the market in euros", s.eurAdv, "/console/market/" + s.eurCom, []string{"Newsletter feature", "€19.00", "Friends", "10% of each sale", "Flat fiver", "€5.00 per sale", "reserve €5.00"}, 0},
		{"the market in yen", s.jpyAdv, "/console/market/" + s.jpyCom, []string{"Mail magazine", "¥8,000", "Tomodachi", "reserve ¥500"}, 0},
	})

	// A program paused, then closed, with its buttons.
	seasonal := api(t, "POST", "/v1/communities/"+s.eurCom+"/programs", s.tok[own], `{"name":"Seasonal","currency":"EUR","commission":{"type":"percent","bps":500},`+
		`"attributionDays":30,"holdDays":1,"minimumPayout":{"amount":0,"currency":"EUR"},"budget":{"amount":500,"currency":"EUR"}}`, 201)["id"].(string)
	own.get(p+seasonal).press("Pause", nil)
	checkShown(t, "flash: program paused", own, 0, "Paused: conversions earn nothing until you resume.", "Paused", "Resume")
	visit(t, "referrals", []row{{"a paused program: anyone", s.inf, p + seasonal, []string{"badge-paused", "This program takes no applications now."}, 0}})
	own.get(p+seasonal).press("Close", nil)
	checkShown(t, "flash: program closed", own, 0, "Closed: the unspent budget is released.", "badge-closed", "Released €5.00")
	visit(t, "referrals", []row{{"a closed program: anyone", s.inf, p + seasonal, []string{"badge-closed", "This program takes no applications now."}, 0}})
}

// Payouts in yen: claimed (pending), then failed (the rail declines),
// paid, or in transit (the rail does not answer: processing, retried by
// the sweep); a claim refused beside its field; a community's own claim,
// refused and paid.
func (s *states) payouts(t *testing.T) {
	inf := s.inf.get("/console/payouts")
	checkShown(t, "payouts not set up", inf, 0, "Payouts are not set up yet.", "Set up payouts", "EUR", "JPY", "¥1,234")
	yenClaim := `form[action="/console/payouts"]:has(input[name="currency"][value="JPY"])`
	inf.submit(yenClaim, map[string]string{"amount": "200"})
	refused(t, "refused: a claim before payouts are set up", inf, "claim-JPY", "", "Set up payouts first", "Payouts are not set up yet.")
	// Stripe's onboarding, left incomplete: what it still needs, in words.
	inf.get("/console/payouts").press("Set up payouts", nil).onboard("incomplete")
	checkShown(t, "back from onboarding, incomplete", inf, 0, "Thank you: Stripe is checking what you gave it.", "Waiting for Stripe",
		"Stripe still needs a bank account to pay into, a photo of an identity document and your acceptance of Stripe's terms.", "Continue setting up payouts")
	visit(t, "payouts", []row{{"pending, with what Stripe needs", inf, "/console/payouts", []string{"Waiting for Stripe", "Stripe still needs a bank account to pay into", "Continue setting up payouts"}, 0}})
	inf.submit(yenClaim, map[string]string{"amount": "200"})
	refused(t, "refused: a claim while Stripe needs more", inf, "claim-JPY", "", "Finish setting up payouts first, on the Payouts page: Stripe still needs a bank account to pay into.")
	// An expired onboarding link: a new one, at once.
	inf.get("/console/payouts?onboarding=refresh")
	if !strings.Contains(inf.url, "/local/connect/acct_") {
		t.Errorf("an expired onboarding link led to %s, not a new one", inf.url)
	}
	inf.onboard("complete")
	checkShown(t, "back from onboarding, complete", inf, 0, "Payouts are set up: you can claim your earnings now.", "Ready", "Open Stripe dashboard")
	inf.press("Open Stripe dashboard", nil)
	if inf.status != http.StatusOK || !strings.Contains(inf.url, "/local/connect/acct_") || !strings.Contains(inf.url, "/dashboard") {
		t.Errorf("Open Stripe dashboard led to %s (%d)", inf.url, inf.status)
	}
	claim := func(amount string) {
		t.Helper()
		inf.get("/console/payouts").submit(yenClaim, map[string]string{"amount": amount})
		checkShown(t, "flash: claimed "+amount, inf, 0, "Payout of ¥"+amount+" claimed: it is pending.")
		settle(t) // the payouts worker has been at it
	}
	inf.get("/console/payouts").submit(yenClaim, map[string]string{"amount": "99999"})
	refused(t, "refused: more than is available", inf, "claim-JPY", "", "¥1,234", "the available balance does not cover the payout")
	if n := inf.page.Find(`.error[role="alert"]`).Length(); n != 1 {
		t.Errorf("a refused claim in yen is said %d times on the page, want once beside its own form:\n%s", n, inf.text())
	}
	railFail(t, 1, "decline")
	claim("200")
	claim("300")
	railFail(t, 100, "timeout")
	claim("400")
	railFail(t, 0, "decline")

	own := s.eurOwner
	own.setUpPayouts()
	own.get("/console/communities/"+s.eurCom+"/earnings").press("Claim payout", map[string]string{"amount": "12.345"})
	refused(t, "refused: a claim with a third decimal", own, "claim", "amount", "2 decimals", "Earnings · Gophers Europa")
	// Its balance is mostly card deposits, which are never paid out:
	// it claims what it earned (DESIGN §15).
	own.get("/console/communities/"+s.eurCom+"/earnings").press("Claim payout", map[string]string{"amount": "5.00"})
	checkShown(t, "flash: a community's claim", own, 0, "Payout of €5.00 claimed", "Earnings · Gophers Europa")
	settle(t)
	s.jpyOwner.get("/console/communities/"+s.jpyCom+"/earnings").press("Claim payout", map[string]string{"amount": "1.5"})
	refused(t, "refused: a claim of half a yen", s.jpyOwner, "claim", "amount", "JPY has no decimals")

	visit(t, "payouts", []row{
		{"paid, failed and in transit, in yen", s.inf, "/console/payouts", []string{"Paid ¥300", "Available ¥534", "badge-paid", "badge-failed", "(the payment failed",
			"badge-processing", "(the payment rail did not answer", "¥200", "¥400"}, 0},
		{"a community's payout", own, "/console/payouts", []string{"badge-paid", "€5.00", "Ready"}, 0},
		{"ready", s.inf, "/console/payouts", []string{"Ready", "Open Stripe dashboard"}, 0},
		{"earnings in two currencies", s.inf, "/console/", []string{"Your earnings (EUR)", "Your earnings (JPY)", "¥534"}, 0},
	})
}

// Wallets (DESIGN §15): cards (none, several, one default), deposits in
// each state (paid on Checkout, paid with the saved card, waiting for
// Stripe, waiting for the bank, declined, disputed), a debt and its
// repayment, auto-recharge on, off and turned off by failures, the
// low-balance alert, refunds (their result, and one refused), receipts.
func (s *states) wallets(t *testing.T) {
	adv, w := s.eurAdv, "/console/advertisers/"+s.eurAdvID+"/wallet"
	// A second card, saved on Stripe's page: one that always needs its
	// bank's confirmation off-session. The first saved card is the
	// default; Checkout may have saved the first payment's card already.
	adv.get(w).press("Add a card", nil).payOnStripe(harness.CardOffSessionAuth)
	checkShown(t, "back from saving a second card", adv, 0, "Card saved.", "Visa •••• 3184")
	if adv.hasButton("Make default: Visa •••• 3184") {
		adv.press("Make default: Visa •••• 3184", nil)
		checkShown(t, "flash: default card changed", adv, 0, "Default card changed", "Saved card (Visa •••• 3184)")
	}
	visit(t, "wallets", []row{{"several cards", adv, w, []string{"Visa •••• 4242", "Visa •••• 3184", "Default", "Make default: Visa •••• 4242",
		"Remove: Visa •••• 3184", "Saved card (Visa •••• 3184)", "Pay on Stripe's page"}, 0}})

	// The saved card's bank asks for confirmation: Stripe's page, which the
	// person leaves; the wallet says what waits, then they confirm.
	adv.press("Add funds", map[string]string{"amount": "30"})
	if !strings.Contains(adv.url, "/local/checkout/") {
		t.Fatalf("a card that needs its bank's confirmation led to %s:\n%s", adv.url, adv.text())
	}
	back, _ := adv.page.Find(`a:contains("Cancel and go back")`).Attr("href")
	adv.get(strings.TrimPrefix(back, base))
	checkShown(t, "a deposit waiting for the bank", adv, 0, "Your bank asks you to confirm the payment of €30.00.", "Confirm the payment on Stripe's page", "Refresh")
	confirm, _ := adv.page.Find(`a:contains("Confirm the payment on Stripe's page")`).Attr("href")
	adv.get(strings.TrimPrefix(confirm, base)).payOnStripe(harness.CardVisa)
	checkShown(t, "a deposit confirmed on Stripe's page", adv, 0, "Payment received: €30.00 added.")

	adv.press("Make default: Visa •••• 4242", nil)
	checkShown(t, "flash: default card changed back", adv, 0, "Default card changed: deposits and auto-recharge use it.", "Saved card (Visa •••• 4242)")
	adv.press("Remove: Visa •••• 3184", nil)
	checkShown(t, "flash: card removed", adv, 0, "Card removed.")
	visit(t, "wallets", []row{{"one default card", adv, w, []string{"Visa •••• 4242", "Default", "Saved card (Visa •••• 4242)"}, 0}})
	adv.doesNotSee("3184")

	// Paid with the saved card, and its receipt.
	adv.press("Add funds", map[string]string{"amount": "50", "method": "saved"})
	checkShown(t, "paid with the saved card", adv, 0, "Payment received: €50.00 added.", "Receipt")
	dep := depositOf(t, adv)
	s.eurDep = dep
	visit(t, "wallets", []row{
		{"a receipt", adv, "/console/deposits/" + dep + "/receipt", []string{"Receipt", dep, "50.00", "Acme Europe"}, 0},
		{"back from Stripe to the advertiser's page", adv, "/console/advertisers/" + s.eurAdvID + "?deposit=" + dep, []string{"Payment received: €50.00 added."}, 0},
		{"receipts", adv, w, []string{"Receipts", "€1,000.00", "€50.00", "€30.00", "Paid", "Receipt of €50.00"}, 0},
		{"the statement says money in with its card", adv, "/console/advertisers/" + s.eurAdvID, []string{"Added funds · Visa •••• 4242"}, 0},
	})
	// Waiting for Stripe: Checkout chosen, then left.
	adv.get(w).press("Add funds", map[string]string{"amount": "20", "method": "checkout"})
	back, _ = adv.page.Find(`a:contains("Cancel and go back")`).Attr("href")
	adv.get(strings.TrimPrefix(back, base))
	checkShown(t, "a deposit waiting for Stripe", adv, 0, "Waiting for Stripe to confirm the payment of €20.00.", "Refresh", "Pay on Stripe's page")

	// Auto-recharge and the alert: refused beside a field, on, off.
	adv.get(w).press("Save auto-recharge", map[string]string{"autoRecharge.below": "10", "autoRecharge.amount": "1"})
	refused(t, "refused: a recharge below the minimum deposit", adv, "recharge", "autoRecharge.amount", "Auto-recharge")
	adv.get(w).press("Save auto-recharge", map[string]string{"autoRecharge.below": "10", "autoRecharge.amount": "50"})
	checkShown(t, "flash: auto-recharge on", adv, 0, "Auto-recharge is on: when your available balance falls below €10.00, €50.00 is charged to your default card.")
	adv.press("Save alert", map[string]string{"lowBalanceAlert.below": "20"})
	checkShown(t, "flash: alert set", adv, 0, "Alert set: you are told when your available balance falls below €20.00.")
	visit(t, "wallets", []row{{"auto-recharge and alert on", adv, w, []string{"On: when your available balance falls below €10.00, €50.00 is charged to your default card.",
		"Turn off auto-recharge", "falls below €20.00", "Turn off alert"}, 0}})
	adv.press("Turn off alert", nil)
	checkShown(t, "flash: alert off", adv, 0, "Low-balance alert is off.", "Turn off auto-recharge")

	// Refunds: more than is available is refused beside the amount; a
	// refund says what became of it.
	adv.get(w).press("Refund", map[string]string{"amount": "1,000,000"})
	refused(t, "refused: a refund of more than is available", adv, "refund", "amount", "Refund unspent funds")
	adv.get(w).press("Refund", map[string]string{"amount": "10"})
	checkShown(t, "a refund's result", adv, 0, "Refund of €10.00:", "to your card")
	visit(t, "wallets", []row{{"the statement says a refund", adv, "/console/advertisers/" + s.eurAdvID, []string{"Refund"}, 0}})

	// A declined saved card: said beside the choice of how to pay.
	rch := signIn(t, uid("recharger"), "/console/advertisers")
	rch.press("Create advertiser", map[string]string{"name": "Recharger", "currency": "EUR"})
	rchID := idFrom(t, rch.url, "/console/advertisers/")
	settle(t)
	rw := "/console/advertisers/" + rchID + "/wallet"
	rch.get(rw).press("Add a card", nil).payOnStripe(harness.CardVisa)
	rch.press("Add funds", map[string]string{"amount": "100"})
	checkShown(t, "paid", rch, 0, "Payment received: €100.00 added.")
	rch.get(rw).press("Add a card", nil).payOnStripe(harness.CardInsufficientFun)
	rch.press("Make default: Visa •••• 9995", nil)
	rch.press("Add funds", map[string]string{"amount": "10", "method": "saved"})
	refused(t, "refused: the saved card declined", rch, "deposit", "method", "The payment did not go through, and nothing was charged.", "insufficient funds")
	// Auto-recharge on that card fails three times as the balance falls,
	// and turns itself off, saying why.
	rch.get(rw).press("Save auto-recharge", map[string]string{"autoRecharge.below": "90", "autoRecharge.amount": "10"})
	checkShown(t, "flash: auto-recharge on (a card that fails)", rch, 0, "Auto-recharge is on")
	week := plat.Clock.Now().Add(7 * 24 * time.Hour)
	for i, budget := range []int64{1_500, 1_000, 1_000} {
		newCampaign(t, token(t, rch.id), rchID, fmt.Sprintf("Drain %d", i), "EUR", 300, 250, 500, budget, time.Time{}, week)
		settle(t)
	}
	visit(t, "wallets", []row{{"auto-recharge turned off by failures", rch, rw, []string{"Auto-recharge was turned off:", "insufficient_funds", "Auto-recharge Off."}, 0},
		{"the advertiser's page says so too", rch, "/console/advertisers/" + rchID, []string{"Auto-recharge was turned off:"}, 0}})

	// A disputed payment that the balance cannot cover: a debt, said on
	// the wallet and the advertiser's page, repaid from the next funds.
	dbt := signIn(t, uid("debtor"), "/console/advertisers")
	dbt.press("Create advertiser", map[string]string{"name": "Disputed Ltd", "currency": "EUR"})
	dbtID := idFrom(t, dbt.url, "/console/advertisers/")
	settle(t)
	dw := "/console/advertisers/" + dbtID + "/wallet"
	dbt.get(dw).press("Add a card", nil).payOnStripe(harness.CardVisa)
	dbt.press("Add funds", map[string]string{"amount": "100"})
	disputed := depositOf(t, dbt)
	dtok := token(t, dbt.id)
	newCampaign(t, dtok, dbtID, "Held", "EUR", 300, 250, 500, 8_000, time.Time{}, week) // €80.00 held: €20.00 available
	du := api(t, "POST", "/local/stripe/disputes", "", fmt.Sprintf(`{"depositId":%q}`, disputed), 201)
	settle(t)
	owed := read[struct{ Debt int64 }](t, "/v1/advertisers/"+dbtID+"/balance", dtok).Debt
	if owed <= 0 {
		t.Fatalf("a dispute of €100.00 with €20.00 available left no debt")
	}
	notice := "You owe " + eur(owed) + " from a disputed card payment. Add funds to repay it; until then you cannot bid or book and your campaigns are paused."
	visit(t, "wallets", []row{
		{"in debt", dbt, dw, []string{notice, "Owed " + eur(owed), "Disputed by the card holder (€100.00)"}, 0},
		{"in debt: the advertiser's page", dbt, "/console/advertisers/" + dbtID, []string{notice, "Disputed by the card holder"}, 0},
		{"a disputed deposit", dbt, dw + "?deposit=" + disputed, []string{"Payment received: €100.00 added."}, 0},
	})
	api(t, "POST", "/local/stripe/disputes/"+du["id"].(string)+"/close", "", `{"status":"lost"}`, 200)
	settle(t)
	// Lost, the money leaves Souq for the card holder: still owed.
	visit(t, "wallets", []row{{"a dispute lost", dbt, "/console/advertisers/" + dbtID, []string{notice, "Disputed by the card holder"}, 0}})
	dbt.get(dw).press("Add funds", map[string]string{"amount": "100"})
	checkShown(t, "a debt repaid from the next funds", dbt, 0, "Payment received: €100.00 added. "+eur(owed)+" of it repaid what you owed.")
	dbt.get(dw).doesNotSee("You owe")

	// A community's wallet (its card saved through the API).
	visit(t, "wallets", []row{{"a community's wallet", s.eurOwner, "/console/communities/" + s.eurCom + "/wallet", []string{"Wallet · Gophers Europa", "Saved card (Visa •••• 4242)",
		"€100.00", "Pending", "Refund unspent funds"}, 0}})
}

// depositOf is the deposit a person's wallet came back to (?deposit=).
func depositOf(t *testing.T, p *person) string {
	t.Helper()
	u, _ := url.Parse(p.url)
	d := u.Query().Get("deposit")
	if d == "" {
		t.Fatalf("%s names no deposit", p.url)
	}
	return d
}

// Webhook endpoints: one whose deliveries succeed, one whose receiver
// fails them (retried; dead, and the endpoint disabled, five days on).
func (s *states) webhooks(t *testing.T) {
	ok, failing := hookReceiver(t, http.StatusNoContent), hookReceiver(t, http.StatusInternalServerError)
	h := s.hooks
	h.get("/console/webhooks").press("Add endpoint", map[string]string{"url": "https://u:p@hooks.example/", "events": "AdvertiserCreated"})
	refused(t, "refused: an endpoint with a password in it", h, "webhook", "url", "No endpoints yet.")
	h.get("/console/webhooks").press("Add endpoint", map[string]string{"url": ok + "/souq", "events": "AdvertiserCreated", "description": "CRM"})
	checkShown(t, "an endpoint's secret, once", h, 0, "Endpoint created", "whsec_")
	h.get("/console/webhooks").press("Add endpoint", map[string]string{"url": failing + "/souq", "events": "AdvertiserCreated"})
	for _, e := range read[struct{ Data []struct{ ID, URL string } }](t, "/v1/webhooks", s.tok[h]).Data {
		if strings.HasPrefix(e.URL, ok) {
			s.whOK = e.ID
		} else {
			s.whFailing = e.ID
		}
	}
	newAdvertiser(t, s.tok[h], "Hooked", "EUR", 0) // AdvertiserCreated, to both
	w := "/console/webhooks/"
	visit(t, "webhooks", []row{
		{"two endpoints", h, "/console/webhooks", []string{ok + "/souq", failing + "/souq", "AdvertiserCreated", "Enabled"}, 0},
		{"a delivery succeeded", h, w + s.whOK, []string{"enabled", "AdvertiserCreated", "badge-succeeded", "204", "Replay"}, 0},
		{"a delivery failing", h, w + s.whFailing, []string{"enabled", "badge-pending", "500"}, 0},
	})
	h.get(w+s.whOK).press("Replay", nil)
	checkShown(t, "flash: delivery replayed", h, 0, "Delivery sent again.", "Succeeded")

	h.get("/console/webhooks").press("Add endpoint", map[string]string{"url": ok + "/gone", "events": "*"})
	var gone string
	for _, e := range read[struct{ Data []struct{ ID, URL string } }](t, "/v1/webhooks", s.tok[h]).Data {
		if strings.HasSuffix(e.URL, "/gone") {
			gone = e.ID
		}
	}
	h.get(w+gone).press("Delete endpoint", nil)
	checkShown(t, "flash: endpoint deleted", h, 0, "Endpoint deleted.")
	visit(t, "webhooks", []row{{"a deleted endpoint", h, w + gone, []string{"There is nothing here, or it is not yours to see."}, 404}})
}

// API keys of both kinds, a revoked one; a slot's house ad.
func (s *states) keysAndMarket(t *testing.T) {
	own := s.eurOwner
	keys := "/console/communities/" + s.eurCom + "/keys"
	own.get(keys).press("Create key", map[string]string{"name": "old"})
	for _, k := range read[struct{ Data []struct{ ID, Name string } }](t, "/v1/communities/"+s.eurCom+"/api-keys", s.tok[own]).Data {
		if k.Name == "old" {
			own.get(keys).submit(`form[action$="/keys/`+k.ID+`/revoke"]`, nil)
		}
	}
	checkShown(t, "flash: key revoked", own, 0, "Key revoked.", "Revoked", "shop")
	s.jpyOwner.get("/console/slots/"+s.jpyBanner).press("Save house ad", map[string]string{"imageUrl": "https://cdn.example/house.png", "clickUrl": "https://tokyo.example/", "altText": "Join us"})
	checkShown(t, "flash: house ad saved", s.jpyOwner, 0, "House ad saved.", "Remove house ad", "reserve ¥500")
	visit(t, "keys and slots", []row{
		{"a key and a revoked one", own, keys, []string{"shop", "sk_test_", "Revoked", "Revoke"}, 0},
		{"an advertiser's, none yet", s.eurAdv, "/console/advertisers/" + s.eurAdvID + "/keys", []string{"API keys · Acme Europe", "No keys yet."}, 0},
		{"a community's in yen", s.jpyOwner, "/console/communities/" + s.jpyCom + "/keys", []string{"API keys · Tokyo Gophers", "shop"}, 0},
		{"a slot with a house ad", s.jpyOwner, "/console/slots/" + s.jpyBanner, []string{"Header", "reserve ¥500", "Remove house ad", "badge-open"}, 0},
	})
}

// The directory and what runs (DESIGN §16): the EUR community listed
// through its own form (first refused beside its fields), found in the
// Market by a search and missed by another; its page with its audience;
// its review queue, a rejection without a reason refused and a campaign
// approved; a profile saved, and refused.
func (s *states) directory(t *testing.T) {
	own, c := s.eurOwner, "/console/communities/"+s.eurCom
	own.get(c).press("Save settings", map[string]string{"listed": "on", "description": "", "topics": "Go Lang!"})
	refused(t, "refused: listed without a description", own, "listing", "description", "Listing and what runs", "Gophers Europa")
	if own.fieldError("listing", "topics") == "" {
		t.Errorf("no message beside the topics:\n%s", own.text())
	}
	own.get(c).press("Save settings", map[string]string{"listed": "on", "description": "Gophers across Europe, weekly.", "topics": "golang, meetups",
		"languages": "en, de", "country": "de", "campaignReview": "auto", "blockedAdvertisers": s.jpyAdvID})
	checkShown(t, "flash: settings saved", own, 0, "Settings saved: your community is listed in the Market.", "Listed in the Market", "golang, meetups", s.jpyAdvID)
	inDirectory(t, s.eurCom)

	q := c + "/campaign-reviews"
	visit(t, "the directory", []row{
		{"a listed community in the Market", s.eurAdv, "/console/market", []string{"Gophers Europa", "Gophers across Europe, weekly.",
			"viewable impressions", "distinct daily viewers", "in the last 30 days", "336×280 from €1.00 per 1,000 viewable impressions", "Topics: golang, meetups"}, 0},
		{"a search that finds it", s.eurAdv, "/console/market?q=europe&topic=golang&language=de&country=DE&size=336x280&sort=name", []string{"Communities that match", "Gophers Europa"}, 0},
		{"a search that finds nothing", s.eurAdv, "/console/market?q=cobol", []string{"No listed community matches."}, 0},
		{"a listed community's page", s.eurAdv, "/console/market/" + s.eurCom, []string{"Gophers Europa", "Gophers across Europe, weekly.", "Audience",
			"in the last 30 days", "Takes pay-as-you-go campaigns", "336×280", "€1.00", "Rate card", "Open auctions"}, 0},
		{"an unlisted community's page", s.jpyAdv, "/console/market/" + s.jpyCom, []string{"This community is not listed in the directory.", "Mail magazine"}, 0},
		{"campaigns to review", own, q, []string{"Campaigns to review", "Spring sale", "Acme Europe", "336×280", "€10.00 per 1,000 viewable impressions", "Approve", "Reject"}, 0},
		{"the owner's home links them", own, "/console/", []string{"to review in Gophers Europa"}, 0},
	})
	own.get(q).submit(`form[action$="/campaigns/`+s.cActive+`/reject"]`, map[string]string{"reason": ""})
	refused(t, "refused: a rejection without a reason", own, "review-"+s.cActive, "reason", "Spring sale")
	own.get(q).submit(`form[action$="/campaigns/`+s.cActive+`/approve"]`, nil)
	checkShown(t, "flash: campaign approved", own, 0, "Campaign approved", "Campaigns to review")

	// An image uploaded through the console (multipart), hosted by Souq.
	var img, body bytes.Buffer
	_ = png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 300, 250)))
	adv := s.eurAdv.get("/console/advertisers/" + s.eurAdvID + "/campaigns")
	csrf, _ := adv.page.Find(`form[enctype="multipart/form-data"] input[name="csrf"]`).Attr("value")
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", csrf)
	part, _ := mw.CreateFormFile("image", "banner.png")
	_, _ = part.Write(img.Bytes())
	_ = mw.Close()
	up, _ := http.NewRequest(http.MethodPost, base+"/console/advertisers/"+s.eurAdvID+"/creatives", &body)
	up.Header.Set("Content-Type", mw.FormDataContentType())
	up.Header.Set("Origin", base)
	up.Header.Set("Sec-Fetch-Site", "same-origin")
	adv.load(adv.c.Do(up))
	checkShown(t, "flash: image uploaded", adv, 0, "Image uploaded: 300×250, hosted by Souq.", "300×250 · image/png")

	p := signIn(t, uid("profile"), "/console/profile")
	p.press("Save profile", map[string]string{"displayName": "Grace", "links": "javascript:alert(1)", "timeZone": "Mars/Olympus"})
	refused(t, "refused: a profile's link and time zone", p, "profile", "timeZone", "Profile")
	if p.fieldError("profile", "links") == "" {
		t.Errorf("no message beside the links:\n%s", p.text())
	}
	p.get("/console/profile").press("Save profile", map[string]string{"displayName": "Grace the Gopher", "bio": "I write about Go.",
		"links": "https://grace.example", "timeZone": "Asia/Kolkata"})
	checkShown(t, "flash: profile saved", p, 0, "Profile saved.", `value="Grace the Gopher"`, "I write about Go.", `<option value="Asia/Kolkata" selected="">`)
}

// inDirectory waits until the directory lists com: serving hears of the
// listing by event and refreshes its cached listing every few seconds.
func inDirectory(t *testing.T, com string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		settle(t)
		advance(t, 6*time.Second)
		if r := harness.Send(t, http.MethodGet, "/v1/directory/"+com, "", nil, nil); r.Status == http.StatusOK {
			return
		}
	}
	t.Fatalf("%s never appeared in the directory", com)
}

// money opens the money pages of both currencies, their figures the API's.
func (s *states) money(t *testing.T, when, month string) {
	from := plat.Clock.Now().UTC().Format("2006-01") + "-01"
	own, jown := s.tok[s.eurOwner], s.tok[s.jpyOwner]
	eb := read[balance](t, "/v1/communities/"+s.eurCom+"/balance", own)
	jb := read[balance](t, "/v1/communities/"+s.jpyCom+"/balance", jown)
	ea := read[balance](t, "/v1/advertisers/"+s.eurAdvID+"/balance", s.tok[s.eurAdv])
	ja := read[balance](t, "/v1/advertisers/"+s.jpyAdvID+"/balance", s.tok[s.jpyAdv])
	er := read[earningsReport](t, "/v1/communities/"+s.eurCom+"/report?from="+from, own)
	jr := read[earningsReport](t, "/v1/communities/"+s.jpyCom+"/report?from="+from, jown)
	c, earn := "/console/communities/", "/earnings"
	visit(t, "money, "+when, []row{
		{"the owner's home", s.eurOwner, "/console/", []string{"Gophers Europa", "Available " + eur(eb.Available), "Held " + eur(eb.Held)}, 0},
		{"the owner's home in yen", s.jpyOwner, "/console/", []string{"Tokyo Gophers", "Available " + yen(jb.Available)}, 0},
		{"a community", s.eurOwner, c + s.eurCom, []string{"Available " + eur(eb.Available), "Pending " + eur(eb.Pending), "Held " + eur(eb.Held), "Top banner", "Newsletter feature", "Friends"}, 0},
		{"a community in yen", s.jpyOwner, c + s.jpyCom, []string{"Available " + yen(jb.Available), "Held " + yen(jb.Held), "Mail magazine", "Tomodachi", "Header"}, 0},
		{"earnings", s.eurOwner, c + s.eurCom + earn, []string{"Earned in " + month, "Available " + eur(eb.Available), "By source", "Total " + eur(er.Gross.Amount) + " " + eur(er.Fee.Amount) + " " + eur(er.Total.Amount), "Earnings per day, " + month}, 0},
		{"earnings by device", s.eurOwner, c + s.eurCom + earn + "?by=device", []string{"Campaign earnings by device"}, 0},
		{"earnings by keyword", s.eurOwner, c + s.eurCom + earn + "?by=keyword", []string{"Campaign earnings by keyword"}, 0},
		{"earnings in yen", s.jpyOwner, c + s.jpyCom + earn, []string{"Earned in " + month, "Available " + yen(jb.Available), "Total " + yen(jr.Gross.Amount) + " " + yen(jr.Fee.Amount) + " " + yen(jr.Total.Amount)}, 0},
		{"a wallet", s.eurAdv, "/console/advertisers/" + s.eurAdvID, []string{"Available " + eur(ea.Available), "Held for bids, bookings and campaigns " + eur(ea.Held), "Spent in " + month, "Spend per day, " + month}, 0},
		{"a wallet in yen", s.jpyAdv, "/console/advertisers/" + s.jpyAdvID, []string{"Available " + yen(ja.Available), "Held for bids, bookings and campaigns " + yen(ja.Held), "Spent in " + month}, 0},
		{"a wallet's page", s.eurAdv, "/console/advertisers/" + s.eurAdvID + "/wallet", []string{"Available " + eur(ea.Available), "Held for bids, bookings and campaigns " + eur(ea.Held), "Receipts"}, 0},
		{"a wallet's page in yen", s.jpyAdv, "/console/advertisers/" + s.jpyAdvID + "/wallet", []string{"Available " + yen(ja.Available), "Refund", "¥100,000"}, 0},
		{"campaigns", s.eurAdv, "/console/campaigns/" + s.cActive, []string{"Spend per day (UTC)", "Spent to date, of a budget of €50.00", "Refused, by reason"}, 0},
		{"a campaign in yen", s.jpyAdv, "/console/campaigns/" + s.cJPY, []string{"Spent ¥3", "Spent to date, of a budget of ¥5,000"}, 0},
		{"a won auction", s.eurAdv, "/console/auctions/" + s.aWon, []string{"Won at €5.00"}, 0},
	})
	type bal = struct{ Available, Held, Pending, InTransit int64 }
	for _, c := range []struct {
		who *person
		com string
	}{{s.eurOwner, s.eurCom}, {s.jpyOwner, s.jpyCom}} {
		tok := s.tok[c.who]
		totalsAgree(t, c.who, c.com, read[earningsReport](t, "/v1/communities/"+c.com+"/report?from="+from, tok), read[bal](t, "/v1/communities/"+c.com+"/balance", tok))
	}
}

// notYours: what belongs to others is nothing at all to a person (404,
// as the API answers), and what is public is shown to anyone.
func (s *states) notYours(t *testing.T, fresh *person) {
	msg := []string{"There is nothing here, or it is not yours to see."}
	c, a := "/console/communities/"+s.eurCom, "/console/advertisers/"+s.eurAdvID
	visit(t, "not yours", []row{
		{"a member's pass sent elsewhere", fresh, "/console/m/" + s.eurCom + "?return=" + url.QueryEscape("https://evil.example/"), []string{"This address may not receive your membership pass: only the community's own sites may."}, 400},
		{"a pass for a person who is not a member", fresh, "/console/m/" + s.eurCom + "?return=" + url.QueryEscape("https://gophers.example/t/1"), []string{"You are not a member of this community"}, 403},
		{"a community", fresh, c, msg, 404},
		{"its earnings", fresh, c + "/earnings", msg, 404},
		{"its review queue", fresh, c + "/reviews", msg, 404},
		{"its keys", fresh, c + "/keys", msg, 404},
		{"its report", fresh, c + "/report.csv", msg, 404},
		{"an advertiser", fresh, a, msg, 404},
		{"its keys", fresh, a + "/keys", msg, 404},
		{"its campaigns", fresh, a + "/campaigns", msg, 404},
		{"its wallet", fresh, a + "/wallet", msg, 404},
		{"its receipt", fresh, "/console/deposits/" + s.eurDep + "/receipt", msg, 404},
		{"a community's wallet", fresh, c + "/wallet", msg, 404},
		{"its campaign form", fresh, a + "/campaigns/new", msg, 404},
		{"a campaign", fresh, "/console/campaigns/" + s.cActive, msg, 404},
		{"a campaign's report", fresh, "/console/campaigns/" + s.cActive + "/report.csv", msg, 404},
		{"a sponsorship", fresh, "/console/sponsorships/" + s.spn["published"], msg, 404},
		{"a deal", fresh, "/console/deals/" + s.dApproved, msg, 404},
		{"a webhook endpoint", fresh, "/console/webhooks/" + s.whOK, msg, 404},
		{"a flight", fresh, "/console/flights/" + s.flight, msg, 404},
		{"keys of no such kind", fresh, "/console/slots/" + s.eurBanner + "/keys", []string{"There is no such page."}, 404},
		{"a slot is public", fresh, "/console/slots/" + s.eurBanner, []string{"The tag", "reserve €5.00"}, 0},
		{"an offering is public", fresh, "/console/offerings/" + s.offering, []string{"€19.00", "Availability"}, 0},
		{"a program is public", fresh, "/console/programs/" + s.pHold, []string{"Friends", "Apply"}, 0},
		{"an auction is public", fresh, "/console/auctions/" + s.aWon, []string{"Won at €5.00"}, 0},
	})
}

// phaseTwo is the next month's 1st: what the clock made (an expired
// sponsorship, a cleared commission, a dead delivery), a claim in euros,
// and the money pages in a month that has just begun.
func (s *states) phaseTwo(t *testing.T, lastDay time.Time, month string) {
	s.wake(t)
	// A person whose browser is in Honolulu: it is 23:30 on the last day
	// there still, and the whole page is of that month.
	last, days := lastDay.Format("January 2006"), lastDay.Format("2006-01-")+"01 to "+lastDay.Format("2006-01-02")
	hnl := signIn(t, s.eurOwner.id, "/console/")
	hnl.c.Jar.SetCookies(hnl.mustURL("/"), []*http.Cookie{{Name: "souq_tz", Value: "Pacific%2FHonolulu", Path: "/"}})
	visit(t, "the 1st", []row{
		{"still the last day in Honolulu", hnl, "/console/communities/" + s.eurCom + "/earnings", []string{"Earned in " + last, "Earnings per day, " + last,
			"By source, " + days + " (UTC)", "Campaign earnings by country, " + days}, 0},
	})
	api(t, "POST", "/v1/conversions", s.eurKey, `{"code":"friendsgo","externalId":"eu-3","amount":4000,"currency":"EUR","customerId":"c-eu-3"}`, 201)
	s.inf.get("/console/payouts").submit(`form[action="/console/payouts"]:has(input[name="currency"][value="EUR"])`, map[string]string{"amount": "5.00"})
	checkShown(t, "flash: claimed in euros", s.inf, 0, "Payout of €5.00 claimed")
	settle(t)
	q := "/console/communities/" + s.eurCom + "/reviews?status="
	visit(t, "the 1st", []row{
		{"expired: the owner", s.eurOwner, "/console/sponsorships/" + s.spn["expired"], []string{"badge-expired", "€19.00"}, 0},
		{"expired: the sponsor", s.eurAdv, "/console/sponsorships/" + s.spn["expired"], []string{"badge-expired"}, 0},
		{"the queue: expired", s.eurOwner, q + "expired", []string{"badge-expired"}, 0},
		{"the queue, emptied by the clock", s.eurOwner, "/console/communities/" + s.eurCom + "/reviews", []string{"Nothing is Pending review now."}, 0},
		{"cleared, pending and reversed", s.inf, "/console/deals/" + s.dApproved, []string{"Commission pending €4.00", "Cleared €5.00", "Reversed €3.00", "badge-cleared", "badge-pending", "badge-reversed"}, 0},
		{"paid in two currencies", s.inf, "/console/payouts", []string{"In transit €0.00 Paid €5.00", "Paid ¥700"}, 0}, // the sweep paid what was in transit
		{"a delivery failing, retried", s.hooks, "/console/webhooks/" + s.whFailing, []string{"badge-pending", "500"}, 0},
		{"a new month, nothing earned yet", s.jpyOwner, "/console/communities/" + s.jpyCom + "/earnings", []string{"Earned in " + month + " (net) ¥0", "No money has moved this month.", "No campaign earnings this month yet."}, 0},
		{"a new month, nothing spent yet", s.jpyAdv, "/console/advertisers/" + s.jpyAdvID, []string{"Spent in " + month + " ¥0", "No money has moved this month."}, 0},
	})
	s.money(t, "the next month's 1st", month)
}

// phaseThree is five days on: the endpoint that failed every delivery
// since the first is disabled at its next failure.
func (s *states) phaseThree(t *testing.T) {
	s.wake(t)
	newAdvertiser(t, s.tok[s.hooks], "Hooked again", "EUR", 0)
	w := "/console/webhooks/"
	visit(t, "five days on", []row{
		{"a disabled endpoint in the list", s.hooks, "/console/webhooks", []string{"Disabled", "Enabled"}, 0},
		{"a disabled endpoint", s.hooks, w + s.whFailing, []string{"disabled (every delivery failed for 5 days)", "badge-dead"}, 0},
		{"an endpoint still delivering", s.hooks, w + s.whOK, []string{"enabled", "badge-succeeded"}, 0},
	})
	s.hooks.get(w+s.whFailing).press("Replay", nil)
	refused(t, "refused: a replay to a disabled endpoint", s.hooks, "replay", "", "enable the endpoint before replaying to it", "disabled")
}

// callBudget is the most API calls a page may make: five, and Home its
// own (console.HomeCalls: it gathers every product's to-dos, at once).
func callBudget(pathOrURL string) int {
	if u, err := url.Parse(pathOrURL); err == nil && u.Path == "/console/" {
		return console.HomeCalls
	}
	return 5
}

// row is one page in one state.
type row struct {
	state string
	who   *person
	path  string
	texts []string
	// status is the answer the state must have: 0 is 200.
	status int
}

// opened are the paths the state tables opened (without their query),
// held against the routes the console serves; shown counts the pages
// checked.
var (
	opened = map[string]bool{}
	shown  int
)

// visit opens every row's page and checks it.
func visit(t *testing.T, group string, rows []row) {
	t.Helper()
	for _, r := range rows {
		r.who.get(r.path)
		checkShown(t, group+" · "+r.state, r.who, r.status, r.texts...)
		opened[strings.SplitN(r.path, "?", 2)[0]] = true
	}
}

// visitCSV downloads a report through the console.
func visitCSV(t *testing.T, state string, p *person, path, header string) {
	t.Helper()
	p.get(path)
	opened[strings.SplitN(path, "?", 2)[0]] = true
	if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(strings.TrimSpace(p.page.Text()), header) {
		t.Errorf("%s: %s: %d %s %q", state, path, p.status, p.header.Get("Content-Type"), p.page.Text())
	}
	if err := strictCSP(p.header); err != nil {
		t.Errorf("%s: %v", state, err)
	}
}

// checkShown holds the page a person has open (after a visit, a form or
// a button) to what every state of every page must be, and to the
// state's own texts.
func checkShown(t *testing.T, state string, p *person, status int, texts ...string) {
	t.Helper()
	shown++
	if status == 0 {
		status = http.StatusOK
	}
	if p.status != status {
		t.Errorf("%s: %s answered %d, want %d:\n%s", state, p.url, p.status, status, p.text())
		return
	}
	if err := strictCSP(p.header); err != nil {
		t.Errorf("%s: %s: %v", state, p.url, err)
	}
	if p.header.Get("Cache-Control") != "no-store" {
		t.Errorf("%s: %s is cacheable: %q", state, p.url, p.header.Get("Cache-Control"))
	}
	if calls, err := strconv.Atoi(p.header.Get("X-Souq-Api-Calls")); err == nil && calls > callBudget(p.url) {
		t.Errorf("%s: %s made %d API calls (the budget is %d)", state, p.url, calls, callBudget(p.url))
	}
	if n := p.page.Find("h1").Length(); n != 1 || p.page.Find("main").Length() != 1 {
		t.Errorf("%s: %s has %d h1 and %d main landmarks, want one of each", state, p.url, n, p.page.Find("main").Length())
	}
	body, spaced := p.text(), words(p)
	html, _ := p.page.Find("main").Html()
	for _, s := range texts {
		if !strings.Contains(body, s) && !strings.Contains(spaced, s) && !strings.Contains(html, s) {
			t.Errorf("%s: %s (%d) does not show %q:\n%s", state, p.url, p.status, s, body)
		}
	}
}

// refused holds a page a form was refused on: a 4xx (never a 5xx), the
// message beside the field, the strict CSP, and the page's own state.
func refused(t *testing.T, state string, p *person, form, field string, texts ...string) {
	t.Helper()
	if p.status < 400 || p.status >= 500 {
		t.Errorf("%s: %s answered %d, want a 4xx:\n%s", state, p.url, p.status, p.text())
		return
	}
	if field != "" && p.fieldError(form, field) == "" {
		t.Errorf("%s: no message beside %s of %s:\n%s", state, field, form, p.text())
	}
	checkShown(t, state, p, p.status, texts...)
}

// words is the page's main text with a space between elements' texts,
// as a person reads a term and its value (<dt>Spent</dt><dd>€3</dd>:
// "Spent €3").
func words(p *person) string {
	var parts []string
	var walk func(*goquery.Selection)
	walk = func(s *goquery.Selection) {
		s.Contents().Each(func(_ int, c *goquery.Selection) {
			if goquery.NodeName(c) == "#text" {
				parts = append(parts, c.Text())
			} else {
				walk(c)
			}
		})
	}
	walk(p.page.Find("main"))
	return strings.Join(strings.Fields(strings.Join(parts, " ")), " ")
}

// strictCSP is nil when a page's policy lets nothing run or load but the
// console's own files (and creatives' https images).
func strictCSP(h http.Header) error {
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			return fmt.Errorf("the CSP %q lacks %s", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-") || strings.Contains(csp, "*") {
		return fmt.Errorf("the CSP %q lets more in", csp)
	}
	return nil
}

// consoleGETs are the GET routes of shared/console/routes.go that show a
// person something, read from the file itself so that a new page is a
// failing test until a state opens it.
func consoleGETs(t *testing.T) []string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	src, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "shared", "console", "routes.go"))
	if err != nil {
		t.Fatal(err)
	}
	// Not pages of a person's data: a redirect, the static files, and
	// the two legs of sign-in (TestSession_DeepLinkCookieAndSignOut).
	skip := map[string]bool{"/console": true, "/console/static/{file}": true, "/console/signin": true, "/console/callback": true}
	var out []string
	for _, m := range regexp.MustCompile(`HandleFunc\("GET (/console[^"]*)"`).FindAllStringSubmatch(string(src), -1) {
		if !skip[m[1]] {
			out = append(out, m[1])
		}
	}
	if len(out) < 20 {
		t.Fatalf("read %d GET routes from routes.go: %v", len(out), out)
	}
	return out
}

// routeMatches reports whether a path is one of a route pattern's.
func routeMatches(pattern, path string) bool {
	re := regexp.QuoteMeta(pattern)
	re = strings.ReplaceAll(re, `\{\$\}`, "")
	re = regexp.MustCompile(`\\\{[a-zA-Z]+\\\}`).ReplaceAllString(re, `[^/]+`)
	return regexp.MustCompile("^" + re + "$").MatchString(path)
}

// The marketplace through the API, as a client's server would make it.

func newCommunity(t testing.TB, tok, name, currency string) string {
	t.Helper()
	id := api(t, "POST", "/v1/communities", tok, fmt.Sprintf(`{"name":%q,"url":"https://gophers.example","currency":%q}`, name, currency), 201)["id"].(string)
	settle(t) // the products hear of it
	return id
}

func newAdvertiser(t testing.TB, tok, name, currency string, funds int64) string {
	t.Helper()
	id := api(t, "POST", "/v1/advertisers", tok, fmt.Sprintf(`{"name":%q,"currency":%q}`, name, currency), 201)["id"].(string)
	settle(t)
	if funds > 0 {
		fund(t, tok, "/v1/advertisers/"+id, funds, currency)
	}
	return id
}

// acceptingSlot is a slot of a size that takes campaigns at a floor.
func acceptingSlot(t testing.TB, tok, com string, width, height int, floor int64, currency string) string {
	t.Helper()
	id := api(t, "POST", "/v1/communities/"+com+"/slots", tok,
		fmt.Sprintf(`{"name":"Slot %dx%d","width":%d,"height":%d,"reserve":{"amount":%d,"currency":%q}}`, width, height, width, height, floor, currency), 201)["id"].(string)
	api(t, "PATCH", "/v1/slots/"+id, tok, fmt.Sprintf(`{"campaigns":{"accept":true,"floorCpm":{"amount":%d,"currency":%q}}}`, floor, currency), 200)
	return id
}

// newCampaign is an asap campaign of a size, bidding per thousand views.
func newCampaign(t testing.TB, tok, adv, name, currency string, width, height int, bid, budget int64, start, end time.Time) string {
	t.Helper()
	s := ""
	if !start.IsZero() {
		s = fmt.Sprintf(`"start":%q,`, start.UTC().Format(time.RFC3339))
	}
	body := fmt.Sprintf(`{"name":%q,"currency":%q,"pricing":{"model":"cpm","bid":{"amount":%d,"currency":%q}},"budget":{"amount":%d,"currency":%q},%s"end":%q,"pacing":"asap",
	  "creative":{"imageUrl":"https://cdn.example/%d.png","clickUrl":"https://shop.example/","altText":%q,"width":%d,"height":%d}}`,
		name, currency, bid, currency, budget, currency, s, end.UTC().Format(time.RFC3339), width, name, width, height)
	return api(t, "POST", "/v1/advertisers/"+adv+"/campaigns", tok, body, 201)["id"].(string)
}

// offer is what a slot shows now.
type offer struct {
	Kind, ViewURL, ClickURL, CampaignID, FlightID string
}

func serve(t testing.TB, slotID string) offer {
	t.Helper()
	r := harness.Send(t, http.MethodGet, "/v1/serve/"+slotID, "", nil, nil)
	var o offer
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &o) != nil {
		t.Fatalf("serve %s: %d %s", slotID, r.Status, r.Body)
	}
	return o
}

// viewer is person n's browser on a page (none: the page says nothing):
// a browser's agent and an address of their own, as CloudFront names it.
func viewer(n int, page string) map[string][]string {
	h := map[string][]string{"User-Agent": {harness.BrowserAgent}, harness.ViewerAddressHeader: {harness.ViewerAddress(n)}}
	if page != "" {
		h["Origin"] = []string{page}
	}
	return h
}

// see sends an offer's view beacon as a browser with headers h.
func see(t testing.TB, o offer, h map[string][]string) {
	t.Helper()
	if r := harness.Send(t, http.MethodGet, strings.TrimPrefix(o.ViewURL, base), "", nil, h); r.Status != http.StatusNoContent {
		t.Fatalf("the view of %s: %d %s", o.ViewURL, r.Status, r.Body)
	}
}

// refusedViews sends views of what a slot shows from a community's page
// (its allowlist's domain): `people` people's one each, and one refused
// for each reason a viewer can earn — a tool's agent (bot), a page
// elsewhere (off_domain), one offer seen twice (reused), one person twice
// at once (too_fast). People are numbered from n. It returns the valid
// views (people, and the first of the reused offer and of the person too
// fast).
func refusedViews(t testing.TB, slotID, page string, n, people int) int {
	t.Helper()
	for i := 0; i < people; i++ {
		see(t, serve(t, slotID), viewer(n+i, page))
	}
	n += people
	bot := viewer(n, page)
	bot["User-Agent"] = []string{"curl/8.5.0"}
	see(t, serve(t, slotID), bot)
	see(t, serve(t, slotID), viewer(n+1, "https://elsewhere.example"))
	twice := serve(t, slotID)
	see(t, twice, viewer(n+2, page))
	see(t, twice, viewer(n+3, page))
	first, second := serve(t, slotID), serve(t, slotID)
	see(t, first, viewer(n+4, page))
	see(t, second, viewer(n+4, page))
	return people + 2
}

// hookReceiver is a customer's server: it answers every delivery with
// status.
func hookReceiver(t *testing.T, status int) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) }))
	t.Cleanup(srv.Close)
	return srv.URL
}

// railFail makes the local payment rail fail its next count payouts
// (0 heals it).
func railFail(t *testing.T, count int, mode string) {
	t.Helper()
	api(t, "POST", "/local/rail/fail", "", fmt.Sprintf(`{"count":%d,"mode":%q}`, count, mode), 200)
}

// read is an API answer, decoded.
func read[T any](t testing.TB, path, tok string) T {
	t.Helper()
	r := harness.Send(t, http.MethodGet, path, tok, nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	var out T
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return out
}

type balance struct {
	Currency                 string
	Available, Held, Pending int64
}

type money struct {
	Amount   int64
	Currency string
}

type campaignRead struct {
	Status                             string
	Budget, Spent, Remaining, Released money
	Impressions, Billed, Free          int64
}

// eur and yen write an amount as a person reads it. The console's own
// formatting is what is under test, so the suite writes its own.
func eur(minor int64) string {
	sign, minor := signOf(minor)
	return sign + "€" + grouped(minor/100) + fmt.Sprintf(".%02d", minor%100)
}

func yen(minor int64) string {
	sign, minor := signOf(minor)
	return sign + "¥" + grouped(minor)
}

// signOf is a minus sign (U+2212, as people write it) and the magnitude.
func signOf(n int64) (string, int64) {
	if n < 0 {
		return "−", -n
	}
	return "", n
}

func grouped(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
