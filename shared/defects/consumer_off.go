//go:build !defect_consumer

package defects

// ReferralsNotIdempotent: referrals records a member's payment once per delivery of its event, not once per payment (planted only with the defect_consumer build tag).
const ReferralsNotIdempotent = false
