package serving

import (
	"context"
	"sync"
	"time"
)

// offerBook is what a decision knows of slots and flights without asking
// the source: each slot's placement, kept briefly, and each booked
// flight's click URL, kept for good (a booking never changes it). It is
// read on every decision and beacon, so a hit costs one read lock.
type offerBook struct {
	source Source

	mu     sync.RWMutex
	slots  map[string]*slotEntry
	clicks map[string]string // flight → click URL
}

type slotEntry struct {
	until time.Time
	p     Placement
}

func newOfferBook(src Source) offerBook {
	return offerBook{source: src, slots: map[string]*slotEntry{}, clicks: map[string]string{}}
}

// placement is a slot's placement at now: the kept one until CacheTTL,
// MissTTL for a slot not found, or the next flight start or end it knows
// of (a flight never serves outside its window), whichever comes first.
func (b *offerBook) placement(ctx context.Context, slotID string, now time.Time) (Placement, error) {
	b.mu.RLock()
	e := b.slots[slotID]
	b.mu.RUnlock()
	if e != nil && now.Before(e.until) {
		return e.p, nil
	}
	p, err := b.source.Placement(ctx, slotID, now)
	if err != nil {
		return Placement{}, err
	}
	e = &slotEntry{until: now.Add(CacheTTL), p: p}
	if !p.Found {
		// A slot created a moment ago may not have reached the projection
		// yet: its 404 is not kept for long.
		e.until = now.Add(MissTTL)
	}
	if p.Flight != nil {
		for _, edge := range []time.Time{p.Flight.Start, p.Flight.End} {
			if edge.After(now) && edge.Before(e.until) {
				e.until = edge
			}
		}
	}
	b.mu.Lock()
	if len(b.slots) >= maxEntries {
		b.slots = map[string]*slotEntry{}
	}
	b.slots[slotID] = e
	b.mu.Unlock()
	return p, nil
}

// clickURL is where a click on a flight goes; found is false for a flight
// nobody booked.
func (b *offerBook) clickURL(ctx context.Context, flightID string) (string, bool, error) {
	b.mu.RLock()
	to, cached := b.clicks[flightID]
	b.mu.RUnlock()
	if cached {
		return to, true, nil
	}
	to, found, err := b.source.FlightClickURL(ctx, flightID)
	if err != nil || !found {
		return "", false, err
	}
	b.mu.Lock()
	if len(b.clicks) >= maxEntries {
		b.clicks = map[string]string{}
	}
	b.clicks[flightID] = to
	b.mu.Unlock()
	return to, true, nil
}
