package local

import (
	"context"
	cryptorand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"quamina.net/go/quamina"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/topology"
)

// Bus is the local EventBridge: it matches each event against the
// topology's rule patterns with quamina (EventBridge's pattern language),
// invokes the rule's target with retries and backoff, and keeps what still
// fails as a dead letter. Delivery is asynchronous and at least once, as in
// AWS.
type Bus struct {
	mu        sync.Mutex
	q         *quamina.Quamina
	rules     map[string]topology.Rule
	targets   func(name string) func(context.Context, lambdaevents.EventBridgeEvent) error
	published []events.Envelope
	count     int // envelopes published since the bus began
	dead      []DeadLetter
	inflight  int
	idle      *sync.Cond
	clock     clock.Clock
	log       *slog.Logger
	attempts  int
	backoff   time.Duration
	twice     bool // the fault suite's duplicating bus
}

// DeadLetter is an event a target never accepted.
type DeadLetter struct {
	Rule     string          `json:"rule"`
	Target   string          `json:"target"`
	Event    events.Envelope `json:"event"`
	Attempts int             `json:"attempts"`
	Error    string          `json:"error"`
	At       time.Time       `json:"at"`
}

// maxKept bounds the published and dead-letter lists.
const maxKept = 100_000

// NewBus compiles the rules. attempts is the number of deliveries tried
// per target before dead-lettering.
func NewBus(rules []topology.Rule, c clock.Clock, log *slog.Logger, attempts int, backoff time.Duration) (*Bus, error) {
	q, err := quamina.New()
	if err != nil {
		return nil, err
	}
	b := &Bus{q: q, rules: map[string]topology.Rule{}, clock: c, log: log, attempts: attempts, backoff: backoff}
	b.idle = sync.NewCond(&b.mu)
	for _, r := range rules {
		if err := q.AddPattern(r.Name, r.Pattern); err != nil {
			return nil, fmt.Errorf("rule %s: bad pattern: %w", r.Name, err)
		}
		b.rules[r.Name] = r
	}
	return b, nil
}

// DeliverTwice makes the bus deliver every event twice, out of order.
func (b *Bus) DeliverTwice(on bool) {
	b.mu.Lock()
	b.twice = on
	b.mu.Unlock()
}

// SetTargets tells the bus how to find a target function's event handler.
func (b *Bus) SetTargets(f func(name string) func(context.Context, lambdaevents.EventBridgeEvent) error) {
	b.mu.Lock()
	b.targets = f
	b.mu.Unlock()
}

var _ events.Bus = (*Bus)(nil)

// Publish accepts envelopes, records them, and starts their deliveries.
func (b *Bus) Publish(ctx context.Context, batch []events.Envelope) ([]error, error) {
	if len(batch) > events.MaxBatch {
		return nil, fmt.Errorf("bus: %d entries, PutEvents takes at most %d", len(batch), events.MaxBatch)
	}
	errs := make([]error, len(batch))
	for i, env := range batch {
		ev, raw, err := b.eventOf(env)
		if err != nil {
			errs[i] = err
			continue
		}
		b.mu.Lock()
		matches, err := b.q.MatchesForEvent(raw)
		if err != nil {
			b.mu.Unlock()
			errs[i] = fmt.Errorf("bus: event is not matchable: %w", err)
			continue
		}
		if len(b.published) >= maxKept {
			b.published = b.published[1:]
		}
		b.published = append(b.published, env)
		b.count++
		for _, m := range matches {
			rule := b.rules[m.(string)]
			b.inflight++
			go b.deliver(rule, env, ev)
			if b.twice {
				// The fault suite's bus: every event a second time, a
				// moment later, so that consumers see duplicates and
				// reordering, as EventBridge's at-least-once delivery may.
				b.inflight++
				go func() {
					time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
					b.deliver(rule, env, ev)
				}()
			}
		}
		b.mu.Unlock()
	}
	return errs, nil
}

// eventOf is an envelope as EventBridge hands it to a target (a delivery
// of its own: a fresh id, a UUID as EventBridge's), and as JSON for
// matching. EventBridge keeps an event's time to the second, in UTC.
func (b *Bus) eventOf(env events.Envelope) (lambdaevents.EventBridgeEvent, []byte, error) {
	ev := lambdaevents.EventBridgeEvent{
		Version: "0", ID: eventUUID(), DetailType: env.DetailType, Source: env.Source,
		AccountID: localAccount, Time: env.Time.UTC().Truncate(time.Second), Region: localRegion, Resources: []string{}, Detail: env.Detail,
	}
	raw, err := json.Marshal(ev)
	return ev, raw, err
}

// EventJSON is the EventBridge event the bus delivers for env, as JSON:
// what its rules' patterns are matched against (tests/patterns holds
// them to EventBridge's own engine with it).
func (b *Bus) EventJSON(env events.Envelope) ([]byte, error) {
	_, raw, err := b.eventOf(env)
	return raw, err
}

// Matches is the names of the rules whose patterns match raw, an
// EventBridge event as JSON, by the bus's own matcher.
func (b *Bus) Matches(raw []byte) ([]string, error) {
	b.mu.Lock()
	xs, err := b.q.MatchesForEvent(raw)
	b.mu.Unlock()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(xs))
	for _, x := range xs {
		names = append(names, x.(string))
	}
	return names, nil
}

// localRegion is the region the local platform's events name.
const localRegion = "local"

// eventUUID is a random (version 4) UUID, as EventBridge's event ids.
func eventUUID() string {
	var u [16]byte
	_, _ = cryptorand.Read(u[:]) // crypto/rand.Read never fails (Go 1.24+)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (b *Bus) deliver(rule topology.Rule, env events.Envelope, ev lambdaevents.EventBridgeEvent) {
	defer func() {
		b.mu.Lock()
		b.inflight--
		if b.inflight == 0 {
			b.idle.Broadcast()
		}
		b.mu.Unlock()
	}()
	b.mu.Lock()
	targets := b.targets
	b.mu.Unlock()
	var lastErr error
	for attempt := 1; attempt <= b.attempts; attempt++ {
		var h func(context.Context, lambdaevents.EventBridgeEvent) error
		if targets != nil {
			h = targets(rule.Target)
		}
		if h == nil {
			lastErr = fmt.Errorf("target %s has no event handler", rule.Target)
		} else {
			lastErr = invokeSafely(func() error { return h(context.Background(), ev) })
		}
		if lastErr == nil {
			return
		}
		b.log.Warn("bus: delivery failed", "rule", rule.Name, "target", rule.Target, "attempt", attempt, "error", lastErr.Error())
		if attempt < b.attempts {
			time.Sleep(b.backoff << (attempt - 1))
		}
	}
	b.mu.Lock()
	if len(b.dead) >= maxKept {
		b.dead = b.dead[1:]
	}
	b.dead = append(b.dead, DeadLetter{Rule: rule.Name, Target: rule.Target, Event: env, Attempts: b.attempts, Error: lastErr.Error(), At: b.clock.Now()})
	b.mu.Unlock()
}

// invokeSafely runs f as Lambda runs an invocation: on a goroutine of its
// own, so that a panic, or the goroutine's end before f returns (a
// function the simulation stops mid-way, runtime.Goexit), is the
// invocation's error, which its caller retries or answers, and never the
// platform's end.
func invokeSafely(f func() error) error {
	done := make(chan error, 1)
	go func() {
		answered := false
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("target panicked: %v", p)
			} else if !answered {
				done <- errors.New("the function stopped before it answered")
			}
		}()
		err := f()
		answered = true
		done <- err
	}()
	return <-done
}

// WaitIdle blocks until no delivery is in flight.
func (b *Bus) WaitIdle() {
	b.mu.Lock()
	for b.inflight > 0 {
		b.idle.Wait()
	}
	b.mu.Unlock()
}

// Published returns the published envelopes, optionally of one detail-type.
func (b *Bus) Published(detailType string) []events.Envelope {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := []events.Envelope{}
	for _, e := range b.published {
		if detailType == "" || e.DetailType == detailType {
			out = append(out, e)
		}
	}
	return out
}

// Mark is how many envelopes the bus has published so far: Replay(mark)
// delivers again what came after it.
func (b *Bus) Mark() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.count
}

// Replay delivers every envelope published since mark (that the bus
// still keeps) again to every rule it matches, in order, as an operator
// replays an EventBridge archive, and answers how many it replayed.
// Consumers are idempotent (delivery is at least once), so a replay
// changes nothing: the simulation holds them to that.
func (b *Bus) Replay(mark int) int {
	b.mu.Lock()
	kept := b.count - len(b.published) // the first kept envelope's number
	from := max(mark-kept, 0)
	batch := append([]events.Envelope{}, b.published[min(from, len(b.published)):]...)
	b.mu.Unlock()
	for _, env := range batch {
		ev, raw, err := b.eventOf(env)
		if err != nil {
			continue
		}
		b.mu.Lock()
		matches, err := b.q.MatchesForEvent(raw)
		b.mu.Unlock()
		if err != nil {
			continue
		}
		for _, m := range matches {
			b.mu.Lock()
			rule := b.rules[m.(string)]
			b.inflight++
			b.mu.Unlock()
			b.deliver(rule, env, ev)
		}
	}
	return len(batch)
}

// DeadLetters returns what no target accepted.
func (b *Bus) DeadLetters() []DeadLetter {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]DeadLetter{}, b.dead...)
}

// Redrive delivers every dead letter again to its rule's target, as an
// operator redrives a dead-letter queue once its cause is mended, and
// answers how many it sent. What fails again is a dead letter again.
func (b *Bus) Redrive() int {
	b.mu.Lock()
	dead := b.dead
	b.dead = nil
	b.mu.Unlock()
	for _, d := range dead {
		rule, ok := b.rules[d.Rule]
		if !ok {
			continue
		}
		ev, _, _ := b.eventOf(d.Event)
		b.mu.Lock()
		b.inflight++
		b.mu.Unlock()
		b.deliver(rule, d.Event, ev)
	}
	return len(dead)
}
