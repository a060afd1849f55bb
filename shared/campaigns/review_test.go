package campaigns_test

// Integration tests of communities' review of campaigns (DESIGN §16)
// against DynamoDB Local: the queue, one decision per creative version,
// a changed creative reviewed again, and what the advertiser sees.

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/campaigns"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/store/storetest"
)

var communityOwner = auth.Principal{Kind: auth.KindUser, UserID: "usr_c"}

// delivered numbers the events tests deliver, so each has an id of its own.
var delivered atomic.Int64

// deliver hands the service an event as the bus would.
func (w *world) deliver(e events.Event) {
	w.t.Helper()
	e.Base().EventID = fmt.Sprintf("evt_%s_%d", e.DetailType(), delivered.Add(1)) // unique in the package's tables, whatever the clock
	d, err := json.Marshal(e)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.svc.HandleEvent(context.Background(), lambdaevents.EventBridgeEvent{DetailType: e.DetailType(), Source: e.Source(), Detail: d}); err != nil {
		w.t.Fatal(err)
	}
}

// reviewing is the world plus com_c (owned by usr_c) with a 300×250 USD
// slot that takes campaigns, reviewing campaigns first and blocking
// blocked (if any); adv_b gets money too.
func reviewing(t *testing.T, blocked ...string) *world {
	w := newWorld(t)
	w.deliver(&events.CommunityCreated{CommunityID: "com_c", OwnerID: "usr_c", Currency: "USD", Name: "Gophers"})
	w.deliver(&events.SlotChanged{SlotID: "slot_c1", CommunityID: "com_c", Width: 300, Height: 250, Currency: "USD",
		Campaigns: events.SlotCampaigns{Accept: true}, Version: 1})
	w.deliver(&events.CommunityUpdated{CommunityID: "com_c", OwnerID: "usr_c", AllowedDomains: []string{}, Version: 1,
		CampaignReview: campaigns.ReviewApprove, BlockedAdvertisers: blocked})
	op, err := w.ledger.Prepare(ledger.Transfer{ID: "txf_dep_b", Kind: "deposit", Currency: "USD", At: t0,
		Legs: []ledger.Leg{{Account: ledger.ExternalDeposits, Available: -10_000}, {Account: ledger.Advertiser("adv_b"), Available: 10_000}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.ledger.Apply(context.Background(), op); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) queue() []campaigns.QueueItem {
	w.t.Helper()
	qs, _, err := w.svc.Queue(context.Background(), communityOwner, "com_c", 100, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return qs
}

func TestQueue_ListsTheUndecidedCampaignsThatFitOldestFirst_NotTheBlockedOnes(t *testing.T) {
	w := reviewing(t, "adv_b")
	ctx := context.Background()
	first, err := w.svc.Create(ctx, w.key, "adv_a", input(1_000))
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(time.Second)
	second, err := w.svc.Create(ctx, w.owner, "adv_a", input(1_000))
	if err != nil {
		t.Fatal(err)
	}
	wide := input(1_000)
	wide.Creative.Width, wide.Creative.Height = 728, 90
	if _, err := w.svc.Create(ctx, w.owner, "adv_a", wide); err != nil { // no slot of its size
		t.Fatal(err)
	}
	if _, err := w.svc.Create(ctx, auth.Principal{Kind: auth.KindUser, UserID: "usr_b"}, "adv_b", input(1_000)); err != nil {
		t.Fatal(err)
	}
	qs := w.queue()
	if len(qs) != 2 || qs[0].CampaignID != first.ID || qs[1].CampaignID != second.ID {
		t.Fatalf("queue = %+v, want %s then %s", qs, first.ID, second.ID)
	}
	if qs[0].Creative.ImageURL == "" || qs[0].Pricing.Bid.Minor != 250 || qs[0].CreativeVersion != 1 || qs[0].AdvertiserID != "adv_a" {
		t.Fatalf("queue item = %+v", qs[0])
	}
	// Paged one at a time: the second page has the second.
	page, next, err := w.svc.Queue(ctx, communityOwner, "com_c", 1, "")
	if err != nil || len(page) != 1 || next == "" {
		t.Fatalf("first page: %v %+v %q", err, page, next)
	}
	page, next, err = w.svc.Queue(ctx, communityOwner, "com_c", 1, next)
	if err != nil || len(page) != 1 || page[0].CampaignID != second.ID || next != "" {
		t.Fatalf("second page: %v %+v %q", err, page, next)
	}
	// Only its owner reads it.
	if _, _, err := w.svc.Queue(ctx, w.owner, "com_c", 10, ""); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("a stranger's read: %v, want NotFound", err)
	}
}

func TestReview_OneDecisionPerCreative_AChangedCreativeIsReviewedAgain(t *testing.T) {
	w := reviewing(t)
	ctx := context.Background()
	c, err := w.svc.Create(ctx, w.key, "adv_a", input(1_000))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Review(ctx, communityOwner, "com_c", c.ID, campaigns.Reject, "", 0); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("a rejection without a reason: %v, want Invalid", err)
	}
	if _, err := w.svc.Review(ctx, w.owner, "com_c", c.ID, campaigns.Approve, "", 0); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("a stranger's approval: %v, want NotFound", err)
	}
	d, err := w.svc.Review(ctx, communityOwner, "com_c", c.ID, campaigns.Approve, "", 0)
	if err != nil || d.Decision != campaigns.Approve || d.CreativeVersion != 1 || d.AdvertiserID != "adv_a" {
		t.Fatalf("approve: %v %+v", err, d)
	}
	if _, err := w.svc.Review(ctx, communityOwner, "com_c", c.ID, campaigns.Approve, "", 0); err != nil {
		t.Fatalf("the same approval again: %v", err)
	}
	if _, err := w.svc.Review(ctx, communityOwner, "com_c", c.ID, campaigns.Reject, "no", 0); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("a rejection of what was approved: %v, want Conflict", err)
	}
	if n := w.outbox("CampaignReviewed"); n != 1 {
		t.Fatalf("%d CampaignReviewed, want 1", n)
	}
	if qs := w.queue(); len(qs) != 0 {
		t.Fatalf("queue after the approval: %+v", qs)
	}
	v, err := w.svc.Get(ctx, w.key, c.ID)
	if err != nil || len(v.Reviews) != 1 || !v.Reviews[0].Current || v.Reviews[0].Decision != campaigns.Approve || v.Reviews[0].CommunityName != "Gophers" {
		t.Fatalf("the advertiser's view: %v %+v", err, v.Reviews)
	}

	// A new creative: a new version, back in the queue, and the approval
	// is no longer current.
	cr := *input(0).Creative
	cr.ImageURL = "https://cdn.example/winter-2.png"
	v, err = w.svc.Update(ctx, w.key, c.ID, campaigns.UpdateInput{Creative: &cr})
	if err != nil || v.CreativeVersion != 2 || v.Creative.ImageURL != cr.ImageURL {
		t.Fatalf("change the creative: %v %+v", err, v)
	}
	if len(v.Reviews) != 1 || v.Reviews[0].Current {
		t.Fatalf("reviews after the change: %+v", v.Reviews)
	}
	qs := w.queue()
	if len(qs) != 1 || qs[0].CreativeVersion != 2 || qs[0].Previous == nil || *qs[0].Previous != campaigns.Approve {
		t.Fatalf("queue after the change: %+v", qs)
	}
	if _, err := w.svc.Review(ctx, communityOwner, "com_c", c.ID, campaigns.Approve, "", 1); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("an approval of the creative seen before the change: %v, want Conflict", err)
	}
	d, err = w.svc.Review(ctx, communityOwner, "com_c", c.ID, campaigns.Reject, "The new image is misleading.", 2)
	if err != nil || d.CreativeVersion != 2 || d.Reason != "The new image is misleading." {
		t.Fatalf("reject the new creative: %v %+v", err, d)
	}
	v, _ = w.svc.Get(ctx, w.key, c.ID)
	if len(v.Reviews) != 1 || !v.Reviews[0].Current || v.Reviews[0].Decision != campaigns.Reject || v.Reviews[0].Reason == "" {
		t.Fatalf("reviews after the rejection: %+v", v.Reviews)
	}
	// The same creative again changes nothing.
	if v, err = w.svc.Update(ctx, w.key, c.ID, campaigns.UpdateInput{Creative: &cr}); err != nil || v.CreativeVersion != 2 {
		t.Fatalf("the same creative again: %v %+v", err, v.CreativeVersion)
	}
}

func TestReview_EightAtOnceEndInOneDecision(t *testing.T) {
	w := reviewing(t)
	ctx := context.Background()
	c, err := w.svc.Create(ctx, w.key, "adv_a", input(1_000))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]campaigns.ReviewDecision, 8)
	errs := make([]error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, reason := campaigns.Approve, ""
			if i%2 == 1 {
				d, reason = campaigns.Reject, "Not for our members."
			}
			results[i], errs[i] = w.svc.Review(ctx, communityOwner, "com_c", c.ID, d, reason, 0)
		}()
	}
	wg.Wait()
	var decided campaigns.Decision
	for i, err := range errs {
		switch {
		case err == nil:
			if decided != "" && results[i].Decision != decided {
				t.Fatalf("two decisions stood: %s and %s", decided, results[i].Decision)
			}
			decided = results[i].Decision
		case fault.KindOf(err) != fault.Conflict:
			t.Fatalf("call %d: %v, want a decision or Conflict", i, err)
		}
	}
	if decided == "" {
		t.Fatal("no decision stood")
	}
	if n := storetest.OutboxCount(t, w.db, "CampaignReviewed"); n != 1 {
		t.Fatalf("%d CampaignReviewed, want 1", n)
	}
}
