package serving

import (
	"context"
	"sync"
	"time"

	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/traffic"
)

// onceQueue holds the views and clicks that passed every rule but the
// once-per-offer check, which is shared by every instance (one
// conditional write each): the flush makes it, off the request path.
type onceQueue struct {
	once Once

	mu      sync.Mutex
	pending []pendingEvent
	oldest  time.Time
}

type pendingEvent struct {
	offer Offer
	kind  string // "v" or "c"
	ref   string // what it counts under: the flight, or campaign/community (Ref)
	at    time.Time
	// mark is whose audience it adds to once counted (audience.go).
	mark audienceMark
	// token is its once-check's, drawn at its first settle and the same on
	// every try (store.PutItemAs):
	// a check that failed after its write was made is its own on the next.
	token string
}

// maxPending bounds the events waiting for their once-per-offer check; a
// full queue is checked on the request path.
const maxPending = 50_000

// onceWorkers check pending events at once.
const onceWorkers = 16

// hold queues an event. full says the store is behind (the caller checks
// the queue now, so that it stays bounded); due that the oldest has waited
// FlushEvery (a frozen Lambda's ticker does not run).
func (q *onceQueue) hold(o Offer, kind, ref string, now time.Time, mark audienceMark) (full, due bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending) == 0 {
		q.oldest = now
	}
	q.pending = append(q.pending, pendingEvent{offer: o, kind: kind, ref: ref, at: now, mark: mark})
	return len(q.pending) >= maxPending, now.Sub(q.oldest) >= FlushEvery
}

// settle makes the check of every queued event (many at a time) and hands
// each to counted with the kind it counts as: an impression or click, or
// refused as reused (or, a campaign's click before its view, not viewed).
// Views are checked before clicks: a campaign's click bills only after its
// view, and a view and its click often wait in the same batch (a person
// clicks a second after the ad came into view). A click whose view's check
// failed waits with it. An event whose check failed waits for the next
// settle: nothing is lost or counted twice. counted is called from many
// goroutines.
func (q *onceQueue) settle(ctx context.Context, counted func(ev pendingEvent, kind string)) error {
	q.mu.Lock()
	batch := q.pending
	q.pending = nil
	q.oldest = time.Time{}
	q.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	var views, clicks []pendingEvent
	for _, ev := range batch {
		if ev.token == "" {
			ev.token = store.NewAddToken() // drawn here, off the request path; kept by a retry
		}
		if ev.kind == "v" {
			views = append(views, ev)
		} else {
			clicks = append(clicks, ev)
		}
	}
	failed, first := q.checkAll(ctx, views, counted)
	waiting := make(map[string]bool, len(failed))
	for _, ev := range failed {
		waiting[ev.offer.ID] = true
	}
	ready := clicks[:0]
	for _, ev := range clicks {
		if waiting[ev.offer.ID] {
			failed = append(failed, ev)
		} else {
			ready = append(ready, ev)
		}
	}
	failedClicks, err := q.checkAll(ctx, ready, counted)
	failed = append(failed, failedClicks...)
	if first == nil {
		first = err
	}
	if len(failed) > 0 {
		q.mu.Lock()
		q.pending = append(failed, q.pending...)
		q.oldest = failed[0].at
		q.mu.Unlock()
	}
	return first
}

// checkAll checks events onceWorkers at a time, and returns those whose
// check failed, with the first error.
func (q *onceQueue) checkAll(ctx context.Context, evs []pendingEvent, counted func(ev pendingEvent, kind string)) ([]pendingEvent, error) {
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed []pendingEvent
		first  error
	)
	next := make(chan pendingEvent)
	for w := 0; w < min(onceWorkers, len(evs)); w++ {
		wg.Go(func() {
			for ev := range next {
				kind, err := q.check(ctx, ev)
				if err != nil {
					mu.Lock()
					failed = append(failed, ev)
					if first == nil {
						first = err
					}
					mu.Unlock()
					continue
				}
				counted(ev, kind)
			}
		})
	}
	for _, ev := range evs {
		next <- ev
	}
	close(next)
	wg.Wait()
	return failed, first
}

// check is the kind one event counts as, once its offer's record is made.
func (q *onceQueue) check(ctx context.Context, ev pendingEvent) (string, error) {
	ok, err := q.once.First(ctx, "OFFER#"+ev.offer.ID+"#"+ev.kind, ev.offer.IssuedAt.Add(OfferTTL+time.Hour), ev.token)
	if err != nil {
		return "", err
	}
	if !ok {
		return CountInvalid + string(traffic.Reused), nil
	}
	if ev.kind == "c" {
		if ev.offer.Kind == KindCampaign {
			// A campaign's click bills only after its view.
			seen, err := q.once.Seen(ctx, "OFFER#"+ev.offer.ID+"#v")
			if err != nil {
				return "", err
			}
			if !seen {
				return CountInvalid + string(traffic.NotViewed), nil
			}
		}
		return CountClicks, nil
	}
	return CountImpressions, nil
}
