package tests

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

type payoutView struct {
	ID, OwnerKind, OwnerID, Currency, Destination, Status, Reason, Reference string
	Amount                                                                   int64
	Attempts                                                                 int
}

// earner is a referral world whose influencer has `cleared` available
// (20% of sales of 5 × cleared) and payouts set up with Stripe.
func earner(t *testing.T, cleared int64) referralWorld {
	t.Helper()
	w := newReferralWorld(t, 3_000)
	w.convert(t, conversionBody(w.deal.Code, "sale-"+w.deal.ID, "buyer-"+w.deal.ID, cleared*5), 201)
	advance(t, 7*24*time.Hour+time.Minute)
	if _, a, _ := w.earnings(t); a != cleared {
		t.Fatalf("available %d, want %d", a, cleared)
	}
	onboard(t, w.infToken)
	return w
}

func claimCall(token, path, key, body string) call {
	c := call{method: "POST", path: path, auth: token, body: body, headers: map[string]string{}}
	if key != "" {
		c.headers["Idempotency-Key"] = key
	}
	return c
}

func readPayout(t *testing.T, token, id string) payoutView {
	t.Helper()
	events(t, "PayoutRequested") // settles the outbox and the bus: the worker has run
	return decode[payoutView](t, expect(t, do(t, call{method: "GET", path: "/v1/payouts/" + id, auth: token}), 200))
}

func railFail(t *testing.T, count int, mode string) {
	t.Helper()
	expect(t, do(t, call{method: "POST", path: "/local/rail/fail", body: fmt.Sprintf(`{"count":%d,"mode":%q}`, count, mode)}), 200)
}

// Claim rules, then the whole path: claimed (202, in transit), paid by the
// worker through Stripe (stripe-mock), earnings show it paid; the same
// Idempotency-Key claims once.
func TestPayouts_ClaimRulesAndPaid(t *testing.T) {
	w := newReferralWorld(t, 3_000)
	w.convert(t, conversionBody(w.deal.Code, "sale-1", "buyer-1", 10_000), 201) // 2,000
	advance(t, 7*24*time.Hour+time.Minute)

	// Hand-typed destinations: validated, read back masked.
	for _, bad := range []string{`{"type":"paypal","accountId":"acct_1SouqTest4242"}`, `{"type":"stripe","accountId":"ba_12"}`, `{"type":"stripe"}`, `{"type":"stripe","accountId":"acct_1SouqTest4242","x":1}`} {
		expect(t, do(t, call{method: "PUT", path: "/v1/me/payout-destination", auth: w.infToken, body: bad}), 400)
	}
	expect(t, do(t, call{method: "GET", path: "/v1/me/payout-destination", auth: w.infToken}), 404)
	// No payout account yet: a clear 409, nothing moves.
	if c := refusalCode(t, do(t, claimCall(w.infToken, "/v1/payouts", "first", `{"amount":1500,"currency":"EUR"}`))); c != "no_payout_account" {
		t.Fatalf("no account: code %q", c)
	}
	d := decode[struct{ Type, AccountID string }](t, expect(t, do(t, call{method: "PUT", path: "/v1/me/payout-destination", auth: w.infToken, body: `{"type":"stripe","accountId":"acct_1SouqTest4242"}`}), 200))
	if d.AccountID != "acct_••••4242" || strings.Contains(string(expect(t, do(t, call{method: "GET", path: "/v1/me/payout-destination", auth: w.infToken}), 200).body), "SouqTest") {
		t.Fatalf("the destination is not masked: %+v", d)
	}
	// A typed id is no way around onboarding: Stripe never enabled it.
	if c := refusalCode(t, do(t, claimCall(w.infToken, "/v1/payouts", "first", `{"amount":1500,"currency":"EUR"}`))); c != "payouts_not_enabled" {
		t.Fatalf("a typed id: code %q", c)
	}
	acct := onboard(t, w.infToken)
	// Refusals: no key, below the program's minimum (1,000), above
	// available, another currency, a bad amount.
	expect(t, do(t, claimCall(w.infToken, "/v1/payouts", "", `{"amount":1500,"currency":"EUR"}`)), 400)
	if r := expect(t, do(t, claimCall(w.infToken, "/v1/payouts", "below", `{"amount":999,"currency":"EUR"}`)), 400); !hasFieldError(r, "amount") {
		t.Fatalf("below the minimum: %s", r.body)
	}
	expect(t, do(t, claimCall(w.infToken, "/v1/payouts", "above", `{"amount":2001,"currency":"EUR"}`)), 422)
	expect(t, do(t, claimCall(w.infToken, "/v1/payouts", "usd", `{"amount":1500,"currency":"USD"}`)), 400)
	expect(t, do(t, claimCall(w.infToken, "/v1/payouts", "str", `{"amount":"1500","currency":"EUR"}`)), 400)
	if _, a, _ := w.earnings(t); a != 2_000 {
		t.Fatalf("refused claims moved money: %d", a)
	}

	p := decode[payoutView](t, expect(t, do(t, claimCall(w.infToken, "/v1/payouts", "first", `{"amount":1500,"currency":"EUR"}`)), 202))
	if p.Status != "pending" || p.OwnerKind != "influencer" || p.Destination != mask(acct) {
		t.Fatalf("claimed: %+v", p)
	}
	again := decode[payoutView](t, expect(t, do(t, claimCall(w.infToken, "/v1/payouts", "first", `{"amount":1500,"currency":"EUR"}`)), 202))
	expect(t, do(t, claimCall(w.infToken, "/v1/payouts", "first", `{"amount":1600,"currency":"EUR"}`)), 422)
	if again.ID != p.ID {
		t.Fatalf("the same key, another payout: %+v", again)
	}
	if got := readPayout(t, w.infToken, p.ID); got.Status != "paid" || !strings.HasPrefix(got.Reference, "tr_") || got.Attempts != 1 {
		t.Fatalf("paid: %+v", got)
	}
	if n := countEventsFor(t, "PayoutPaid", "payoutId", p.ID); n != 1 {
		t.Fatalf("PayoutPaid %d times", n)
	}
	e := decode[earnings](t, expect(t, do(t, call{method: "GET", path: "/v1/me/earnings", auth: w.infToken}), 200))
	if len(e.Balances) != 1 || e.Balances[0].Available != 500 || e.Balances[0].Paid != 1_500 {
		t.Fatalf("earnings: %+v", e)
	}
	list := decode[struct{ Data []payoutView }](t, expect(t, do(t, call{method: "GET", path: "/v1/payouts", auth: w.infToken}), 200))
	if len(list.Data) != 1 || list.Data[0].ID != p.ID {
		t.Fatalf("list: %+v", list)
	}
	_, stranger := newUser(t)
	expect(t, do(t, call{method: "GET", path: "/v1/payouts/" + p.ID, auth: stranger}), 404)
	verifyLedger(t)
}

// A rail that declines: failed, the reason given, the funds back. A rail
// that times out twice: paid once all the same.
func TestPayouts_DeclineAndTimeouts(t *testing.T) {
	w := earner(t, 2_000)
	railFail(t, 1, "decline")
	p := decode[payoutView](t, expect(t, do(t, claimCall(w.infToken, "/v1/payouts", "try-1", `{"amount":2000,"currency":"EUR"}`)), 202))
	if got := readPayout(t, w.infToken, p.ID); got.Status != "failed" || got.Reason == "" {
		t.Fatalf("declined: %+v", got)
	}
	if _, a, _ := w.earnings(t); a != 2_000 {
		t.Fatalf("the funds are back: %d", a)
	}
	if countEventsFor(t, "PayoutFailed", "payoutId", p.ID) != 1 {
		t.Fatal("PayoutFailed once")
	}
	railFail(t, 2, "timeout")
	p2 := decode[payoutView](t, expect(t, do(t, claimCall(w.infToken, "/v1/payouts", "try-2", `{"amount":2000,"currency":"EUR"}`)), 202))
	if got := readPayout(t, w.infToken, p2.ID); got.Status != "paid" {
		t.Fatalf("after two timeouts: %+v", got)
	}
	if countEventsFor(t, "PayoutPaid", "payoutId", p2.ID) != 1 {
		t.Fatal("PayoutPaid once")
	}
	verifyLedger(t)
}

// A claimed payout is in transit until the bank has it (DESIGN §16: a
// claim never vanishes from every total): paid, it is in transit no more
// and counts as paid; declined, it is back in available. (The figure
// between the claim and the payment is the ledger's transit account,
// which the payouts and referrals suites read while the worker has not
// run; here the worker runs at once.)
func TestPayouts_InTransitUntilPaid(t *testing.T) {
	w := earner(t, 3_000)
	inf := func() (available, inTransit, paid int64) {
		e := decode[earnings](t, expect(t, do(t, call{method: "GET", path: "/v1/me/earnings", auth: w.infToken}), 200))
		for _, b := range e.Balances {
			if b.Currency == "EUR" {
				return b.Available, b.InTransit, b.Paid
			}
		}
		t.Fatalf("no EUR earnings: %+v", e)
		return
	}
	p := decode[payoutView](t, expect(t, do(t, claimCall(w.infToken, "/v1/payouts", "transit-1", `{"amount":1500,"currency":"EUR"}`)), 202))
	events(t, "PayoutPaid")
	if got := readPayout(t, w.infToken, p.ID); got.Status != "paid" {
		t.Fatalf("claimed: %+v", got)
	}
	if a, tr, paid := inf(); a != 1_500 || tr != 0 || paid != 1_500 {
		t.Fatalf("paid: available %d, in transit %d, paid %d; want 1,500, 0, 1,500", a, tr, paid)
	}
	railFail(t, 1, "decline")
	expect(t, do(t, claimCall(w.infToken, "/v1/payouts", "transit-2", `{"amount":1000,"currency":"EUR"}`)), 202)
	settle(t)
	if a, tr, paid := inf(); a != 1_500 || tr != 0 || paid != 1_500 {
		t.Fatalf("declined: available %d, in transit %d, paid %d; want 1,500 (the 10.00 back), 0, 1,500", a, tr, paid)
	}
	verifyLedger(t)
}

// Five claims at once against funds for two: exactly two are accepted.
func TestPayouts_ConcurrentClaims(t *testing.T) {
	w := earner(t, 2_000)
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := do(t, claimCall(w.infToken, "/v1/payouts", fmt.Sprint("c-", i), `{"amount":1000,"currency":"EUR"}`))
			mu.Lock()
			codes[r.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[202] != 2 || codes[422] != 3 {
		t.Fatalf("%v, want two 202 and three 422", codes)
	}
	events(t, "PayoutPaid")
	if _, a, _ := w.earnings(t); a != 0 {
		t.Fatalf("available %d", a)
	}
	verifyLedger(t)
}

// A community's owner claims its balance; money it deposited by card is
// paid out only once no card network can take it back (120 days).
//
// Not parallel: it moves the platform's clock by months.
func TestPayouts_CommunityEarnings(t *testing.T) {
	w := newReferralWorld(t, 1_000) // 10,000 deposited, 1,000 in the budget
	onboard(t, w.ownerToken)
	expect(t, do(t, claimCall(w.infToken, "/v1/communities/"+w.com+"/payouts", "x", `{"amount":1000,"currency":"EUR"}`)), 404)
	expect(t, do(t, claimCall(w.ownerToken, "/v1/communities/"+w.com+"/payouts", "y", `{"amount":1000,"currency":"USD"}`)), 400)
	expect(t, do(t, claimCall(w.ownerToken, "/v1/communities/"+w.com+"/payouts", "z", `{"amount":9001,"currency":"EUR"}`)), 422)
	r := expect(t, do(t, claimCall(w.ownerToken, "/v1/communities/"+w.com+"/payouts", "too-soon", `{"amount":9000,"currency":"EUR"}`)), 422)
	if !strings.Contains(r.problem.Detail, "card deposits") {
		t.Fatalf("card funds paid out: %s", r.body)
	}
	advance(t, 121*24*time.Hour)
	p := decode[payoutView](t, expect(t, do(t, claimCall(w.ownerToken, "/v1/communities/"+w.com+"/payouts", "owner-1", `{"amount":9000,"currency":"EUR"}`)), 202))
	if got := readPayout(t, w.ownerToken, p.ID); got.Status != "paid" || got.OwnerKind != "community" || got.OwnerID != w.com {
		t.Fatalf("community payout: %+v", got)
	}
	if b := balanceOf(t, w.comKey, "/v1/communities/"+w.com); b.Available != 0 || b.Held != 1_000 {
		t.Fatalf("community balance: %+v", b)
	}
	verifyLedger(t)
}
