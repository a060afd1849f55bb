// Package security holds Souq's hostile-input suite: an OpenAPI-driven
// negative fuzzer against every route, a BOLA matrix of every route that
// takes an id against every other kind of principal, and API-key scope.
// It starts its own local platform and speaks HTTP to it on loopback.
package security

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/souqhq/souq/infra/local"
	"github.com/souqhq/souq/tests/harness"
)

var plat *local.Platform

func TestMain(m *testing.M) {
	harness.Main(m, harness.Options{Name: "sec", Contract: true, Ready: func(p *local.Platform) { plat = p }})
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func send(t *testing.T, method, path, auth string, body []byte, headers map[string][]string) reply {
	t.Helper()
	r := harness.Send(t, method, path, auth, body, headers)
	return reply{status: r.Status, header: r.Header, body: r.Body}
}

func call(t *testing.T, method, path, auth, body string, want int) map[string]any {
	t.Helper()
	return harness.Call(t, method, path, auth, body, want)
}

func settle(t *testing.T) {
	t.Helper()
	if err := plat.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// world is one owner's objects, of every kind a path names, and the
// principals of several other parties.
type world struct {
	ids map[string]string // path parameter → a real id of the owner's
	// owner: a person owning a community (and its key) and an advertiser
	// (and its key), an influencer with a deal in the community's program.
	ownerToken, comKey, advKey, infToken string
	// others: another person, another advertiser's key, another
	// community's key.
	otherToken, otherAdvKey, otherComKey string
}

var (
	once sync.Once
	w    world
)

func theWorld(t *testing.T) world {
	t.Helper()
	once.Do(func() { w = build(t) })
	if w.ids == nil {
		t.Fatal("the world could not be built")
	}
	return w
}

func token(t *testing.T, user string) string {
	return call(t, "POST", "/local/tokens", "", fmt.Sprintf(`{"userId":%q}`, user), 200)["token"].(string)
}

func build(t *testing.T) world {
	ids := map[string]string{}
	wd := world{ids: ids}
	wd.ownerToken, wd.infToken, wd.otherToken = token(t, "usr_sec_owner"), token(t, "usr_sec_influencer"), token(t, "usr_sec_other")
	com := call(t, "POST", "/v1/communities", wd.ownerToken, `{"name":"Owned","url":"https://owned.example","currency":"USD"}`, 201)["id"].(string)
	ids["communityId"] = com
	wd.comKey = call(t, "POST", "/v1/communities/"+com+"/api-keys", wd.ownerToken, `{"name":"k"}`, 201)["secret"].(string)
	// The advertiser is another person's, so that it may bid and book.
	advOwner := token(t, "usr_sec_advertiser")
	adv := call(t, "POST", "/v1/advertisers", advOwner, `{"name":"Owned Ads","currency":"USD"}`, 201)["id"].(string)
	ids["advertiserId"] = adv
	wd.advKey = call(t, "POST", "/v1/advertisers/"+adv+"/api-keys", advOwner, `{"name":"k"}`, 201)["secret"].(string)
	ids["keyId"] = call(t, "POST", "/v1/communities/"+com+"/api-keys", wd.ownerToken, `{"name":"k2"}`, 201)["id"].(string)
	harness.SaveCard(t, advOwner, "/v1/advertisers/"+adv, harness.CardVisa)
	harness.SaveCard(t, wd.ownerToken, "/v1/communities/"+com, harness.CardVisa)
	call(t, "POST", "/v1/advertisers/"+adv+"/deposits", advOwner, `{"amount":100000,"currency":"USD"}`, 201)
	call(t, "POST", "/v1/communities/"+com+"/deposits", wd.ownerToken, `{"amount":100000,"currency":"USD"}`, 201)
	otherCom := call(t, "POST", "/v1/communities", wd.otherToken, `{"name":"Other","url":"https://other.example","currency":"USD"}`, 201)["id"].(string)
	wd.otherComKey = call(t, "POST", "/v1/communities/"+otherCom+"/api-keys", wd.otherToken, `{"name":"k"}`, 201)["secret"].(string)
	otherAdv := call(t, "POST", "/v1/advertisers", wd.otherToken, `{"name":"Other Ads","currency":"USD"}`, 201)["id"].(string)
	wd.otherAdvKey = call(t, "POST", "/v1/advertisers/"+otherAdv+"/api-keys", wd.otherToken, `{"name":"k"}`, 201)["secret"].(string)
	settle(t)

	slot := call(t, "POST", "/v1/communities/"+com+"/slots", wd.ownerToken, `{"name":"Side","width":300,"height":250,"reserve":{"amount":100,"currency":"USD"}}`, 201)["id"].(string)
	ids["slotId"] = slot
	now := plat.Clock.Now().Truncate(time.Second)
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	ids["auctionId"] = call(t, "POST", "/v1/slots/"+slot+"/auctions", wd.ownerToken, fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q,"closesAt":%q}`, at(48*time.Hour), at(72*time.Hour), at(24*time.Hour)), 201)["id"].(string)
	call(t, "PUT", "/v1/auctions/"+ids["auctionId"]+"/bid", wd.advKey, `{"amount":500,"currency":"USD","creative":{"imageUrl":"https://cdn.example/a.png","clickUrl":"https://shop.example/","altText":"A"}}`, 200)
	ids["campaignId"] = call(t, "POST", "/v1/advertisers/"+adv+"/campaigns", wd.advKey, fmt.Sprintf(`{"name":"C","currency":"USD","pricing":{"model":"cpc","bid":{"amount":50,"currency":"USD"}},
	  "budget":{"amount":5000,"currency":"USD"},"end":%q,"creative":{"imageUrl":"https://cdn.example/c.png","clickUrl":"https://shop.example/","altText":"C","width":300,"height":250}}`, at(96*time.Hour)), 201)["id"].(string)
	off := call(t, "POST", "/v1/communities/"+com+"/offerings", wd.ownerToken, `{"title":"Post","format":"pinned_post","amount":1000,"currency":"USD","reviewDays":5}`, 201)["id"].(string)
	ids["offeringId"] = off
	day := now.Add(10 * 24 * time.Hour).Format("2006-01-02")
	ids["sponsorshipId"] = call(t, "POST", "/v1/offerings/"+off+"/sponsorships", wd.advKey, fmt.Sprintf(`{"desiredDate":%q,"content":{"title":"T","body":"B","link":"https://shop.example/"}}`, day), 201)["id"].(string)
	prg := call(t, "POST", "/v1/communities/"+com+"/programs", wd.ownerToken, `{"name":"P","currency":"USD","commission":{"type":"percent","bps":1000},"attributionDays":30,"holdDays":7,"minimumPayout":{"amount":100,"currency":"USD"},"budget":{"amount":10000,"currency":"USD"}}`, 201)["id"].(string)
	ids["programId"] = prg
	ids["tierId"] = call(t, "POST", "/v1/communities/"+com+"/tiers", wd.ownerToken, `{"name":"Member","benefits":["ad_free"],"prices":[{"interval":"month","amount":{"amount":500,"currency":"USD"}}]}`, 201)["id"].(string)
	deal := call(t, "POST", "/v1/programs/"+prg+"/deals", wd.infToken, `{}`, 201)["id"].(string)
	ids["dealId"] = deal
	code := call(t, "POST", "/v1/deals/"+deal+"/approve", wd.ownerToken, `{}`, 200)["code"].(string)
	ids["code"] = code
	ids["conversionId"] = call(t, "POST", "/v1/conversions", wd.comKey, fmt.Sprintf(`{"code":%q,"externalId":"o-1","amount":5000,"currency":"USD","customerId":"c-1"}`, code), 201)["id"].(string)
	ids["webhookId"] = call(t, "POST", "/v1/webhooks", wd.ownerToken, `{"url":"http://127.0.0.1:9/hook","events":["AuctionOpened"]}`, 201)["id"].(string)
	harness.OnboardPayouts(t, wd.ownerToken)
	// The community's balance is its card deposit, which is never paid
	// out while a card network may take it back (DESIGN §15): 121 days on,
	// it may be.
	call(t, "POST", "/local/clock/advance", "", `{"seconds":10454400}`, 200)
	ids["payoutId"] = call(t, "POST", "/v1/communities/"+com+"/payouts", wd.ownerToken, `{"amount":1000,"currency":"USD"}`, 202)["id"].(string)
	settle(t)
	ids["flightId"] = "flt_" + strings.TrimPrefix(ids["auctionId"], "auc_")
	ids["deliveryId"] = "msg_aaaaaaaaaaaaaaaaaaaaaaaaaa"
	ids["token"] = "MXxmbHRfMDFtOHI2eG16cHNuOGNtcTZxeWp4eTgwNTR8dHBldXB2.P6hIe_N_xgusYXRRj0GLtpNT"
	return wd
}

// ---- the OpenAPI document ----

type operation struct {
	method, path string
	auth         []string
	schema       map[string]any // the request body's, resolved; nil if none
}

func operations(t *testing.T) ([]operation, map[string]any) {
	t.Helper()
	raw, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var ops []operation
	for path, v := range doc["paths"].(map[string]any) {
		for method, o := range v.(map[string]any) {
			om := o.(map[string]any)
			if local, _ := om["x-souq-local-only"].(bool); local || strings.HasPrefix(path, "/local/") {
				continue
			}
			op := operation{method: strings.ToUpper(method), path: path}
			for _, a := range om["x-souq-auth"].([]any) {
				op.auth = append(op.auth, a.(string))
			}
			if rb, ok := om["requestBody"].(map[string]any); ok {
				rb = resolve(doc, rb)
				if c, ok := rb["content"].(map[string]any)["application/json"].(map[string]any); ok {
					op.schema = resolve(doc, c["schema"].(map[string]any))
				}
			}
			ops = append(ops, op)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	return ops, doc
}

func resolve(doc map[string]any, m map[string]any) map[string]any {
	for i := 0; i < 5; i++ {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		var cur any = doc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = cur.(map[string]any)[part]
		}
		m = cur.(map[string]any)
	}
	return m
}

// sample builds a plausible value of a schema.
func sample(doc map[string]any, s map[string]any, depth int) any {
	s = resolve(doc, s)
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		return e[0]
	}
	switch s["type"] {
	case "object":
		out := map[string]any{}
		if props, ok := s["properties"].(map[string]any); ok && depth < 4 {
			for k, v := range props {
				out[k] = sample(doc, v.(map[string]any), depth+1)
			}
		}
		return out
	case "array":
		if it, ok := s["items"].(map[string]any); ok && depth < 4 {
			return []any{sample(doc, it, depth+1)}
		}
		return []any{}
	case "integer":
		if m, ok := s["minimum"].(int); ok {
			return m
		}
		return 1
	case "number":
		return 1.5
	case "boolean":
		return true
	}
	switch s["format"] {
	case "date-time":
		return plat.Clock.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	case "date":
		return plat.Clock.Now().Add(48 * time.Hour).UTC().Format("2006-01-02")
	case "uri":
		return "https://example.com/x"
	}
	if p, ok := s["pattern"].(string); ok {
		if m := regexp.MustCompile(`\^([a-z]+_)`).FindStringSubmatch(p); m != nil {
			return m[1] + "01aaaaaaaaaaaaaaaaaaaaaaaa"
		}
		if strings.Contains(p, "[A-Z]{3}") {
			return "USD"
		}
	}
	return "x"
}

// principal picks credentials the route accepts: the owner's token where
// a person may call it, else the key of the account the path is about.
func (wd world) principal(op operation) string {
	for _, a := range op.auth {
		if a == "user" {
			if strings.HasPrefix(op.path, "/v1/me/earnings") || strings.HasPrefix(op.path, "/v1/me/deals") {
				return wd.infToken
			}
			return wd.ownerToken
		}
	}
	for _, a := range op.auth {
		if a == "client" {
			if strings.Contains(op.path, "/auctions/") || strings.Contains(op.path, "/offerings/") || strings.Contains(op.path, "/advertisers/") {
				return wd.advKey
			}
			return wd.comKey
		}
	}
	return ""
}

func (wd world) fill(path string) string {
	return regexp.MustCompile(`\{(\w+)\}`).ReplaceAllStringFunc(path, func(p string) string {
		name := p[1 : len(p)-1]
		if id, ok := wd.ids[name]; ok {
			return id
		}
		return "x_" + name
	})
}
