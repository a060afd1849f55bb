// Package clock is the only place Souq reads the time. Domain code takes
// time as an argument; services get it from a Clock so that tests and the
// local platform can move it (DESIGN §3: the scheduler on an injectable clock).
package clock

import (
	"fmt"
	"os"
	"path/filepath"
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
	// changed, when set, is told of every move (Hold, Release, Advance),
	// one move at a time, each with the state as it is then (Publish).
	changed func(offset time.Duration, held time.Time)
	tellMu  sync.Mutex
}

// Publish keeps a file telling this clock's state (its offset and the
// instant it is held at), written again on every move, for processes
// that read the time with Follow: the local platform's real Lambda
// binaries (SOUQ_RUNTIME=rie) keep its time so.
func (o *Offset) Publish(path string) error {
	write := func(offset time.Duration, held time.Time) error {
		var h int64
		if !held.IsZero() {
			h = held.UnixNano()
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(fmt.Sprintf("%d %d\n", int64(offset), h)), 0o644); err != nil {
			return err
		}
		return os.Rename(tmp, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	o.mu.Lock()
	o.changed = func(offset time.Duration, held time.Time) { _ = write(offset, held) }
	offset, held := o.offset, o.held
	o.mu.Unlock()
	return write(offset, held)
}

// tell gives changed the state, if it is set: one call at a time, each
// reading the state anew, so the last told is the latest.
func (o *Offset) tell() {
	o.tellMu.Lock()
	defer o.tellMu.Unlock()
	o.mu.RLock()
	f, offset, held := o.changed, o.offset, o.held
	o.mu.RUnlock()
	if f != nil {
		f(offset, held)
	}
}

// Followed is a clock that keeps another process's Offset: it reads the
// file that Offset.Publish writes at every Now (a small read; nothing in
// AWS uses it), and keeps the last state it read if the file is gone.
type Followed struct {
	path string
	mu   sync.Mutex
	last Offset
}

// Follow is the clock the file at path tells (Offset.Publish).
func Follow(path string) *Followed { return &Followed{path: path} }

// Now is the followed clock's time, in UTC.
func (f *Followed) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	if b, err := os.ReadFile(f.path); err == nil {
		var offset, held int64
		if _, err := fmt.Sscanf(string(b), "%d %d", &offset, &held); err == nil {
			f.last.offset, f.last.held = time.Duration(offset), time.Time{}
			if held != 0 {
				f.last.held = time.Unix(0, held).UTC()
			}
		}
	}
	return f.last.Now()
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
	if o.held.IsZero() {
		o.held = time.Now().UTC().Add(o.offset)
	}
	held := o.held
	o.mu.Unlock()
	o.tell()
	return held
}

// Release lets a held clock run on from the instant it stood at: it
// never goes back, and skips none of the time it was held.
func (o *Offset) Release() time.Time {
	o.mu.Lock()
	if !o.held.IsZero() {
		o.offset = o.held.Sub(time.Now().UTC())
		o.held = time.Time{}
	}
	now := time.Now().UTC().Add(o.offset)
	o.mu.Unlock()
	o.tell()
	return now
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
	o.tell()
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
