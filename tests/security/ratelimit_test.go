package security

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
)

// A flood from one principal gets 429 problem+json with Retry-After, on a
// route's own throttle (creating communities: 10/s, burst 20); another
// principal is not affected. (The default bucket is tested on the limiter
// itself, with a clock that does not run while the race detector slows
// the requests.)
func TestRateLimits_AFloodGets429WithRetryAfter(t *testing.T) {
	theWorld(t)
	plat.RateLimit(true)
	defer plat.RateLimit(false)
	flooder, bystander := token(t, "usr_sec_flood"), token(t, "usr_sec_bystander")
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	var limited reply
	for i := 0; i < 60; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := send(t, "POST", "/v1/communities", flooder, []byte(fmt.Sprintf(`{"name":"Flood %d","url":"https://f.example","currency":"USD"}`, i)), nil)
			mu.Lock()
			defer mu.Unlock()
			codes[r.status]++
			if r.status == 429 {
				limited = r
			}
		}()
	}
	wg.Wait()
	// A person may own 50 communities: past the burst, 429 or the limit's 409.
	if codes[429] < 30 || codes[201] > 25 || codes[500] > 0 {
		t.Fatalf("60 creates at once: %v", codes)
	}
	if s, err := strconv.Atoi(limited.header.Get("Retry-After")); err != nil || s < 1 || !isProblem(limited) {
		t.Fatalf("a 429 without Retry-After or problem: %v %s", limited.header, limited.body)
	}
	if r := send(t, "POST", "/v1/communities", bystander, []byte(`{"name":"Calm","url":"https://c.example","currency":"USD"}`), nil); r.status != 201 {
		t.Fatalf("another principal was limited too: %d %s", r.status, r.body)
	}
}
