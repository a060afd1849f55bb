package local

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/schedule"
	"github.com/souqhq/souq/shared/topology"
)

// Scheduler is the local EventBridge Scheduler: one-time schedules made by
// functions at run time and the topology's recurring schedules, fired by
// the platform's clock. Fire runs everything due, in time order; a failed
// invocation is retried on the next Fire, as Scheduler retries.
type Scheduler struct {
	mu        sync.Mutex
	clock     clock.Clock
	once      map[string]*oneTime
	recurring []*recurring
	invoke    func(ctx context.Context, target string, payload json.RawMessage) error
	log       *slog.Logger
	firing    sync.Mutex
	// The simulation's faults: late, a one-time schedule fires this long
	// after its time; twice, each fires once more, on a later Fire.
	late  time.Duration
	twice bool
}

type oneTime struct {
	name    string
	at      time.Time
	target  string
	payload json.RawMessage
	tries   int
	again   bool // fired; the twice fault fires it once more
}

// Faults makes one-time schedules fire late (by late past their time) and
// twice (once more, on a later Fire), as EventBridge Scheduler may within
// a flexible window and with its at-least-once delivery: their targets
// must not care. Zero values turn them off.
func (s *Scheduler) Faults(late time.Duration, twice bool) {
	s.mu.Lock()
	s.late, s.twice = late, twice
	s.mu.Unlock()
}

type recurring struct {
	topology.Schedule
	every time.Duration
	next  time.Time
}

var _ schedule.Scheduler = (*Scheduler)(nil)

// maxScheduleTries bounds retries of a failing one-time schedule.
const maxScheduleTries = 10

// NewScheduler compiles the topology's recurring schedules, each due
// first one period after anchor (the instant the platform's clock started;
// the zero anchor is the clock's now) and every period from there: not
// from when the scheduler was made, since the platform makes it only after
// DynamoDB Local and its tables are up, which takes seconds that vary with
// the machine's load, and a suite running at a fixed start (on the minute)
// relies on the meter's minute being the clock's.
func NewScheduler(c clock.Clock, anchor time.Time, schedules []topology.Schedule, log *slog.Logger) (*Scheduler, error) {
	if anchor.IsZero() {
		anchor = c.Now()
	}
	s := &Scheduler{clock: c, once: map[string]*oneTime{}, log: log}
	for _, sc := range schedules {
		every, err := ParseRate(sc.Expression)
		if err != nil {
			return nil, fmt.Errorf("schedule %s: %w", sc.Name, err)
		}
		s.recurring = append(s.recurring, &recurring{Schedule: sc, every: every, next: anchor.Add(every)})
	}
	return s, nil
}

// ParseRate reads "rate(5 minutes)"-style expressions.
func ParseRate(expr string) (time.Duration, error) {
	inner, ok := strings.CutPrefix(expr, "rate(")
	if !ok || !strings.HasSuffix(inner, ")") {
		return 0, fmt.Errorf("only rate(...) expressions are supported, got %q", expr)
	}
	n, unit, ok := strings.Cut(strings.TrimSuffix(inner, ")"), " ")
	v, err := strconv.Atoi(n)
	if !ok || err != nil || v < 1 {
		return 0, fmt.Errorf("bad rate %q", expr)
	}
	switch strings.TrimSuffix(unit, "s") {
	case "minute":
		return time.Duration(v) * time.Minute, nil
	case "hour":
		return time.Duration(v) * time.Hour, nil
	case "day":
		return time.Duration(v) * 24 * time.Hour, nil
	}
	return 0, fmt.Errorf("bad rate unit in %q", expr)
}

// Once implements schedule.Scheduler.
func (s *Scheduler) Once(_ context.Context, name string, at time.Time, target string, payload json.RawMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.once[name]; exists {
		return nil
	}
	s.once[name] = &oneTime{name: name, at: at, target: target, payload: append(json.RawMessage{}, payload...)}
	return nil
}

// Cancel implements schedule.Scheduler.
func (s *Scheduler) Cancel(_ context.Context, name string) error {
	s.mu.Lock()
	delete(s.once, name)
	s.mu.Unlock()
	return nil
}

// Pending counts one-time schedules not yet fired.
func (s *Scheduler) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.once)
}

type firing struct {
	key     string
	at      time.Time
	target  string
	payload json.RawMessage
	rec     *recurring
}

// Fire invokes every schedule due at the clock's now, earliest first, and
// returns how many ran.
func (s *Scheduler) Fire(ctx context.Context) int {
	s.firing.Lock()
	defer s.firing.Unlock()
	now := s.clock.Now()
	s.mu.Lock()
	var due []firing
	for name, o := range s.once {
		if !o.at.Add(s.late).After(now) {
			due = append(due, firing{key: name, at: o.at, target: o.target, payload: o.payload})
		}
	}
	for _, r := range s.recurring {
		// A clock jump of a day fires a 5-minute schedule once, not 288
		// times: Scheduler would have fired each, but the targets are
		// sweeps whose one run covers everything due.
		if !r.next.After(now) {
			due = append(due, firing{key: r.Name, at: r.next, target: r.Target, payload: json.RawMessage(r.Payload()), rec: r})
			for !r.next.After(now) {
				r.next = r.next.Add(r.every)
			}
		}
	}
	invoke := s.invoke
	s.mu.Unlock()
	sort.Slice(due, func(i, j int) bool { return due[i].at.Before(due[j].at) })
	for _, f := range due {
		err := fmt.Errorf("no target")
		if invoke != nil {
			err = invoke(ctx, f.target, f.payload)
		}
		if f.rec != nil {
			if err != nil {
				s.log.Warn("recurring schedule failed", "schedule", f.key, "error", err.Error())
			}
			continue
		}
		s.mu.Lock()
		o := s.once[f.key]
		switch {
		case err == nil && o != nil && s.twice && !o.again:
			o.again = true // delivered; it comes once more on the next Fire
		case err == nil || o == nil:
			delete(s.once, f.key)
		default:
			o.tries++
			if o.tries >= maxScheduleTries {
				s.log.Error("one-time schedule dropped after retries", "schedule", f.key, "target", f.target, "error", err.Error())
				delete(s.once, f.key)
			}
		}
		s.mu.Unlock()
	}
	return len(due)
}
