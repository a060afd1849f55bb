package console

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Campaigns through the console's forms: refusals are shown beside their
// fields and hold nothing; one form sent twice holds its budget once; the
// preview works without JavaScript; changes, pause, resume and end reach
// the API; the report downloads as CSV; the owner's slot setting; and a
// stranger sees nothing.
func TestCampaigns_FormsHoldOnceAndRefuseBesideTheField(t *testing.T) {
	m := newMarket(t)
	own, adv := m.owner, m.advertiser
	ownTok, advTok := token(t, own.id), token(t, adv.id)

	own.get("/console/communities/"+m.communityID).press("Create slot", map[string]string{"name": "Box", "width": "300", "height": "250", "reserve": "5.00"})
	slot := idFrom(t, own.url, "/console/slots/")
	own.sees("no campaigns", "Accept campaigns")
	own.press("Save campaign setting", map[string]string{"accept": "on", "floorCpm": "1.234"})
	if own.status != http.StatusUnprocessableEntity || own.fieldError("campaigns", "floorCpm") == "" {
		t.Fatalf("a floor of 1.234 USD: %d %q", own.status, own.fieldError("campaigns", "floorCpm"))
	}
	if s := api(t, "GET", "/v1/slots/"+slot, ownTok, "", 200); s["campaigns"].(map[string]any)["accept"] != false {
		t.Fatalf("a refused setting changed the slot: %v", s)
	}
	own.get("/console/slots/"+slot).press("Save campaign setting", map[string]string{"accept": "on", "floorCpm": "2.00"})
	own.sees("Saved: campaigns at or above $2.00", "accepts campaigns from $2.00 CPM")
	if c := api(t, "GET", "/v1/slots/"+slot, ownTok, "", 200)["campaigns"].(map[string]any); c["accept"] != true || num(c["floorCpm"].(map[string]any), "amount") != 200 {
		t.Fatalf("the slot's setting: %v", c)
	}

	end := plat.Clock.Now().UTC().Add(72 * time.Hour).Format("2006-01-02T15:04")
	form := map[string]string{"name": "Spring", "model": "cpm", "bid": "4.00", "budget": "50", "end": end, "pacing": "even",
		"imageUrl": "https://cdn.example/s.png", "clickUrl": "https://acme.example/s", "altText": "Spring", "width": "300", "height": "250"}
	with := func(k, v string) map[string]string {
		out := map[string]string{}
		for a, b := range form {
			out[a] = b
		}
		out[k] = v
		return out
	}
	held := func() int64 {
		return num(api(t, "GET", "/v1/advertisers/"+m.advertiserID+"/balance", advTok, "", 200), "held")
	}
	listed := func() int {
		return len(api(t, "GET", "/v1/advertisers/"+m.advertiserID+"/campaigns", advTok, "", 200)["data"].([]any))
	}

	// Without JavaScript, Preview shows the creative and creates nothing.
	adv.get("/console/advertisers/" + m.advertiserID + "/campaigns/new")
	csrf, _ := adv.page.Find(`input[name="csrf"]`).Attr("value")
	vals := url.Values{"csrf": {csrf}, "currency": {"USD"}}
	for k, v := range form {
		vals.Set(k, v)
	}
	adv.post("/console/advertisers/"+m.advertiserID+"/campaigns/new", vals, map[string]string{"Origin": base, "Sec-Fetch-Site": "same-origin"})
	if src, _ := adv.page.Find("#campaign-preview img").Attr("src"); adv.status != 200 || src != "https://cdn.example/s.png" || adv.page.Find("#campaign-name").AttrOr("value", "") != "Spring" {
		t.Fatalf("the preview: %d %q\n%s", adv.status, src, adv.text())
	}
	if listed() != 0 {
		t.Fatal("a preview created a campaign")
	}
	// The preview says how many accepting slots the bid reaches: this
	// slot's floor is 2.00, the bid 4.00 (other tests' slots of the size
	// may count too).
	reach := regexp.MustCompile(`^(\d+) slots? of 300×250 accept campaigns in USD; (\d+) take this bid\.$`).FindStringSubmatch(strings.TrimSpace(adv.page.Find("#campaign-reach").Text()))
	if len(reach) != 3 {
		t.Fatalf("the reach: %q", adv.page.Find("#campaign-reach").Text())
	}
	if accepting, _ := strconv.Atoi(reach[1]); accepting < 1 || reach[2] != reach[1] {
		t.Fatalf("the reach at 4.00 (every floor of the size here is 2.00): %q", reach[0])
	}

	for _, c := range []struct {
		field, value, formField string
		status                  int
	}{
		{"bid", "four", "bid", http.StatusUnprocessableEntity},    // the console cannot read it
		{"imageUrl", "http://cdn.example/s.png", "imageUrl", 400}, // the API's message, beside its field
		{"end", "2020-01-01T00:00", "end", 400},                   // in the past
		{"width", "0", "width", 400},                              // no such banner
		{"budget", "500", "", http.StatusUnprocessableEntity},
		{"countries", "SA, XX", "countries", 400},
		{"hours", "8, nine", "hours", http.StatusUnprocessableEntity},
		{"frequencyImpressions", "0", "frequencyImpressions", 400}, // more than the wallet
	} {
		adv.get("/console/advertisers/"+m.advertiserID+"/campaigns/new").press("Create campaign", with(c.field, c.value))
		if adv.status != c.status || (c.formField != "" && adv.fieldError("campaign", c.formField) == "") {
			t.Errorf("%s=%q: status %d, message %q\n%s", c.field, c.value, adv.status, adv.fieldError("campaign", c.formField), adv.text())
		}
		if c.formField == "" && !strings.Contains(adv.text(), "does not cover") {
			t.Errorf("%s=%q: %s", c.field, c.value, adv.text())
		}
		if v := adv.page.Find("#campaign-name").AttrOr("value", ""); v != "Spring" {
			t.Errorf("%s=%q: the name typed was not kept: %q", c.field, c.value, v)
		}
	}
	if listed() != 0 || held() != 0 {
		t.Fatalf("refused forms made %d campaigns and hold %d", listed(), held())
	}

	// One form sent twice holds once.
	adv.get("/console/advertisers/" + m.advertiserID + "/campaigns/new")
	page, at := adv.page, adv.url
	sel := adv.formWith("Create campaign")
	adv.submit(sel, form).sees("Campaign created: its budget of $50.00 is held.", "Spring")
	cmp := idFrom(t, adv.url, "/console/campaigns/")
	adv.page, adv.url = page, at
	adv.submit(sel, form)
	if listed() != 1 || held() != 5_000 {
		t.Fatalf("one form sent twice: %d campaigns, %d held", listed(), held())
	}

	// A targeted one, from the same form: read back by the API, shown on
	// its page.
	tg := with("keywords", "Go, data bases")
	tg["countries"], tg["frequencyImpressions"], tg["frequencyHours"] = "sa ae", "3", "24"
	adv.get("/console/advertisers/"+m.advertiserID+"/campaigns/new").press("Create campaign", tg)
	adv.sees("Campaign created", "Targeting", "data bases, go", "AE, SA", "3 times per browser in 24 hours")
	tcmp := idFrom(t, adv.url, "/console/campaigns/")
	if c := api(t, "GET", "/v1/campaigns/"+tcmp, advTok, "", 200); fmt.Sprint(c["targeting"]) != "map[countries:[AE SA] devices:[] frequency:map[hours:24 impressions:3] hours:[] keywords:[data bases go]]" {
		t.Fatalf("the targeting the form sent: %v", c["targeting"])
	}
	adv.press("End campaign", nil).sees("Ended")

	// Changes: a larger budget holds the difference; a daily cap, then none;
	// a smaller budget releases the difference; one the console cannot
	// read is refused beside its field and changes nothing.
	adv.get("/console/campaigns/"+cmp).press("Save changes", map[string]string{"budget": "60", "dailyCap": "5"}).sees("Saved.")
	c := api(t, "GET", "/v1/campaigns/"+cmp, advTok, "", 200)
	if held() != 6_000 || num(c["budget"].(map[string]any), "amount") != 6_000 || num(c["dailyCap"].(map[string]any), "amount") != 500 {
		t.Fatalf("after raising the budget and capping a day: held %d, %v", held(), c)
	}
	adv.get("/console/campaigns/"+cmp).press("Save changes", map[string]string{"dailyCap": ""}).sees("Saved.")
	if c := api(t, "GET", "/v1/campaigns/"+cmp, advTok, "", 200); c["dailyCap"] != nil {
		t.Fatalf("the cap was not removed: %v", c["dailyCap"])
	}
	adv.get("/console/campaigns/"+cmp).press("Save changes", map[string]string{"budget": "40"}).sees("Saved.")
	if held() != 4_000 {
		t.Fatalf("a smaller budget (DESIGN §15) releases the difference: held %d, want 4000", held())
	}
	adv.get("/console/campaigns/"+cmp).press("Save changes", map[string]string{"budget": "40.001"})
	if adv.status < 400 || adv.fieldError("change", "budget") == "" || held() != 4_000 {
		t.Fatalf("a budget with a third decimal: %d %q, held %d", adv.status, adv.fieldError("change", "budget"), held())
	}
	adv.get("/console/campaigns/"+cmp).press("Save changes", nil).sees("Nothing was changed.")

	// The banner and targeting change after creation (DESIGN §16): a new
	// image and click-through, keywords and a device; the API has them
	// whole, the creative a new version; an image that is no address is
	// refused beside its field and changes nothing.
	adv.get("/console/campaigns/"+cmp).press("Save banner and targeting", map[string]string{"imageUrl": "https://cdn.example/autumn.png",
		"clickUrl": "https://acme.example/autumn", "altText": "Acme autumn", "keywords": "go", "devices": "mobile"}).sees("Saved: the banner and targeting")
	c = api(t, "GET", "/v1/campaigns/"+cmp, advTok, "", 200)
	cr := c["creative"].(map[string]any)
	if cr["imageUrl"] != "https://cdn.example/autumn.png" || cr["clickUrl"] != "https://acme.example/autumn" || cr["altText"] != "Acme autumn" ||
		num(c, "creativeVersion") != 2 || fmt.Sprint(c["targeting"].(map[string]any)["keywords"]) != "[go]" || fmt.Sprint(c["targeting"].(map[string]any)["devices"]) != "[mobile]" {
		t.Fatalf("after the banner form: %v", c)
	}
	if kw, alt := adv.page.Find("#banner-keywords").AttrOr("value", ""), adv.page.Find("#banner-altText").AttrOr("value", ""); kw != "go" || alt != "Acme autumn" {
		t.Fatalf("the banner form shows keywords %q and alt text %q", kw, alt)
	}
	adv.get("/console/campaigns/"+cmp).press("Save banner and targeting", map[string]string{"imageUrl": "not an address"})
	if adv.status < 400 || adv.fieldError("banner", "imageUrl") == "" {
		t.Fatalf("a banner that is no address: %d %q", adv.status, adv.fieldError("banner", "imageUrl"))
	}
	if c := api(t, "GET", "/v1/campaigns/"+cmp, advTok, "", 200); num(c, "creativeVersion") != 2 {
		t.Fatalf("a refused banner changed the campaign: %v", c["creative"])
	}

	// Pause, resume, end.
	adv.get("/console/campaigns/"+cmp).press("Pause", nil).sees("Paused")
	if s := api(t, "GET", "/v1/campaigns/"+cmp, advTok, "", 200)["status"]; s != "paused" {
		t.Fatalf("after Pause: %v", s)
	}
	adv.press("Resume", nil).sees("Resumed")
	adv.press("End campaign", nil).sees("Ended: what was not spent is back in your wallet.")
	if held() != 0 || adv.hasButton("Pause") || adv.hasButton("Save changes") {
		t.Fatalf("after End campaign: held %d, the page still offers its buttons", held())
	}

	// The report as CSV, through the console.
	resp, err := adv.c.Get(base + "/console/campaigns/" + cmp + "/report.csv")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	buf := make([]byte, 4096)
	n, _ := resp.Body.Read(buf)
	b.Write(buf[:n])
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(b.String(), "day,community_id,impressions,clicks,ctr,spend,ecpm,currency") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("the CSV: %d %v %q", resp.StatusCode, resp.Header, b.String())
	}

	// Someone else's campaign is nothing at all.
	own.get("/console/campaigns/" + cmp)
	if own.status != http.StatusNotFound {
		t.Fatalf("the owner opened the advertiser's campaign: %d", own.status)
	}
	own.get("/console/campaigns/" + cmp + "/report.csv")
	if own.status != http.StatusNotFound {
		t.Fatalf("the owner downloaded the advertiser's report: %d", own.status)
	}
}
