package traffic

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestDailyCap_RefusesPastMaxUntilTheNextUTCDay(t *testing.T) {
	c := NewDailyCap(3, 100)
	midnight := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	for _, st := range []struct {
		key  string
		at   time.Time
		want bool
	}{
		{"v|s1|slot", t0, true},
		{"v|s1|slot", t0.Add(time.Minute), true},
		{"v|s1|slot", t0.Add(2 * time.Minute), true},
		{"v|s1|slot", t0.Add(3 * time.Minute), false},                                          // the fourth
		{"v|s1|slot", midnight.Add(-time.Nanosecond), false},                                   // to the day's end
		{"v|s2|slot", t0.Add(3 * time.Minute), true},                                           // another source
		{"v|s1|other", t0.Add(3 * time.Minute), true},                                          // another slot
		{"c|s1|slot", t0.Add(3 * time.Minute), true},                                           // a click is its own kind
		{"v|s1|slot", midnight, true},                                                          // a new day
		{"v|s1|slot", time.Date(2026, 12, 2, 4, 0, 0, 0, time.FixedZone("+05", 5*3600)), true}, // the UTC day, in any zone
		{"v|s1|slot", midnight.Add(time.Hour), true},
		{"v|s1|slot", midnight.Add(2 * time.Hour), false},
	} {
		if got := c.Allow(st.key, st.at); got != st.want {
			t.Errorf("%s at %v: %v, want %v", st.key, st.at, got, st.want)
		}
	}
}

// Concurrent events of one key: exactly Max go through.
func TestDailyCap_ConcurrentEventsNeverPassIt(t *testing.T) {
	c := NewDailyCap(10, 100)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 100 {
		wg.Go(func() {
			<-start
			if c.Allow("v|s1|slot", t0.Add(time.Duration(i)*time.Millisecond)) {
				allowed.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := allowed.Load(); n != 10 {
		t.Fatalf("%d of 100 went through, want the cap's 10", n)
	}
}

// A flood of new sources fills the memory: the lightest are forgotten,
// never a source near its cap, and the memory stays bounded.
func TestDailyCap_AFloodOfSourcesDoesNotFreeOneNearItsCap(t *testing.T) {
	c := NewDailyCap(5, 8)
	for range 4 {
		c.Allow("v|heavy|slot", t0)
	}
	for i := range 1000 {
		c.Allow(fmt.Sprintf("v|s%d|slot", i), t0)
		if len(c.n) > 8 {
			t.Fatalf("%d keys remembered, bound is 8", len(c.n))
		}
	}
	if !c.Allow("v|heavy|slot", t0) || c.Allow("v|heavy|slot", t0) {
		t.Fatal("the heavy source was forgotten: it got past its cap of 5")
	}
}

// A source's events on a community's slots: at most Max in a clock
// second, whatever the stamps of those that arrive at once, and again the
// next second.
func TestBurst_HoldsASourceToMaxASecondOnACommunity(t *testing.T) {
	b := NewBurst(4, 100)
	at := time.Date(2039, time.January, 31, 12, 0, 0, 0, time.UTC)
	var let int
	for i := 0; i < 20; i++ {
		if b.Allow("v|src|com_a", at.Add(time.Duration(i)*10*time.Millisecond)) {
			let++
		}
	}
	if let != 4 {
		t.Fatalf("%d of 20 in one second let through, want 4", let)
	}
	if b.Allow("v|src|com_a", at.Add(-time.Second)) {
		t.Fatal("an event stamped a second earlier slipped past a full second")
	}
	if !b.Allow("v|src|com_b", at) {
		t.Fatal("another community's slots are another burst")
	}
	if !b.Allow("v|src|com_a", at.Add(time.Second)) {
		t.Fatal("the next second refused")
	}
}

// Twenty goroutines at one instant: exactly Max let through.
func TestBurst_ConcurrentEventsAreHeld(t *testing.T) {
	b := NewBurst(4, 100)
	at := time.Date(2039, time.January, 31, 12, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	var let atomic.Int32
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if b.Allow("v|src|com", at) {
				let.Add(1)
			}
		}()
	}
	wg.Wait()
	if let.Load() != 4 {
		t.Fatalf("%d let through at once, want 4", let.Load())
	}
}
