package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"math/rand/v2"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/idempotency"
	"github.com/souqhq/souq/tests/harness"
)

// Faults are what a seed injects, each chosen by the seed.
type Faults struct {
	// BusTwice: every event is delivered twice, out of order (the bus's
	// at-least-once delivery at its worst).
	BusTwice bool
	// StripeShuffle: Stripe's events come in any order; StripeLate: some
	// wait for later steps; StripeDup: some come again.
	StripeShuffle, StripeLate, StripeDup bool
	// Rail: the payment rail (charges, refunds, payouts) now and then
	// declines, times out before Stripe acts, or loses its answer after.
	Rail bool
	// Jumps: the clock leaps (days, to a month's end, to 29 February, to
	// the year's end) as well as creeping on.
	Jumps bool
	// DB: DynamoDB's calls now and then meet a transaction conflict or a
	// throttle (which DynamoDB Local never makes). Relay: the outbox's
	// relay dies after publishing and before its checkpoint.
	DB, Relay bool
	// Stop: now and then a money request's function stops after one of
	// its writes (the write made, nothing after it: no answer, no
	// cleanup); the client asks again with its key.
	Stop bool
	// Sched: one-time schedules (a renewal's charge, an auction's close,
	// a commission's clearing) fire late (SchedLate past their time) and
	// twice, as EventBridge Scheduler may.
	Sched     bool
	SchedLate time.Duration
}

func (f Faults) String() string {
	var on []string
	for name, set := range map[string]bool{"bus-twice": f.BusTwice, "stripe-shuffle": f.StripeShuffle, "stripe-late": f.StripeLate,
		"stripe-dup": f.StripeDup, "rail": f.Rail, "jumps": f.Jumps, "db": f.DB, "relay": f.Relay, "stop": f.Stop, "sched-late-twice": f.Sched} {
		if set {
			on = append(on, name)
		}
	}
	sortStrings(on)
	if len(on) == 0 {
		return "none"
	}
	return strings.Join(on, ",")
}

// Sim is one seed's run.
type Sim struct {
	t      testing.TB
	seed   int64
	rng    *rand.Rand
	nonce  string // this run's: user ids and keys never meet another run's
	steps  int
	step   int
	op     string
	faults Faults
	trace  hash.Hash
	lines  []string // the trace, kept for a failure's report

	communities []*community
	advertisers []*advertiser
	members     []*member
	influencers []*influencer
	replays     []replay
	x           extra // auctions, sponsorships, conversions, disputes, webhooks (products_test.go)
	// beacons is, per campaign, the view beacons and clicks people sent:
	// what it was seen can never count more.
	beacons map[string]*[2]int64

	mark        int      // the bus's mark when the seed began
	stripeSeen  int      // Stripe events taken so far
	stripeQueue []string // held, not yet delivered
	stripeSent  []string // delivered (a duplicate is one of these)
	keys        int
	users       int
	stop        int // the next request's function stops after this write (0: it does not)
	stopAt      int // the last request's
	// at is the platform's clock, which the simulation holds and alone
	// moves.
	at time.Time
}

// replay is an answered money request, to be asked again with its key.
type replay struct {
	method, path, token, key, body string
	status                         int
	id                             string
	at                             time.Time // keys live 24 hours
}

// runs counts this process's runs: user ids and keys of one never meet
// another's (another process has tables of its own).
var runs atomic.Int64

// New starts a seed's run: its faults and workload come from the seed
// alone.
func New(t testing.TB, seed int64, steps int) *Sim {
	rng := rand.New(rand.NewPCG(splitmix(uint64(seed)), splitmix(uint64(seed)+1)))
	s := &Sim{t: t, seed: seed, rng: rng, steps: steps, trace: sha256.New(),
		nonce: fmt.Sprintf("%d", runs.Add(1))}
	s.faults = Faults{BusTwice: rng.IntN(3) == 0, StripeShuffle: rng.IntN(2) == 0, StripeLate: rng.IntN(2) == 0,
		StripeDup: rng.IntN(2) == 0, Rail: rng.IntN(2) == 0, Jumps: rng.IntN(4) != 0}
	s.faults.DB, s.faults.Relay = rng.IntN(2) == 0, rng.IntN(3) == 0
	s.faults.Stop = rng.IntN(2) == 0
	s.faults.Sched, s.faults.SchedLate = rng.IntN(2) == 0, []time.Duration{time.Minute, 15 * time.Minute, 2 * time.Hour}[rng.IntN(3)]
	return s
}

// Run plays the seed's steps, checking the invariants after each, then
// winds the workload down and checks them once more. It answers the
// trace's hash.
func (s *Sim) Run() string {
	s.begin()
	defer s.end()
	for s.step = 1; s.step <= s.steps; s.step++ {
		s.play(s.pick())
		s.deliverStripe(false)
		s.settle()
		s.check()
	}
	s.step = s.steps + 1
	s.windDown()
	return hex.EncodeToString(s.trace.Sum(nil))
}

// begin moves the platform's clock to the seed's epoch, holds it, and
// takes Stripe's event delivery into the simulation's hands.
func (s *Sim) begin() {
	p := harness.Platform
	p.Stripe.HoldEvents(true)
	s.send("POST", "/local/clock/hold", "", `{"hold":true}`, "")
	// What the jump sets off (renewals of what ran before) is not this
	// seed's: its Stripe events go at once, in order, untraced.
	_, seen := p.Stripe.EventIDs(1 << 62)
	now := s.now()
	s.advance(nextEpoch(now).Sub(now))
	for {
		s.settleOnce()
		ids, total := p.Stripe.EventIDs(seen)
		if len(ids) == 0 {
			s.stripeSeen = total
			break
		}
		for _, id := range ids {
			p.Stripe.Deliver(id)
		}
		seen = total
	}
	p.Bus.DeliverTwice(s.faults.BusTwice)
	if s.faults.Sched {
		p.Scheduler.Faults(s.faults.SchedLate, true)
	}
	s.mark = p.Bus.Mark()
	// The platform's own faults draw from a generator of their own, so
	// that the workload's choices never depend on how many calls met one.
	inject.set(rand.New(rand.NewPCG(splitmix(uint64(s.seed)+2), splitmix(uint64(s.seed)+3))), s.faults.DB, s.faults.Relay, s.faults.Stop)
	lottery.Seed(splitmix(uint64(s.seed)+4), splitmix(uint64(s.seed)+5))
	s.at = s.now()
	s.record("seed %d, faults %s", s.seed, s.faults)
}

// end gives the platform back as the other suites expect it.
func (s *Sim) end() {
	p := harness.Platform
	inject.set(nil, false, false, false)
	p.Bus.DeliverTwice(false)
	p.Scheduler.Faults(0, false)
	p.Rail.FailNext(0, "decline")
	s.deliverStripe(true)
	p.Stripe.HoldEvents(false)
	s.send("POST", "/local/clock/hold", "", `{"hold":false}`, "")
}

// nextEpoch is where a seed starts: 27 January of the next leap year at
// least a year on (Gregorian: not a century unless divisible by 400), at
// 09:00 UTC, so that every seed meets the same calendar: a month's end
// four days on, 29 February a month on, whatever ran before it.
func nextEpoch(now time.Time) time.Time {
	for y := now.Year() + 1; ; y++ {
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return time.Date(y, time.January, 27, 9, 0, 0, 0, time.UTC)
		}
	}
}

// record adds a line to the trace: what the seed did and what it was
// answered, with no id or wall-clock time in it.
func (s *Sim) record(format string, args ...any) {
	line := fmt.Sprintf("%d %s", s.step, fmt.Sprintf(format, args...))
	s.trace.Write([]byte(line + "\n"))
	s.lines = append(s.lines, line)
	if os.Getenv("SOUQ_SIM_TRACE") != "" {
		fmt.Fprintln(os.Stderr, line)
	}
}

// fail stops the run with the seed, the step and how to replay it.
func (s *Sim) fail(format string, args ...any) {
	s.t.Helper()
	last := s.lines
	if len(last) > 12 {
		last = last[len(last)-12:]
	}
	s.t.Fatalf("seed %d, step %d (%s), faults %s: %s\nthe trace's last lines:\n  %s\nreplay: make sim SEED=%d STEPS=%d",
		s.seed, s.step, s.op, s.faults, fmt.Sprintf(format, args...), strings.Join(last, "\n  "), s.seed, s.steps)
}

// key is a fresh Idempotency-Key of this run.
func (s *Sim) key() string {
	s.keys++
	return fmt.Sprintf("sim-%s-%d", s.nonce, s.keys)
}

// reply is an HTTP answer, decoded when JSON.
type reply struct {
	status int
	body   []byte
	json   map[string]any
}

func (r reply) str(field string) string {
	v, _ := r.json[field].(string)
	return v
}

// why is a refusal's problem in a word (its code, else its title), for
// the trace: "" for a success.
func (r reply) why() string {
	if r.status < 400 {
		return ""
	}
	if c := r.str("code"); c != "" {
		return c
	}
	if errs, ok := r.json["errors"].([]any); ok && len(errs) > 0 {
		if e, ok := errs[0].(map[string]any); ok {
			f, _ := e["field"].(string)
			return "invalid " + f
		}
	}
	return r.str("title")
}

func (r reply) num(field string) int64 {
	v, _ := r.json[field].(float64)
	return int64(v)
}

// send makes one request; a 5xx is a failure of the run, whatever the
// step (bad input, races and faults must answer 4xx or succeed), but the
// payment provider's own: 502 (it refused) and 503 (it did not answer).
func (s *Sim) send(method, path, token, body, key string) reply {
	s.t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	h := map[string][]string{"User-Agent": {harness.BrowserAgent}}
	if key != "" {
		h["Idempotency-Key"] = []string{key}
	}
	stopped := s.stop > 0
	if stopped {
		h[StopHeader] = []string{fmt.Sprint(s.stop)}
		s.stopAt, s.stop = s.stop, 0
	}
	r := harness.Send(s.t, method, path, token, b, h)
	out := reply{status: r.Status, body: r.Body}
	_ = json.Unmarshal(r.Body, &out.json)
	if stopped && r.Status == 500 {
		return out // its function stopped mid-way, as Lambda answers it
	}
	if r.Status >= 500 && r.Status != 502 && r.Status != 503 {
		s.fail("%s %s answered %d: %s", method, path, r.Status, r.Body)
	}
	return out
}

// money sends a request that moves money with a fresh key, and keeps it
// to be asked again later (a replay must answer what it answered).
func (s *Sim) money(method, path, token, body string) reply {
	s.t.Helper()
	k := s.key()
	if s.faults.Stop && stoppable(method, path) && s.rng.IntN(4) == 0 {
		s.stop = 1 + s.rng.IntN(4)
	}
	r := s.send(method, path, token, body, k)
	if r.status == 500 {
		// Its function stopped after a write. The client asks again with
		// the key: while the first run's claim holds (its lease), that is
		// 409; once the lease has run out, the request runs again and
		// must finish what the first began.
		s.record("stopped after write %d → 500", s.stopAt)
		if again := s.send(method, path, token, body, k); again.status != 409 {
			r = again
		} else {
			s.advance(idempotency.Lease + time.Second)
			r = s.send(method, path, token, body, k)
		}
	}
	for try := 0; try < 2 && r.status == 503; try++ {
		// The provider did not answer: a client asks again with the same
		// key, which learns what happened or finishes it.
		r = s.send(method, path, token, body, k)
	}
	if r.status < 500 {
		rp := replay{method: method, path: path, token: token, key: k, body: body, status: r.status, id: r.str("id"), at: s.at}
		s.replays = append(s.replays, rp)
		if s.rng.IntN(4) == 0 {
			// The client's answer was lost on the way: it asks again at
			// once, with the same key.
			s.again(rp)
		}
	}
	return r
}

// stoppable are the requests whose function the stop fault stops: the
// keyed requests that move or hold money. Their objects take their ids
// from the Idempotency-Key (a deposit, a refund, a payout's claim, a
// join, a membership payment's refund, a card's Checkout) or are marked
// with it in their own transaction (a program, a campaign, a booking, an
// auction: api.RequestKey), so that a run again after a crash finds what
// the first made.
func stoppable(method, path string) bool {
	if method != "POST" {
		return false
	}
	for _, end := range []string{"/deposits", "/refunds", "/payouts", "/memberships", "/refund", "/payment-methods", "/programs", "/campaigns", "/sponsorships", "/auctions"} {
		if strings.HasSuffix(path, end) {
			return true
		}
	}
	return false
}

// settle lets every event reach its consumers and every due schedule run.
func (s *Sim) settle() {
	s.t.Helper()
	for i := 0; i < 20; i++ {
		s.settleOnce()
		// Work done while settling (a renewal's charge) may have made
		// Stripe events of its own.
		if !s.deliverStripe(false) {
			return
		}
	}
}

// settleOnce asks the platform to settle; with the relay fault on, a
// relay that died mid-batch fails it, and the stream hands the batch
// again: asking again is what Lambda's stream poller does.
func (s *Sim) settleOnce() {
	s.t.Helper()
	for try := 0; ; try++ {
		r := harness.Send(s.t, "GET", "/local/events?detailType=none", "", nil, nil)
		if r.Status == 200 {
			return
		}
		if !s.faults.Relay || try >= 20 {
			s.fail("settling: %d %s", r.Status, r.Body)
		}
	}
}

func (s *Sim) now() time.Time {
	r := s.send("GET", "/local/clock", "", "", "")
	t, err := time.Parse(time.RFC3339Nano, r.str("now"))
	if err != nil {
		s.fail("the platform's clock: %s", r.body)
	}
	return t
}

// advance moves the platform's clock (held) and settles.
func (s *Sim) advance(d time.Duration) {
	s.t.Helper()
	secs := int64(d / time.Second)
	for secs > 0 {
		n := min(secs, 315_360_000)
		r := harness.Send(s.t, "POST", "/local/clock/advance", "", []byte(fmt.Sprintf(`{"seconds":%d}`, n)), nil)
		switch {
		case r.Status == 200:
		case s.faults.Relay && r.Status == 500:
			s.settleOnce() // the clock moved; its settling met a dying relay
		default:
			s.fail("advancing the clock: %d %s", r.Status, r.Body)
		}
		secs -= n
		s.at = s.at.Add(time.Duration(n) * time.Second)
	}
}

// deliverStripe hands Stripe's held events to the platform as the seed's
// faults say: in order or not, now or later, once or twice; final
// delivers everything left, in order. It reports whether any was sent.
func (s *Sim) deliverStripe(final bool) bool {
	p := harness.Platform
	ids, total := p.Stripe.EventIDs(s.stripeSeen)
	s.stripeSeen = total
	s.stripeQueue = append(s.stripeQueue, ids...)
	if len(s.stripeQueue) == 0 {
		return false
	}
	var now, later []string
	for _, id := range s.stripeQueue {
		if !final && s.faults.StripeLate && s.rng.IntN(4) == 0 {
			later = append(later, id)
		} else {
			now = append(now, id)
		}
	}
	if !final && s.faults.StripeShuffle {
		s.rng.Shuffle(len(now), func(i, j int) { now[i], now[j] = now[j], now[i] })
	}
	if !final && s.faults.StripeDup && len(s.stripeSent) > 0 && s.rng.IntN(3) == 0 {
		now = append(now, s.stripeSent[s.rng.IntN(len(s.stripeSent))])
	}
	for _, id := range now {
		if !p.Stripe.Deliver(id) {
			// Refused (a 503 while the rail is down): Stripe sends it
			// again later, as it retries for days. Once everything has
			// mended, a refusal is a defect.
			if final {
				s.fail("the platform refused Stripe's event %s with the rail mended", id)
			}
			later = append(later, id)
			continue
		}
		s.stripeSent = append(s.stripeSent, id)
	}
	s.stripeQueue = later
	return len(now) > 0
}

func sortStrings(v []string) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

// splitmix spreads a small seed over all 64 bits (SplitMix64), so that
// seeds 1, 2, 3 start their generators far apart.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
