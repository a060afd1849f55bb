package browser

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/souqhq/souq/tests/harness"
)

// DESIGN §16 in a real browser: an advertiser finds a listed community in
// the Market by searching, without knowing its id, and reads its page;
// its owner, who approves campaigns first, approves one in the queue.
// The Market and the queue pass axe at 1280 and 375 px.
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
	call(t, "PATCH", "/v1/communities/"+com, ownerTok, fmt.Sprintf(`{"listed":true,"description":"Keepers of %s, weekly.","topics":["aquaria"],"languages":["en"],"country":"NL","campaignReview":"approve"}`, word), 200)
	end := plat.Clock.Now().UTC().Add(48 * time.Hour).Truncate(time.Second).Format(time.RFC3339)
	cmp := str(call(t, "POST", "/v1/advertisers/"+adv+"/campaigns", advTok, `{"name":"Fish food","currency":"USD","pricing":{"model":"cpm","bid":{"amount":300,"currency":"USD"}},
	  "budget":{"amount":5000,"currency":"USD"},"pacing":"asap","end":"`+end+`",
	  "creative":{"imageUrl":"https://cdn.example/fish-300x250.png","clickUrl":"https://cdn.example/fish","altText":"Fish food for every tank","width":300,"height":250}}`, 201), "id")
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

	o := newTab(t)
	o.signIn(ownerID, "/console/communities/"+com+"/campaign-reviews").sees("Campaigns to review", "Fish food", "Acme Aquaria", "300×250", "$3.00 per 1,000 viewable impressions", "only once you approve")
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
}
