package tests

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"fmt"
	mathbig "math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/souqhq/souq/tests/harness"
)

type moneyView struct {
	Amount   int64
	Currency string
}

type membershipView struct {
	ID, CommunityID, UserID, TierID, TierName, Interval, Status string
	CheckoutURL, ActionURL, EndedReason                         string
	Benefits                                                    []string
	Price                                                       moneyView
	CurrentPeriodStart, CurrentPeriodEnd                        time.Time
	TrialEnd                                                    *time.Time
	CancelAtPeriodEnd                                           bool
	NextPayment                                                 *struct {
		At     time.Time
		Amount moneyView
	}
	ScheduledChange *struct {
		TierID, Interval string
		At               time.Time
	}
	Failure *struct {
		Reason      string
		Attempts    int
		NextRetryAt *time.Time
	}
	Payments []struct {
		ID, Kind                     string
		Amount, Share, Fee, Refunded moneyView
		PeriodStart, PeriodEnd       time.Time
		Proration                    *prorationView
	}
	Proration *prorationView
}

type prorationView struct {
	Charge, OldPart, NewPart, RemainingSeconds, PeriodSeconds int64
}

// memberWorld is a community selling three tiers, and its owner.
type memberWorld struct {
	owner, com               string
	supporter, patron, basic string // trial 14 days 5.00/50.00; 15.00 monthly; 3.00 monthly
}

func newMemberWorld(t *testing.T) memberWorld {
	t.Helper()
	owner, com := newCommunityForSlots(t)
	w := memberWorld{owner: owner, com: com}
	mk := func(body string) string {
		return decode[tierView](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/tiers", auth: owner, body: body}), 201)).ID
	}
	w.supporter = mk(supporterTier)
	w.patron = mk(`{"name":"Patron","benefits":["ad_free","patron_badge"],"prices":[{"interval":"month","amount":{"amount":1500,"currency":"EUR"}}]}`)
	w.basic = mk(`{"name":"Basic","benefits":["ad_free"],"prices":[{"interval":"month","amount":{"amount":300,"currency":"EUR"}}]}`)
	return w
}

// member is a new person with a saved card.
func member(t *testing.T, card string) (userID, token string) {
	t.Helper()
	userID, token = newUser(t)
	if card != "" {
		harness.SaveCard(t, token, "/v1/me", card)
	}
	return userID, token
}

func (w memberWorld) join(t *testing.T, token, tier, interval string, status int) reply {
	t.Helper()
	return expect(t, do(t, call{method: "POST", path: "/v1/communities/" + w.com + "/memberships", auth: token, headers: freshKey(),
		body: fmt.Sprintf(`{"tierId":%q,"interval":%q}`, tier, interval)}), status)
}

func getMembership(t *testing.T, token, id string) membershipView {
	t.Helper()
	return decode[membershipView](t, expect(t, do(t, call{method: "GET", path: "/v1/memberships/" + id, auth: token}), 200))
}

func communityAvailable(t *testing.T, owner, com string) int64 {
	t.Helper()
	return balanceOf(t, owner, "/v1/communities/"+com).Available
}

// A trial on a saved card: nothing is charged until it ends, then the
// first month is, once, its share (95 %) reaching the community; one live
// membership per person and community; the pass while a member.
func TestMembershipsHTTP_ATrialConvertsAndIsChargedOnce(t *testing.T) {
	w := newMemberWorld(t)
	_, tok := member(t, harness.CardVisa)
	before := communityAvailable(t, w.owner, w.com)
	m := decode[membershipView](t, w.join(t, tok, w.supporter, "month", 201))
	if m.Status != "trialing" || m.TrialEnd == nil || m.NextPayment == nil || m.NextPayment.Amount.Amount != 500 || len(m.Payments) != 0 {
		t.Fatalf("joined a trial: %+v", m)
	}
	if d := m.TrialEnd.Sub(now(t)); d < 14*24*time.Hour-time.Minute || d > 14*24*time.Hour {
		t.Fatalf("the trial ends in %s, want 14 days", d)
	}
	r := w.join(t, tok, w.patron, "month", 409)
	if r.problem.Code != "already_member" || !strings.Contains(r.problem.Detail, m.ID) {
		t.Fatalf("a second membership: %s", r.body)
	}
	p := decode[struct {
		Pass     string
		Benefits []string
	}](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + w.com + "/pass", auth: tok}), 200))
	if strings.Count(p.Pass, ".") != 2 || len(p.Benefits) != 2 {
		t.Fatalf("the pass: %+v", p)
	}
	_, stranger := newUser(t)
	if r := expect(t, do(t, call{method: "GET", path: "/v1/communities/" + w.com + "/pass", auth: stranger}), 403); r.problem.Code != "not_member" {
		t.Fatalf("a stranger's pass: %s", r.body)
	}
	expect(t, do(t, call{method: "GET", path: "/v1/memberships/" + m.ID, auth: stranger}), 404)

	advance(t, 13*24*time.Hour)
	if got := getMembership(t, tok, m.ID); got.Status != "trialing" || len(got.Payments) != 0 {
		t.Fatalf("a day before the trial's end: %+v", got)
	}
	advance(t, 24*time.Hour+time.Minute)
	got := getMembership(t, tok, m.ID)
	if got.Status != "active" || len(got.Payments) != 1 || got.Payments[0].Amount.Amount != 500 || got.Payments[0].Share.Amount != 475 || got.Payments[0].Fee.Amount != 25 {
		t.Fatalf("after the trial: %+v", got)
	}
	if !got.CurrentPeriodStart.Equal(*m.TrialEnd) || !got.CurrentPeriodEnd.Equal(m.TrialEnd.AddDate(0, 1, 0)) {
		t.Fatalf("the first period %s–%s, want from %s for a month", got.CurrentPeriodStart, got.CurrentPeriodEnd, m.TrialEnd)
	}
	if after := communityAvailable(t, w.owner, w.com); after-before != 475 {
		t.Fatalf("the community earned %d, want 475", after-before)
	}
	// The owner sees the member, the member their memberships.
	if l := decode[struct{ Data []membershipView }](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + w.com + "/memberships?status=active", auth: w.owner}), 200)); len(l.Data) != 1 || l.Data[0].ID != m.ID {
		t.Fatalf("the owner's list: %+v", l.Data)
	}
	if l := decode[struct{ Data []membershipView }](t, expect(t, do(t, call{method: "GET", path: "/v1/me/memberships", auth: tok}), 200)); len(l.Data) != 1 {
		t.Fatalf("the member's list: %+v", l.Data)
	}
	expect(t, do(t, call{method: "GET", path: "/v1/communities/" + w.com + "/memberships", auth: tok}), 404)
	verifyLedger(t)
}

// A renewal that fails: past_due (benefits kept) and retried 1, 3 and 7
// days after the first failure; the last failure ends it
// (payment_failed), and the place is free for a new join.
func TestMembershipsHTTP_ARenewalThatFailsThreeTimesEnds(t *testing.T) {
	w := newMemberWorld(t)
	_, tok := member(t, harness.CardVisa)
	m := decode[membershipView](t, w.join(t, tok, w.patron, "month", 201))
	if m.Status != "active" {
		t.Fatalf("joined: %+v", m)
	}
	harness.SaveCard(t, tok, "/v1/me", "4000000000009995") // the new default: insufficient funds
	advance(t, m.CurrentPeriodEnd.Sub(now(t))+time.Minute)
	got := getMembership(t, tok, m.ID)
	if got.Status != "past_due" || got.Failure == nil || got.Failure.Attempts != 1 || got.Failure.Reason != "insufficient_funds" || got.Failure.NextRetryAt == nil {
		t.Fatalf("after the failed renewal: %+v", got)
	}
	failedAt := got.Failure.NextRetryAt.Add(-24 * time.Hour)
	expect(t, do(t, call{method: "GET", path: "/v1/communities/" + w.com + "/pass", auth: tok}), 200) // benefits kept
	for i, day := range []int{1, 3, 7} {
		advance(t, failedAt.AddDate(0, 0, day).Sub(now(t))+time.Minute)
		got = getMembership(t, tok, m.ID)
		if i < 2 && (got.Status != "past_due" || got.Failure.Attempts != i+2) {
			t.Fatalf("after retry %d: %+v", i+1, got)
		}
	}
	if got.Status != "ended" || got.EndedReason != "payment_failed" || len(got.Payments) != 1 {
		t.Fatalf("after the last retry: %+v", got)
	}
	expect(t, do(t, call{method: "GET", path: "/v1/communities/" + w.com + "/pass", auth: tok}), 403)
	if n := len(eventsAbout(t, "MembershipPaymentFailed", m.ID)); n != 4 {
		t.Fatalf("%d MembershipPaymentFailed, want 4", n)
	}
	harness.SaveCard(t, tok, "/v1/me", harness.CardVisa)
	w.join(t, tok, w.patron, "month", 201)
	verifyLedger(t)
}

// A cancel keeps the benefits to the period's end, and a resume takes it
// back; canceled again, it ends there, charged nothing more.
func TestMembershipsHTTP_ACanceledMembershipKeepsItsBenefitsUntilItsEnd(t *testing.T) {
	w := newMemberWorld(t)
	_, tok := member(t, harness.CardVisa)
	m := decode[membershipView](t, w.join(t, tok, w.basic, "month", 201))
	c := decode[membershipView](t, expect(t, do(t, call{method: "POST", path: "/v1/memberships/" + m.ID + "/cancel", auth: tok}), 200))
	if !c.CancelAtPeriodEnd || c.Status != "active" || c.NextPayment != nil {
		t.Fatalf("canceled: %+v", c)
	}
	r := decode[membershipView](t, expect(t, do(t, call{method: "POST", path: "/v1/memberships/" + m.ID + "/resume", auth: tok}), 200))
	if r.CancelAtPeriodEnd || r.NextPayment == nil {
		t.Fatalf("resumed: %+v", r)
	}
	expect(t, do(t, call{method: "POST", path: "/v1/memberships/" + m.ID + "/cancel", auth: w.owner}), 403)
	expect(t, do(t, call{method: "POST", path: "/v1/memberships/" + m.ID + "/cancel", auth: tok}), 200)
	advance(t, m.CurrentPeriodEnd.Sub(now(t))-time.Hour)
	expect(t, do(t, call{method: "GET", path: "/v1/communities/" + w.com + "/pass", auth: tok}), 200)
	advance(t, 2*time.Hour)
	got := getMembership(t, tok, m.ID)
	if got.Status != "ended" || got.EndedReason != "canceled" || len(got.Payments) != 1 {
		t.Fatalf("at the period's end: %+v", got)
	}
	expect(t, do(t, call{method: "GET", path: "/v1/communities/" + w.com + "/pass", auth: tok}), 403)
	expect(t, do(t, call{method: "POST", path: "/v1/memberships/" + m.ID + "/resume", auth: tok}), 409)
}

// halfEven is price × num ÷ den to the minor unit, ties to even.
func halfEven(price, num, den int64) int64 {
	r := new(mathbig.Rat).SetFrac(mathbig.NewInt(price*num), mathbig.NewInt(den))
	fl := new(mathbig.Int).Quo(r.Num(), r.Denom())
	rem := new(mathbig.Rat).Sub(r, new(mathbig.Rat).SetInt(fl))
	switch rem.Cmp(mathbig.NewRat(1, 2)) {
	case 1:
		fl.Add(fl, mathbig.NewInt(1))
	case 0:
		if fl.Bit(0) == 1 {
			fl.Add(fl, mathbig.NewInt(1))
		}
	}
	return fl.Int64()
}

// An upgrade is charged at once for the rest of the period, to the cent
// as reckoned here by hand; a downgrade waits for the period's end and is
// then paid at its price; the owner refunds part of a payment, taken from
// the community's share and Souq's fee in proportion.
func TestMembershipsHTTP_UpgradeProratedDowngradeAtTheEndAndARefund(t *testing.T) {
	w := newMemberWorld(t)
	_, tok := member(t, harness.CardVisa)
	m := decode[membershipView](t, w.join(t, tok, w.basic, "month", 201))
	advance(t, 10*24*time.Hour+7*time.Second)
	at := now(t)
	up := decode[membershipView](t, expect(t, do(t, call{method: "PATCH", path: "/v1/memberships/" + m.ID, auth: tok, body: fmt.Sprintf(`{"tierId":%q,"interval":"month"}`, w.patron)}), 200))
	length := int64(m.CurrentPeriodEnd.Sub(m.CurrentPeriodStart) / time.Second)
	rest := int64(m.CurrentPeriodEnd.Sub(at) / time.Second)
	oldPart, newPart := halfEven(300, rest, length), halfEven(1500, rest, length)
	if up.Proration == nil || up.Proration.OldPart != oldPart || up.Proration.NewPart != newPart || up.Proration.Charge != newPart-oldPart ||
		up.Proration.PeriodSeconds != length || up.Proration.RemainingSeconds != rest || up.TierID != w.patron || up.Price.Amount != 1500 {
		t.Fatalf("the upgrade: %+v %+v, want old %d new %d of %d/%d s", up, up.Proration, oldPart, newPart, rest, length)
	}
	got := getMembership(t, tok, m.ID)
	if len(got.Payments) != 2 || got.Payments[1].Kind != "upgrade" || got.Payments[1].Amount.Amount != newPart-oldPart {
		t.Fatalf("payments after the upgrade: %+v", got.Payments)
	}
	down := decode[membershipView](t, expect(t, do(t, call{method: "PATCH", path: "/v1/memberships/" + m.ID, auth: tok, body: fmt.Sprintf(`{"tierId":%q,"interval":"month"}`, w.basic)}), 200))
	if down.TierID != w.patron || down.ScheduledChange == nil || down.ScheduledChange.TierID != w.basic || !down.ScheduledChange.At.Equal(m.CurrentPeriodEnd) ||
		down.NextPayment == nil || down.NextPayment.Amount.Amount != 300 {
		t.Fatalf("the downgrade: %+v", down)
	}
	advance(t, m.CurrentPeriodEnd.Sub(now(t))+time.Minute)
	got = getMembership(t, tok, m.ID)
	if got.TierID != w.basic || got.Status != "active" || len(got.Payments) != 3 || got.Payments[2].Amount.Amount != 300 || got.ScheduledChange != nil {
		t.Fatalf("after the renewal: %+v", got)
	}
	// The owner refunds 1.00 of the upgrade's payment.
	pay := got.Payments[1]
	before := communityAvailable(t, w.owner, w.com)
	rf := decode[struct {
		Status             string
		Amount, Share, Fee moneyView
	}](t, expect(t, do(t, call{method: "POST", path: "/v1/membership-payments/" + pay.ID + "/refund", auth: w.owner, headers: freshKey(), body: `{"amount":{"amount":100,"currency":"EUR"}}`}), 201))
	wantFee := halfEven(100, pay.Fee.Amount, pay.Amount.Amount)
	if rf.Status != "succeeded" || rf.Fee.Amount != wantFee || rf.Share.Amount != 100-wantFee {
		t.Fatalf("the refund: %+v, want fee %d", rf, wantFee)
	}
	if after := communityAvailable(t, w.owner, w.com); before-after != 100-wantFee {
		t.Fatalf("the refund took %d from the community, want %d", before-after, 100-wantFee)
	}
	r := expect(t, do(t, call{method: "POST", path: "/v1/membership-payments/" + pay.ID + "/refund", auth: w.owner, headers: freshKey(), body: fmt.Sprintf(`{"amount":{"amount":%d,"currency":"EUR"}}`, pay.Amount.Amount)}), 400)
	if !hasFieldError(r, "amount") {
		t.Fatalf("refunding more than is left: %s", r.body)
	}
	expect(t, do(t, call{method: "POST", path: "/v1/membership-payments/" + pay.ID + "/refund", auth: tok, headers: freshKey(), body: `{"amount":{"amount":100,"currency":"EUR"}}`}), 404)
	// The report: revenue of the days, the refund, MRR of one basic member.
	rp := decode[struct {
		Totals struct {
			Members               int64
			MRR, Revenue, Refunds moneyView
		}
	}](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + w.com + "/memberships/report?from=" + m.CurrentPeriodStart.Format("2006-01-02"), auth: w.owner}), 200))
	if rp.Totals.Members != 1 || rp.Totals.MRR.Amount != 300 || rp.Totals.Revenue.Amount != 300+(newPart-oldPart)+300 || rp.Totals.Refunds.Amount != 100 {
		t.Fatalf("the report: %+v", rp.Totals)
	}
	// The same as CSV: a row per day (its tier rows under it), the
	// refund's day among them, no cell a spreadsheet would run.
	rows := csvCells(t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + w.com + "/memberships/report?from=" + m.CurrentPeriodStart.Format("2006-01-02"),
		auth: w.owner, headers: map[string]string{"Accept": "text/csv"}}), 200))
	var refunds []string
	for _, c := range column(t, rows, "refunds") {
		if c != "" && c != "0.00" {
			refunds = append(refunds, c)
		}
	}
	if len(refunds) != 1 || refunds[0] != "1.00" || !slices.Contains(column(t, rows, "tier"), "Basic") {
		t.Fatalf("the report's CSV: refunds %q, tiers %q", refunds, column(t, rows, "tier"))
	}
	verifyLedger(t)
}

// Joining on Stripe's page: incomplete until paid, then active; the
// member's return reads it.
func TestMembershipsHTTP_JoinOnCheckout(t *testing.T) {
	w := newMemberWorld(t)
	_, tok := member(t, "")
	m := decode[membershipView](t, w.join(t, tok, w.patron, "month", 201))
	if m.Status != "incomplete" || !strings.Contains(m.CheckoutURL, "/local/checkout/") {
		t.Fatalf("joined on Checkout: %+v", m)
	}
	expect(t, do(t, call{method: "GET", path: "/v1/communities/" + w.com + "/pass", auth: tok}), 403)
	u := m.CheckoutURL[strings.Index(m.CheckoutURL, "/local/checkout/"):]
	if r := harness.Send(t, "POST", u, "", []byte(`{"card":"`+harness.CardVisa+`"}`), nil); r.Status != 200 {
		t.Fatalf("paying: %d %s", r.Status, r.Body)
	}
	got := getMembership(t, tok, m.ID)
	if got.Status != "active" || len(got.Payments) != 1 || got.Payments[0].Amount.Amount != 1500 {
		t.Fatalf("after paying: %+v", got)
	}
	// Stripe's event sent again, late: nothing more is credited or begun.
	sess := m.CheckoutURL[strings.LastIndex(m.CheckoutURL, "/")+1:]
	l := decode[struct {
		Data []struct{ ID, Type, ObjectID string }
	}](t, expect(t, do(t, call{method: "GET", path: "/local/stripe/events"}), 200))
	resent := 0
	for _, e := range l.Data {
		if e.Type == "checkout.session.completed" && e.ObjectID == sess {
			expect(t, do(t, call{method: "POST", path: "/local/stripe/events/" + e.ID + "/resend"}), 200)
			resent++
		}
	}
	if resent != 1 {
		t.Fatalf("%d checkout.session.completed for %s", resent, sess)
	}
	if got := getMembership(t, tok, m.ID); len(got.Payments) != 1 {
		t.Fatalf("after the event again: %+v", got.Payments)
	}
	if n := len(eventsAbout(t, "MembershipStarted", m.ID)); n != 1 {
		t.Fatalf("%d MembershipStarted, want 1", n)
	}
	// The card entered on the page pays the renewals.
	advance(t, got.CurrentPeriodEnd.Sub(now(t))+time.Minute)
	if got = getMembership(t, tok, m.ID); got.Status != "active" || len(got.Payments) != 2 || got.Payments[1].Kind != "renewal" {
		t.Fatalf("the renewal after a join on Checkout: %+v", got)
	}

	// A trial with no saved card: the page saves the card, then the trial
	// begins, nothing charged.
	_, tok2 := member(t, "")
	tr := decode[membershipView](t, w.join(t, tok2, w.supporter, "year", 201))
	if tr.Status != "incomplete" || !strings.Contains(tr.CheckoutURL, "/local/checkout/") {
		t.Fatalf("a trial's join without a card: %+v", tr)
	}
	u = tr.CheckoutURL[strings.Index(tr.CheckoutURL, "/local/checkout/"):]
	if r := harness.Send(t, "POST", u, "", []byte(`{"card":"`+harness.CardVisa+`"}`), nil); r.Status != 200 {
		t.Fatalf("saving the card: %d %s", r.Status, r.Body)
	}
	if got := getMembership(t, tok2, tr.ID); got.Status != "trialing" || got.TrialEnd == nil || len(got.Payments) != 0 || got.NextPayment == nil || got.NextPayment.Amount.Amount != 5000 {
		t.Fatalf("after saving the card: %+v", got)
	}
}

// eventsAbout are the events of a type about one membership.
func eventsAbout(t *testing.T, detailType, membershipID string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range events(t, detailType) {
		if d, ok := e["detail"].(map[string]any); ok && d["membershipId"] == membershipID {
			out = append(out, e)
		}
	}
	return out
}

// stripeIntents lists the payments the local Stripe has taken (their
// PaymentIntents' ids, by the payment_intent.succeeded events it sent;
// it keeps its last 10,000 events, so compare sets, not counts).
func stripeIntents(t *testing.T) map[string]bool {
	t.Helper()
	l := decode[struct {
		Data []struct{ Type, ObjectID string }
	}](t, expect(t, do(t, call{method: "GET", path: "/local/stripe/events"}), 200))
	out := map[string]bool{}
	for _, e := range l.Data {
		if e.Type == "payment_intent.succeeded" {
			out[e.ObjectID] = true
		}
	}
	return out
}

// newIntents are the intents of after that before did not have.
func newIntents(before, after map[string]bool) []string {
	var out []string
	for pi := range after {
		if !before[pi] {
			out = append(out, pi)
		}
	}
	return out
}

// intentsOf counts the payments among intents (new since a point) that
// were for a membership, asking the local Stripe for each one's metadata.
func intentsOf(t *testing.T, intents []string, membershipID string) int {
	t.Helper()
	n := 0
	for _, pi := range intents {
		req, _ := http.NewRequest("GET", plat.StripeURL+"/v1/payment_intents/"+pi, nil)
		req.Header.Set("Authorization", "Bearer sk_test_souq")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Metadata map[string]string }
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("reading %s: %d %v", pi, resp.StatusCode, err)
		}
		if body.Metadata["souq_membership"] == membershipID {
			n++
		}
	}
	return n
}

// The renewal's schedule delivered five times at once, racing a cancel
// and a change of tier, charges the period at most once: as many payments
// are recorded as Stripe took, the community has each one's share, and
// the books verify. Whichever of renewal and cancel came first decides
// whether the period was paid; neither is lost.
func TestMembershipsHTTP_ARenewalDeliveredTwiceRacingACancelChargesOnce(t *testing.T) {
	w := newMemberWorld(t)
	for round := 0; round < 3; round++ {
		_, tok := member(t, harness.CardVisa)
		m := decode[membershipView](t, w.join(t, tok, w.basic, "month", 201))
		advance(t, m.CurrentPeriodEnd.Sub(now(t))-2*time.Second)
		before, balance := stripeIntents(t), communityAvailable(t, w.owner, w.com)
		job := []byte(fmt.Sprintf(`{"job":"membership_renew","membershipId":%q,"cycle":1,"failures":0}`, m.ID))
		fn := plat.Functions["accounts"]
		var wg sync.WaitGroup
		for i := 0; i < 5; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i == 0 {
					advance(t, 3*time.Second)
				}
				_ = fn.Scheduled(context.Background(), job) // a conflict is retried by the scheduler: the platform's own delivery
			}()
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			if r := do(t, call{method: "POST", path: "/v1/memberships/" + m.ID + "/cancel", auth: tok}); r.status != 200 && r.status != 409 {
				t.Errorf("cancel: %d %s", r.status, r.body)
			}
		}()
		go func() {
			defer wg.Done()
			if r := do(t, call{method: "PATCH", path: "/v1/memberships/" + m.ID, auth: tok, body: fmt.Sprintf(`{"tierId":%q,"interval":"month"}`, w.supporter)}); r.status != 200 && r.status != 409 {
				t.Errorf("change: %d %s", r.status, r.body)
			}
		}()
		wg.Wait()
		advance(t, time.Minute) // the scheduler's retries of what conflicted
		got := getMembership(t, tok, m.ID)
		renewals := len(got.Payments) - 1
		if taken := intentsOf(t, newIntents(before, stripeIntents(t)), m.ID); renewals > 1 || taken != renewals {
			t.Fatalf("round %d: %d renewals recorded, Stripe took %d: %+v", round, renewals, taken, got)
		}
		var share int64
		for _, p := range got.Payments[1:] {
			share += p.Share.Amount
		}
		if d := communityAvailable(t, w.owner, w.com) - balance; d != share {
			t.Fatalf("round %d: the community got %d, the payments' share is %d", round, d, share)
		}
		if (renewals == 0) != (got.Status == "ended") {
			t.Fatalf("round %d: %d renewals and %s", round, renewals, got.Status)
		}
	}
	verifyLedger(t)
}

// A refund racing a payout claim never makes money: the community's
// balance never goes below zero, what it could not cover is its debt,
// and the books verify.
func TestMembershipsHTTP_ARefundRacingAPayoutNeverMakesMoney(t *testing.T) {
	w := newMemberWorld(t)
	_, tok := member(t, harness.CardVisa)
	m := decode[membershipView](t, w.join(t, tok, w.patron, "month", 201))
	pay := getMembership(t, tok, m.ID).Payments[0]
	harness.OnboardPayouts(t, w.owner)
	avail := communityAvailable(t, w.owner, w.com)
	var wg sync.WaitGroup
	var refund, claim reply
	wg.Add(2)
	go func() {
		defer wg.Done()
		refund = do(t, call{method: "POST", path: "/v1/membership-payments/" + pay.ID + "/refund", auth: w.owner, headers: freshKey(), body: `{"amount":{"amount":1500,"currency":"EUR"}}`})
	}()
	go func() {
		defer wg.Done()
		claim = do(t, call{method: "POST", path: "/v1/communities/" + w.com + "/payouts", auth: w.owner, headers: freshKey(), body: fmt.Sprintf(`{"amount":%d,"currency":"EUR"}`, avail)})
	}()
	wg.Wait()
	if refund.status != 201 {
		t.Fatalf("the refund: %d %s", refund.status, refund.body)
	}
	rf := decode[struct{ Share, Owed moneyView }](t, refund)
	var claimed int64
	switch claim.status {
	case 202:
		claimed = avail
	case 409, 422:
	default:
		t.Fatalf("the claim: %d %s", claim.status, claim.body)
	}
	b := balanceOf(t, w.owner, "/v1/communities/"+w.com)
	// Every cent is somewhere: what the refund took from the balance
	// (its share less what became debt) and what the claim took.
	if covered := rf.Share.Amount - rf.Owed.Amount; b.Available < 0 || b.Available != avail-covered-claimed || (claimed > 0) != (rf.Owed.Amount > 0) {
		t.Fatalf("claim %d, refund %+v: the balance is %+v of %d", claim.status, rf, b, avail)
	}
	verifyLedger(t)
}

// Refunds racing on one payment, each of most of it: one refunds, the
// others are told in words that the rest is less than they ask (400),
// never a 500, and nothing is refunded twice.
func TestMembershipsHTTP_RefundsRacingOnOnePaymentRefundItOnce(t *testing.T) {
	w := newMemberWorld(t)
	_, tok := member(t, harness.CardVisa)
	m := decode[membershipView](t, w.join(t, tok, w.patron, "month", 201))
	pay := getMembership(t, tok, m.ID).Payments[0]
	before := communityAvailable(t, w.owner, w.com)
	const n = 6
	replies := make([]reply, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies[i] = do(t, call{method: "POST", path: "/v1/membership-payments/" + pay.ID + "/refund", auth: w.owner, headers: freshKey(), body: `{"amount":{"amount":1000,"currency":"EUR"}}`})
		}()
	}
	wg.Wait()
	ok := 0
	for _, r := range replies {
		switch {
		case r.status == 201:
			ok++
		case r.status == 400 && hasFieldError(r, "amount"):
		default:
			t.Fatalf("a racing refund: %d %s", r.status, r.body)
		}
	}
	got := getMembership(t, tok, m.ID).Payments[0]
	if ok != 1 || got.Refunded.Amount != 1000 || before-communityAvailable(t, w.owner, w.com) != 1000-halfEven(1000, pay.Fee.Amount, pay.Amount.Amount) {
		t.Fatalf("%d refunds succeeded, %d refunded", ok, got.Refunded.Amount)
	}
	verifyLedger(t)
}

// A refund Stripe refuses outright puts everything back: the community's
// balance, the payment's refundable rest; the owner is told in words.
// (The simulation found it: the money had left the books, and the card
// had nothing.)
func TestMembershipsHTTP_ARefundStripeRefusesMovesNothing(t *testing.T) {
	w := newMemberWorld(t)
	_, tok := member(t, harness.CardVisa)
	m := decode[membershipView](t, w.join(t, tok, w.patron, "month", 201))
	pay := getMembership(t, tok, m.ID).Payments[0]
	before := communityAvailable(t, w.owner, w.com)
	expect(t, do(t, call{method: "POST", path: "/local/rail/fail", body: `{"count":1,"mode":"decline"}`}), 200)
	r := expect(t, do(t, call{method: "POST", path: "/v1/membership-payments/" + pay.ID + "/refund", auth: w.owner, headers: freshKey(), body: `{"amount":{"amount":500,"currency":"EUR"}}`}), 502)
	if r.problem.Code != "refund_failed" {
		t.Fatalf("a refused refund: %s", r.body)
	}
	if got := getMembership(t, tok, m.ID).Payments[0]; got.Refunded.Amount != 0 || communityAvailable(t, w.owner, w.com) != before {
		t.Fatalf("after a refused refund: refunded %d, the community has %d of %d", got.Refunded.Amount, communityAvailable(t, w.owner, w.com), before)
	}
	expect(t, do(t, call{method: "POST", path: "/v1/membership-payments/" + pay.ID + "/refund", auth: w.owner, headers: freshKey(), body: `{"amount":{"amount":500,"currency":"EUR"}}`}), 201)
	verifyLedger(t)
}

// verifyWithJWKS checks a pass as a community's own site would, with
// the published keys alone and a common JWT library.
func verifyWithJWKS(t *testing.T, token, communityID string) jwt.MapClaims {
	t.Helper()
	keys := decode[struct{ Keys []struct{ Kid, X, Y string } }](t, expect(t, do(t, call{method: "GET", path: "/.well-known/jwks.json"}), 200))
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(tk *jwt.Token) (any, error) {
		for _, k := range keys.Keys {
			if k.Kid == tk.Header["kid"] {
				x, _ := base64.RawURLEncoding.DecodeString(k.X)
				y, _ := base64.RawURLEncoding.DecodeString(k.Y)
				return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
			}
		}
		return nil, fmt.Errorf("no key %v", tk.Header["kid"])
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience(communityID), jwt.WithIssuer(base), jwt.WithTimeFunc(func() time.Time { return now(t) }))
	if err != nil {
		t.Fatalf("the pass does not verify with the JWKS: %v", err)
	}
	return claims
}

// The pass goes only to the community's own sites: the public join
// information and the pass refuse any other return address (400 naming
// return), and /m/{communityId} refuses it before anyone signs in, so it
// is never an open redirect; an allowed one goes on to sign-in, and the
// pass in its fragment verifies with the published keys.
func TestMembershipsHTTP_ThePassGoesOnlyToTheCommunitysOwnSites(t *testing.T) {
	w := newMemberWorld(t)
	_, tok := member(t, harness.CardVisa)
	w.join(t, tok, w.basic, "month", 201)
	for _, bad := range []string{"https://evil.example/", "https://rust.example.evil.example/", "http://rust.example/", "https://user@rust.example/",
		"//rust.example/", "javascript:alert(1)", "https://evilrust.example/", ""} {
		if bad != "" {
			r := expect(t, do(t, call{method: "GET", path: "/v1/communities/" + w.com + "/join?return=" + url.QueryEscape(bad)}), 400)
			if !hasFieldError(r, "return") {
				t.Errorf("join info with return %q: %s", bad, r.body)
			}
			if r := expect(t, do(t, call{method: "GET", path: "/v1/communities/" + w.com + "/pass?return=" + url.QueryEscape(bad), auth: tok}), 400); !hasFieldError(r, "return") {
				t.Errorf("a pass to %q: %s", bad, r.body)
			}
		}
		resp := noFollow(t, "/m/"+w.com+"?return="+url.QueryEscape(bad))
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
			t.Errorf("/m with return %q: %d to %q", bad, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	good := "https://forum.rust.example/threads/1?page=2#top"
	info := decode[struct {
		Name, Return string
		Sites        []string
		Tiers        []tierView
	}](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + w.com + "/join?return=" + url.QueryEscape(good)}), 200))
	if info.Return != "https://forum.rust.example/threads/1?page=2" || len(info.Tiers) != 3 || len(info.Sites) != 1 || info.Sites[0] != "rust.example" {
		t.Fatalf("join info: %+v", info)
	}
	resp := noFollow(t, "/m/"+w.com+"?return="+url.QueryEscape(good))
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/console/m/"+w.com+"?return=") {
		t.Fatalf("/m with an allowed return: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	p := decode[struct{ Pass, RedirectURL string }](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + w.com + "/pass?return=" + url.QueryEscape(good), auth: tok}), 200))
	if p.RedirectURL != "https://forum.rust.example/threads/1?page=2#souq_pass="+p.Pass {
		t.Fatalf("the redirect: %q", p.RedirectURL)
	}
	c := verifyWithJWKS(t, p.Pass, w.com)
	if c["tier"] != w.basic || !strings.HasPrefix(fmt.Sprint(c["sub"]), "mbr_") {
		t.Fatalf("the pass's claims: %v", c)
	}
	if exp, _ := c.GetExpirationTime(); exp == nil || exp.Sub(now(t)) > 24*time.Hour {
		t.Fatalf("the pass lasts until %v", exp)
	}
}

// noFollow is a GET whose redirect is not followed.
func noFollow(t *testing.T, path string) *http.Response {
	t.Helper()
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}
