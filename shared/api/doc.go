// Package api is the HTTP edge of every function: it routes API Gateway
// payload-2.0 requests by route key, enforces each route's auth kinds from
// the topology, decodes JSON strictly, validates, applies Idempotency-Key,
// and writes every error as RFC 9457 problem+json through one map from
// fault kinds to statuses. In AWS, FromEdgeOnly stands before every HTTP
// function and refuses what did not come through CloudFront.
//
// It knows nothing of any product. It must never send an internal error's
// text to a client, and no input may make it answer 5xx or panic.
package api
