// Package capacity holds the cost truth: it runs Souq's operations through
// the local platform with every function's DynamoDB client metered, and
// fails when one consumes more capacity than its budget. The budgets are
// one table (Budgets); docs/performance.md turns them into money.
package capacity

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/souqhq/souq/infra/local"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/storetest"
	"github.com/souqhq/souq/tests/harness"
)

// Budget is the most one operation may consume: read and write capacity
// units (writes by DynamoDB's pricing: 2 WCU per item in a transaction),
// for the request itself, and for everything it sets off downstream (the
// consumers of its events: projections, webhooks, workers).
type Budget struct {
	RCU, WCU                     float64
	DownstreamRCU, DownstreamWCU float64
}

// Budgets is the one table of what each operation may cost. Requests are
// held to what their transaction must touch; downstream to the consumers
// the topology routes their events to.
var Budgets = map[string]Budget{
	// One Query of the slot's partition and one GetItem of its
	// community's pages per 5 s cache period, and one counter ADD per
	// flush, over many serves.
	"serve (amortized over 500 serves)": {RCU: 1, WCU: 1},
	// A decision and its view beacon: the view's once-per-offer record
	// (one conditional put, 1 WCU) and, amortized, the placement's and
	// click URL's reads and the counter ADDs (a few thousandths); and the
	// directory's audience (DESIGN §16): a viewer's first view of the day
	// on a community puts its once-a-day record (1 WCU). The suite's 500
	// views are 500 new viewers, the worst case; a viewer's later views
	// that day cost nothing more.
	"viewable impression (amortized over 500)": {RCU: 0.01, WCU: 2.02},
	// Each: the reads of what it checks, its transaction's items (2 WCU
	// each) and the Idempotency-Key record (a claim, then the response: 2).
	// A bid and a booking also read the advertiser's debt (DESIGN §15: in
	// debt, no bids or bookings), and downstream the accounts function
	// reads the advertiser's payer profile once per ledger transfer (its
	// auto-recharge and alert; nothing more when it has neither).
	// Since DESIGN §16 a bid also reads the community's rules (blocked
	// advertisers), and answers name the parties (a name read per party,
	// at most once per answer).
	"place a bid":               {RCU: 8, WCU: 18, DownstreamRCU: 4, DownstreamWCU: 4},
	"close an auction (2 bids)": {RCU: 12, WCU: 90, DownstreamRCU: 12, DownstreamWCU: 8},
	"book a sponsorship":        {RCU: 9, WCU: 24, DownstreamRCU: 5, DownstreamWCU: 4},
	"approve a sponsorship":     {RCU: 4, WCU: 26, DownstreamRCU: 4, DownstreamWCU: 4},
	"publish a sponsorship":     {RCU: 4, WCU: 22, DownstreamRCU: 4, DownstreamWCU: 4},
	// Conversions are idempotent on their own externalId: no record.
	"report a conversion": {RCU: 6, WCU: 36, DownstreamRCU: 8, DownstreamWCU: 8},
	"clear a commission":  {RCU: 3, WCU: 14, DownstreamRCU: 4, DownstreamWCU: 4},
	// The claim; downstream, the worker: take, settle with its transfer.
	"claim a payout": {RCU: 5, WCU: 20, DownstreamRCU: 8, DownstreamWCU: 28},
}

var (
	plat  *local.Platform
	meter *storetest.Meter
)

func TestMain(m *testing.M) {
	harness.Main(m, harness.Options{Name: "cap", Contract: true, Ready: func(p *local.Platform) { plat = p }, Platform: local.Options{
		WrapDB: func(db *store.DB) *store.DB {
			mdb, mt := storetest.Metered(db)
			meter = mt
			return mdb
		},
	}})
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

var mu sync.Mutex

// measured are the operations this run measured, for the report.
var measured = map[string][2]storetest.Usage{}

// measure runs one operation alone on a quiet platform and records what
// the request consumed and what its events consumed downstream.
func measure(t *testing.T, name string, per float64, f func()) {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	settle(t)
	meter.Reset()
	f()
	req := meter.Total()
	settle(t)
	all := meter.Total()
	down := storetest.Usage{RCU: all.RCU - req.RCU, WCU: all.WCU - req.WCU}
	req.RCU, req.WCU, down.RCU, down.WCU = req.RCU/per, req.WCU/per, down.RCU/per, down.WCU/per
	measured[name] = [2]storetest.Usage{req, down}
	b, ok := Budgets[name]
	if !ok {
		t.Fatalf("%s has no budget in the table", name)
	}
	t.Logf("%-42s request %6.3f RCU %7.3f WCU · downstream %6.3f RCU %7.3f WCU", name, req.RCU, req.WCU, down.RCU, down.WCU)
	// The request's answer and its consumers' work overlap in time (a
	// consumer may start before the answer is read), so the budget holds
	// their sum; each half is logged above.
	if req.RCU+down.RCU > b.RCU+b.DownstreamRCU || req.WCU+down.WCU > b.WCU+b.DownstreamWCU {
		t.Errorf("%s consumed %.3f RCU / %.2f WCU in all, over its budget of %.0f / %.0f", name,
			req.RCU+down.RCU, req.WCU+down.WCU, b.RCU+b.DownstreamRCU, b.WCU+b.DownstreamWCU)
	}
}

func token(t *testing.T, user string) string {
	return call(t, "POST", "/local/tokens", "", fmt.Sprintf(`{"userId":%q}`, user), 200)["token"].(string)
}

// Every operation of the table, measured against its budget.
func TestCapacity_EveryOperationWithinItsBudget(t *testing.T) {
	owner, advOwner, inf := token(t, "usr_cap_owner"), token(t, "usr_cap_adv"), token(t, "usr_cap_inf")
	com := call(t, "POST", "/v1/communities", owner, `{"name":"Cap","url":"https://cap.example","currency":"USD"}`, 201)["id"].(string)
	comKey := call(t, "POST", "/v1/communities/"+com+"/api-keys", owner, `{"name":"k"}`, 201)["secret"].(string)
	adv := call(t, "POST", "/v1/advertisers", advOwner, `{"name":"Cap Ads","currency":"USD"}`, 201)["id"].(string)
	advKey := call(t, "POST", "/v1/advertisers/"+adv+"/api-keys", advOwner, `{"name":"k"}`, 201)["secret"].(string)
	adv2Owner := token(t, "usr_cap_adv2")
	adv2 := call(t, "POST", "/v1/advertisers", adv2Owner, `{"name":"Cap Ads 2","currency":"USD"}`, 201)["id"].(string)
	adv2Key := call(t, "POST", "/v1/advertisers/"+adv2+"/api-keys", adv2Owner, `{"name":"k"}`, 201)["secret"].(string)
	harness.SaveCard(t, advOwner, "/v1/advertisers/"+adv, harness.CardVisa)
	harness.SaveCard(t, adv2Owner, "/v1/advertisers/"+adv2, harness.CardVisa)
	harness.SaveCard(t, owner, "/v1/communities/"+com, harness.CardVisa)
	call(t, "POST", "/v1/advertisers/"+adv+"/deposits", advOwner, `{"amount":100000,"currency":"USD"}`, 201)
	call(t, "POST", "/v1/advertisers/"+adv2+"/deposits", adv2Owner, `{"amount":100000,"currency":"USD"}`, 201)
	call(t, "POST", "/v1/communities/"+com+"/deposits", owner, `{"amount":100000,"currency":"USD"}`, 201)
	settle(t)

	// Auctions: two bids, the close, then serving in the flight.
	slot := call(t, "POST", "/v1/communities/"+com+"/slots", owner, `{"name":"S","width":300,"height":250,"reserve":{"amount":100,"currency":"USD"}}`, 201)["id"].(string)
	now := plat.Clock.Now().Truncate(time.Second)
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	auc := call(t, "POST", "/v1/slots/"+slot+"/auctions", owner, fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q,"closesAt":%q}`, at(2*time.Hour), at(48*time.Hour), at(time.Hour)), 201)["id"].(string)
	bid := func(key string, amount int) {
		call(t, "PUT", "/v1/auctions/"+auc+"/bid", key, fmt.Sprintf(`{"amount":%d,"currency":"USD","creative":{"imageUrl":"https://cdn.example/a.png","clickUrl":"https://shop.example/","altText":"A"}}`, amount), 200)
	}
	measure(t, "place a bid", 1, func() { bid(advKey, 700) })
	bid(adv2Key, 500)
	measure(t, "close an auction (2 bids)", 1, func() {
		if _, err := plat.Advance(context.Background(), time.Hour); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := plat.Advance(context.Background(), time.Hour); err != nil { // into the flight
		t.Fatal(err)
	}
	flight := call(t, "GET", "/v1/auctions/"+auc, "", "", 200)["flightId"].(string)
	const serves = 500
	measure(t, "serve (amortized over 500 serves)", serves, func() {
		for i := 0; i < serves; i++ {
			resp, err := harness.Client.Get(plat.BaseURL + "/v1/serve/" + slot)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("serve: %v %v", resp, err)
			}
			resp.Body.Close()
		}
		settle(t) // flushes the buffered counts: they belong to the serves
	})
	measure(t, "viewable impression (amortized over 500)", serves, func() {
		for i := 0; i < serves; i++ {
			ad := call(t, "GET", "/v1/serve/"+slot, "", "", 200)
			req, _ := http.NewRequest("POST", ad["viewUrl"].(string), nil)
			req.Header.Set("User-Agent", harness.BrowserAgent)
			req.Header.Set(harness.ViewerAddressHeader, harness.ViewerAddress(i)) // a person each
			resp, err := harness.Client.Do(req)
			if err != nil || resp.StatusCode != 204 {
				t.Fatalf("view: %v %v", resp, err)
			}
			resp.Body.Close()
		}
		settle(t)
	})
	if st := call(t, "GET", "/v1/flights/"+flight+"/stats", advKey, "", 200); st["impressions"] != float64(serves) {
		t.Fatalf("stats %v: want %d impressions", st, serves)
	}

	// Sponsorships: book, approve, publish.
	off := call(t, "POST", "/v1/communities/"+com+"/offerings", owner, `{"title":"Post","format":"pinned_post","amount":1000,"currency":"USD","reviewDays":5}`, 201)["id"].(string)
	day := plat.Clock.Now().Add(10 * 24 * time.Hour).Format("2006-01-02")
	var spn string
	measure(t, "book a sponsorship", 1, func() {
		spn = call(t, "POST", "/v1/offerings/"+off+"/sponsorships", advKey, fmt.Sprintf(`{"desiredDate":%q,"content":{"title":"T","body":"B","link":"https://shop.example/"}}`, day), 201)["id"].(string)
	})
	measure(t, "approve a sponsorship", 1, func() { call(t, "POST", "/v1/sponsorships/"+spn+"/approve", owner, "", 200) })
	measure(t, "publish a sponsorship", 1, func() {
		call(t, "POST", "/v1/sponsorships/"+spn+"/publish", owner, `{"url":"https://cap.example/p/1"}`, 200)
	})

	// Referrals: a conversion, then its clearing.
	prg := call(t, "POST", "/v1/communities/"+com+"/programs", owner, `{"name":"P","currency":"USD","commission":{"type":"percent","bps":2000},"attributionDays":30,"holdDays":1,"minimumPayout":{"amount":100,"currency":"USD"},"budget":{"amount":10000,"currency":"USD"}}`, 201)["id"].(string)
	deal := call(t, "POST", "/v1/programs/"+prg+"/deals", inf, `{}`, 201)["id"].(string)
	code := call(t, "POST", "/v1/deals/"+deal+"/approve", owner, `{}`, 200)["code"].(string)
	measure(t, "report a conversion", 1, func() {
		call(t, "POST", "/v1/conversions", comKey, fmt.Sprintf(`{"code":%q,"externalId":"cap-1","amount":5000,"currency":"USD","customerId":"c-1"}`, code), 201)
	})
	measure(t, "clear a commission", 1, func() {
		if _, err := plat.Advance(context.Background(), 24*time.Hour+time.Minute); err != nil {
			t.Fatal(err)
		}
	})

	// Payouts: the claim; the worker and the rail downstream.
	harness.OnboardPayouts(t, inf)
	measure(t, "claim a payout", 1, func() { call(t, "POST", "/v1/payouts", inf, `{"amount":1000,"currency":"USD"}`, 202) })

	for name := range Budgets {
		if _, ok := measured[name]; !ok {
			t.Errorf("the budget %q was not measured", name)
		}
	}
	if r := call(t, "GET", "/local/ledger/verify", "", "", 200); r["ok"] != true {
		t.Fatalf("ledger verify: %v", r)
	}
}
