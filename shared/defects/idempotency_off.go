//go:build !defect_idempotency

package defects

// SkipIdempotency: the idempotency layer runs every request as a new one: a retried money request is applied again (planted only with the defect_idempotency build tag).
const SkipIdempotency = false
