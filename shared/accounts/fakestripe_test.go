package accounts_test

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/payments"
)

// fakeStripe is a test double of Souq's own payments.Gateway (not of
// Stripe's SDK): in-memory customers, cards, payments and refunds, each
// idempotent by its key as Stripe is. The production Stripe code is
// tested against stripe-mock in shared/payments and end to end through
// the local platform's Stripe stand-in in tests/.
type fakeStripe struct {
	mu        sync.Mutex
	customers map[string]string            // key → cus
	cards     map[string]payments.Card     // pm → card (Customer set while attached)
	outcome   map[string]string            // pm → succeeded | requires_action | insufficient_funds
	payments  map[string]payments.Payment  // charge id → outcome (idempotency)
	sessions  map[string]*payments.Session // id → session
	refunds   map[string]payments.RefundResult
	refunded  map[string]int64 // pi → refunded
	charged   map[string]int64 // pi → amount
	// refundStatus is what new refunds answer; unknownRefunds > 0 makes
	// that many refund calls time out.
	refundStatus   string
	unknownRefunds int
	chargeCalls    int
}

func newFakeStripe() *fakeStripe {
	return &fakeStripe{customers: map[string]string{}, cards: map[string]payments.Card{}, outcome: map[string]string{},
		payments: map[string]payments.Payment{}, sessions: map[string]*payments.Session{}, refunds: map[string]payments.RefundResult{},
		refunded: map[string]int64{}, charged: map[string]int64{}, refundStatus: payments.RefundSucceeded}
}

var _ payments.Gateway = (*fakeStripe)(nil)

// attach saves a card for a customer, with how off-session charges on it
// end.
func (f *fakeStripe) attach(customer, pm, outcome string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cards[pm] = payments.Card{ID: pm, Brand: "visa", Last4: pm[len(pm)-4:], ExpMonth: 12, ExpYear: 2042, Customer: customer}
	f.outcome[pm] = outcome
}

func (f *fakeStripe) charges() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.payments)
}

func (f *fakeStripe) CreateCustomer(_ context.Context, c payments.Customer) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if cus, ok := f.customers[c.Key]; ok {
		return cus, nil
	}
	cus := "cus_" + strings.NewReplacer("-", "", "_", "").Replace(c.Key)
	f.customers[c.Key] = cus
	return cus, nil
}

func (f *fakeStripe) ChargeSaved(_ context.Context, c payments.SavedCharge) (payments.Payment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.chargeCalls++
	if p, ok := f.payments[c.ID]; ok {
		return p, nil
	}
	card, ok := f.cards[c.PaymentMethod]
	if !ok || card.Customer != c.Customer {
		return payments.Payment{}, payments.Declined("fake", "no such payment method")
	}
	pi := "pi_" + strings.TrimPrefix(c.ID, "dep_")
	var p payments.Payment
	switch f.outcome[c.PaymentMethod] {
	case "requires_action":
		p = payments.Payment{Status: payments.PaymentRequiresAction, Reference: pi, Decline: "authentication_required"}
	case "insufficient_funds":
		p = payments.Payment{Status: payments.PaymentDeclined, Reference: pi, Decline: "insufficient_funds", DeclineMessage: "Your card has insufficient funds."}
	default:
		p = payments.Payment{Status: payments.PaymentSucceeded, Reference: pi, ChargeID: "ch_" + pi[3:], Card: payments.CardSummary{Brand: card.Brand, Last4: card.Last4}}
		f.charged[pi] = c.Amount.Minor
	}
	f.payments[c.ID] = p
	return p, nil
}

func (f *fakeStripe) CreateCheckout(_ context.Context, c payments.CheckoutRequest) (payments.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := "cs_" + c.ID
	if s, ok := f.sessions[id]; ok {
		return *s, nil
	}
	s := &payments.Session{ID: id, URL: "https://checkout.test/" + id, Mode: c.Mode, Status: "open", PaymentStatus: "unpaid", Customer: c.Customer, Amount: c.Amount, Metadata: c.Metadata}
	f.sessions[id] = s
	return *s, nil
}

// pay completes a payment-mode session with a card, as the payer would on
// Stripe's page.
func (f *fakeStripe) pay(sessionID, last4 string) payments.Session {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.sessions[sessionID]
	s.Status, s.PaymentStatus = "complete", "paid"
	s.PaymentIntent = "pi_" + strings.TrimPrefix(sessionID, "cs_")
	s.ChargeID = "ch_" + strings.TrimPrefix(sessionID, "cs_")
	s.Card = payments.CardSummary{Brand: "visa", Last4: last4}
	f.charged[s.PaymentIntent] = s.Amount.Minor
	return *s
}

func (f *fakeStripe) GetCheckout(_ context.Context, id string) (payments.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sessions[id]
	if !ok {
		return payments.Session{}, payments.Declined("fake", "no such session")
	}
	return *s, nil
}

func (f *fakeStripe) ListCards(_ context.Context, customer string) ([]payments.Card, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []payments.Card
	for _, c := range f.cards {
		if c.Customer == customer {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeStripe) GetCard(_ context.Context, pm string) (payments.Card, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.cards[pm]
	if !ok {
		return payments.Card{}, payments.Declined("fake", "no such payment method")
	}
	return c, nil
}

func (f *fakeStripe) SetDefaultCard(context.Context, string, string) error { return nil }

func (f *fakeStripe) DetachCard(_ context.Context, pm string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.cards[pm]
	c.Customer = ""
	f.cards[pm] = c
	return nil
}

func (f *fakeStripe) Refund(_ context.Context, r payments.RefundRequest) (payments.RefundResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if res, ok := f.refunds[r.ID]; ok {
		return res, nil
	}
	if f.unknownRefunds > 0 {
		f.unknownRefunds--
		return payments.RefundResult{}, payments.Unknown("fake", fmt.Errorf("timeout"))
	}
	if f.refunded[r.PaymentIntent]+r.Amount > f.charged[r.PaymentIntent] {
		return payments.RefundResult{}, &fault.Error{Kind: fault.UpstreamFailed, Op: "fake", Message: fmt.Sprintf("refund of %d exceeds what %s has left", r.Amount, r.PaymentIntent)}
	}
	res := payments.RefundResult{ID: "re_" + r.ID, Status: f.refundStatus}
	if res.Status != payments.RefundFailed {
		f.refunded[r.PaymentIntent] += r.Amount
	}
	f.refunds[r.ID] = res
	return res, nil
}

func (f *fakeStripe) Payout(context.Context, payments.Transfer) (payments.Receipt, error) {
	return payments.Receipt{}, payments.Declined("fake", "not used")
}
func (f *fakeStripe) CreateConnectAccount(context.Context, payments.ConnectRequest) (string, error) {
	return "", payments.Declined("fake", "not used")
}
func (f *fakeStripe) GetConnectAccount(context.Context, string) (payments.ConnectAccount, error) {
	return payments.ConnectAccount{}, payments.Declined("fake", "not used")
}
func (f *fakeStripe) OnboardingLink(context.Context, string, string, string) (string, error) {
	return "", payments.Declined("fake", "not used")
}
func (f *fakeStripe) DashboardLink(context.Context, string) (string, error) {
	return "", payments.Declined("fake", "not used")
}
