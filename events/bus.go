package events

import "context"

// Bus publishes envelopes. It is EventBridge in AWS and the quamina bus in
// the local platform. Publish reports a per-entry error (nil for entries
// that were accepted) so that the relay can retry only what failed.
type Bus interface {
	Publish(ctx context.Context, batch []Envelope) ([]error, error)
}

// MaxBatch is the most entries one PutEvents call accepts.
const MaxBatch = 10
