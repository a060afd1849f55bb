package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// liveFlight is a slot with a flight running now, and a slot with
// nothing to show, in a community of their own.
func liveFlight(t *testing.T) (slot, empty, flight, ownerTok string) {
	t.Helper()
	ownerTok, advTok := token(t, "usr_tag_owner_"+run), token(t, "usr_tag_adv_"+run)
	com := call(t, "POST", "/v1/communities", ownerTok, `{"name":"Gopher Weekly","url":"https://gophers.example","currency":"USD"}`, 201)
	adv := call(t, "POST", "/v1/advertisers", advTok, `{"name":"Acme","currency":"USD"}`, 201)
	settle(t)
	fund(t, advTok, "/v1/advertisers/"+str(adv, "id"), 10000, "USD")
	slot = str(call(t, "POST", "/v1/communities/"+str(com, "id")+"/slots", ownerTok, `{"name":"Sidebar","width":300,"height":250,"reserve":{"amount":100,"currency":"USD"}}`, 201), "id")
	empty = str(call(t, "POST", "/v1/communities/"+str(com, "id")+"/slots", ownerTok, `{"name":"Footer","width":728,"height":90,"reserve":{"amount":100,"currency":"USD"}}`, 201), "id")
	now := plat.Clock.Now().UTC().Truncate(time.Second)
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	auc := call(t, "POST", "/v1/slots/"+slot+"/auctions", ownerTok, fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q,"closesAt":%q}`, at(2*time.Hour), at(48*time.Hour), at(time.Hour)), 201)
	call(t, "PUT", "/v1/auctions/"+str(auc, "id")+"/bid", advTok, fmt.Sprintf(`{"advertiserId":%q,"amount":500,"currency":"USD","creative":{"imageUrl":"https://cdn.example/acme-300x250.png","clickUrl":"https://acme.example/","altText":"Acme widgets"}}`, str(adv, "id")), 200)
	b, _ := json.Marshal(map[string]int64{"seconds": int64((2*time.Hour + time.Minute).Seconds())})
	call(t, "POST", "/local/clock/advance", "", string(b), 200)
	flight = str(call(t, "GET", "/v1/auctions/"+str(auc, "id"), "", "", 200), "flightId")
	if flight == "" {
		t.Fatal("the auction did not book a flight")
	}
	return slot, empty, flight, ownerTok
}

// hostPage is a community's page on another origin, served with a strict
// CSP that allows only the API's origin for scripts and connections and
// the creative's host for images. The ad is far below the fold.
func hostPage(t *testing.T, slot, empty string) string {
	t.Helper()
	var filler strings.Builder
	for i := 0; i < 120; i++ {
		fmt.Fprintf(&filler, "<p>Paragraph %d of the article.</p>\n", i)
	}
	html := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Gopher Weekly</title></head><body>
<h1>Gopher Weekly</h1>` + filler.String() + `
<div data-souq-slot="` + slot + `" id="ad">Support Gopher Weekly</div>
<div data-souq-slot="` + empty + `" id="empty">Our own footer banner</div>
<script async src="` + base + `/tag.js"></script></body></html>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src "+base+"; connect-src "+base+"; img-src https://cdn.example; style-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(html))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// record makes the page keep the tag's events, before any of its scripts
// run (an instrument of the test; DevTools scripts are outside the CSP).
const record = `window.__souq = []; window.__souqRendered = [];
document.addEventListener("souq:rendered", function (e) { window.__souq.push("rendered " + e.target.id + " " + e.detail.offerId); window.__souqRendered.push(performance.now()); });
document.addEventListener("souq:nofill", function (e) { window.__souq.push("nofill " + e.target.id); });`

// recordViews makes the page keep the view beacons the tag sends: GETs
// (fetch, keepalive), which the edge can sign on to the serve function's
// URL; a POST (sendBeacon) is kept apart, and none is expected.
const recordViews = `window.__souqViews = []; window.__souqViewAt = []; window.__souqPosts = [];
(function () { var f = window.fetch.bind(window);
  window.fetch = function (u, o) { var m = ((o && o.method) || "GET").toUpperCase();
    if (String(u).indexOf("/v/") >= 0) { if (m === "GET") { window.__souqViews.push(String(u)); window.__souqViewAt.push(performance.now()); } else { window.__souqPosts.push(m + " " + u); } }
    return f(u, o); };
  var sb = navigator.sendBeacon && navigator.sendBeacon.bind(navigator);
  if (sb) { navigator.sendBeacon = function (u, d) { window.__souqPosts.push("sendBeacon " + u); return sb(u, d); }; } })();`

// inView makes the page keep when the #ad box was first at least half in
// view, on the browser's clock (window.__souqInView).
const inView = `window.__souqInView = null;
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("ad"); if (!el) { return; }
  new IntersectionObserver(function (es) { es.forEach(function (e) {
    if (e.intersectionRatio >= 0.5 && window.__souqInView === null) { window.__souqInView = performance.now(); } }); }, {threshold: [0.5]}).observe(el);
});`

func (b *tab) onNewDocument(src string) {
	b.t.Helper()
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
		return err
	}))
}

func (b *tab) events() []string {
	b.t.Helper()
	ev, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`window.__souq`))
	if err != nil {
		b.t.Fatal(err)
	}
	return ev
}

func (b *tab) waitFor(what string, js string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waited 10 s for %s; events %v", what, b.events())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitImpressions reads the flight's impressions until there are want
// (at most 150 reads, 100 ms apart): a beacon sent is counted at once,
// but a loaded machine may take a moment to deliver it.
func waitImpressions(t *testing.T, flight, tok string, want int64) (int64, map[string]any) {
	t.Helper()
	n, inv := impressions(t, flight, tok)
	for try := 0; n < want && try < 150; try++ {
		time.Sleep(100 * time.Millisecond)
		n, inv = impressions(t, flight, tok)
	}
	return n, inv
}

func impressions(t *testing.T, flight, tok string) (int64, map[string]any) {
	t.Helper()
	settle(t)
	st := call(t, "GET", "/v1/flights/"+flight+"/stats", tok, "", 200)
	inv, _ := st["invalid"].(map[string]any)
	return num(st, "impressions"), inv
}

// The tag on a strict-CSP page: no impression while the ad is out of
// view, one after it has been in view for a second, none from a hidden
// page; no fill leaves the page's own content and says souq:nofill;
// souq.reload() makes a new offer. Every tab fails on a console error or
// a CSP violation.
func TestTag_ViewableImpressionsOnAStrictCSPPage(t *testing.T) {
	slot, empty, flight, ownerTok := liveFlight(t)
	url := hostPage(t, slot, empty)

	b := newTab(t)
	// The page keeps, on the browser's own clock, when the ad's box first
	// was half in view and when each view beacon left: a loaded machine
	// may be slow to scroll or to look, but the second in view is timed
	// where the tag times it.
	b.onNewDocument(record + recordViews + inView)
	b.do(chromedp.EmulateViewport(1280, 800))
	b.do(chromedp.Navigate(url))
	b.waitFor("the ad", `document.querySelector("#ad a.souq-ad img") !== null`)
	b.waitFor("no fill", `window.__souq.some(function (e) { return e === "nofill empty"; })`)
	if got, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("#empty"))); strings.TrimSpace(got) != "Our own footer banner" {
		t.Errorf("no fill changed the page's own content: %q", got)
	}
	box, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]any](`(function () { var a = document.querySelector("#ad a.souq-ad"), i = a.querySelector("img");
	  return [a.rel, a.target, a.getAttribute("aria-label"), i.getAttribute("width"), i.getAttribute("height"), i.alt,
	          document.querySelector("#ad .souq-label").textContent, a.href.indexOf("/c/") > 0]; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(box) != fmt.Sprint([]any{"sponsored noopener", "_blank", "Sponsored: Acme widgets", "300", "250", "Acme widgets", "Sponsored", true}) {
		t.Fatalf("the rendered ad: %v", box)
	}
	// A figure, not a check: from the page's start to souq:rendered (the
	// tag fetched, the decision made, the markup in place).
	if ms, err := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`window.__souqRendered[0]`)); err == nil {
		t.Logf("figure: the tag rendered the ad %.0f ms after the page started loading", ms)
	}
	time.Sleep(1500 * time.Millisecond) // out of view for longer than a second
	if n, _ := impressions(t, flight, ownerTok); n != 0 {
		t.Fatalf("%d impressions while the ad was below the fold", n)
	}
	if views, _ := chromedp.Run(b.ctx, chromedp.Evaluate[int](`window.__souqViews.length`)); views != 0 {
		t.Fatalf("%d view beacons while the ad was below the fold", views)
	}
	b.do(chromedp.ScrollIntoView(chromedp.CSS("#ad")))
	b.waitFor("the view beacon", `window.__souqViews.length === 1`)
	// Sent no sooner than a second after the ad was in view.
	gap, err := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`window.__souqViewAt[0] - window.__souqInView`))
	if err != nil || gap < 990 {
		t.Fatalf("the view beacon left %.0f ms after the ad was in view (%v), want a second", gap, err)
	}
	t.Logf("figure: the view beacon left %.0f ms after the ad was in view", gap)
	if n, inv := waitImpressions(t, flight, ownerTok, 1); n != 1 || len(inv) != 0 {
		t.Fatalf("after a second in view: %d impressions, refused %v; want 1 and none", n, inv)
	}
	time.Sleep(1500 * time.Millisecond) // still in view: the offer is viewed once
	if n, _ := impressions(t, flight, ownerTok); n != 1 {
		t.Fatalf("one offer counted %d times", n)
	}

	// souq.reload() decides again: a new offer, rendered, and seen again.
	before, _ := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS("#ad a.souq-ad"), "data-souq-offer"))
	b.do(chromedp.Evaluate[chromedp.Void](`souq.reload()`))
	b.waitFor("a new offer", fmt.Sprintf(`(function () { var a = document.querySelector("#ad a.souq-ad"); return a !== null && a.getAttribute("data-souq-offer") !== %q; })()`, before.Value))
	b.waitFor("the new offer's view beacon", `window.__souqViews.length === 2`)
	if posts, _ := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`window.__souqPosts`)); len(posts) != 0 {
		t.Fatalf("view beacons sent as POSTs, which origin access control cannot sign: %v", posts)
	}
	if n, _ := waitImpressions(t, flight, ownerTok, 2); n != 2 {
		t.Fatalf("after reload and a second in view: %d impressions, want 2", n)
	}

	// A hidden page counts nothing, however long the ad is in view.
	h := newTab(t)
	h.onNewDocument(record + `Object.defineProperty(document, "visibilityState", {get: function () { return "hidden"; }});`)
	h.do(chromedp.EmulateViewport(1280, 800))
	h.do(chromedp.Navigate(url))
	h.waitFor("the ad", `document.querySelector("#ad a.souq-ad img") !== null`)
	h.do(chromedp.ScrollIntoView(chromedp.CSS("#ad")))
	time.Sleep(1500 * time.Millisecond)
	if n, _ := impressions(t, flight, ownerTok); n != 2 {
		t.Fatalf("a hidden page counted: %d impressions, want still 2", n)
	}
	if ev := b.events(); len(ev) < 3 || !strings.HasPrefix(ev[0], "rendered ad ofr_") && !strings.HasPrefix(ev[1], "rendered ad ofr_") {
		t.Errorf("events: %v", ev)
	}
}

// make run's demo page shows the demo slot's house ad through the tag,
// under its strict CSP, with no console error.
func TestTag_DemoPage(t *testing.T) {
	b := newTab(t)
	b.onNewDocument(record)
	b.open("/local/demo")
	b.waitFor("the demo slot's ad", `document.querySelector("[data-souq-slot] a.souq-ad img") !== null`)
	label, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("[data-souq-slot] .souq-label")))
	if err != nil || label != "House" {
		t.Fatalf("the demo slot shows %q (%v), want its house ad", label, err)
	}
	if slot, _ := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS("[data-souq-slot]"), "data-souq-slot")); slot.Value != plat.Demo.SlotID {
		t.Fatalf("the demo page shows %q, not the demo slot %q", slot.Value, plat.Demo.SlotID)
	}
}
