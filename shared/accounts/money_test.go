package accounts_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/accounts"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/storetest"
)

// moneyWorld is one advertiser with the accounts service over DynamoDB
// Local and a fake of Souq's Stripe gateway.
type moneyWorld struct {
	t     testing.TB
	ctx   context.Context
	svc   *accounts.Service
	db    *store.DB
	led   *ledger.Ledger
	fake  *fakeStripe
	clk   *clock.Fake
	owner auth.Principal
	adv   accounts.Advertiser
}

func newMoneyWorld(t testing.TB) *moneyWorld {
	t.Helper()
	db := storetest.New(t)
	w := &moneyWorld{t: t, ctx: context.Background(), db: db, led: ledger.New(db), fake: newFakeStripe(),
		clk: clock.NewFake(time.Date(2039, 1, 31, 9, 0, 0, 0, time.UTC)), owner: user("usr_payer")}
	w.svc = accounts.NewService(accounts.NewRepository(db), w.clk, false).WithMoney(w.led, w.fake, accounts.MoneyConfig{PublicURL: "https://souq.test"})
	adv, err := w.svc.CreateAdvertiser(w.ctx, w.owner, accounts.CreateAdvertiserInput{Name: "Acme", Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	w.adv = adv
	return w
}

// saveCard saves a card as the payer would on Checkout's setup page and
// makes it the default.
func (w *moneyWorld) saveCard(pm, outcome string) {
	w.t.Helper()
	if _, err := w.svc.AddCard(w.ctx, w.owner, accounts.PayerAdvertiser, w.adv.ID, "card-"+pm); err != nil {
		w.t.Fatal(err)
	}
	w.fake.attach(w.fake.customers["customer-advertiser-"+w.adv.ID], pm, outcome)
	if _, err := w.svc.MakeDefaultCard(w.ctx, w.owner, pm); err != nil {
		w.t.Fatal(err)
	}
}

func (w *moneyWorld) deposit(key string, amount int64, method string) (accounts.Deposit, error) {
	return w.svc.Deposit(w.ctx, w.owner, auth.AccountAdvertiser, w.adv.ID, key, accounts.DepositInput{Amount: amount, Currency: "USD", Method: method})
}

func (w *moneyWorld) balance() accounts.BalanceView {
	w.t.Helper()
	b, err := w.svc.Balance(w.ctx, w.owner, auth.AccountAdvertiser, w.adv.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return b
}

func (w *moneyWorld) wantBalance(available, held, debt int64) {
	w.t.Helper()
	if b := w.balance(); b.Available != available || b.Held != held || b.Debt != debt {
		w.t.Fatalf("balance %+v, want available %d held %d debt %d", b, available, held, debt)
	}
}

func (w *moneyWorld) hold(id string, amount int64) {
	w.t.Helper()
	op, err := w.led.PrepareHold(id, ledger.Advertiser(w.adv.ID), "USD", amount, w.clk.Now())
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.led.Apply(w.ctx, op); err != nil {
		w.t.Fatal(err)
	}
}

func (w *moneyWorld) verify() {
	w.t.Helper()
	r, err := w.led.Verify(w.ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	if !r.OK || len(r.Violations) > 0 {
		w.t.Fatalf("ledger verify: %v", r.Violations)
	}
}

func (w *moneyWorld) events(detailType string) int {
	return storetest.OutboxCount(w.t, w.db, detailType)
}

// Eight requests with one Idempotency-Key at once: one charge, one credit,
// one event.
func TestDeposit_SavedCardCreditsInTheRequestOnce(t *testing.T) {
	t.Parallel()
	w := newMoneyWorld(t)
	w.saveCard("pm_4242", "succeeded")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.deposit("same-key", 5000, ""); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	d, err := w.deposit("same-key", 5000, "")
	if err != nil || d.Status != accounts.DepositSucceeded || d.Method != accounts.MethodSaved || d.Card == nil || d.Card.Last4 != "4242" || d.ReceiptURL == "" {
		t.Fatalf("deposit %+v %v", d, err)
	}
	w.wantBalance(5000, 0, 0)
	if n := w.fake.charges(); n != 1 {
		t.Fatalf("%d charges", n)
	}
	if n := w.events("DepositSucceeded"); n != 1 {
		t.Fatalf("%d DepositSucceeded", n)
	}
	// The same key for another amount is another request: refused.
	if _, err := w.deposit("same-key", 6000, ""); fault.KindOf(err) != fault.IdempotencyMismatch {
		t.Fatalf("another amount with the key: %v", err)
	}
	w.verify()
}

// Checkout: pending with a URL; paid; then Stripe's two events (each
// twice) and the payer's return all race: credited once.
func TestDeposit_CheckoutCreditedOnceWhateverArrivesFirst(t *testing.T) {
	t.Parallel()
	w := newMoneyWorld(t)
	d, err := w.deposit("k1", 2500, accounts.MethodCheckout)
	if err != nil || d.Status != accounts.DepositPending || !strings.HasPrefix(d.CheckoutURL, "https://checkout.test/") {
		t.Fatalf("deposit %+v %v", d, err)
	}
	// Before it is paid, reading it changes nothing.
	if got, _ := w.svc.GetDeposit(w.ctx, w.owner, d.ID); got.Status != accounts.DepositPending {
		t.Fatalf("unpaid: %s", got.Status)
	}
	sess := w.fake.pay("cs_"+d.ID, "1881")
	completed := payments.Event{ID: "evt_c", Type: payments.EventCheckoutCompleted, Checkout: &sess}
	succeeded := payments.Event{ID: "evt_p", Type: payments.EventPaymentSucceeded, Payment: &payments.PaymentEvent{ID: sess.PaymentIntent, Status: "succeeded",
		Amount: 2500, Currency: "USD", ChargeID: sess.ChargeID, Card: sess.Card, Metadata: map[string]string{"souq_deposit": d.ID}}}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(3)
		go func() { defer wg.Done(); check(t, w.svc.ApplyStripe(w.ctx, completed)) }()
		go func() { defer wg.Done(); check(t, w.svc.ApplyStripe(w.ctx, succeeded)) }()
		go func() { defer wg.Done(); _, err := w.svc.GetDeposit(w.ctx, w.owner, d.ID); check(t, err) }()
	}
	wg.Wait()
	got, err := w.svc.GetDeposit(w.ctx, w.owner, d.ID)
	if err != nil || got.Status != accounts.DepositSucceeded || got.Card == nil || got.Card.Last4 != "1881" || got.CheckoutURL != "" {
		t.Fatalf("after payment: %+v %v", got, err)
	}
	w.wantBalance(2500, 0, 0)
	if n := w.events("DepositSucceeded"); n != 1 {
		t.Fatalf("%d DepositSucceeded", n)
	}
	page, err := w.svc.Receipt(w.ctx, w.owner, d.ID)
	if err != nil || !strings.Contains(string(page), "25.00 USD") || !strings.Contains(string(page), "visa ending in 1881") || !strings.Contains(string(page), got.TransferID) {
		t.Fatalf("receipt: %v\n%s", err, page)
	}
	// Someone else's principal sees nothing.
	if _, err := w.svc.GetDeposit(w.ctx, user("usr_other"), d.ID); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("other person: %v", err)
	}
	w.verify()
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Error(err)
	}
}

// A decline is 402 naming it; nothing is credited, now or on a retry.
func TestDeposit_DeclineCreditsNothing(t *testing.T) {
	t.Parallel()
	w := newMoneyWorld(t)
	w.saveCard("pm_9995", "insufficient_funds")
	for i := 0; i < 2; i++ {
		_, err := w.deposit("k-declined", 5000, accounts.MethodSaved)
		fe, ok := fault.As(err)
		if !ok || fe.Kind != fault.PaymentDeclined || fe.Code != "insufficient_funds" {
			t.Fatalf("try %d: %v", i, err)
		}
	}
	w.wantBalance(0, 0, 0)
	if n := w.events("DepositFailed"); n != 1 {
		t.Fatalf("%d DepositFailed", n)
	}
	w.verify()
}

// A card that needs its holder: requires_action, then paid on Checkout.
func TestDeposit_RequiresActionThenPaidOnCheckout(t *testing.T) {
	t.Parallel()
	w := newMoneyWorld(t)
	w.saveCard("pm_3184", "requires_action")
	d, err := w.deposit("k-3ds", 4000, "")
	if err != nil || d.Status != accounts.DepositRequiresAction || d.ActionURL == "" {
		t.Fatalf("%+v %v", d, err)
	}
	w.wantBalance(0, 0, 0)
	w.fake.pay("cs_"+d.ID+"-action", "3184")
	got, err := w.svc.GetDeposit(w.ctx, w.owner, d.ID)
	if err != nil || got.Status != accounts.DepositSucceeded {
		t.Fatalf("%+v %v", got, err)
	}
	w.wantBalance(4000, 0, 0)
	w.verify()
}

func TestDeposit_RefusesBadInputAndChangesNothing(t *testing.T) {
	t.Parallel()
	w := newMoneyWorld(t)
	for _, tc := range []struct {
		in    accounts.DepositInput
		field string
	}{
		{accounts.DepositInput{Amount: 999, Currency: "USD"}, "amount"},
		{accounts.DepositInput{Amount: accounts.MaxDeposit + 1, Currency: "USD"}, "amount"},
		{accounts.DepositInput{Amount: 5000, Currency: "EUR"}, "currency"},
		{accounts.DepositInput{Amount: 5000, Currency: "USD", Method: "cash"}, "method"},
		{accounts.DepositInput{Amount: 5000, Currency: "USD", Method: "saved"}, "method"}, // no card saved
	} {
		_, err := w.svc.Deposit(w.ctx, w.owner, auth.AccountAdvertiser, w.adv.ID, "k-bad-"+tc.field+fmt.Sprint(tc.in.Amount), tc.in)
		fe, ok := fault.As(err)
		if !ok || fe.Kind != fault.Invalid || len(fe.Fields) == 0 || fe.Fields[0].Field != tc.field {
			t.Fatalf("%+v: %v", tc.in, err)
		}
	}
	w.wantBalance(0, 0, 0)
	if w.fake.chargeCalls != 0 {
		t.Fatalf("%d charges", w.fake.chargeCalls)
	}
}

// A dispute larger than available: exactly the shortfall is debt; the
// advertiser cannot bid; the next deposit repays it first; won returns
// the disputed money, lost sends it out.
func TestDispute_ShortfallIsDebtRepaidFirst(t *testing.T) {
	t.Parallel()
	for _, outcome := range []string{payments.DisputeWon, payments.DisputeLost} {
		t.Run(outcome, func(t *testing.T) {
			t.Parallel()
			w := newMoneyWorld(t)
			w.saveCard("pm_4242", "succeeded")
			d, err := w.deposit("k1", 5000, "")
			if err != nil {
				t.Fatal(err)
			}
			w.hold("hold_bid", 3000) // a bid holds 30.00: available 20.00
			du := payments.DisputeEvent{ID: "du_1", PaymentIntent: d.Reference, Amount: 5000, Currency: "USD", Status: "needs_response", Reason: "fraudulent"}
			var wg sync.WaitGroup
			for i := 0; i < 8; i++ { // eight deliveries at once (Stripe's retries, a resend) apply once
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					check(t, w.svc.ApplyStripe(w.ctx, payments.Event{ID: fmt.Sprint("evt_d", i%3), Type: payments.EventDisputeCreated, Dispute: &du}))
				}(i)
			}
			wg.Wait()
			w.wantBalance(0, 3000, 3000)
			if err := w.led.RefuseInDebt(w.ctx, ledger.Advertiser(w.adv.ID), "USD", "test"); fault.KindOf(err) != fault.Conflict {
				t.Fatalf("in debt: %v", err)
			}
			got, _ := w.svc.GetDeposit(w.ctx, w.owner, d.ID)
			if got.Status != accounts.DepositDisputed || got.Disputed != 5000 {
				t.Fatalf("deposit %+v", got)
			}
			// The next deposit repays the debt first.
			d2, err := w.deposit("k2", 4000, "")
			if err != nil || d2.DebtRepaid != 3000 {
				t.Fatalf("%+v %v", d2, err)
			}
			w.wantBalance(1000, 3000, 0)
			if n := w.events("PayerDebtChanged"); n != 2 {
				t.Fatalf("%d PayerDebtChanged", n)
			}
			du.Status = outcome
			for i := 0; i < 2; i++ {
				if err := w.svc.ApplyStripe(w.ctx, payments.Event{ID: fmt.Sprint("evt_close", i), Type: payments.EventDisputeClosed, Dispute: &du}); err != nil {
					t.Fatal(err)
				}
			}
			if outcome == payments.DisputeWon {
				w.wantBalance(6000, 3000, 0)
			} else {
				w.wantBalance(1000, 3000, 0)
			}
			if n := w.events("DisputeClosed"); n != 1 {
				t.Fatalf("%d DisputeClosed", n)
			}
			w.verify()
		})
	}
}

// A close that arrives before its open applies both, once.
func TestDispute_CloseBeforeOpen(t *testing.T) {
	t.Parallel()
	w := newMoneyWorld(t)
	w.saveCard("pm_4242", "succeeded")
	d, _ := w.deposit("k1", 2000, "")
	du := payments.DisputeEvent{ID: "du_2", PaymentIntent: d.Reference, Amount: 2000, Currency: "USD", Status: payments.DisputeLost}
	check(t, w.svc.ApplyStripe(w.ctx, payments.Event{ID: "evt_closed", Type: payments.EventDisputeClosed, Dispute: &du}))
	du.Status = "needs_response"
	check(t, w.svc.ApplyStripe(w.ctx, payments.Event{ID: "evt_opened", Type: payments.EventDisputeCreated, Dispute: &du}))
	w.wantBalance(0, 0, 0)
	if w.events("DisputeOpened") != 1 || w.events("DisputeClosed") != 1 {
		t.Fatal("open and close once each")
	}
	w.verify()
}

// Eight refunds at once, and a bid's hold: only available money goes
// back, never held, against the newest deposits first.
func TestRefund_ConcurrentRefundsNeverTakeHeldMoney(t *testing.T) {
	t.Parallel()
	w := newMoneyWorld(t)
	w.saveCard("pm_4242", "succeeded")
	first, _ := w.deposit("k1", 3000, "")
	w.clk.Advance(time.Minute)
	second, _ := w.deposit("k2", 2000, "")
	w.hold("hold_bid", 1000) // available 40.00
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r, err := w.svc.RefundUnspent(w.ctx, w.owner, auth.AccountAdvertiser, w.adv.ID, fmt.Sprint("r", i), accounts.RefundInput{Amount: 1000, Currency: "USD"})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && r.Status == accounts.RefundSucceeded && r.Refunded == 1000:
				ok++
			case fault.KindOf(err) == fault.InsufficientFunds:
				refused++
			default:
				t.Errorf("refund %d: %+v %v", i, r, err)
			}
		}(i)
	}
	wg.Wait()
	if ok != 4 || refused != 4 {
		t.Fatalf("%d refunded, %d refused; want 4 and 4", ok, refused)
	}
	w.wantBalance(0, 1000, 0)
	a, _ := w.svc.GetDeposit(w.ctx, w.owner, first.ID)
	b, _ := w.svc.GetDeposit(w.ctx, w.owner, second.ID)
	if b.Refunded != 2000 || a.Refunded != 2000 || b.Status != accounts.DepositRefunded || a.Status != accounts.DepositPartiallyRefunded {
		t.Fatalf("newest first: %+v / %+v", b, a)
	}
	w.verify()
}

// A refund Stripe fails returns to available; an unknown outcome is in
// transit until the same request asks again.
func TestRefund_FailedReturnsUnknownRetries(t *testing.T) {
	t.Parallel()
	w := newMoneyWorld(t)
	w.saveCard("pm_4242", "succeeded")
	_, _ = w.deposit("k1", 3000, "")
	w.fake.refundStatus = payments.RefundFailed
	r, err := w.svc.RefundUnspent(w.ctx, w.owner, auth.AccountAdvertiser, w.adv.ID, "r-fail", accounts.RefundInput{Amount: 1000, Currency: "USD"})
	if err != nil || r.Status != accounts.RefundFailed || r.Returned != 1000 {
		t.Fatalf("%+v %v", r, err)
	}
	w.wantBalance(3000, 0, 0)
	w.fake.refundStatus = payments.RefundSucceeded
	w.fake.unknownRefunds = 1
	if _, err := w.svc.RefundUnspent(w.ctx, w.owner, auth.AccountAdvertiser, w.adv.ID, "r-unknown", accounts.RefundInput{Amount: 1000, Currency: "USD"}); fault.KindOf(err) != fault.Unavailable {
		t.Fatalf("unknown: %v", err)
	}
	w.wantBalance(2000, 0, 0) // in transit
	r, err = w.svc.RefundUnspent(w.ctx, w.owner, auth.AccountAdvertiser, w.adv.ID, "r-unknown", accounts.RefundInput{Amount: 1000, Currency: "USD"})
	if err != nil || r.Status != accounts.RefundSucceeded {
		t.Fatalf("retry: %+v %v", r, err)
	}
	w.wantBalance(2000, 0, 0)
	if w.events("RefundFailed") != 1 || w.events("RefundSucceeded") != 1 {
		t.Fatal("one failed, one succeeded")
	}
	w.verify()
}

// A refund made in Stripe's dashboard, reported twice: applied once; what
// available cannot cover becomes debt.
func TestDashboardRefund_AppliedOnce(t *testing.T) {
	t.Parallel()
	w := newMoneyWorld(t)
	w.saveCard("pm_4242", "succeeded")
	d, _ := w.deposit("k1", 3000, "")
	w.hold("hold_bid", 2500) // available 5.00
	ch := payments.ChargeEvent{ID: "ch_x", PaymentIntent: d.Reference, Amount: 3000, AmountRefunded: 1500, Currency: "USD",
		Refunds: []payments.RefundEvent{{ID: "re_dash", Status: payments.RefundSucceeded, Amount: 1500, PaymentIntent: d.Reference}}}
	for i := 0; i < 3; i++ {
		check(t, w.svc.ApplyStripe(w.ctx, payments.Event{ID: fmt.Sprint("evt_r", i), Type: payments.EventChargeRefunded, Charge: &ch}))
	}
	w.wantBalance(0, 2500, 1000)
	if got, _ := w.svc.GetDeposit(w.ctx, w.owner, d.ID); got.Refunded != 1500 {
		t.Fatalf("refunded %d", got.Refunded)
	}
	w.verify()
}

// Auto-recharge: eight observers of one crossing charge once; three
// failures in a row turn it off and say so.
func TestAutoRecharge_OncePerCrossingOffAfterThreeFailures(t *testing.T) {
	t.Parallel()
	w := newMoneyWorld(t)
	w.saveCard("pm_4242", "succeeded")
	if _, err := w.deposit("k1", 1500, ""); err != nil {
		t.Fatal(err)
	}
	usd := func(n int64) money.Amount { return money.Amount{Minor: n, Currency: "USD"} }
	a, err := w.svc.UpdateAdvertiser(w.ctx, w.owner, w.adv.ID, accounts.UpdateAdvertiserInput{
		AutoRecharge: accounts.Set(&accounts.AutoRecharge{Below: usd(1000), Amount: usd(5000)})})
	if err != nil || a.AutoRecharge == nil || a.AutoRecharge.Amount.Minor != 5000 {
		t.Fatalf("%+v %v", a, err)
	}
	w.hold("hold_1", 1000) // available 5.00: below 10.00
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); check(t, w.svc.WatchBalance(w.ctx, w.adv.ID, "USD")) }()
	}
	wg.Wait()
	w.wantBalance(5500, 1000, 0)
	if n := w.fake.charges(); n != 2 {
		t.Fatalf("%d charges, want the deposit and one recharge", n)
	}
	// The card now fails: each later change of the balance tries again
	// (a new crossing, a new deposit id); the third failure turns it off,
	// and a fourth observation charges nothing.
	w.saveCard("pm_9995", "insufficient_funds")
	w.hold("hold_spend", 5500)
	calls := w.fake.chargeCalls
	for i := 0; i < 4; i++ {
		check(t, w.svc.WatchBalance(w.ctx, w.adv.ID, "USD"))
	}
	if n := w.fake.chargeCalls - calls; n != 3 {
		t.Fatalf("%d charge attempts on the failing card, want 3", n)
	}
	w.wantBalance(0, 6500, 0)
	a, _ = w.svc.GetAdvertiser(w.ctx, w.owner, w.adv.ID)
	if a.AutoRecharge != nil || !strings.Contains(a.AutoRechargeOff, "3 failed") {
		t.Fatalf("after three failures: %+v", a)
	}
	if n := w.events("AutoRechargeFailed"); n != 1 {
		t.Fatalf("%d AutoRechargeFailed", n)
	}
	w.verify()
}

// The alert is sent once per crossing, and again after the balance came
// back above it.
func TestLowBalanceAlert_OncePerCrossing(t *testing.T) {
	t.Parallel()
	w := newMoneyWorld(t)
	w.saveCard("pm_4242", "succeeded")
	_, _ = w.deposit("k1", 2000, "")
	usd := func(n int64) money.Amount { return money.Amount{Minor: n, Currency: "USD"} }
	if _, err := w.svc.UpdateAdvertiser(w.ctx, w.owner, w.adv.ID, accounts.UpdateAdvertiserInput{
		LowBalanceAlert: accounts.Set(&accounts.BalanceAlert{Below: usd(1000)})}); err != nil {
		t.Fatal(err)
	}
	w.hold("h1", 1500)
	for i := 0; i < 3; i++ {
		check(t, w.svc.WatchBalance(w.ctx, w.adv.ID, "USD"))
	}
	if n := w.events("AdvertiserBalanceLow"); n != 1 {
		t.Fatalf("%d alerts", n)
	}
	_, _ = w.deposit("k2", 2000, "") // back above: re-armed
	w.hold("h2", 2000)
	check(t, w.svc.WatchBalance(w.ctx, w.adv.ID, "USD"))
	if n := w.events("AdvertiserBalanceLow"); n != 2 {
		t.Fatalf("%d alerts after the second crossing", n)
	}
	// Bad settings are refused by field.
	_, err := w.svc.UpdateAdvertiser(w.ctx, w.owner, w.adv.ID, accounts.UpdateAdvertiserInput{LowBalanceAlert: accounts.Set(&accounts.BalanceAlert{Below: money.Amount{Minor: 5, Currency: "EUR"}})})
	if fe, ok := fault.As(err); !ok || fe.Kind != fault.Invalid || fe.Fields[0].Field != "lowBalanceAlert.below" {
		t.Fatalf("EUR alert: %v", err)
	}
}

// A Checkout nobody paid expires: the deposit fails (nothing charged),
// once, and a later payment of another session is not undone by it.
func TestDeposit_CheckoutExpiredFailsIt(t *testing.T) {
	t.Parallel()
	w := newMoneyWorld(t)
	d, err := w.deposit("k-expire", 2000, accounts.MethodCheckout)
	if err != nil {
		t.Fatal(err)
	}
	sess, _ := w.fake.GetCheckout(w.ctx, "cs_"+d.ID)
	sess.Status = "expired"
	for i := 0; i < 2; i++ {
		check(t, w.svc.ApplyStripe(w.ctx, payments.Event{ID: fmt.Sprint("evt_exp", i), Type: payments.EventCheckoutExpired, Checkout: &sess}))
	}
	got, _ := w.svc.GetDeposit(w.ctx, w.owner, d.ID)
	if got.Status != accounts.DepositFailed || got.FailureCode != "expired" || got.CheckoutURL != "" {
		t.Fatalf("%+v", got)
	}
	if n := w.events("DepositFailed"); n != 1 {
		t.Fatalf("%d DepositFailed", n)
	}
	w.wantBalance(0, 0, 0)
}
