// Package load drives the local platform at fixed rates with vegeta (as a
// library), on loopback only and bounded in time: serving and clicks on
// 20 slots, 50 advertisers bidding on one hot auction, conversions on one
// program, and mixed traffic, each printed with its requests/s,
// p50/p95/p99, errors and its throughput against /healthz's in the same
// run. After each: the ledger verifies, and the counts (served, viewable impressions,
// clicks, bids, conversions, events) are exact. TestLoad_Short runs a few
// seconds in make test; BenchmarkLoad runs the long profile in make bench.
package load

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/souqhq/souq/infra/local"
	"github.com/souqhq/souq/tests/harness"
)

var plat *local.Platform

func TestMain(m *testing.M) {
	harness.Main(m, harness.Options{Name: "load", Contract: true, Ready: func(p *local.Platform) { plat = p }})
}

func call(t testing.TB, method, path, auth, body string, want int) map[string]any {
	t.Helper()
	return harness.Call(t, method, path, auth, body, want)
}

func settle(t testing.TB) {
	t.Helper()
	if err := plat.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// market is the stage: a community with 20 slots whose flights run now,
// a hot auction, 50 funded advertisers with keys, a program with a deal.
type market struct {
	owner, comKey, code string
	community           string
	slots               []string
	clicks              []string // one click URL per slot
	hot                 string
	advKeys             []string
	advIDs              []string
	run                 string
}

func newMarket(t testing.TB) *market {
	m := &market{run: fmt.Sprint(time.Now().UnixNano())}
	tok := func(u string) string {
		s, err := plat.Tokens.Issue(u+"_"+m.run, 400*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	m.owner = tok("usr_load_owner")
	com := call(t, "POST", "/v1/communities", m.owner, `{"name":"Load","url":"https://load.example","currency":"USD"}`, 201)["id"].(string)
	m.community = com
	m.comKey = call(t, "POST", "/v1/communities/"+com+"/api-keys", m.owner, `{"name":"k"}`, 201)["secret"].(string)
	for i := 0; i < 50; i++ {
		u := tok(fmt.Sprintf("usr_load_adv%d", i))
		adv := call(t, "POST", "/v1/advertisers", u, `{"name":"A","currency":"USD"}`, 201)["id"].(string)
		harness.SaveCard(t, u, "/v1/advertisers/"+adv, harness.CardVisa)
		call(t, "POST", "/v1/advertisers/"+adv+"/deposits", u, `{"amount":10000000,"currency":"USD"}`, 201)
		m.advIDs = append(m.advIDs, adv)
		m.advKeys = append(m.advKeys, call(t, "POST", "/v1/advertisers/"+adv+"/api-keys", u, `{"name":"k"}`, 201)["secret"].(string))
	}
	harness.SaveCard(t, m.owner, "/v1/communities/"+com, harness.CardVisa)
	call(t, "POST", "/v1/communities/"+com+"/deposits", m.owner, `{"amount":10000000,"currency":"USD"}`, 201)
	settle(t)
	now := plat.Clock.Now().Truncate(time.Second)
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	for i := 0; i < 20; i++ {
		slot := call(t, "POST", "/v1/communities/"+com+"/slots", m.owner, `{"name":"S","width":300,"height":250,"reserve":{"amount":100,"currency":"USD"}}`, 201)["id"].(string)
		auc := call(t, "POST", "/v1/slots/"+slot+"/auctions", m.owner, fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q,"closesAt":%q}`, at(2*time.Hour), at(30*24*time.Hour), at(time.Hour)), 201)["id"].(string)
		call(t, "PUT", "/v1/auctions/"+auc+"/bid", m.advKeys[i], `{"amount":200,"currency":"USD","creative":{"imageUrl":"https://cdn.example/a.png","clickUrl":"https://shop.example/","altText":"A"}}`, 200)
		m.slots = append(m.slots, slot)
	}
	if _, err := plat.Advance(context.Background(), 2*time.Hour+time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, s := range m.slots {
		m.clicks = append(m.clicks, call(t, "GET", "/v1/serve/"+s, "", "", 200)["clickUrl"].(string))
	}
	slot := call(t, "POST", "/v1/communities/"+com+"/slots", m.owner, `{"name":"Hot","width":728,"height":90,"reserve":{"amount":100,"currency":"USD"}}`, 201)["id"].(string)
	now = plat.Clock.Now().Truncate(time.Second)
	m.hot = call(t, "POST", "/v1/slots/"+slot+"/auctions", m.owner, fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q,"closesAt":%q}`,
		now.Add(60*24*time.Hour).Format(time.RFC3339), now.Add(61*24*time.Hour).Format(time.RFC3339), now.Add(59*24*time.Hour).Format(time.RFC3339)), 201)["id"].(string)
	prg := call(t, "POST", "/v1/communities/"+com+"/programs", m.owner, `{"name":"P","currency":"USD","commission":{"type":"flat","amount":10},"attributionDays":30,"holdDays":30,"minimumPayout":{"amount":100,"currency":"USD"},"budget":{"amount":5000000,"currency":"USD"}}`, 201)["id"].(string)
	inf := tok("usr_load_inf")
	deal := call(t, "POST", "/v1/programs/"+prg+"/deals", inf, `{}`, 201)["id"].(string)
	m.code = call(t, "POST", "/v1/deals/"+deal+"/approve", m.owner, `{}`, 200)["code"].(string)
	settle(t)
	return m
}

// result is one scenario's figures.
type result struct {
	name          string
	requests      uint64
	rps, success  float64
	p50, p95, p99 time.Duration
	errors        int
	codes         map[string]int
	rate          int // offered requests/s; 0 is as fast as 16 workers go
}

func attack(t testing.TB, name string, rate int, d time.Duration, tr vegeta.Targeter, classify func(*vegeta.Result)) result {
	workers := uint64(128)
	if rate == 0 {
		workers = 16 // as fast as it goes: a fixed pool, for a throughput ceiling
	}
	a := vegeta.NewAttacker(vegeta.Workers(min(8, workers)), vegeta.MaxWorkers(workers), vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second), vegeta.Redirects(vegeta.NoFollow))
	var m vegeta.Metrics
	for res := range a.Attack(tr, vegeta.Rate{Freq: rate, Per: time.Second}, d, name) {
		m.Add(res)
		if classify != nil {
			classify(res)
		}
	}
	m.Close()
	return result{name: name, requests: m.Requests, rps: m.Throughput, success: m.Success, p50: m.Latencies.P50, p95: m.Latencies.P95, p99: m.Latencies.P99,
		errors: len(m.Errors), codes: m.StatusCodes, rate: rate}
}

func healthz(t testing.TB, rate int, d time.Duration) result {
	return attack(t, "healthz", rate, d, vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: plat.BaseURL + "/healthz"}), nil)
}

func report(t testing.TB, base result, rs ...result) {
	for _, r := range rs {
		// Each route's throughput against /healthz's, each as a share of
		// what was offered (at fixed rates), or outright (as fast as it goes).
		ratio := 0.0
		switch {
		case r.rate > 0 && base.rate > 0 && base.rps > 0:
			ratio = (r.rps / float64(r.rate)) / (base.rps / float64(base.rate))
		case base.rps > 0:
			ratio = r.rps / base.rps
		}
		t.Logf("%-22s %6d requests %8.1f req/s  p50 %7.2f ms  p95 %7.2f ms  p99 %7.2f ms  errors %d  codes %v  throughput/healthz %.2f",
			r.name, r.requests, r.rps, ms(r.p50), ms(r.p95), ms(r.p99), r.errors, r.codes, ratio)
		if b, ok := t.(*testing.B); ok {
			unit := strings.NewReplacer(" ", "", "(", "", ")", "", "+", "-").Replace(r.name)
			b.ReportMetric(r.rps, unit+"-req/s")
			b.ReportMetric(ms(r.p99), unit+"-p99-ms")
			b.ReportMetric(ratio, unit+"/healthz")
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// scenarios runs every scenario at the given rates and checks the counts.
func scenarios(t testing.TB, m *market, d time.Duration, serveRate, bidRate, convRate int) {
	base := healthz(t, serveRate, d)

	// Serving, views and clicks on 20 slots: of every 10 requests, 6
	// decisions, 3 view beacons and a click. The beacons are of offers
	// decided beforehand (a beacon needs its offer), each sent once, each
	// by a viewer of its own (every request comes from 127.0.0.1).
	var served, viewed, clicked, prefetched [20]atomic.Int64
	perSlot := int(float64(serveRate)*d.Seconds()*1.8*0.3/20) + 5
	views := make([]chan string, 20)
	viewSlot := map[string]int{} // read only once the attacks start
	for s := range views {
		views[s] = make(chan string, perSlot)
		for k := 0; k < perSlot; k++ {
			u := call(t, "GET", "/v1/serve/"+m.slots[s], "", "", 200)["viewUrl"].(string)
			views[s] <- u
			viewSlot[u] = s
			prefetched[s].Add(1)
		}
	}
	var n atomic.Int64
	serveTr := func(tg *vegeta.Target) error {
		i := n.Add(1)
		s := int(i % 20)
		tg.Method, tg.Header = "GET", http.Header{"User-Agent": {harness.BrowserAgent}, "X-Slot": {fmt.Sprint(s)}}
		switch i % 10 {
		case 0:
			tg.URL, tg.Header["X-Kind"] = m.clicks[s], []string{"click"}
			return nil
		case 1, 2, 3:
			select {
			case u := <-views[s]:
				tg.Method, tg.URL = "POST", u
				tg.Header[harness.ViewerAddressHeader] = []string{harness.ViewerAddress(int(i))} // a viewer of its own
				return nil
			default: // none left: a decision instead
			}
		}
		tg.URL, tg.Header["X-Kind"] = plat.BaseURL+"/v1/serve/"+m.slots[s], []string{"serve"}
		return nil
	}
	// countView counts a beacon answered 204 for its offer's slot.
	countView := func(r *vegeta.Result) bool {
		s, ok := viewSlot[r.URL]
		if ok && r.Code == 204 {
			viewed[s].Add(1)
		}
		return ok
	}
	rServe := attack(t, "serve+view+click (20 slots)", serveRate, d, serveTr, func(r *vegeta.Result) {
		// Attack names each result with the scenario; the URL tells which.
		if countView(r) {
			return
		}
		for s := range m.slots {
			switch {
			case r.URL == plat.BaseURL+"/v1/serve/"+m.slots[s] && r.Code == 200:
				served[s].Add(1)
			case r.URL == m.clicks[s] && r.Code == 302:
				clicked[s].Add(1)
			}
		}
	})

	// 50 advertisers on one hot auction, replacing their bids.
	var bidN atomic.Int64
	var bidsOK atomic.Int64
	bidTr := func(tg *vegeta.Target) error {
		i := bidN.Add(1)
		a := int(i % 50)
		tg.Method, tg.URL = "PUT", plat.BaseURL+"/v1/auctions/"+m.hot+"/bid"
		tg.Header = http.Header{"Authorization": {"Bearer " + m.advKeys[a]}, "Content-Type": {"application/json"}}
		tg.Body = []byte(fmt.Sprintf(`{"amount":%d,"currency":"USD","creative":{"imageUrl":"https://cdn.example/a.png","clickUrl":"https://shop.example/","altText":"A"}}`, 100+i))
		return nil
	}
	verify(t)
	rBid := attack(t, "bids (50 on 1 auction)", bidRate, d, bidTr, func(r *vegeta.Result) {
		if r.Code == 200 {
			bidsOK.Add(1)
		}
	})

	// Conversions on one program.
	var convN, convOK atomic.Int64
	convTr := func(tg *vegeta.Target) error {
		i := convN.Add(1)
		tg.Method, tg.URL = "POST", plat.BaseURL+"/v1/conversions"
		tg.Header = http.Header{"Authorization": {"Bearer " + m.comKey}, "Content-Type": {"application/json"}}
		tg.Body = []byte(fmt.Sprintf(`{"code":%q,"externalId":"%s-%d","amount":1000,"currency":"USD","customerId":"c-%s-%d"}`, m.code, m.run, i, m.run, i))
		return nil
	}
	verify(t)
	rConv := attack(t, "conversions (1 program)", convRate, d, convTr, func(r *vegeta.Result) {
		if r.Code == 201 {
			convOK.Add(1)
		}
	})

	verify(t)
	// Mixed: all three at once.
	var mixN atomic.Int64
	var mixMu sync.Mutex
	mixKinds := map[string]int{}
	mixTr := func(tg *vegeta.Target) error {
		switch mixN.Add(1) % 10 {
		case 0:
			return bidTr(tg)
		case 1:
			return convTr(tg)
		default:
			return serveTr(tg)
		}
	}
	rMix := attack(t, "mixed", serveRate, d, mixTr, func(r *vegeta.Result) {
		mixMu.Lock()
		defer mixMu.Unlock()
		switch {
		case strings.HasSuffix(r.URL, "/bid") && r.Code == 200:
			bidsOK.Add(1)
			mixKinds["bid"]++
		case strings.HasSuffix(r.URL, "/v1/conversions") && r.Code == 201:
			convOK.Add(1)
			mixKinds["conversion"]++
		case countView(r):
		default:
			for s := range m.slots {
				switch {
				case r.URL == plat.BaseURL+"/v1/serve/"+m.slots[s] && r.Code == 200:
					served[s].Add(1)
				case r.URL == m.clicks[s] && r.Code == 302:
					clicked[s].Add(1)
				}
			}
		}
	})
	report(t, base, base, rServe, rBid, rConv, rMix)

	// The counts, exact, once everything has settled.
	settle(t)
	for s := range m.slots {
		flight := call(t, "GET", "/v1/serve/"+m.slots[s], "", "", 200)["flightId"].(string)
		settle(t)
		st := call(t, "GET", "/v1/flights/"+flight+"/stats", m.owner, "", 200)
		// The decisions above, those made for the beacons, the setup's and
		// the one just now; every beacon's offer once; the one click token
		// of the setup counted once, every other press of it refused.
		if got, want := int64(st["served"].(float64)), served[s].Load()+prefetched[s].Load()+2; got != want {
			t.Errorf("slot %d: %d served counted, %d decided", s, got, want)
		}
		if got, want := int64(st["impressions"].(float64)), viewed[s].Load(); got != want {
			t.Errorf("slot %d: %d impressions counted, %d beacons", s, got, want)
		}
		inv, _ := st["invalid"].(map[string]any)
		refused := int64(0)
		for _, v := range inv {
			refused += int64(v.(float64))
		}
		if got := int64(st["clicks"].(float64)); got != min(clicked[s].Load(), 1) || got+refused != clicked[s].Load() {
			t.Errorf("slot %d: %d clicks and %d refused, %d redirected of one offer (%v)", s, got, refused, clicked[s].Load(), inv)
		}
	}
	if got := countEvents("BidPlaced", "auctionId", m.hot); int64(got) != bidsOK.Load() {
		t.Errorf("%d BidPlaced for %d accepted bids", got, bidsOK.Load())
	}
	if got := countEvents("ConversionRecorded", "externalId", m.run+"-"); int64(got) != convOK.Load() {
		t.Errorf("%d ConversionRecorded for %d recorded conversions", got, convOK.Load())
	}
	verify(t)
}

// verify settles the platform and checks the ledger, after every run.
func verify(t testing.TB) {
	t.Helper()
	settle(t)
	if v := call(t, "GET", "/local/ledger/verify", "", "", 200); v["ok"] != true {
		t.Fatalf("ledger verify: %v", v)
	}
}

// countEvents counts distinct published events of a type whose field
// matches (equals, or starts with a prefix ending in "-").
func countEvents(dt, field, value string) int {
	ids := map[string]bool{}
	for _, env := range plat.Bus.Published(dt) {
		var d map[string]any
		_ = json.Unmarshal(env.Detail, &d)
		v := fmt.Sprint(d[field])
		if v == value || strings.HasSuffix(value, "-") && strings.HasPrefix(v, value) {
			ids[fmt.Sprint(d["eventId"])] = true
		}
	}
	return len(ids)
}

// The short profile, in make test: two seconds a scenario at modest rates.
func TestLoad_Short(t *testing.T) {
	m := newMarket(t)
	scenarios(t, m, 2*time.Second, 200, 20, 20)
}

// The long profile, in make bench: ten seconds a scenario at fixed
// rates, then serve against /healthz as fast as 16 workers go (the
// throughput ceiling; the goal is serve within 2× of the floor).
func BenchmarkLoad(b *testing.B) {
	m := newMarket(b)
	for i := 0; i < b.N; i++ {
		scenarios(b, m, 10*time.Second, 1000, 60, 60)
		base := healthz(b, 0, 5*time.Second)
		var k atomic.Int64
		serve := attack(b, "serve (max)", 0, 5*time.Second, func(tg *vegeta.Target) error {
			tg.Method, tg.URL = "GET", plat.BaseURL+"/v1/serve/"+m.slots[int(k.Add(1)%20)]
			return nil
		}, nil)
		base.name = "healthz (max)"
		report(b, base, base, serve)
	}
}

// The serving ceiling (make bench): decisions, and decision + view beacon
// pairs, as fast as 16 workers go, each against /healthz in the same run.
// Goals: decisions ÷ healthz at least 0.6; pairs ÷ healthz at least 0.3
// (a pair is two requests, so its rate is counted in pairs).
func BenchmarkServing_Ceiling(b *testing.B) {
	m := newMarket(b)
	for i := 0; i < b.N; i++ {
		base := healthz(b, 0, 3*time.Second)
		base.name = "healthz (max)"
		var k atomic.Int64
		decide := attack(b, "decisions (max)", 0, 3*time.Second, func(tg *vegeta.Target) error {
			tg.Method, tg.URL = "GET", plat.BaseURL+"/v1/serve/"+m.slots[int(k.Add(1)%20)]
			return nil
		}, nil)
		// Pairs: each worker decides, then sends that offer's beacon as a
		// viewer of its own, through the gateway.
		var pairs atomic.Int64
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
		start := time.Now()
		var wg sync.WaitGroup
		for w := 0; w < 16; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for n := 0; time.Since(start) < 3*time.Second; n++ {
					resp, err := hc.Get(plat.BaseURL + "/v1/serve/" + m.slots[(w+n)%20])
					if err != nil {
						return
					}
					var o struct{ ViewURL string }
					_ = json.NewDecoder(resp.Body).Decode(&o)
					resp.Body.Close()
					req, _ := http.NewRequest("GET", o.ViewURL, nil) // as the tag sends it
					req.Header.Set("User-Agent", harness.BrowserAgent)
					req.Header.Set(harness.ViewerAddressHeader, harness.ViewerAddress(w<<13|n&0x1fff)) // a viewer of its own
					vr, err := hc.Do(req)
					if err != nil {
						return
					}
					vr.Body.Close()
					if vr.StatusCode == 204 {
						pairs.Add(1)
					}
				}
			}(w)
		}
		wg.Wait()
		pairRate := float64(pairs.Load()) / time.Since(start).Seconds()
		report(b, base, base, decide)
		b.ReportMetric(pairRate, "decision+view-pairs/s")
		b.ReportMetric(pairRate/base.rps, "pairs/healthz")
		b.Logf("decision + view pairs: %.0f/s, %.2f of healthz", pairRate, pairRate/base.rps)
	}
}

// Decisions with campaigns through the gateway (make bench), against the
// peer the campaigns issue names (OpenAdServe, about 4,650 decisions/s
// with 16 workers on this kind of machine): 20 slots that accept
// campaigns, with 100 eligible campaigns of their size pacing evenly, as
// fast as 16 workers go, beside flight decisions and /healthz in the
// same run. Goal: at least 3 × the peer's 4,650/s.
func BenchmarkServing_Campaigns(b *testing.B) {
	m := newMarket(b)
	var slots []string
	for i := 0; i < 20; i++ {
		slot := call(b, "POST", "/v1/communities/"+m.community+"/slots", m.owner, `{"name":"C","width":320,"height":50,"reserve":{"amount":100,"currency":"USD"}}`, 201)["id"].(string)
		call(b, "PATCH", "/v1/slots/"+slot, m.owner, `{"campaigns":{"accept":true,"floorCpm":{"amount":100,"currency":"USD"}}}`, 200)
		slots = append(slots, slot)
	}
	end := plat.Clock.Now().Add(30 * 24 * time.Hour).Truncate(time.Second).Format(time.RFC3339)
	for i := 0; i < 100; i++ {
		call(b, "POST", "/v1/advertisers/"+m.advIDs[i%len(m.advIDs)]+"/campaigns", m.advKeys[i%len(m.advKeys)], fmt.Sprintf(`{"name":"C%d","currency":"USD",
		  "pricing":{"model":"cpm","bid":{"amount":%d,"currency":"USD"}},"budget":{"amount":50000,"currency":"USD"},"end":%q,
		  "creative":{"imageUrl":"https://cdn.example/c.png","clickUrl":"https://shop.example/c","altText":"C","width":320,"height":50}}`, i, 200+i*5, end), 201)
	}
	settle(b)
	if _, err := plat.Advance(context.Background(), 11*time.Second); err != nil { // serving reads campaigns every 10 s
		b.Fatal(err)
	}
	if k := call(b, "GET", "/v1/serve/"+slots[0], "", "", 200)["kind"]; k != "campaign" {
		b.Fatalf("a slot that accepts campaigns served %v", k)
	}
	const peer = 4650.0
	for i := 0; i < b.N; i++ {
		base := healthz(b, 0, 3*time.Second)
		base.name = "healthz (max)"
		var f, c atomic.Int64
		flights := attack(b, "flight decisions (max)", 0, 3*time.Second, func(tg *vegeta.Target) error {
			tg.Method, tg.URL = "GET", plat.BaseURL+"/v1/serve/"+m.slots[int(f.Add(1)%20)]
			return nil
		}, nil)
		kinds := map[string]int{}
		var mu sync.Mutex
		camps := attack(b, "decisions, 100 campaigns (max)", 0, 3*time.Second, func(tg *vegeta.Target) error {
			tg.Method, tg.URL = "GET", plat.BaseURL+"/v1/serve/"+slots[int(c.Add(1)%20)]
			return nil
		}, func(r *vegeta.Result) {
			var o struct{ Kind string }
			_ = json.Unmarshal(r.Body, &o)
			mu.Lock()
			kinds[o.Kind]++
			mu.Unlock()
		})
		report(b, base, base, flights, camps)
		b.ReportMetric(camps.rps, "campaign-decisions/s")
		b.ReportMetric(camps.rps/flights.rps, "campaigns/flights")
		b.ReportMetric(camps.rps/peer, "x-openadserve")
		b.Logf("decisions with 100 campaigns: %.0f/s = %.2f × flight decisions (%.0f/s) = %.1f × OpenAdServe's %.0f/s (goal ≥ 3); kinds %v",
			camps.rps, camps.rps/flights.rps, flights.rps, camps.rps/peer, peer, kinds)
	}
}
