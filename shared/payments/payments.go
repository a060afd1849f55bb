// Package payments is the payment rail: how money enters Souq (deposits)
// and leaves it (payouts). The AWS build uses Stripe; the local platform
// uses the same Stripe code against stripe-mock.
//
// It must never charge twice for one deposit: every call carries an
// idempotency key derived from the business id, so a retry after a timeout
// returns the first outcome.
package payments

import (
	"context"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
)

// Charge asks the rail to collect money into Souq.
type Charge struct {
	// ID is the business id (dep_…); it is the rail's idempotency key.
	ID          string
	Amount      money.Amount
	Description string
	Metadata    map[string]string
}

// Receipt is a collected charge.
type Receipt struct {
	// Reference is the rail's id of the payment (pi_… for Stripe).
	Reference string
}

// Rail moves money between Souq and the outside world.
type Rail interface {
	// Charge collects a payment. A definite refusal is fault.UpstreamFailed;
	// an unknown outcome (timeout, rail down) is fault.Unavailable, and
	// retrying with the same Charge.ID is safe.
	Charge(ctx context.Context, c Charge) (Receipt, error)
}

// Declined is a definite refusal by the rail.
func Declined(op, reason string) error {
	return &fault.Error{Kind: fault.UpstreamFailed, Op: op, Message: "the payment failed: " + reason}
}

// Unknown is an outcome the rail did not tell.
func Unknown(op string, cause error) error {
	return &fault.Error{Kind: fault.Unavailable, Op: op, Message: "the payment provider did not answer; retry with the same Idempotency-Key", Err: cause}
}
