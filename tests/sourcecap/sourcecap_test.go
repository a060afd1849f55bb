// Package sourcecap holds the daily cap of one address's views and
// clicks on a slot, black-box: a platform of its own whose serve function
// reads small caps from the environment, as it does in AWS
// (SOUQ_MAX_VIEWS_PER_SOURCE_DAY, SOUQ_MAX_CLICKS_PER_SOURCE_DAY).
package sourcecap

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/souqhq/souq/infra/local"
	"github.com/souqhq/souq/shared/topology"
	"github.com/souqhq/souq/tests/harness"
)

// The caps of this suite's platform.
const maxViews, maxClicks = 3, 2

var plat *local.Platform

func TestMain(m *testing.M) {
	env := map[string]string{topology.EnvMaxViewsPerSourceDay: fmt.Sprint(maxViews), topology.EnvMaxClicksPerSourceDay: fmt.Sprint(maxClicks)}
	harness.Main(m, harness.Options{Name: "cap", Contract: true, Platform: local.Options{Env: func(k string) string { return env[k] }},
		Ready: func(p *local.Platform) { plat = p }})
}

func call(t *testing.T, method, path, auth, body string, want int) map[string]any {
	t.Helper()
	return harness.Call(t, method, path, auth, body, want)
}

func advance(t *testing.T, d time.Duration) {
	t.Helper()
	if _, err := plat.Advance(context.Background(), d); err != nil {
		t.Fatal(err)
	}
}

// flight books a flight on a new slot from two hours from now for three
// days, and moves the clock into it: the slot, and the advertiser's token.
func flight(t *testing.T) (slotID, advToken string) {
	t.Helper()
	tok := func(user string) string {
		return call(t, "POST", "/local/tokens", "", fmt.Sprintf(`{"userId":%q}`, user), 200)["token"].(string)
	}
	owner, advToken := tok("usr_cap_owner"), tok("usr_cap_advertiser")
	com := call(t, "POST", "/v1/communities", owner, `{"name":"Capped","url":"https://capped.example","currency":"USD"}`, 201)["id"].(string)
	adv := call(t, "POST", "/v1/advertisers", advToken, `{"name":"Capped Ads","currency":"USD"}`, 201)["id"].(string)
	harness.SaveCard(t, advToken, "/v1/advertisers/"+adv, harness.CardVisa)
	call(t, "POST", "/v1/advertisers/"+adv+"/deposits", advToken, `{"amount":10000,"currency":"USD"}`, 201)
	if err := plat.Settle(context.Background()); err != nil { // every context has heard of both
		t.Fatal(err)
	}
	slotID = call(t, "POST", "/v1/communities/"+com+"/slots", owner, `{"name":"Side","width":300,"height":250,"reserve":{"amount":100,"currency":"USD"}}`, 201)["id"].(string)
	now := plat.Clock.Now().Truncate(time.Second)
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	auc := call(t, "POST", "/v1/slots/"+slotID+"/auctions", owner, fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q,"closesAt":%q}`, at(2*time.Hour), at(74*time.Hour), at(time.Hour)), 201)["id"].(string)
	call(t, "PUT", "/v1/auctions/"+auc+"/bid", advToken, `{"advertiserId":"`+adv+`","amount":500,"currency":"USD","creative":{"imageUrl":"https://cdn.example/a.png","clickUrl":"https://shop.example/","altText":"A"}}`, 200)
	advance(t, time.Hour)
	advance(t, time.Hour+time.Minute) // into the flight
	return slotID, advToken
}

// send decides an offer and views it (or clicks it) as a browser from
// addr, then lets a pace interval pass.
func send(t *testing.T, slotID, kind, addr string) (flightID string) {
	t.Helper()
	o := call(t, "GET", "/v1/serve/"+slotID, "", "", 200)
	method, url, want := "POST", o["viewUrl"].(string), 204
	if kind == "click" {
		method, url, want = "GET", o["clickUrl"].(string), 302
	}
	r := harness.Send(t, method, strings.TrimPrefix(url, plat.BaseURL), "", nil, map[string][]string{
		"User-Agent": {harness.BrowserAgent}, harness.ViewerAddressHeader: {addr}})
	if r.Status != want {
		t.Fatalf("%s %s: %d, want %d", method, url, r.Status, want)
	}
	advance(t, 2*time.Second)
	return o["flightId"].(string)
}

type stats struct {
	Impressions, Clicks int64
	Invalid             map[string]int64
}

func statsOf(t *testing.T, flightID, tok string) stats {
	t.Helper()
	advance(t, 0) // settle: counts written
	r := harness.Send(t, "GET", "/v1/flights/"+flightID+"/stats", tok, nil, nil)
	var st stats
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &st) != nil {
		t.Fatalf("stats: %d %s", r.Status, r.Body)
	}
	return st
}

// One address's views and clicks on a slot, each at a person's pace, are
// counted up to the day's caps and refused as source_cap past them;
// another address is not held by them, and the next UTC day starts
// again.
func TestSourceCap_AnAddressPastItsDaysCapIsRefused(t *testing.T) {
	slotID, tok := flight(t)
	const one, other = "203.0.113.70:443", "203.0.113.71:443"
	var flightID string
	for range maxViews + 2 {
		flightID = send(t, slotID, "view", one)
	}
	for range maxClicks + 2 {
		send(t, slotID, "click", one)
	}
	send(t, slotID, "view", other)
	st := statsOf(t, flightID, tok)
	if st.Impressions != maxViews+1 || st.Clicks != maxClicks || st.Invalid["source_cap"] != 4 || len(st.Invalid) != 1 {
		t.Fatalf("stats %+v: want %d impressions, %d clicks and 4 source_cap", st, maxViews+1, maxClicks)
	}
	// The next UTC day (the flight runs three days).
	now := plat.Clock.Now().UTC()
	advance(t, now.Truncate(24*time.Hour).Add(24*time.Hour+time.Minute).Sub(now))
	send(t, slotID, "view", one)
	if st := statsOf(t, flightID, tok); st.Impressions != maxViews+2 || st.Invalid["source_cap"] != 4 {
		t.Fatalf("the next day: %+v, want the address's view counted", st)
	}
}
