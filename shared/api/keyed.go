package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
)

// Key names a request that came with an Idempotency-Key: Name is a hash of
// its principal, route and key, the same on every run of the request;
// Fingerprint is the request's own (method, path, body), so that the same
// key sent with another request is told apart. The zero Key: no key.
type Key struct{ Name, Fingerprint string }

type keyedCtx struct{}

// WithRequestKey marks ctx as serving a keyed request (the router does, for
// every request with an Idempotency-Key; tests of a service do it too).
func WithRequestKey(ctx context.Context, scope, key, fingerprint string) context.Context {
	sum := sha256.Sum256([]byte(scope + "\x00" + key))
	return context.WithValue(ctx, keyedCtx{}, Key{Name: hex.EncodeToString(sum[:]), Fingerprint: fingerprint})
}

// RequestKey is the keyed request ctx serves (the zero Key when it came
// without one). A create that holds money looks for its mark first
// (store.KeyMarked) and, finding one, answers the object the first run of
// this very request made; else it writes the mark with its object, in the
// same transaction (store.KeyMark). So a run again (its function stopped
// after the write, before the key's answer was kept, and the client asked
// again) never makes a second object, nor holds its money twice.
func RequestKey(ctx context.Context) Key {
	k, _ := ctx.Value(keyedCtx{}).(Key)
	return k
}
