package tests

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

type auctionView struct {
	ID, SlotID, CommunityID, Status, FlightStart, FlightEnd, ClosesAt, Format string
}

func newSlot(t *testing.T) (token, com, slotID string) {
	t.Helper()
	token, com = newCommunityForSlots(t)
	s := decode[slot](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/slots", auth: token,
		body: `{"name":"Sidebar","width":300,"height":250,"reserve":{"amount":500,"currency":"EUR"}}`}), 201))
	return token, com, s.ID
}

// flightBody builds a flight starting `startDays` from the platform's now.
func flightBody(t *testing.T, startDays, days int) string {
	t.Helper()
	now := decode[struct{ Now time.Time }](t, expect(t, do(t, call{method: "GET", path: "/local/clock"}), 200)).Now
	start := now.Add(time.Duration(startDays) * 24 * time.Hour).Truncate(time.Second)
	return fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q,"closesAt":%q}`,
		start.Format(time.RFC3339), start.Add(time.Duration(days)*24*time.Hour).Format(time.RFC3339), start.Add(-time.Hour).Format(time.RFC3339))
}

func TestAuctions_OpenReadListCancel(t *testing.T) {
	t.Parallel()
	token, com, slotID := newSlot(t)
	a := decode[auctionView](t, expect(t, do(t, call{method: "POST", path: "/v1/slots/" + slotID + "/auctions", auth: token, body: flightBody(t, 10, 7)}), 201))
	if a.Status != "open" || a.SlotID != slotID || a.CommunityID != com || a.Format != "second_price" {
		t.Fatalf("auction %+v", a)
	}
	if got := decode[auctionView](t, expect(t, do(t, call{method: "GET", path: "/v1/auctions/" + a.ID}), 200)); got != a {
		t.Fatalf("read %+v", got)
	}
	// An overlapping flight is refused; a back-to-back one is not.
	expect(t, do(t, call{method: "POST", path: "/v1/slots/" + slotID + "/auctions", auth: token, body: flightBody(t, 12, 7)}), 409)
	b := decode[auctionView](t, expect(t, do(t, call{method: "POST", path: "/v1/slots/" + slotID + "/auctions", auth: token, body: flightBody(t, 17, 3)}), 201))
	for _, q := range []string{"slotId=" + slotID, "communityId=" + com, "communityId=" + com + "&status=open"} {
		var list []auctionView
		for i := 0; i < 50 && len(list) != 2; i++ {
			list = decode[struct{ Data []auctionView }](t, expect(t, do(t, call{method: "GET", path: "/v1/auctions?" + q}), 200)).Data
		}
		if len(list) != 2 || list[0].ID != b.ID || list[1].ID != a.ID {
			t.Fatalf("%s: %+v", q, list)
		}
	}
	c := decode[auctionView](t, expect(t, do(t, call{method: "POST", path: "/v1/auctions/" + a.ID + "/cancel", auth: token}), 200))
	if c.Status != "cancelled" {
		t.Fatalf("cancelled %+v", c)
	}
	expect(t, do(t, call{method: "POST", path: "/v1/auctions/" + a.ID + "/cancel", auth: token}), 200)
	// The cancelled window is free again.
	expect(t, do(t, call{method: "POST", path: "/v1/slots/" + slotID + "/auctions", auth: token, body: flightBody(t, 12, 3)}), 201)
	if countEventsFor(t, "AuctionOpened", "slotId", slotID) != 3 || countEventsFor(t, "AuctionCancelled", "auctionId", a.ID) != 1 {
		t.Fatal("AuctionOpened thrice and AuctionCancelled once")
	}
	list := decode[struct{ Data []auctionView }](t, expect(t, do(t, call{method: "GET", path: "/v1/auctions?slotId=" + slotID + "&status=cancelled"}), 200)).Data
	if len(list) != 1 || list[0].ID != a.ID {
		t.Fatalf("cancelled list %+v", list)
	}
	expect(t, do(t, call{method: "GET", path: "/v1/auctions?status=sold"}), 400)
}

func TestAuctions_BadFlightsAndOwnership(t *testing.T) {
	t.Parallel()
	token, _, slotID := newSlot(t)
	_, mallory := newUser(t)
	path := "/v1/slots/" + slotID + "/auctions"
	now := decode[struct{ Now time.Time }](t, expect(t, do(t, call{method: "GET", path: "/local/clock"}), 200)).Now
	ts := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	for name, c := range map[string]struct{ body, field string }{
		"end before start":       {fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q,"closesAt":%q}`, ts(48*time.Hour), ts(24*time.Hour), ts(time.Hour)), "flightEnd"},
		"closes after the start": {fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q,"closesAt":%q}`, ts(24*time.Hour), ts(48*time.Hour), ts(30*time.Hour)), "closesAt"},
		"closes in the past":     {fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q,"closesAt":%q}`, ts(24*time.Hour), ts(48*time.Hour), ts(-time.Hour)), "closesAt"},
		"missing closesAt":       {fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q}`, ts(24*time.Hour), ts(48*time.Hour)), "closesAt"},
	} {
		r := expect(t, do(t, call{method: "POST", path: path, auth: token, body: c.body}), 400)
		if !hasFieldError(r, c.field) {
			t.Errorf("%s: no error for %s: %s", name, c.field, r.body)
		}
	}
	expect(t, do(t, call{method: "POST", path: path, auth: token, body: `{"flightStart":"tomorrow","flightEnd":"x","closesAt":"y"}`}), 400)
	expect(t, do(t, call{method: "POST", path: path, auth: mallory, body: flightBody(t, 5, 1)}), 404)
	a := decode[auctionView](t, expect(t, do(t, call{method: "POST", path: path, auth: token, body: flightBody(t, 5, 1)}), 201))
	expect(t, do(t, call{method: "POST", path: "/v1/auctions/" + a.ID + "/cancel", auth: mallory}), 404)
	expect(t, do(t, call{method: "GET", path: "/v1/auctions/auc_nope"}), 404)
	expect(t, do(t, call{method: "POST", path: "/v1/slots/" + slotID + "/archive", auth: token}), 200)
	expect(t, do(t, call{method: "POST", path: path, auth: token, body: flightBody(t, 30, 1)}), 409)
}

// Ten owners' requests race for one window: exactly one auction opens.
func TestAuctions_ConcurrentOpensForOneWindow(t *testing.T) {
	t.Parallel()
	token, _, slotID := newSlot(t)
	body := flightBody(t, 20, 2)
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := do(t, call{method: "POST", path: "/v1/slots/" + slotID + "/auctions", auth: token, body: body})
			mu.Lock()
			codes[r.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[201] != 1 || codes[409] != 9 {
		t.Fatalf("codes %v: want one 201 and nine 409", codes)
	}
}
