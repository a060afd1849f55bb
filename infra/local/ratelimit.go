package local

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"sync"
	"time"

	"github.com/souqhq/souq/shared/topology"
)

// limiter is a set of token buckets, one per principal and route, on the
// wall clock (the platform's test clock may jump; rates may not).
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the limiter's memory; past it, idle buckets go.
const maxBuckets = 100_000

func newLimiter() *limiter { return &limiter{buckets: map[string]*bucket{}, now: time.Now} }

// allow takes a token from the principal's bucket for the route, or says
// how long until one is there.
func (l *limiter) allow(route topology.Route, principal string) (bool, time.Duration) {
	// Every principal gets its own bucket, so one flood does not starve
	// the others (API Gateway's stage throttle is for the whole API).
	lim := topology.DefaultThrottle
	if route.Throttle != nil {
		lim = *route.Throttle
	}
	h := sha256.Sum256([]byte(principal)) // credentials never sit in memory as keys
	key := route.Key() + "|" + hex.EncodeToString(h[:12])
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			for k, old := range l.buckets {
				if now.Sub(old.last) > time.Minute {
					delete(l.buckets, k)
				}
			}
		}
		b = &bucket{tokens: lim.Burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(lim.Burst, b.tokens+now.Sub(b.last).Seconds()*lim.RatePerSecond)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / lim.RatePerSecond * float64(time.Second))
}
