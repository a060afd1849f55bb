package auctions_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auctions"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func communityCreated(t *testing.T, eventID, communityID, owner string) lambdaevents.EventBridgeEvent {
	d, _ := json.Marshal(events.CommunityCreated{Meta: events.Meta{EventID: eventID, OccurredAt: "2026-11-23T12:00:00.000Z", SchemaVersion: 1},
		CommunityID: communityID, OwnerID: owner, Currency: "USD"})
	return lambdaevents.EventBridgeEvent{ID: "ebe_" + eventID, DetailType: "CommunityCreated", Source: events.SourceAccounts, Detail: d}
}

// The bus delivers at least once and out of order: a redelivered event
// changes nothing, and only the projected owner may create slots.
func TestHandleEvent_ProjectsCommunitiesOnce(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	svc := auctions.NewService(auctions.NewRepository(db), ledger.New(db), &fakeScheduler{}, clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)), auctions.Config{Self: "auctions"})
	ctx := context.Background()
	owner := auth.Principal{Kind: auth.KindUser, UserID: "usr_o"}
	in := auctions.CreateSlotInput{Name: "Sidebar", Width: 300, Height: 250, Reserve: &auctions.MoneyInput{Amount: new(int64), Currency: "USD"}}
	if _, err := svc.CreateSlot(ctx, owner, "com_1", in); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("before the event the community is unknown: %v", err)
	}
	ev := communityCreated(t, "evt_1", "com_1", "usr_o")
	for i := 0; i < 3; i++ {
		if err := svc.HandleEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.CreateSlot(ctx, owner, "com_1", in); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateSlot(ctx, auth.Principal{Kind: auth.KindUser, UserID: "usr_x"}, "com_1", in); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("a stranger: %v", err)
	}
	bad := lambdaevents.EventBridgeEvent{ID: "ebe_bad", DetailType: "CommunityCreated", Detail: json.RawMessage(`{"communityId":1}`)}
	if err := svc.HandleEvent(ctx, bad); err == nil {
		t.Fatal("a malformed event must fail (and dead-letter), not vanish")
	}
	if err := svc.HandleEvent(ctx, lambdaevents.EventBridgeEvent{DetailType: "SomethingElse"}); err != nil {
		t.Fatalf("events it does not consume are ignored: %v", err)
	}
}
