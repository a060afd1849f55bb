package auctions_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/souqhq/souq/infra/wire"
	"github.com/souqhq/souq/shared/auctions"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/serving"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// wonFlight closes an auction with one winner and returns the serve path
// over the same tables (as the serve function builds it).
func wonFlight(t testing.TB) (*market, *serving.Server, auctions.AuctionView) {
	m := newMarket(t, 100, auctions.SecondPrice)
	if _, err := m.bid(m.advertiser("w", 10_000), 500); err != nil {
		t.Fatal(err)
	}
	v := m.close()
	return m, wire.ServingServer(m.db, m.clock, testKey, "http://souq.test", slog.New(slog.DiscardHandler)), v
}

var person = serving.Event{UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", SourceIP: "203.0.113.9"}

// The cache never stretches a flight: it serves from its first instant to
// just before its end, and not a millisecond outside.
func TestServe_NeverOutsideTheFlightWindow(t *testing.T) {
	t.Parallel()
	m, srv, v := wonFlight(t)
	ctx := context.Background()
	// closesAt is t0+1h, the flight [t0+2h, t0+26h); the clock is at t0+1h.
	m.clock.Advance(time.Hour - time.Millisecond)
	if _, ok, err := srv.Decide(ctx, m.slot.ID, ""); err != nil || ok {
		t.Fatalf("a millisecond before the flight: ok=%v err=%v", ok, err)
	}
	m.clock.Advance(time.Millisecond)
	ad, ok, err := srv.Decide(ctx, m.slot.ID, "")
	if err != nil || !ok || ad.FlightID != v.FlightID || ad.Kind != serving.KindFlight || ad.Label != serving.LabelSponsored ||
		!strings.HasPrefix(ad.ClickURL, "http://souq.test/c/") || !strings.HasPrefix(ad.ViewURL, "http://souq.test/v/") || ad.OfferID == "" {
		t.Fatalf("at the start: %+v ok=%v err=%v", ad, ok, err)
	}
	m.clock.Advance(24*time.Hour - time.Millisecond)
	if _, ok, _ := srv.Decide(ctx, m.slot.ID, ""); !ok {
		t.Fatal("a millisecond before the end it still serves")
	}
	m.clock.Advance(time.Millisecond)
	if _, ok, _ := srv.Decide(ctx, m.slot.ID, ""); ok {
		t.Fatal("at the end it must not serve")
	}
	if _, _, err := srv.Decide(ctx, "slot_nope", ""); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("unknown slot: %v", err)
	}
}

// 3,000 decisions and their views from 16 goroutines are counted
// exactly, even when a flush fails part-way (its counts are kept), and a
// view replayed by another instance over the same table is not counted
// again (the black-box suite runs 10,000 through the gateway).
func TestServe_ViewsCountedExactlyOnceEach(t *testing.T) {
	t.Parallel()
	m, srv, v := wonFlight(t)
	other := wire.ServingServer(m.db, m.clock, testKey, "http://souq.test", slog.New(slog.DiscardHandler)) // another instance
	m.clock.Advance(time.Hour)
	ctx := context.Background()
	// A flush that fails (its context is gone) keeps what it took.
	if _, ok, err := srv.Decide(ctx, m.slot.ID, ""); err != nil || !ok {
		t.Fatalf("serve: ok=%v err=%v", ok, err)
	}
	dead, cancel := context.WithCancel(ctx)
	cancel()
	if err := srv.Counts.Flush(dead); err == nil {
		t.Fatal("a flush without a context must fail")
	}
	var left atomic.Int64
	left.Store(2_999)
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := left.Add(-1); i >= 0; i = left.Add(-1) {
				ad, ok, err := srv.Decide(ctx, m.slot.ID, "")
				if err != nil || !ok {
					t.Errorf("serve: ok=%v err=%v", ok, err)
					return
				}
				tok := strings.TrimPrefix(ad.ViewURL, "http://souq.test/v/")
				ev := person
				ev.SourceIP = fmt.Sprint("198.51.", i/256, ".", i%256) // a person each
				if err := srv.View(ctx, tok, ev); err != nil {
					t.Error(err)
					return
				}
				if err := other.View(ctx, tok, ev); err != nil { // the same beacon again, elsewhere
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, s := range []*serving.Server{srv, other} {
		if err := s.Counts.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	st, err := m.svc.GetFlightStats(ctx, m.owner, v.FlightID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Served != 3_000 || st.Impressions != 2_999 || st.Invalid["reused"] != 2_999 || len(st.Invalid) != 1 || st.Clicks != 0 {
		t.Fatalf("stats: %+v", st)
	}
	// The winner reads them too; a stranger cannot.
	if _, err := m.svc.GetFlightStats(ctx, auth.Principal{Kind: auth.KindUser, UserID: "usr_w"}, v.FlightID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.svc.GetFlightStats(ctx, auth.Principal{Kind: auth.KindUser, UserID: "usr_x"}, v.FlightID); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("a stranger: %v", err)
	}
}

// A click goes to the creative's own URL once counted; forged and
// malformed tokens go nowhere; bots and repeats are refused by reason.
func TestClick_OncePerOfferAndRefusedByReason(t *testing.T) {
	t.Parallel()
	m, srv, v := wonFlight(t)
	ctx := context.Background()
	m.clock.Advance(time.Hour)
	ad, _, _ := srv.Decide(ctx, m.slot.ID, "")
	tok := strings.TrimPrefix(ad.ClickURL, "http://souq.test/c/")
	to, err := srv.Click(ctx, tok, person)
	if err != nil || to != creative.ClickURL {
		t.Fatalf("click: %q %v", to, err)
	}
	m.clock.Advance(2 * time.Second)
	if to, err := srv.Click(ctx, tok, person); err != nil || to != creative.ClickURL { // again: still sent on, not counted
		t.Fatalf("a second click: %q %v", to, err)
	}
	ad2, _, _ := srv.Decide(ctx, m.slot.ID, "")
	if _, err := srv.Click(ctx, strings.TrimPrefix(ad2.ClickURL, "http://souq.test/c/"), serving.Event{UserAgent: "Mozilla/5.0 (compatible; bingbot/2.0)"}); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]string{
		"truncated": tok[:len(tok)-1],
		"no dot":    strings.ReplaceAll(tok, ".", ""),
		"empty":     "",
		"garbage":   "%%%.%%%",
		"other key": (serving.Signer{Key: []byte("another key, another key, another key")}).Sign(serving.Offer{ID: "ofr_x", Kind: serving.KindFlight, SlotID: m.slot.ID, Ref: v.FlightID, IssuedAt: m.clock.Now()}),
		"no flight": (serving.Signer{Key: testKey}).Sign(serving.Offer{ID: "ofr_y", Kind: serving.KindFlight, SlotID: m.slot.ID, Ref: "flt_nope", IssuedAt: m.clock.Now()}),
	} {
		if _, err := srv.Click(ctx, bad, person); fault.KindOf(err) != fault.NotFound {
			t.Errorf("%s: %v, want NotFound", name, err)
		}
	}
	if err := srv.Counts.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st, _ := m.svc.GetFlightStats(ctx, m.owner, v.FlightID)
	if st.Clicks != 1 || st.Invalid["reused"] != 1 || st.Invalid["bot"] != 1 || st.Served != 2 || st.Impressions != 0 {
		t.Fatalf("stats: %+v", st)
	}
}
