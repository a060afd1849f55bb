// Package local is Souq's local platform (DESIGN §3): one process on
// loopback that runs every function of the topology with its real handler,
// behind a gateway that speaks API Gateway's payload 2.0, over DynamoDB
// Local, with the outbox relayed from DynamoDB Local's stream to a quamina
// bus, a scheduler on an injectable clock, and Stripe played by
// stripelocal (stateful, over stripe-mock, which checks every request's
// shape): its API, hosted pages and signed events. It reads the topology
// and repeats none of it.
//
// It must never reach anything outside loopback and never use AWS
// credentials. Every child process it starts dies with it.
package local
