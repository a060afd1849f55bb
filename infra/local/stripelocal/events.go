package stripelocal

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/stripe/stripe-go/v83"
	"github.com/stripe/stripe-go/v83/webhook"
)

// maxEvents bounds the events kept for listing and resending.
const maxEvents = 10_000

// pendingEvent is an event a state change makes: its object rendered (as
// the API shows it, unexpanded) at the moment of the change.
type pendingEvent struct {
	typ, objectID string
	object        json.RawMessage
}

// outbox collects a state change's events, in the order Stripe sends them.
type outbox []pendingEvent

func (o *outbox) add(typ, objectID string, object any) {
	b, err := json.Marshal(object)
	if err != nil {
		b = []byte("null") // the renderers' types always marshal
	}
	*o = append(*o, pendingEvent{typ: typ, objectID: objectID, object: b})
}

// eventRecord is a sent (or held) event and its last delivery.
type eventRecord struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	ObjectID  string `json:"objectId"`
	Created   int64  `json:"created"`
	Delivered bool   `json:"delivered"`
	// Status is the HTTP status of the last delivery, 0 when none
	// answered (held, or the endpoint did not answer).
	Status  int `json:"status"`
	payload []byte
}

// eventLog records every event and delivers it as Stripe does: a POST of
// the event to the endpoint, signed with its secret. A failed delivery is
// recorded, not retried (the test controls resend).
type eventLog struct {
	url, secret string
	client      *http.Client
	now         func() time.Time
	log         *slog.Logger

	mu   sync.Mutex
	list []*eventRecord
	byID map[string]*eventRecord
	hold bool
	// total counts every event ever recorded (list keeps the last ones).
	total int
}

func newEventLog(url, secret string, client *http.Client, now func() time.Time, log *slog.Logger) *eventLog {
	return &eventLog{url: url, secret: secret, client: client, now: now, log: log, byID: map[string]*eventRecord{}}
}

type eventJSON struct {
	ID              string `json:"id"`
	Object          string `json:"object"`
	APIVersion      string `json:"api_version"`
	Created         int64  `json:"created"`
	Type            string `json:"type"`
	Livemode        bool   `json:"livemode"`
	PendingWebhooks int    `json:"pending_webhooks"`
	Request         struct {
		ID             *string `json:"id"`
		IdempotencyKey *string `json:"idempotency_key"`
	} `json:"request"`
	Data struct {
		Object json.RawMessage `json:"object"`
	} `json:"data"`
}

// emit records the events and, unless delivery is held, sends them one by
// one, in order. The caller holds no lock.
func (l *eventLog) emit(events outbox) {
	for _, pe := range events {
		ev := eventJSON{ID: newID("evt_", 24), Object: "event", APIVersion: stripe.APIVersion, Created: l.now().Unix(),
			Type: pe.typ, PendingWebhooks: 1}
		ev.Data.Object = pe.object
		payload, _ := json.Marshal(ev)
		rec := &eventRecord{ID: ev.ID, Type: ev.Type, ObjectID: pe.objectID, Created: ev.Created, payload: payload}
		l.mu.Lock()
		l.list = append(l.list, rec)
		l.byID[rec.ID] = rec
		l.total++
		if len(l.list) > maxEvents {
			delete(l.byID, l.list[0].ID)
			l.list = l.list[1:]
		}
		held := l.hold
		l.mu.Unlock()
		if !held {
			l.deliver(rec)
		}
	}
}

// deliver sends one event, signed now by the wall clock: the receiver
// checks the signature's age against its own wall clock, whatever the
// platform's clock says.
func (l *eventLog) deliver(rec *eventRecord) eventRecord {
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: rec.payload, Secret: l.secret, Timestamp: time.Now()})
	status := 0
	req, err := http.NewRequest(http.MethodPost, l.url, bytes.NewReader(rec.payload))
	if err == nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("Stripe-Signature", signed.Header)
		req.Header.Set("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
		var resp *http.Response
		if resp, err = l.client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			status = resp.StatusCode
		}
	}
	if err != nil {
		l.log.Warn("stripe event not delivered", "event", rec.ID, "type", rec.Type, "err", err)
	} else if status >= 300 {
		l.log.Warn("stripe event refused", "event", rec.ID, "type", rec.Type, "status", status)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	rec.Status = status
	rec.Delivered = status >= 200 && status < 300
	return *rec
}

// all lists the events, oldest first.
func (l *eventLog) all() []eventRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]eventRecord, 0, len(l.list))
	for _, r := range l.list {
		out = append(out, *r)
	}
	return out
}

// resend delivers one event again, held or not; ok is false for an
// unknown id.
func (l *eventLog) resend(id string) (eventRecord, bool) {
	l.mu.Lock()
	rec := l.byID[id]
	l.mu.Unlock()
	if rec == nil {
		return eventRecord{}, false
	}
	return l.deliver(rec), true
}

// setHold holds or releases delivery. Releasing sends nothing held: tests
// send those with resend, in the order they choose.
func (l *eventLog) setHold(hold bool) {
	l.mu.Lock()
	l.hold = hold
	l.mu.Unlock()
}
