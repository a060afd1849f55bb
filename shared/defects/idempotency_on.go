//go:build defect_idempotency

package defects

// SkipIdempotency: the idempotency layer runs every request as a new one: a retried money request is applied again.
const SkipIdempotency = true
