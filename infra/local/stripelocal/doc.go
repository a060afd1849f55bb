// Package stripelocal is the local platform's Stripe (DESIGN §3, §15): a
// stand-in that keeps Stripe's objects in memory, so that deposits,
// Checkout, saved cards, refunds, disputes and Connect onboarding work end
// to end on one machine through the very same stripe-go code as
// production.
//
// It has three faces:
//   - the API (Server.API), on its own loopback listener, where stripe-go's
//     BaseURL points. Every request is first sent to stripe-mock, which
//     checks its shape against Stripe's OpenAPI document; a request
//     stripe-mock refuses is refused with stripe-mock's answer. The
//     stand-in then answers from its state in Stripe's JSON shape, honours
//     Idempotency-Key, and leaves every endpoint it does not play to
//     stripe-mock's fixtures.
//   - Stripe's hosted pages and the test controls (Server.Pages), which the
//     platform mounts on its gateway: Checkout's payment page
//     (/local/checkout/{session}), Connect's onboarding and Express
//     dashboard (/local/connect/{account}), and /local/stripe/… to list,
//     hold and resend events, open and close disputes and refund from
//     "Stripe's dashboard".
//   - Stripe's events: each state change sends the event Stripe would, to
//     the webhook endpoint, signed with stripe-go's webhook package and the
//     endpoint secret.
//
// Outcomes follow Stripe's test cards (cards.go). It must never reach
// anything outside loopback, never hold a lock while it sends an event
// (the receiver calls the API back), and never be built into the AWS
// stack.
package stripelocal
