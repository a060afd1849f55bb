// Package events is Souq's event contract: one Go type per EventBridge
// detail-type, the Bus that carries them, the outbox item that a service
// writes inside its own transaction, and the JSON Schemas (schemas/) and
// samples (samples/) that consumers and webhook customers rely on.
//
// An event is never published outside a committed transaction: services
// add OutboxPut to their TransactWriteItems and the relay publishes what
// committed. Changing a published field is a new schemaVersion.
package events
