package events

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	lambdaevents "github.com/aws/aws-lambda-go/events"
)

// Mux dispatches the bus's events to typed handlers, one per detail-type:
//
//	mux := events.NewMux("auctions")
//	events.On(mux, func(ctx context.Context, e events.CommunityCreated) error { … })
//	lambda.Start(mux.Handle)
//
// The detail is decoded into the event's own Go type, and a detail that
// does not decode or carries no event id is refused: retrying cannot fix
// it, so it dead-letters instead of being half applied. An event of a
// detail-type the consumer does not handle is ignored, unless the consumer
// takes every other event with Rest; a test holds each bus rule to what its
// target handles, so none is sent in vain.
type Mux struct {
	consumer string
	handlers map[string]func(context.Context, lambdaevents.EventBridgeEvent) error
	rest     func(context.Context, lambdaevents.EventBridgeEvent) error
}

// NewMux returns an empty mux for a consumer (named in its errors).
func NewMux(consumer string) *Mux {
	return &Mux{consumer: consumer, handlers: map[string]func(context.Context, lambdaevents.EventBridgeEvent) error{}}
}

// On registers h for the detail-type of E. A detail-type registered twice
// is a programming error, and panics at start-up.
func On[E any, P interface {
	*E
	Event
}](m *Mux, h func(context.Context, E) error) {
	var zero E
	dt := P(&zero).DetailType()
	if _, dup := m.handlers[dt]; dup {
		panic(fmt.Sprintf("events: %s handles %s twice", m.consumer, dt))
	}
	m.handlers[dt] = func(ctx context.Context, ev lambdaevents.EventBridgeEvent) error {
		var e E
		if err := json.Unmarshal(ev.Detail, &e); err != nil || P(&e).Base().EventID == "" {
			return fmt.Errorf("%s: malformed %s %s: %v", m.consumer, dt, ev.ID, err)
		}
		return h(ctx, e)
	}
}

// Rest handles every detail-type that has no handler of its own, as it
// comes (the webhooks consumer hears every product event).
func (m *Mux) Rest(h func(context.Context, lambdaevents.EventBridgeEvent) error) { m.rest = h }

// Handle dispatches one event: the Lambda handler of an event consumer.
func (m *Mux) Handle(ctx context.Context, ev lambdaevents.EventBridgeEvent) error {
	if h, ok := m.handlers[ev.DetailType]; ok {
		return h(ctx, ev)
	}
	if m.rest != nil {
		return m.rest(ctx, ev)
	}
	return nil
}

// DetailTypes lists the detail-types with a handler of their own, sorted;
// TakesRest says whether every other one is handled too. A test holds the
// topology's bus rules to them.
func (m *Mux) DetailTypes() []string {
	out := make([]string, 0, len(m.handlers))
	for dt := range m.handlers {
		out = append(out, dt)
	}
	sort.Strings(out)
	return out
}

// TakesRest reports whether the mux handles detail-types beyond its own.
func (m *Mux) TakesRest() bool { return m.rest != nil }
