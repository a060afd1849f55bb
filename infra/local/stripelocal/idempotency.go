package stripelocal

import (
	"crypto/sha256"
	"sync"
)

// maxReplays bounds the answers kept for Idempotency-Keys (Stripe keeps
// them 24 hours); the oldest are forgotten first.
const maxReplays = 50_000

// replays remembers the first answer to each Idempotency-Key on a method
// and path, so that a retry gets it again instead of acting twice.
type replays struct {
	mu    sync.Mutex
	byKey map[string]*replay
	order []string
}

// replay is one key's answer; done is closed once it is known (or the
// first request gave up, status 0).
type replay struct {
	done        chan struct{}
	fingerprint [32]byte
	status      int
	body        []byte
}

func newReplays() *replays { return &replays{byKey: map[string]*replay{}} }

// begin finds or makes the key's replay; first says the caller makes the
// answer and must call finish or abandon.
func (r *replays) begin(key string, body []byte) (rp *replay, first bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rp := r.byKey[key]; rp != nil {
		return rp, false
	}
	rp = &replay{done: make(chan struct{}), fingerprint: sha256.Sum256(body)}
	r.byKey[key] = rp
	r.order = append(r.order, key)
	if len(r.order) > maxReplays {
		delete(r.byKey, r.order[0])
		r.order = r.order[1:]
	}
	return rp, true
}

// sameRequest says a retry carries the parameters of the first request.
func (rp *replay) sameRequest(body []byte) bool { return rp.fingerprint == sha256.Sum256(body) }

func (rp *replay) finish(status int, body []byte) {
	rp.status, rp.body = status, body
	close(rp.done)
}

// abandon forgets a key whose first request did not finish, so that a
// retry acts afresh.
func (r *replays) abandon(key string, rp *replay) {
	r.mu.Lock()
	if r.byKey[key] == rp {
		delete(r.byKey, key)
	}
	r.mu.Unlock()
	close(rp.done)
}
