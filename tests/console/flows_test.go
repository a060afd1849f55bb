package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/souqhq/souq/tests/harness"
)

// idFrom is the last path segment of a console URL (/console/x/{id}).
func idFrom(t testing.TB, raw, prefix string) string {
	t.Helper()
	u, _ := url.Parse(raw)
	rest, ok := strings.CutPrefix(u.Path, prefix)
	if !ok || rest == "" || strings.Contains(rest, "/") {
		t.Fatalf("landed on %s, want %s{id}", raw, prefix)
	}
	return rest
}

func num(m map[string]any, k string) int64 {
	v, _ := m[k].(float64)
	return int64(v)
}

// platformDate is a date on the platform's clock, days from now.
func platformDate(days int) string {
	return plat.Clock.Now().UTC().AddDate(0, 0, days).Format("2006-01-02")
}

type market struct {
	owner, advertiser       *person
	communityID, offeringID string
	advertiserID            string
}

// newMarket is a community with an offering and a funded advertiser, all
// made through the console's forms.
func newMarket(t testing.TB) market {
	t.Helper()
	m := market{owner: signIn(t, uid("owner"), "/console/communities")}
	m.owner.sees("Create a community").press("Create community", map[string]string{"name": "Gopher Weekly", "url": "https://gophers.example", "currency": "USD"})
	m.communityID = idFrom(t, m.owner.url, "/console/communities/")
	settle(t) // the products hear of the new community
	m.owner.sees("Community created.", "Gopher Weekly", "$0.00")
	m.owner.press("Create offering", map[string]string{"title": "Newsletter feature", "amount": "49.00", "reviewDays": "3"})
	m.offeringID = idFrom(t, m.owner.url, "/console/offerings/")
	m.owner.sees("Offering created.", "$49.00")

	m.advertiser = signIn(t, uid("adv"), "/console/advertisers")
	m.advertiser.press("Create advertiser", map[string]string{"name": "Acme", "currency": "USD"})
	m.advertiserID = idFrom(t, m.advertiser.url, "/console/advertisers/")
	settle(t)
	// A card saved on Stripe's page, then funds added with it.
	m.advertiser.get("/console/advertisers/"+m.advertiserID+"/wallet").press("Add a card", nil)
	m.advertiser.payOnStripe(harness.CardVisa).sees("Card saved.", "Visa •••• 4242", "Default")
	m.advertiser.press("Add funds", map[string]string{"amount": "100.00"}).sees("Payment received: $100.00 added.", "Receipt")
	return m
}

// The whole sponsored-post path, every step a button of the console, and
// every result read back through the API.
func TestSponsorship_BookRequestChangesReviseApprovePublish(t *testing.T) {
	m := newMarket(t)
	advTok, ownerTok := token(t, m.advertiser.id), token(t, m.owner.id)

	adv := m.advertiser.get("/console/offerings/"+m.offeringID).sees("Newsletter feature", "Book")
	adv.press("Book", map[string]string{"desiredDate": platformDate(10), "content.title": "<script>alert(1)</script> Launch",
		"content.body": "Try <b>Acme</b> today.", "content.link": "https://acme.example/launch"})
	spn := idFrom(t, adv.url, "/console/sponsorships/")
	adv.sees("Booked: the price is held", "Pending review", "$49.00")
	if adv.hasButton("Approve") {
		t.Error("the sponsor is offered Approve")
	}
	if b := api(t, "GET", "/v1/advertisers/"+m.advertiserID+"/balance", advTok, "", 200); num(b, "available") != 5100 || num(b, "held") != 4900 {
		t.Fatalf("after booking: %v, want 5100 available and 4900 held", b)
	}

	// Hostile content is shown as text, never run.
	own := m.owner.get("/console/sponsorships/" + spn)
	if got := strings.TrimSpace(own.page.Find("h1").Text()); got != "<script>alert(1)</script> Launch" {
		t.Errorf("title shown as %q", got)
	}
	own.page.Find("script").Each(func(_ int, s *goquery.Selection) {
		if src, _ := s.Attr("src"); !strings.HasPrefix(src, "/console/static/") || strings.TrimSpace(s.Text()) != "" {
			t.Errorf("a script on the page that is not the console's: %q %q", src, s.Text())
		}
	})
	if own.page.Find("article b").Length() != 0 {
		t.Error("the body's markup became elements")
	}

	// Request changes: a note is required, and the API's word is shown
	// beside the field.
	own.press("Request changes", map[string]string{"notes": ""})
	if own.status != http.StatusBadRequest || own.fieldError("request-changes", "notes") == "" {
		t.Fatalf("empty notes: status %d, message %q:\n%s", own.status, own.fieldError("request-changes", "notes"), own.text())
	}
	own.get("/console/sponsorships/"+spn).press("Request changes", map[string]string{"notes": "A shorter title, please."})
	own.sees("Changes requested: the sponsor has been told.", "Changes requested")

	adv.get("/console/sponsorships/"+spn).sees("A shorter title, please.").press("Send revision", map[string]string{"title": "Launch"})
	adv.sees("Revised: a new version is in review.", "Version 1 (before)", "Version 2 (now)")

	own.get("/console/sponsorships/" + spn).sees("Version 2 (now)")
	own.press("Approve", nil).sees("Approved", "Publish")
	own.press("Publish", map[string]string{"url": "ftp://gophers.example/p"})
	if own.status != http.StatusBadRequest || own.fieldError("publish", "url") == "" {
		t.Fatalf("a non-https URL: status %d, message %q", own.status, own.fieldError("publish", "url"))
	}
	own.get("/console/sponsorships/"+spn).press("Publish", map[string]string{"url": "https://gophers.example/posts/launch"})
	own.sees("Published: the community is paid.", "Published")

	s := api(t, "GET", "/v1/sponsorships/"+spn, ownerTok, "", 200)
	if s["status"] != "published" || num(s, "version") != 2 {
		t.Fatalf("sponsorship: %v", s)
	}
	b := api(t, "GET", "/v1/communities/"+m.communityID+"/balance", ownerTok, "", 200)
	if num(b, "available") != 4410 { // 49.00 less the 10% fee
		t.Fatalf("community balance %v, want 4410 available", b)
	}
	m.owner.get("/console/communities/" + m.communityID).sees("$44.10")
	m.owner.get("/console/communities/"+m.communityID+"/earnings").sees("Earned in", "$44.10", "Earnings per day", "Sponsored post published: Souq's fee taken, the rest available · Souq's fee of $4.90")
	m.advertiser.get("/console/advertisers/"+m.advertiserID).sees("Spent in", "$49.00", "Spend per day")
}

// What the API refuses, the page says beside the field, and nothing moves.
func TestForms_RefusalsAreShownAndChangeNothing(t *testing.T) {
	m := newMarket(t)
	advTok := token(t, m.advertiser.id)
	adv := m.advertiser

	adv.get("/console/offerings/"+m.offeringID).press("Book", map[string]string{"desiredDate": platformDate(5), "content.title": "", "content.body": "b"})
	if adv.status != http.StatusBadRequest || adv.fieldError("book", "content.title") == "" {
		t.Fatalf("no title: status %d, message %q\n%s", adv.status, adv.fieldError("book", "content.title"), adv.text())
	}
	if v, _ := adv.page.Find("#book-content\\.body").Html(); strings.TrimSpace(v) != "b" {
		t.Errorf("the body typed was not kept: %q", v)
	}
	if l := api(t, "GET", "/v1/advertisers/"+m.advertiserID+"/sponsorships", advTok, "", 200); len(l["data"].([]any)) != 0 {
		t.Fatalf("a refused booking made one: %v", l)
	}

	adv.get("/console/advertisers/"+m.advertiserID+"/wallet").press("Add funds", map[string]string{"amount": "12.345"})
	if adv.status != http.StatusUnprocessableEntity || !strings.Contains(adv.fieldError("deposit", "amount"), "2 decimals") {
		t.Fatalf("12.345 USD: status %d, message %q", adv.status, adv.fieldError("deposit", "amount"))
	}
	if b := api(t, "GET", "/v1/advertisers/"+m.advertiserID+"/balance", advTok, "", 200); num(b, "available") != 10000 {
		t.Fatalf("a refused deposit moved money: %v", b)
	}

	// A bid under the reserve: the API's message, beside the amount.
	owner := m.owner.get("/console/communities/" + m.communityID)
	owner.press("Create slot", map[string]string{"name": "Top banner", "width": "728", "height": "90", "reserve": "5.00"})
	slot := idFrom(t, owner.url, "/console/slots/")
	now := plat.Clock.Now().UTC()
	local := func(d time.Duration) string { return now.Add(d).Format("2006-01-02T15:04") }
	owner.press("Open auction", map[string]string{"closesAt": local(24 * time.Hour), "flightStart": local(48 * time.Hour), "flightEnd": local(96 * time.Hour)})
	auc := idFrom(t, owner.url, "/console/auctions/")
	owner.sees("Auction open.")
	adv.get("/console/auctions/"+auc).press("Place bid", map[string]string{"amount": "1.00", "creative.imageUrl": "https://cdn.example/b.png",
		"creative.clickUrl": "https://acme.example", "creative.altText": "Acme"})
	if adv.status < 400 || adv.fieldError("bid", "amount") == "" && !strings.Contains(adv.text(), "reserve") {
		t.Fatalf("a bid under the reserve: status %d\n%s", adv.status, adv.text())
	}
	adv.get("/console/auctions/"+auc).press("Place bid", map[string]string{"amount": "7.50", "creative.imageUrl": "https://cdn.example/b.png",
		"creative.clickUrl": "https://acme.example", "creative.altText": "Acme"})
	adv.sees("Bid placed: $7.50 is held", "Withdraw bid")
	if b := api(t, "GET", "/v1/advertisers/"+m.advertiserID+"/balance", advTok, "", 200); num(b, "held") != 750 {
		t.Fatalf("after the bid: %v, want 750 held", b)
	}
	adv.press("Withdraw bid", nil).sees("Bid withdrawn")
	if b := api(t, "GET", "/v1/advertisers/"+m.advertiserID+"/balance", advTok, "", 200); num(b, "held") != 0 || num(b, "available") != 10000 {
		t.Fatalf("after withdrawing: %v", b)
	}
	_ = slot
}

// A money form sent twice (a double click, a reload) moves money once:
// it carries one Idempotency-Key from the moment it is shown.
func TestForms_MoneyFormSentTwiceMovesMoneyOnce(t *testing.T) {
	m := newMarket(t)
	adv := m.advertiser.get("/console/advertisers/" + m.advertiserID + "/wallet")
	page := adv.page
	sel := adv.formWith("Add funds")
	adv.submit(sel, map[string]string{"amount": "25.00"}).sees("Payment received: $25.00 added.")
	adv.page = page // the same form again, as a reload of the POST would send it
	adv.url = base + "/console/advertisers/" + m.advertiserID + "/wallet"
	adv.submit(sel, map[string]string{"amount": "25.00"})
	if b := api(t, "GET", "/v1/advertisers/"+m.advertiserID+"/balance", token(t, m.advertiser.id), "", 200); num(b, "available") != 12500 {
		t.Fatalf("one deposit form sent twice: %v, want 12500 available (100 + 25)", b)
	}
}

// Without the session's CSRF token, or from another site, a form does
// nothing.
func TestForms_CSRFAndCrossOriginAreRefused(t *testing.T) {
	m := newMarket(t)
	adv := m.advertiser.get("/console/advertisers/" + m.advertiserID + "/wallet")
	csrf, _ := adv.page.Find(`input[name="csrf"]`).First().Attr("value")
	deposit := "/console/advertisers/" + m.advertiserID + "/deposits"
	for name, tc := range map[string]struct {
		vals    url.Values
		headers map[string]string
	}{
		"no token":       {url.Values{"amount": {"10.00"}, "currency": {"USD"}, "idem": {"a1"}}, nil},
		"another token":  {url.Values{"amount": {"10.00"}, "currency": {"USD"}, "idem": {"a2"}, "csrf": {"x" + csrf}}, nil},
		"another origin": {url.Values{"amount": {"10.00"}, "currency": {"USD"}, "idem": {"a3"}, "csrf": {csrf}}, map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}},
	} {
		adv.post(deposit, tc.vals, tc.headers)
		if adv.status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, adv.status)
		}
	}
	if b := api(t, "GET", "/v1/advertisers/"+m.advertiserID+"/balance", token(t, m.advertiser.id), "", 200); num(b, "available") != 10000 {
		t.Fatalf("a refused form moved money: %v", b)
	}
	// The same form with its token works.
	adv.post(deposit, url.Values{"amount": {"10.00"}, "currency": {"USD"}, "idem": {"a4"}, "csrf": {csrf}}, map[string]string{"Origin": base})
	if adv.status != http.StatusOK || !strings.Contains(adv.text(), "Payment received: $10.00 added.") {
		t.Fatalf("with its token: %d %s", adv.status, adv.text())
	}
}

// Each role sees what it may do; a stranger sees nothing.
func TestRoles_WhoSeesWhat(t *testing.T) {
	m := newMarket(t)
	adv := m.advertiser.get("/console/offerings/" + m.offeringID)
	adv.press("Book", map[string]string{"desiredDate": platformDate(9), "content.title": "Hello", "content.body": "World", "content.link": "https://acme.example"})
	spn := idFrom(t, adv.url, "/console/sponsorships/")
	if !adv.hasButton("Cancel booking") || adv.hasButton("Approve") || adv.hasButton("Reject") {
		t.Error("the sponsor's buttons are wrong")
	}
	own := m.owner.get("/console/sponsorships/" + spn)
	for _, b := range []string{"Approve", "Request changes", "Reject"} {
		if !own.hasButton(b) {
			t.Errorf("the owner has no %s", b)
		}
	}
	if own.hasButton("Cancel booking") {
		t.Error("the owner is offered the sponsor's cancel")
	}
	stranger := signIn(t, uid("stranger"), "/console/sponsorships/"+spn)
	if stranger.status != http.StatusNotFound || !strings.Contains(stranger.text(), "not yours") {
		t.Fatalf("a stranger: %d %s", stranger.status, stranger.text())
	}
	stranger.post("/console/sponsorships/"+spn+"/approve", url.Values{"csrf": {csrfOf(stranger)}}, map[string]string{"Origin": base})
	if stranger.status != http.StatusNotFound && stranger.status != http.StatusForbidden {
		t.Fatalf("a stranger's approve: %d", stranger.status)
	}
	if s := api(t, "GET", "/v1/sponsorships/"+spn, token(t, m.owner.id), "", 200); s["status"] != "pending_review" {
		t.Fatalf("a stranger changed it: %v", s["status"])
	}
}

func csrfOf(p *person) string {
	p.t.Helper()
	v, _ := p.get("/console/").page.Find(`input[name="csrf"]`).First().Attr("value")
	return v
}

// Influencer: apply, be approved, earn, wait for the hold, claim it all.
func TestInfluencer_ApplyApprovedConversionClearsClaimPayoutPaid(t *testing.T) {
	m := newMarket(t)
	ownerTok := token(t, m.owner.id)
	fund(t, ownerTok, "/v1/communities/"+m.communityID, 50000, "USD")
	own := m.owner.get("/console/communities/" + m.communityID)
	own.press("Create program", map[string]string{"name": "Friends of Gophers", "commissionType": "percent", "commission": "10",
		"attributionDays": "30", "holdDays": "7", "budget": "200.00"})
	prg := idFrom(t, own.url, "/console/programs/")
	own.sees("Program created", "$200.00", "No application waits.")

	inf := signIn(t, uid("inf"), "/console/programs/"+prg).sees("Friends of Gophers", "Apply")
	inf.press("Apply", map[string]string{"pitch": "I write about <Go>."})
	deal := idFrom(t, inf.url, "/console/deals/")
	inf.sees("Applied", "Pending")

	own.get("/console/programs/"+prg).sees("I write about <Go>.").press("Approve", map[string]string{"code": "GOPHER10"})
	own.sees("Approved: the influencer's code is gopher10.") // codes match case-insensitively; the API keeps them lower case
	inf.get("/console/deals/"+deal).sees("Approved", "gopher10", "/r/gopher10", "Copy")

	// The community's server reports a sale with a key made in the console.
	keys := m.owner.get("/console/communities/"+m.communityID+"/keys").press("Create key", map[string]string{"name": "shop"})
	secret := strings.TrimSpace(keys.page.Find("#new-secret").Text())
	if !strings.HasPrefix(secret, "sk_test_") {
		t.Fatalf("the new key's secret is not shown: %q", keys.text())
	}
	keys.get("/console/communities/"+m.communityID+"/keys").sees("shop", "sk_test_").doesNotSee(secret)
	api(t, "POST", "/v1/conversions", secret, fmt.Sprintf(`{"code":"GOPHER10","externalId":"order-%s","amount":100000,"currency":"USD","customerId":"c1"}`, deal), 201)
	inf.get("/console/deals/"+deal).sees("$100.00", "Pending")

	// A week passes (the console renews the person's token on the way).
	advance(t, 8*24*time.Hour)
	pay := inf.get("/console/payouts").sees("$100.00", "Payouts are not set up yet.")
	pay.press("Claim payout", nil)
	if pay.status != http.StatusConflict || !strings.Contains(pay.page.Find("#claim-USD-error").Text(), "payout") {
		t.Fatalf("a claim before payouts are set up: %d\n%s", pay.status, pay.text())
	}
	pay.setUpPayouts().sees("Ready", "Open Stripe dashboard")
	if v, _ := pay.page.Find("#claim-USD-amount").Attr("value"); v != "100.00" {
		t.Fatalf("the claim's amount is %q, want everything available, 100.00", v)
	}
	page, sel := pay.page, pay.formWith("Claim payout")
	pay.press("Claim payout", nil).sees("Payout of $100.00 claimed")
	pay.page, pay.url = page, base+"/console/payouts" // the same claim form again
	pay.submit(sel, nil)
	advance(t, time.Minute)
	l := api(t, "GET", "/v1/payouts", token(t, inf.id), "", 200)["data"].([]any)
	if len(l) != 1 || l[0].(map[string]any)["status"] != "paid" || num(l[0].(map[string]any), "amount") != 10000 {
		t.Fatalf("payouts %v, want one of 10000, paid", l)
	}
	inf.get("/console/payouts").sees("Paid", "$100.00")
}

// Sign-in lands back on the deep link; the session cookie is HttpOnly and
// SameSite=Lax; sign-out ends the session.
func TestSession_DeepLinkCookieAndSignOut(t *testing.T) {
	var cookies []string
	p := newBrowser(t)
	p.c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		cookies = append(cookies, req.Response.Header.Values("Set-Cookie")...)
		return nil
	}
	p.id = uid("deep")
	p.get("/console/payouts").submit("form", map[string]string{"user_id": p.id})
	if !strings.HasSuffix(p.url, "/console/payouts") {
		t.Fatalf("landed on %s, want the deep link", p.url)
	}
	p.sees("Payouts")
	var session string
	for _, c := range cookies {
		if strings.HasPrefix(c, "souq_session=") && !strings.Contains(c, "Max-Age=0") {
			session = c
		}
	}
	if session == "" || !strings.Contains(session, "HttpOnly") || !strings.Contains(session, "SameSite=Lax") || strings.Contains(session, "Secure") {
		t.Fatalf("session cookie %q: want HttpOnly, SameSite=Lax, not Secure over http", session)
	}
	csp := p.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "script-src 'self'", "style-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %s", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline: %q", csp)
	}
	old := p.c.Jar.Cookies(p.mustURL("/console/"))
	p.press("Sign out", nil).sees("You are signed out")
	p.get("/console/payouts")
	if !strings.Contains(p.url, "/local/oidc/authorize") {
		t.Fatalf("after sign-out, /console/payouts is %s", p.url)
	}
	// The old cookie, replayed, signs no one in.
	replay := newBrowser(t)
	replay.c.Jar.SetCookies(p.mustURL("/console/"), old)
	replay.get("/console/payouts")
	if !strings.Contains(replay.url, "/local/oidc/authorize") {
		t.Fatalf("a replayed session cookie after sign-out reached %s", replay.url)
	}
}

func (p *person) mustURL(path string) *url.URL {
	u, _ := url.Parse(base + path)
	return u
}

// A sign-in cannot be finished with another browser's state, nor twice.
func TestSignIn_StateIsTheBrowsers(t *testing.T) {
	a := newBrowser(t)
	a.get("/console/")
	authorize := a.url
	b := newBrowser(t)
	b.get("/console/") // b's own sign-in cookie
	b.load(b.c.Get(authorize))
	b.submit("form", map[string]string{"user_id": uid("mix")})
	if b.status != http.StatusBadRequest || !strings.Contains(b.text(), "Sign in again") {
		t.Fatalf("another browser's state: %d %s", b.status, b.text())
	}
	if got := strings.TrimSpace(b.get("/console/signin").page.Find(`label[for="user_id"]`).Text()); got != "User id" {
		t.Errorf("the sign-in field is labelled %q", got)
	}
	if !b.hasButton("Sign in") {
		t.Error("no Sign in button")
	}
}

// The owner counter-proposes a price; the sponsor accepts it and the hold
// follows the new price.
func TestSponsorship_ProposeAndAccept(t *testing.T) {
	m := newMarket(t)
	adv := m.advertiser.get("/console/offerings/" + m.offeringID)
	adv.press("Book", map[string]string{"desiredDate": platformDate(8), "content.title": "Deal?", "content.body": "b", "content.link": "https://acme.example"})
	spn := idFrom(t, adv.url, "/console/sponsorships/")
	own := m.owner.get("/console/sponsorships/" + spn)
	own.press("Propose", map[string]string{"amount": "45.5.0"})
	if own.status != http.StatusUnprocessableEntity || own.fieldError("propose", "amount") == "" {
		t.Fatalf("an unreadable price: %d %q", own.status, own.fieldError("propose", "amount"))
	}
	own.get("/console/sponsorships/"+spn).press("Propose", map[string]string{"amount": "45.00", "notes": "A little less, please."})
	own.sees("Proposed: the sponsor decides.", "$45.00", "A little less, please.")
	if own.hasButton("Accept proposal") || own.hasButton("Approve") {
		t.Error("the owner is offered the sponsor's choice, or to approve while countered")
	}
	adv.get("/console/sponsorships/"+spn).sees("The community's proposal", "$45.00")
	adv.press("Accept proposal", nil).sees("Proposal accepted")
	s := api(t, "GET", "/v1/sponsorships/"+spn, token(t, m.advertiser.id), "", 200)
	if s["status"] != "pending_review" || num(s, "amount") != 4500 {
		t.Fatalf("after accepting: %v %v", s["status"], s["amount"])
	}
	if b := api(t, "GET", "/v1/advertisers/"+m.advertiserID+"/balance", token(t, m.advertiser.id), "", 200); num(b, "held") != 4500 || num(b, "available") != 5500 {
		t.Fatalf("the hold did not follow the proposal: %v", b)
	}
}
