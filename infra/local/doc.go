// Package local is Souq's local platform (DESIGN §3): one process on
// loopback that runs every function of the topology with its real handler,
// behind a gateway that speaks API Gateway's payload 2.0, over DynamoDB
// Local, with the outbox relayed from DynamoDB Local's stream to a quamina
// bus, a scheduler on an injectable clock, and stripe-mock as the payment
// rail. It reads the topology and repeats none of it.
//
// It must never reach anything outside loopback and never use AWS
// credentials. Every child process it starts dies with it.
package local
