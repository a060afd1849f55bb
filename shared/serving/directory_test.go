package serving_test

// The directory and the measured audience over DynamoDB Local: viewers
// counted once per community and day whatever the views and instances,
// only counted events adding to it, and the listing kept from events.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/serving"
)

// viewer n is a person of their own address and browser.
func viewer(n int) serving.Event {
	return serving.Event{UserAgent: person.UserAgent, SourceIP: fmt.Sprintf("198.51.100.%d", n)}
}

// viewOnce has srv decide the slot and ev view the offer (and click it
// when click), a second after the last (a person's pace).
func (w *world) viewOnce(srv *serving.Server, ev serving.Event, click bool) {
	w.t.Helper()
	ctx := context.Background()
	ad, ok, err := srv.Decide(ctx, w.slotID, "")
	if err != nil || !ok {
		w.t.Fatalf("decide: %v %v", ok, err)
	}
	if err := srv.View(ctx, strings.TrimPrefix(ad.ViewURL, "http://souq.test/v/"), ev); err != nil {
		w.t.Fatal(err)
	}
	if click {
		if _, err := srv.Click(ctx, strings.TrimPrefix(ad.ClickURL, "http://souq.test/c/"), ev); err != nil {
			w.t.Fatal(err)
		}
	}
}

func (w *world) audienceDays() map[string]serving.AudienceDay {
	w.t.Helper()
	days, err := w.st.AudienceDays(context.Background(), "com_1", w.clock.Now())
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]serving.AudienceDay{}
	for _, d := range days {
		out[d.Day] = d
	}
	return out
}

func flushAll(t *testing.T, srvs ...*serving.Server) {
	t.Helper()
	for _, s := range srvs {
		if err := s.Counts.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// Five viewers, each viewing many times on two instances (flushing in
// between, so each instance meets them again), are five distinct viewers
// of the day; every counted view and click is in the day's figures; the
// next day counts them again; bots and reused offers add nothing.
func TestAudience_DistinctViewersOncePerDayPerCommunity(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, b := w.server(), w.server()
	w.clock.Advance(2 * time.Hour) // into the flight: 14:00 UTC
	const viewers, rounds = 5, 4
	views, clicks := 0, 0
	for r := 0; r < rounds; r++ {
		for v := 0; v < viewers; v++ {
			srv := a
			if (r+v)%2 == 1 {
				srv = b
			}
			click := v == 0
			w.viewOnce(srv, viewer(v), click)
			views++
			if click {
				clicks++
			}
			w.clock.Advance(2 * time.Second)
		}
		flushAll(t, a, b)
	}
	// Not counted: a bot, and an offer viewed twice.
	bot := serving.Event{UserAgent: "Googlebot/2.1 (+http://www.google.com/bot.html)", SourceIP: "198.51.100.200"}
	w.viewOnce(a, bot, false)
	ad, _, _ := a.Decide(context.Background(), w.slotID, "")
	tok := strings.TrimPrefix(ad.ViewURL, "http://souq.test/v/")
	_ = a.View(context.Background(), tok, viewer(7))
	w.clock.Advance(2 * time.Second)
	_ = b.View(context.Background(), tok, viewer(8)) // reused: refused
	views++                                          // viewer 7's
	flushAll(t, a, b)

	day1 := w.clock.Now().UTC().Format("2006-01-02")
	got := w.audienceDays()[day1]
	want := serving.AudienceDay{Day: day1, ViewableImpressions: int64(views), Clicks: int64(clicks), DistinctViewers: viewers + 1}
	if got != want {
		t.Fatalf("day 1: %+v, want %+v", got, want)
	}
	if st := w.stats(winner); st.Impressions != int64(views) || st.Clicks != int64(clicks) {
		t.Fatalf("the flight's stats %+v disagree with the audience %+v", st, got)
	}

	// The next UTC day: the same people are new viewers of it.
	w.clock.Advance(12 * time.Hour) // 02:00 the next day, still in the flight
	for v := 0; v < 3; v++ {
		w.viewOnce(b, viewer(v), false)
		w.viewOnce(a, viewer(v), false)
		w.clock.Advance(2 * time.Second)
	}
	flushAll(t, a, b)
	day2 := w.clock.Now().UTC().Format("2006-01-02")
	days := w.audienceDays()
	if d := days[day2]; d.ViewableImpressions != 6 || d.DistinctViewers != 3 || d.Clicks != 0 {
		t.Fatalf("day 2: %+v", d)
	}
	if days[day1] != want {
		t.Fatalf("day 1 moved: %+v", days[day1])
	}

	// Listed, the directory shows the window's sum (rolled up by the
	// instances' flushes).
	w.deliver(&events.CommunityUpdated{CommunityID: "com_1", OwnerID: "usr_owner", Version: 1, Name: "Gophers", Listed: true, Description: "Go people"})
	w.clock.Advance(serving.RollupEvery)
	w.viewOnce(a, viewer(1), false) // a's next flush rolls up
	flushAll(t, a)
	ls, err := w.st.DirectoryListings(context.Background(), w.clock.Now())
	if err != nil || len(ls) != 1 {
		t.Fatalf("listings %+v %v", ls, err)
	}
	au := ls[0].Audience
	if au.ViewableImpressions != int64(views)+7 || au.DistinctDailyViewers != viewers+1+3 || au.Clicks != int64(clicks) {
		t.Fatalf("directory audience %+v", au)
	}
	// Thirty days on, day 1 has left the window without anyone writing.
	later, _ := w.st.DirectoryListings(context.Background(), w.clock.Now().Add(29*24*time.Hour))
	if a := later[0].Audience; a.ViewableImpressions != 7 || a.DistinctDailyViewers != 3 {
		t.Fatalf("29 days later: %+v", a)
	}
}

// Many instances, each seeing every viewer, count each viewer once.
func TestAudience_ManyInstancesCountAViewerOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.clock.Advance(2 * time.Hour)
	var srvs []*serving.Server
	for i := 0; i < 6; i++ {
		srvs = append(srvs, w.server())
	}
	for v := 0; v < 4; v++ {
		for _, s := range srvs {
			w.viewOnce(s, viewer(v), false)
		}
		w.clock.Advance(2 * time.Second)
	}
	flushAll(t, srvs...)
	d := w.audienceDays()[w.clock.Now().UTC().Format("2006-01-02")]
	if d.ViewableImpressions != 24 || d.DistinctViewers != 4 {
		t.Fatalf("%+v: want 24 impressions of 4 viewers", d)
	}
}

// The listing follows its events in any order; what a community sells
// is its slots that are not archived; a community not listed is not in
// the directory.
func TestDirectory_ListingFromEventsInAnyOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	w.deliver(&events.CommunityUpdated{CommunityID: "com_1", OwnerID: "usr_owner", Version: 3, Name: "Gophers", Listed: true,
		Description: "Go people", Topics: []string{"golang"}, Languages: []string{"en"}, Country: "DE"})
	w.deliver(&events.CommunityUpdated{CommunityID: "com_1", OwnerID: "usr_owner", Version: 2, Name: "Old", Listed: false}) // late
	w.deliver(&events.SlotChanged{SlotID: w.slotID, CommunityID: "com_1", Width: 300, Height: 250, Currency: "USD", Version: 3,
		Campaigns: events.SlotCampaigns{Accept: true, FloorCPM: money.Amount{Minor: 200, Currency: "USD"}}})
	w.deliver(&events.SlotChanged{SlotID: w.slotID, CommunityID: "com_1", Width: 300, Height: 250, Currency: "USD", Version: 2}) // late
	w.deliver(&events.SlotChanged{SlotID: "slot_archived", CommunityID: "com_1", Width: 728, Height: 90, Currency: "USD", Archived: true, Version: 1})
	w.deliver(&events.CommunityCreated{CommunityID: "com_2", OwnerID: "usr_2", Currency: "USD", Name: "Hidden"})
	ls, err := w.st.DirectoryListings(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 1 {
		t.Fatalf("listings %+v: want com_1 only", ls)
	}
	l := ls[0]
	if l.CommunityID != "com_1" || l.Name != "Gophers" || l.Country != "DE" || strings.Join(l.Topics, ",") != "golang" || !l.TakesCampaigns ||
		len(l.Slots) != 1 || l.Slots[0].Width != 300 || l.Slots[0].FloorCPM == nil || l.Slots[0].FloorCPM.Minor != 200 || l.CreatedAt == "" {
		t.Fatalf("listing %+v", l)
	}
	w.deliver(&events.CommunityUpdated{CommunityID: "com_1", OwnerID: "usr_owner", Version: 4, Name: "Gophers", Listed: false, Description: "Go people"})
	if ls, _ := w.st.DirectoryListings(ctx, t0); len(ls) != 0 {
		t.Fatalf("unlisted, still listed: %+v", ls)
	}
}

// A busy instance rolls a community up every RollupEvery at most; once
// its traffic stops, its next flush (nothing new) rolls up what waited.
func TestAudience_QuietCommunityIsRolledUpAtTheNextIdleFlush(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	w.deliver(&events.CommunityUpdated{CommunityID: "com_1", OwnerID: "usr_owner", Version: 1, Name: "Gophers", Listed: true, Description: "Go people"})
	srv := w.server()
	w.clock.Advance(2 * time.Hour)
	impressions := func() int64 {
		ls, err := w.st.DirectoryListings(ctx, w.clock.Now())
		if err != nil || len(ls) != 1 {
			t.Fatalf("%+v %v", ls, err)
		}
		return ls[0].Audience.ViewableImpressions
	}
	w.viewOnce(srv, viewer(1), false)
	flushAll(t, srv) // the first rollup
	w.clock.Advance(2 * time.Second)
	w.viewOnce(srv, viewer(2), false)
	flushAll(t, srv) // within RollupEvery: not rolled up
	if n := impressions(); n != 1 {
		t.Fatalf("%d impressions in the directory before the rollup is due, want 1", n)
	}
	w.clock.Advance(2 * time.Second)
	flushAll(t, srv) // nothing new: what waited is rolled up
	if n := impressions(); n != 2 {
		t.Fatalf("%d impressions after an idle flush, want 2", n)
	}
}
