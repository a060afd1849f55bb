// Package webhooks is the webhooks context (DESIGN §5.4): customers'
// endpoints, who hears which event, and the signed, retried, replayable
// deliveries of the Standard Webhooks specification.
//
// It must never deliver an event to anyone but the owner of the objects
// it is about, never reach a private, loopback, link-local or metadata
// address in AWS (whatever a hostname resolves to at the moment of the
// delivery), never keep a secret in plain text, and never let one
// endpoint's failures hold up another's deliveries.
package webhooks
