package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/owners"
	"github.com/souqhq/souq/shared/schedule"
	"github.com/souqhq/souq/shared/store"
)

// DeliveryStatus is where a delivery is.
type DeliveryStatus string

// Delivery statuses.
const (
	Pending   DeliveryStatus = "pending"   // waiting for its next attempt
	Succeeded DeliveryStatus = "succeeded" // a 2xx within the timeout
	Dead      DeliveryStatus = "dead"      // every retry failed: dead-lettered, replayable
)

// Retries is the wait before each retry after a failed attempt; after the
// last one the delivery is dead-lettered.
var Retries = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// DisableAfter is how long an endpoint may fail every delivery before it
// is disabled (and its owner told).
const DisableAfter = 5 * 24 * time.Hour

// Envelope is the Standard Webhooks body.
type Envelope struct {
	Type      string          `json:"type"`
	Timestamp string          `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// deliverJob is the payload of a retry's schedule.
type deliverJob struct {
	Job        string `json:"job"`
	DeliveryID string `json:"deliveryId"`
}

// Check implements schedule.Checker.
func (j deliverJob) Check() error {
	if j.Job != JobDeliver || j.DeliveryID == "" {
		return errors.New("not a retry with its delivery")
	}
	return nil
}

// JobDeliver is a retry's job.
const JobDeliver = "deliver-webhook"

// HandleEvent keeps the owner projections, and delivers every other event
// to the endpoints of the people it is about that subscribe to it: each
// delivery recorded once (a redelivered event finds its deliveries), then
// attempted, all endpoints at once, so that a slow one holds up no other.
func (s *Service) HandleEvent(ctx context.Context, ev lambdaevents.EventBridgeEvent) error {
	return s.events.Handle(ctx, ev)
}

// Events is the mux of the events this context handles: every one.
func (s *Service) Events() *events.Mux { return s.events }

func (s *Service) deliverEvent(ctx context.Context, ev lambdaevents.EventBridgeEvent) error {
	const op = "webhooks.HandleEvent"
	var meta events.Meta
	if err := json.Unmarshal(ev.Detail, &meta); err != nil || meta.EventID == "" {
		return fmt.Errorf("webhooks: malformed %s %s: %v", ev.DetailType, ev.ID, err)
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	if err := s.accounts.Observe(ctx, ev); err != nil {
		return fault.Wrap(op, err)
	}
	owners, err := s.owners(ctx, AudienceOf(ev.DetailType, ev.Detail))
	if err != nil {
		return err
	}
	body, err := json.Marshal(Envelope{Type: ev.DetailType, Timestamp: meta.OccurredAt, Data: ev.Detail})
	if err != nil {
		return fault.Wrap(op, err)
	}
	occurred := clock.Parse(meta.OccurredAt)
	var todo []string
	for _, owner := range owners {
		endpoints, _, err := page[endpointItem](ctx, s.repo, op, IndexByParent, "gsi1pk", "OWN#"+owner, true, MaxEndpoints, "")
		if err != nil {
			return err
		}
		for _, e := range endpoints {
			if !e.Enabled || !e.subscribed(ev.DetailType) {
				continue
			}
			if !occurred.IsZero() && clock.Parse(e.CreatedAt).After(occurred) {
				// An endpoint hears what happened after it was made, however
				// late the event comes (a retry, a redriven dead letter, an
				// archive's replay), as Stripe's endpoints do.
				continue
			}
			d := deliveryItem{ID: DeliveryID(e.ID, meta.EventID), EndpointID: e.ID, EventID: meta.EventID, EventType: ev.DetailType,
				Body: string(body), Status: string(Pending), CreatedAt: clock.Format(now), UpdatedAt: clock.Format(now)}
			d.index()
			err := s.repo.put(ctx, d, "attribute_not_exists(pk)", nil)
			if store.IsConditionFailed(err) {
				// A redelivered event: this delivery exists. It has its own
				// retries once an attempt is recorded; if none is (the first
				// run failed before recording), this run attempts it.
				old, _, gerr := get[deliveryItem](ctx, s.repo, op, "DLV#"+d.ID, "META")
				if gerr != nil {
					return gerr
				}
				if DeliveryStatus(old.Status) == Pending && old.Attempts == 0 {
					todo = append(todo, d.ID)
				}
				continue
			}
			if err != nil {
				return fault.Wrap(op, err)
			}
			todo = append(todo, d.ID)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, len(todo))
	for i, dID := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.attempt(ctx, dID, false)
		}()
	}
	wg.Wait()
	// A failed attempt is the retry schedule's business, not the bus's:
	// only infrastructure errors are returned.
	return errors.Join(errs...)
}

// owners resolves an audience to people.
func (s *Service) owners(ctx context.Context, a Audience) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(u string) {
		if u != "" && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	for _, u := range a.Users {
		add(u)
	}
	for kind, ids := range map[owners.Kind][]string{owners.Community: a.Communities, owners.Advertiser: a.Advertisers} {
		for _, x := range ids {
			o, found, err := s.accounts.Get(ctx, kind, x)
			if err != nil {
				return nil, err
			}
			if found {
				add(o.OwnerID)
			}
		}
	}
	return out, nil
}

// HandleScheduled runs a retry.
func (s *Service) HandleScheduled(ctx context.Context, payload json.RawMessage) error {
	return schedule.Handle("webhooks", func(ctx context.Context, j deliverJob) error { return s.attempt(ctx, j.DeliveryID, false) })(ctx, payload)
}

// attempt sends a delivery once and records what happened: success, or
// the next retry, or the dead letter; and the endpoint's failure streak,
// which disables it after DisableAfter. manual is a replay: it sends a
// succeeded or dead delivery again. It returns only infrastructure errors.
func (s *Service) attempt(ctx context.Context, deliveryID string, manual bool) error {
	const op = "webhooks.attempt"
	d, found, err := get[deliveryItem](ctx, s.repo, op, "DLV#"+deliveryID, "META")
	if err != nil || !found {
		return err
	}
	if !manual && DeliveryStatus(d.Status) != Pending {
		return nil // succeeded or dead-lettered before: a duplicated schedule
	}
	e, found, err := get[endpointItem](ctx, s.repo, op, "WH#"+d.EndpointID, "META")
	if err != nil {
		return err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	read := d.Attempts
	if !found || !e.Enabled {
		d.Status, d.DeadAt, d.LastError, d.UpdatedAt, d.NextAt = string(Dead), clock.Format(now), "the endpoint is disabled or deleted", clock.Format(now), ""
		d.index()
		return s.record(ctx, op, d, read)
	}
	secrets, err := s.secrets(e, now)
	if err != nil {
		return fault.Wrap(op, err)
	}
	code, latency, sendErr := s.send(ctx, e.URL, d, secrets, s.cfg.WallClock())
	d.Attempts, d.LastStatus, d.LastLatency, d.UpdatedAt, d.LastError = d.Attempts+1, code, latency.Milliseconds(), clock.Format(now), ""
	if sendErr != nil {
		d.LastError = sendErr.Error()
	}
	ok := sendErr == nil && code >= 200 && code < 300
	switch {
	case ok:
		d.Status, d.NextAt, d.DeadAt = string(Succeeded), "", ""
	case manual && DeliveryStatus(d.Status) != Pending, d.Attempts > len(Retries):
		// A replay is one attempt: a dead letter whose replay fails stays
		// dead (with this attempt recorded), never pending while marked dead.
		d.Status, d.NextAt, d.DeadAt = string(Dead), "", clock.Format(now)
	default:
		d.Status, d.DeadAt = string(Pending), ""
		next := now.Add(s.jittered(Retries[d.Attempts-1]))
		d.NextAt = clock.Format(next)
		job, _ := json.Marshal(deliverJob{Job: JobDeliver, DeliveryID: d.ID})
		if err := s.sched.Once(ctx, fmt.Sprintf("whd-%s-%d", d.ID, d.Attempts), next, s.cfg.Self, job); err != nil {
			return fault.Wrap(op, err)
		}
	}
	d.index()
	if err := s.record(ctx, op, d, read); err != nil {
		return err
	}
	return s.streak(ctx, e, ok, now)
}

// record writes a delivery over the attempt count it was read at; a
// concurrent attempt that recorded first wins, and this one is dropped.
func (s *Service) record(ctx context.Context, op string, d deliveryItem, read int) error {
	err := s.repo.putAt(ctx, d, "attempts", read)
	if store.IsConditionFailed(err) {
		return nil
	}
	return fault.Wrap(op, err)
}

func (s *Service) jittered(d time.Duration) time.Duration {
	if s.cfg.Jitter <= 0 {
		return d
	}
	r := rand.Float64
	if s.cfg.Rand != nil {
		r = s.cfg.Rand
	}
	return time.Duration(float64(d) * (1 + s.cfg.Jitter*(2*r()-1)))
}

// send POSTs the envelope, signed with every secret that signs now and
// stamped with the wall-clock time it is sent at.
func (s *Service) send(ctx context.Context, url string, d deliveryItem, secrets []string, sentAt time.Time) (int, time.Duration, error) {
	ts := sentAt.Unix()
	sig, err := Sign(d.ID, ts, []byte(d.Body), secrets...)
	if err != nil {
		return 0, 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, DeliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader([]byte(d.Body)))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Souq-Webhooks/1")
	req.Header.Set("webhook-id", d.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	start := time.Now()
	resp, err := s.client.Do(req)
	latency := time.Since(start)
	if err != nil {
		if errors.Is(err, errRefused) {
			return 0, latency, errRefused
		}
		return 0, latency, fmt.Errorf("no answer: %v", err)
	}
	defer resp.Body.Close()
	drain(resp.Body)
	return resp.StatusCode, latency, nil
}

// streak keeps an endpoint's failure streak: cleared by a success, begun
// by a failure, and past DisableAfter the endpoint is disabled, once, with
// WebhookEndpointDisabled for its owner's other endpoints.
func (s *Service) streak(ctx context.Context, e endpointItem, ok bool, now time.Time) error {
	const op = "webhooks.streak"
	switch {
	case ok && e.FailingSince == "", !ok && e.FailingSince != "" && now.Sub(clock.Parse(e.FailingSince)) < DisableAfter:
		return nil
	}
	read := e.Version
	e.Version, e.UpdatedAt = read+1, clock.Format(now)
	var disabled *types.TransactWriteItem
	switch {
	case ok:
		e.FailingSince = ""
	case e.FailingSince == "":
		e.FailingSince = clock.Format(now)
	default:
		e.Enabled, e.DisabledReason = false, "every delivery failed for 5 days"
		evt, err := events.OutboxPut(s.repo.outbox, &events.WebhookEndpointDisabled{EndpointID: e.ID, OwnerID: e.OwnerID, URL: e.URL, Reason: e.DisabledReason}, now)
		if err != nil {
			return fault.Wrap(op, err)
		}
		disabled = &evt
	}
	av, err := marshal(e)
	if err != nil {
		return fault.Wrap(op, err)
	}
	tx := store.NewTx().Add("endpoint", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.repo.table), Item: av,
		ConditionExpression: aws.String("version = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": store.N(int64(read))}}})
	if disabled != nil {
		tx.Add("event", *disabled)
	}
	err = tx.Write(ctx, s.repo.db)
	if store.Failed(err, "endpoint") {
		return nil // another attempt or its owner changed it first
	}
	return fault.Wrap(op, err)
}

// DeliveryView is a delivery as the endpoint's owner reads it.
type DeliveryView struct {
	ID            string         `json:"id"`
	EventID       string         `json:"eventId"`
	EventType     string         `json:"eventType"`
	Status        DeliveryStatus `json:"status"`
	Attempts      int            `json:"attempts"`
	LastStatus    int            `json:"lastStatus,omitempty"`
	LastLatencyMs int64          `json:"lastLatencyMs"`
	LastError     string         `json:"lastError,omitempty"`
	NextAttemptAt string         `json:"nextAttemptAt,omitempty"`
	DeadAt        string         `json:"deadAt,omitempty"`
	CreatedAt     string         `json:"createdAt"`
	UpdatedAt     string         `json:"updatedAt"`
}

func deliveryView(d deliveryItem) DeliveryView {
	return DeliveryView{ID: d.ID, EventID: d.EventID, EventType: d.EventType, Status: DeliveryStatus(d.Status), Attempts: d.Attempts,
		LastStatus: d.LastStatus, LastLatencyMs: d.LastLatency, LastError: d.LastError, NextAttemptAt: d.NextAt, DeadAt: d.DeadAt,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

// Deliveries pages through an endpoint's deliveries, newest first.
func (s *Service) Deliveries(ctx context.Context, p auth.Principal, endpointID string, limit int, cursor string) ([]DeliveryView, string, error) {
	const op = "webhooks.Deliveries"
	if _, err := s.ownedEndpoint(ctx, op, p, endpointID); err != nil {
		return nil, "", err
	}
	items, next, err := page[deliveryItem](ctx, s.repo, op, IndexByParent, "gsi1pk", "WH#"+endpointID+"#DLV", false, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]DeliveryView, 0, len(items))
	for _, d := range items {
		out = append(out, deliveryView(d))
	}
	return out, next, nil
}

// Replay sends one delivery again now (with its own webhook-id), whatever
// its status, and answers it as recorded after the attempt.
func (s *Service) Replay(ctx context.Context, p auth.Principal, endpointID, deliveryID string) (DeliveryView, error) {
	const op = "webhooks.Replay"
	e, err := s.ownedEndpoint(ctx, op, p, endpointID)
	if err != nil {
		return DeliveryView{}, err
	}
	if !e.Enabled {
		return DeliveryView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: "disabled", Message: "enable the endpoint before replaying to it"}
	}
	d, found, err := get[deliveryItem](ctx, s.repo, op, "DLV#"+deliveryID, "META")
	if err != nil {
		return DeliveryView{}, err
	}
	if !found || d.EndpointID != endpointID || !id.HasPrefix(deliveryID, "msg") {
		return DeliveryView{}, fault.New(fault.NotFound, op, "no such delivery")
	}
	if err := s.attempt(ctx, deliveryID, true); err != nil {
		return DeliveryView{}, err
	}
	d, _, err = get[deliveryItem](ctx, s.repo, op, "DLV#"+deliveryID, "META")
	return deliveryView(d), err
}

// maxReplay bounds one replay of dead letters; the caller repeats it.
const maxReplay = 100

// ReplayDead sends again every dead-lettered delivery of an endpoint
// since a time (at most maxReplay per call), and says how many.
func (s *Service) ReplayDead(ctx context.Context, p auth.Principal, endpointID string, since time.Time) (int, error) {
	const op = "webhooks.ReplayDead"
	e, err := s.ownedEndpoint(ctx, op, p, endpointID)
	if err != nil {
		return 0, err
	}
	if !e.Enabled {
		return 0, &fault.Error{Kind: fault.Conflict, Op: op, State: "disabled", Message: "enable the endpoint before replaying to it"}
	}
	dead, err := store.QueryAll[deliveryItem](ctx, s.repo.db, &dynamodb.QueryInput{
		TableName: aws.String(s.repo.table), IndexName: aws.String(IndexDead),
		KeyConditionExpression:    aws.String("gsi2pk = :p AND gsi2sk >= :since"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("WH#" + endpointID + "#DEAD"), ":since": store.S(clock.Format(since))},
		Limit:                     aws.Int32(maxReplay),
	}, 1)
	if err != nil {
		return 0, fault.Wrap(op, err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(dead))
	for i, d := range dead {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.attempt(ctx, d.ID, true) }()
	}
	wg.Wait()
	return len(dead), errors.Join(errs...)
}
