package tests

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

type reviewQueueItem struct {
	CampaignID, CampaignName, AdvertiserID, AdvertiserName, Status string
	CreativeVersion                                                int
	Creative                                                       struct {
		ImageURL, ClickURL, AltText string
		Width, Height               int
	}
	Pricing struct {
		Model string
		Bid   struct{ Amount int64 }
	}
	Previous string
}

type campaignReviews struct {
	ID              string
	CreativeVersion int
	Reviews         []struct {
		CommunityID, Decision, Reason string
		CreativeVersion               int
		Current                       bool
	}
}

// reviewSize is a slot size of these tests' own: no other suite's
// campaign competes on it.
const reviewW, reviewH = 311, 211

// reviewCampaignBody is an asap CPM campaign of reviewSize in EUR.
func reviewCampaignBody(t *testing.T, image string) string {
	end := now(t).Add(72 * time.Hour).Truncate(time.Second)
	return fmt.Sprintf(`{"name":"Review me","currency":"EUR","pricing":{"model":"cpm","bid":{"amount":300,"currency":"EUR"}},
	  "budget":{"amount":5000,"currency":"EUR"},"end":%q,"pacing":"asap",
	  "creative":{"imageUrl":%q,"clickUrl":"https://shop.example/review","altText":"Review me","width":%d,"height":%d}}`,
		end.Format(time.RFC3339), image, reviewW, reviewH)
}

// reviewSlot is a community's slot of reviewSize that takes campaigns.
func reviewSlot(t *testing.T, ownerToken, com string) string {
	t.Helper()
	s := decode[slot](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/slots", auth: ownerToken,
		body: fmt.Sprintf(`{"name":"Review banner","width":%d,"height":%d,"reserve":{"amount":100,"currency":"EUR"}}`, reviewW, reviewH)}), 201)).ID
	expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + s, auth: ownerToken, body: `{"campaigns":{"accept":true,"floorCpm":{"amount":100,"currency":"EUR"}}}`}), 200)
	return s
}

// servedOn serves the slot n times and counts the campaigns offered.
func servedOn(t *testing.T, slotID string, n int) map[string]int {
	t.Helper()
	got := map[string]int{}
	for range n {
		r := do(t, call{method: "GET", path: "/v1/serve/" + slotID})
		switch r.status {
		case 204:
		case 200:
			if a := decode[ad](t, r); a.Kind == "campaign" {
				got[a.CampaignID]++
			}
		default:
			t.Fatalf("serve %s: %d %s", slotID, r.status, r.body)
		}
	}
	return got
}

func reviewQueue(t *testing.T, ownerToken, com string) []reviewQueueItem {
	t.Helper()
	return decode[struct{ Data []reviewQueueItem }](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + com + "/campaign-reviews", auth: ownerToken}), 200)).Data
}

func queued(q []reviewQueueItem, campaignID string) *reviewQueueItem {
	for i := range q {
		if q[i].CampaignID == campaignID {
			return &q[i]
		}
	}
	return nil
}

// A community that approves campaigns first: a campaign never runs on its
// slots before its owner approves it (while it runs on another
// community's), runs after; a changed creative stops it there until
// approved again; a rejected one never runs; a blocked advertiser's
// campaign never runs there, and its bid on the community's auction is
// refused, while it runs and bids elsewhere. The advertiser reads why.
func TestCampaignReview_ApproveFirstBlockAndRejectThroughTheAPI(t *testing.T) {
	ownerToken, com := newCommunityForSlots(t)
	otherToken, other := newCommunityForSlots(t)
	here, there := reviewSlot(t, ownerToken, com), reviewSlot(t, otherToken, other)

	aTok, aID := eurAdvertiser(t, 20_000)
	bTok, bID := eurAdvertiser(t, 20_000)
	ca := decode[campaignView](t, expect(t, do(t, call{method: "POST", path: "/v1/advertisers/" + aID + "/campaigns", auth: aTok,
		body: reviewCampaignBody(t, "https://cdn.example/review-a.png"), headers: freshKey()}), 201))
	cb := decode[campaignView](t, expect(t, do(t, call{method: "POST", path: "/v1/advertisers/" + bID + "/campaigns", auth: bTok,
		body: reviewCampaignBody(t, "https://cdn.example/review-b.png"), headers: freshKey()}), 201))

	// Refusals of the setting, then approve first and block b.
	for _, body := range []string{`{"campaignReview":"sometimes"}`, `{"blockedAdvertisers":["nobody"]}`} {
		expect(t, do(t, call{method: "PATCH", path: "/v1/communities/" + com, auth: ownerToken, body: body}), 400)
	}
	expect(t, do(t, call{method: "PATCH", path: "/v1/communities/" + com, auth: ownerToken,
		body: fmt.Sprintf(`{"campaignReview":"approve","blockedAdvertisers":[%q]}`, bID)}), 200)
	advance(t, 10*time.Second) // serving hears of it all, and reads campaigns every 10 s

	if got := servedOn(t, here, 60); len(got) != 0 {
		t.Fatalf("before approval, on the approving community: %v", got)
	}
	if got := servedOn(t, there, 60); got[ca.ID] == 0 || got[cb.ID] == 0 {
		t.Fatalf("on another community both run: %v", got)
	}

	// The queue: a, not the blocked b; its owner's only.
	q := reviewQueue(t, ownerToken, com)
	item := queued(q, ca.ID)
	if item == nil || queued(q, cb.ID) != nil {
		t.Fatalf("queue %+v: want %s and not %s", q, ca.ID, cb.ID)
	}
	if item.AdvertiserID != aID || item.CreativeVersion != 1 || item.Creative.ImageURL != "https://cdn.example/review-a.png" ||
		item.Creative.Width != reviewW || item.Pricing.Model != "cpm" || item.Pricing.Bid.Amount != 300 {
		t.Fatalf("queue item %+v", item)
	}
	_, stranger := newUser(t)
	expect(t, do(t, call{method: "GET", path: "/v1/communities/" + com + "/campaign-reviews", auth: stranger}), 404)
	expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/campaigns/" + ca.ID + "/approve", auth: stranger}), 404)
	expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/campaigns/" + ca.ID + "/reject", auth: ownerToken, body: `{"reason":""}`}), 400)
	expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/campaigns/" + ca.ID + "/reject", auth: ownerToken,
		body: `{"reason":"` + strings.Repeat("x", 501) + `"}`}), 400)

	// The blocked advertiser's bid on the community's auction is refused;
	// on the other community's it stands.
	t0 := now(t).Truncate(time.Second)
	window := fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q,"closesAt":%q}`, t0.Add(48*time.Hour).Format(time.RFC3339), t0.Add(49*time.Hour).Format(time.RFC3339), t0.Add(47*time.Hour).Format(time.RFC3339))
	auc := decode[auctionView](t, expect(t, do(t, call{method: "POST", path: "/v1/slots/" + here + "/auctions", auth: ownerToken, body: window}), 201))
	elsewhere := decode[auctionView](t, expect(t, do(t, call{method: "POST", path: "/v1/slots/" + there + "/auctions", auth: otherToken, body: window}), 201))
	expect(t, do(t, call{method: "PUT", path: "/v1/auctions/" + auc.ID + "/bid", auth: bTok, body: bidBody(bID, 600)}), 403)
	expect(t, do(t, call{method: "PUT", path: "/v1/auctions/" + elsewhere.ID + "/bid", auth: bTok, body: bidBody(bID, 600)}), 200)
	expect(t, do(t, call{method: "PUT", path: "/v1/auctions/" + auc.ID + "/bid", auth: aTok, body: bidBody(aID, 600)}), 200)

	// Approved: a runs there, b still never.
	d := decode[struct{ Decision string }](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/campaigns/" + ca.ID + "/approve", auth: ownerToken}), 200))
	if d.Decision != "approve" {
		t.Fatalf("decision %+v", d)
	}
	advance(t, 10*time.Second)
	if got := servedOn(t, here, 40); got[ca.ID] != 40 {
		t.Fatalf("after approval: %v", got)
	}
	v := decode[campaignReviews](t, expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + ca.ID, auth: aTok}), 200))
	if len(v.Reviews) != 1 || v.Reviews[0].CommunityID != com || v.Reviews[0].Decision != "approve" || !v.Reviews[0].Current {
		t.Fatalf("the advertiser's reviews: %+v", v.Reviews)
	}
	if queued(reviewQueue(t, ownerToken, com), ca.ID) != nil {
		t.Fatal("an approved campaign is still in the queue")
	}

	// A changed creative stops it there until approved again.
	v = decode[campaignReviews](t, expect(t, do(t, call{method: "PATCH", path: "/v1/campaigns/" + ca.ID, auth: aTok,
		body: fmt.Sprintf(`{"creative":{"imageUrl":"https://cdn.example/review-a2.png","clickUrl":"https://shop.example/review","altText":"Review me again","width":%d,"height":%d}}`, reviewW, reviewH)}), 200))
	if v.CreativeVersion != 2 || len(v.Reviews) != 1 || v.Reviews[0].Current {
		t.Fatalf("after the change: %+v", v)
	}
	advance(t, 10*time.Second)
	if got := servedOn(t, here, 60); len(got) != 0 {
		t.Fatalf("a changed creative ran before approval: %v", got)
	}
	if got := servedOn(t, there, 60); got[ca.ID] == 0 {
		t.Fatalf("the changed creative runs where nobody reviews: %v", got)
	}
	if item := queued(reviewQueue(t, ownerToken, com), ca.ID); item == nil || item.CreativeVersion != 2 || item.Previous != "approve" {
		t.Fatalf("the changed creative in the queue: %+v", item)
	}

	// Rejected: never there; the advertiser reads why; the decision stands.
	expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/campaigns/" + ca.ID + "/approve", auth: ownerToken, body: `{"creativeVersion":1}`}), 409) // not what it shows now
	expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/campaigns/" + ca.ID + "/reject", auth: ownerToken,
		body: `{"reason":"The new image promises what the shop does not sell.","creativeVersion":2}`}), 200)
	expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/campaigns/" + ca.ID + "/approve", auth: ownerToken}), 409)
	advance(t, 10*time.Second)
	if got := servedOn(t, here, 60); len(got) != 0 {
		t.Fatalf("a rejected creative ran: %v", got)
	}
	v = decode[campaignReviews](t, expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + ca.ID, auth: aTok}), 200))
	if len(v.Reviews) != 1 || v.Reviews[0].Decision != "reject" || v.Reviews[0].Reason != "The new image promises what the shop does not sell." || !v.Reviews[0].Current {
		t.Fatalf("the advertiser's reviews after the rejection: %+v", v.Reviews)
	}
}

// Eight approve and reject calls at once on one creative end in one
// decision: the others answer it or are 409, and one CampaignReviewed is
// sent.
func TestCampaignReview_EightAtOnceEndInOneDecision(t *testing.T) {
	ownerToken, com := newCommunityForSlots(t)
	reviewSlot(t, ownerToken, com)
	aTok, aID := eurAdvertiser(t, 10_000)
	c := decode[campaignView](t, expect(t, do(t, call{method: "POST", path: "/v1/advertisers/" + aID + "/campaigns", auth: aTok,
		body: reviewCampaignBody(t, "https://cdn.example/review-race.png"), headers: freshKey()}), 201))
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	decisions := make([]string, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path, body := "/approve", ""
			if i%2 == 1 {
				path, body = "/reject", `{"reason":"Not for us."}`
			}
			r := do(t, call{method: "POST", path: "/v1/communities/" + com + "/campaigns/" + c.ID + path, auth: ownerToken, body: body})
			statuses[i] = r.status
			if r.status == 200 {
				decisions[i] = decode[struct{ Decision string }](t, r).Decision
			}
		}()
	}
	wg.Wait()
	decided := ""
	for i, st := range statuses {
		switch st {
		case 200:
			if decided != "" && decisions[i] != decided {
				t.Fatalf("two decisions stood: %v", decisions)
			}
			decided = decisions[i]
		case 409:
		default:
			t.Fatalf("call %d: %d", i, st)
		}
	}
	if decided == "" {
		t.Fatalf("no decision stood: %v", statuses)
	}
	n := 0
	for _, e := range events(t, "CampaignReviewed") {
		if d, ok := e["detail"].(map[string]any); ok && d["campaignId"] == c.ID {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d CampaignReviewed, want 1", n)
	}
	v := decode[campaignReviews](t, expect(t, do(t, call{method: "GET", path: "/v1/campaigns/" + c.ID, auth: aTok}), 200))
	if len(v.Reviews) != 1 || v.Reviews[0].Decision != decided {
		t.Fatalf("reviews %+v, decided %s", v.Reviews, decided)
	}
}
