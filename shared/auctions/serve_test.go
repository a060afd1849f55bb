package auctions_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/auctions"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/fault"
)

// wonFlight closes an auction with one winner and returns a server over
// the same tables.
func wonFlight(t testing.TB) (*market, *auctions.Server, auctions.AuctionView) {
	m := newMarket(t, 100, auctions.SecondPrice)
	if _, err := m.bid(m.advertiser("w", 10_000), 500); err != nil {
		t.Fatal(err)
	}
	v := m.close()
	srv := auctions.NewServer(auctions.NewServingRepository(m.db), m.clock, auctions.ClickSigner{Key: []byte("0123456789abcdef0123456789abcdef")}, "http://souq.test", slog.New(slog.DiscardHandler))
	return m, srv, v
}

// The cache never stretches a flight: it serves from its first instant to
// just before its end, and not a millisecond outside.
func TestServe_NeverOutsideTheFlightWindow(t *testing.T) {
	t.Parallel()
	m, srv, v := wonFlight(t)
	ctx := context.Background()
	// closesAt is t0+1h, the flight [t0+2h, t0+26h); the clock is at t0+1h.
	m.clock.Advance(time.Hour - time.Millisecond)
	if _, ok, err := srv.Serve(ctx, m.slot.ID, ""); err != nil || ok {
		t.Fatalf("a millisecond before the flight: ok=%v err=%v", ok, err)
	}
	m.clock.Advance(time.Millisecond)
	ad, ok, err := srv.Serve(ctx, m.slot.ID, "")
	if err != nil || !ok || ad.FlightID != v.FlightID || ad.Label != auctions.LabelSponsored || !strings.HasPrefix(ad.ClickURL, "http://souq.test/c/") {
		t.Fatalf("at the start: %+v ok=%v err=%v", ad, ok, err)
	}
	m.clock.Advance(24*time.Hour - time.Millisecond)
	if _, ok, _ := srv.Serve(ctx, m.slot.ID, ""); !ok {
		t.Fatal("a millisecond before the end it still serves")
	}
	m.clock.Advance(time.Millisecond)
	if _, ok, _ := srv.Serve(ctx, m.slot.ID, ""); ok {
		t.Fatal("at the end it must not serve")
	}
	if _, _, err := srv.Serve(ctx, "slot_nope", ""); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("unknown slot: %v", err)
	}
}

// A burst of 10,000 serves from 16 goroutines is counted exactly, even
// when a flush fails part-way (its counts are kept for the next).
func TestServe_TenThousandImpressionsCountedExactly(t *testing.T) {
	t.Parallel()
	m, srv, v := wonFlight(t)
	m.clock.Advance(time.Hour)
	if _, ok, err := srv.Serve(context.Background(), m.slot.ID, ""); err != nil || !ok {
		t.Fatalf("serve: ok=%v err=%v", ok, err)
	}
	// A flush that fails (its context is gone) keeps what it took.
	dead, cancel := context.WithCancel(context.Background())
	cancel()
	if err := srv.Counts.Flush(dead); err == nil {
		t.Fatal("a flush without a context must fail")
	}
	var left atomic.Int64
	left.Store(9_999)
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				if _, ok, err := srv.Serve(context.Background(), m.slot.ID, ""); err != nil || !ok {
					t.Errorf("serve: ok=%v err=%v", ok, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := srv.Counts.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, err := m.svc.GetFlightStats(context.Background(), m.owner, v.FlightID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Impressions != 10_000 || st.Clicks != 0 {
		t.Fatalf("stats: %+v", st)
	}
	// The winner reads them too; a stranger cannot.
	if _, err := m.svc.GetFlightStats(context.Background(), auth.Principal{Kind: auth.KindUser, UserID: "usr_w"}, v.FlightID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.svc.GetFlightStats(context.Background(), auth.Principal{Kind: auth.KindUser, UserID: "usr_x"}, v.FlightID); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("a stranger: %v", err)
	}
}

func TestClick_ForgedExpiredAndBots(t *testing.T) {
	t.Parallel()
	m, srv, v := wonFlight(t)
	ctx := context.Background()
	m.clock.Advance(time.Hour)
	ad, _, _ := srv.Serve(ctx, m.slot.ID, "")
	tok := strings.TrimPrefix(ad.ClickURL, "http://souq.test/c/")
	to, err := srv.Click(ctx, tok, "Mozilla/5.0 Firefox/128.0")
	if err != nil || to != creative.ClickURL {
		t.Fatalf("click: %q %v", to, err)
	}
	if _, err := srv.Click(ctx, tok, "Mozilla/5.0 (compatible; bingbot/2.0)"); err != nil {
		t.Fatal(err)
	}
	other := auctions.ClickSigner{Key: []byte("another key, another key, another key")}
	for name, bad := range map[string]string{
		"other key":   other.Sign(v.FlightID, m.clock.Now().Add(time.Hour)),
		"expired":     auctions.ClickSigner{Key: []byte("0123456789abcdef0123456789abcdef")}.Sign(v.FlightID, m.clock.Now()),
		"no flight":   auctions.ClickSigner{Key: []byte("0123456789abcdef0123456789abcdef")}.Sign("flt_nope", m.clock.Now().Add(time.Hour)),
		"truncated":   tok[:len(tok)-1],
		"no dot":      strings.ReplaceAll(tok, ".", ""),
		"empty":       "",
		"garbage":     "%%%.%%%",
		"swapped mac": strings.SplitN(tok, ".", 2)[0] + "." + strings.SplitN(other.Sign(v.FlightID, m.clock.Now().Add(time.Hour)), ".", 2)[1],
	} {
		if _, err := srv.Click(ctx, bad, "Mozilla/5.0"); fault.KindOf(err) != fault.NotFound {
			t.Errorf("%s: %v, want NotFound", name, err)
		}
	}
	if err := srv.Counts.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st, _ := m.svc.GetFlightStats(ctx, m.owner, v.FlightID)
	if st.Clicks != 1 || st.BotClicks != 1 || st.Impressions != 1 || st.CTR != 1 {
		t.Fatalf("stats: %+v", st)
	}
}
