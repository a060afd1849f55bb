package traffic

import (
	"slices"
	"sync"
	"time"
)

// DailyCap holds a key (kind, source, slot) to at most Max events in a
// UTC day: past that, a source is no person, or so many people behind one
// address (a NAT) that what is left of the day is not billed. The count is
// of the events let through (refused ones add nothing).
//
// It is kept per instance, in memory, bounded to Keys keys; when full it
// forgets the lighter half, so a flood of new sources never frees a
// source near its cap. It starts again at each UTC midnight (a source's
// hash changes then too).
type DailyCap struct {
	Max  int // events per key and day, at least 1
	Keys int // keys remembered

	mu  sync.Mutex
	day time.Time // the UTC day counted
	n   map[string]int
}

// NewDailyCap lets max events per key and UTC day through, remembering up
// to keys keys.
func NewDailyCap(max, keys int) *DailyCap {
	return &DailyCap{Max: max, Keys: keys, n: map[string]int{}}
}

// Allow reports whether an event of key at now is within its day's cap,
// and counts it when it is.
func (c *DailyCap) Allow(key string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if day := now.UTC().Truncate(24 * time.Hour); day.After(c.day) {
		clear(c.n)
		c.day = day
	}
	n, known := c.n[key]
	if n >= c.Max {
		return false
	}
	if !known && len(c.n) >= c.Keys {
		c.forgetLighterHalf()
	}
	c.n[key] = n + 1
	return true
}

// forgetLighterHalf drops the keys with the lowest counts until half of
// Keys are left. c.mu is held.
func (c *DailyCap) forgetLighterHalf() {
	if len(c.n) == 0 {
		return
	}
	counts := make([]int, 0, len(c.n))
	for _, n := range c.n {
		counts = append(counts, n)
	}
	slices.Sort(counts)
	cut := counts[len(counts)/2] // at most half the keys count more than this
	for k, n := range c.n {
		if n < cut {
			delete(c.n, k)
		}
	}
	for k, n := range c.n {
		if len(c.n) <= c.Keys/2 {
			break
		}
		if n == cut {
			delete(c.n, k)
		}
	}
}

// Burst holds a key to at most Max events in one clock second: a person
// sees a page's few slots at once, never many. It keys a source on a
// community's slots together, so a community that makes many slots on one
// page cannot multiply what one address is billed for (the per-slot Pace
// lets one view a second through on each). Kept per instance, bounded to
// Keys keys like Pace.
type Burst struct {
	Max  int
	Keys int

	mu   sync.Mutex
	last map[string]burstCount
}

type burstCount struct {
	second int64
	n      int
}

// NewBurst lets max events per key and clock second through, remembering
// up to keys keys.
func NewBurst(max, keys int) *Burst {
	return &Burst{Max: max, Keys: keys, last: map[string]burstCount{}}
}

// Allow reports whether an event of key at now is within its second's
// burst, and counts it when it is. An event stamped in an earlier second
// than the key's last counts against that last second (events that arrive
// at once are held, whatever their stamps).
func (b *Burst) Allow(key string, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	sec := now.Unix()
	c, known := b.last[key]
	if known && sec <= c.second {
		if c.n >= b.Max {
			return false
		}
		c.n++
		b.last[key] = c
		return true
	}
	if !known && len(b.last) >= b.Keys {
		for k, v := range b.last { // forget the seconds that are past, or else half
			if v.second < sec || len(b.last) > b.Keys/2 {
				delete(b.last, k)
			}
		}
	}
	b.last[key] = burstCount{second: sec, n: 1}
	return true
}
