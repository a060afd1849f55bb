package payments

import (
	"context"
	"errors"
	"sync"
)

// Switchable wraps a rail, or a whole gateway, so that tests and the local
// platform can make it fail on command: the next N money-moving calls
// (ChargeSaved, Refund, Payout alike) are declined, or time out.
// The other Gateway calls (customers, cards, Checkout, Connect) pass
// through untouched.
type Switchable struct {
	// Rail takes the Rail call (Payout); nil means Gateway's.
	Rail Rail
	// Gateway takes the Gateway calls; nil where only a Rail is wrapped
	// (its Gateway calls then fail).
	Gateway Gateway

	mu   sync.Mutex
	mode string
	left int
	// charges, payouts and refunds count the calls that reached the
	// wrapped rail or gateway (charges: ChargeSaved).
	charges, payouts, refunds int
}

var _ Gateway = (*Switchable)(nil)

// Failure modes.
const (
	FailDecline = "decline"
	FailTimeout = "timeout"
	// FailLost makes the call, then loses its answer: the money moved and
	// the caller is told the outcome is unknown (a timeout after Stripe
	// acted). Asking again with the same idempotency key learns it.
	FailLost = "lost"
)

// errNoGateway is what a Gateway call answers when only a Rail is wrapped.
var errNoGateway = errors.New("payments.Switchable: no gateway is wrapped")

// FailNext makes the next n money-moving calls fail in the given mode
// (n = 0 heals).
func (s *Switchable) FailNext(n int, mode string) {
	s.mu.Lock()
	s.left, s.mode = n, mode
	s.mu.Unlock()
}

// Charges reports how many charges (ChargeSaved calls) reached the
// wrapped gateway.
func (s *Switchable) Charges() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.charges
}

// Payouts reports how many payout calls reached the wrapped rail.
func (s *Switchable) Payouts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.payouts
}

// Refunds reports how many refund calls reached the wrapped gateway.
func (s *Switchable) Refunds() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refunds
}

// failure takes one armed failure, if any, and returns its mode; or counts
// a call that goes through and returns "".
func (s *Switchable) failure(count *int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.left > 0 {
		s.left--
		if s.mode == FailDecline || s.mode == FailLost {
			if s.mode == FailLost {
				*count++ // the call is made
			}
			return s.mode
		}
		return FailTimeout
	}
	*count++
	return ""
}

// lost is the answer of a call made whose answer was lost.
func lost[T any](v T, err error) (T, error) {
	if err != nil {
		return v, err
	}
	var zero T
	return zero, failed(FailTimeout)
}

// failed is the error of an armed failure: Declined or Unknown.
func failed(mode string) error {
	if mode == FailDecline {
		return Declined("payments.Switchable", "declined (simulated)")
	}
	return Unknown("payments.Switchable", errors.New("timeout (simulated)"))
}

func (s *Switchable) rail() Rail {
	if s.Rail != nil {
		return s.Rail
	}
	return s.Gateway
}

// Payout implements Rail.
func (s *Switchable) Payout(ctx context.Context, t Transfer) (Receipt, error) {
	switch mode := s.failure(&s.payouts); mode {
	case "":
	case FailLost:
		return lost(s.rail().Payout(ctx, t))
	default:
		return Receipt{}, failed(mode)
	}
	return s.rail().Payout(ctx, t)
}

// ChargeSaved implements Gateway: an armed decline is the card's answer
// (Payment.Status declined, card_declined), not an error.
func (s *Switchable) ChargeSaved(ctx context.Context, c SavedCharge) (Payment, error) {
	if s.Gateway == nil {
		return Payment{}, errNoGateway
	}
	switch s.failure(&s.charges) {
	case FailDecline:
		return Payment{Status: PaymentDeclined, Decline: "card_declined", DeclineMessage: "Your card was declined. (simulated)"}, nil
	case FailTimeout:
		return Payment{}, failed(FailTimeout)
	case FailLost:
		return lost(s.Gateway.ChargeSaved(ctx, c))
	}
	return s.Gateway.ChargeSaved(ctx, c)
}

// Refund implements Gateway.
func (s *Switchable) Refund(ctx context.Context, r RefundRequest) (RefundResult, error) {
	if s.Gateway == nil {
		return RefundResult{}, errNoGateway
	}
	switch mode := s.failure(&s.refunds); mode {
	case "":
	case FailLost:
		return lost(s.Gateway.Refund(ctx, r))
	default:
		return RefundResult{}, failed(mode)
	}
	return s.Gateway.Refund(ctx, r)
}

// CreateCustomer implements Gateway.
func (s *Switchable) CreateCustomer(ctx context.Context, c Customer) (string, error) {
	if s.Gateway == nil {
		return "", errNoGateway
	}
	return s.Gateway.CreateCustomer(ctx, c)
}

// CreateCheckout implements Gateway.
func (s *Switchable) CreateCheckout(ctx context.Context, c CheckoutRequest) (Session, error) {
	if s.Gateway == nil {
		return Session{}, errNoGateway
	}
	return s.Gateway.CreateCheckout(ctx, c)
}

// GetCheckout implements Gateway.
func (s *Switchable) GetCheckout(ctx context.Context, sessionID string) (Session, error) {
	if s.Gateway == nil {
		return Session{}, errNoGateway
	}
	return s.Gateway.GetCheckout(ctx, sessionID)
}

// ListCards implements Gateway.
func (s *Switchable) ListCards(ctx context.Context, customer string) ([]Card, error) {
	if s.Gateway == nil {
		return nil, errNoGateway
	}
	return s.Gateway.ListCards(ctx, customer)
}

// GetCard implements Gateway.
func (s *Switchable) GetCard(ctx context.Context, paymentMethodID string) (Card, error) {
	if s.Gateway == nil {
		return Card{}, errNoGateway
	}
	return s.Gateway.GetCard(ctx, paymentMethodID)
}

// SetDefaultCard implements Gateway.
func (s *Switchable) SetDefaultCard(ctx context.Context, customer, paymentMethodID string) error {
	if s.Gateway == nil {
		return errNoGateway
	}
	return s.Gateway.SetDefaultCard(ctx, customer, paymentMethodID)
}

// DetachCard implements Gateway.
func (s *Switchable) DetachCard(ctx context.Context, paymentMethodID string) error {
	if s.Gateway == nil {
		return errNoGateway
	}
	return s.Gateway.DetachCard(ctx, paymentMethodID)
}

// CreateConnectAccount implements Gateway.
func (s *Switchable) CreateConnectAccount(ctx context.Context, a ConnectRequest) (string, error) {
	if s.Gateway == nil {
		return "", errNoGateway
	}
	return s.Gateway.CreateConnectAccount(ctx, a)
}

// GetConnectAccount implements Gateway.
func (s *Switchable) GetConnectAccount(ctx context.Context, accountID string) (ConnectAccount, error) {
	if s.Gateway == nil {
		return ConnectAccount{}, errNoGateway
	}
	return s.Gateway.GetConnectAccount(ctx, accountID)
}

// OnboardingLink implements Gateway.
func (s *Switchable) OnboardingLink(ctx context.Context, accountID, refreshURL, returnURL string) (string, error) {
	if s.Gateway == nil {
		return "", errNoGateway
	}
	return s.Gateway.OnboardingLink(ctx, accountID, refreshURL, returnURL)
}

// DashboardLink implements Gateway.
func (s *Switchable) DashboardLink(ctx context.Context, accountID string) (string, error) {
	if s.Gateway == nil {
		return "", errNoGateway
	}
	return s.Gateway.DashboardLink(ctx, accountID)
}
