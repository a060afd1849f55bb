//go:build defect_rounding

package defects

// RefundRoundsUp: a membership refund's parts both round up: the community's and Souq's may take back a cent more than was refunded.
const RefundRoundsUp = true
