//go:build defect_consumer

package defects

// ReferralsNotIdempotent: referrals records a member's payment once per delivery of its event, not once per payment.
const ReferralsNotIdempotent = true
