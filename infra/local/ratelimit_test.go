package local

import (
	"testing"
	"time"

	"github.com/souqhq/souq/shared/topology"
)

// Each principal has its own bucket per route: the burst, then the rate;
// the wait until the next token is reported; other principals and routes
// are untouched.
func TestLimiter_PerPrincipalTokenBuckets(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := newLimiter()
	l.now = func() time.Time { return now }
	plain := topology.Route{Method: "GET", Path: "/v1/me"}
	tight := topology.Route{Method: "POST", Path: "/v1/communities", Throttle: &topology.Throttle{RatePerSecond: 10, Burst: 20}}
	for i := 0; i < int(topology.DefaultThrottle.Burst); i++ {
		if ok, _ := l.allow(plain, "Bearer a"); !ok {
			t.Fatalf("request %d within the burst was limited", i)
		}
	}
	ok, wait := l.allow(plain, "Bearer a")
	if ok || wait <= 0 || wait > time.Second/time.Duration(topology.DefaultThrottle.RatePerSecond)+time.Millisecond {
		t.Fatalf("past the burst: %v, wait %v", ok, wait)
	}
	if ok, _ := l.allow(plain, "Bearer b"); !ok {
		t.Fatal("another principal was limited")
	}
	if ok, _ := l.allow(tight, "Bearer a"); !ok {
		t.Fatal("another route was limited")
	}
	now = now.Add(100 * time.Millisecond) // 10 tokens at 100/s
	for i := 0; i < 10; i++ {
		if ok, _ := l.allow(plain, "Bearer a"); !ok {
			t.Fatalf("refilled token %d was refused", i)
		}
	}
	if ok, _ := l.allow(plain, "Bearer a"); ok {
		t.Fatal("more than the refill went through")
	}
	for i := 0; i < 20; i++ { // 19 left of the burst, and 1 refilled in the 100 ms
		l.allow(tight, "Bearer a")
	}
	if ok, wait := l.allow(tight, "Bearer a"); ok || wait != 100*time.Millisecond {
		t.Fatalf("the route's own throttle: %v %v", ok, wait)
	}
}
