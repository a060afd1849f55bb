package browser

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/souqhq/souq/tests/harness"
)

func call(t *testing.T, method, path, tok, body string, want int) map[string]any {
	t.Helper()
	return harness.Call(t, method, path, tok, body, want)
}

func token(t *testing.T, userID string) string {
	t.Helper()
	return call(t, "POST", "/local/tokens", "", `{"userId":"`+userID+`"}`, 200)["token"].(string)
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func num(m map[string]any, k string) int64 { f, _ := m[k].(float64); return int64(f) }

func settle(t *testing.T) { call(t, "GET", "/local/events?detailType=none", "", "", 200) }

// fund deposits into an account through the API with a test card saved
// for it first on the local Stripe's Checkout (DESIGN §15: without a card,
// a deposit waits on Checkout). path is /v1/advertisers/adv_… or
// /v1/communities/com_…; each account is funded once here.
func fund(t *testing.T, tok, path string, amount int64, currency string) {
	t.Helper()
	harness.SaveCard(t, tok, path, harness.CardVisa)
	d := call(t, "POST", path+"/deposits", tok, fmt.Sprintf(`{"amount":%d,"currency":%q,"method":"saved"}`, amount, currency), 201)
	if str(d, "status") != "succeeded" {
		t.Fatalf("a deposit with the saved card: %v", d)
	}
}

var run = time.Now().Format("150405")

// The named path of the issue, in a real browser: sign in, book as an
// advertiser, request changes as the owner, revise, approve, publish; an
// influencer applies, is approved, a conversion clears, Claim payout,
// paid. Each tab fails the test on a JavaScript error or a CSP violation.
func TestConsole_EndToEnd(t *testing.T) {
	ownerID, advID, infID := "usr_e2e_owner_"+run, "usr_e2e_adv_"+run, "usr_e2e_inf_"+run
	ownerTok, advTok, infTok := token(t, ownerID), token(t, advID), token(t, infID)
	com := call(t, "POST", "/v1/communities", ownerTok, `{"name":"Gopher Weekly","url":"https://gophers.example","currency":"USD"}`, 201)
	adv := call(t, "POST", "/v1/advertisers", advTok, `{"name":"Acme","currency":"USD"}`, 201)
	settle(t)
	off := call(t, "POST", "/v1/communities/"+str(com, "id")+"/offerings", ownerTok, `{"title":"Newsletter feature","format":"newsletter","amount":4900,"currency":"USD","reviewDays":3}`, 201)
	fund(t, ownerTok, "/v1/communities/"+str(com, "id"), 50000, "USD")

	// The sign-in page itself.
	a := newTab(t)
	a.open("/console/advertisers/" + str(adv, "id"))
	a.accessible("signin")
	a.signIn(advID, "/console/advertisers/"+str(adv, "id"))
	a.sees("Acme", "Wallet")
	a.accessible("advertiser")
	a.open("/console/advertisers/" + str(adv, "id") + "/wallet").press("Add a card").payOnStripe(harness.CardVisa).sees("Card saved.")
	a.fill("Amount (USD)", "100").press("Add funds").sees("Payment received: $100.00 added.")
	date := plat.Clock.Now().UTC().AddDate(0, 0, 10).Format("2006-01-02")
	a.open("/console/offerings/"+str(off, "id")).fill("Desired date", date).fill("Title", "Try Acme").
		fill("Body", "Acme makes everything better.").fill("Link", "https://acme.example/launch").press("Book")
	a.sees("Booked: the price is held", "Pending review", "$49.00")
	spn := a.location()[strings.LastIndex(a.location(), "/")+1:]

	o := newTab(t)
	o.signIn(ownerID, "/console/sponsorships/"+spn).sees("Try Acme", "Approve", "Request changes", "Reject")
	o.accessible("sponsorship-review")
	o.fill("Notes for the sponsor", "A shorter title, please.").press("Request changes").sees("Changes requested: the sponsor has been told.")

	a.open("/console/sponsorships/"+spn).sees("A shorter title, please.").fill("Title", "Acme").press("Send revision")
	a.sees("Revised: a new version is in review.", "Version 1 (before)", "Version 2 (now)")

	o.open("/console/sponsorships/" + spn).press("Approve").sees("Approved: the price is captured")
	o.fill("Where it is published", "https://gophers.example/posts/acme").press("Publish").sees("Published: the community is paid.")
	s := call(t, "GET", "/v1/sponsorships/"+spn, ownerTok, "", 200)
	if str(s, "status") != "published" || num(s, "version") != 2 {
		t.Fatalf("the sponsorship after the browser's steps: %v", s)
	}
	o.open("/console/").sees("Home", "$544.10") // 500.00 deposited, and 49.00 less the 10% fee
	o.accessible("home")

	// The influencer's path.
	prg := call(t, "POST", "/v1/communities/"+str(com, "id")+"/programs", ownerTok,
		`{"name":"Friends of Gophers","currency":"USD","commission":{"type":"percent","bps":1000},"attributionDays":30,"holdDays":7,"minimumPayout":{"amount":0,"currency":"USD"},"budget":{"amount":20000,"currency":"USD"}}`, 201)
	i := newTab(t)
	i.signIn(infID, "/console/programs/"+str(prg, "id")).sees("Friends of Gophers")
	i.fill("Your pitch", "I write about Go.").press("Apply").sees("Applied: the community will decide.")
	deal := i.location()[strings.LastIndex(i.location(), "/")+1:]
	o.open("/console/programs/" + str(prg, "id")).sees("I write about Go.").press("Approve").sees("Approved: the influencer's code is")
	o.accessible("program")
	i.open("/console/deals/"+deal).sees("Your link", "Copy")
	i.accessible("deal")
	code := str(call(t, "GET", "/v1/deals/"+deal, infTok, "", 200), "code")
	key := call(t, "POST", "/v1/communities/"+str(com, "id")+"/api-keys", ownerTok, `{"name":"shop"}`, 201)
	call(t, "POST", "/v1/conversions", str(key, "secret"), fmt.Sprintf(`{"code":%q,"externalId":"order-1","amount":100000,"currency":"USD","customerId":"c1"}`, code), 201)
	b, _ := json.Marshal(map[string]int64{"seconds": 8 * 24 * 3600})
	call(t, "POST", "/local/clock/advance", "", string(b), 200) // the hold passes; the console renews tokens itself

	i.open("/console/payouts").press("Set up payouts").press("Complete").sees("Payouts are set up", "Ready")
	i.accessible("payouts")
	i.press("Claim payout").sees("Payout of $100.00 claimed")
	call(t, "POST", "/local/clock/advance", "", `{"seconds":60}`, 200)
	l := call(t, "GET", "/v1/payouts", infTok, "", 200)["data"].([]any)
	if len(l) != 1 || l[0].(map[string]any)["status"] != "paid" || num(l[0].(map[string]any), "amount") != 10000 {
		t.Fatalf("payouts after Claim payout: %v", l)
	}
	i.open("/console/payouts").sees("Paid", "$100.00")
}

// The watch that every tab keeps is real: an inline script that the
// console's CSP refuses is reported (and cleared here, so that this test
// passes only because it was seen).
func TestWatch_ReportsACSPViolation(t *testing.T) {
	b := newTab(t)
	b.open("/console/signed-out")
	b.do(chromedp.Evaluate[chromedp.Void](`(() => { const s = document.createElement("script"); s.textContent = "1"; document.body.appendChild(s); })()`))
	deadline := time.Now().Add(5 * time.Second)
	for {
		b.mu.Lock()
		n := len(b.bad)
		seen := n > 0 && strings.Contains(strings.Join(b.bad, " "), "Content Security Policy")
		if seen || time.Now().After(deadline) {
			b.bad = nil
		}
		b.mu.Unlock()
		if seen {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("an inline script refused by the CSP was not reported")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
