package traffic

import (
	"sync"
	"time"
)

// Pace refuses a source's second event on a slot sooner than a person
// could make it: a view needs the ad on screen for a second, so two of a
// source's views (or clicks) on one slot less than Interval apart are not
// a person's. It is kept per instance, in memory, bounded: a flood from
// many sources forgets the oldest.
//
// Events that arrive at once carry equal stamps, or stamps out of order
// (each request read the clock before it took the lock): of those, the
// first to arrive is allowed and every other is held, however it was
// stamped. An allowed event is always at least Interval after the last
// one the key was seen with.
type Pace struct {
	Interval time.Duration
	Max      int // sources × slots remembered

	mu   sync.Mutex
	last map[string]time.Time
}

// NewPace remembers up to max keys, refusing events closer than interval.
func NewPace(interval time.Duration, max int) *Pace {
	return &Pace{Interval: interval, Max: max, last: map[string]time.Time{}}
}

// Allow reports whether an event of key (kind, source, slot) at now is at
// a person's pace, and remembers it.
func (p *Pace) Allow(key string, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if prev, ok := p.last[key]; ok && now.Sub(prev) < p.Interval {
		// Too soon after the last, or stamped no later than it. A refused
		// event is a try too: the latest stamp is kept, so a source that
		// keeps trying faster than a person stays refused, and an earlier
		// stamp never moves the key back.
		if now.After(prev) {
			p.last[key] = now
		}
		return false
	}
	if len(p.last) >= p.Max {
		for k, t := range p.last { // forget what is past the interval, or else half
			if now.Sub(t) >= p.Interval || len(p.last) > p.Max/2 {
				delete(p.last, k)
			}
		}
	}
	p.last[key] = now
	return true
}
