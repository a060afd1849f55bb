package serving

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/traffic"
)

// A campaign's click bills only after its view, and a person's view and
// click often wait in the same batch, the click queued last: every click
// whose view is in its batch counts as a click, never not_viewed, however
// the workers interleave; a click with no view is not_viewed.
func TestOnceQueue_AClickCountsAfterItsViewInTheSameBatch(t *testing.T) {
	q := &onceQueue{once: &memOnce{seen: map[string]bool{}}}
	const n = 300
	for i := 0; i < n; i++ {
		o := Offer{ID: fmt.Sprintf("off_%d", i), Kind: KindCampaign, IssuedAt: t0}
		q.hold(o, "v", "cmp_1/com_1", t0, audienceMark{})
		q.hold(o, "c", "cmp_1/com_1", t0.Add(time.Second), audienceMark{})
	}
	q.hold(Offer{ID: "off_unseen", Kind: KindCampaign, IssuedAt: t0}, "c", "cmp_1/com_1", t0, audienceMark{})
	var mu sync.Mutex
	got := map[string]int{}
	if err := q.settle(context.Background(), func(_ pendingEvent, kind string) {
		mu.Lock()
		got[kind]++
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	if got[CountImpressions] != n || got[CountClicks] != n || got[CountInvalid+string(traffic.NotViewed)] != 1 || len(got) != 3 {
		t.Fatalf("counted %v: want %d impressions, %d clicks and the unseen click not_viewed", got, n, n)
	}
}

// A view whose check failed (the store unreachable) keeps its click
// waiting with it: the next settle counts both, the click as a click.
func TestOnceQueue_AClickWaitsWithItsFailedView(t *testing.T) {
	once := &memOnce{seen: map[string]bool{}, down: true}
	q := &onceQueue{once: once}
	o := Offer{ID: "off_1", Kind: KindCampaign, IssuedAt: t0}
	q.hold(o, "v", "cmp_1/com_1", t0, audienceMark{})
	q.hold(o, "c", "cmp_1/com_1", t0.Add(time.Second), audienceMark{})
	got := map[string]int{}
	count := func(_ pendingEvent, kind string) { got[kind]++ }
	if err := q.settle(context.Background(), count); err == nil {
		t.Fatal("a store that is down failed nothing")
	}
	if len(got) != 0 || len(q.pending) != 2 {
		t.Fatalf("with the store down: counted %v, %d waiting (want none, 2)", got, len(q.pending))
	}
	once.mu.Lock()
	once.down = false
	once.mu.Unlock()
	if err := q.settle(context.Background(), count); err != nil {
		t.Fatal(err)
	}
	if got[CountImpressions] != 1 || got[CountClicks] != 1 || len(got) != 2 {
		t.Fatalf("counted %v: want the view and its click", got)
	}
}
