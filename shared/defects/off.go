//go:build !simdefects

package defects

// In every build but the simulation's (the simdefects tag), no defect is
// planted: each answers false, and the compiler removes the branch.

// SkipIdempotency: the idempotency layer runs every request as a new one.
func SkipIdempotency() bool { return false }

// RefundRoundsUp: a membership refund's two parts each round up.
func RefundRoundsUp() bool { return false }

// ReferralsNotIdempotent: referrals records a member's payment once per
// delivery of its event.
func ReferralsNotIdempotent() bool { return false }
