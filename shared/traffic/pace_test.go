package traffic

import (
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func TestPace_RefusesASourceFasterThanAPersonOnASlot(t *testing.T) {
	p := NewPace(time.Second, 4)
	for _, st := range []struct {
		key  string
		at   time.Duration
		want bool
	}{
		{"v|s1|slot", 0, true},
		{"v|s1|slot", 300 * time.Millisecond, false}, // faster than a person
		{"v|s1|slot", 900 * time.Millisecond, false}, // still: each refused event counts
		{"v|s1|slot", 2 * time.Second, true},
		{"v|s1|slot", 2 * time.Second, false},                   // the same instant again
		{"v|s1|slot", 1500 * time.Millisecond, false},           // stamped before the last one
		{"v|s1|slot", 2900 * time.Millisecond, false},           // the earlier stamp did not move the interval back
		{"v|s1|slot", 3900 * time.Millisecond, true},            // a second after the last try
		{"v|s1|slot", 3900*time.Millisecond - time.Hour, false}, // however early it was stamped
		{"v|s2|slot", 4 * time.Second, true},                    // another source
		{"v|s1|other", 4 * time.Second, true},                   // another slot
		{"c|s1|slot", 4 * time.Second, true},                    // a click is its own kind
	} {
		if got := p.Allow(st.key, t0.Add(st.at)); got != st.want {
			t.Errorf("%s at %v: %v, want %v", st.key, st.at, got, st.want)
		}
	}
	for i := 0; i < 100; i++ { // a flood of sources stays bounded
		p.Allow(string(rune('a'+i%26))+string(rune(i)), t0.Add(5*time.Second))
	}
	if len(p.last) > 4 {
		t.Fatalf("pace remembers %d keys, bound is 4", len(p.last))
	}
}

// Events that arrive at once with one stamp: one goes through.
func TestPace_ConcurrentEventsWithOneStampLetOneThrough(t *testing.T) {
	p := NewPace(time.Second, 1000)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 64 {
		wg.Go(func() {
			<-start
			if p.Allow("v|s1|slot", t0) {
				allowed.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := allowed.Load(); n != 1 {
		t.Fatalf("%d of 64 concurrent events went through, want 1", n)
	}
}

// Events that arrive at once stamped out of order (each read the clock
// before it took the lock): whatever the order, the stamps let through
// are at least an interval apart, so ten seconds of them give at most ten.
func TestPace_ConcurrentOutOfOrderStampsAreHeldToThePace(t *testing.T) {
	p := NewPace(time.Second, 1000)
	var mu sync.Mutex
	var through []time.Time
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			<-start
			for range 250 {
				at := t0.Add(time.Duration(rng.Int64N(int64(10 * time.Second))))
				if p.Allow("v|s1|slot", at) {
					mu.Lock()
					through = append(through, at)
					mu.Unlock()
				}
			}
		})
	}
	close(start)
	wg.Wait()
	slices.SortFunc(through, time.Time.Compare)
	if len(through) == 0 || len(through) > 10 {
		t.Fatalf("%d of 2000 events in ten seconds went through, want 1 to 10", len(through))
	}
	for i := 1; i < len(through); i++ {
		if gap := through[i].Sub(through[i-1]); gap < time.Second {
			t.Errorf("two events let through %v apart", gap)
		}
	}
}
