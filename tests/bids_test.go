package tests

import (
	"encoding/json"
	"fmt"
	"net/http"

	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/souqhq/souq/tests/harness"
)

type bidView struct {
	ID, AuctionID, AdvertiserID, Status, Currency string
	Amount                                        int64
	Hold                                          struct{ Amount int64 }
}

type closedAuction struct {
	ID, Status, FlightID string
	Bids                 *int
	ClearingPrice        *struct {
		Amount   int64
		Currency string
	}
	Winner *struct{ AdvertiserID, BidID string }
}

type ad struct {
	OfferID, Kind, FlightID, CampaignID, SlotID, ImageURL, AltText, ClickURL, ViewURL, Label string
	Width, Height                                                                            int
}

type flightStats struct {
	FlightID                    string
	Served, Impressions, Clicks int64
	CTR                         float64
	Invalid                     map[string]int64
	Days                        []struct {
		Day                         string
		Served, Impressions, Clicks int64
	}
}

// browserUA is a person's browser, desktop Firefox (its build from n):
// serving takes a tool's agent for a bot. Another agent is not another
// person: person is.
func browserUA(n int) string {
	return fmt.Sprintf("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.%d", n)
}

// person is the headers of person n's views and clicks: a browser, and
// an address of their own as CloudFront names it (every request of this
// suite comes from 127.0.0.1; serving's per-person rules key on the
// viewer's address alone).
func person(n int) map[string]string {
	return map[string]string{"User-Agent": browserUA(n), harness.ViewerAddressHeader: harness.ViewerAddress(n)}
}

func now(t *testing.T) time.Time {
	t.Helper()
	return decode[struct{ Now time.Time }](t, expect(t, do(t, call{method: "GET", path: "/local/clock"}), 200)).Now
}

func advance(t *testing.T, d time.Duration) {
	t.Helper()
	expect(t, do(t, call{method: "POST", path: "/local/clock/advance", body: fmt.Sprintf(`{"seconds":%d}`, int(d.Seconds()))}), 200)
}

// eurAdvertiser is an advertiser in EUR (the test communities' currency)
// owned by a new user, funded through the deposit route.
func eurAdvertiser(t *testing.T, funds int64) (token, advID string) {
	t.Helper()
	_, token = newUser(t)
	advID = decode[struct{ ID string }](t, expect(t, do(t, call{method: "POST", path: "/v1/advertisers", auth: token, body: `{"name":"Euro Ads","currency":"EUR"}`}), 201)).ID
	if funds > 0 {
		expect(t, do(t, depositCall(token, "/v1/advertisers/"+advID+"/deposits", "fund-"+advID, fmt.Sprintf(`{"amount":%d,"currency":"EUR"}`, funds))), 201)
	}
	events(t, "AdvertiserCreated") // settles: auctions learns of advertisers by event
	return token, advID
}

func bidBody(advID string, amount int64) string {
	adv := ""
	if advID != "" {
		adv = fmt.Sprintf(`"advertiserId":%q,`, advID)
	}
	return fmt.Sprintf(`{%s"amount":%d,"currency":"EUR","creative":{"imageUrl":"https://cdn.example/%d.png","clickUrl":"https://shop.example/landing?src=souq","altText":"Widgets"}}`, adv, amount, amount)
}

// The whole auction over HTTP with the platform's clock: bids, replace,
// withdraw, refusals, the close on schedule, serving in the window (house
// ad outside it), clicks, stats and the money.
func TestAuctionFlow_BidCloseServeClickStats(t *testing.T) {
	ownerToken, com, slotID := newSlot(t) // reserve 500 EUR
	t0 := now(t).Truncate(time.Second)
	a := decode[auctionView](t, expect(t, do(t, call{method: "POST", path: "/v1/slots/" + slotID + "/auctions", auth: ownerToken,
		body: fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q,"closesAt":%q}`, t0.Add(2*time.Hour).Format(time.RFC3339), t0.Add(26*time.Hour).Format(time.RFC3339), t0.Add(time.Hour).Format(time.RFC3339))}), 201))

	aTok, aID := eurAdvertiser(t, 10_000)
	aKey := createKey(t, aTok, "/v1/advertisers/"+aID).Secret
	bTok, bID := eurAdvertiser(t, 10_000)
	cTok, cID := eurAdvertiser(t, 1_000)
	bidPath := "/v1/auctions/" + a.ID + "/bid"

	// Refusals change nothing.
	r := expect(t, do(t, call{method: "PUT", path: bidPath, auth: cTok, body: bidBody(cID, 400)}), 400)
	if !hasFieldError(r, "amount") {
		t.Fatalf("below reserve: %s", r.body)
	}
	expect(t, do(t, call{method: "PUT", path: bidPath, auth: cTok, body: bidBody(cID, 1_001)}), 422)
	expect(t, do(t, call{method: "PUT", path: bidPath, auth: cTok, body: strings.Replace(bidBody(cID, 600), `"EUR"`, `"USD"`, 1)}), 400)
	expect(t, do(t, call{method: "PUT", path: bidPath, auth: cTok, body: strings.Replace(bidBody(cID, 600), "https://cdn", "http://cdn", 1)}), 400)
	expect(t, do(t, call{method: "PUT", path: bidPath, auth: bTok, body: bidBody(cID, 600)}), 404) // not B's advertiser
	expect(t, do(t, call{method: "GET", path: bidPath + "?advertiserId=" + cID, auth: cTok}), 404)
	if b := balanceOf(t, cTok, "/v1/advertisers/"+cID); b.Available != 1_000 || b.Held != 0 {
		t.Fatalf("refused bids moved money: %+v", b)
	}
	// The community's owner cannot bid on its own slot.
	ownAdv := decode[struct{ ID string }](t, expect(t, do(t, call{method: "POST", path: "/v1/advertisers", auth: ownerToken, body: `{"name":"Own","currency":"EUR"}`}), 201)).ID
	events(t, "AdvertiserCreated") // auctions learns of advertisers by event
	expect(t, do(t, call{method: "PUT", path: bidPath, auth: ownerToken, body: bidBody(ownAdv, 600)}), 403)

	// A bids with its API key, then raises; B bids, withdraws, bids again.
	first := decode[bidView](t, expect(t, do(t, call{method: "PUT", path: bidPath, auth: aKey, body: bidBody("", 3_000)}), 200))
	raised := decode[bidView](t, expect(t, do(t, call{method: "PUT", path: bidPath, auth: aKey, body: bidBody("", 3_500)}), 200))
	if raised.ID != first.ID || raised.Hold.Amount != 3_500 || raised.AdvertiserID != aID {
		t.Fatalf("replace: %+v then %+v", first, raised)
	}
	if b := balanceOf(t, aTok, "/v1/advertisers/"+aID); b.Available != 6_500 || b.Held != 3_500 {
		t.Fatalf("A after raising: %+v", b)
	}
	expect(t, do(t, call{method: "PUT", path: bidPath, auth: bTok, body: bidBody(bID, 2_000)}), 200)
	w := decode[bidView](t, expect(t, do(t, call{method: "DELETE", path: bidPath + "?advertiserId=" + bID, auth: bTok}), 200))
	if w.Status != "withdrawn" {
		t.Fatalf("withdraw: %+v", w)
	}
	if b := balanceOf(t, bTok, "/v1/advertisers/"+bID); b.Available != 10_000 || b.Held != 0 {
		t.Fatalf("B after withdrawing: %+v", b)
	}
	expect(t, do(t, call{method: "PUT", path: bidPath, auth: bTok, body: bidBody(bID, 2_500)}), 200)
	if got := decode[bidView](t, expect(t, do(t, call{method: "GET", path: bidPath, auth: aKey}), 200)); got.Amount != 3_500 {
		t.Fatalf("A reads its bid: %+v", got)
	}
	// Sealed: the public auction shows no bidder or amount before close.
	if body := string(expect(t, do(t, call{method: "GET", path: "/v1/auctions/" + a.ID}), 200).body); strings.Contains(body, aID) || strings.Contains(body, "3500") {
		t.Fatalf("an open auction leaks bids: %s", body)
	}

	// A house ad shows until a flight runs.
	expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID}), 204)
	expect(t, do(t, call{method: "PUT", path: "/v1/slots/" + slotID + "/house-ad", auth: ownerToken,
		body: `{"imageUrl":"https://rust.example/house.png","clickUrl":"https://rust.example/join","altText":"Join us"}`}), 200)
	advance(t, 6*time.Second) // the serve path caches a slot for up to 5 s
	house := decode[ad](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID}), 200))
	if house.Label != "House" || house.ClickURL != "https://rust.example/join" || house.FlightID != "" {
		t.Fatalf("house ad: %+v", house)
	}

	// The close fires at closesAt.
	advance(t, time.Hour)
	expect(t, do(t, call{method: "PUT", path: bidPath, auth: cTok, body: bidBody(cID, 600)}), 409)
	closed := decode[closedAuction](t, expect(t, do(t, call{method: "GET", path: "/v1/auctions/" + a.ID}), 200))
	if closed.Status != "closed" || closed.Winner == nil || closed.Winner.AdvertiserID != aID || closed.ClearingPrice.Amount != 2_500 || *closed.Bids != 2 || closed.FlightID == "" {
		t.Fatalf("closed: %s", expect(t, do(t, call{method: "GET", path: "/v1/auctions/" + a.ID}), 200).body)
	}
	if body := string(expect(t, do(t, call{method: "GET", path: "/v1/auctions/" + a.ID}), 200).body); strings.Contains(body, bID) {
		t.Fatalf("a loser is disclosed: %s", body)
	}
	if b := balanceOf(t, aTok, "/v1/advertisers/"+aID); b.Available != 7_500 || b.Held != 0 {
		t.Fatalf("the winner pays the second price: %+v", b)
	}
	if b := balanceOf(t, bTok, "/v1/advertisers/"+bID); b.Available != 10_000 || b.Held != 0 {
		t.Fatalf("the loser is released: %+v", b)
	}
	if b := balanceOf(t, ownerToken, "/v1/communities/"+com); b.Available != 2_250 {
		t.Fatalf("the community gets the price less the 10%% fee: %+v", b)
	}
	if countEventsFor(t, "AuctionClosed", "auctionId", a.ID) != 1 {
		t.Fatal("AuctionClosed once")
	}

	// Before the flight starts: still the house ad. In the window: the flight.
	if got := decode[ad](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID}), 200)); got.Label != "House" {
		t.Fatalf("before the window: %+v", got)
	}
	advance(t, time.Hour)
	r = expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID}), 200)
	served := decode[ad](t, r)
	if served.Label != "Sponsored" || served.FlightID != closed.FlightID || served.Width != 300 || served.ImageURL != "https://cdn.example/3500.png" ||
		!strings.HasPrefix(served.ClickURL, base+"/c/") || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("served: %+v %v", served, r.header)
	}

	if served.Kind != "flight" || served.OfferID == "" || !strings.HasPrefix(served.ViewURL, base+"/v/") || r.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("an offer: %+v %v", served, r.header)
	}

	// 10,000 decisions at once, each served; 1,000 of them seen, each by a
	// person of its own. 50 beacons are sent again at once (too fast for a
	// person) and 50 more two seconds later (reused): each offer counts once.
	const burst, seen = 10_000, 1_000
	var wg sync.WaitGroup
	var failed atomic.Int64
	var replayMu sync.Mutex
	var replays []int // the people whose beacons are sent again
	replayURL := map[int]string{}
	next := make(chan int, burst)
	for i := 1; i < burst; i++ { // one was served above
		next <- i
	}
	close(next)
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				resp, err := hc.Get(base + "/v1/serve/" + slotID)
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
					continue
				}
				var o ad
				_ = json.NewDecoder(resp.Body).Decode(&o)
				resp.Body.Close()
				if i > seen {
					continue
				}
				if i > 50 && i <= 100 {
					replayMu.Lock()
					replays, replayURL[i] = append(replays, i), o.ViewURL
					replayMu.Unlock()
				}
				for n := 0; n < 1+btoi(i <= 50); n++ { // the first 50 beacons twice at once
					method := "GET"
					if n == 1 {
						method = "POST" // sendBeacon's way
					}
					req, _ := http.NewRequest(method, o.ViewURL, nil)
					for k, v := range person(i) {
						req.Header.Set(k, v)
					}
					vr, err := hc.Do(req)
					if err != nil || vr.StatusCode != 204 || vr.Header.Get("Access-Control-Allow-Origin") != "*" {
						failed.Add(1)
					}
					if vr != nil {
						vr.Body.Close()
					}
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d serves or views failed", failed.Load())
	}
	advance(t, 2*time.Second)
	for _, i := range replays {
		expect(t, do(t, call{method: "POST", path: strings.TrimPrefix(replayURL[i], base), headers: person(i)}), 204)
	}
	// Bots and forged beacons are answered the same and never counted.
	view := strings.TrimPrefix(served.ViewURL, base)
	for i := 0; i < 10; i++ {
		expect(t, do(t, call{method: "GET", path: view, headers: map[string]string{"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"}}), 204)
	}
	vtok := strings.TrimPrefix(view, "/v/")
	for _, forged := range []string{vtok[:len(vtok)-2] + "AA", "x" + vtok, "nodot"} {
		expect(t, do(t, call{method: "GET", path: "/v/" + forged, headers: person(0)}), 204)
	}

	// Clicks: a person's is counted and redirected to the creative's own URL;
	// a bot's is redirected and counted as invalid; forged tokens are 404.
	click := strings.TrimPrefix(served.ClickURL, base)
	r = expect(t, do(t, call{method: "GET", path: click, headers: person(0)}), 302)
	if r.header.Get("Location") != "https://shop.example/landing?src=souq" {
		t.Fatalf("click redirects to %q", r.header.Get("Location"))
	}
	expect(t, do(t, call{method: "GET", path: click, headers: map[string]string{"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"}}), 302)
	tok := strings.TrimPrefix(click, "/c/")
	for _, forged := range []string{tok[:len(tok)-2] + "AA", "x" + tok, "nodot", strings.Replace(tok, ".", "", 1), strings.Repeat("a", 400)} {
		expect(t, do(t, call{method: "GET", path: "/c/" + forged}), 404)
	}

	// Stats for the advertiser (key or person) and the owner; 404 for others.
	// Counts are buffered and flushed every couple of seconds: poll.
	var st flightStats
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		st = decode[flightStats](t, expect(t, do(t, call{method: "GET", path: "/v1/flights/" + closed.FlightID + "/stats", auth: aKey}), 200))
		if st.Served >= burst && st.Impressions >= seen && st.Clicks >= 1 && st.Invalid["bot"] >= 11 && st.Invalid["reused"]+st.Invalid["too_fast"] >= 100 {
			break
		}
	}
	if st.Served != burst || st.Impressions != seen || st.Clicks != 1 || st.CTR != 0.001 ||
		// Each of the 50 doubled beacons is refused as too_fast when its
		// second copy comes within the pace's second (as it does on an idle
		// machine), else as reused; the 50 replays, two seconds on, are
		// reused. Either way none is counted twice.
		st.Invalid["reused"] < 50 || st.Invalid["reused"]+st.Invalid["too_fast"] != 100 || st.Invalid["bot"] != 11 || len(st.Invalid) > 3 || len(st.Days) != 1 || st.Days[0].Impressions != seen {
		t.Fatalf("stats: %+v", st)
	}
	for _, who := range []string{aTok, ownerToken} {
		if got := decode[flightStats](t, expect(t, do(t, call{method: "GET", path: "/v1/flights/" + closed.FlightID + "/stats", auth: who}), 200)); got.Impressions != seen {
			t.Fatalf("stats for %s: %+v", who[:8], got)
		}
	}
	expect(t, do(t, call{method: "GET", path: "/v1/flights/" + closed.FlightID + "/stats", auth: bTok}), 404)
	flights := decode[struct {
		Data []struct{ ID, CommunityID, SlotID, FlightStart, FlightEnd string }
	}](t, expect(t, do(t, call{method: "GET", path: "/v1/advertisers/" + aID + "/flights", auth: aKey}), 200)).Data
	if len(flights) != 1 || flights[0].ID != closed.FlightID || flights[0].CommunityID != com || flights[0].SlotID != slotID {
		t.Fatalf("flights: %+v", flights)
	}

	// After the window: the house ad again. The day-old offer has expired:
	// its click still goes to the advertiser's page, its view and click
	// are counted as expired, never as valid.
	advance(t, 24*time.Hour)
	if got := decode[ad](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID}), 200)); got.Label != "House" {
		t.Fatalf("after the window: %+v", got)
	}
	expect(t, do(t, call{method: "GET", path: click, headers: person(1)}), 302)
	expect(t, do(t, call{method: "GET", path: view, headers: person(2)}), 204)
	advance(t, 0) // settle: counts written
	st = decode[flightStats](t, expect(t, do(t, call{method: "GET", path: "/v1/flights/" + closed.FlightID + "/stats", auth: aKey}), 200))
	if st.Impressions != seen || st.Clicks != 1 || st.Invalid["expired"] != 2 {
		t.Fatalf("after expiry: %+v", st)
	}
	verifyLedger(t)

}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
