package serving

import (
	"context"
	"sync"
	"time"

	"github.com/souqhq/souq/shared/clock"
)

// The measured audience of a community (DESIGN §16, the directory): per
// UTC day, its viewable impressions, its clicks, and its distinct daily
// viewers, as serving itself counted them. Only what serving counts as
// valid adds to it: it is fed where a view becomes an impression and a
// click a click (settleOnce, after every traffic rule and the
// once-per-offer check), never by a refused event. House ads are not
// counted by serving, so they add nothing either.
//
// A viewer is serving's keyed source hash of the day (traffic.Sources:
// an HMAC, under serving's secret key, of the UTC day and the address's
// network); the address itself is never stored. A viewer counts once per
// community and day, on every instance together: the first of its views
// makes one conditional put of (community, day, source) that expires
// after AudienceKeep, and only a put that created the record adds one to
// the day's viewers. Each instance remembers what it already counted, so
// a viewer's next views cost no write at all.

// AudienceWindow is how many UTC days (today included) the directory's
// figures sum.
const AudienceWindow = 30

// AudienceKeep is how long a viewer's record and a community's day are
// kept (the TTL): the window, and a few days' margin.
const AudienceKeep = 35 * 24 * time.Hour

// RollupEvery is how often, at most, an instance writes a community's
// window onto its directory item after counting for it.
const RollupEvery = 30 * time.Second

// AudienceDay is what one UTC day of a community's audience holds.
type AudienceDay struct {
	Day                 string `json:"day" dynamodbav:"d"`
	ViewableImpressions int64  `json:"viewableImpressions" dynamodbav:"v"`
	Clicks              int64  `json:"clicks" dynamodbav:"c"`
	// DistinctViewers are the day's distinct sources.
	DistinctViewers int64 `json:"distinctViewers" dynamodbav:"u"`
}

// Audience is a community's measured audience over a window of days.
type Audience struct {
	ViewableImpressions int64 `json:"viewableImpressions"`
	// DistinctDailyViewers is the sum, over the window's days, of each
	// day's distinct viewers: a person who came on three days counts
	// three times (the sources are keyed per day, so days cannot be
	// joined).
	DistinctDailyViewers int64 `json:"distinctDailyViewers"`
	Clicks               int64 `json:"clicks"`
}

// AudienceOver sums the days of the window that ends on now's UTC day
// (AudienceWindow days, today included); older days are left out, so a
// figure ages without anyone writing it again.
func AudienceOver(days []AudienceDay, now time.Time) Audience {
	today := now.UTC().Truncate(24 * time.Hour)
	first := today.AddDate(0, 0, -(AudienceWindow - 1)).Format(clock.DayLayout)
	last := today.Format(clock.DayLayout)
	var a Audience
	for _, d := range days {
		if d.Day < first || d.Day > last {
			continue
		}
		a.ViewableImpressions += d.ViewableImpressions
		a.Clicks += d.Clicks
		a.DistinctDailyViewers += d.DistinctViewers
	}
	return a
}

// AudienceStore keeps the measured audience.
type AudienceStore interface {
	// FirstViewer records a source on a community's day: true only for
	// the call that created the record, on any instance.
	FirstViewer(ctx context.Context, communityID, day, source string) (bool, error)
	// AddAudience adds a day's increments to a community's day.
	AddAudience(ctx context.Context, communityID string, d AudienceDay) error
	// RollupAudience writes the community's days of the window ending at
	// now onto its directory item.
	RollupAudience(ctx context.Context, communityID string, now time.Time) error
}

// audienceMark is who a held view or click is of: the community of its
// slot and the viewer's source hash of the day.
type audienceMark struct{ community, source string }

type communityDay struct{ community, day string }

type viewerCheck struct {
	communityDay
	source string
}

// audience buffers a server's audience counts and writes them with the
// counter's flush: one conditional put per viewer new to this instance,
// one ADD per community and day, and (every RollupEvery at most) one
// rollup per community it counted for.
type audience struct {
	store AudienceStore // nil: the tally keeps no audience

	mu sync.Mutex
	// seen are the community|day|source this instance counted or queued
	// (cleared when it grows past maxEntries: a forgotten viewer costs one
	// more conditional put, never a second count).
	seen    map[string]struct{}
	viewers []viewerCheck
	days    map[communityDay]AudienceDay

	flushMu sync.Mutex // one flush at a time: dirty and rolled are its own
	dirty   map[string]bool
	rolled  map[string]time.Time
}

func newAudience(st AudienceStore) *audience {
	return &audience{store: st, seen: map[string]struct{}{}, days: map[communityDay]AudienceDay{},
		dirty: map[string]bool{}, rolled: map[string]time.Time{}}
}

// counted adds a counted event (kind CountImpressions or CountClicks) of
// a mark at a time to the buffer; anything else is no audience.
func (a *audience) counted(m audienceMark, kind string, at time.Time) {
	if a.store == nil || m.community == "" || (kind != CountImpressions && kind != CountClicks) {
		return
	}
	cd := communityDay{m.community, at.UTC().Format(clock.DayLayout)}
	a.mu.Lock()
	defer a.mu.Unlock()
	d := a.days[cd]
	d.Day = cd.day
	if kind == CountClicks {
		d.Clicks++
		a.days[cd] = d
		return
	}
	d.ViewableImpressions++
	a.days[cd] = d
	if m.source == "" {
		return
	}
	key := cd.community + "|" + cd.day + "|" + m.source
	if _, ok := a.seen[key]; ok {
		return
	}
	if len(a.seen) >= maxEntries {
		a.seen = map[string]struct{}{}
	}
	a.seen[key] = struct{}{}
	a.viewers = append(a.viewers, viewerCheck{cd, m.source})
}

// flush records the new viewers, adds the buffered days, and rolls up
// the communities it counted for whose last rollup here is RollupEvery
// old (all of them when it had nothing new). What fails is kept for the
// next flush.
//
// The viewer's record and the day's ADD are two writes, not one
// transaction: should the process die between them, that viewer is
// recorded and never added (an undercount of at most one flush's new
// viewers of one instance), and an ADD retried after a timeout that did
// apply counts twice. Neither can happen to billing, which never reads
// these figures; for an audience figure, a transaction per new viewer
// (twice the writes, contending on the day's item) buys too little.
func (a *audience) flush(ctx context.Context, now time.Time) error {
	if a.store == nil {
		return nil
	}
	a.flushMu.Lock()
	defer a.flushMu.Unlock()
	a.mu.Lock()
	checks := a.viewers
	a.viewers = nil
	a.mu.Unlock()

	fresh, failed, first := a.checkViewers(ctx, checks)

	a.mu.Lock()
	a.viewers = append(failed, a.viewers...)
	for cd, n := range fresh {
		d := a.days[cd]
		d.Day = cd.day
		d.DistinctViewers += n
		a.days[cd] = d
	}
	batch := a.days
	a.days = map[communityDay]AudienceDay{}
	a.mu.Unlock()

	for cd, d := range batch {
		if err := a.store.AddAudience(ctx, cd.community, d); err != nil {
			if first == nil {
				first = err
			}
			a.mu.Lock()
			k := a.days[cd]
			k.Day = cd.day
			k.ViewableImpressions += d.ViewableImpressions
			k.Clicks += d.Clicks
			k.DistinctViewers += d.DistinctViewers
			a.days[cd] = k
			a.mu.Unlock()
			continue
		}
		a.dirty[cd.community] = true
	}
	// A busy instance rolls a community up every RollupEvery at most; an
	// idle flush (nothing new: the traffic stopped, or the last flush at
	// shutdown) rolls up every community still waiting, so the last
	// counts of a community that went quiet are not left off its item.
	idle := len(checks) == 0 && len(batch) == 0
	for com := range a.dirty {
		if last, ok := a.rolled[com]; ok && !idle && now.Sub(last) < RollupEvery && !now.Before(last) {
			continue
		}
		if err := a.store.RollupAudience(ctx, com, now); err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		a.rolled[com] = now
		delete(a.dirty, com)
	}
	if len(a.rolled) > maxEntries {
		for com, at := range a.rolled {
			if now.Sub(at) >= RollupEvery {
				delete(a.rolled, com)
			}
		}
	}
	return first
}

// checkViewers makes the viewers' records, onceWorkers at a time: fresh
// counts the new ones per community and day; failed are kept to retry.
func (a *audience) checkViewers(ctx context.Context, checks []viewerCheck) (fresh map[communityDay]int64, failed []viewerCheck, first error) {
	fresh = map[communityDay]int64{}
	if len(checks) == 0 {
		return fresh, nil, nil
	}
	var (
		wg sync.WaitGroup
		mu sync.Mutex
	)
	next := make(chan viewerCheck)
	for w := 0; w < min(onceWorkers, len(checks)); w++ {
		wg.Go(func() {
			for c := range next {
				isNew, err := a.store.FirstViewer(ctx, c.community, c.day, c.source)
				mu.Lock()
				switch {
				case err != nil:
					failed = append(failed, c)
					if first == nil {
						first = err
					}
				case isNew:
					fresh[c.communityDay]++
				}
				mu.Unlock()
			}
		})
	}
	for _, c := range checks {
		next <- c
	}
	close(next)
	wg.Wait()
	return fresh, failed, first
}

// markOf is whose audience a counted event of an offer adds to: its
// slot's community, and the viewer's keyed source hash of the day (the
// same hash the traffic rules key on; never the address).
func (s *Server) markOf(ctx context.Context, o Offer, ev Event, now time.Time) (audienceMark, error) {
	p, err := s.book.placement(ctx, o.SlotID, now)
	if err != nil {
		return audienceMark{}, err
	}
	return audienceMark{community: p.CommunityID, source: s.rules.sources.Of(ev.SourceIP, now)}, nil
}
