// Package relay publishes committed outbox events to the bus. It is the
// handler of the outbox table's stream: every INSERT is an event whose
// state change committed in the same transaction, so publishing it is all
// that is left to do.
//
// It publishes in stream order and stops at the first failure, reporting
// that record as the batch item failure: Lambda (or the local poller) then
// retries from there, so no committed event is ever skipped. The price is
// at-least-once delivery, which every consumer tolerates by deduping on
// the event id. It must never drop a record it could not publish.
package relay

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
)

// Handler relays stream records to a bus.
type Handler struct {
	Bus events.Bus
	Log *slog.Logger
}

// Handle is the Lambda handler for the outbox stream (with
// ReportBatchItemFailures enabled on the event source mapping).
func (h *Handler) Handle(ctx context.Context, ev lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error) {
	var resp lambdaevents.DynamoDBEventResponse
	type pending struct {
		seq string
		env events.Envelope
	}
	var batch []pending
	flush := func() bool {
		if len(batch) == 0 {
			return true
		}
		envs := make([]events.Envelope, len(batch))
		for i, p := range batch {
			envs[i] = p.env
		}
		errs, err := h.Bus.Publish(ctx, envs)
		for i := range batch {
			var entryErr error
			if err != nil {
				entryErr = err
			} else if i < len(errs) {
				entryErr = errs[i]
			}
			if entryErr != nil {
				h.log().ErrorContext(ctx, "relay: publish failed; the stream will retry from here",
					"eventId", batch[i].env.EventID(), "detailType", batch[i].env.DetailType, "error", entryErr.Error())
				resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.DynamoDBBatchItemFailure{ItemIdentifier: batch[i].seq})
				return false
			}
		}
		batch = batch[:0]
		return true
	}
	for _, rec := range ev.Records {
		if rec.EventName != string(lambdaevents.DynamoDBOperationTypeInsert) {
			continue // TTL expiry (REMOVE) and any update are not events
		}
		env, err := Envelope(rec.Change.NewImage)
		if err != nil {
			// A malformed outbox item is a bug in a writer; retrying cannot
			// fix it, and skipping it would lose an event. Stop here, loudly:
			// the alarm on the relay's errors and the stream's retry limit
			// send it to the dead-letter queue for a person to look at.
			h.log().ErrorContext(ctx, "relay: malformed outbox item", "sequence", rec.Change.SequenceNumber, "error", err.Error())
			if !flush() {
				return resp, nil
			}
			resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
			return resp, nil
		}
		batch = append(batch, pending{seq: rec.Change.SequenceNumber, env: env})
		if len(batch) == events.MaxBatch && !flush() {
			return resp, nil
		}
	}
	flush()
	return resp, nil
}

func (h *Handler) log() *slog.Logger {
	if h.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Log
}

// Envelope reads an outbox item (as a stream image) into a bus envelope.
func Envelope(img map[string]lambdaevents.DynamoDBAttributeValue) (events.Envelope, error) {
	str := func(name string) (string, error) {
		v, ok := img[name]
		if !ok || v.DataType() != lambdaevents.DataTypeString {
			return "", fmt.Errorf("outbox item has no string %q", name)
		}
		return v.String(), nil
	}
	var env events.Envelope
	var err error
	if env.Source, err = str(events.AttrSource); err != nil {
		return env, err
	}
	if env.DetailType, err = str(events.AttrDetailType); err != nil {
		return env, err
	}
	detail, err := str(events.AttrDetail)
	if err != nil {
		return env, err
	}
	if !json.Valid([]byte(detail)) {
		return env, fmt.Errorf("outbox item detail is not JSON")
	}
	env.Detail = json.RawMessage(detail)
	if occurred, err := str(events.AttrOccurredAt); err == nil {
		env.Time, _ = time.Parse(time.RFC3339Nano, occurred)
	}
	if env.ID, err = str(events.AttrPK); err != nil {
		return env, err
	}
	return env, nil
}
