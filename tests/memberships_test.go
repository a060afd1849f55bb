package tests

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// tierView is a tier as the API answers it.
type tierView struct {
	ID, CommunityID, Name, Description, Status string
	Benefits                                   []string
	Prices                                     []struct {
		Interval string
		Amount   struct {
			Amount   int64
			Currency string
		}
	}
	TrialDays int
}

const supporterTier = `{"name":"Supporter","description":"No ads, and the deep dive.","benefits":["ad_free","deep_dive"],
  "prices":[{"interval":"year","amount":{"amount":5000,"currency":"EUR"}},{"interval":"month","amount":{"amount":500,"currency":"EUR"}}],"trialDays":14}`

// Tiers (DESIGN §17): an owner creates one (monthly first, whatever the
// order sent), anyone lists and reads it, the owner changes its words and
// benefits but never its prices or trial, and archives it (once: again
// answers it as it is): the list of tiers on sale no longer has it, the
// list of archived ones does. Every refusal names its field and changes nothing; strangers get
// 404; TierCreated and TierChanged are written once per change.
func TestMemberships_Tiers(t *testing.T) {
	ownerToken, com := newCommunityForSlots(t)
	_, stranger := newUser(t)
	base := "/v1/communities/" + com + "/tiers"

	for _, tc := range []struct {
		name, body, field string
	}{
		{"no name", strings.Replace(supporterTier, `"Supporter"`, `"  "`, 1), "name"},
		{"another currency", strings.Replace(supporterTier, `"amount":500,"currency":"EUR"`, `"amount":500,"currency":"USD"`, 1), "prices[1].amount.currency"},
		{"too cheap", strings.Replace(supporterTier, `"amount":500,`, `"amount":99,`, 1), "prices[1].amount.amount"},
		{"twice a month", strings.Replace(supporterTier, `"interval":"year"`, `"interval":"month"`, 1), "prices[1].interval"},
		{"a weekly price", strings.Replace(supporterTier, `"interval":"year"`, `"interval":"week"`, 1), "prices[0].interval"},
		{"no price", `{"name":"Free","prices":[]}`, "prices"},
		{"a long trial", strings.Replace(supporterTier, `"trialDays":14`, `"trialDays":91`, 1), "trialDays"},
		{"a benefit in capitals", strings.Replace(supporterTier, `"deep_dive"`, `"Deep Dive"`, 1), "benefits[1]"},
		{"a benefit twice", strings.Replace(supporterTier, `"deep_dive"`, `"ad_free"`, 1), "benefits[1]"},
	} {
		r := expect(t, do(t, call{method: "POST", path: base, auth: ownerToken, body: tc.body}), 400)
		if !hasFieldError(r, tc.field) {
			t.Errorf("%s: no error on %s: %s", tc.name, tc.field, r.body)
		}
	}
	expect(t, do(t, call{method: "POST", path: base, auth: stranger, body: supporterTier}), 404)
	expect(t, do(t, call{method: "POST", path: "/v1/communities/com_nope/tiers", auth: ownerToken, body: supporterTier}), 404)
	if l := decode[struct{ Data []tierView }](t, expect(t, do(t, call{method: "GET", path: base}), 200)); len(l.Data) != 0 {
		t.Fatalf("refused tiers were made: %+v", l.Data)
	}

	tier := decode[tierView](t, expect(t, do(t, call{method: "POST", path: base, auth: ownerToken, body: supporterTier, headers: freshKey()}), 201))
	if !strings.HasPrefix(tier.ID, "tier_") || tier.CommunityID != com || tier.Status != "active" || tier.TrialDays != 14 || len(tier.Prices) != 2 ||
		tier.Prices[0].Interval != "month" || tier.Prices[0].Amount.Amount != 500 || tier.Prices[1].Interval != "year" || tier.Prices[1].Amount.Amount != 5000 ||
		strings.Join(tier.Benefits, ",") != "ad_free,deep_dive" {
		t.Fatalf("created: %+v", tier)
	}
	pub := decode[struct{ Data []tierView }](t, expect(t, do(t, call{method: "GET", path: base}), 200))
	if len(pub.Data) != 1 || pub.Data[0].ID != tier.ID {
		t.Fatalf("the public list: %+v", pub.Data)
	}
	if got := decode[tierView](t, expect(t, do(t, call{method: "GET", path: "/v1/tiers/" + tier.ID}), 200)); got.Name != "Supporter" {
		t.Fatalf("read: %+v", got)
	}
	expect(t, do(t, call{method: "GET", path: "/v1/tiers/tier_nope"}), 404)
	expect(t, do(t, call{method: "GET", path: "/v1/tiers/cmp_nope"}), 404)

	// Words and benefits change; prices and the trial never do.
	path := "/v1/tiers/" + tier.ID
	for field, body := range map[string]string{
		"prices":    `{"prices":[{"interval":"month","amount":{"amount":100,"currency":"EUR"}}]}`,
		"trialDays": `{"trialDays":0}`,
		"name":      `{"name":""}`,
	} {
		if r := expect(t, do(t, call{method: "PATCH", path: path, auth: ownerToken, body: body}), 400); !hasFieldError(r, field) {
			t.Errorf("a patch of %s: %s", field, r.body)
		}
	}
	expect(t, do(t, call{method: "PATCH", path: path, auth: stranger, body: `{"name":"Mine"}`}), 404)
	got := decode[tierView](t, expect(t, do(t, call{method: "PATCH", path: path, auth: ownerToken, body: `{"name":"Supporter+","benefits":["ad_free"]}`}), 200))
	if got.Name != "Supporter+" || strings.Join(got.Benefits, ",") != "ad_free" || got.Description != "No ads, and the deep dive." || got.Prices[0].Amount.Amount != 500 {
		t.Fatalf("patched: %+v", got)
	}
	// The same change again changes nothing (no event).
	expect(t, do(t, call{method: "PATCH", path: path, auth: ownerToken, body: `{"name":"Supporter+"}`}), 200)

	// Archived: off the public list, on its owner's; archiving again
	// answers it as it is.
	expect(t, do(t, call{method: "POST", path: path + "/archive", auth: stranger}), 404)
	if a := decode[tierView](t, expect(t, do(t, call{method: "POST", path: path + "/archive", auth: ownerToken}), 200)); a.Status != "archived" {
		t.Fatalf("archived: %+v", a)
	}
	expect(t, do(t, call{method: "POST", path: path + "/archive", auth: ownerToken}), 200)
	if l := decode[struct{ Data []tierView }](t, expect(t, do(t, call{method: "GET", path: base}), 200)); len(l.Data) != 0 {
		t.Fatalf("an archived tier is on sale: %+v", l.Data)
	}
	if l := decode[struct{ Data []tierView }](t, expect(t, do(t, call{method: "GET", path: base + "?status=archived"}), 200)); len(l.Data) != 1 || l.Data[0].Status != "archived" {
		t.Fatalf("the archived tiers: %+v", l.Data)
	}
	if r := expect(t, do(t, call{method: "GET", path: base + "?status=gone"}), 400); !hasFieldError(r, "status") {
		t.Fatalf("a status of none: %s", r.body)
	}
	if n := countEventsFor(t, "TierCreated", "tierId", tier.ID); n != 1 {
		t.Errorf("TierCreated %d times", n)
	}
	if n := countEventsFor(t, "TierChanged", "tierId", tier.ID); n != 2 { // the patch and the archive
		t.Errorf("TierChanged %d times, want 2", n)
	}
}

// Twenty tiers on sale at once, however many are asked for together: the
// rest are 409 and make nothing; an archived one frees its place.
func TestMemberships_AtMostTwentyTiersOnSale(t *testing.T) {
	ownerToken, com := newCommunityForSlots(t)
	base := "/v1/communities/" + com + "/tiers"
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := 0; i < 19; i++ {
		expect(t, do(t, call{method: "POST", path: base, auth: ownerToken, body: strings.Replace(supporterTier, `"Supporter"`, fmt.Sprintf(`"Tier %d"`, i), 1)}), 201)
	}
	for i := 0; i < 4; i++ { // the 20th, asked for four times at once
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := do(t, call{method: "POST", path: base, auth: ownerToken, body: supporterTier})
			mu.Lock()
			codes[r.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[201] != 1 || codes[409] != 3 {
		t.Fatalf("the 20th tier four times at once: %v, want one 201 and three 409", codes)
	}
	l := decode[struct{ Data []tierView }](t, expect(t, do(t, call{method: "GET", path: base}), 200))
	if len(l.Data) != 20 {
		t.Fatalf("%d tiers on sale", len(l.Data))
	}
	expect(t, do(t, call{method: "POST", path: "/v1/tiers/" + l.Data[0].ID + "/archive", auth: ownerToken}), 200)
	expect(t, do(t, call{method: "POST", path: base, auth: ownerToken, body: supporterTier}), 201)
}

// The pass's public keys are published (JWKS: EC P-256 for ES256, each
// with its kid, cached an hour), and a request with a pass that is none
// (forged, garbage) is served its ad as any other.
func TestMemberships_PassKeysArePublished(t *testing.T) {
	r := expect(t, do(t, call{method: "GET", path: "/.well-known/jwks.json"}), 200)
	set := decode[struct {
		Keys []struct{ Kty, Crv, X, Y, Kid, Use, Alg string }
	}](t, r)
	if len(set.Keys) == 0 || set.Keys[0].Kty != "EC" || set.Keys[0].Crv != "P-256" || set.Keys[0].Alg != "ES256" || set.Keys[0].Use != "sig" ||
		set.Keys[0].Kid == "" || len(set.Keys[0].X) != 43 || len(set.Keys[0].Y) != 43 || r.header.Get("Cache-Control") != "public, max-age=3600" {
		t.Fatalf("JWKS: %s %v", r.body, r.header)
	}
	ownerToken, com := newCommunityForSlots(t)
	slotID := decode[slot](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/slots", auth: ownerToken,
		body: `{"name":"Box","width":300,"height":600,"reserve":{"amount":100,"currency":"EUR"}}`}), 201)).ID
	expect(t, do(t, call{method: "PUT", path: "/v1/slots/" + slotID + "/house-ad", auth: ownerToken,
		body: `{"imageUrl":"https://cdn.example/house.png","clickUrl":"https://gophers.example/join","altText":"Join"}`}), 200)
	advance(t, 2*time.Second)
	forged := "eyJhbGciOiJFUzI1NiIsImtpZCI6IngifQ.eyJhdWQiOlsiY29tIl19.c2ln"
	if o := decode[ad](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID, headers: map[string]string{"Souq-Pass": forged}}), 200)); o.Kind != "house" {
		t.Fatalf("a forged pass: %+v", o)
	}
}
