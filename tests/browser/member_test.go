package browser

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/souqhq/souq/tests/harness"
)

// memberPage is the community's page with the tag, its slot and its
// script naming the community and, when pass is not empty, the member's
// pass (data-souq-pass: no inline script under the strict CSP).
func memberPage(t *testing.T, slot, community, pass string) string {
	t.Helper()
	html := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Gopher Weekly</title></head><body>
<h1>Gopher Weekly</h1><div data-souq-slot="` + slot + `" id="ad">Support Gopher Weekly</div>
<script async src="` + base + `/tag.js" data-souq-community="` + community + `" data-souq-pass="` + pass + `"></script></body></html>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src "+base+"; connect-src "+base+"; img-src https://cdn.example; style-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(html))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// recordMember keeps the tag's events, souq:member included.
const recordMember = `window.__souq = [];
["souq:rendered", "souq:nofill", "souq:member"].forEach(function (n) {
  document.addEventListener(n, function (e) { window.__souq.push(n + " " + e.target.id); }); });`

// serveRequests counts the ad requests the page made.
const serveRequests = `performance.getEntriesByType("resource").filter(function (r) { return r.name.indexOf("/v1/serve/") >= 0; }).length`

// Members see no ads (DESIGN §17): on a strict-CSP page, the tag given an
// ad-free member's pass asks for no ad at all, keeps the page's own
// content and says souq:member; a forged pass, another community's, or
// none shows the ad. The pass is the one the API issued to a member who
// joined with a test card.
func TestTag_AnAdFreeMemberSeesNoAdAndNothingIsAsked(t *testing.T) {
	slot, _, _, ownerTok := liveFlight(t)
	com := str(call(t, "GET", "/v1/slots/"+slot, ownerTok, "", 200), "communityId")
	tier := str(call(t, "POST", "/v1/communities/"+com+"/tiers", ownerTok, `{"name":"Member","benefits":["ad_free"],"prices":[{"interval":"month","amount":{"amount":400,"currency":"USD"}}]}`, 201), "id")
	memberTok := token(t, "usr_tag_member_"+run)
	harness.SaveCard(t, memberTok, "/v1/me", harness.CardVisa)
	call(t, "POST", "/v1/communities/"+com+"/memberships", memberTok, `{"tierId":"`+tier+`","interval":"month"}`, 201)
	pass := str(call(t, "GET", "/v1/communities/"+com+"/pass", memberTok, "", 200), "pass")
	i := strings.LastIndexByte(pass, '.')
	forged := pass[:i+1] + strings.Repeat("A", len(pass)-i-1) // the member's claims, not Souq's signature

	for _, tc := range []struct {
		name, community, pass string
		member                bool
	}{
		{"an ad-free member", com, pass, true},
		{"a forged pass", com, forged, false},
		{"another community's page", "com_other", pass, false},
		{"a visitor", com, "", false},
	} {
		b := newTab(t)
		b.onNewDocument(recordMember)
		b.do(chromedp.EmulateViewport(1280, 800))
		b.do(chromedp.Navigate(memberPage(t, slot, tc.community, tc.pass)))
		if tc.member {
			b.waitFor("souq:member", `window.__souq.indexOf("souq:member ad") >= 0`)
			if got, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("#ad"))); strings.TrimSpace(got) != "Support Gopher Weekly" {
				t.Errorf("%s: the page's own content became %q", tc.name, got)
			}
			if n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](serveRequests)); err != nil || n != 0 {
				t.Errorf("%s: %d ad requests (%v), want none", tc.name, n, err)
			}
		} else {
			b.waitFor("the ad", `document.querySelector("#ad a.souq-ad img") !== null`)
			if ev := fmt.Sprint(b.events()); strings.Contains(ev, "souq:member") {
				t.Errorf("%s: %s", tc.name, ev)
			}
		}
	}
}

// Joining in a real browser (DESIGN §17): a visitor reads the join page,
// signs in from it, presses Join, pays on the local Stripe's page with a
// test card and comes back a member; the owner sees the member and MRR.
// axe checks each page at desktop and phone width.
func TestMemberships_JoinThroughTheJoinPageWithATestCard(t *testing.T) {
	ownerID, memberID := "usr_join_owner_"+run, "usr_join_member_"+run
	ownerTok := token(t, ownerID)
	com := str(call(t, "POST", "/v1/communities", ownerTok, `{"name":"Gopher Weekly","url":"https://gophers.example","currency":"USD"}`, 201), "id")
	call(t, "POST", "/v1/communities/"+com+"/tiers", ownerTok, `{"name":"Member","description":"No ads, and the weekly deep dive.","benefits":["ad_free","deep_dive"],"prices":[{"interval":"month","amount":{"amount":400,"currency":"USD"}},{"interval":"year","amount":{"amount":4000,"currency":"USD"}}]}`, 201)

	// An influencer's deal of a program on memberships (DESIGN §18).
	harness.SaveCard(t, ownerTok, "/v1/communities/"+com, harness.CardVisa)
	call(t, "POST", "/v1/communities/"+com+"/deposits", ownerTok, `{"amount":5000,"currency":"USD","method":"saved"}`, 201)
	prg := str(call(t, "POST", "/v1/communities/"+com+"/programs", ownerTok, `{"name":"Bring a reader","currency":"USD","commission":{"type":"percent","bps":2000},`+
		`"on":"membership","months":12,"attributionDays":30,"holdDays":30,"budget":{"amount":2000,"currency":"USD"}}`, 201), "id")
	infID := "usr_join_inf_" + run
	infTok := token(t, infID)
	deal := str(call(t, "POST", "/v1/programs/"+prg+"/deals", infTok, `{"pitch":"My readers love Go"}`, 201), "id")
	code := str(call(t, "POST", "/v1/deals/"+deal+"/approve", ownerTok, "", 200), "code")

	m := newTab(t)
	m.open("/r/"+code).sees("Join Gopher Weekly", "You came through a referral link", "No ads on Gopher Weekly's pages", "Deep dive", "$4.00 a month", "$40.00 a year", "Sign in to join")
	m.accessible("join-signed-out")
	m.signIn(memberID, "/console/signin?next="+url.QueryEscape("/console/c/"+com+"/join"))
	m.sees("Join Gopher Weekly", "You came through a referral link")
	m.accessible("join")
	m.press("Join: $4.00 a month").payOnStripe(harness.CardVisa)
	m.sees("Gopher Weekly · Member", "Active", "$4.00 a month", "Next payment $4.00", "Cancel membership", "Change tier")
	m.accessible("membership")
	m.open("/console/memberships").sees("Gopher Weekly", "Active")
	m.accessible("memberships")

	o := newTab(t)
	o.signIn(ownerID, "/console/communities/"+com+"/memberships").sees("Memberships · Gopher Weekly", "Member, $4.00 a month", "Active", "MRR $4.00")
	o.accessible("members")

	// The influencer sees the member they brought, by pseudonym, and the payment.
	i := newTab(t)
	i.signIn(infID, "/console/deals/"+deal).sees("This deal earns on memberships", "mbr_", "Active · Member, monthly", "First, from", "$4.00", "$0.80")
	i.accessible("deal-members")
}
