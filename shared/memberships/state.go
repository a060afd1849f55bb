package memberships

import (
	"fmt"
	"time"
)

// Status is where a membership is (DESIGN §17).
type Status string

// A membership's statuses. Live ones (all but Ended) are at most one per
// person and community.
const (
	// Incomplete: joined by Checkout, the first payment not yet in.
	Incomplete Status = "incomplete"
	// Trialing: the card saved, nothing charged until the trial ends.
	Trialing Status = "trialing"
	// Active: paid for the current period.
	Active Status = "active"
	// PastDue: a renewal failed; retried, benefits kept meanwhile.
	PastDue Status = "past_due"
	// Ended: over, for good (a new membership is a new join).
	Ended Status = "ended"
)

// Live reports whether a membership in s holds its place (one per person
// and community) and, but for Incomplete, its benefits.
func (s Status) Live() bool { return s != Ended && s != "" }

// Benefits reports whether a member in s has the tier's benefits: while
// trialing, paid, and during the retries of a failed renewal.
func (s Status) Benefits() bool { return s == Trialing || s == Active || s == PastDue }

// Event is what happens to a membership.
type Event string

// The events a membership's state answers.
const (
	FirstPaid      Event = "first_paid"       // the first payment came in (Checkout)
	Renewed        Event = "renewed"          // a period's payment came in (a renewal, a retry, a trial's end)
	PaymentFailed  Event = "payment_failed"   // a period's payment was declined or needs authentication
	PeriodEnded    Event = "period_ended"     // its period ended with cancel at period end set
	RetriesSpent   Event = "retries_spent"    // the last retry of a failed renewal failed
	CheckoutExpire Event = "checkout_expired" // the first payment's Checkout expired unpaid
)

// Next is where a membership in s goes on e, or an error when e cannot
// happen there (a state table: state_test.go holds it whole).
func Next(s Status, e Event) (Status, error) {
	switch {
	case s == Incomplete && e == FirstPaid:
		return Active, nil
	case s == Incomplete && e == CheckoutExpire:
		return Ended, nil
	case (s == Trialing || s == Active || s == PastDue) && e == Renewed:
		return Active, nil
	case (s == Trialing || s == Active || s == PastDue) && e == PaymentFailed:
		return PastDue, nil
	case s == PastDue && e == RetriesSpent:
		return Ended, nil
	case (s == Trialing || s == Active || s == PastDue) && e == PeriodEnded:
		return Ended, nil
	}
	return s, fmt.Errorf("memberships: %s cannot happen to a %s membership", e, s)
}

// RetryDays are when a failed renewal is tried again, in days after the
// failure: after the last, the membership ends (payment_failed).
var RetryDays = []int{1, 3, 7}

// NextRetry is when a failed renewal that failed at failedAt and has been
// retried retries times (0 after the first failure) is tried next; ok is
// false when the retries are spent.
func NextRetry(failedAt time.Time, retries int) (at time.Time, ok bool) {
	if retries < 0 || retries >= len(RetryDays) {
		return time.Time{}, false
	}
	return failedAt.AddDate(0, 0, RetryDays[retries]), true
}
