package tests

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// bookedFlight opens an auction of the slot for a flight from two hours
// from now to a day after, closing in one, and bids on it with a new
// advertiser, whose token it returns.
func bookedFlight(t *testing.T, ownerToken, slotID string) (advertiserToken string) {
	t.Helper()
	t0 := now(t).Truncate(time.Second)
	a := decode[auctionView](t, expect(t, do(t, call{method: "POST", path: "/v1/slots/" + slotID + "/auctions", auth: ownerToken,
		body: fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q,"closesAt":%q}`, t0.Add(2*time.Hour).Format(time.RFC3339), t0.Add(26*time.Hour).Format(time.RFC3339), t0.Add(time.Hour).Format(time.RFC3339))}), 201))
	aTok, aID := eurAdvertiser(t, 10_000)
	expect(t, do(t, call{method: "PUT", path: "/v1/auctions/" + a.ID + "/bid", auth: aTok, body: bidBody(aID, 600)}), 200)
	return aTok
}

// A community's page allowlist: only its owner sets it, it is checked for
// what it holds, and views from pages elsewhere (or naming no page) are
// refused as off_domain while its own pages count.
func TestServing_PageAllowlist(t *testing.T) {
	ownerToken, com, slotID := newSlot(t)
	aTok := bookedFlight(t, ownerToken, slotID)

	path := "/v1/communities/" + com
	for name, body := range map[string]string{
		"a URL":      `{"allowedDomains":["https://gophers.example"]}`,
		"a path":     `{"allowedDomains":["gophers.example/blog"]}`,
		"one label":  `{"allowedDomains":["localhost"]}`,
		"an address": `{"allowedDomains":["203.0.113.7"]}`,
		"a space":    `{"allowedDomains":["gophers .example"]}`,
		"twenty-one": `{"allowedDomains":[` + strings.TrimSuffix(strings.Repeat(`"a.example",`, 21), ",") + `]}`,
		"nothing":    `{}`,
		"not a list": `{"allowedDomains":"gophers.example"}`,
	} {
		r := expect(t, do(t, call{method: "PATCH", path: path, auth: ownerToken, body: body}), 400)
		if name != "not a list" && !hasFieldError(r, "allowedDomains") {
			t.Errorf("%s: %s", name, r.body)
		}
	}
	_, stranger := newUser(t)
	expect(t, do(t, call{method: "PATCH", path: path, auth: stranger, body: `{"allowedDomains":["evil.example"]}`}), 404)
	got := decode[struct{ AllowedDomains []string }](t, expect(t, do(t, call{method: "GET", path: path, auth: ownerToken}), 200))
	if len(got.AllowedDomains) != 0 {
		t.Fatalf("refused changes changed it: %v", got.AllowedDomains)
	}
	set := decode[struct{ AllowedDomains []string }](t, expect(t, do(t, call{method: "PATCH", path: path, auth: ownerToken,
		body: `{"allowedDomains":["Gophers.Example","gophers.example","news.example.org"]}`}), 200))
	if strings.Join(set.AllowedDomains, ",") != "gophers.example,news.example.org" {
		t.Fatalf("allowlist %v, want lower case without duplicates", set.AllowedDomains)
	}
	if n := countEventsFor(t, "CommunityUpdated", "communityId", com); n != 1 {
		t.Fatalf("%d CommunityUpdated, want 1", n)
	}

	advance(t, time.Hour)
	advance(t, time.Hour+time.Minute) // into the flight; the serve cache has expired
	served := decode[ad](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID}), 200))
	view := strings.TrimPrefix(served.ViewURL, base)
	for i, page := range []map[string]string{
		{"Origin": "https://evil.example"},
		{"Referer": "https://gophers.example.evil/post"},
		{}, // a page that names none
		{"Origin": "https://www.gophers.example"},
	} {
		page["User-Agent"] = browserUA(100 + i)
		expect(t, do(t, call{method: "GET", path: view, headers: page}), 204)
		advance(t, 2*time.Second)
	}
	advance(t, 0)
	st := decode[flightStats](t, expect(t, do(t, call{method: "GET", path: "/v1/flights/" + served.FlightID + "/stats", auth: aTok}), 200))
	if st.Impressions != 1 || st.Invalid["off_domain"] != 3 {
		t.Fatalf("stats %+v: want 1 impression from the community's page and 3 off_domain", st)
	}
}

// Behind CloudFront every view arrives from CloudFront's addresses: the
// pace rule keys on the viewer's address as CloudFront names it
// (CloudFront-Viewer-Address), so two people with the same browser on one
// edge both count within a second, and one person twice does not.
func TestServing_PaceKeysOnTheViewerCloudFrontNames(t *testing.T) {
	ownerToken, _, slotID := newSlot(t)
	aTok := bookedFlight(t, ownerToken, slotID)
	advance(t, time.Hour)
	advance(t, time.Hour+time.Minute) // into the flight
	var flight string
	for _, viewer := range []string{"198.51.100.7:40001", "198.51.100.8:40002", "198.51.100.7:40003", "2001:db8::7:40004"} {
		served := decode[ad](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID}), 200))
		flight = served.FlightID
		expect(t, do(t, call{method: "POST", path: strings.TrimPrefix(served.ViewURL, base),
			headers: map[string]string{"User-Agent": browserUA(7), "CloudFront-Viewer-Address": viewer}}), 204)
	}
	advance(t, 0)
	st := decode[flightStats](t, expect(t, do(t, call{method: "GET", path: "/v1/flights/" + flight + "/stats", auth: aTok}), 200))
	if st.Served != 4 || st.Impressions != 3 || st.Invalid["too_fast"] != 1 || len(st.Invalid) != 1 {
		t.Fatalf("stats %+v: want 3 people's impressions and the first viewer's second view too fast", st)
	}
}
