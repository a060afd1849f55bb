package browser

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A campaign from end to end in a real browser: the owner opts a slot in
// from its page; the advertiser creates a CPM campaign on the console's
// form (its preview following the typing); the tag on a community's page
// shows it, and a second in view counts it; its link is followed; the
// platform's minute settles it; the campaign's page, its report and CSV,
// and the community's earnings by source agree to the cent with the
// balances; Pause and End campaign work from the page. Every tab fails on
// a console error or a CSP violation, every page on an axe violation at
// desktop and phone width.
func TestCampaigns_ConsoleTagAndSettlement(t *testing.T) {
	ownerID, advID := "usr_cmp_owner_"+run, "usr_cmp_adv_"+run
	ownerTok, advTok := token(t, ownerID), token(t, advID)
	com := call(t, "POST", "/v1/communities", ownerTok, `{"name":"Gopher Weekly","url":"https://gophers.example","currency":"USD"}`, 201)
	adv := call(t, "POST", "/v1/advertisers", advTok, `{"name":"Acme","currency":"USD"}`, 201)
	settle(t)
	comID, advAcct := str(com, "id"), str(adv, "id")
	fund(t, advTok, "/v1/advertisers/"+advAcct, 10000, "USD")
	slot := str(call(t, "POST", "/v1/communities/"+comID+"/slots", ownerTok, `{"name":"Leaderboard","width":320,"height":100,"reserve":{"amount":100,"currency":"USD"}}`, 201), "id")
	empty := str(call(t, "POST", "/v1/communities/"+comID+"/slots", ownerTok, `{"name":"Footer","width":970,"height":90,"reserve":{"amount":100,"currency":"USD"}}`, 201), "id")

	// The owner opts the slot in.
	o := newTab(t)
	o.signIn(ownerID, "/console/slots/"+slot).sees("Leaderboard", "no campaigns")
	o.do(chromedp.Click(chromedp.ID("campaigns-accept")))
	o.fill("Floor per 1,000 views (USD)", "1.00").press("Save campaign setting").sees("Saved: campaigns at or above $1.00", "accepts campaigns from $1.00 CPM")
	o.accessible("slot-campaigns")

	// The advertiser creates the campaign on the form.
	a := newTab(t)
	a.signIn(advID, "/console/advertisers/"+advAcct+"/campaigns").sees("No campaigns yet.")
	a.do(chromedp.Click(`//a[normalize-space()="New campaign"]`, chromedp.NodeVisible))
	a.do(chromedp.WaitVisible(chromedp.ID("campaign-name")))
	a.sees("New campaign", "Type an image address to see the banner.")
	end := plat.Clock.Now().UTC().Add(48 * time.Hour).Format("2006-01-02T15:04")
	a.fill("Name", "Spring launch").fill("Bid (USD)", "20").fill("Budget (USD)", "50").fill("Ends", end).
		fill("Image address", "https://cdn.example/spring-320x100.png").fill("Alt text", "Acme spring launch").
		fill("Width (px)", "320").fill("Height (px)", "100")
	time.Sleep(800 * time.Millisecond) // the preview waits for the address to stop changing
	src, err := chromedp.Run(a.ctx, chromedp.Evaluate[[]string](`(() => { const i = document.querySelector("#campaign-preview img"); return i ? [i.getAttribute("src"), i.alt, i.getAttribute("width") + "x" + i.getAttribute("height"), document.getElementById("campaign-preview-size").textContent] : []; })()`))
	if err != nil || fmt.Sprint(src) != "[https://cdn.example/spring-320x100.png Acme spring launch 320x100 320×100]" {
		t.Fatalf("the live preview: %v %v", src, err)
	}
	// The reach was counted for 300×250: typed another size, it asks for
	// Preview rather than show that count.
	if r, _ := chromedp.Run(a.ctx, chromedp.Evaluate[string](`document.getElementById("campaign-reach").textContent`)); r != "Press Preview to count the slots of 320×100 that accept campaigns." {
		t.Fatalf("the reach after the size changed: %q", r)
	}
	a.accessible("campaign-new")
	a.fill("Click-through address", "https://cdn.example/spring-landing").press("Create campaign")
	a.sees("Campaign created: its budget of $50.00 is held.", "Spring launch", "Nothing settled yet")
	cmp := a.location()[strings.LastIndex(a.location(), "/")+1:]
	if !strings.HasPrefix(cmp, "cmp_") {
		t.Fatalf("created, the browser is on %s", a.location())
	}
	a.accessible("campaign")

	// The tag shows it on the community's page; a second in view counts.
	call(t, "POST", "/local/clock/advance", "", `{"seconds":11}`, 200) // serving reads campaigns every 10 s
	v := newTab(t)
	v.onNewDocument(record + recordViews)
	v.do(chromedp.EmulateViewport(1280, 800))
	v.do(chromedp.Navigate(hostPage(t, slot, empty)))
	v.waitFor("the campaign's ad", `document.querySelector("#ad a.souq-ad img") !== null`)
	if alt, _ := chromedp.Run(v.ctx, chromedp.Evaluate[string](`document.querySelector("#ad a.souq-ad img").alt`)); alt != "Acme spring launch" {
		t.Fatalf("the slot shows %q, not the campaign", alt)
	}
	v.do(chromedp.ScrollIntoView(chromedp.CSS("#ad")))
	// A second in view sends its view (however long a loaded machine
	// takes to get there); then a person clicks it: a new tab goes through the click's redirect to
	// the campaign's page (a made-up host, like the creatives', on a
	// machine without a network).
	v.waitFor("the view beacon", `window.__souqViews.length === 1`)
	v.do(chromedp.Click(`#ad a.souq-ad`, chromedp.NodeVisible))
	time.Sleep(500 * time.Millisecond)
	settle(t)
	call(t, "POST", "/local/clock/advance", "", `{"seconds":61}`, 200) // the meter's minute
	settle(t)

	// One view at $20.00 CPM is 2 cents; the community's 70 % of it is
	// 1.4, half-even 1 cent.
	c := call(t, "GET", "/v1/campaigns/"+cmp, advTok, "", 200)
	if num(c, "impressions") != 1 || num(c, "clicks") != 1 || num(c["spent"].(map[string]any), "amount") != 2 {
		t.Fatalf("the campaign after its minute: %v", c)
	}
	a.open("/console/campaigns/"+cmp).sees("$0.02", "$49.98", "Gopher Weekly") // the community by its name (DESIGN §16)
	csv, err := chromedp.Run(a.ctx, chromedp.Evaluate[string](`fetch(document.querySelector('a[download]').href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	day := plat.Clock.Now().UTC().Format("2006-01-02")
	if err != nil || !strings.Contains(csv, day+","+comID+",1,1,1.000000,0.02,20.00,USD,1,0,") {
		t.Fatalf("the report's CSV from its page: %q %v", csv, err)
	}
	// What it bought, by country: the tag's requests name none here (no
	// CloudFront), so the one view is of an unknown country, and the CSV
	// by country says so.
	a.open("/console/campaigns/"+cmp+"?by=country").sees("What it bought, by country", "Unknown", "Spend by country")
	csv, err = chromedp.Run(a.ctx, chromedp.Evaluate[string](`fetch(document.querySelector('a[download][href*="by=country"]').href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.HasPrefix(csv, "day,country,") || !strings.Contains(csv, day+",,1,1,1.000000,0.02,20.00,USD,1,0,") {
		t.Fatalf("the CSV by country from its page: %q %v", csv, err)
	}
	a.accessible("campaign by country")
	o.open("/console/communities/"+comID+"/earnings").sees("By source", "Campaigns", "Campaign earnings by country", "Unknown")
	earn := call(t, "GET", "/v1/communities/"+comID+"/report", ownerTok, "", 200)
	if num(earn["total"].(map[string]any), "amount") != 1 {
		t.Fatalf("the community's report: %v", earn)
	}
	if b := call(t, "GET", "/v1/communities/"+comID+"/balance", ownerTok, "", 200); num(b, "available") != 1 {
		t.Fatalf("the community's balance: %v", b)
	}
	o.accessible("earnings")

	// Pause, then End campaign (confirmed) from its page.
	a.press("Pause").sees("Paused: it is not offered until you resume it.", "Resume")
	a.do(chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`))
	a.press("End campaign").sees("Ended: what was not spent is back in your wallet.", "$49.98")
	if b := call(t, "GET", "/v1/advertisers/"+advAcct+"/balance", advTok, "", 200); num(b, "available") != 9_998 || num(b, "held") != 0 {
		t.Fatalf("the advertiser after the end: %v", b)
	}
	a.open("/console/advertisers/"+advAcct+"/campaigns").sees("Spring launch", "Ended", "$0.02")
	a.accessible("campaigns")
}

// A frequency cap without a profile: a campaign capped at three showings
// in 24 hours is shown three times in one browser and not a fourth; the
// count lives in that browser's localStorage, and a browser of its own
// (a new context) is shown it again.
func TestTargeting_FrequencyCapStopsTheFourthShowing(t *testing.T) {
	ownerTok, advTok := token(t, "usr_freq_owner_"+run), token(t, "usr_freq_adv_"+run)
	com := str(call(t, "POST", "/v1/communities", ownerTok, `{"name":"Gopher Weekly","url":"https://gophers.example","currency":"USD"}`, 201), "id")
	adv := str(call(t, "POST", "/v1/advertisers", advTok, `{"name":"Acme","currency":"USD"}`, 201), "id")
	settle(t)
	fund(t, advTok, "/v1/advertisers/"+adv, 10000, "USD")
	slot := str(call(t, "POST", "/v1/communities/"+com+"/slots", ownerTok, `{"name":"Half page","width":300,"height":600,"reserve":{"amount":100,"currency":"USD"}}`, 201), "id")
	empty := str(call(t, "POST", "/v1/communities/"+com+"/slots", ownerTok, `{"name":"Skyscraper","width":160,"height":600,"reserve":{"amount":100,"currency":"USD"}}`, 201), "id")
	call(t, "PATCH", "/v1/slots/"+slot, ownerTok, `{"campaigns":{"accept":true,"floorCpm":{"amount":100,"currency":"USD"}}}`, 200)
	end := plat.Clock.Now().UTC().Add(48 * time.Hour).Truncate(time.Second).Format(time.RFC3339)
	cmp := str(call(t, "POST", "/v1/advertisers/"+adv+"/campaigns", advTok, `{"name":"Capped","currency":"USD","pricing":{"model":"cpm","bid":{"amount":300,"currency":"USD"}},
	  "budget":{"amount":5000,"currency":"USD"},"pacing":"asap","end":"`+end+`","targeting":{"frequency":{"impressions":3,"hours":24}},
	  "creative":{"imageUrl":"https://cdn.example/capped-300x600.png","clickUrl":"https://cdn.example/capped","altText":"Capped","width":300,"height":600}}`, 201), "id")
	call(t, "POST", "/local/clock/advance", "", `{"seconds":11}`, 200) // serving reads campaigns every 10 s
	page := hostPage(t, slot, empty)

	showings := func(b *tab) []string {
		var out []string
		for _, e := range b.events() {
			if strings.HasSuffix(e, " ad") || strings.Contains(e, " ad ") {
				out = append(out, strings.Fields(e)[0])
			}
		}
		return out
	}
	b := newTab(t)
	b.onNewDocument(record)
	b.do(chromedp.Navigate(page))
	b.waitFor("the first showing", `window.__souq.some(function (e) { return e.indexOf(" ad ") > 0 || e === "nofill ad"; })`)
	for i := 2; i <= 4; i++ {
		b.do(chromedp.Evaluate[chromedp.Void](`souq.reload()`))
		b.waitFor(fmt.Sprintf("decision %d", i), fmt.Sprintf(`window.__souq.filter(function (e) { return e.indexOf(" ad ") > 0 || e === "nofill ad"; }).length >= %d`, i))
	}
	if got := showings(b); fmt.Sprint(got) != "[rendered rendered rendered nofill]" {
		t.Fatalf("four decisions in one browser: %v", got)
	}
	kept, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](fmt.Sprintf(`JSON.parse(localStorage.getItem("souq:f"))[%q].t.length`, cmp)))
	if err != nil || kept != 3 {
		t.Fatalf("the browser's own count: %d %v", kept, err)
	}
	// Another browser has its own count: it is shown the campaign.
	o := newTab(t)
	o.onNewDocument(record)
	o.do(chromedp.Navigate(page))
	o.waitFor("another browser's showing", `window.__souq.some(function (e) { return e.indexOf("rendered ad ") === 0; })`)
}
