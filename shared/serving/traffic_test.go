package serving

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/clock"
)

// agent is browser n: a real agent shape, each n another version.
func agent(n int) string {
	return fmt.Sprintf("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%d.0.0.0 Safari/537.36", 100+n)
}

// longFlight runs from an hour before t0 for two days.
var longFlight = &Run{FlightID: "flt_1", Start: t0.Add(-time.Hour), End: t0.Add(48 * time.Hour), Creative: flight.Creative}

func clickToken(t *testing.T, ad Ad) string {
	t.Helper()
	tok, ok := strings.CutPrefix(ad.ClickURL, "http://souq.test/c/")
	if !ok {
		t.Fatalf("click URL %q", ad.ClickURL)
	}
	return tok
}

// send views (or clicks) each offer once with ev(i), at dt apart.
func send(t *testing.T, srv *Server, clk *clock.Fake, kind string, ads []Ad, dt time.Duration, ev func(i int) Event) {
	t.Helper()
	ctx := context.Background()
	for i, ad := range ads {
		var err error
		if kind == "v" {
			err = srv.View(ctx, viewToken(t, ad), ev(i))
		} else {
			_, err = srv.Click(ctx, clickToken(t, ad), ev(i))
		}
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(dt)
	}
	if err := srv.Counts.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func offers(t *testing.T, srv *Server, n int) []Ad {
	t.Helper()
	ads := make([]Ad, n)
	for i := range ads {
		ad, ok, err := srv.Decide(context.Background(), "slot_1", "")
		if err != nil || !ok {
			t.Fatalf("decide: %v %v", ok, err)
		}
		ads[i] = ad
	}
	return ads
}

// One address that sends a new user agent with each event is one person:
// twenty views (or clicks) of twenty offers in one second count once, and
// the rest are too fast. An IPv6 viewer is its /64, an IPv4-mapped one its
// IPv4 address.
func TestJudge_OneAddressManyAgentsIsOnePerson(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind string
		addr func(i int) string
	}{
		{"views from one IPv4 address", "v", func(int) string { return "203.0.113.7" }},
		{"clicks from one IPv4 address", "c", func(int) string { return "203.0.113.7" }},
		{"views from one IPv6 /64", "v", func(i int) string { return fmt.Sprintf("2001:db8:7:7:%x::1", i) }},
		{"clicks from one IPv6 /64", "c", func(i int) string { return fmt.Sprintf("2001:db8:7:7::%x", i+1) }},
		{"views from one address, IPv4-mapped or not", "v", func(i int) string {
			if i%2 == 0 {
				return "::ffff:203.0.113.7"
			}
			return "203.0.113.7"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, clk, tally := newTestServer(Placement{Found: true, Flight: longFlight})
			send(t, srv, clk, tc.kind, offers(t, srv, 20), 50*time.Millisecond, func(i int) Event {
				return Event{UserAgent: agent(i), SourceIP: tc.addr(i)}
			})
			valid := map[string]string{"v": CountImpressions, "c": CountClicks}[tc.kind]
			if tally.n[valid] != 1 || tally.n["inv_too_fast"] != 19 {
				t.Fatalf("counts %v: want one %s and 19 too_fast", tally.n, valid)
			}
		})
	}
	// Twenty people (addresses, or IPv6 networks) with one browser each
	// all count.
	for name, addr := range map[string]func(i int) string{
		"IPv4": func(i int) string { return fmt.Sprintf("203.0.113.%d", i+1) },
		"IPv6": func(i int) string { return fmt.Sprintf("2001:db8:7:%x::1", i+1) },
	} {
		srv, clk, tally := newTestServer(Placement{Found: true, Flight: longFlight})
		send(t, srv, clk, "v", offers(t, srv, 20), 0, func(i int) Event { return Event{UserAgent: agent(0), SourceIP: addr(i)} })
		if tally.n[CountImpressions] != 20 || len(tally.n) != 2 {
			t.Errorf("twenty %s people: counts %v, want 20 impressions", name, tally.n)
		}
	}
}

// Views from one address that arrive at once, with one stamp, are held to
// a person's pace: one counts, whatever agents they carry.
func TestView_ConcurrentViewsFromOneAddressAreHeld(t *testing.T) {
	ctx := context.Background()
	srv, _, tally := newTestServer(Placement{Found: true, Flight: longFlight})
	ads := offers(t, srv, 20)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, ad := range ads {
		wg.Go(func() {
			<-start
			if err := srv.View(ctx, viewToken(t, ad), Event{UserAgent: agent(i), SourceIP: "203.0.113.7"}); err != nil {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	if err := srv.Counts.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if tally.n[CountImpressions] != 1 || tally.n["inv_too_fast"] != 19 {
		t.Fatalf("counts %v: want one impression and 19 too_fast", tally.n)
	}
}

// A source's valid views and clicks on a slot are capped per UTC day:
// past the cap they are refused as source_cap (never billed); another
// address is not held by it, and the next day starts again.
func TestJudge_DailyCapPerAddressAndSlot(t *testing.T) {
	clk := clock.NewFake(t0)
	tally := &memTally{n: map[string]int64{}}
	srv := NewServer(&fakeSource{p: Placement{Found: true, Flight: longFlight}}, &memOnce{seen: map[string]bool{}}, tally, clk,
		Config{Key: []byte("0123456789abcdef0123456789abcdef"), BaseURL: "http://souq.test", MaxViewsPerSourceDay: 3, MaxClicksPerSourceDay: 2}, slog.New(slog.DiscardHandler))
	from := func(addr string) func(int) Event {
		return func(i int) Event { return Event{UserAgent: agent(i), SourceIP: addr} }
	}

	send(t, srv, clk, "v", offers(t, srv, 5), 2*time.Second, from("203.0.113.7"))
	send(t, srv, clk, "c", offers(t, srv, 4), 2*time.Second, from("203.0.113.7"))
	send(t, srv, clk, "v", offers(t, srv, 1), 2*time.Second, from("203.0.113.8")) // another address
	want := map[string]int64{CountServed: 10, CountImpressions: 4, CountClicks: 2, "inv_source_cap": 4}
	if fmt.Sprint(tally.n) != fmt.Sprint(want) {
		t.Fatalf("counts %v, want %v", tally.n, want)
	}
	clk.Advance(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC).Sub(clk.Now())) // the next UTC day
	send(t, srv, clk, "v", offers(t, srv, 1), 0, from("203.0.113.7"))
	if tally.n[CountImpressions] != 5 || tally.n["inv_source_cap"] != 4 {
		t.Fatalf("the next day: counts %v, want the address's view counted", tally.n)
	}
}

// Without a setting the caps are the defaults: far above a person, and
// still a cap.
func TestJudge_DefaultDailyCap(t *testing.T) {
	srv, clk, tally := newTestServer(Placement{Found: true, Flight: longFlight})
	send(t, srv, clk, "v", offers(t, srv, DefaultMaxViewsPerSourceDay+1), PaceInterval, func(i int) Event {
		return Event{UserAgent: agent(0), SourceIP: "203.0.113.7"}
	})
	if tally.n[CountImpressions] != DefaultMaxViewsPerSourceDay || tally.n["inv_source_cap"] != 1 || tally.n["inv_too_fast"] != 0 {
		t.Fatalf("counts %v, want %d impressions and 1 source_cap", tally.n, DefaultMaxViewsPerSourceDay)
	}
}

// Tools' own agents are bots: their views and clicks are refused as bot
// before any other rule, so they neither count nor use up a person's pace.
func TestJudge_ToolsAreBots(t *testing.T) {
	srv, clk, tally := newTestServer(Placement{Found: true, Flight: longFlight})
	tools := []string{"curl/8.5.0", "Go-http-client/1.1", "python-urllib3/2.0", "okhttp/4.9", "axios/1.6", "node-fetch/1.0", "Java/17.0.2", "Apache-HttpClient/4.5", "x"}
	send(t, srv, clk, "v", offers(t, srv, len(tools)), 2*time.Second, func(i int) Event { return Event{UserAgent: tools[i], SourceIP: "203.0.113.7"} })
	send(t, srv, clk, "c", offers(t, srv, len(tools)), 2*time.Second, func(i int) Event { return Event{UserAgent: tools[i], SourceIP: "203.0.113.7"} })
	send(t, srv, clk, "v", offers(t, srv, 1), 0, func(int) Event { return Event{UserAgent: agent(0), SourceIP: "203.0.113.7"} })
	if tally.n["inv_bot"] != int64(2*len(tools)) || tally.n[CountImpressions] != 1 || tally.n[CountClicks] != 0 {
		t.Fatalf("counts %v: want %d bot and the person's one impression", tally.n, 2*len(tools))
	}
}
