package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/souqhq/souq/tests/harness"
)

// DESIGN §16 in a real browser, as its people would: an owner lists the
// community and asks to approve campaigns first, on its page; an
// advertiser finds it in the Market by searching, without knowing its id,
// uploads a banner, and runs a campaign with it chosen on the form; the
// owner approves it in the queue; people see it; then both read the same
// numbers: what the campaign spent is what the community's earnings and
// its slot call gross, less Souq's fee, as the API says. Every page passes
// axe at 1280 and 375 px.
func TestDirectory_FindACommunityAndApproveACampaign(t *testing.T) {
	ownerID, advID := "usr_dir_owner_"+run, "usr_dir_adv_"+run
	ownerTok, advTok := token(t, ownerID), token(t, advID)
	word := "zebrafish" + run // a word only this community's description has
	name := "Zebrafish Club " + run
	com := str(call(t, "POST", "/v1/communities", ownerTok, fmt.Sprintf(`{"name":%q,"url":"https://gophers.example","currency":"USD"}`, name), 201), "id")
	adv := str(call(t, "POST", "/v1/advertisers", advTok, `{"name":"Acme Aquaria","currency":"USD"}`, 201), "id")
	settle(t)
	fund(t, advTok, "/v1/advertisers/"+adv, 10000, "USD")
	slot := str(call(t, "POST", "/v1/communities/"+com+"/slots", ownerTok, `{"name":"Box","width":300,"height":250,"reserve":{"amount":100,"currency":"USD"}}`, 201), "id")
	call(t, "PATCH", "/v1/slots/"+slot, ownerTok, `{"campaigns":{"accept":true,"floorCpm":{"amount":150,"currency":"USD"}}}`, 200)

	// The owner lists the community on its page.
	o := newTab(t)
	o.signIn(ownerID, "/console/communities/"+com).sees("Listing and what runs", "Not listed")
	o.do(chromedp.Click(chromedp.ID("listing-listed")))
	o.fill("Description", "Keepers of "+word+", weekly.").fill("Topics", "aquaria").fill("Languages", "en").fill("Country", "NL")
	o.do(chromedp.Click(chromedp.ID("listing-review-approve")))
	o.press("Save settings").sees("Settings saved: your community is listed in the Market.", "Listed in the Market")
	o.accessible("community-listed")
	// Serving hears of the listing by event and refreshes its directory
	// every few seconds.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		settle(t)
		call(t, "POST", "/local/clock/advance", "", `{"seconds":6}`, 200)
		if r := harness.Send(t, http.MethodGet, "/v1/directory/"+com, "", nil, nil); r.Status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the community never appeared in the directory")
		}
	}

	// The advertiser finds it by a word of its description.
	a := newTab(t)
	a.signIn(advID, "/console/market").sees("Market", "Search")
	a.fill("Search", word).press("Search").sees("Communities that match", name, "Keepers of "+word, "in the last 30 days", "300×250 from $1.50 per 1,000 viewable impressions")
	a.accessible("market")
	ctx, cancel := context.WithTimeout(a.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(fmt.Sprintf(`//a[normalize-space()=%q]`, name), chromedp.NodeVisible)); err != nil {
		t.Fatalf("open the community from the Market: %v", err)
	}
	a.sees(name, "Audience", "Takes pay-as-you-go campaigns", "300×250", "$1.50")
	a.accessible("market-community")

	// It uploads its banner, and chooses it on the campaign form.
	file := filepath.Join(t.TempDir(), "fish.png")
	if err := os.WriteFile(file, banner(t, 300, 250), 0o644); err != nil {
		t.Fatal(err)
	}
	a.open("/console/advertisers/" + adv + "/campaigns").sees("No images uploaded yet.")
	a.do(chromedp.SetUploadFiles(chromedp.ID("creative-image"), []string{file}))
	a.press("Upload image").sees("Image uploaded: 300×250, hosted by Souq.", "300×250 · image/png")
	a.accessible("campaigns-uploaded")
	a.open("/console/advertisers/" + adv + "/campaigns/new").sees("Hosted image, 300×250")
	a.do(chromedp.Click(chromedp.CSS(`input[name="creativeId"][value^="crv_"]`)))
	// The preview shows the hosted image at its size at once.
	if got, err := chromedp.Run(a.ctx, chromedp.Evaluate[[]string](`(() => { const i = document.querySelector("#campaign-preview img"); return i ? [i.getAttribute("src"), i.getAttribute("width") + "x" + i.getAttribute("height")] : []; })()`)); err != nil ||
		len(got) != 2 || !strings.Contains(got[0], "/creatives/") || got[1] != "300x250" {
		t.Fatalf("the preview of the hosted image: %v %v", got, err)
	}
	end := plat.Clock.Now().UTC().Add(48 * time.Hour).Format("2006-01-02T15:04")
	a.fill("Name", "Fish food").fill("Bid (USD)", "3.00").fill("Budget (USD)", "50").fill("Ends", end).
		fill("Click-through address", "https://cdn.example/fish").fill("Alt text", "Fish food for every tank")
	a.do(chromedp.SetValue(chromedp.ID("campaign-pacing"), "asap"))
	a.accessible("campaign-new-hosted")
	a.press("Create campaign").sees("Campaign created: its budget of $50.00 is held.", "Fish food")
	cmp := a.location()[strings.LastIndex(a.location(), "/")+1:]
	c := call(t, "GET", "/v1/campaigns/"+cmp, advTok, "", 200)
	cr, _ := c["creative"].(map[string]any)
	if !strings.HasPrefix(str(cr, "creativeId"), "crv_") || !strings.Contains(str(cr, "imageUrl"), "/creatives/") {
		t.Fatalf("the campaign's creative is not the hosted one: %v", cr)
	}

	// The owner approves it in the queue.
	o.open("/console/communities/"+com+"/campaign-reviews").sees("Campaigns to review", "Fish food", "Acme Aquaria", "300×250", "$3.00 per 1,000 viewable impressions", "only once you approve")
	alt, err := chromedp.Run(o.ctx, chromedp.Evaluate[string](`document.querySelector(".creative-preview img").alt`))
	if err != nil || alt != "Fish food for every tank" {
		t.Errorf("the creative's alt text is %q (%v)", alt, err)
	}
	o.accessible("campaign-reviews")
	o.press("Approve").sees("Campaign approved", "No campaign waits for your review.")
	o.accessible("campaign-reviews-empty")
	reviews, _ := call(t, "GET", "/v1/campaigns/"+cmp, advTok, "", 200)["reviews"].([]any)
	if len(reviews) != 1 || reviews[0].(map[string]any)["decision"] != "approve" {
		t.Fatalf("the campaign's reviews after Approve: %v", reviews)
	}

	// 250 people see it: 250 × $3.00 / 1,000 = $0.75.
	settle(t)
	call(t, "POST", "/local/clock/advance", "", `{"seconds":11}`, 200) // serving reads campaigns every 10 s
	for i := 0; i < 250; i++ {
		r := harness.Send(t, http.MethodGet, "/v1/serve/"+slot, "", nil, nil)
		var offer struct{ CampaignID, ViewURL string }
		if err := json.Unmarshal(r.Body, &offer); r.Status != 200 || err != nil || offer.CampaignID != cmp {
			t.Fatalf("decision %d: %d %s", i, r.Status, r.Body)
		}
		v := harness.Send(t, http.MethodPost, strings.TrimPrefix(offer.ViewURL, base), "", nil, map[string][]string{
			"User-Agent": {harness.BrowserAgent}, harness.ViewerAddressHeader: {harness.ViewerAddress(70_000 + i)}})
		if v.Status != 204 {
			t.Fatalf("view %d: %d %s", i, v.Status, v.Body)
		}
	}
	for i := 0; i < 2; i++ { // the meter's minutes
		settle(t)
		call(t, "POST", "/local/clock/advance", "", `{"seconds":61}`, 200)
	}
	settle(t)
	c = call(t, "GET", "/v1/campaigns/"+cmp, advTok, "", 200)
	spent := num(c["spent"].(map[string]any), "amount")
	if num(c, "impressions") != 250 || spent != 75 {
		t.Fatalf("the campaign after 250 views: %v", c)
	}
	rep := call(t, "GET", "/v1/communities/"+com+"/report", ownerTok, "", 200)
	var gross, fee, net int64
	for _, tot := range rep["totals"].([]any) {
		if m := tot.(map[string]any); m["source"] == "campaigns" {
			gross, fee, net = num(m["gross"].(map[string]any), "amount"), num(m["fee"].(map[string]any), "amount"), num(m["amount"].(map[string]any), "amount")
		}
	}
	if gross != spent || gross-fee != net || net <= 0 || fee <= 0 {
		t.Fatalf("the community's campaigns: gross %d, fee %d, net %d; the campaign spent %d", gross, fee, net, spent)
	}

	// Both read the same numbers.
	a.open("/console/campaigns/"+cmp).sees("Spent "+usd(spent), "Impressions 250")
	a.accessible("campaign-spent")
	o.open("/console/communities/"+com+"/earnings").sees(usd(gross)+" "+usd(fee)+" "+usd(net), "of "+usd(gross)+" gross, less Souq's fee of "+usd(fee))
	o.accessible("earnings-gross-fee-net")
	o.open("/console/communities/"+com+"/earnings?by=slot").sees("Campaign earnings by slot", "Box, 300×250 250 0 "+usd(spent)+" "+usd(net))
	o.open("/console/slots/"+slot).sees("This slot's results", "Campaign impressions 250", "Campaigns spent (gross) "+usd(spent), "You earned from campaigns (net) "+usd(net))
	o.accessible("slot-results")
	o.open("/console/").sees("Getting started", "Community owner", "In transit $0.00")
	o.accessible("home-owner")
}

// usd is an amount as the console writes it in dollars.
func usd(cents int64) string { return fmt.Sprintf("$%d.%02d", cents/100, cents%100) }

// banner is a PNG of w×h pixels.
func banner(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), 120, uint8(y), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
