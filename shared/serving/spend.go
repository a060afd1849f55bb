package serving

import (
	"math"
	"sync"
	"time"

	"github.com/souqhq/souq/shared/clock"
)

// spendBelief is what this instance believes each campaign has spent: what
// its settlements charged, and what this instance counted since (the next
// settlement corrects it). Every campaign decision reads it, so one lock
// is taken per decision, however many campaigns the draw weighs.
type spendBelief struct {
	mu sync.Mutex
	beliefs
}

// beliefs is the state behind spendBelief's lock.
type beliefs struct {
	// spent is what this instance counted since the last settlement it
	// heard of, in thousandths of a minor unit.
	spent map[string]*Spend
	// scale is, per campaign, how much the whole marketplace spent for
	// each unit this instance counted between its last two settlements
	// (1 alone; about n with n instances sharing the traffic): its own
	// count times this is its belief of everyone's since the last one.
	scale map[string]float64
	day   string // the UTC day Today is of
	// dayStart is day's midnight, so that deciding formats no date.
	dayStart time.Time
}

func newSpendBelief() spendBelief {
	return spendBelief{beliefs: beliefs{spent: map[string]*Spend{}, scale: map[string]float64{}}}
}

// MaxScale bounds an instance's belief of the others' part of a
// campaign's traffic (its scale): at most this many times its own.
const MaxScale = 64

// read runs f with the beliefs of now held still: a draw weighs every
// campaign and checks the one drawn against the same belief.
func (b *spendBelief) read(now time.Time, f func(*beliefs)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Before(b.dayStart) || !now.Before(b.dayStart.Add(24*time.Hour)) {
		b.dayStart = now.UTC().Truncate(24 * time.Hour)
		if day := b.dayStart.Format(clock.DayLayout); day != b.day {
			for _, sp := range b.spent {
				sp.Today = 0
			}
			b.day = day
		}
	}
	f(&b.beliefs)
}

// of is what this instance believes a campaign spent: what its
// settlements charged, and what this instance counted since it last heard
// of one, scaled by its part of the traffic in the last settlement (a
// little counted twice errs on the side of stopping early; settlements
// make the rest free).
func (b *beliefs) of(c Campaign) Spend {
	out := Spend{Total: c.Settled.Total}
	if c.Settled.Day == b.day {
		out.Today = c.Settled.Today
	}
	if sp := b.spent[c.ID]; sp != nil { // kept in thousandths of a minor unit
		k := max(1, b.scale[c.ID])
		out.Total += int64(math.Ceil(float64(sp.Total) * k / 1000))
		out.Today += int64(math.Ceil(float64(sp.Today) * k / 1000))
	}
	return out
}

// add adds what a counted view ("v") or click ("c") of a campaign costs,
// in thousandths of a minor unit (so a 2.50 CPM view is 250, not a whole
// cent: rounding each view up would make the belief run ahead of the
// charges and hold a campaign back); the sum is rounded up when read, so
// the belief never lags the charges.
func (b *spendBelief) add(c Campaign, kind string, at time.Time) {
	var cost int64
	switch {
	case c.Model == ModelCPM && kind == "v":
		cost = c.Bid
	case c.Model == ModelCPC && kind == "c":
		cost = c.Bid * 1000
	default:
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	sp := b.spent[c.ID]
	if sp == nil {
		sp = &Spend{}
		b.spent[c.ID] = sp
	}
	sp.Total += cost
	if at.UTC().Format(clock.DayLayout) == b.day || b.day == "" {
		sp.Today += cost
	}
}

// settled takes in a newly read campaign set. A newer settlement includes
// what this instance counted before it: its own count starts again from
// there. What the settlements charged since, against what this instance
// counted, is its scale: the other instances' part of the traffic, which
// it cannot see until the next settlement.
func (b *spendBelief) settled(was, now map[string]Campaign) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for id, c := range now {
		prev, known := was[id]
		if !known || c.Settled.Seq <= prev.Settled.Seq {
			continue
		}
		if sp := b.spent[id]; sp != nil && sp.Total > 0 && c.Settled.Total > prev.Settled.Total {
			b.scale[id] = min(MaxScale, max(1, float64(c.Settled.Total-prev.Settled.Total)*1000/float64(sp.Total)))
		}
		delete(b.spent, id)
	}
	for id := range b.scale {
		if _, ok := now[id]; !ok {
			delete(b.scale, id)
		}
	}
}
