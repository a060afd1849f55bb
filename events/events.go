package events

import (
	"encoding/json"
	"time"

	"github.com/souqhq/souq/shared/money"
)

// BusName is the custom EventBridge bus every Souq event travels on.
const BusName = "souq"

// Sources, one per bounded context: "souq.<context>".
const (
	SourceAccounts     = "souq.accounts"
	SourceAuctions     = "souq.auctions"
	SourceSponsorships = "souq.sponsorships"
	SourceReferrals    = "souq.referrals"
	SourcePayouts      = "souq.payouts"
	SourceLedger       = "souq.ledger"
	SourceWebhooks     = "souq.webhooks"
	SourceCampaigns    = "souq.campaigns"
	SourceServing      = "souq.serving"
	SourceMemberships  = "souq.memberships"
)

// Meta is carried by every event detail (DESIGN §8).
type Meta struct {
	EventID       string `json:"eventId"`
	OccurredAt    string `json:"occurredAt"`
	SchemaVersion int    `json:"schemaVersion"`
}

// Base returns the event's Meta for the outbox writer to fill.
func (m *Meta) Base() *Meta { return m }

// Event is one detail-type.
type Event interface {
	DetailType() string
	Source() string
	Base() *Meta
}

// Envelope is an event as the bus carries it: EventBridge's fields around
// the JSON detail.
type Envelope struct {
	ID         string          `json:"id"`
	Source     string          `json:"source"`
	DetailType string          `json:"detail-type"`
	Time       time.Time       `json:"time"`
	Detail     json.RawMessage `json:"detail"`
}

// EventID reads the Souq event id from the detail; consumers dedupe on it
// because the bus delivers at least once.
func (e Envelope) EventID() string {
	var m Meta
	_ = json.Unmarshal(e.Detail, &m)
	return m.EventID
}

// ---- accounts ----

// CommunityCreated: an owner created a community.
type CommunityCreated struct {
	Meta
	CommunityID string `json:"communityId"`
	OwnerID     string `json:"ownerId"`
	Currency    string `json:"currency"`
	// URL is where the community lives: referral links land there.
	URL string `json:"url,omitempty"`
	// Name is the community's name, as other parties see it (DESIGN §16).
	Name string `json:"name,omitempty"`
}

// CommunityUpdated: an owner changed a community's settings that other
// contexts keep, whole (every field as it now is): the domains its pages
// are on (serving refuses views and clicks from pages elsewhere), its
// listing in the directory, and what may run on its pages (DESIGN §16).
// Version orders updates, which the bus may deliver in any order.
type CommunityUpdated struct {
	Meta
	CommunityID    string   `json:"communityId"`
	OwnerID        string   `json:"ownerId"`
	AllowedDomains []string `json:"allowedDomains"`
	Version        int      `json:"version"`
	// The directory's listing.
	Name        string   `json:"name,omitempty"`
	Listed      bool     `json:"listed,omitempty"`
	Description string   `json:"description,omitempty"`
	Topics      []string `json:"topics,omitempty"`
	Languages   []string `json:"languages,omitempty"`
	Country     string   `json:"country,omitempty"`
	// CampaignReview is "approve" when campaigns run on the community's
	// slots only after its owner approved their creative ("auto", or
	// empty, otherwise); BlockedAdvertisers never run there.
	CampaignReview     string   `json:"campaignReview,omitempty"`
	BlockedAdvertisers []string `json:"blockedAdvertisers,omitempty"`
}

func (CommunityUpdated) DetailType() string { return "CommunityUpdated" }
func (CommunityUpdated) Source() string     { return SourceAccounts }

// AdvertiserCreated: a person created an advertiser account.
type AdvertiserCreated struct {
	Meta
	AdvertiserID string `json:"advertiserId"`
	OwnerID      string `json:"ownerId"`
	Currency     string `json:"currency"`
	// Name is the advertiser's name, as communities see it (DESIGN §16).
	Name string `json:"name,omitempty"`
}

// PersonUpdated: a person changed their profile, whole (DESIGN §16): the
// name others see (an influencer on a deal), a short bio, links, and the
// time zone their pages are shown in. Version orders updates.
type PersonUpdated struct {
	Meta
	UserID      string   `json:"userId"`
	DisplayName string   `json:"displayName,omitempty"`
	Bio         string   `json:"bio,omitempty"`
	Links       []string `json:"links,omitempty"`
	TimeZone    string   `json:"timeZone,omitempty"`
	Version     int      `json:"version"`
}

func (PersonUpdated) DetailType() string { return "PersonUpdated" }
func (PersonUpdated) Source() string     { return SourceAccounts }

// APIKeyCreated: an API key was issued for an advertiser or a community.
type APIKeyCreated struct {
	Meta
	KeyID       string `json:"keyId"`
	AccountKind string `json:"accountKind"`
	AccountID   string `json:"accountId"`
	OwnerID     string `json:"ownerId"`
}

// APIKeyRevoked: an API key stopped working.
type APIKeyRevoked struct {
	Meta
	KeyID       string `json:"keyId"`
	AccountKind string `json:"accountKind"`
	AccountID   string `json:"accountId"`
	OwnerID     string `json:"ownerId"`
}

func (CommunityCreated) DetailType() string  { return "CommunityCreated" }
func (CommunityCreated) Source() string      { return SourceAccounts }
func (AdvertiserCreated) DetailType() string { return "AdvertiserCreated" }
func (AdvertiserCreated) Source() string     { return SourceAccounts }
func (APIKeyCreated) DetailType() string     { return "APIKeyCreated" }
func (APIKeyCreated) Source() string         { return SourceAccounts }
func (APIKeyRevoked) DetailType() string     { return "APIKeyRevoked" }
func (APIKeyRevoked) Source() string         { return SourceAccounts }

// ---- auctions ----

// AuctionOpened: an auction for a slot's flight opened for bids.
type AuctionOpened struct {
	Meta
	AuctionID   string       `json:"auctionId"`
	SlotID      string       `json:"slotId"`
	CommunityID string       `json:"communityId"`
	Reserve     money.Amount `json:"reserve"`
	FlightStart string       `json:"flightStart"`
	FlightEnd   string       `json:"flightEnd"`
	ClosesAt    string       `json:"closesAt"`
}

// BidPlaced: an advertiser placed or replaced its sealed bid.
type BidPlaced struct {
	Meta
	AuctionID    string `json:"auctionId"`
	BidID        string `json:"bidId"`
	AdvertiserID string `json:"advertiserId"`
	CommunityID  string `json:"communityId"`
}

// BidWithdrawn: an advertiser withdrew its bid; its hold was released.
type BidWithdrawn struct {
	Meta
	AuctionID    string `json:"auctionId"`
	BidID        string `json:"bidId"`
	AdvertiserID string `json:"advertiserId"`
	CommunityID  string `json:"communityId"`
}

// AuctionClosed: an auction closed, with or without a winner.
type AuctionClosed struct {
	Meta
	AuctionID          string        `json:"auctionId"`
	SlotID             string        `json:"slotId"`
	CommunityID        string        `json:"communityId"`
	WinnerAdvertiserID string        `json:"winnerAdvertiserId,omitempty"`
	WinningBidID       string        `json:"winningBidId,omitempty"`
	ClearingPrice      *money.Amount `json:"clearingPrice,omitempty"`
	FlightID           string        `json:"flightId,omitempty"`
	BidderIDs          []string      `json:"bidderIds"`
}

// AuctionCancelled: the owner cancelled an open auction; every hold on it
// was released.
type AuctionCancelled struct {
	Meta
	AuctionID   string `json:"auctionId"`
	SlotID      string `json:"slotId"`
	CommunityID string `json:"communityId"`
}

// Creative is what an ad shows and where a click on it goes.
type Creative struct {
	ImageURL string `json:"imageUrl"`
	ClickURL string `json:"clickUrl"`
	AltText  string `json:"altText"`
}

// SlotChanged: a slot was created or changed in what serving needs of it
// (its size, its house ad, archived). It carries the whole slot as
// serving sees it; Version orders changes the bus may deliver in any
// order.
type SlotChanged struct {
	Meta
	SlotID      string    `json:"slotId"`
	CommunityID string    `json:"communityId"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	Archived    bool      `json:"archived"`
	HouseAd     *Creative `json:"houseAd,omitempty"`
	// Currency is the slot's (its reserve's): campaigns in it may run.
	Currency  string        `json:"currency"`
	Campaigns SlotCampaigns `json:"campaigns"`
	// Keywords are the slot's own topics (normalised; targeted campaigns
	// match them as they do the page's).
	Keywords []string `json:"keywords,omitempty"`
	Version  int      `json:"version"`
}

// SlotCampaigns is whether campaigns may run on a slot, and the least
// they pay per thousand viewable impressions.
type SlotCampaigns struct {
	Accept   bool         `json:"accept"`
	FloorCPM money.Amount `json:"floorCpm"`
}

// FlightBooked: an auction's winner booked a slot's flight: the window it
// runs in and the creative it shows. A booked flight never changes.
type FlightBooked struct {
	Meta
	FlightID     string   `json:"flightId"`
	AuctionID    string   `json:"auctionId"`
	SlotID       string   `json:"slotId"`
	CommunityID  string   `json:"communityId"`
	AdvertiserID string   `json:"advertiserId"`
	FlightStart  string   `json:"flightStart"`
	FlightEnd    string   `json:"flightEnd"`
	Creative     Creative `json:"creative"`
}

func (SlotChanged) DetailType() string      { return "SlotChanged" }
func (SlotChanged) Source() string          { return SourceAuctions }
func (FlightBooked) DetailType() string     { return "FlightBooked" }
func (FlightBooked) Source() string         { return SourceAuctions }
func (AuctionCancelled) DetailType() string { return "AuctionCancelled" }
func (AuctionCancelled) Source() string     { return SourceAuctions }
func (AuctionOpened) DetailType() string    { return "AuctionOpened" }
func (AuctionOpened) Source() string        { return SourceAuctions }
func (BidPlaced) DetailType() string        { return "BidPlaced" }
func (BidPlaced) Source() string            { return SourceAuctions }
func (BidWithdrawn) DetailType() string     { return "BidWithdrawn" }
func (BidWithdrawn) Source() string         { return SourceAuctions }
func (AuctionClosed) DetailType() string    { return "AuctionClosed" }
func (AuctionClosed) Source() string        { return SourceAuctions }

// ---- sponsorships ----

// SponsorshipChange is the detail shared by every sponsorship transition:
// which sponsorship, whose, who acted, and the states either side.
type SponsorshipChange struct {
	Meta
	SponsorshipID string `json:"sponsorshipId"`
	OfferingID    string `json:"offeringId"`
	CommunityID   string `json:"communityId"`
	AdvertiserID  string `json:"advertiserId"`
	ActorID       string `json:"actorId"`
	From          string `json:"from,omitempty"`
	To            string `json:"to"`
	Version       int    `json:"version"`
}

// The sponsorship detail-types, one per transition of DESIGN §5.2.
type (
	SponsorshipSubmitted        struct{ SponsorshipChange }
	SponsorshipChangesRequested struct{ SponsorshipChange }
	SponsorshipRevised          struct{ SponsorshipChange }
	SponsorshipApproved         struct{ SponsorshipChange }
	SponsorshipRejected         struct{ SponsorshipChange }
	SponsorshipCancelled        struct{ SponsorshipChange }
	SponsorshipExpired          struct{ SponsorshipChange }
	SponsorshipPublished        struct{ SponsorshipChange }
	// Counter-proposals: the owner proposed other terms; the sponsor
	// accepted or declined them.
	SponsorshipProposed         struct{ SponsorshipChange }
	SponsorshipProposalAccepted struct{ SponsorshipChange }
	SponsorshipProposalDeclined struct{ SponsorshipChange }
)

func (SponsorshipChange) Source() string               { return SourceSponsorships }
func (SponsorshipSubmitted) DetailType() string        { return "SponsorshipSubmitted" }
func (SponsorshipChangesRequested) DetailType() string { return "SponsorshipChangesRequested" }
func (SponsorshipRevised) DetailType() string          { return "SponsorshipRevised" }
func (SponsorshipApproved) DetailType() string         { return "SponsorshipApproved" }
func (SponsorshipRejected) DetailType() string         { return "SponsorshipRejected" }
func (SponsorshipCancelled) DetailType() string        { return "SponsorshipCancelled" }
func (SponsorshipExpired) DetailType() string          { return "SponsorshipExpired" }
func (SponsorshipPublished) DetailType() string        { return "SponsorshipPublished" }
func (SponsorshipProposed) DetailType() string         { return "SponsorshipProposed" }
func (SponsorshipProposalAccepted) DetailType() string { return "SponsorshipProposalAccepted" }
func (SponsorshipProposalDeclined) DetailType() string { return "SponsorshipProposalDeclined" }

// ---- referrals ----

// DealApproved: an owner approved an influencer's deal; terms are frozen.
type DealApproved struct {
	Meta
	DealID       string `json:"dealId"`
	ProgramID    string `json:"programId"`
	CommunityID  string `json:"communityId"`
	InfluencerID string `json:"influencerId"`
	Code         string `json:"code"`
	// MinimumPayout is the program's: the payouts context keeps, per
	// influencer and currency, the smallest of its deals'.
	MinimumPayout money.Amount `json:"minimumPayout"`
}

// ConversionRecorded: a community reported a conversion.
type ConversionRecorded struct {
	Meta
	ConversionID string       `json:"conversionId"`
	DealID       string       `json:"dealId,omitempty"`
	ProgramID    string       `json:"programId,omitempty"`
	CommunityID  string       `json:"communityId"`
	InfluencerID string       `json:"influencerId,omitempty"`
	ExternalID   string       `json:"externalId"`
	Amount       money.Amount `json:"amount"`
}

// Commission is the detail of every commission movement.
type Commission struct {
	Meta
	ConversionID string       `json:"conversionId"`
	DealID       string       `json:"dealId"`
	ProgramID    string       `json:"programId"`
	CommunityID  string       `json:"communityId"`
	InfluencerID string       `json:"influencerId"`
	Commission   money.Amount `json:"commission"`
}

// The commission detail-types.
type (
	CommissionAccrued  struct{ Commission }
	CommissionReversed struct{ Commission }
	CommissionCleared  struct{ Commission }
)

// ProgramBudgetExhausted: a conversion found the program's budget short of
// its commission; the owner is told once, until the budget is topped up.
type ProgramBudgetExhausted struct {
	Meta
	ProgramID    string `json:"programId"`
	CommunityID  string `json:"communityId"`
	ConversionID string `json:"conversionId"`
}

func (ProgramBudgetExhausted) DetailType() string { return "ProgramBudgetExhausted" }
func (ProgramBudgetExhausted) Source() string     { return SourceReferrals }

func (DealApproved) DetailType() string       { return "DealApproved" }
func (DealApproved) Source() string           { return SourceReferrals }
func (ConversionRecorded) DetailType() string { return "ConversionRecorded" }
func (ConversionRecorded) Source() string     { return SourceReferrals }
func (Commission) Source() string             { return SourceReferrals }
func (CommissionAccrued) DetailType() string  { return "CommissionAccrued" }
func (CommissionReversed) DetailType() string { return "CommissionReversed" }
func (CommissionCleared) DetailType() string  { return "CommissionCleared" }

// ---- payouts ----

// Payout is the detail of every payout movement.
type Payout struct {
	Meta
	PayoutID  string       `json:"payoutId"`
	OwnerKind string       `json:"ownerKind"` // influencer or community
	OwnerID   string       `json:"ownerId"`
	Amount    money.Amount `json:"amount"`
	Reason    string       `json:"reason,omitempty"`
}

// The payout detail-types.
type (
	PayoutRequested struct{ Payout }
	PayoutPaid      struct{ Payout }
	PayoutFailed    struct{ Payout }
)

func (Payout) Source() string              { return SourcePayouts }
func (PayoutRequested) DetailType() string { return "PayoutRequested" }
func (PayoutPaid) DetailType() string      { return "PayoutPaid" }
func (PayoutFailed) DetailType() string    { return "PayoutFailed" }

// ---- money in (accounts, DESIGN §15) ----

// Money is the detail of a payer's money movement: a deposit, a refund
// of unspent money, or a dispute. PayerKind is advertiser, community or
// person.
type Money struct {
	Meta
	PayerKind string       `json:"payerKind"`
	PayerID   string       `json:"payerId"`
	OwnerID   string       `json:"ownerId"` // the person who owns the payer (the person itself)
	Amount    money.Amount `json:"amount"`
}

// DepositSucceeded / DepositFailed: a deposit was credited, or its
// payment was declined or abandoned (nothing credited). DebtRepaid is
// what of it went to the payer's debt first.
type DepositSucceeded struct {
	Money
	DepositID  string `json:"depositId"`
	Method     string `json:"method"` // saved, checkout or auto_recharge
	DebtRepaid int64  `json:"debtRepaid"`
}
type DepositFailed struct {
	Money
	DepositID string `json:"depositId"`
	Method    string `json:"method"`
	Reason    string `json:"reason"` // Stripe's decline code, e.g. insufficient_funds
}

// RefundSucceeded / RefundFailed: unspent money went back to the payer's
// card, or a refund failed and the money returned to available.
type RefundSucceeded struct {
	Money
	RefundID  string `json:"refundId"`
	DepositID string `json:"depositId"`
	// Dashboard is true for a refund made in Stripe's dashboard, not
	// asked of Souq.
	Dashboard bool `json:"dashboard,omitempty"`
}
type RefundFailed struct {
	Money
	RefundID  string `json:"refundId"`
	DepositID string `json:"depositId"`
	Reason    string `json:"reason"`
}

// DisputeOpened: a card holder disputed a deposit; Amount left the
// payer's available balance (FromAvailable) and what it could not cover
// became its debt (Debt).
type DisputeOpened struct {
	Money
	DisputeID     string `json:"disputeId"`
	DepositID     string `json:"depositId"`
	FromAvailable int64  `json:"fromAvailable"`
	Debt          int64  `json:"debt"`
	Reason        string `json:"reason,omitempty"`
}

// DisputeClosed: won (the amount returned, repaying the debt first) or
// lost (it left to the card network).
type DisputeClosed struct {
	Money
	DisputeID string `json:"disputeId"`
	DepositID string `json:"depositId"`
	Status    string `json:"status"` // won or lost
}

// PayerDebtChanged: what a payer owes Souq changed (Debt is the whole
// amount owed when it was sent, 0 when repaid; Amount is the change). An
// advertiser in debt has its campaigns paused and cannot bid or book
// until it is repaid. The bus may deliver these in any order: consumers
// read the debt from the ledger, not from the event.
type PayerDebtChanged struct {
	Money
	Debt int64 `json:"debt"`
}

// AdvertiserBalanceLow: an advertiser's available balance fell below its
// alert, once per crossing.
type AdvertiserBalanceLow struct {
	Money
	Threshold money.Amount `json:"threshold"`
}

// AutoRechargeFailed: the automatic top-up of an advertiser failed three
// times in a row and was turned off.
type AutoRechargeFailed struct {
	Money
	Failures int    `json:"failures"`
	Reason   string `json:"reason"`
}

// PayoutAccountUpdated: Stripe told Souq a payee's Connect account
// changed (account.updated); payouts keeps whether it may pay it.
type PayoutAccountUpdated struct {
	Meta
	UserID       string   `json:"userId"`
	AccountID    string   `json:"accountId"`
	Status       string   `json:"status"` // pending, enabled or restricted
	Requirements []string `json:"requirements"`
	// Version is Stripe's event time (unix seconds): an older one never
	// overwrites a newer one.
	Version int64 `json:"version"`
}

func (Money) Source() string                    { return SourceAccounts }
func (DepositSucceeded) DetailType() string     { return "DepositSucceeded" }
func (DepositFailed) DetailType() string        { return "DepositFailed" }
func (RefundSucceeded) DetailType() string      { return "RefundSucceeded" }
func (RefundFailed) DetailType() string         { return "RefundFailed" }
func (DisputeOpened) DetailType() string        { return "DisputeOpened" }
func (DisputeClosed) DetailType() string        { return "DisputeClosed" }
func (PayerDebtChanged) DetailType() string     { return "PayerDebtChanged" }
func (AdvertiserBalanceLow) DetailType() string { return "AdvertiserBalanceLow" }
func (AutoRechargeFailed) DetailType() string   { return "AutoRechargeFailed" }
func (PayoutAccountUpdated) DetailType() string { return "PayoutAccountUpdated" }
func (PayoutAccountUpdated) Source() string     { return SourceAccounts }

// ---- webhooks ----

// WebhookEndpointDisabled: an endpoint failed every delivery for 5 days
// and was disabled; its owner is told (by this event, to its other
// endpoints).
type WebhookEndpointDisabled struct {
	Meta
	EndpointID string `json:"endpointId"`
	OwnerID    string `json:"ownerId"`
	URL        string `json:"url"`
	Reason     string `json:"reason"`
}

func (WebhookEndpointDisabled) DetailType() string { return "WebhookEndpointDisabled" }
func (WebhookEndpointDisabled) Source() string     { return SourceWebhooks }

// ---- ledger ----

// Posting is one leg of a ledger transfer.
type Posting struct {
	Account string       `json:"account"`
	Amount  money.Amount `json:"amount"`
}

// LedgerTransferPosted: a transfer was applied to the ledger.
type LedgerTransferPosted struct {
	Meta
	TransferID string    `json:"transferId"`
	Kind       string    `json:"kind"`
	Postings   []Posting `json:"postings"`
}

func (LedgerTransferPosted) DetailType() string { return "LedgerTransferPosted" }
func (LedgerTransferPosted) Source() string     { return SourceLedger }

// Catalog returns a zero value of every detail-type, in contract order.
func Catalog() []Event {
	return []Event{
		&CommunityCreated{}, &CommunityUpdated{}, &AdvertiserCreated{}, &APIKeyCreated{}, &APIKeyRevoked{},
		&AuctionOpened{}, &BidPlaced{}, &BidWithdrawn{}, &AuctionClosed{}, &AuctionCancelled{},
		&SlotChanged{}, &FlightBooked{},
		&SponsorshipSubmitted{}, &SponsorshipChangesRequested{}, &SponsorshipRevised{},
		&SponsorshipApproved{}, &SponsorshipRejected{}, &SponsorshipCancelled{},
		&SponsorshipExpired{}, &SponsorshipPublished{}, &SponsorshipProposed{}, &SponsorshipProposalAccepted{}, &SponsorshipProposalDeclined{},
		&DealApproved{}, &ConversionRecorded{}, &CommissionAccrued{}, &CommissionReversed{},
		&CommissionCleared{}, &ProgramBudgetExhausted{},
		&PayoutRequested{}, &PayoutPaid{}, &PayoutFailed{}, &WebhookEndpointDisabled{},
		&LedgerTransferPosted{},
		&CampaignCreated{}, &CampaignChanged{}, &CampaignEnded{}, &CampaignCharged{}, &CampaignBudgetExhausted{},
		&CampaignMetered{}, &CampaignReported{}, &CampaignReviewed{},
		&DepositSucceeded{}, &DepositFailed{}, &RefundSucceeded{}, &RefundFailed{},
		&DisputeOpened{}, &DisputeClosed{}, &PayerDebtChanged{}, &AdvertiserBalanceLow{}, &AutoRechargeFailed{},
		&PayoutAccountUpdated{}, &PersonUpdated{},
		&TierCreated{}, &TierChanged{},
		&MembershipStarted{}, &MembershipRenewed{}, &MembershipPaymentFailed{}, &MembershipChanged{},
		&MembershipCanceled{}, &MembershipEnded{}, &MembershipPaymentRefunded{},
	}
}

// DetailTypes lists every detail-type name.
func DetailTypes() []string {
	var out []string
	for _, e := range Catalog() {
		out = append(out, e.DetailType())
	}
	return out
}

// ---- memberships ----

// TierPrice is one price of a tier: what a member pays each interval.
type TierPrice struct {
	Interval string `json:"interval"` // month or year
	Amount   int64  `json:"amount"`   // minor units
	Currency string `json:"currency"`
}

// Tier is a membership tier as its events carry it, whole: what a
// community sells its members (DESIGN §17). Version orders its events.
type Tier struct {
	TierID      string      `json:"tierId"`
	CommunityID string      `json:"communityId"`
	OwnerID     string      `json:"ownerId"`
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	Benefits    []string    `json:"benefits"`
	Prices      []TierPrice `json:"prices"`
	TrialDays   int         `json:"trialDays"`
	Status      string      `json:"status"` // active or archived
	Version     int         `json:"version"`
}

// TierCreated: an owner began selling memberships of a tier.
type TierCreated struct {
	Meta
	Tier
}

// TierChanged: a tier's name, description or benefits changed, or it was
// archived (no new members; current ones keep it).
type TierChanged struct {
	Meta
	Tier
}

func (TierCreated) DetailType() string { return "TierCreated" }
func (TierCreated) Source() string     { return SourceMemberships }
func (TierChanged) DetailType() string { return "TierChanged" }
func (TierChanged) Source() string     { return SourceMemberships }

// Membership is a membership as its events carry it: who (a person, of a
// community), what (its tier, interval and price) and where it is.
// Version orders a membership's events.
type Membership struct {
	MembershipID string `json:"membershipId"`
	CommunityID  string `json:"communityId"`
	OwnerID      string `json:"ownerId"`
	UserID       string `json:"userId"`
	TierID       string `json:"tierId"`
	Interval     string `json:"interval"` // month or year
	Amount       int64  `json:"amount"`   // the price of one interval, minor units
	Currency     string `json:"currency"`
	// Status is incomplete, trialing, active, past_due or ended.
	Status            string `json:"status"`
	CurrentPeriodEnd  string `json:"currentPeriodEnd"`
	CancelAtPeriodEnd bool   `json:"cancelAtPeriodEnd"`
	Version           int    `json:"version"`
	// TierName is the tier's name when the event was written.
	TierName string `json:"tierName"`
	// JoinedAt is when the person joined; PaidFrom when its first paid
	// period began or begins (a trial's end), empty until known.
	JoinedAt string `json:"joinedAt"`
	PaidFrom string `json:"paidFrom,omitempty"`
	// ReferralCode is the deal's code the person joined with (DESIGN §18):
	// referrals attributes the membership from it.
	ReferralCode string `json:"referralCode,omitempty"`
}

// MembershipPayment is one payment of a membership (mpay_…): Amount was
// charged, Share of it went to the community and Fee to Souq.
type MembershipPayment struct {
	PaymentID string `json:"paymentId"`
	// Kind is first, renewal or upgrade (a prorated charge).
	Kind        string `json:"kind"`
	Amount      int64  `json:"amount"`
	Share       int64  `json:"share"`
	Fee         int64  `json:"fee"`
	PeriodStart string `json:"periodStart"`
	PeriodEnd   string `json:"periodEnd"`
}

// MembershipStarted: a person joined a community (trialing, or active
// with the first period paid).
type MembershipStarted struct {
	Meta
	Membership
	Payment *MembershipPayment `json:"payment,omitempty"`
}

// MembershipRenewed: a period (after a trial, a renewal or a retry) was paid.
type MembershipRenewed struct {
	Meta
	Membership
	Payment MembershipPayment `json:"payment"`
}

// MembershipPaymentFailed: a period's payment was declined or needs the
// member's authentication (ActionURL); the membership is past_due and
// retried at NextRetryAt, or ends when that is empty.
type MembershipPaymentFailed struct {
	Meta
	Membership
	Reason      string `json:"reason"`
	Attempt     int    `json:"attempt"`
	NextRetryAt string `json:"nextRetryAt,omitempty"`
}

// MembershipChanged: the tier or interval changed: an upgrade at once
// (with its prorated Payment), a downgrade or a change of interval at the
// period's end (Scheduled true when it was asked for, false when applied).
type MembershipChanged struct {
	Meta
	Membership
	FromTierID   string             `json:"fromTierId"`
	FromInterval string             `json:"fromInterval"`
	ToTierID     string             `json:"toTierId"`
	ToInterval   string             `json:"toInterval"`
	Scheduled    bool               `json:"scheduled"`
	Payment      *MembershipPayment `json:"payment,omitempty"`
}

// MembershipCanceled: the member asked to end at the period's end
// (Resumed false), or took that back (Resumed true).
type MembershipCanceled struct {
	Meta
	Membership
	Resumed bool `json:"resumed"`
}

// MembershipEnded: a membership is over: canceled (at its period's end),
// payment_failed (its retries spent), or never paid (checkout_expired,
// declined).
type MembershipEnded struct {
	Meta
	Membership
	Reason string `json:"reason"`
}

// MembershipPaymentRefunded: the owner refunded (part of) a payment;
// Share came from the community's balance (its debt where that fell
// short) and Fee from Souq's.
type MembershipPaymentRefunded struct {
	Meta
	Membership
	PaymentID string `json:"paymentId"`
	RefundID  string `json:"refundId"`
	Amount    int64  `json:"amount"`
	Share     int64  `json:"share"`
	Fee       int64  `json:"fee"`
	// Payment is the refunded payment as it was paid, so that a consumer
	// that has not seen it yet (events come in any order) can.
	Payment MembershipPayment `json:"payment"`
}

func (MembershipStarted) DetailType() string         { return "MembershipStarted" }
func (MembershipStarted) Source() string             { return SourceMemberships }
func (MembershipRenewed) DetailType() string         { return "MembershipRenewed" }
func (MembershipRenewed) Source() string             { return SourceMemberships }
func (MembershipPaymentFailed) DetailType() string   { return "MembershipPaymentFailed" }
func (MembershipPaymentFailed) Source() string       { return SourceMemberships }
func (MembershipChanged) DetailType() string         { return "MembershipChanged" }
func (MembershipChanged) Source() string             { return SourceMemberships }
func (MembershipCanceled) DetailType() string        { return "MembershipCanceled" }
func (MembershipCanceled) Source() string            { return SourceMemberships }
func (MembershipEnded) DetailType() string           { return "MembershipEnded" }
func (MembershipEnded) Source() string               { return SourceMemberships }
func (MembershipPaymentRefunded) DetailType() string { return "MembershipPaymentRefunded" }
func (MembershipPaymentRefunded) Source() string     { return SourceMemberships }

// ---- campaigns ----

// CampaignCreated: an advertiser created a pay-as-you-go campaign; its
// budget is held.
type CampaignCreated struct {
	Meta
	CampaignID   string       `json:"campaignId"`
	AdvertiserID string       `json:"advertiserId"`
	Model        string       `json:"model"`
	Bid          money.Amount `json:"bid"`
	Budget       money.Amount `json:"budget"`
	Start        string       `json:"start"`
	End          string       `json:"end"`
}

// CampaignEnded: a campaign ended (its advertiser ended it, or its window
// closed) and what it did not spend was released to the advertiser.
type CampaignEnded struct {
	Meta
	CampaignID   string       `json:"campaignId"`
	AdvertiserID string       `json:"advertiserId"`
	Reason       string       `json:"reason"`
	Spent        money.Amount `json:"spent"`
	Released     money.Amount `json:"released"`
}

// CampaignChanged: a campaign was created or changed in what serving needs
// of it (terms, creative, state: live, paused or ended). It carries the
// whole campaign as serving sees it; Version orders changes the bus may
// deliver in any order.
type CampaignChanged struct {
	Meta
	CampaignID   string        `json:"campaignId"`
	AdvertiserID string        `json:"advertiserId"`
	Currency     string        `json:"currency"`
	Model        string        `json:"model"`
	Bid          money.Amount  `json:"bid"`
	Budget       money.Amount  `json:"budget"`
	DailyCap     *money.Amount `json:"dailyCap,omitempty"`
	Start        string        `json:"start"`
	End          string        `json:"end"`
	Pacing       string        `json:"pacing"`
	State        string        `json:"state"`
	Creative     SizedCreative `json:"creative"`
	// Targeting is what the campaign asks of a decision; absent when it
	// is untargeted.
	Targeting *CampaignTargeting `json:"targeting,omitempty"`
	Version   int                `json:"version"`
	// CreativeVersion numbers the campaign's creatives: a changed
	// creative is a new one, which communities that review campaigns
	// approve again before it runs on their slots (CampaignReviewed).
	CreativeVersion int `json:"creativeVersion,omitempty"`
}

// CampaignTargeting is a campaign's targeting (DESIGN §13), normalised:
// keywords lower case NFKC, ISO 3166-1 alpha-2 countries, devices mobile
// or desktop, UTC hours; each sorted, empty when it asks nothing.
type CampaignTargeting struct {
	Keywords  []string `json:"keywords"`
	Countries []string `json:"countries"`
	Devices   []string `json:"devices"`
	Hours     []int    `json:"hours"`
	// Frequency caps how often one browser is shown it (counted by the
	// tag in that browser): at most Impressions in Hours.
	Frequency *CampaignFrequency `json:"frequency,omitempty"`
}

// CampaignFrequency is a campaign's frequency cap.
type CampaignFrequency struct {
	Impressions int `json:"impressions"`
	Hours       int `json:"hours"`
}

// SizedCreative is a creative with its size in pixels.
type SizedCreative struct {
	ImageURL string `json:"imageUrl"`
	ClickURL string `json:"clickUrl"`
	AltText  string `json:"altText"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
}

func (CampaignChanged) DetailType() string { return "CampaignChanged" }
func (CampaignChanged) Source() string     { return SourceCampaigns }
func (CampaignCreated) DetailType() string { return "CampaignCreated" }
func (CampaignCreated) Source() string     { return SourceCampaigns }
func (CampaignEnded) DetailType() string   { return "CampaignEnded" }
func (CampaignEnded) Source() string       { return SourceCampaigns }

// InvalidPrefix is how a refused count is named where counts are stored by
// name: inv_<reason> (inv_bot, inv_reused). The Invalid maps of
// CampaignMetered's and CampaignReported's counts are keyed by the reason
// alone; every context that stores them under one name adds this prefix,
// so that serving's, campaigns' and accounts' stored counts read alike.
const InvalidPrefix = "inv_"

// CommunityUnits are a campaign's counted units on one community's slots:
// valid ones, and the refused ones by reason (for its report; they are
// never billed).
type CommunityUnits struct {
	CommunityID string           `json:"communityId"`
	Impressions int64            `json:"impressions"`
	Clicks      int64            `json:"clicks"`
	Invalid     map[string]int64 `json:"invalid,omitempty"`
	// Dims are serving's counts of the meter's UTC day by breakdown
	// value, sent when the community's counts moved: what its report's
	// line of the day is apportioned by.
	Dims *DayDims `json:"dims,omitempty"`
}

// DayDims are a campaign's counts on a community's slots on one UTC day
// by breakdown value: "k|<keyword>", "c|<country>", "d|<device>" (an
// empty value is no keyword, an unknown country or device).
type DayDims struct {
	Day    string              `json:"day"`
	Values map[string]DimUnits `json:"values"`
}

// DimUnits are one breakdown value's counts: valid impressions and
// clicks, refused ones by reason.
type DimUnits struct {
	Impressions int64            `json:"i,omitempty"`
	Clicks      int64            `json:"c,omitempty"`
	Invalid     map[string]int64 `json:"v,omitempty"`
}

// CampaignMetered: serving's count of a campaign's valid viewable
// impressions and valid clicks after a view, per community, cumulative
// since its start. Seq numbers them: a later one holds all an earlier one
// did, so a late or repeated one changes nothing.
type CampaignMetered struct {
	Meta
	CampaignID  string           `json:"campaignId"`
	Seq         int64            `json:"seq"`
	Communities []CommunityUnits `json:"communities"`
}

// CommunityEarning is one community's part of a campaign's settlement.
type CommunityEarning struct {
	CommunityID string       `json:"communityId"`
	Units       int64        `json:"units"`
	Amount      money.Amount `json:"amount"`
	Share       money.Amount `json:"share"`
}

// CampaignCharged: a settlement drew on a campaign's hold for what was
// seen (CPM) or clicked (CPC) since the last one; each community was paid
// its share. Free counts what was shown past the budget or the day's cap.
type CampaignCharged struct {
	Meta
	CampaignID   string       `json:"campaignId"`
	AdvertiserID string       `json:"advertiserId"`
	Seq          int64        `json:"seq"`
	Amount       money.Amount `json:"amount"`
	// Premium is the targeting premium drawn with Amount (a targeted
	// campaign's; zero otherwise), to the platform.
	Premium money.Amount `json:"premium"`
	Units   int64        `json:"units"`
	Free    int64        `json:"free"`
	// Spent is everything drawn so far, premiums included.
	Spent       money.Amount       `json:"spent"`
	SpentToday  money.Amount       `json:"spentToday"`
	Day         string             `json:"day"`
	Communities []CommunityEarning `json:"communities"`
}

// CampaignBudgetExhausted: a campaign spent its whole budget; it is no
// longer offered.
type CampaignBudgetExhausted struct {
	Meta
	CampaignID   string       `json:"campaignId"`
	AdvertiserID string       `json:"advertiserId"`
	Spent        money.Amount `json:"spent"`
}

// CampaignLine is what one settlement added to a campaign's report line
// of a day on a community: its new counts, units billed and free, spend,
// the community's share of it (what it earned) and the premium, and the
// day's breakdown weights as serving counted them (when the meter sent
// them: they replace the line's).
type CampaignLine struct {
	CommunityID string              `json:"communityId"`
	Impressions int64               `json:"impressions"`
	Clicks      int64               `json:"clicks"`
	Billed      int64               `json:"billed"`
	Free        int64               `json:"free"`
	Spend       money.Amount        `json:"spend"`
	Earned      money.Amount        `json:"earned"`
	Premium     money.Amount        `json:"premium"`
	Invalid     map[string]int64    `json:"invalid,omitempty"`
	Dims        map[string]DimUnits `json:"dims,omitempty"`
}

// CampaignReported: a settlement's report lines, one per community with
// anything new (also a settlement that billed nothing: clicks or refusals
// alone), in the settlement's transaction. Communities' reports are kept
// from it.
type CampaignReported struct {
	Meta
	CampaignID   string         `json:"campaignId"`
	AdvertiserID string         `json:"advertiserId"`
	Seq          int64          `json:"seq"`
	Day          string         `json:"day"`
	Model        string         `json:"model"`
	Lines        []CampaignLine `json:"lines"`
}

func (CampaignReported) DetailType() string { return "CampaignReported" }
func (CampaignReported) Source() string     { return SourceCampaigns }

// CampaignReviewed: a community's owner approved or rejected a campaign's
// creative for the community's slots (DESIGN §16). A decision is for one
// creative version, once: a changed creative is reviewed again. Version
// orders a campaign's decisions on a community, which the bus may deliver
// in any order.
type CampaignReviewed struct {
	Meta
	CampaignID      string `json:"campaignId"`
	CommunityID     string `json:"communityId"`
	AdvertiserID    string `json:"advertiserId"`
	CreativeVersion int    `json:"creativeVersion"`
	// Decision is "approve" or "reject"; Reason is the owner's, for a
	// rejection.
	Decision string `json:"decision"`
	Reason   string `json:"reason,omitempty"`
	Version  int    `json:"version"`
}

func (CampaignReviewed) DetailType() string { return "CampaignReviewed" }
func (CampaignReviewed) Source() string     { return SourceCampaigns }

func (CampaignMetered) DetailType() string         { return "CampaignMetered" }
func (CampaignMetered) Source() string             { return SourceServing }
func (CampaignCharged) DetailType() string         { return "CampaignCharged" }
func (CampaignCharged) Source() string             { return SourceCampaigns }
func (CampaignBudgetExhausted) DetailType() string { return "CampaignBudgetExhausted" }
func (CampaignBudgetExhausted) Source() string     { return SourceCampaigns }
