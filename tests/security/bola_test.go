package security

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// marketplace are routes whose id names a public object that anyone of
// the right kind may act on: bidding on an auction, booking an offering,
// applying to a program. The caller acts for itself there, not on the
// object's owner's behalf, so another principal's 2xx is no leak.
var marketplace = map[string]bool{
	"PUT /v1/auctions/{auctionId}/bid":             true,
	"GET /v1/auctions/{auctionId}/bid":             true,
	"DELETE /v1/auctions/{auctionId}/bid":          true,
	"POST /v1/offerings/{offeringId}/sponsorships": true,
	"POST /v1/programs/{programId}/deals":          true,
}

// The BOLA matrix: every non-public route that takes an id of the owner's
// objects, called by every other kind of principal (another person,
// another advertiser's key, another community's key, no credentials),
// with a body that would be valid, is refused (401, 403 or 404, or a 4xx
// about the body), never answers 2xx, and never shows the object.
func TestBOLA_NoOtherPrincipalReachesAnotherOwnersObjects(t *testing.T) {
	wd := theWorld(t)
	ops, doc := operations(t)
	others := map[string]string{"another person": wd.otherToken, "another advertiser's key": wd.otherAdvKey, "another community's key": wd.otherComKey, "no credentials": ""}
	checked := 0
	for _, op := range ops {
		if !strings.Contains(op.path, "{") || len(op.auth) == 1 && op.auth[0] == "public" || marketplace[op.method+" "+op.path] {
			continue
		}
		var body []byte
		if op.schema != nil {
			body, _ = json.Marshal(sample(doc, op.schema, 0))
		} else if op.method != "GET" && op.method != "DELETE" {
			body = []byte(`{}`)
		}
		path := wd.fill(op.path)
		for who, cred := range others {
			r := send(t, op.method, path, cred, body, map[string][]string{"Idempotency-Key": {fmt.Sprintf("bola-%s-%s-%s", who, op.method, op.path)}})
			checked++
			switch {
			case r.status < 400:
				t.Errorf("%s %s by %s: %d %.200s", op.method, op.path, who, r.status, r.body)
			case r.status >= 500:
				t.Errorf("%s %s by %s: %d", op.method, op.path, who, r.status)
			case !isProblem(r):
				t.Errorf("%s %s by %s: %d is not a problem", op.method, op.path, who, r.status)
			}
			for _, secret := range []string{wd.comKey, wd.advKey, "acct_1SecurityOwner", "usr_sec_owner", "usr_sec_influencer"} {
				if strings.Contains(string(r.body), secret) {
					t.Errorf("%s %s by %s shows %q", op.method, op.path, who, secret)
				}
			}
			if cred == "" && r.status != http.StatusUnauthorized {
				t.Errorf("%s %s without credentials: %d, want 401", op.method, op.path, r.status)
			}
		}
	}
	if checked < 200 {
		t.Fatalf("only %d calls checked", checked)
	}
	t.Logf("%d calls of other principals on %d owned objects' routes refused", checked, checked/len(others))
}

// API-key scope: an advertiser's key cannot act for a community, a
// community's key cannot act for an advertiser, and neither acts for a
// person.
func TestKeyScope_AKeyActsOnlyForItsAccount(t *testing.T) {
	wd := theWorld(t)
	com, adv := wd.ids["communityId"], wd.ids["advertiserId"]
	for _, c := range []struct {
		name, method, path, key, body string
		want                          []int
	}{
		{"an advertiser's key reports a conversion", "POST", "/v1/conversions", wd.advKey, fmt.Sprintf(`{"code":%q,"externalId":"scope-1","amount":100,"currency":"USD","customerId":"c"}`, wd.ids["code"]), []int{403}},
		{"an advertiser's key reads a community's balance", "GET", "/v1/communities/" + com + "/balance", wd.advKey, "", []int{403, 404}},
		{"an advertiser's key reverses a conversion", "POST", "/v1/conversions/" + wd.ids["conversionId"] + "/reverse", wd.advKey, `{}`, []int{403, 404}},
		{"a community's key bids", "PUT", "/v1/auctions/" + wd.ids["auctionId"] + "/bid", wd.comKey, `{"amount":500,"currency":"USD","creative":{"imageUrl":"https://cdn.example/a.png","clickUrl":"https://shop.example/","altText":"A"}}`, []int{403}},
		{"a community's key books", "POST", "/v1/offerings/" + wd.ids["offeringId"] + "/sponsorships", wd.comKey, `{"desiredDate":"2030-01-01","content":{"title":"T","body":"B","link":"https://x.example"}}`, []int{403}},
		{"a community's key reads an advertiser's balance", "GET", "/v1/advertisers/" + adv + "/balance", wd.comKey, "", []int{403, 404}},
		{"a community's key approves a sponsorship", "POST", "/v1/sponsorships/" + wd.ids["sponsorshipId"] + "/approve", wd.comKey, `{}`, []int{403}},
		{"a key claims a payout", "POST", "/v1/communities/" + com + "/payouts", wd.comKey, `{"amount":1000,"currency":"USD"}`, []int{403}},
		{"a key registers a webhook", "POST", "/v1/webhooks", wd.advKey, `{"url":"https://example.com/x","events":["*"]}`, []int{403}},
		{"a key creates API keys", "POST", "/v1/communities/" + com + "/api-keys", wd.comKey, `{"name":"more"}`, []int{403}},
	} {
		var body []byte
		if c.body != "" {
			body = []byte(c.body)
		}
		r := send(t, c.method, c.path, c.key, body, map[string][]string{"Idempotency-Key": {"scope-" + c.name}})
		ok := false
		for _, w := range c.want {
			ok = ok || r.status == w
		}
		if !ok || !isProblem(r) {
			t.Errorf("%s: %d %.200s, want %v", c.name, r.status, r.body, c.want)
		}
	}
}
