package tests

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// An Idempotency-Key never answers with another request's result. Deposit
// and payout ids come from the account and the key (so a retry whose
// idempotency record was lost still finds its object); the owner's token
// and the account's API key, or the same caller after the 24-hour window,
// reach that object with the same key. Only the same request replays it.
func TestIdempotency_AKeyReusedForAnotherDepositIsRefused(t *testing.T) {
	_, owner := newUser(t)
	c := decode[community](t, expect(t, do(t, call{method: "POST", path: "/v1/communities", auth: owner,
		body: `{"name":"Keyed","url":"https://keyed.example","currency":"USD"}`}), 201))
	com := "/v1/communities/" + c.ID
	key := createKey(t, owner, com).Secret
	k := fmt.Sprintf("shared-key-%d", time.Now().UnixNano())
	before := balanceOf(t, owner, com)
	first := decode[deposit](t, expect(t, do(t, depositCall(owner, com+"/deposits", k, `{"amount":1000,"currency":"USD"}`)), 201))

	// The same request from the other principal is the same deposit.
	same := decode[deposit](t, expect(t, do(t, depositCall(key, com+"/deposits", k, `{"amount":1000,"currency":"USD"}`)), 201))
	if same.ID != first.ID || same.Amount != 1000 {
		t.Fatalf("same request, other principal: %+v, first %+v", same, first)
	}
	// The community's server, another key the owner used, another amount:
	// refused, nothing credited.
	k2 := k + "-2"
	expect(t, do(t, depositCall(owner, com+"/deposits", k2, `{"amount":3000,"currency":"USD"}`)), 201)
	r := expect(t, do(t, depositCall(key, com+"/deposits", k2, `{"amount":5000,"currency":"USD"}`)), 422)
	if r.problem.Type == "" || r.problem.Detail == "" {
		t.Fatalf("problem: %s", r.body)
	}

	// After the idempotency window the key reaches the same deposit id:
	// another amount is refused, never answered with the old deposit.
	advance(t, 25*time.Hour)
	expect(t, do(t, depositCall(owner, com+"/deposits", k, `{"amount":2000,"currency":"USD"}`)), 422)
	if b := balanceOf(t, owner, com); b.Available != before.Available+4000 {
		t.Fatalf("balance %d → %d, want +1000 and +3000, once each", before.Available, b.Available)
	}
	verifyLedger(t)
}

func TestIdempotency_AKeyReusedForAnotherClaimIsRefused(t *testing.T) {
	w := earner(t, 2_000)
	p := decode[payoutView](t, expect(t, do(t, claimCall(w.infToken, "/v1/payouts", "claim-once", `{"amount":1000,"currency":"EUR"}`)), 202))
	advance(t, 25*time.Hour) // the idempotency record is gone; the payout id is not
	r := expect(t, do(t, claimCall(w.infToken, "/v1/payouts", "claim-once", `{"amount":1000,"currency":"EUR"}`)), 202)
	if got := decode[payoutView](t, r); got.ID != p.ID || got.Amount != 1000 {
		t.Fatalf("the same claim after the window: %+v", got)
	}
	expect(t, do(t, claimCall(w.infToken, "/v1/payouts", "claim-once", `{"amount":1001,"currency":"EUR"}`)), 422)
	if _, a, _ := w.earnings(t); a != 1_000 {
		t.Fatalf("available %d, want 1000: a refused claim moved money", a)
	}
	list := decode[struct{ Data []payoutView }](t, expect(t, do(t, call{method: "GET", path: "/v1/payouts", auth: w.infToken}), 200))
	if len(list.Data) != 1 {
		t.Fatalf("payouts: %+v", list.Data)
	}
	verifyLedger(t)
}

// A booking holds the price, so it needs an Idempotency-Key: the same key
// sent again (a retry after a timeout) answers the first booking and holds
// nothing more, concurrently too; without a key nothing is booked.
func TestIdempotency_ABookingIsHeldOnceHoweverOftenItIsSent(t *testing.T) {
	m := newMarket(t, 10_000)
	path := "/v1/offerings/" + m.offering.ID + "/sponsorships"
	body := bookBody(dayFromNow(t, 9))
	if r := expect(t, do(t, call{method: "POST", path: path, auth: m.advKey, body: body}), 400); !hasFieldError(r, "Idempotency-Key") {
		t.Fatalf("no key: %s", r.body)
	}
	key := idemKey(fmt.Sprintf("book-%d", time.Now().UnixNano()))
	var wg sync.WaitGroup
	ids := make([]string, 8)
	codes := make([]int, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := do(t, call{method: "POST", path: path, auth: m.advKey, body: body, headers: key})
			codes[i] = r.status
			if r.status == 201 {
				ids[i] = decode[sponsorshipView](t, r).ID
			}
		}()
	}
	wg.Wait()
	again := decode[sponsorshipView](t, expect(t, do(t, call{method: "POST", path: path, auth: m.advKey, body: body, headers: key}), 201))
	for i, id := range ids {
		if codes[i] != 201 && codes[i] != 409 || codes[i] == 201 && id != again.ID {
			t.Fatalf("attempt %d: %d %s, the booking is %s", i, codes[i], id, again.ID)
		}
	}
	if b := m.advBalance(t); b.Held != again.Amount {
		t.Fatalf("held %d for one booking of %d", b.Held, again.Amount)
	}
	verifyLedger(t)
}
