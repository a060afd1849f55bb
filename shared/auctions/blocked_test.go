package auctions_test

import (
	"context"
	"encoding/json"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
)

func (m *market) communityUpdated(eventID string, version int, blocked ...string) {
	m.t.Helper()
	d, _ := json.Marshal(events.CommunityUpdated{Meta: events.Meta{EventID: eventID, OccurredAt: "2026-11-23T12:00:00.000Z", SchemaVersion: 1},
		CommunityID: "com_1", OwnerID: "usr_owner", AllowedDomains: []string{}, Version: version, BlockedAdvertisers: blocked})
	if err := m.svc.HandleEvent(context.Background(), lambdaevents.EventBridgeEvent{DetailType: "CommunityUpdated", Source: events.SourceAccounts, Detail: d}); err != nil {
		m.t.Fatal(err)
	}
}

// A community's blocked advertiser may not bid on its auctions (403, no
// hold); others may; an older update delivered late changes nothing; once
// unblocked it may bid again.
func TestPlaceBid_ABlockedAdvertiserIsRefused(t *testing.T) {
	t.Parallel()
	m := newMarket(t, 100, "second_price")
	a, b := m.advertiser("a", 5_000), m.advertiser("b", 5_000)
	m.communityUpdated("evt_cu2", 2, "adv_a")
	m.communityUpdated("evt_cu1", 1) // late: ignored
	if _, err := m.bid(a, 500); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("a blocked advertiser's bid: %v, want Forbidden", err)
	}
	if got := m.balance(ledger.Advertiser("adv_a")); got.Held != 0 || got.Available != 5_000 {
		t.Fatalf("the refused bid held money: %+v", got)
	}
	if _, err := m.bid(b, 500); err != nil {
		t.Fatalf("another advertiser's bid: %v", err)
	}
	m.communityUpdated("evt_cu3", 3)
	if _, err := m.bid(a, 600); err != nil {
		t.Fatalf("unblocked, it bids: %v", err)
	}
	m.verify()
}
