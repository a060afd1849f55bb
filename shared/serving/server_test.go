package serving

import (
	"context"
	"github.com/souqhq/souq/shared/pass"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
)

// fakes of serving's own interfaces: a slot table, a once set, a tally.
type fakeSource struct {
	p     Placement
	camps []Campaign
	reads int // of the campaigns
}

func (f *fakeSource) Campaigns(context.Context, time.Time) ([]Campaign, error) {
	f.reads++
	return f.camps, nil
}

func (f *fakeSource) Placement(context.Context, string, time.Time) (Placement, error) {
	return f.p, nil
}
func (f *fakeSource) FlightClickURL(_ context.Context, id string) (string, bool, error) {
	if f.p.Flight != nil && f.p.Flight.FlightID == id {
		return f.p.Flight.ClickURL, true, nil
	}
	return "", false, nil
}

type memOnce struct {
	mu   sync.Mutex
	seen map[string]bool
	down bool // the store is unreachable
}

func (m *memOnce) First(_ context.Context, key string, _ time.Time, _ string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return false, context.DeadlineExceeded
	}
	if m.seen[key] {
		return false, nil
	}
	m.seen[key] = true
	return true, nil
}

func (m *memOnce) Seen(_ context.Context, key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.seen[key], nil
}

type memTally struct {
	mu   sync.Mutex
	n    map[string]int64
	refs []string // what was counted under, in order of first count
}

func (m *memTally) AddCounts(_ context.Context, ref, _ string, _ int, counts map[string]int64, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !slices.Contains(m.refs, ref) {
		m.refs = append(m.refs, ref)
	}
	for k, v := range counts {
		m.n[k] += v
	}
	return nil
}

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func newTestServer(p Placement) (*Server, *clock.Fake, *memTally) {
	clk := clock.NewFake(t0)
	tally := &memTally{n: map[string]int64{}}
	srv := NewServer(&fakeSource{p: p}, &memOnce{seen: map[string]bool{}}, tally, clk, Config{Key: []byte("0123456789abcdef0123456789abcdef"), BaseURL: "http://souq.test"}, slog.New(slog.DiscardHandler))
	return srv, clk, tally
}

var flight = &Run{FlightID: "flt_1", Start: t0.Add(-time.Hour), End: t0.Add(time.Hour), Creative: Creative{ImageURL: "https://cdn.example/a.png", ClickURL: "https://acme.example", AltText: "Acme"}}
var house = &Creative{ImageURL: "https://cdn.example/h.png", ClickURL: "https://gophers.example/join", AltText: "Join us"}
var human = Event{UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15", SourceIP: "203.0.113.1"}

func viewToken(t *testing.T, ad Ad) string {
	t.Helper()
	tok, ok := strings.CutPrefix(ad.ViewURL, "http://souq.test/v/")
	if !ok {
		t.Fatalf("view URL %q", ad.ViewURL)
	}
	return tok
}

// The decision order: the running flight, else the house ad, else
// nothing; an archived slot shows nothing.
func TestDecide_Order(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		p    Placement
		kind Kind
		ok   bool
	}{
		{"flight over house", Placement{Found: true, Width: 728, Height: 90, Flight: flight, House: house}, KindFlight, true},
		{"house when no flight runs", Placement{Found: true, Flight: &Run{FlightID: "flt_2", Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour)}, House: house}, KindHouse, true},
		{"nothing", Placement{Found: true}, "", false},
		{"archived", Placement{Found: true, Archived: true, Flight: flight, House: house}, "", false},
	} {
		srv, _, _ := newTestServer(tc.p)
		ad, ok, err := srv.Decide(ctx, "slot_1", "")
		if err != nil || ok != tc.ok || ad.Kind != tc.kind {
			t.Errorf("%s: %+v ok=%v err=%v", tc.name, ad, ok, err)
		}
		if ok && (ad.OfferID == "" || ad.ViewURL == "") {
			t.Errorf("%s: an offer without id or view URL: %+v", tc.name, ad)
		}
	}
}

// A slot the projection has not heard of yet is 404, looked up again
// after MissTTL (not CacheTTL): a new slot serves within a second of its
// event; a known slot's placement is kept for CacheTTL.
func TestDecide_UnknownSlotIsLookedUpAgainSoon(t *testing.T) {
	ctx := context.Background()
	src := &fakeSource{}
	clk := clock.NewFake(t0)
	srv := NewServer(src, &memOnce{seen: map[string]bool{}}, &memTally{n: map[string]int64{}}, clk, Config{Key: []byte("0123456789abcdef0123456789abcdef")}, slog.New(slog.DiscardHandler))
	if _, _, err := srv.Decide(ctx, "slot_1", ""); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("before its event: %v", err)
	}
	src.p = Placement{Found: true, House: house} // the event arrives
	clk.Advance(MissTTL - time.Millisecond)
	if _, _, err := srv.Decide(ctx, "slot_1", ""); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("within MissTTL the miss is cached: %v", err)
	}
	clk.Advance(time.Millisecond)
	if ad, ok, err := srv.Decide(ctx, "slot_1", ""); err != nil || !ok || ad.Kind != KindHouse {
		t.Fatalf("after MissTTL: %+v %v %v", ad, ok, err)
	}
	src.p = Placement{Found: true} // the house ad removed
	clk.Advance(CacheTTL - time.Millisecond)
	if _, ok, _ := srv.Decide(ctx, "slot_1", ""); !ok {
		t.Fatal("a known placement is kept for CacheTTL")
	}
	clk.Advance(time.Millisecond)
	if _, ok, _ := srv.Decide(ctx, "slot_1", ""); ok {
		t.Fatal("after CacheTTL the change is seen")
	}
}

// Each rule refuses under its reason; only a valid first view is an
// impression; a house ad's view counts nothing.
func TestView_Rules(t *testing.T) {
	ctx := context.Background()
	srv, clk, tally := newTestServer(Placement{Found: true, Flight: flight})
	ad, _, _ := srv.Decide(ctx, "slot_1", "")
	tok := viewToken(t, ad)
	steps := []struct {
		tok string
		ev  Event
		dt  time.Duration
	}{
		{tok, Event{UserAgent: "Googlebot/2.1"}, 0}, // bot
		{tok, human, 0},                                            // the impression
		{tok, human, 100 * time.Millisecond},                       // too fast: same source, same slot
		{tok, Event{UserAgent: human.UserAgent, SourceIP: "x"}, 0}, // reused: another source, the same offer
		{tok, human, OfferTTL},                                     // expired
		{"forged." + tok, human, 0},                                // forged: counted for operators only
	}
	for _, st := range steps {
		clk.Advance(st.dt)
		if err := srv.View(ctx, st.tok, st.ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Counts.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"served": 1, "impressions": 1, "inv_bot": 1, "inv_too_fast": 1, "inv_reused": 1, "inv_expired": 1}
	for k, v := range want {
		if tally.n[k] != v {
			t.Errorf("%s = %d, want %d (all: %v)", k, tally.n[k], v, tally.n)
		}
	}
	if len(tally.n) != len(want) || srv.Forged.Load() != 1 {
		t.Errorf("counts %v, forged %d", tally.n, srv.Forged.Load())
	}

	hsrv, _, htally := newTestServer(Placement{Found: true, House: house})
	had, _, _ := hsrv.Decide(ctx, "slot_1", "")
	if err := hsrv.View(ctx, viewToken(t, had), human); err != nil {
		t.Fatal(err)
	}
	_ = hsrv.Counts.Flush(ctx)
	if len(htally.n) != 0 || had.ClickURL != house.ClickURL || had.Label != LabelHouse {
		t.Errorf("a house ad: %+v, counted %v", had, htally.n)
	}
}

// A view's once-per-offer check is made by the flush; when the store
// cannot be reached the view waits for the next flush, and is counted
// then, once.
func TestView_OnceCheckFailureWaitsForTheNextFlush(t *testing.T) {
	ctx := context.Background()
	srv, _, tally := newTestServer(Placement{Found: true, Flight: flight})
	once := srv.queue.once.(*memOnce)
	ad, _, _ := srv.Decide(ctx, "slot_1", "")
	once.down = true
	if err := srv.View(ctx, viewToken(t, ad), human); err != nil {
		t.Fatal(err) // the beacon is answered whatever the store does
	}
	if err := srv.Counts.Flush(ctx); err == nil {
		t.Fatal("a flush whose once-checks failed must say so")
	}
	if tally.n["impressions"] != 0 {
		t.Fatalf("counted without its check: %v", tally.n)
	}
	once.down = false
	if err := srv.Counts.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.Counts.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if tally.n["impressions"] != 1 || tally.n["inv_reused"] != 0 {
		t.Fatalf("after the store came back: %v, want one impression", tally.n)
	}
}

// Counts fall in the UTC day of their event, to the second either side
// of midnight, whichever order they come in.
type dayTally struct{ days map[string]int64 }

func (d *dayTally) AddCounts(_ context.Context, _, day string, _ int, counts map[string]int64, _ string) error {
	for _, n := range counts {
		d.days[day] += n
	}
	return nil
}

func TestCounter_CountsInTheDayOfTheirEvent(t *testing.T) {
	tally := &dayTally{days: map[string]int64{}}
	c := NewCounter(tally)
	midnight := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{midnight.Add(-time.Second), midnight, midnight.Add(-time.Nanosecond), midnight.Add(24*time.Hour - time.Nanosecond), midnight.Add(24 * time.Hour)} {
		c.Add("flt_1", CountServed, 1, at)
	}
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if tally.days["2026-12-02"] != 2 || tally.days["2026-12-03"] != 2 || tally.days["2026-12-04"] != 1 {
		t.Fatalf("days %v", tally.days)
	}
}

// Members see no ads (DESIGN §17): a valid ad-free pass for the slot's
// community gets no offer, and nothing is counted; a pass of another
// community, an expired one, one without ad_free, one of other keys, or
// garbage changes nothing: the flight shows and is counted as served.
func TestDecideFor_AnAdFreeMemberIsShownNothing(t *testing.T) {
	ctx := context.Background()
	secret := []byte("0123456789abcdef0123456789abcdef")
	keys, _ := pass.Derive(secret, "http://souq.test", "1")
	others, _ := pass.Derive([]byte("fedcba9876543210fedcba9876543210"), "http://souq.test", "1")
	p := Placement{Found: true, CommunityID: "com_1", Width: 728, Height: 90, Flight: flight, House: house}
	clk := clock.NewFake(t0)
	tally := &memTally{n: map[string]int64{}}
	srv := NewServer(&fakeSource{p: p}, &memOnce{seen: map[string]bool{}}, tally, clk, Config{Key: secret, BaseURL: "http://souq.test", Passes: keys}, slog.New(slog.DiscardHandler))
	issue := func(k *pass.Keys, com string, benefits []string, exp time.Time) string {
		tok, err := k.Issue(com, k.Subject("usr_1", com), "tier_1", benefits, t0.Add(-time.Hour), exp)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	member := issue(keys, "com_1", []string{"ad_free"}, t0.Add(time.Hour))
	if ad, ok, err := srv.DecideFor(ctx, "slot_1", "", Viewer{Pass: member}); ok || err != nil {
		t.Fatalf("an ad-free member was offered %+v (%v)", ad, err)
	}
	if err := srv.Counts.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	tally.mu.Lock()
	counted := len(tally.n)
	tally.mu.Unlock()
	if counted != 0 {
		t.Fatalf("a member's request counted %v", tally.n)
	}
	for name, tok := range map[string]string{
		"another community's": issue(keys, "com_2", []string{"ad_free"}, t0.Add(time.Hour)),
		"expired":             issue(keys, "com_1", []string{"ad_free"}, t0.Add(-time.Minute)),
		"without ad_free":     issue(keys, "com_1", []string{"deep_dive"}, t0.Add(time.Hour)),
		"of other keys":       issue(others, "com_1", []string{"ad_free"}, t0.Add(time.Hour)),
		"garbage":             "not.a.pass",
	} {
		if ad, ok, err := srv.DecideFor(ctx, "slot_1", "", Viewer{Pass: tok}); !ok || err != nil || ad.Kind != KindFlight {
			t.Errorf("a pass %s hid the ad: %+v %v %v", name, ad, ok, err)
		}
	}
}
