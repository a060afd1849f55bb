package relay

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/souqhq/souq/events"
)

// EventBridge is the AWS bus: PutEvents to the custom bus.
type EventBridge struct {
	Client  *eventbridge.Client
	BusName string
}

var _ events.Bus = (*EventBridge)(nil)

// Publish puts up to ten envelopes and reports each entry's outcome.
func (b *EventBridge) Publish(ctx context.Context, batch []events.Envelope) ([]error, error) {
	if len(batch) > events.MaxBatch {
		return nil, errors.New("relay: more than 10 entries in one PutEvents")
	}
	entries := make([]types.PutEventsRequestEntry, len(batch))
	for i, e := range batch {
		entries[i] = types.PutEventsRequestEntry{
			EventBusName: aws.String(b.BusName),
			Source:       aws.String(e.Source),
			DetailType:   aws.String(e.DetailType),
			Detail:       aws.String(string(e.Detail)),
			Time:         aws.Time(e.Time),
		}
	}
	out, err := b.Client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
	if err != nil {
		return nil, err
	}
	errs := make([]error, len(batch))
	for i, r := range out.Entries {
		if i < len(errs) && r.ErrorCode != nil {
			errs[i] = errors.New(aws.ToString(r.ErrorCode) + ": " + aws.ToString(r.ErrorMessage))
		}
	}
	return errs, nil
}
