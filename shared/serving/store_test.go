package serving_test

// Integration tests of serving over its own table in DynamoDB Local: the
// projection kept from events, and the serve path over it.

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/serving"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/storetest"
	"github.com/souqhq/souq/shared/topology"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var (
	testKey = []byte("0123456789abcdef0123456789abcdef")
	t0      = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	person  = serving.Event{UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", SourceIP: "203.0.113.9"}
	banner  = events.Creative{ImageURL: "https://cdn.example/banner.png", ClickURL: "https://acme.example/landing", AltText: "Acme widgets"}
	owner   = auth.Principal{Kind: auth.KindUser, UserID: "usr_owner"}
	winner  = auth.Principal{Kind: auth.KindUser, UserID: "usr_w"}
)

// world is the serving table with a community, an advertiser, a slot and
// (by default) a booked flight [t0+2h, t0+26h), all learnt from events
// as the serve function learns them.
type world struct {
	t      testing.TB
	db     *store.DB
	st     *serving.Store
	mux    *events.Mux
	clock  *clock.Fake
	slotID string
	flight string
	n      int
}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{t: t, db: storetest.New(t), clock: clock.NewFake(t0), slotID: "slot_01jd3k4m5n6p7q8r9s0t1v2w3x", flight: "flt_01jd3k4m5n6p7q8r9s0t1v2w3x"}
	w.st = serving.NewStore(w.db, w.clock)
	w.mux = events.NewMux("serve")
	w.st.Listen(w.mux)
	w.deliver(&events.CommunityCreated{CommunityID: "com_1", OwnerID: "usr_owner", Currency: "USD"})
	w.deliver(&events.AdvertiserCreated{AdvertiserID: "adv_w", OwnerID: "usr_w", Currency: "USD"})
	w.deliver(&events.SlotChanged{SlotID: w.slotID, CommunityID: "com_1", Width: 300, Height: 250, Version: 1})
	w.deliver(w.booked(w.flight, t0.Add(2*time.Hour), t0.Add(26*time.Hour)))
	return w
}

func (w *world) booked(flightID string, start, end time.Time) *events.FlightBooked {
	return &events.FlightBooked{FlightID: flightID, AuctionID: "auc_" + flightID[4:], SlotID: w.slotID, CommunityID: "com_1", AdvertiserID: "adv_w",
		FlightStart: clock.Format(start), FlightEnd: clock.Format(end), Creative: banner}
}

// deliver hands an event to the projection as the bus does.
func (w *world) deliver(e events.Event) {
	w.t.Helper()
	if err := w.handle(e); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) handle(e events.Event) error {
	w.n++
	if m := e.Base(); m.EventID == "" {
		m.EventID, m.OccurredAt, m.SchemaVersion = fmt.Sprintf("evt_%d", w.n), clock.Format(t0), 1
	}
	d, _ := json.Marshal(e)
	return w.mux.Handle(context.Background(), lambdaevents.EventBridgeEvent{ID: "ebe", DetailType: e.DetailType(), Source: e.Source(), Detail: d})
}

// server is one serving instance over the world's table.
func (w *world) server() *serving.Server {
	return serving.NewServer(w.st, w.st, w.st, w.clock, serving.Config{Key: testKey, BaseURL: "http://souq.test"}, slog.New(slog.DiscardHandler))
}

func (w *world) stats(p auth.Principal) serving.FlightStats {
	w.t.Helper()
	st, err := w.st.FlightStats(context.Background(), p, w.flight)
	if err != nil {
		w.t.Fatal(err)
	}
	return st
}

// The projection follows the slot's events whatever their order or
// repetition: an older version never replaces a newer one; a flight
// booked twice is booked once; a malformed event fails (to be retried and
// dead-lettered), never vanishes.
func TestStore_ProjectsSlotsAndFlightsInAnyOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	house := &events.Creative{ImageURL: "https://cdn.example/house.png", ClickURL: "https://gophers.example/join", AltText: "Join us"}
	w.deliver(&events.SlotChanged{SlotID: w.slotID, CommunityID: "com_1", Width: 300, Height: 250, HouseAd: house, Version: 3})
	w.deliver(&events.SlotChanged{SlotID: w.slotID, CommunityID: "com_1", Width: 300, Height: 250, Version: 2}) // late: ignored
	w.deliver(w.booked(w.flight, t0.Add(2*time.Hour), t0.Add(26*time.Hour)))                                    // redelivered
	w.deliver(&events.CommunityUpdated{CommunityID: "com_1", OwnerID: "usr_owner", AllowedDomains: []string{"gophers.example"}, Version: 2})
	p, err := w.st.Placement(ctx, w.slotID, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Found || p.Archived || p.CommunityID != "com_1" || p.Width != 300 || p.Height != 250 || p.House == nil || p.House.AltText != "Join us" ||
		p.Flight == nil || p.Flight.FlightID != w.flight || !p.Flight.Start.Equal(t0.Add(2*time.Hour)) || p.Flight.ImageURL != banner.ImageURL ||
		strings.Join(p.AllowedDomains, ",") != "gophers.example" {
		t.Fatalf("placement %+v (flight %+v)", p, p.Flight)
	}
	// The next flight is the one ending first after now; a past one is skipped.
	next := "flt_01jd3k4m5n6p7q8r9s0t1v2w3y"
	w.deliver(w.booked(next, t0.Add(26*time.Hour), t0.Add(50*time.Hour)))
	if p, _ := w.st.Placement(ctx, w.slotID, t0.Add(26*time.Hour)); p.Flight == nil || p.Flight.FlightID != next {
		t.Fatalf("at the first flight's end: %+v", p.Flight)
	}
	if p, _ := w.st.Placement(ctx, w.slotID, t0.Add(51*time.Hour)); p.Flight != nil || !p.Found {
		t.Fatalf("after both: %+v", p)
	}
	w.deliver(&events.SlotChanged{SlotID: w.slotID, CommunityID: "com_1", Width: 300, Height: 250, Archived: true, Version: 4})
	if p, _ := w.st.Placement(ctx, w.slotID, t0); !p.Archived || p.House != nil {
		t.Fatalf("archived: %+v", p)
	}
	if p, err := w.st.Placement(ctx, "slot_nope", t0); err != nil || p.Found {
		t.Fatalf("an unknown slot: %+v %v", p, err)
	}
	if to, found, err := w.st.FlightClickURL(ctx, w.flight); err != nil || !found || to != banner.ClickURL {
		t.Fatalf("click URL %q %v %v", to, found, err)
	}
	for name, bad := range map[string]events.Event{
		"slot without version":  &events.SlotChanged{SlotID: w.slotID, CommunityID: "com_1"},
		"slot without its id":   &events.SlotChanged{CommunityID: "com_1", Version: 9},
		"flight without window": &events.FlightBooked{FlightID: "flt_x", SlotID: w.slotID},
	} {
		if err := w.handle(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The cache never stretches a flight: it serves from its first instant to
// just before its end, and not a millisecond outside.
func TestServe_NeverOutsideTheFlightWindow(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	srv := w.server()
	ctx := context.Background()
	w.clock.Advance(2*time.Hour - time.Millisecond)
	if _, ok, err := srv.Decide(ctx, w.slotID, ""); err != nil || ok {
		t.Fatalf("a millisecond before the flight: ok=%v err=%v", ok, err)
	}
	w.clock.Advance(time.Millisecond)
	ad, ok, err := srv.Decide(ctx, w.slotID, "")
	if err != nil || !ok || ad.FlightID != w.flight || ad.Kind != serving.KindFlight || ad.Label != serving.LabelSponsored ||
		!strings.HasPrefix(ad.ClickURL, "http://souq.test/c/") || !strings.HasPrefix(ad.ViewURL, "http://souq.test/v/") || ad.OfferID == "" {
		t.Fatalf("at the start: %+v ok=%v err=%v", ad, ok, err)
	}
	w.clock.Advance(24*time.Hour - time.Millisecond)
	if _, ok, _ := srv.Decide(ctx, w.slotID, ""); !ok {
		t.Fatal("a millisecond before the end it still serves")
	}
	w.clock.Advance(time.Millisecond)
	if _, ok, _ := srv.Decide(ctx, w.slotID, ""); ok {
		t.Fatal("at the end it must not serve")
	}
	if _, _, err := srv.Decide(ctx, "slot_nope", ""); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("unknown slot: %v", err)
	}
}

// 3,000 decisions and their views from 16 goroutines are counted
// exactly, even when a flush fails part-way (its counts are kept), and a
// view replayed by another instance over the same table is not counted
// again (the black-box suite runs 10,000 through the gateway). Only the
// flight's advertiser and community read its stats.
func TestServe_ViewsCountedExactlyOnceEach(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	srv, other := w.server(), w.server() // two instances
	w.clock.Advance(2 * time.Hour)
	ctx := context.Background()
	// A flush that fails (its context is gone) keeps what it took.
	if _, ok, err := srv.Decide(ctx, w.slotID, ""); err != nil || !ok {
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
				ad, ok, err := srv.Decide(ctx, w.slotID, "")
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
	st := w.stats(owner)
	if st.Served != 3_000 || st.Impressions != 2_999 || st.Invalid["reused"] != 2_999 || len(st.Invalid) != 1 || st.Clicks != 0 ||
		len(st.Days) != 1 || st.Days[0].Day != "2026-11-23" || st.Days[0].Impressions != 2_999 {
		t.Fatalf("stats: %+v", st)
	}
	// The winner reads them too, and the keys of both accounts; nobody else.
	for _, p := range []auth.Principal{winner,
		{Kind: auth.KindClient, AccountKind: auth.AccountAdvertiser, AccountID: "adv_w"},
		{Kind: auth.KindClient, AccountKind: auth.AccountCommunity, AccountID: "com_1"}} {
		if got := w.stats(p); got.Impressions != 2_999 {
			t.Fatalf("%+v reads %+v", p, got)
		}
	}
	for _, p := range []auth.Principal{{Kind: auth.KindUser, UserID: "usr_x"},
		{Kind: auth.KindClient, AccountKind: auth.AccountAdvertiser, AccountID: "adv_x"},
		{Kind: auth.KindClient, AccountKind: auth.AccountCommunity, AccountID: "com_x"}} {
		if _, err := w.st.FlightStats(ctx, p, w.flight); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("a stranger %+v: %v", p, err)
		}
	}
	for _, id := range []string{"flt_nope", "slot_1", ""} {
		if _, err := w.st.FlightStats(ctx, owner, id); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("flight %q: %v", id, err)
		}
	}
}

// A click goes to the creative's own URL once counted; forged and
// malformed tokens go nowhere; bots and repeats are refused by reason.
func TestClick_OncePerOfferAndRefusedByReason(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	srv := w.server()
	ctx := context.Background()
	w.clock.Advance(2 * time.Hour)
	ad, _, _ := srv.Decide(ctx, w.slotID, "")
	tok := strings.TrimPrefix(ad.ClickURL, "http://souq.test/c/")
	to, err := srv.Click(ctx, tok, person)
	if err != nil || to != banner.ClickURL {
		t.Fatalf("click: %q %v", to, err)
	}
	w.clock.Advance(2 * time.Second)
	if to, err := srv.Click(ctx, tok, person); err != nil || to != banner.ClickURL { // again: still sent on, not counted
		t.Fatalf("a second click: %q %v", to, err)
	}
	ad2, _, _ := srv.Decide(ctx, w.slotID, "")
	if _, err := srv.Click(ctx, strings.TrimPrefix(ad2.ClickURL, "http://souq.test/c/"), serving.Event{UserAgent: "Mozilla/5.0 (compatible; bingbot/2.0)"}); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]string{
		"truncated": tok[:len(tok)-1],
		"no dot":    strings.ReplaceAll(tok, ".", ""),
		"empty":     "",
		"garbage":   "%%%.%%%",
		"other key": (serving.Signer{Key: []byte("another key, another key, another key")}).Sign(serving.Offer{ID: "ofr_x", Kind: serving.KindFlight, SlotID: w.slotID, Ref: w.flight, IssuedAt: w.clock.Now()}),
		"no flight": (serving.Signer{Key: testKey}).Sign(serving.Offer{ID: "ofr_y", Kind: serving.KindFlight, SlotID: w.slotID, Ref: "flt_nope", IssuedAt: w.clock.Now()}),
	} {
		if _, err := srv.Click(ctx, bad, person); fault.KindOf(err) != fault.NotFound {
			t.Errorf("%s: %v, want NotFound", name, err)
		}
	}
	if err := srv.Counts.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if st := w.stats(owner); st.Clicks != 1 || st.Invalid["reused"] != 1 || st.Invalid["bot"] != 1 || st.Served != 2 || st.Impressions != 0 {
		t.Fatalf("stats: %+v", st)
	}
}

// Campaigns are projected from CampaignChanged in version order; the set
// serving reads holds every campaign whose offers may still count (ended
// ones until their offers expire, for their clicks), and a slot's
// campaign setting comes with its SlotChanged.
func TestStore_ProjectsCampaignsInVersionOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	changed := func(id, state string, bid int64, version int, end time.Time) *events.CampaignChanged {
		return &events.CampaignChanged{CampaignID: id, AdvertiserID: "adv_w", Currency: "USD", Model: "cpm",
			Bid: money.Amount{Minor: bid, Currency: "USD"}, Budget: money.Amount{Minor: 10_000, Currency: "USD"},
			Start: clock.Format(t0), End: clock.Format(end), Pacing: "even", State: state, Version: version,
			Creative: events.SizedCreative{ImageURL: "https://cdn.example/c.png", ClickURL: "https://shop.example/c", AltText: "C", Width: 300, Height: 250}}
	}
	w.deliver(changed("cmp_a", "paused", 300, 3, t0.Add(48*time.Hour)))
	w.deliver(changed("cmp_a", "live", 200, 2, t0.Add(48*time.Hour))) // late: ignored
	w.deliver(changed("cmp_b", "ended", 200, 4, t0.Add(time.Hour)))
	cs, err := w.st.Campaigns(ctx, t0)
	if err != nil || len(cs) != 2 {
		t.Fatalf("campaigns %+v %v", cs, err)
	}
	byID := map[string]serving.Campaign{}
	for _, c := range cs {
		byID[c.ID] = c
	}
	if a := byID["cmp_a"]; a.Live || a.Bid != 300 || a.Width != 300 || a.Creative.ClickURL != "https://shop.example/c" || !a.End.Equal(t0.Add(48*time.Hour)) {
		t.Fatalf("cmp_a %+v", a)
	}
	if cs, _ := w.st.Campaigns(ctx, t0.Add(time.Hour+serving.OfferTTL)); len(cs) != 1 || cs[0].ID != "cmp_a" {
		t.Fatalf("after cmp_b's offers expired: %+v", cs)
	}
	if err := w.handle(&events.CampaignChanged{CampaignID: "cmp_x", Version: 1}); err == nil {
		t.Fatal("a campaign event without its end was accepted")
	}
	w.deliver(&events.SlotChanged{SlotID: w.slotID, CommunityID: "com_1", Width: 300, Height: 250, Currency: "USD", Version: 5,
		Campaigns: events.SlotCampaigns{Accept: true, FloorCPM: money.Amount{Minor: 150, Currency: "USD"}}})
	if p, _ := w.st.Placement(ctx, w.slotID, t0); p.Currency != "USD" || p.Campaigns == nil || p.Campaigns.FloorCPM != 150 {
		t.Fatalf("the slot's campaign setting: %+v", p)
	}
	// A campaign's counts go to its own partition, by community.
	if err := w.st.AddCounts(ctx, serving.CampaignRef("cmp_a", "com_1"), "2026-11-23", 3, map[string]int64{"impressions": 2}, store.NewAddToken()); err != nil {
		t.Fatal(err)
	}
	it, found, err := store.Get[map[string]any](ctx, w.db.Client, w.db.Table(topology.TableServing), "CMP#cmp_a", "STAT#2026-11-23#com_1#03")
	if err != nil || !found || it["impressions"] != float64(2) || it["ref"] != "cmp_a" {
		t.Fatalf("the campaign's counter: %v %v %v", it, found, err)
	}
	if seen, err := w.st.Seen(ctx, "OFFER#ofr_none#v"); err != nil || seen {
		t.Fatalf("seen before first: %v %v", seen, err)
	}
	if ok, _ := w.st.First(ctx, "OFFER#ofr_1#v", t0.Add(time.Hour), store.NewAddToken()); !ok {
		t.Fatal("first")
	}
	if seen, err := w.st.Seen(ctx, "OFFER#ofr_1#v"); err != nil || !seen {
		t.Fatalf("seen after first: %v %v", seen, err)
	}
}

// The meter sends each campaign's counts since its start, per community,
// when they moved: numbered, once per change, whatever runs it how often;
// a settlement's charge comes back as the campaign's settled spend.
func TestStore_MetersEachChangeOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	w.deliver(&events.CampaignChanged{CampaignID: "cmp_m", AdvertiserID: "adv_w", Currency: "USD", Model: "cpm",
		Bid: money.Amount{Minor: 250, Currency: "USD"}, Budget: money.Amount{Minor: 10_000, Currency: "USD"},
		Start: clock.Format(t0), End: clock.Format(t0.Add(48 * time.Hour)), Pacing: "even", State: "live", Version: 1,
		Creative: events.SizedCreative{ImageURL: "https://cdn.example/m.png", ClickURL: "https://shop.example/m", AltText: "M", Width: 300, Height: 250}})
	add := func(com string, shard int, imps, clicks int64) {
		if err := w.st.AddCounts(ctx, serving.CampaignRef("cmp_m", com), "2026-11-23", shard, map[string]int64{"impressions": imps, "clicks": clicks, "served": 99, "inv_bot": 5}, store.NewAddToken()); err != nil {
			t.Fatal(err)
		}
	}
	add("com_a", 1, 600, 2)
	add("com_a", 7, 400, 1)
	add("com_b", 3, 234, 0)
	for i := 0; i < 3; i++ {
		if err := w.st.Meter(ctx, t0); err != nil {
			t.Fatal(err)
		}
	}
	if n := storetest.OutboxCount(t, w.db, "CampaignMetered"); n != 1 {
		t.Fatalf("%d CampaignMetered after one change, want 1", n)
	}
	add("com_b", 3, 10, 0)
	if err := w.st.Meter(ctx, t0); err != nil {
		t.Fatal(err)
	}
	if n := storetest.OutboxCount(t, w.db, "CampaignMetered"); n != 2 {
		t.Fatalf("%d CampaignMetered after two changes, want 2", n)
	}
	last, found, err := store.Get[struct {
		Seq         int64                   `dynamodbav:"seq"`
		Communities []events.CommunityUnits `dynamodbav:"communities"`
	}](ctx, w.db.Client, w.db.Table(topology.TableServing), "CMP#cmp_m", "METERED")
	if err != nil || !found || last.Seq != 2 || len(last.Communities) != 2 ||
		!reflect.DeepEqual(last.Communities[0], events.CommunityUnits{CommunityID: "com_a", Impressions: 1_000, Clicks: 3, Invalid: map[string]int64{"bot": 10}}) ||
		!reflect.DeepEqual(last.Communities[1], events.CommunityUnits{CommunityID: "com_b", Impressions: 244, Invalid: map[string]int64{"bot": 10}}) {
		t.Fatalf("the last meter: %+v %v %v", last, found, err)
	}
	// Refused views alone move the meter too (the report counts them;
	// they bill nothing).
	if err := w.st.AddCounts(ctx, serving.CampaignRef("cmp_m", "com_b"), "2026-11-23", 4, map[string]int64{"inv_too_fast": 2}, store.NewAddToken()); err != nil {
		t.Fatal(err)
	}
	if err := w.st.Meter(ctx, t0); err != nil {
		t.Fatal(err)
	}
	if n := storetest.OutboxCount(t, w.db, "CampaignMetered"); n != 3 {
		t.Fatalf("%d CampaignMetered after refused views, want 3", n)
	}
	w.deliver(&events.CampaignCharged{CampaignID: "cmp_m", AdvertiserID: "adv_w", Seq: 2, Amount: money.Amount{Minor: 311, Currency: "USD"},
		Spent: money.Amount{Minor: 311, Currency: "USD"}, SpentToday: money.Amount{Minor: 311, Currency: "USD"}, Day: "2026-11-23"})
	w.deliver(&events.CampaignCharged{CampaignID: "cmp_m", AdvertiserID: "adv_w", Seq: 1, Spent: money.Amount{Minor: 308, Currency: "USD"}}) // late
	cs, err := w.st.Campaigns(ctx, t0)
	if err != nil || len(cs) != 1 || cs[0].Settled != (serving.Settled{Seq: 2, Total: 311, Today: 311, Day: "2026-11-23"}) {
		t.Fatalf("settled spend: %+v %v", cs, err)
	}
}
