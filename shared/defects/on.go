//go:build simdefects

package defects

import "os"

// planted is the one defect SOUQ_DEFECT names, in a build with the
// simdefects tag (tests/sim's TestSim_FindsPlantedDefects): idempotency,
// rounding or consumer.
var planted = os.Getenv("SOUQ_DEFECT")

// SkipIdempotency: the idempotency layer runs every request as a new
// one, so a retried money request is applied again.
func SkipIdempotency() bool { return planted == "idempotency" }

// RefundRoundsUp: a membership refund's two parts (the community's and
// Souq's fee) each round up, so together they may take back a cent more
// than was refunded.
func RefundRoundsUp() bool { return planted == "rounding" }

// ReferralsNotIdempotent: referrals records a member's payment once per
// delivery of its event, not once per payment.
func ReferralsNotIdempotent() bool { return planted == "consumer" }
