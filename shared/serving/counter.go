package serving

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/store"
)

// Tally stores counts: one ADD of each kind's increment to one shard of
// a flight's day, once for token (store.AddOnce): counts sent again with
// the token they were first sent with are not counted again.
type Tally interface {
	AddCounts(ctx context.Context, flightID, day string, shard int, counts map[string]int64, token string) error
}

// Counter buffers served, viewed, clicked and refused increments in
// memory and writes them as one ADD per flight and day per flush, into
// this instance's own shard: a hot slot costs one write every FlushEvery
// per instance, never one per event. A failed flush keeps its counts to
// send again, as they were and with the token they were sent with (the
// write may have been made though its answer was lost): none are lost
// while the process lives and none is counted twice; Run flushes on
// shutdown.
type Counter struct {
	tally Tally
	shard int

	mu      sync.Mutex
	pending map[countKey]int64
	oldest  time.Time // of the first increment not yet flushed
	// day is the UTC day of dayStart…dayStart+24h, kept so that counting
	// formats no date.
	day      string
	dayStart time.Time

	// unsent are counts a flush could not write, each group to be sent
	// again with its own token, never merged with newer counts.
	unsent []countGroup

	flushMu sync.Mutex // one flush at a time, so shards are never raced
	// before runs first in every flush: it turns buffered events that
	// still need a shared check (once per offer) into counts.
	before func(context.Context) error
}

// CounterShards is how many items each flight-day's counters spread over.
const CounterShards = 16

// FlushEvery bounds how stale the stored counters may be.
const FlushEvery = 2 * time.Second

type countKey struct{ flight, day, kind string }

// countGroup is one flight-day's counts, as one AddCounts sends them.
type countGroup struct {
	flight, day string
	counts      map[string]int64
	token       string
}

// NewCounter returns a counter writing to a random shard.
func NewCounter(t Tally) *Counter {
	return &Counter{tally: t, shard: rand.IntN(CounterShards), pending: map[countKey]int64{}}
}

// Add counts n of kind for a flight on the day of now, and reports
// whether the buffer is older than FlushEvery (a frozen Lambda's ticker
// does not run, so the handler flushes then).
func (c *Counter) Add(flightID, kind string, n int64, now time.Time) (due bool) {
	return c.AddKinds(flightID, []string{kind}, n, now)
}

// AddKinds counts n of each kind (an event under its kind and its
// breakdowns' kinds) at once.
func (c *Counter) AddKinds(flightID string, kinds []string, n int64, now time.Time) (due bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) == 0 {
		c.oldest = now
	}
	if now.Before(c.dayStart) || !now.Before(c.dayStart.Add(24*time.Hour)) {
		c.dayStart = now.UTC().Truncate(24 * time.Hour)
		c.day = c.dayStart.Format(clock.DayLayout)
	}
	for _, kind := range kinds {
		c.pending[countKey{flightID, c.day, kind}] += n
	}
	return now.Sub(c.oldest) >= FlushEvery
}

// Flush writes every buffered count. On an error, what was not written is
// buffered again for the next flush.
func (c *Counter) Flush(ctx context.Context) error {
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	return c.flushLocked(ctx)
}

func (c *Counter) flushLocked(ctx context.Context) error {
	var beforeErr error
	if c.before != nil {
		beforeErr = c.before(ctx)
	}
	c.mu.Lock()
	batch, groups := c.pending, c.unsent
	c.pending, c.unsent = map[countKey]int64{}, nil
	c.mu.Unlock()
	type fd struct{ flight, day string }
	fresh := map[fd]int{}
	for k, n := range batch {
		i, ok := fresh[fd{k.flight, k.day}]
		if !ok {
			i = len(groups)
			fresh[fd{k.flight, k.day}] = i
			groups = append(groups, countGroup{flight: k.flight, day: k.day, counts: map[string]int64{}, token: store.NewAddToken()})
		}
		groups[i].counts[k.kind] += n
	}
	var firstErr error
	for _, g := range groups {
		if err := c.tally.AddCounts(ctx, g.flight, g.day, c.shard, g.counts, g.token); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			c.mu.Lock()
			c.oldest = time.Time{} // due at once: the next Add asks for a flush
			c.unsent = append(c.unsent, g)
			c.mu.Unlock()
		}
	}
	if firstErr == nil {
		firstErr = beforeErr
	}
	return firstErr
}

// Unsent is how many groups of counts wait to be sent again.
func (c *Counter) Unsent() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.unsent)
}

// TryFlush flushes unless a flush is running already (then the running one
// takes what is buffered, or the next does): the request path never waits
// behind another flush.
func (c *Counter) TryFlush(ctx context.Context) error {
	if !c.flushMu.TryLock() {
		return nil
	}
	defer c.flushMu.Unlock()
	return c.flushLocked(ctx)
}

// Due reports whether the buffer waits longer than FlushEvery.
func (c *Counter) Due(now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.unsent) > 0 || !c.oldest.IsZero() && now.Sub(c.oldest) >= FlushEvery
}

// Run flushes every FlushEvery until ctx ends, then once more. A failed
// flush keeps its counts for the next one; it is logged.
func (c *Counter) Run(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(FlushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			// Shutdown: Lambda kills the process ~500 ms after SIGTERM.
			fctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
			if err := c.Flush(fctx); err != nil {
				log.Error("final counter flush failed; counts lost with the process", "error", err.Error())
			}
			cancel()
			return
		case <-t.C:
			if err := c.Flush(ctx); err != nil {
				log.Warn("counter flush failed; kept for the next", "error", err.Error())
			}
		}
	}
}
