package tests

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

type programView struct {
	ID, CommunityID, Name, Currency, Status string
	AttributionDays, HoldDays               int
	Budget                                  *struct {
		Funded, Remaining, Committed struct{ Amount int64 }
		Closed                       bool
	}
}

type dealView struct {
	ID, ProgramID, InfluencerID, Status, Code, Link string
	Terms                                           *struct {
		Type string
		Bps  int64
	}
	Stats *struct {
		Clicks, BotClicks, Conversions                           int64
		CommissionPending, CommissionCleared, CommissionReversed int64
		ConversionRate                                           float64
	}
}

type conversionView struct {
	ID, Status, Reason, DealID, ClickID string
	Commission, CommissionReversed      struct{ Amount int64 }
	Clawback                            struct{ Amount int64 }
}

type earnings struct {
	Balances []struct {
		Currency                                  string
		Pending, Available, Paid, InTransit, Owed int64
	}
}

// referralWorld is a community (EUR) with 10,000 deposited and a program
// (20%, 30-day window, 7-day hold, budget 3,000), its owner, the
// community's key, and an influencer with an approved deal.
type referralWorld struct {
	ownerToken, com, comKey string
	program                 programView
	infID, infToken         string
	deal                    dealView
}

func newReferralWorld(t *testing.T, budget int64) referralWorld {
	t.Helper()
	var w referralWorld
	_, w.ownerToken = newUser(t)
	w.com = createCommunity(t, w.ownerToken).ID
	w.comKey = createKey(t, w.ownerToken, "/v1/communities/"+w.com).Secret
	expect(t, do(t, depositCall(w.ownerToken, "/v1/communities/"+w.com+"/deposits", "fund-"+w.com, `{"amount":10000,"currency":"EUR"}`)), 201)
	events(t, "CommunityCreated") // referrals learns of communities by event
	w.program = decode[programView](t, expect(t, do(t, call{method: "POST", headers: freshKey(), path: "/v1/communities/" + w.com + "/programs", auth: w.ownerToken,
		body: fmt.Sprintf(`{"name":"Bring a Rustacean","currency":"EUR","commission":{"type":"percent","bps":2000},"attributionDays":30,"holdDays":7,`+
			`"minimumPayout":{"amount":1000,"currency":"EUR"},"budget":{"amount":%d,"currency":"EUR"}}`, budget)}), 201))
	w.infID, w.infToken = newUser(t)
	d := decode[dealView](t, expect(t, do(t, call{method: "POST", path: "/v1/programs/" + w.program.ID + "/deals", auth: w.infToken, body: `{"pitch":"I stream Rust every week"}`}), 201))
	w.deal = decode[dealView](t, expect(t, do(t, call{method: "POST", path: "/v1/deals/" + d.ID + "/approve", auth: w.ownerToken}), 200))
	return w
}

func (w referralWorld) convert(t *testing.T, body string, status int) conversionView {
	t.Helper()
	r := expect(t, do(t, call{method: "POST", path: "/v1/conversions", auth: w.comKey, body: body}), status)
	if status >= 400 {
		return conversionView{}
	}
	return decode[conversionView](t, r)
}

func conversionBody(code, ext, customer string, amount int64) string {
	return fmt.Sprintf(`{"code":%q,"externalId":%q,"amount":%d,"currency":"EUR","customerId":%q}`, code, ext, amount, customer)
}

func (w referralWorld) earnings(t *testing.T) (pending, available, owed int64) {
	t.Helper()
	e := decode[earnings](t, expect(t, do(t, call{method: "GET", path: "/v1/me/earnings", auth: w.infToken}), 200))
	for _, b := range e.Balances {
		if b.Currency == "EUR" {
			return b.Pending, b.Available, b.Owed
		}
	}
	return 0, 0, 0
}

// The whole referral path over HTTP with the platform's clock: program,
// apply, approve, click, convert, duplicate, reverse, clear, earnings.
func TestReferrals_ProgramDealClickConvertReverseClear(t *testing.T) {
	w := newReferralWorld(t, 3_000)
	if b := balanceOf(t, w.comKey, "/v1/communities/"+w.com); b.Available != 7_000 || b.Held != 3_000 {
		t.Fatalf("the budget is held: %+v", b)
	}
	// Public discovery shows the summary, not the budget.
	pub := decode[struct{ Data []programView }](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + w.com + "/programs"}), 200))
	if len(pub.Data) != 1 || pub.Data[0].ID != w.program.ID || pub.Data[0].Budget != nil {
		t.Fatalf("public list: %s", expect(t, do(t, call{method: "GET", path: "/v1/communities/" + w.com + "/programs"}), 200).body)
	}
	d := w.deal
	if d.Status != "approved" || len(d.Code) != 12 || !strings.HasSuffix(d.Link, "/r/"+d.Code) || d.Terms == nil || d.Terms.Bps != 2000 {
		t.Fatalf("approved deal: %+v", d)
	}

	// A click: 302 to the community with ref and click; no raw IP kept.
	r := do(t, call{method: "GET", path: "/r/" + strings.ToUpper(d.Code), headers: map[string]string{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"}})
	if r.status != 302 {
		t.Fatalf("click: %d %s", r.status, r.body)
	}
	loc, _ := url.Parse(r.header.Get("Location"))
	click := loc.Query().Get("click")
	if loc.Host != "rust.example" || loc.Query().Get("ref") != d.Code || !strings.HasPrefix(click, "clk_") {
		t.Fatalf("redirect: %s", loc)
	}
	expect(t, do(t, call{method: "GET", path: "/r/no-such-code"}), 404)
	do(t, call{method: "GET", path: "/r/" + d.Code, headers: map[string]string{"User-Agent": "Googlebot/2.1"}})

	// Conversions: by click, by code; the same externalId replays.
	c1 := w.convert(t, fmt.Sprintf(`{"clickId":%q,"externalId":"order-1","amount":10000,"currency":"EUR","customerId":"cust-1"}`, click), 201)
	if c1.Status != "pending" || c1.Commission.Amount != 2_000 || c1.ClickID != click {
		t.Fatalf("by click: %+v", c1)
	}
	again := w.convert(t, fmt.Sprintf(`{"clickId":%q,"externalId":"order-1","amount":10000,"currency":"EUR","customerId":"cust-1"}`, click), 200)
	if again.ID != c1.ID {
		t.Fatalf("replay: %+v", again)
	}
	w.convert(t, fmt.Sprintf(`{"clickId":%q,"externalId":"order-1","amount":9999,"currency":"EUR","customerId":"cust-1"}`, click), 409)
	c2 := w.convert(t, conversionBody(d.Code, "order-2", "cust-2", 5_000), 201) // 1,000
	self := w.convert(t, conversionBody(d.Code, "order-3", w.infID, 5_000), 201)
	repeat := w.convert(t, conversionBody(d.Code, "order-4", "cust-2", 5_000), 201)
	if self.Commission.Amount != 0 || self.Reason != "self_referral" || repeat.Commission.Amount != 0 || repeat.Reason != "repeat_customer" {
		t.Fatalf("self %+v, repeat %+v", self, repeat)
	}
	// Bad reports are 4xx and record nothing.
	for _, bad := range []string{
		`{"externalId":"x","amount":1,"currency":"EUR","customerId":"c"}`,
		`{"code":"` + d.Code + `","externalId":"x","amount":-1,"currency":"EUR","customerId":"c"}`,
		`{"code":"` + d.Code + `","externalId":"x","amount":"1","currency":"EUR","customerId":"c"}`,
		`{"code":"` + d.Code + `","externalId":"x","amount":1,"currency":"USD","customerId":"c"}`,
		`{"code":"` + d.Code + `","externalId":"","amount":1,"currency":"EUR","customerId":"c"}`,
		`{"code":"` + d.Code + `","externalId":"x","amount":1,"currency":"EUR","customerId":"c","tip":1}`,
	} {
		w.convert(t, bad, 400)
	}
	expect(t, do(t, call{method: "POST", path: "/v1/conversions", auth: w.ownerToken, body: conversionBody(d.Code, "x", "c", 1)}), 403)
	if p, a, _ := w.earnings(t); p != 3_000 || a != 0 {
		t.Fatalf("pending earnings: %d %d", p, a)
	}

	// Reverse half of c2 within the hold: 500 back to the budget.
	rv := decode[conversionView](t, expect(t, do(t, call{method: "POST", path: "/v1/conversions/" + c2.ID + "/reverse", auth: w.comKey, body: `{"amount":2500}`, headers: idemKey("rev-c2-1")}), 200))
	if rv.CommissionReversed.Amount != 500 {
		t.Fatalf("reversed: %+v", rv)
	}
	expect(t, do(t, call{method: "POST", path: "/v1/conversions/" + c2.ID + "/reverse", auth: w.comKey, body: `{"amount":2501}`, headers: idemKey("rev-c2-2")}), 400)
	// A refund moves money: without a key it is refused, and the same key
	// sent again after a timeout replays the first answer, refunding once.
	if r := expect(t, do(t, call{method: "POST", path: "/v1/conversions/" + c2.ID + "/reverse", auth: w.comKey, body: `{"amount":100}`}), 400); !hasFieldError(r, "Idempotency-Key") {
		t.Fatalf("no key: %s", r.body)
	}
	redo := decode[conversionView](t, expect(t, do(t, call{method: "POST", path: "/v1/conversions/" + c2.ID + "/reverse", auth: w.comKey, body: `{"amount":2500}`, headers: idemKey("rev-c2-1")}), 200))
	if redo.CommissionReversed.Amount != 500 {
		t.Fatalf("the retried refund reversed again: %+v", redo)
	}
	expect(t, do(t, call{method: "POST", path: "/v1/conversions/" + c2.ID + "/reverse", auth: w.comKey, body: `{"amount":10}`, headers: idemKey("rev-c2-1")}), 422)

	// The hold period ends on the platform's clock: the commissions clear.
	advance(t, 7*24*time.Hour+time.Minute)
	if p, a, _ := w.earnings(t); p != 0 || a != 2_500 {
		t.Fatalf("cleared earnings: pending %d, available %d", p, a)
	}
	// A refund after clearing is a clawback: owed, not taken from the balance.
	cb := decode[conversionView](t, expect(t, do(t, call{method: "POST", path: "/v1/conversions/" + c1.ID + "/reverse", auth: w.comKey, headers: idemKey("rev-c1")}), 200))
	if cb.Status != "reversed" || cb.Clawback.Amount != 2_000 {
		t.Fatalf("clawback: %+v", cb)
	}
	if _, a, owed := w.earnings(t); a != 2_500 || owed != 2_000 {
		t.Fatalf("after the clawback: available %d, owed %d", a, owed)
	}

	// The influencer's and the owner's reads.
	got := decode[dealView](t, expect(t, do(t, call{method: "GET", path: "/v1/deals/" + d.ID, auth: w.infToken}), 200))
	if got.Stats.Clicks != 1 || got.Stats.BotClicks != 1 || got.Stats.Conversions != 4 || got.Stats.CommissionCleared != 2_500 {
		t.Fatalf("deal stats: %+v", got.Stats)
	}
	rep := decode[struct {
		Program programView
		Deals   []dealView
	}](t, expect(t, do(t, call{method: "GET", path: "/v1/programs/" + w.program.ID + "/report", auth: w.ownerToken}), 200))
	if rep.Program.Budget == nil || rep.Program.Budget.Committed.Amount != 2_500 || len(rep.Deals) != 1 || rep.Deals[0].Stats.Conversions != 4 {
		t.Fatalf("report: %+v", rep)
	}
	for _, dt := range []string{"ConversionRecorded", "CommissionAccrued", "CommissionReversed", "CommissionCleared"} {
		if n := countEventsFor(t, dt, "dealId", d.ID); n == 0 {
			t.Errorf("no %s for the deal", dt)
		}
	}
	if countEventsFor(t, "DealApproved", "dealId", d.ID) != 1 {
		t.Error("DealApproved once")
	}
	verifyLedger(t)
}

// 100 conversions at once against a budget that covers 30 (100 each of
// 3,000): exactly 30 earn, the rest are recorded with the reason; then the
// same externalId sent ten times at once is one conversion.
func TestReferrals_ConcurrentConversionsAgainstTheBudget(t *testing.T) {
	w := newReferralWorld(t, 3_000)
	var wg sync.WaitGroup
	var mu sync.Mutex
	earned, short := 0, 0
	sem := make(chan struct{}, 20)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r := do(t, call{method: "POST", path: "/v1/conversions", auth: w.comKey, body: conversionBody(w.deal.Code, fmt.Sprint("o-", i), fmt.Sprint("c-", i), 500)})
			c := decode[conversionView](t, r)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case r.status == 201 && c.Commission.Amount == 100 && c.Status == "pending":
				earned++
			case r.status == 201 && c.Commission.Amount == 0 && c.Reason == "budget_exhausted":
				short++
			default:
				t.Errorf("conversion %d: %d %s", i, r.status, r.body)
			}
		}()
	}
	wg.Wait()
	if earned != 30 || short != 70 {
		t.Fatalf("%d earned, %d short; want 30 and 70", earned, short)
	}
	if p, _, _ := w.earnings(t); p != 3_000 {
		t.Fatalf("pending %d, want the whole budget", p)
	}
	if n := countEventsFor(t, "ProgramBudgetExhausted", "programId", w.program.ID); n != 1 {
		t.Fatalf("the owner was told %d times, want once", n)
	}

	statuses, ids := map[int]int{}, map[string]bool{}
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := do(t, call{method: "POST", path: "/v1/conversions", auth: w.comKey, body: conversionBody(w.deal.Code, "same-order", "c-same", 500)})
			mu.Lock()
			defer mu.Unlock()
			statuses[r.status]++
			ids[decode[conversionView](t, r).ID] = true
		}()
	}
	wg.Wait()
	if len(ids) != 1 || statuses[201] != 1 || statuses[200] != 9 {
		t.Fatalf("the same externalId ten times: %v, %d conversions", statuses, len(ids))
	}
	verifyLedger(t)
}

// Per-object authorization: strangers get 404; each side's decisions are
// its own.
func TestReferrals_Authorization(t *testing.T) {
	w := newReferralWorld(t, 1_000)
	_, stranger := newUser(t)
	expect(t, do(t, call{method: "GET", path: "/v1/deals/" + w.deal.ID, auth: stranger}), 404)
	expect(t, do(t, call{method: "POST", path: "/v1/deals/" + w.deal.ID + "/end", auth: stranger}), 404)
	expect(t, do(t, call{method: "GET", path: "/v1/programs/" + w.program.ID + "/report", auth: stranger}), 404)
	expect(t, do(t, call{method: "POST", path: "/v1/programs/" + w.program.ID + "/close", auth: stranger}), 404)
	expect(t, do(t, call{method: "POST", path: "/v1/programs/" + w.program.ID + "/close", auth: w.infToken}), 404)
	expect(t, do(t, call{method: "POST", path: "/v1/deals/" + w.deal.ID + "/end", auth: w.infToken}), 403)
	expect(t, do(t, call{method: "GET", path: "/v1/me/earnings"}), 401)
	c := w.convert(t, conversionBody(w.deal.Code, "o-1", "c-1", 1_000), 201)
	other := newReferralWorld(t, 1_000)
	expect(t, do(t, call{method: "POST", path: "/v1/conversions/" + c.ID + "/reverse", auth: other.comKey, headers: idemKey("rev-other")}), 404)
	expect(t, do(t, call{method: "GET", path: "/v1/conversions/" + c.ID, auth: other.comKey}), 404)
	expect(t, do(t, call{method: "POST", path: "/v1/conversions", auth: other.comKey, body: conversionBody(w.deal.Code, "o-9", "c-9", 1_000)}), 404)
	// An ended deal's link still lands, and attributes nothing.
	expect(t, do(t, call{method: "POST", path: "/v1/deals/" + w.deal.ID + "/end", auth: w.ownerToken}), 200)
	if r := do(t, call{method: "GET", path: "/r/" + w.deal.Code, headers: map[string]string{"User-Agent": browserUA(0)}}); r.status != 302 || strings.Contains(r.header.Get("Location"), "click=") {
		t.Fatalf("an ended deal's link: %d %s", r.status, r.header.Get("Location"))
	}
	if late := w.convert(t, conversionBody(w.deal.Code, "o-2", "c-2", 1_000), 201); late.Commission.Amount != 0 || late.Reason != "deal_not_active" {
		t.Fatalf("after the end: %+v", late)
	}
	verifyLedger(t)
}
