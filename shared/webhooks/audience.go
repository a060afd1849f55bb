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
	PayerKind          string `json:"payerKind"`
	PayerID            string `json:"payerId"`
	UserID             string `json:"userId"`
}

// Audience is whom an event is about: people directly, and the owners of
// communities and advertisers (looked up in the context's projections).
type Audience struct {
	Users       []string
	Communities []string
	Advertisers []string
}

// AudienceOf says who may hear an event, by its detail-type's entry in
// audiences; a type the table does not know goes to nobody.
func AudienceOf(detailType string, detail json.RawMessage) Audience {
	var r refs
	if json.Unmarshal(detail, &r) != nil {
		return Audience{}
	}
	var a Audience
	if who := audiences[detailType]; who != nil {
		who(&a, r, detail)
	}
	return a
}

// hearers adds an event's audience to a.
type hearers func(a *Audience, r refs, detail json.RawMessage)

func (a *Audience) user(id string) {
	if strings.HasPrefix(id, "usr_") {
		a.Users = append(a.Users, id)
	}
}

func (a *Audience) community(id string) {
	if id != "" {
		a.Communities = append(a.Communities, id)
	}
}

func (a *Audience) advertiser(id string) {
	if id != "" {
		a.Advertisers = append(a.Advertisers, id)
	}
}

// The audiences an event may have.
var (
	// nobody: the event is heard by no endpoint.
	nobody hearers = func(*Audience, refs, json.RawMessage) {}
	// owner: the person who owns what the event is about.
	owner hearers = func(a *Audience, r refs, _ json.RawMessage) { a.user(r.OwnerID) }
	// community: the owner of the event's community.
	community hearers = func(a *Audience, r refs, _ json.RawMessage) { a.community(r.CommunityID) }
	// advertiser: the owner of the event's advertiser only.
	advertiser hearers = func(a *Audience, r refs, _ json.RawMessage) { a.advertiser(r.AdvertiserID) }
	// both: the community's owner and the advertiser's.
	both hearers = func(a *Audience, r refs, _ json.RawMessage) {
		a.community(r.CommunityID)
		a.advertiser(r.AdvertiserID)
	}
	// communityAndWinner: the community, and the advertiser that won
	// (never the losers: bidders' identities stay private).
	communityAndWinner hearers = func(a *Audience, r refs, _ json.RawMessage) {
		a.community(r.CommunityID)
		a.advertiser(r.WinnerAdvertiserID)
	}
	// communityAndInfluencer: the community and its influencer.
	communityAndInfluencer hearers = func(a *Audience, r refs, _ json.RawMessage) {
		a.community(r.CommunityID)
		a.user(r.InfluencerID)
	}
	// advertiserAndEarners: the advertiser, and each community of its
	// earnings.
	advertiserAndEarners hearers = func(a *Audience, r refs, detail json.RawMessage) {
		a.advertiser(r.AdvertiserID)
		var e struct {
			Communities []struct {
				CommunityID string `json:"communityId"`
			} `json:"communities"`
		}
		_ = json.Unmarshal(detail, &e)
		for _, c := range e.Communities {
			a.community(c.CommunityID)
		}
	}
	// payer: who paid (or owes): the advertiser's or community's owner,
	// or the person.
	payer hearers = func(a *Audience, r refs, _ json.RawMessage) {
		switch r.PayerKind {
		case "advertiser":
			a.advertiser(r.PayerID)
		case "community":
			a.community(r.PayerID)
		case "person":
			a.user(r.PayerID)
		}
	}
	// communityAndMember: the community's owner, and the member (a
	// membership's events: each member hears only their own).
	communityAndMember hearers = func(a *Audience, r refs, _ json.RawMessage) {
		a.community(r.CommunityID)
		a.user(r.UserID)
	}
	// person: the person the event is about.
	person hearers = func(a *Audience, r refs, _ json.RawMessage) { a.user(r.UserID) }
	// payee: whose money it is, a community or a person.
	payee hearers = func(a *Audience, r refs, _ json.RawMessage) {
		if r.OwnerKind == "community" {
			a.community(r.OwnerID)
		} else {
			a.user(r.OwnerID)
		}
	}
)

// audienceEntry is one entry of the table: the detail-type of E (taken from
// the Go type, as events.On takes it, so a renamed event does not
// compile) and who hears it.
type audienceEntry struct {
	detailType string
	who        hearers
}

func hear[E any, P interface {
	*E
	events.Event
}](who hearers) audienceEntry {
	var zero E
	return audienceEntry{detailType: P(&zero).DetailType(), who: who}
}

// audiences says who may hear each event. An event about an auction goes
// to its community's owner; a bid to its advertiser's owner only (bids are
// sealed), and so does a campaign's; a slot change to its community; a
// close to the community and the winner; the flight it booked to both; a
// sponsorship to both its community and its sponsor; referral events to
// the community and the influencer; a payout to whose money it is; money
// in (deposits, refunds, disputes, debts, alerts) to its payer. Ledger
// postings go to nobody (statements serve them), and so do serving's
// meter readings. Every detail-type of the contract has an entry (a test
// holds it to events.Catalog); one named twice panics at start-up.
var audiences = audienceTable(
	// accounts
	hear[events.CommunityCreated](owner),
	hear[events.CommunityUpdated](owner),
	hear[events.AdvertiserCreated](owner),
	hear[events.APIKeyCreated](owner),
	hear[events.APIKeyRevoked](owner),
	// auctions
	hear[events.AuctionOpened](community),
	hear[events.AuctionCancelled](community),
	hear[events.SlotChanged](community),
	hear[events.BidPlaced](advertiser),
	hear[events.BidWithdrawn](advertiser),
	hear[events.AuctionClosed](communityAndWinner),
	hear[events.FlightBooked](both),
	// sponsorships
	hear[events.SponsorshipSubmitted](both),
	hear[events.SponsorshipChangesRequested](both),
	hear[events.SponsorshipRevised](both),
	hear[events.SponsorshipApproved](both),
	hear[events.SponsorshipRejected](both),
	hear[events.SponsorshipCancelled](both),
	hear[events.SponsorshipExpired](both),
	hear[events.SponsorshipPublished](both),
	hear[events.SponsorshipProposed](both),
	hear[events.SponsorshipProposalAccepted](both),
	hear[events.SponsorshipProposalDeclined](both),
	// referrals
	hear[events.DealApproved](communityAndInfluencer),
	hear[events.ConversionRecorded](communityAndInfluencer),
	hear[events.CommissionAccrued](communityAndInfluencer),
	hear[events.CommissionReversed](communityAndInfluencer),
	hear[events.CommissionCleared](communityAndInfluencer),
	hear[events.ProgramBudgetExhausted](community),
	// payouts
	hear[events.PayoutRequested](payee),
	hear[events.PayoutPaid](payee),
	hear[events.PayoutFailed](payee),
	// webhooks
	hear[events.WebhookEndpointDisabled](owner),
	// ledger
	hear[events.LedgerTransferPosted](nobody),
	// campaigns
	hear[events.CampaignCreated](advertiser),
	hear[events.CampaignChanged](advertiser),
	hear[events.CampaignEnded](advertiser),
	hear[events.CampaignBudgetExhausted](advertiser),
	hear[events.CampaignReported](advertiser),
	hear[events.CampaignReviewed](both), // the campaign's advertiser and the community that decided
	hear[events.CampaignCharged](advertiserAndEarners),
	hear[events.CampaignMetered](nobody),
	// money in
	hear[events.DepositSucceeded](payer),
	hear[events.DepositFailed](payer),
	hear[events.RefundSucceeded](payer),
	hear[events.RefundFailed](payer),
	hear[events.DisputeOpened](payer),
	hear[events.DisputeClosed](payer),
	hear[events.PayerDebtChanged](payer),
	hear[events.AdvertiserBalanceLow](payer),
	hear[events.AutoRechargeFailed](payer),
	hear[events.PayoutAccountUpdated](person),
	hear[events.PersonUpdated](person),
	// memberships
	hear[events.TierCreated](community),
	hear[events.TierChanged](community),
	hear[events.MembershipStarted](communityAndMember),
	hear[events.MembershipRenewed](communityAndMember),
	hear[events.MembershipPaymentFailed](communityAndMember),
	hear[events.MembershipChanged](communityAndMember),
	hear[events.MembershipCanceled](communityAndMember),
	hear[events.MembershipEnded](communityAndMember),
	hear[events.MembershipPaymentRefunded](communityAndMember),
)

func audienceTable(entries ...audienceEntry) map[string]hearers {
	out := make(map[string]hearers, len(entries))
	for _, e := range entries {
		if _, dup := out[e.detailType]; dup {
			panic("webhooks: the audience of " + e.detailType + " is named twice")
		}
		out[e.detailType] = e.who
	}
	return out
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
