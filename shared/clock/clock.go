// Package clock is the only place Souq reads the time. Domain code takes
// time as an argument; services get it from a Clock so that tests and the
// local platform can move it (DESIGN §3: the scheduler on an injectable clock).
package clock

import (
	"sync"
	"time"
)

// Clock tells the current time.
type Clock interface {
	Now() time.Time
}

// System is the wall clock, in UTC.
type System struct{}

// Now returns the wall-clock time in UTC.
func (System) Now() time.Time { return time.Now().UTC() }

// Offset is the wall clock moved by an amount that only grows.
// The local platform uses it so that time keeps flowing for people using
// `make run` while tests can jump ahead with /local/clock/advance.
type Offset struct {
	mu     sync.RWMutex
	offset time.Duration
	// held, when set, is the instant the clock stands still at (Hold).
	held time.Time
}

// StartingAt is an Offset clock that reads start now (and runs on from
// there); the zero start is the wall clock. The offset it starts with may
// be negative (a start in the past); only Advance is forward-only.
func StartingAt(start time.Time) *Offset {
	if start.IsZero() {
		return &Offset{}
	}
	return &Offset{offset: time.Until(start)}
}

// Now returns the wall clock plus the accumulated offset, in UTC.
func (o *Offset) Now() time.Time {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if !o.held.IsZero() {
		return o.held
	}
	return time.Now().UTC().Add(o.offset)
}

// Hold stops the clock where it is, so that requests sent together are
// served at one instant however long a loaded machine takes with them
// (a test of what happens "at once"); Release lets it run on from there.
// Advance still moves a held clock.
func (o *Offset) Hold() time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.held.IsZero() {
		o.held = time.Now().UTC().Add(o.offset)
	}
	return o.held
}

// Release lets a held clock run on from the instant it stood at: it
// never goes back, and skips none of the time it was held.
func (o *Offset) Release() time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.held.IsZero() {
		o.offset = o.held.Sub(time.Now().UTC())
		o.held = time.Time{}
	}
	return time.Now().UTC().Add(o.offset)
}

// Advance moves the clock forward by d; a negative d is ignored because
// time that ran backwards would let schedules fire twice.
func (o *Offset) Advance(d time.Duration) time.Time {
	o.mu.Lock()
	if d > 0 {
		o.offset += d
		if !o.held.IsZero() {
			o.held = o.held.Add(d)
		}
	}
	o.mu.Unlock()
	return o.Now()
}

// Fake is a clock that only moves when told. The zero value is not usable;
// build it with NewFake.
type Fake struct {
	mu  sync.RWMutex
	now time.Time
}

// NewFake returns a clock stopped at t.
func NewFake(t time.Time) *Fake { return &Fake{now: t.UTC()} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.now
}

// Advance moves the fake time forward by d (never backwards).
func (f *Fake) Advance(d time.Duration) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d > 0 {
		f.now = f.now.Add(d)
	}
	return f.now
}

// Format renders t the one way Souq stores and sends times: RFC 3339 UTC
// with millisecond precision, so that stored strings sort as times do.
func Format(t time.Time) string { return t.UTC().Format(Layout) }

// Layout is the fixed-width RFC 3339 layout used everywhere.
const Layout = "2006-01-02T15:04:05.000Z07:00"

// DayLayout names a UTC day, the one way Souq writes a date.
const DayLayout = "2006-01-02"

// Parse reads a time written by Format (or any RFC 3339 time); the zero
// time when it is not one.
func Parse(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
