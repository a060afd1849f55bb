package tests

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v83"
	"github.com/stripe/stripe-go/v83/webhook"

	"github.com/souqhq/souq/tests/harness"
)

// Money in through the local Stripe stand-in (DESIGN §15): the same
// stripe-go code as production, Stripe's pages and signed events played
// by the platform.

type depositView struct {
	ID, Status, Method, CheckoutURL, ActionURL, ReceiptURL, TransferID, FailureCode string
	Amount, Refunded, Disputed, DebtRepaid                                          int64
	Card                                                                            *struct{ Brand, Last4 string }
}

type moneyBalance struct {
	Available, Held, Debt int64
}

// payer is a new advertiser in EUR, with no card yet.
func newPayer(t *testing.T) (token, path string) {
	t.Helper()
	_, token = newUser(t)
	r := expect(t, do(t, call{method: "POST", path: "/v1/advertisers", auth: token, body: `{"name":"Payer","currency":"EUR"}`}), 201)
	return token, "/v1/advertisers/" + decode[struct{ ID string }](t, r).ID
}

func moneyOf(t *testing.T, token, path string) moneyBalance {
	t.Helper()
	return decode[moneyBalance](t, expect(t, do(t, call{method: "GET", path: path + "/balance", auth: token}), 200))
}

func wantMoney(t *testing.T, token, path string, available, held, debt int64) {
	t.Helper()
	if b := moneyOf(t, token, path); b != (moneyBalance{available, held, debt}) {
		t.Fatalf("balance %+v, want available %d held %d debt %d", b, available, held, debt)
	}
}

// pay pays a Checkout page of the stand-in with a test card, as a person
// would (JSON form), and returns the stand-in's answer.
func pay(t *testing.T, pageURL, card string) map[string]any {
	t.Helper()
	u, err := url.Parse(pageURL)
	if err != nil || !strings.HasPrefix(u.Path, "/local/checkout/") {
		t.Fatalf("not the local Checkout: %q", pageURL)
	}
	r := harness.Send(t, "POST", u.Path, "", []byte(`{"card":"`+card+`"}`), nil)
	var out map[string]any
	_ = json.Unmarshal(r.Body, &out)
	out["httpStatus"] = float64(r.Status)
	return out
}

func depositBy(t *testing.T, token, path, key string, amount int64, method string, want int) reply {
	t.Helper()
	body := fmt.Sprintf(`{"amount":%d,"currency":"EUR"%s}`, amount, map[bool]string{true: `,"method":"` + method + `"`}[method != ""])
	return expect(t, do(t, call{method: "POST", path: path + "/deposits", auth: token, body: body, headers: idemKey(key)}), want)
}

func getDeposit(t *testing.T, token, id string) depositView {
	t.Helper()
	return decode[depositView](t, expect(t, do(t, call{method: "GET", path: "/v1/deposits/" + id, auth: token}), 200))
}

type stripeEvent struct {
	ID, Type, ObjectID string
	Delivered          bool
	Status             int
}

func stripeEvents(t *testing.T) []stripeEvent {
	t.Helper()
	return decode[struct{ Data []stripeEvent }](t, expect(t, do(t, call{method: "GET", path: "/local/stripe/events"}), 200)).Data
}

// A Checkout deposit, its events held back and then delivered late, out
// of order and twice each, and the payer's return racing them: credited
// once, the card it paid with saved as the default.
func TestPayments_CheckoutCreditedOnceWhateverArrivesFirst(t *testing.T) {
	// Not parallel: it holds the stand-in's event delivery.
	tok, adv := newPayer(t)
	d := decode[depositView](t, depositBy(t, tok, adv, "checkout-1", 2500, "", 201))
	if d.Status != "pending" || d.Method != "checkout" || d.CheckoutURL == "" {
		t.Fatalf("no card saved: %+v", d)
	}
	before := len(stripeEvents(t))
	expect(t, do(t, call{method: "POST", path: "/local/stripe/delivery", body: `{"hold":true}`}), 200)
	paid := pay(t, d.CheckoutURL, harness.CardVisa)
	expect(t, do(t, call{method: "POST", path: "/local/stripe/delivery", body: `{"hold":false}`}), 200)
	if paid["status"] != "complete" {
		t.Fatalf("paying Checkout: %v", paid)
	}
	held := stripeEvents(t)[before:]
	if len(held) < 2 {
		t.Fatalf("events of the payment: %+v", held)
	}
	wantMoney(t, tok, adv, 0, 0, 0) // nothing said yet
	var wg sync.WaitGroup
	for i := len(held) - 1; i >= 0; i-- { // newest first, each twice, with the return
		for k := 0; k < 2; k++ {
			wg.Add(1)
			go func(id string) {
				defer wg.Done()
				expect(t, do(t, call{method: "POST", path: "/local/stripe/events/" + id + "/resend"}), 200)
			}(held[i].ID)
		}
	}
	wg.Add(1)
	go func() { defer wg.Done(); getDeposit(t, tok, d.ID) }()
	wg.Wait()
	got := getDeposit(t, tok, d.ID)
	if got.Status != "succeeded" || got.Card == nil || got.Card.Last4 != "4242" || got.ReceiptURL == "" {
		t.Fatalf("after payment: %+v", got)
	}
	wantMoney(t, tok, adv, 2500, 0, 0)
	if n := countEvents(t, "DepositSucceeded", d.ID); n != 1 {
		t.Fatalf("%d DepositSucceeded for the deposit", n)
	}
	cards := decode[struct {
		Data []struct {
			Last4   string
			Default bool
		}
	}](t, expect(t, do(t, call{method: "GET", path: adv + "/payment-methods", auth: tok}), 200))
	if len(cards.Data) != 1 || !cards.Data[0].Default || cards.Data[0].Last4 != "4242" {
		t.Fatalf("the card paid with is saved as the default: %+v", cards)
	}
	// The receipt, printable, names the amount and the card.
	rc := harness.Send(t, "GET", "/v1/deposits/"+d.ID+"/receipt", tok, nil, nil)
	if rc.Status != 200 || !strings.Contains(string(rc.Body), "25.00 EUR") || !strings.Contains(string(rc.Body), "4242") {
		t.Fatalf("receipt %d: %s", rc.Status, rc.Body)
	}
	verifyLedger(t)
}

func countEvents(t *testing.T, detailType, depositID string) int {
	t.Helper()
	n := 0
	for _, e := range events(t, detailType) {
		if d, _ := e["detail"].(map[string]any); d["depositId"] == depositID {
			n++
		}
	}
	return n
}

// Every test card: the saved card that needs its holder goes to
// Checkout and is paid after authentication; the saved card without
// funds is a 402 naming it; a declined card on Checkout leaves the
// deposit waiting, uncredited.
func TestPayments_EveryTestCard(t *testing.T) {
	t.Parallel()
	tok, adv := newPayer(t)
	harness.SaveCard(t, tok, adv, harness.CardInsufficientFun)
	r := depositBy(t, tok, adv, "nsf", 3000, "", 402)
	if r.problem.Code != "insufficient_funds" || !strings.Contains(r.problem.Detail, "declined") {
		t.Fatalf("402: %s", r.body)
	}
	depositBy(t, tok, adv, "nsf", 3000, "", 402) // the same answer again
	wantMoney(t, tok, adv, 0, 0, 0)

	tok2, adv2 := newPayer(t)
	harness.SaveCard(t, tok2, adv2, harness.CardOffSessionAuth)
	d := decode[depositView](t, depositBy(t, tok2, adv2, "3ds", 4000, "saved", 201))
	if d.Status != "requires_action" || d.ActionURL == "" {
		t.Fatalf("off-session authentication: %+v", d)
	}
	wantMoney(t, tok2, adv2, 0, 0, 0)
	a := pay(t, d.ActionURL, harness.CardAuthenticate)
	if a["status"] != "requires_action" {
		t.Fatalf("3155 on Checkout: %v", a)
	}
	u, _ := url.Parse(a["authenticateUrl"].(string))
	fail := harness.Send(t, "POST", u.Path, "", []byte(`{"result":"fail"}`), nil)
	if fail.Status >= 300 && fail.Status != 402 {
		t.Fatalf("authentication failed: %d %s", fail.Status, fail.Body)
	}
	wantMoney(t, tok2, adv2, 0, 0, 0)
	a = pay(t, d.ActionURL, harness.CardAuthenticate)
	u, _ = url.Parse(a["authenticateUrl"].(string))
	if pass := harness.Send(t, "POST", u.Path, "", []byte(`{"result":"pass"}`), nil); pass.Status != 200 {
		t.Fatalf("authentication passed: %d %s", pass.Status, pass.Body)
	}
	if got := getDeposit(t, tok2, d.ID); got.Status != "succeeded" {
		t.Fatalf("after authentication: %+v", got)
	}
	wantMoney(t, tok2, adv2, 4000, 0, 0)

	tok3, adv3 := newPayer(t)
	d3 := decode[depositView](t, depositBy(t, tok3, adv3, "declined", 1500, "checkout", 201))
	if out := pay(t, d3.CheckoutURL, harness.CardDeclined); out["httpStatus"] != float64(402) {
		t.Fatalf("0002 on Checkout: %v", out)
	}
	if got := getDeposit(t, tok3, d3.ID); got.Status != "pending" {
		t.Fatalf("declined on Checkout: %+v", got)
	}
	wantMoney(t, tok3, adv3, 0, 0, 0)
	// Below the minimum deposit: 400 naming amount, nothing charged.
	r = depositBy(t, tok3, adv3, "tiny", 999, "", 400)
	if !hasFieldError(r, "amount") {
		t.Fatalf("minimum: %s", r.body)
	}
	verifyLedger(t)
}

// Stripe's events are believed only when signed with the endpoint's
// secret, within five minutes: a forged, stale or unsigned event is 400
// and credits nothing; an unknown type signed right is 200.
func TestPayments_ForgedOrStaleEventsChangeNothing(t *testing.T) {
	t.Parallel()
	tok, adv := newPayer(t)
	d := decode[depositView](t, depositBy(t, tok, adv, "forged", 5000, "checkout", 201))
	session := d.CheckoutURL[strings.LastIndex(d.CheckoutURL, "/")+1:]
	payload := []byte(fmt.Sprintf(`{"id":"evt_forged_%d","object":"event","api_version":%q,"created":%d,"type":"checkout.session.completed","livemode":false,"pending_webhooks":1,
	  "data":{"object":{"id":%q,"object":"checkout.session","mode":"payment","status":"complete","payment_status":"paid","amount_total":5000,"currency":"eur",
	  "payment_intent":"pi_forged","metadata":{"souq_deposit":%q}}}}`, time.Now().UnixNano(), stripe.APIVersion, time.Now().Unix(), session, d.ID))
	send := func(header string) int {
		h := map[string][]string{}
		if header != "" {
			h["Stripe-Signature"] = []string{header}
		}
		return harness.Send(t, "POST", "/v1/stripe/events", "", payload, h).Status
	}
	sign := func(secret string, at time.Time) string {
		return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
	}
	for name, header := range map[string]string{
		"unsigned":       "",
		"another secret": sign("whsec_not_the_endpoints", time.Now()),
		"stale":          sign(plat.StripeWebhookSecret, time.Now().Add(-10*time.Minute)),
		"garbage":        "t=1,v1=00",
	} {
		if got := send(header); got != 400 {
			t.Errorf("%s: %d, want 400", name, got)
		}
	}
	if got := getDeposit(t, tok, d.ID); got.Status != "pending" {
		t.Fatalf("a forged event credited the deposit: %+v", got)
	}
	wantMoney(t, tok, adv, 0, 0, 0)
	unknown := []byte(fmt.Sprintf(`{"id":"evt_unknown_%d","object":"event","api_version":%q,"created":%d,"type":"customer.tax_id.created","data":{"object":{"id":"txi_1","object":"tax_id"}}}`,
		time.Now().UnixNano(), stripe.APIVersion, time.Now().Unix()))
	hdr := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: unknown, Secret: plat.StripeWebhookSecret}).Header
	if r := harness.Send(t, "POST", "/v1/stripe/events", "", unknown, map[string][]string{"Stripe-Signature": {hdr}}); r.Status != 200 {
		t.Fatalf("an unknown type: %d %s", r.Status, r.Body)
	}
}

// A dispute larger than available: exactly the shortfall is debt; the
// advertiser cannot book or create a campaign; its campaign is paused; a
// deposit repays the debt first and the campaign runs again; the close
// (lost) sends the money out. Balances to the cent, ledger verified.
func TestPayments_DisputeShortfallIsDebtRepaidFirst(t *testing.T) {
	t.Parallel()
	tok, advID := eurAdvertiser(t, 10_000)
	adv := "/v1/advertisers/" + advID
	end := now(t).Add(72 * time.Hour).Truncate(time.Second)
	c := decode[campaignView](t, expect(t, do(t, call{method: "POST", path: adv + "/campaigns", auth: tok, body: campaignBody(7_000, end), headers: freshKey()}), 201))
	wantMoney(t, tok, adv, 3_000, 7_000, 0)
	deposits := decode[struct{ Data []depositView }](t, expect(t, do(t, call{method: "GET", path: adv + "/deposits", auth: tok}), 200)).Data
	if len(deposits) != 1 || deposits[0].Amount != 10_000 {
		t.Fatalf("deposits %+v", deposits)
	}
	du := decode[struct{ ID string }](t, expect(t, do(t, call{method: "POST", path: "/local/stripe/disputes", body: `{"depositId":"` + deposits[0].ID + `"}`}), 201))
	settle(t)
	wantMoney(t, tok, adv, 0, 7_000, 7_000) // 30.00 from available, 70.00 owed
	if got := getDeposit(t, tok, deposits[0].ID); got.Status != "disputed" || got.Disputed != 10_000 {
		t.Fatalf("deposit %+v", got)
	}
	r := expect(t, do(t, call{method: "POST", path: adv + "/campaigns", auth: tok, body: campaignBody(1_000, end), headers: freshKey()}), 409)
	if r.problem.Code != "in_debt" {
		t.Fatalf("a campaign in debt: %s", r.body)
	}
	if got := campaignStatus(t, tok, c.ID); got != "paused" {
		t.Fatalf("campaign in debt is %s", got)
	}
	// The next deposit repays the debt first.
	d := decode[depositView](t, depositBy(t, tok, adv, "repay", 9_000, "", 201))
	if d.DebtRepaid != 7_000 {
		t.Fatalf("repaid %d", d.DebtRepaid)
	}
	settle(t)
	wantMoney(t, tok, adv, 2_000, 7_000, 0)
	if got := campaignStatus(t, tok, c.ID); got != "active" {
		t.Fatalf("campaign after repaying is %s", got)
	}
	expect(t, do(t, call{method: "POST", path: "/local/stripe/disputes/" + du.ID + "/close", body: `{"status":"lost"}`}), 200)
	expect(t, do(t, call{method: "POST", path: "/local/stripe/disputes/" + du.ID + "/close", body: `{"status":"lost"}`}), 409)
	settle(t)
	wantMoney(t, tok, adv, 2_000, 7_000, 0)
	verifyLedger(t)
}

func campaignStatus(t *testing.T, tok, id string) string {
	t.Helper()
	return decode[struct{ Status string }](t, expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + id, auth: tok}), 200)).Status
}

func settle(t *testing.T) {
	t.Helper()
	events(t, "DepositSucceeded") // GET /local/events settles the bus first
}

// Refunds racing spending: eight refunds and eight campaign holds at
// once never refund held money; what went back, what is held and what is
// available add up to what came in. A dashboard refund is applied once.
func TestPayments_RefundsRacingSpending(t *testing.T) {
	t.Parallel()
	tok, advID := eurAdvertiser(t, 8_000)
	adv := "/v1/advertisers/" + advID
	end := now(t).Add(72 * time.Hour).Truncate(time.Second)
	var wg sync.WaitGroup
	var mu sync.Mutex
	refunded, heldOK := int64(0), int64(0)
	for i := 0; i < 8; i++ {
		wg.Add(2)
		go func(i int) {
			defer wg.Done()
			r := do(t, call{method: "POST", path: adv + "/refunds", auth: tok, body: `{"amount":700,"currency":"EUR"}`, headers: idemKey(fmt.Sprint("refund-", i))})
			mu.Lock()
			defer mu.Unlock()
			switch r.status {
			case 201:
				v := decode[struct{ Refunded int64 }](t, r)
				refunded += v.Refunded
			case 422:
			default:
				t.Errorf("refund %d: %d %s", i, r.status, r.body)
			}
		}(i)
		go func(i int) {
			defer wg.Done()
			r := do(t, call{method: "POST", path: adv + "/campaigns", auth: tok, body: campaignBody(1_000, end), headers: idemKey(fmt.Sprint("hold-", i))})
			mu.Lock()
			defer mu.Unlock()
			switch r.status {
			case 201:
				heldOK += 1_000
			case 422:
			default:
				t.Errorf("campaign %d: %d %s", i, r.status, r.body)
			}
		}(i)
	}
	wg.Wait()
	b := moneyOf(t, tok, adv)
	if b.Held != heldOK || b.Available < 0 || refunded+b.Held+b.Available != 8_000 || b.Debt != 0 {
		t.Fatalf("refunded %d, held %d (%d accepted), available %d: want 80.00 in all", refunded, b.Held, heldOK, b.Available)
	}
	// More than available: 422 naming amount.
	r := expect(t, do(t, call{method: "POST", path: adv + "/refunds", auth: tok, body: fmt.Sprintf(`{"amount":%d,"currency":"EUR"}`, b.Available+1), headers: freshKey()}), 422)
	if !hasFieldError(r, "amount") {
		t.Fatalf("over available: %s", r.body)
	}
	verifyLedger(t)
}

// The rail times out on a refund: in transit (503), and the same request
// again refunds once.
func TestPayments_RefundWithAnUnknownOutcomeIsRetriedOnce(t *testing.T) {
	// Not parallel: it arms the shared rail to fail.
	tok, advID := eurAdvertiser(t, 5_000)
	adv := "/v1/advertisers/" + advID
	plat.Rail.FailNext(1, "timeout")
	expect(t, do(t, call{method: "POST", path: adv + "/refunds", auth: tok, body: `{"amount":2000,"currency":"EUR"}`, headers: idemKey("r1")}), 503)
	wantMoney(t, tok, adv, 3_000, 0, 0) // in transit
	before := plat.Rail.Refunds()
	v := decode[struct {
		Status   string
		Refunded int64
	}](t, expect(t, do(t, call{method: "POST", path: adv + "/refunds", auth: tok, body: `{"amount":2000,"currency":"EUR"}`, headers: idemKey("r1")}), 201))
	if v.Status != "succeeded" || v.Refunded != 2_000 || plat.Rail.Refunds()-before != 1 {
		t.Fatalf("retry: %+v, %d refund calls", v, plat.Rail.Refunds()-before)
	}
	wantMoney(t, tok, adv, 3_000, 0, 0)
	// A refund made in Stripe's dashboard is applied once, however often
	// Stripe tells it.
	deposits := decode[struct{ Data []depositView }](t, expect(t, do(t, call{method: "GET", path: adv + "/deposits", auth: tok}), 200)).Data
	expect(t, do(t, call{method: "POST", path: "/local/stripe/refunds", body: `{"depositId":"` + deposits[0].ID + `","amount":1000}`}), 201)
	for _, e := range stripeEvents(t) {
		if e.Type == "charge.refunded" {
			expect(t, do(t, call{method: "POST", path: "/local/stripe/events/" + e.ID + "/resend"}), 200)
		}
	}
	wantMoney(t, tok, adv, 2_000, 0, 0)
	verifyLedger(t)
}

// Auto-recharge: eight campaigns created at once take the balance below
// its line: one recharge, however many saw the crossing.
func TestPayments_AutoRechargeChargesOncePerCrossing(t *testing.T) {
	// Not parallel: it counts the shared rail's charges.
	tok, advID := eurAdvertiser(t, 5_000)
	adv := "/v1/advertisers/" + advID
	a := decode[struct {
		AutoRecharge *struct{ Below, Amount struct{ Amount int64 } }
	}](t, expect(t, do(t, call{method: "PATCH", path: adv, auth: tok,
		body: `{"autoRecharge":{"below":{"amount":2000,"currency":"EUR"},"amount":{"amount":6000,"currency":"EUR"}},"lowBalanceAlert":{"below":{"amount":3000,"currency":"EUR"}}}`}), 200))
	if a.AutoRecharge == nil || a.AutoRecharge.Amount.Amount != 6000 {
		t.Fatalf("settings %+v", a)
	}
	before := plat.Rail.Charges()
	end := now(t).Add(72 * time.Hour).Truncate(time.Second)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			expect(t, do(t, call{method: "POST", path: adv + "/campaigns", auth: tok, body: campaignBody(1_000, end), headers: idemKey(fmt.Sprint("c", i))}), 201)
		}(i)
	}
	wg.Wait()
	settle(t)
	if n := plat.Rail.Charges() - before; n != 1 {
		t.Fatalf("%d recharges, want 1", n)
	}
	wantMoney(t, tok, adv, 7_000, 4_000, 0)
	if n := len(filterEvents(t, "AdvertiserBalanceLow", advID)); n != 1 {
		t.Fatalf("%d alerts", n)
	}
	// Bad settings: a field error, nothing changed.
	r := expect(t, do(t, call{method: "PATCH", path: adv, auth: tok, body: `{"autoRecharge":{"below":{"amount":2000,"currency":"USD"},"amount":{"amount":10,"currency":"EUR"}}}`}), 400)
	if !hasFieldError(r, "autoRecharge.below") || !hasFieldError(r, "autoRecharge.amount") {
		t.Fatalf("bad settings: %s", r.body)
	}
	verifyLedger(t)
}

func filterEvents(t *testing.T, detailType, payerID string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range events(t, detailType) {
		if d, _ := e["detail"].(map[string]any); d["payerId"] == payerID {
			out = append(out, e)
		}
	}
	return out
}

// A community's card deposits fund its referral budgets and may go back
// to the card, but are never paid out: a payout of them, then a
// chargeback, would be money out twice (found from outside).
func TestPayments_CardFundsAreNotPaidOut(t *testing.T) {
	t.Parallel()
	_, owner := newUser(t)
	com := "/v1/communities/" + createCommunity(t, owner).ID
	harness.SaveCard(t, owner, com, harness.CardVisa)
	body := `{"amount":5000,"currency":"EUR"}`
	expect(t, do(t, call{method: "POST", path: com + "/deposits", auth: owner, body: body, headers: freshKey()}), 201)
	harness.OnboardPayouts(t, owner)
	r := expect(t, do(t, call{method: "POST", path: com + "/payouts", auth: owner, body: body, headers: freshKey()}), 422)
	if !hasFieldError(r, "amount") || !strings.Contains(r.problem.Detail, "card deposits") {
		t.Fatalf("a payout of card funds: %s", r.body)
	}
	expect(t, do(t, call{method: "POST", path: com + "/refunds", auth: owner, body: body, headers: freshKey()}), 201)
	verifyLedger(t)
}

// Money that comes back while the payer owes Souq repays the debt first,
// and nothing is refunded to a card meanwhile (found from outside).
func TestPayments_ReleasedMoneyRepaysTheDebtFirst(t *testing.T) {
	t.Parallel()
	tok, advID := eurAdvertiser(t, 10_000)
	adv := "/v1/advertisers/" + advID
	end := now(t).Add(72 * time.Hour).Truncate(time.Second)
	c := decode[campaignView](t, expect(t, do(t, call{method: "POST", path: adv + "/campaigns", auth: tok, body: campaignBody(7_000, end), headers: freshKey()}), 201))
	deposits := decode[struct{ Data []depositView }](t, expect(t, do(t, call{method: "GET", path: adv + "/deposits", auth: tok}), 200)).Data
	expect(t, do(t, call{method: "POST", path: "/local/stripe/disputes", body: `{"depositId":"` + deposits[0].ID + `"}`}), 201)
	settle(t)
	wantMoney(t, tok, adv, 0, 7_000, 7_000)
	r := expect(t, do(t, call{method: "POST", path: adv + "/refunds", auth: tok, body: `{"amount":1000,"currency":"EUR"}`, headers: freshKey()}), 409)
	if r.problem.Code != "in_debt" {
		t.Fatalf("a refund in debt: %s", r.body)
	}
	expect(t, do(t, call{method: "POST", path: "/v1/campaigns/" + c.ID + "/end", auth: tok}), 200)
	settle(t)
	wantMoney(t, tok, adv, 0, 0, 0) // the released 70.00 repaid the 70.00 owed
	verifyLedger(t)
}

// A failed auto-recharge is counted once, however many times Stripe and
// the charge tell it: two failures leave it on, the third turns it off.
func TestPayments_AutoRechargeCountsEachFailureOnce(t *testing.T) {
	t.Parallel()
	tok, adv := newPayer(t)
	harness.SaveCard(t, tok, adv, harness.CardInsufficientFun)
	d := decode[depositView](t, depositBy(t, tok, adv, "fund", 5_000, "checkout", 201))
	pay(t, d.CheckoutURL, harness.CardVisa) // paid on Checkout; the failing card stays the default
	settle(t)
	a := decode[struct{ AutoRecharge *struct{} }](t, expect(t, do(t, call{method: "PATCH", path: adv, auth: tok,
		body: `{"autoRecharge":{"below":{"amount":6000,"currency":"EUR"},"amount":{"amount":2000,"currency":"EUR"}}}`}), 200))
	if a.AutoRecharge == nil {
		t.Fatal("one failure turned it off")
	}
	end := now(t).Add(72 * time.Hour).Truncate(time.Second)
	expect(t, do(t, call{method: "POST", path: adv + "/campaigns", auth: tok, body: campaignBody(1_000, end), headers: freshKey()}), 201)
	settle(t)
	a = decode[struct{ AutoRecharge *struct{} }](t, expect(t, do(t, call{method: "GET", path: adv, auth: tok}), 200))
	if a.AutoRecharge == nil {
		t.Fatal("two failures turned it off")
	}
	expect(t, do(t, call{method: "POST", path: adv + "/campaigns", auth: tok, body: campaignBody(1_000, end), headers: freshKey()}), 201)
	settle(t)
	off := decode[struct {
		AutoRecharge    *struct{}
		AutoRechargeOff string
	}](t, expect(t, do(t, call{method: "GET", path: adv, auth: tok}), 200))
	if off.AutoRecharge != nil || !strings.Contains(off.AutoRechargeOff, "3 failed") {
		t.Fatalf("after the third failure: %+v", off)
	}
	if n := len(filterEvents(t, "DepositFailed", strings.TrimPrefix(adv, "/v1/advertisers/"))); n != 3 {
		t.Fatalf("%d failed charges", n)
	}
}

// A body that names a field twice is refused: one meaning only.
func TestPayments_ADuplicateKeyIsRefused(t *testing.T) {
	t.Parallel()
	tok, advID := eurAdvertiser(t, 5_000)
	r := expect(t, do(t, call{method: "POST", path: "/v1/advertisers/" + advID + "/refunds", auth: tok,
		body: `{"amount":1000,"currency":"EUR","amount":4000}`, headers: freshKey()}), 400)
	if !hasFieldError(r, "amount") {
		t.Fatalf("%s", r.body)
	}
	wantMoney(t, tok, "/v1/advertisers/"+advID, 5_000, 0, 0)
}
