package console

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Every page answers 200 to its owner with its own content, the strict
// CSP, no caching, and at most five API calls; signed out, every page
// goes through sign-in.
func TestPages_EachShowsItsContent(t *testing.T) {
	m := newMarket(t)
	own, adv := m.owner, m.advertiser
	adv.get("/console/offerings/"+m.offeringID).press("Book", map[string]string{"desiredDate": platformDate(11), "content.title": "Pages", "content.body": "b", "content.link": "https://acme.example"})
	spn := idFrom(t, adv.url, "/console/sponsorships/")
	own.get("/console/communities/"+m.communityID).press("Create slot", map[string]string{"name": "Top banner", "width": "728", "height": "90", "reserve": "5.00"})
	slot := idFrom(t, own.url, "/console/slots/")
	now := plat.Clock.Now().UTC()
	local := func(d time.Duration) string { return now.Add(d).Format("2006-01-02T15:04") }
	own.press("Open auction", map[string]string{"closesAt": local(24 * time.Hour), "flightStart": local(48 * time.Hour), "flightEnd": local(96 * time.Hour)})
	auc := idFrom(t, own.url, "/console/auctions/")
	fund(t, token(t, own.id), "/v1/communities/"+m.communityID, 10000, "USD")
	own.get("/console/communities/"+m.communityID).press("Create program", map[string]string{"name": "Pals", "commissionType": "flat", "commission": "2.50",
		"attributionDays": "30", "holdDays": "0", "budget": "50.00"})
	prg := idFrom(t, own.url, "/console/programs/")
	inf := signIn(t, uid("inf"), "/console/programs/"+prg).press("Apply", map[string]string{"pitch": "hi"})
	deal := idFrom(t, inf.url, "/console/deals/")
	own.get("/console/webhooks").press("Add endpoint", map[string]string{"url": "http://127.0.0.1:9/hook", "events": "*"})
	own.sees("Copy its signing secret now", "whsec_")
	wh := own.page.Find(`a[href^="/console/webhooks/wh_"]`).AttrOr("href", "")
	if wh == "" {
		t.Fatalf("no endpoint listed: %s", own.text())
	}

	for _, tc := range []struct {
		who   *person
		path  string
		texts []string
	}{
		{own, "/console/", []string{"Needs your action", "Review “Newsletter feature (20", "Gopher Weekly", "Available"}},
		{own, "/console/communities", []string{"Gopher Weekly", "Create a community"}},
		{own, "/console/communities/" + m.communityID, []string{"Banner slots", "Top banner", "Rate card", "Newsletter feature", "Referral programs", "Pals"}},
		{own, "/console/communities/" + m.communityID + "/earnings", []string{"Earnings · Gopher Weekly", "Claim payout", "Statement", "By source", "Campaigns", "Download CSV"}},
		{own, "/console/communities/" + m.communityID + "/reviews", []string{"Review queue", "Newsletter feature", "$49.00"}},
		{own, "/console/communities/" + m.communityID + "/keys", []string{"API keys · Gopher Weekly", "Create key"}},
		{own, "/console/slots/" + slot, []string{"Top banner", "728×90", "The tag", `data-souq-slot="` + slot + `"`, "House ad", "Reserve", "Accept campaigns"}},
		{own, "/console/offerings/" + m.offeringID, []string{"Newsletter feature", "Availability", "Blocked dates"}},
		{own, "/console/sponsorships/" + spn, []string{"Pages", "Approve", "History"}},
		{own, "/console/programs/" + prg, []string{"Pals", "$2.50 per sale", "Deals to decide", "hi", "Budget", "$50.00"}},
		{own, "/console/deals/" + deal, []string{"Pending", "Approve", "Decline"}},
		{own, "/console/webhooks", []string{"127.0.0.1:9/hook", "Add an endpoint"}},
		{own, wh, []string{"Webhook endpoint", "Deliveries"}},
		{adv, "/console/advertisers", []string{"Acme", "Create an advertiser"}},
		{adv, "/console/advertisers/" + m.advertiserID, []string{"Wallet", "$51.00", "$49.00", "Statement", "Sponsorships", "Newsletter feature"}},
		{adv, "/console/advertisers/" + m.advertiserID + "/keys", []string{"API keys · Acme"}},
		{adv, "/console/advertisers/" + m.advertiserID + "/campaigns", []string{"Campaigns · Acme", "New campaign", "No campaigns yet."}},
		{adv, "/console/advertisers/" + m.advertiserID + "/campaigns/new", []string{"New campaign", "Preview", "Create campaign", "Image address"}},
		{adv, "/console/auctions", []string{"Open auctions", "$5.00"}},
		{adv, "/console/auctions/" + auc, []string{"Open", "reserve $5.00", "Place bid"}},
		{adv, "/console/market/" + m.communityID, []string{"Rate card", "Newsletter feature", "Programs to join", "Pals", "Open auctions"}},
		{inf, "/console/deals", []string{"Your deals", "Pending"}},
		{inf, "/console/deals/" + deal, []string{"Pending"}},
		{inf, "/console/payouts", []string{"Payouts", "Payout account", "Set up payouts", "History"}},
		{adv, "/console/advertisers/" + m.advertiserID + "/wallet", []string{"Wallet · Acme", "Add funds", "Saved card (Visa •••• 4242)", "Cards", "Auto-recharge", "Refund unspent funds", "Receipts", "$100.00"}},
		{own, "/console/communities/" + m.communityID + "/wallet", []string{"Wallet · Gopher Weekly", "Saved card (Visa •••• 4242)", "Refund unspent funds", "$100.00"}},
	} {
		tc.who.get(tc.path)
		if tc.who.status != http.StatusOK {
			t.Errorf("%s: %d\n%s", tc.path, tc.who.status, tc.who.text())
			continue
		}
		body := tc.who.text()
		html, _ := tc.who.page.Find("main").Html()
		for _, s := range tc.texts {
			if !strings.Contains(body, s) && !strings.Contains(html, s) {
				t.Errorf("%s does not show %q:\n%s", tc.path, s, body)
			}
		}
		if calls, _ := strconv.Atoi(tc.who.header.Get("X-Souq-Api-Calls")); calls < 1 || calls > callBudget(tc.path) {
			t.Errorf("%s made %d API calls (the budget is 1 to %d)", tc.path, calls, callBudget(tc.path))
		}
		if !strings.Contains(tc.who.header.Get("Content-Security-Policy"), "default-src 'none'") || tc.who.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s headers: %v", tc.path, tc.who.header)
		}
		if tc.who.page.Find("h1").Length() != 1 || tc.who.page.Find("main").Length() != 1 {
			t.Errorf("%s: one h1 and one main landmark", tc.path)
		}
		// Signed out, the same page goes through sign-in and back.
		stranger := newBrowser(t)
		stranger.get(tc.path)
		if !strings.Contains(stranger.url, "/local/oidc/authorize") {
			t.Errorf("signed out, %s is %s", tc.path, stranger.url)
		}
	}

	// The page allowlist: refused beside its field, saved as typed.
	own.get("/console/communities/"+m.communityID).press("Save domains", map[string]string{"allowedDomains": "https://gophers.example"})
	if own.status != http.StatusBadRequest || own.fieldError("domains", "allowedDomains") == "" {
		t.Fatalf("a URL for a domain: %d %q", own.status, own.fieldError("domains", "allowedDomains"))
	}
	own.get("/console/communities/"+m.communityID).press("Save domains", map[string]string{"allowedDomains": "gophers.example, www.gophers.example"})
	own.sees("Domains saved")
	if v, _ := own.page.Find("#domains-allowedDomains").Attr("value"); v != "gophers.example, www.gophers.example" {
		t.Fatalf("the saved domains show as %q", v)
	}

	// Finding a rate card by the link a community shared.
	adv.get("/console/market").submit(`form[action="/console/market"]`, map[string]string{"community": base + "/console/market/" + m.communityID})
	adv.sees("Rate card", "Newsletter feature")

	// A page of someone else's is nothing at all.
	adv.get("/console/communities/" + m.communityID)
	if adv.status != http.StatusNotFound {
		t.Errorf("the advertiser opened the owner's community page: %d", adv.status)
	}
	adv.get("/console/programs/" + prg).sees("Apply") // public: anyone may apply
	if adv.hasButton("Top up") {
		t.Error("a stranger is offered the program's owner's buttons")
	}
}
