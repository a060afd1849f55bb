package webhooks

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/souqhq/souq/events"
)

// A new event of the contract must say who hears it (nobody is an
// answer), and the table names only events of the contract.
func TestAudiences_EveryDetailTypeHasAnEntry(t *testing.T) {
	known := map[string]bool{}
	for _, dt := range events.DetailTypes() {
		known[dt] = true
		if audiences[dt] == nil {
			t.Errorf("%s has no audience: add it to audiences (nobody, if no endpoint may hear it)", dt)
		}
	}
	for dt := range audiences {
		if !known[dt] {
			t.Errorf("audiences names %s, which is not in events.Catalog", dt)
		}
	}
}

func TestAudienceOf_SaysWhoHearsAnEvent(t *testing.T) {
	for _, c := range []struct {
		detailType, detail string
		want               Audience
	}{
		{"CommunityCreated", `{"ownerId":"usr_1","communityId":"com_1"}`, Audience{Users: []string{"usr_1"}}},
		{"APIKeyCreated", `{"ownerId":"key_1"}`, Audience{}},
		{"BidPlaced", `{"communityId":"com_1","advertiserId":"adv_1"}`, Audience{Advertisers: []string{"adv_1"}}},
		{"AuctionClosed", `{"communityId":"com_1","advertiserId":"adv_2","winnerAdvertiserId":"adv_1"}`,
			Audience{Communities: []string{"com_1"}, Advertisers: []string{"adv_1"}}},
		{"SponsorshipApproved", `{"communityId":"com_1","advertiserId":"adv_1"}`, Audience{Communities: []string{"com_1"}, Advertisers: []string{"adv_1"}}},
		{"CommissionCleared", `{"communityId":"com_1","influencerId":"usr_2"}`, Audience{Users: []string{"usr_2"}, Communities: []string{"com_1"}}},
		{"CampaignCharged", `{"advertiserId":"adv_1","communities":[{"communityId":"com_1"},{"communityId":"com_2"}]}`,
			Audience{Communities: []string{"com_1", "com_2"}, Advertisers: []string{"adv_1"}}},
		{"PayoutPaid", `{"ownerKind":"community","ownerId":"com_1"}`, Audience{Communities: []string{"com_1"}}},
		{"DepositSucceeded", `{"payerKind":"advertiser","payerId":"adv_1","ownerId":"usr_1"}`, Audience{Advertisers: []string{"adv_1"}}},
		{"DisputeOpened", `{"payerKind":"community","payerId":"com_1","ownerId":"usr_1"}`, Audience{Communities: []string{"com_1"}}},
		{"DepositSucceeded", `{"payerKind":"person","payerId":"usr_2","ownerId":"usr_2"}`, Audience{Users: []string{"usr_2"}}},
		{"PayoutAccountUpdated", `{"userId":"usr_3","accountId":"acct_1"}`, Audience{Users: []string{"usr_3"}}},
		{"PayoutPaid", `{"ownerKind":"influencer","ownerId":"usr_1"}`, Audience{Users: []string{"usr_1"}}},
		{"LedgerTransferPosted", `{"communityId":"com_1","ownerId":"usr_1"}`, Audience{}},
		{"NoSuchEvent", `{"communityId":"com_1"}`, Audience{}},
		{"CommunityCreated", `not json`, Audience{}},
	} {
		if got := AudienceOf(c.detailType, json.RawMessage(c.detail)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("AudienceOf(%s, %s) = %+v, want %+v", c.detailType, c.detail, got, c.want)
		}
	}
}
