package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
)

type keyedCtx struct{}

// withRequestKey marks ctx as serving a request with an Idempotency-Key:
// its name is a hash of the principal, the route and the key.
func withRequestKey(ctx context.Context, scope, key string) context.Context {
	sum := sha256.Sum256([]byte(scope + "\x00" + key))
	return context.WithValue(ctx, keyedCtx{}, hex.EncodeToString(sum[:]))
}

// RequestKey names the request ctx serves when it came with an
// Idempotency-Key ("" when it did not): the same principal, route and key
// give the same name, on every run of the request. A create writes it
// with the object it makes (store.KeyMark), in the same transaction, so
// that a run again of the same request (its function stopped after the
// write, before the key's answer was kept, and the client asked again)
// finds the object the first run made and answers it, instead of making
// a second (and holding its money twice).
func RequestKey(ctx context.Context) string {
	name, _ := ctx.Value(keyedCtx{}).(string)
	return name
}
