package payments

// Event is one of Stripe's events as Souq applies it: verified (the raw
// body's Stripe-Signature against one of the endpoint's secrets, within
// the tolerance) and decoded into Souq's own view of its object. Exactly
// one of the object fields is set for the types Souq knows; for any other
// type none is, and the event is acknowledged and ignored.
type Event struct {
	ID      string // evt_…
	Type    string
	Created int64 // Stripe's created, unix seconds
	// ObjectID is the id of data.object, whatever its type.
	ObjectID string

	Checkout *Session        // checkout.session.completed / .expired
	Payment  *PaymentEvent   // payment_intent.succeeded / .payment_failed
	Setup    *SetupEvent     // setup_intent.succeeded
	Charge   *ChargeEvent    // charge.refunded
	Refund   *RefundEvent    // refund.updated / charge.refund.updated
	Dispute  *DisputeEvent   // charge.dispute.created / .closed
	Account  *ConnectAccount // account.updated
}

// Stripe event types Souq applies.
const (
	EventCheckoutCompleted     = "checkout.session.completed"
	EventCheckoutExpired       = "checkout.session.expired"
	EventPaymentSucceeded      = "payment_intent.succeeded"
	EventPaymentFailed         = "payment_intent.payment_failed"
	EventSetupSucceeded        = "setup_intent.succeeded"
	EventChargeRefunded        = "charge.refunded"
	EventRefundUpdated         = "refund.updated"
	EventChargeRefundUpdated   = "charge.refund.updated"
	EventDisputeCreated        = "charge.dispute.created"
	EventDisputeClosed         = "charge.dispute.closed"
	EventAccountUpdated        = "account.updated"
	EventPaymentRequiresAction = "payment_intent.requires_action"
)

// PaymentEvent is a PaymentIntent in an event.
type PaymentEvent struct {
	ID       string // pi_…
	Status   string // Stripe's status
	Amount   int64
	Currency string // upper case
	Customer string
	ChargeID string // latest_charge
	Card     CardSummary
	// PaymentMethod is the card it used.
	PaymentMethod string
	// Decline is last_payment_error's decline_code or code, with its
	// message.
	Decline, DeclineMessage string
	Metadata                map[string]string
}

// SetupEvent is a SetupIntent in an event.
type SetupEvent struct {
	ID            string // seti_…
	Status        string
	Customer      string
	PaymentMethod string
	Metadata      map[string]string
}

// ChargeEvent is a Charge in an event: AmountRefunded is the charge's
// whole refunded total so far (Stripe's amount_refunded), so applying it
// is idempotent by state.
type ChargeEvent struct {
	ID             string // ch_…
	PaymentIntent  string
	Amount         int64
	AmountRefunded int64
	Currency       string
	Refunds        []RefundEvent // the charge's refunds, as Stripe lists them
}

// RefundEvent is a Refund in an event.
type RefundEvent struct {
	ID            string // re_…
	Status        string
	Amount        int64
	PaymentIntent string
	ChargeID      string
	Metadata      map[string]string
}

// Dispute statuses on close that Souq reads.
const (
	DisputeWon  = "won"
	DisputeLost = "lost"
)

// DisputeEvent is a Dispute in an event.
type DisputeEvent struct {
	ID            string // du_…
	ChargeID      string
	PaymentIntent string
	Amount        int64
	Currency      string
	// Status is Stripe's (needs_response, under_review, won, lost, …).
	Status string
	Reason string
}
