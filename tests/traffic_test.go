package tests

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/souqhq/souq/tests/harness"
)

// agentOf is one of several real browsers' agents, each version its own:
// what an attacker rotates through to look like many people.
func agentOf(i int) string {
	switch i % 4 {
	case 0:
		return fmt.Sprintf("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%d.0.0.0 Safari/537.36", 100+i)
	case 1:
		return fmt.Sprintf("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.%d; rv:%d.0) Gecko/20100101 Firefox/%d.0", i%8, 100+i, 100+i)
	case 2:
		return fmt.Sprintf("Mozilla/5.0 (iPhone; CPU iPhone OS 17_%d like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.%d Mobile/15E148 Safari/604.1", i%8, i%8)
	default:
		return fmt.Sprintf("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/%d.0 Chrome/117.0.0.0 Mobile Safari/537.36", 20+i)
	}
}

// intoFlight is a slot of a new community with a flight running now, and
// the advertiser's token that reads its stats.
func intoFlight(t *testing.T) (ownerToken, com, slotID, aTok string) {
	t.Helper()
	ownerToken, com, slotID = newSlot(t)
	aTok = bookedFlight(t, ownerToken, slotID)
	advance(t, time.Hour)
	advance(t, time.Hour+time.Minute) // into the flight; the serve cache has expired
	return ownerToken, com, slotID, aTok
}

func decideN(t *testing.T, slotID string, n int) []ad {
	t.Helper()
	out := make([]ad, n)
	for i := range out {
		out[i] = decode[ad](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID}), 200))
	}
	return out
}

// atOnce sends each URL (a view or a click) at the same moment with its
// headers.
func atOnce(t *testing.T, urls []string, headers func(i int) map[string]string) {
	t.Helper()
	// At one instant of the platform's clock, however long a loaded
	// machine takes to serve them all.
	expect(t, do(t, call{method: "POST", path: "/local/clock/hold", body: `{"hold":true}`}), 200)
	defer func() { expect(t, do(t, call{method: "POST", path: "/local/clock/hold", body: `{"hold":false}`}), 200) }()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, u := range urls {
		wg.Go(func() {
			<-start
			method := "POST"
			if strings.HasPrefix(u, base+"/c/") {
				method = "GET"
			}
			req, _ := http.NewRequest(method, u, nil)
			for k, v := range headers(i) {
				req.Header.Set(k, v)
			}
			resp, err := harness.Client.Do(req) // not do: t.Fatal belongs to the test's goroutine
			if err != nil {
				t.Errorf("%s %s: %v", method, u, err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 204 && resp.StatusCode != 302 {
				t.Errorf("%s %s: %d", method, u, resp.StatusCode)
			}
		})
	}
	close(start)
	wg.Wait()
}

func flightStatsOf(t *testing.T, flightID, tok string) flightStats {
	t.Helper()
	advance(t, 0) // settle: counts written
	return decode[flightStats](t, expect(t, do(t, call{method: "GET", path: "/v1/flights/" + flightID + "/stats", auth: tok}), 200))
}

// One address that sends each view with another browser's agent is one
// person: seven views of seven offers at once are billed once, once per
// pace interval; an IPv6 viewer is its /64, whatever address of it each
// view comes from; ten clicks the same way count one.
func TestServing_OneAddressRotatingAgentsIsBilledOncePerPaceInterval(t *testing.T) {
	_, _, slotID, aTok := intoFlight(t)
	viewsOf := func(ads []ad) (urls []string) {
		for _, o := range ads {
			urls = append(urls, o.ViewURL)
		}
		return urls
	}
	ipv4 := func(i int) map[string]string {
		return map[string]string{"User-Agent": agentOf(i), "CloudFront-Viewer-Address": fmt.Sprintf("203.0.113.50:%d", 40000+i)}
	}
	ipv6 := func(i int) map[string]string { // one home network, a privacy address per request
		return map[string]string{"User-Agent": agentOf(i), "CloudFront-Viewer-Address": fmt.Sprintf("[2001:db8:50:1:%x::%x]:%d", 100+i, 7*i+1, 40000+i)}
	}
	var flight string
	for _, viewer := range []func(int) map[string]string{ipv4, ipv6, ipv4} {
		ads := decideN(t, slotID, 7)
		flight = ads[0].FlightID
		atOnce(t, viewsOf(ads), viewer)
		advance(t, 2*time.Second) // a pace interval later
	}
	clicks := decideN(t, slotID, 10)
	var urls []string
	for _, o := range clicks {
		urls = append(urls, o.ClickURL)
	}
	atOnce(t, urls, ipv4)
	st := flightStatsOf(t, flight, aTok)
	if st.Impressions != 3 || st.Clicks != 1 || st.Invalid["too_fast"] != 3*6+9 || len(st.Invalid) != 1 {
		t.Fatalf("stats %+v: want 3 impressions (one per round), 1 click and 27 too_fast", st)
	}
}

// Tools and HTTP libraries, with their own agents or none, are bots:
// their views and clicks are refused as bot and never billed; a person's
// browser on the same slot counts.
func TestServing_ToolAgentsAreRefusedAsBots(t *testing.T) {
	_, _, slotID, aTok := intoFlight(t)
	tools := []string{"curl/8.5.0", "Go-http-client/1.1", "python-urllib3/2.0", "okhttp/4.9", "axios/1.6", "node-fetch/1.0",
		"Java/17.0.2", "Apache-HttpClient/4.5", "x", "", // "" sends no agent at all
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/148.0.0.0 Safari/537.36"}
	ads := decideN(t, slotID, len(tools)+1)
	for i, ua := range tools {
		h := map[string]string{"User-Agent": ua, "CloudFront-Viewer-Address": fmt.Sprintf("203.0.113.%d:443", 60+i)} // an address each
		expect(t, do(t, call{method: "POST", path: strings.TrimPrefix(ads[i].ViewURL, base), headers: h}), 204)
		if r := expect(t, do(t, call{method: "GET", path: strings.TrimPrefix(ads[i].ClickURL, base), headers: h}), 302); r.header.Get("Location") == "" {
			t.Fatalf("a bot's click goes nowhere")
		}
	}
	expect(t, do(t, call{method: "POST", path: strings.TrimPrefix(ads[len(tools)].ViewURL, base), headers: person(60_000)}), 204)
	st := flightStatsOf(t, ads[0].FlightID, aTok)
	if st.Impressions != 1 || st.Clicks != 0 || st.Invalid["bot"] != int64(2*len(tools)) || len(st.Invalid) != 1 {
		t.Fatalf("stats %+v: want the person's one impression and %d bot", st, 2*len(tools))
	}
}

// With an allowlist, only an https page on the domain (or under it), on
// the default port and without userinfo, is the community's: http, another
// port and a user name in the page are off_domain, and an http Origin is
// not saved by an https Referer.
func TestServing_AllowlistTakesOnlyHTTPSOnTheDefaultPortWithoutUserinfo(t *testing.T) {
	ownerToken, com, slotID := newSlot(t)
	aTok := bookedFlight(t, ownerToken, slotID)
	expect(t, do(t, call{method: "PATCH", path: "/v1/communities/" + com, auth: ownerToken, body: `{"allowedDomains":["good.example"]}`}), 200)
	advance(t, time.Hour)
	advance(t, time.Hour+time.Minute) // into the flight; serving has heard of the allowlist
	pages := []map[string]string{
		{"Origin": "http://good.example"},
		{"Origin": "https://good.example:8443"},
		{"Origin": "https://x@good.example"},
		{"Referer": "http://good.example/post"},
		{"Referer": "https://x:y@good.example/post"},
		{"Origin": "http://good.example", "Referer": "https://good.example/post"},
		{"Origin": "https://www.good.example"}, // the community's page
	}
	ads := decideN(t, slotID, len(pages))
	for i, page := range pages {
		for k, v := range person(61_000 + i) {
			page[k] = v
		}
		expect(t, do(t, call{method: "POST", path: strings.TrimPrefix(ads[i].ViewURL, base), headers: page}), 204)
	}
	st := flightStatsOf(t, ads[0].FlightID, aTok)
	if st.Impressions != 1 || st.Invalid["off_domain"] != int64(len(pages)-1) || len(st.Invalid) != 1 {
		t.Fatalf("stats %+v: want 1 impression from the community's page and %d off_domain", st, len(pages)-1)
	}
}

// A community that makes many slots does not multiply what one address is
// billed for: twelve slots of one community, each decided and viewed at
// once from one address, are billed four (a page's slots seen together),
// the rest refused too_fast; a second later four more.
func TestServing_OneAddressOnManySlotsOfACommunityIsHeldToAPage(t *testing.T) {
	ownerToken, com := newCommunityForSlots(t)
	var slots []string
	for i := 0; i < 12; i++ {
		id := decode[slot](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/slots", auth: ownerToken,
			body: fmt.Sprintf(`{"name":"Unit %d","width":970,"height":250,"reserve":{"amount":100,"currency":"EUR"}}`, i)}), 201)).ID
		expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + id, auth: ownerToken, body: `{"campaigns":{"accept":true,"floorCpm":{"amount":100,"currency":"EUR"}}}`}), 200)
		slots = append(slots, id)
	}
	aTok, aID := eurAdvertiser(t, 10_000)
	body := strings.NewReplacer(`"width":300,"height":250`, `"width":970,"height":250`, `"end":`, `"pacing":"asap","end":`).
		Replace(campaignBody(5_000, now(t).Add(48*time.Hour).Truncate(time.Second)))
	c := decode[campaignView](t, expect(t, do(t, call{method: "POST", path: "/v1/advertisers/" + aID + "/campaigns", auth: aTok, body: body, headers: freshKey()}), 201))
	advance(t, 10*time.Second) // serving reads campaigns every 10 s
	one := func(i int) map[string]string {
		return map[string]string{"User-Agent": agentOf(i), "CloudFront-Viewer-Address": fmt.Sprintf("203.0.113.77:%d", 40000+i)}
	}
	for round := 0; round < 2; round++ {
		var urls []string
		for _, s := range slots {
			o := decode[ad](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + s}), 200))
			if o.Kind != "campaign" {
				t.Fatalf("slot %s: %+v", s, o)
			}
			urls = append(urls, o.ViewURL)
		}
		atOnce(t, urls, one)
		advance(t, 2*time.Second)
	}
	advance(t, 61*time.Second) // the meter's minute
	got := decode[campaignView](t, expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + c.ID, auth: aTok}), 200))
	rep := decode[campaignReport](t, expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + c.ID + "/report", auth: aTok}), 200))
	if got.Impressions != 2*4 || rep.Totals.Invalid["too_fast"] != 2*8 {
		t.Fatalf("billed %d impressions (want 8: four a page, twice), refused %v", got.Impressions, rep.Totals.Invalid)
	}
}
