package payments

import (
	"context"

	"github.com/souqhq/souq/shared/money"
)

// Gateway is Stripe as Souq uses it (DESIGN §15): payers are Customers
// whose cards are entered only on Stripe's hosted Checkout; deposits are
// PaymentIntents (off-session on a saved card) or Checkout Sessions;
// refunds are Refunds; payees are Connect Express accounts. Every call
// that creates something carries an idempotency key derived from Souq's
// business id, so that a retry after an unknown outcome creates nothing
// twice.
//
// Errors: a definite refusal is fault.UpstreamFailed (Declined); an
// unknown outcome (timeout, Stripe down, 5xx, 429) is fault.Unavailable
// (Unknown), after which the same call with the same key is safe.
//
// The AWS build is *Stripe on api.stripe.com; the local platform uses the
// same *Stripe against its Stripe stand-in (infra/local/stripelocal),
// which checks each request's shape with stripe-mock and plays Stripe's
// state, pages and events.
type Gateway interface {
	Rail

	// CreateCustomer makes the payer's Customer. Key is the idempotency
	// key ("customer-<kind>-<id>"): two racing first uses make one.
	CreateCustomer(ctx context.Context, c Customer) (string, error)
	// ChargeSaved confirms an off-session PaymentIntent for ID (its
	// idempotency key) on the customer's saved card. The outcome is in
	// Payment.Status: succeeded, requires_action (the card needs its
	// holder: send them to a Checkout for the same deposit), or declined
	// (Payment.Decline says why; the error is nil: a decline is an answer).
	ChargeSaved(ctx context.Context, c SavedCharge) (Payment, error)
	// CreateCheckout makes a hosted Checkout Session: mode "payment" (a
	// deposit; the card is saved for later off-session use) or "setup"
	// (a card on file, nothing charged).
	CreateCheckout(ctx context.Context, c CheckoutRequest) (Session, error)
	// GetCheckout reads a session (with its PaymentIntent or
	// SetupIntent's outcome and card).
	GetCheckout(ctx context.Context, sessionID string) (Session, error)
	// ListCards lists the customer's cards.
	ListCards(ctx context.Context, customer string) ([]Card, error)
	// GetCard reads one card, with the customer it belongs to ("" when
	// detached).
	GetCard(ctx context.Context, paymentMethodID string) (Card, error)
	// SetDefaultCard makes a card the customer's default for invoices and
	// off-session charges.
	SetDefaultCard(ctx context.Context, customer, paymentMethodID string) error
	// DetachCard removes a card from its customer.
	DetachCard(ctx context.Context, paymentMethodID string) error
	// Refund refunds part or all of a PaymentIntent's charge; ID is the
	// idempotency key and goes into the refund's metadata (souq_refund_id).
	Refund(ctx context.Context, r RefundRequest) (RefundResult, error)
	// CreateConnectAccount makes a payee's Connect Express account; Key is
	// the idempotency key ("connect-<userId>").
	CreateConnectAccount(ctx context.Context, a ConnectRequest) (string, error)
	// GetConnectAccount reads an account's payout state.
	GetConnectAccount(ctx context.Context, accountID string) (ConnectAccount, error)
	// OnboardingLink is an Account Link (type account_onboarding).
	OnboardingLink(ctx context.Context, accountID, refreshURL, returnURL string) (string, error)
	// DashboardLink is a login link to the Express dashboard.
	DashboardLink(ctx context.Context, accountID string) (string, error)
}

// Customer is who a payer is at Stripe.
type Customer struct {
	Key   string // idempotency key
	Payer string // "advertiser:adv_…", "community:com_…", "user:usr_…" (metadata souq_payer)
	Name  string
}

// SavedCharge is an off-session charge on a saved card.
type SavedCharge struct {
	ID            string // dep_… (idempotency key, metadata souq_charge_id)
	Customer      string
	PaymentMethod string
	Amount        money.Amount
	Description   string
	Metadata      map[string]string
}

// Payment statuses (Payment.Status).
const (
	PaymentSucceeded      = "succeeded"
	PaymentRequiresAction = "requires_action"
	PaymentDeclined       = "declined"
	PaymentProcessing     = "processing"
)

// Payment is the outcome of a charge.
type Payment struct {
	Status string
	// Reference is the PaymentIntent (pi_…); ChargeID its latest charge.
	Reference string
	ChargeID  string
	Card      CardSummary
	// Decline is Stripe's decline code or error code (insufficient_funds,
	// card_declined, authentication_required, …) and its message.
	Decline, DeclineMessage string
}

// CardSummary is what a receipt names of a card.
type CardSummary struct {
	Brand string `json:"brand"`
	Last4 string `json:"last4"`
}

// Checkout modes.
const (
	ModePayment = "payment"
	ModeSetup   = "setup"
)

// CheckoutRequest is a hosted Checkout Session to create.
type CheckoutRequest struct {
	ID          string // idempotency key; client_reference_id and metadata souq_ref
	Mode        string
	Customer    string
	Amount      money.Amount // payment mode only
	Description string
	SuccessURL  string
	CancelURL   string
	Metadata    map[string]string
}

// Session is a Checkout Session as Souq reads it.
type Session struct {
	ID   string
	URL  string
	Mode string
	// Status is open, complete or expired; PaymentStatus is paid, unpaid
	// or no_payment_required.
	Status, PaymentStatus string
	Customer              string
	// PaymentIntent (payment mode) and SetupIntent (setup mode), and the
	// card they used once complete.
	PaymentIntent, ChargeID, SetupIntent string
	PaymentMethod                        string
	Card                                 CardSummary
	Amount                               money.Amount
	Metadata                             map[string]string
}

// Card is a saved card (a PaymentMethod of type card).
type Card struct {
	ID       string `json:"id"`
	Brand    string `json:"brand"`
	Last4    string `json:"last4"`
	ExpMonth int64  `json:"expMonth"`
	ExpYear  int64  `json:"expYear"`
	Customer string `json:"-"`
}

// RefundRequest is a refund of (part of) a payment.
type RefundRequest struct {
	ID            string // idempotency key; metadata souq_refund_id
	PaymentIntent string
	Amount        int64
	Metadata      map[string]string
}

// Refund statuses as Stripe names them.
const (
	RefundSucceeded = "succeeded"
	RefundPending   = "pending"
	RefundFailed    = "failed"
	RefundCanceled  = "canceled"
)

// RefundResult is Stripe's refund.
type RefundResult struct {
	ID     string // re_…
	Status string
}

// ConnectRequest is a payee's Express account to create.
type ConnectRequest struct {
	Key     string // idempotency key
	Payee   string // "user:usr_…" (metadata souq_payee)
	Country string // "" lets Stripe ask
	Email   string
}

// ConnectAccount is a payee's account's payout state.
type ConnectAccount struct {
	ID             string
	PayoutsEnabled bool
	// DetailsSubmitted says onboarding was finished (even if Stripe still
	// reviews it); Requirements are what Stripe still needs
	// (requirements.currently_due, then past_due); DisabledReason is
	// requirements.disabled_reason.
	DetailsSubmitted bool
	Requirements     []string
	DisabledReason   string
	Payee            string // metadata souq_payee
}
