package payouts

import (
	"crypto/sha256"
	"encoding/base32"
	"regexp"
	"strings"
	"time"
)

// Status is where a payout is.
type Status string

// Payout statuses.
const (
	Pending    Status = "pending"    // claimed: in transit, waiting for the worker
	Processing Status = "processing" // a worker holds it and is calling the rail
	Paid       Status = "paid"       // the rail transferred it
	Failed     Status = "failed"     // the rail refused it for good: the money is back
)

// OwnerKind is whose money a payout is.
type OwnerKind string

// Owner kinds.
const (
	Influencer OwnerKind = "influencer"
	Community  OwnerKind = "community"
)

// DestinationType is where payouts go; Stripe connected accounts only, so far.
const DestinationStripe = "stripe"

var stripeAccount = regexp.MustCompile(`^acct_[A-Za-z0-9]{6,64}$`)

// ValidAccount reports whether id is a Stripe connected account id.
func ValidAccount(id string) bool { return stripeAccount.MatchString(id) }

// Mask shows an account id as people may see it again: its last four.
func Mask(id string) string {
	if len(id) <= 9 {
		return "acct_••••"
	}
	return "acct_••••" + id[len(id)-4:]
}

// PayoutID derives a payout's id from its owner and the client's
// Idempotency-Key, so that a retried claim whose idempotency record was
// lost still finds its payout and never claims twice.
func PayoutID(kind OwnerKind, ownerID, idempotencyKey string) string {
	sum := sha256.Sum256([]byte(string(kind) + "\x00" + ownerID + "\x00" + idempotencyKey))
	return "po_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:16]))
}

// Lease is how long a worker holds a payout it is processing before
// another may take it over (a crashed worker's payout is not stuck).
const Lease = 2 * time.Minute

// Backoff is the wait before the n-th retry (n from 1) of a rail call
// whose outcome was unknown, within one delivery.
func Backoff(n int) time.Duration {
	return time.Duration(1<<min(n-1, 6)) * 200 * time.Millisecond
}

// MaxRailTries bounds the rail calls of one delivery; past it the
// delivery fails, the bus retries it later, and the sweep after that.
const MaxRailTries = 3
