package webhooks

import (
	"encoding/json"
	"strings"

	"github.com/souqhq/souq/events"
)

// refs are the ids in an event's detail that say whose it is.
type refs struct {
	OwnerID            string `json:"ownerId"`
	OwnerKind          string `json:"ownerKind"`
	CommunityID        string `json:"communityId"`
	AdvertiserID       string `json:"advertiserId"`
	WinnerAdvertiserID string `json:"winnerAdvertiserId"`
	InfluencerID       string `json:"influencerId"`
}

// Audience is whom an event is about: people directly, and the owners of
// communities and advertisers (looked up in the context's projections).
type Audience struct {
	Users       []string
	Communities []string
	Advertisers []string
}

// AudienceOf says who may hear an event, per detail-type. An event about
// an auction goes to its community's owner; a bid to its advertiser's
// owner only (bids are sealed), and so does a campaign's; a slot change to its community; a close
// and the flight it booked to the community and the winner
// (never to the losers: bidders' identities stay private); a sponsorship
// to both its community and its sponsor; referral events to the
// community and the influencer; a payout to whose money it is. Ledger
// postings go to nobody (statements serve them), and so does any type
// this table does not know.
func AudienceOf(detailType string, detail json.RawMessage) Audience {
	var r refs
	if json.Unmarshal(detail, &r) != nil {
		return Audience{}
	}
	var a Audience
	user := func(id string) {
		if strings.HasPrefix(id, "usr_") {
			a.Users = append(a.Users, id)
		}
	}
	community := func(id string) {
		if id != "" {
			a.Communities = append(a.Communities, id)
		}
	}
	advertiser := func(id string) {
		if id != "" {
			a.Advertisers = append(a.Advertisers, id)
		}
	}
	switch detailType {
	case "CommunityCreated", "CommunityUpdated", "AdvertiserCreated", "APIKeyCreated", "APIKeyRevoked", "WebhookEndpointDisabled":
		user(r.OwnerID)
	case "AuctionOpened", "AuctionCancelled", "ProgramBudgetExhausted", "SlotChanged":
		community(r.CommunityID)
	case "BidPlaced", "BidWithdrawn", "CampaignCreated", "CampaignChanged", "CampaignEnded", "CampaignBudgetExhausted", "CampaignReported":
		advertiser(r.AdvertiserID)
	case "AuctionClosed":
		community(r.CommunityID)
		advertiser(r.WinnerAdvertiserID)
	case "CampaignCharged":
		// The advertiser, and each community of its earnings.
		advertiser(r.AdvertiserID)
		var e struct {
			Communities []struct {
				CommunityID string `json:"communityId"`
			} `json:"communities"`
		}
		_ = json.Unmarshal(detail, &e)
		for _, c := range e.Communities {
			community(c.CommunityID)
		}
	case "FlightBooked":
		community(r.CommunityID)
		advertiser(r.AdvertiserID)
	case "SponsorshipSubmitted", "SponsorshipChangesRequested", "SponsorshipRevised", "SponsorshipApproved", "SponsorshipRejected",
		"SponsorshipCancelled", "SponsorshipExpired", "SponsorshipPublished", "SponsorshipProposed", "SponsorshipProposalAccepted",
		"SponsorshipProposalDeclined":
		community(r.CommunityID)
		advertiser(r.AdvertiserID)
	case "DealApproved", "ConversionRecorded", "CommissionAccrued", "CommissionReversed", "CommissionCleared":
		community(r.CommunityID)
		user(r.InfluencerID)
	case "PayoutRequested", "PayoutPaid", "PayoutFailed":
		if r.OwnerKind == "community" {
			community(r.OwnerID)
		} else {
			user(r.OwnerID)
		}
	}
	return a
}

// Subscribable lists the detail-types an endpoint may subscribe to: every
// event of the contract but the ledger's postings.
func Subscribable() map[string]bool {
	out := map[string]bool{}
	for _, e := range events.Catalog() {
		if e.DetailType() != "LedgerTransferPosted" {
			out[e.DetailType()] = true
		}
	}
	return out
}
