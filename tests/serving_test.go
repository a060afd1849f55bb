package tests

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A community's page allowlist: only its owner sets it, it is checked for
// what it holds, and views from pages elsewhere (or naming no page) are
// refused as off_domain while its own pages count.
func TestServing_PageAllowlist(t *testing.T) {
	ownerToken, com, slotID := newSlot(t)
	t0 := now(t).Truncate(time.Second)
	a := decode[auctionView](t, expect(t, do(t, call{method: "POST", path: "/v1/slots/" + slotID + "/auctions", auth: ownerToken,
		body: fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q,"closesAt":%q}`, t0.Add(2*time.Hour).Format(time.RFC3339), t0.Add(26*time.Hour).Format(time.RFC3339), t0.Add(time.Hour).Format(time.RFC3339))}), 201))
	aTok, aID := eurAdvertiser(t, 10_000)
	expect(t, do(t, call{method: "PUT", path: "/v1/auctions/" + a.ID + "/bid", auth: aTok, body: bidBody(aID, 600)}), 200)

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
