// Package payments is how money enters Souq and leaves it: it enters
// through the Gateway (deposits charged to the payer's own saved card, or
// paid on Stripe's hosted Checkout; DESIGN §15) and leaves through
// Rail.Payout (Connect transfers to payees). The AWS build uses Stripe;
// the local platform uses the same Stripe code against its Stripe
// stand-in.
//
// It must never move money twice for one deposit or payout: every call
// carries an idempotency key derived from the business id, so a retry
// after a timeout returns the first outcome.
package payments

import (
	"context"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
)

// Receipt is a payout the rail made.
type Receipt struct {
	// Reference is the rail's id of the transfer (tr_… for Stripe).
	Reference string
}

// Transfer asks the rail to pay money out of Souq to a destination.
type Transfer struct {
	// ID is the business id (po_…); it is the rail's idempotency key and
	// the transfer's group, by which a retry finds a transfer made before.
	ID          string
	Amount      money.Amount
	Destination string // a Stripe connected account, acct_…
	Metadata    map[string]string
}

// Rail moves money out of Souq to the outside world. Money comes in
// through the Gateway (ChargeSaved, Checkout), never through the Rail.
type Rail interface {
	// Payout transfers money out, at most once per Transfer.ID: a call
	// with an ID that was paid before returns that transfer. A definite
	// refusal is fault.UpstreamFailed; an unknown outcome (timeout, rail
	// down) is fault.Unavailable, and retrying with the same Transfer.ID
	// is safe.
	Payout(ctx context.Context, t Transfer) (Receipt, error)
}

// Declined is a definite refusal by the rail.
func Declined(op, reason string) error { return refused(op, reason, nil) }

// refused is Declined with its cause kept for the logs.
func refused(op, reason string, cause error) *fault.Error {
	return &fault.Error{Kind: fault.UpstreamFailed, Op: op, Message: "the payment failed: " + reason, Err: cause}
}

// Unknown is an outcome the rail did not tell.
func Unknown(op string, cause error) error {
	return &fault.Error{Kind: fault.Unavailable, Op: op, Message: "the payment provider did not answer; retry with the same Idempotency-Key", Err: cause}
}
