package console

import "time"

// The API's objects, as much of each as the pages show (docs/openapi.yaml
// is the whole contract).

// Money is a named amount in minor units.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Owned is an account the person owns.
type Owned struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// Me is the person and what they own.
type Me struct {
	UserID      string   `json:"userId"`
	Communities []Owned  `json:"communities"`
	Advertisers []Owned  `json:"advertisers"`
	DisplayName string   `json:"displayName"`
	Bio         string   `json:"bio"`
	Links       []string `json:"links"`
	TimeZone    string   `json:"timeZone"`
}

// Community is a community account.
type Community struct {
	ID             string    `json:"id"`
	OwnerID        string    `json:"ownerId"`
	Name           string    `json:"name"`
	URL            string    `json:"url"`
	Currency       string    `json:"currency"`
	CreatedAt      time.Time `json:"createdAt"`
	AllowedDomains []string  `json:"allowedDomains"`
	// Its listing in the directory and what runs on its pages (§16).
	Listed             bool     `json:"listed"`
	Description        string   `json:"description"`
	Topics             []string `json:"topics"`
	Languages          []string `json:"languages"`
	Country            string   `json:"country"`
	CampaignReview     string   `json:"campaignReview"`
	BlockedAdvertisers []string `json:"blockedAdvertisers"`
}

// Advertiser is an advertiser account, with how it tops itself up.
type Advertiser struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Currency  string    `json:"currency"`
	CreatedAt time.Time `json:"createdAt"`
	// AutoRecharge and LowBalanceAlert are nil when off; AutoRechargeOff
	// says why auto-recharge was turned off, when it was.
	AutoRecharge    *AutoRecharge `json:"autoRecharge"`
	LowBalanceAlert *BalanceAlert `json:"lowBalanceAlert"`
	AutoRechargeOff string        `json:"autoRechargeOff"`
}

// AutoRecharge is one charge of Amount on the default card when the
// available balance falls below Below.
type AutoRecharge struct {
	Below  Money `json:"below"`
	Amount Money `json:"amount"`
}

// BalanceAlert is an e-mail (an event) when the available balance falls
// below Below.
type BalanceAlert struct {
	Below Money `json:"below"`
}

// Balance is an account's money. Debt is what it owes from a disputed
// card payment, repaid first from its next deposits.
type Balance struct {
	Currency  string `json:"currency"`
	Available int64  `json:"available"`
	Held      int64  `json:"held"`
	Pending   int64  `json:"pending"`
	Debt      int64  `json:"debt"`
	// Payable is what a community may claim now (card deposits are not
	// paid out); nil for an advertiser.
	Payable *int64 `json:"payable"`
	// InTransit is a community's payouts claimed and not yet paid.
	InTransit int64 `json:"inTransit"`
}

// Claimable is what a claim form offers: the payable part of a
// community's balance, or all that is available.
func (b Balance) Claimable() int64 {
	if b.Payable != nil {
		return *b.Payable
	}
	return b.Available
}

// Posting is one line of a statement.
type Posting struct {
	TransferID string    `json:"transferId"`
	Kind       string    `json:"kind"`
	At         time.Time `json:"at"`
	Currency   string    `json:"currency"`
	Available  int64     `json:"available"`
	Held       int64     `json:"held"`
	Pending    int64     `json:"pending"`
	// Memo says more of a transfer: the card a deposit or refund went
	// through ("visa •••• 4242").
	Memo string `json:"memo"`
	// Fee is Souq's fee of the gross the posting is the net of.
	Fee int64 `json:"fee"`
}

// Deposit is money in, paid by card through Stripe. Failure is Stripe's
// reason for a failed one.
type Deposit struct {
	ID          string     `json:"id"`
	AccountID   string     `json:"accountId"`
	Amount      int64      `json:"amount"`
	Currency    string     `json:"currency"`
	Status      string     `json:"status"`
	CheckoutURL string     `json:"checkoutUrl"`
	ActionURL   string     `json:"actionUrl"`
	Card        *CardBrand `json:"card"`
	Refunded    int64      `json:"refunded"`
	Disputed    int64      `json:"disputed"`
	DebtRepaid  int64      `json:"debtRepaid"`
	Failure     string     `json:"failure"`
	FailureCode string     `json:"failureCode"`
	ReceiptURL  string     `json:"receiptUrl"`
	CreatedAt   time.Time  `json:"createdAt"`
	CreditedAt  *time.Time `json:"creditedAt"`
}

// CardBrand is what a deposit shows of the card it was paid with.
type CardBrand struct {
	Brand string `json:"brand"`
	Last4 string `json:"last4"`
}

// Paid reports whether the deposit's money came in (whatever happened
// to it since): it has a receipt.
func (d Deposit) Paid() bool { return d.CreditedAt != nil }

// SavedCard is a card on file with Stripe.
type SavedCard struct {
	ID       string `json:"id"`
	Brand    string `json:"brand"`
	Last4    string `json:"last4"`
	ExpMonth int    `json:"expMonth"`
	ExpYear  int    `json:"expYear"`
	Default  bool   `json:"default"`
}

// CardSetup is Stripe's page where a card is added.
type CardSetup struct {
	SetupURL string `json:"setupUrl"`
}

// Refund is unspent money sent back to the cards it came from.
type Refund struct {
	ID        string        `json:"id"`
	AccountID string        `json:"accountId"`
	Amount    int64         `json:"amount"`
	Currency  string        `json:"currency"`
	Status    string        `json:"status"`
	Refunded  int64         `json:"refunded"`
	InTransit int64         `json:"inTransit"`
	Returned  int64         `json:"returned"`
	Pieces    []RefundPiece `json:"pieces"`
	CreatedAt time.Time     `json:"createdAt"`
}

// RefundPiece is the part of a refund sent to one deposit's card.
type RefundPiece struct {
	DepositID string `json:"depositId"`
	Amount    int64  `json:"amount"`
	Status    string `json:"status"`
	Reason    string `json:"reason"`
}

// PayoutAccount is the person's Stripe Connect account, and what Stripe
// still needs before it pays out.
type PayoutAccount struct {
	AccountID    string    `json:"accountId"`
	Status       string    `json:"status"`
	Requirements []string  `json:"requirements"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// PayoutOnboarding is Stripe's onboarding page for the person's account.
type PayoutOnboarding struct {
	OnboardingURL string   `json:"onboardingUrl"`
	Status        string   `json:"status"`
	Requirements  []string `json:"requirements"`
}

// PayoutDashboard is a login link to the person's Stripe Express
// dashboard.
type PayoutDashboard struct {
	URL string `json:"url"`
}

// APIKey is a key, without its secret (Secret only in the answer to its
// creation).
type APIKey struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Prefix    string     `json:"prefix"`
	Mode      string     `json:"mode"`
	Secret    string     `json:"secret"`
	CreatedAt time.Time  `json:"createdAt"`
	RevokedAt *time.Time `json:"revokedAt"`
}

// Creative is a banner.
type Creative struct {
	ImageURL string `json:"imageUrl,omitempty"`
	ClickURL string `json:"clickUrl"`
	AltText  string `json:"altText"`
	// CreativeID names a creative Souq hosts instead of an ImageURL.
	CreativeID string `json:"creativeId,omitempty"`
}

// Slot is a banner slot.
type Slot struct {
	ID          string    `json:"id"`
	CommunityID string    `json:"communityId"`
	Name        string    `json:"name"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	Reserve     Money     `json:"reserve"`
	Format      string    `json:"format"`
	Archived    bool      `json:"archived"`
	HouseAd     *Creative `json:"houseAd"`
	Campaigns   struct {
		Accept   bool  `json:"accept"`
		FloorCPM Money `json:"floorCpm"`
	} `json:"campaigns"`
}

// Auction is a slot's flight for sale.
type Auction struct {
	ID            string    `json:"id"`
	SlotID        string    `json:"slotId"`
	CommunityID   string    `json:"communityId"`
	CommunityName string    `json:"communityName"`
	SlotName      string    `json:"slotName"`
	SlotSize      string    `json:"slotSize"`
	Status        string    `json:"status"`
	FlightStart   time.Time `json:"flightStart"`
	FlightEnd     time.Time `json:"flightEnd"`
	ClosesAt      time.Time `json:"closesAt"`
	Reserve       Money     `json:"reserve"`
	Format        string    `json:"format"`
	Bids          int       `json:"bids"`
	ClearingPrice *Money    `json:"clearingPrice"`
	Winner        *struct {
		AdvertiserID   string `json:"advertiserId"`
		AdvertiserName string `json:"advertiserName"`
		BidID          string `json:"bidId"`
	} `json:"winner"`
	FlightID string `json:"flightId"`
}

// Bid is the person's sealed bid.
type Bid struct {
	ID             string   `json:"id"`
	AdvertiserID   string   `json:"advertiserId"`
	AdvertiserName string   `json:"advertiserName"`
	Status         string   `json:"status"`
	Amount         int64    `json:"amount"`
	Currency       string   `json:"currency"`
	Creative       Creative `json:"creative"`
	Hold           Money    `json:"hold"`
}

// Flight is a won auction's run.
type Flight struct {
	ID            string    `json:"id"`
	AuctionID     string    `json:"auctionId"`
	CommunityID   string    `json:"communityId"`
	CommunityName string    `json:"communityName"`
	SlotID        string    `json:"slotId"`
	SlotName      string    `json:"slotName"`
	SlotSize      string    `json:"slotSize"`
	AdvertiserID  string    `json:"advertiserId"`
	FlightStart   time.Time `json:"flightStart"`
	FlightEnd     time.Time `json:"flightEnd"`
	Price         Money     `json:"price"`
	Creative      Creative  `json:"creative"`
}

// FlightStats are a flight's counts per day.
type FlightStats struct {
	FlightID    string           `json:"flightId"`
	Served      int64            `json:"served"`
	Impressions int64            `json:"impressions"`
	Clicks      int64            `json:"clicks"`
	CTR         float64          `json:"ctr"`
	Invalid     map[string]int64 `json:"invalid"`
	Days        []struct {
		Day         string `json:"day"`
		Impressions int64  `json:"impressions"`
		Clicks      int64  `json:"clicks"`
	} `json:"days"`
}

// Offering is a line of a rate card.
type Offering struct {
	ID              string `json:"id"`
	CommunityID     string `json:"communityId"`
	Title           string `json:"title"`
	Format          string `json:"format"`
	Amount          int64  `json:"amount"`
	Currency        string `json:"currency"`
	ReviewDays      int    `json:"reviewDays"`
	Brief           string `json:"brief"`
	CapacityPerDate int    `json:"capacityPerDate"`
	Archived        bool   `json:"archived"`
	Limits          struct {
		MaxTitleLength int  `json:"maxTitleLength"`
		MaxBodyLength  int  `json:"maxBodyLength"`
		LinkRequired   bool `json:"linkRequired"`
	} `json:"limits"`
}

// Availability is an offering's dates.
type Availability struct {
	Data []struct {
		Date      string `json:"date"`
		Booked    int    `json:"booked"`
		Capacity  int    `json:"capacity"`
		Blocked   bool   `json:"blocked"`
		Available bool   `json:"available"`
	} `json:"data"`
}

// Content is a sponsorship's content.
type Content struct {
	Title    string `json:"title"`
	Body     string `json:"body"`
	Link     string `json:"link,omitempty"`
	ImageURL string `json:"imageUrl,omitempty"`
}

// Version is one version of a sponsorship's content.
type Version struct {
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	Content
}

// HistoryEntry is one step of a sponsorship.
type HistoryEntry struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Role   string    `json:"role"`
	Action string    `json:"action"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Note   string    `json:"note"`
}

// Sponsorship is a booked sponsored post.
type Sponsorship struct {
	ID             string    `json:"id"`
	OfferingID     string    `json:"offeringId"`
	OfferingTitle  string    `json:"offeringTitle"`
	CommunityID    string    `json:"communityId"`
	CommunityName  string    `json:"communityName"`
	AdvertiserID   string    `json:"advertiserId"`
	AdvertiserName string    `json:"advertiserName"`
	Status         string    `json:"status"`
	Amount         int64     `json:"amount"`
	Currency       string    `json:"currency"`
	DesiredDate    string    `json:"desiredDate"`
	PublishDate    string    `json:"publishDate"`
	PublishBy      string    `json:"publishBy"`
	PublishedURL   string    `json:"publishedUrl"`
	ReviewDeadline time.Time `json:"reviewDeadline"`
	Version        int       `json:"version"`
	Proposal       *struct {
		Amount int64  `json:"amount"`
		Date   string `json:"date"`
		Notes  string `json:"notes"`
	} `json:"proposal"`
	Content   Content        `json:"content"`
	Versions  []Version      `json:"versions"`
	History   []HistoryEntry `json:"history"`
	CreatedAt time.Time      `json:"createdAt"`
}

// Commission is a program's rule.
type Commission struct {
	Type   string `json:"type"`
	Bps    int64  `json:"bps,omitempty"`
	Amount int64  `json:"amount,omitempty"`
	Cap    int64  `json:"cap,omitempty"`
}

// Program is a referral program.
type Program struct {
	ID              string     `json:"id"`
	CommunityID     string     `json:"communityId"`
	Name            string     `json:"name"`
	Currency        string     `json:"currency"`
	Commission      Commission `json:"commission"`
	AttributionDays int        `json:"attributionDays"`
	HoldDays        int        `json:"holdDays"`
	Recurring       bool       `json:"recurring"`
	// On is conversion or membership; Months the months of a member's
	// payments that earn (nil: as long as the membership lasts).
	On            string `json:"on"`
	Months        *int   `json:"months"`
	MinimumPayout Money  `json:"minimumPayout"`
	Status        string `json:"status"`
	Budget        *struct {
		Funded    Money `json:"funded"`
		Remaining Money `json:"remaining"`
		Committed Money `json:"committed"`
		Released  Money `json:"released"`
	} `json:"budget"`
}

// DealStats are a deal's counts.
type DealStats struct {
	Clicks             int64  `json:"clicks"`
	Conversions        int64  `json:"conversions"`
	CommissionPending  int64  `json:"commissionPending"`
	CommissionCleared  int64  `json:"commissionCleared"`
	CommissionReversed int64  `json:"commissionReversed"`
	Members            int64  `json:"members"`
	Currency           string `json:"currency"`
}

// DealTerms are a deal's frozen terms, as far as the console shows them.
type DealTerms struct {
	On     string `json:"on"`
	Months *int   `json:"months"`
}

// Deal is an influencer's place in a program.
type Deal struct {
	ID             string     `json:"id"`
	ProgramID      string     `json:"programId"`
	CommunityID    string     `json:"communityId"`
	CommunityName  string     `json:"communityName"`
	InfluencerID   string     `json:"influencerId"`
	InfluencerName string     `json:"influencerName"`
	Status         string     `json:"status"`
	Pitch          string     `json:"pitch"`
	Code           string     `json:"code"`
	Link           string     `json:"link"`
	Terms          *DealTerms `json:"terms"`
	Stats          DealStats  `json:"stats"`
	CreatedAt      time.Time  `json:"createdAt"`
}

// ProgramReport is the owner's view of a program.
type ProgramReport struct {
	Program Program `json:"program"`
	Deals   []Deal  `json:"deals"`
}

// Conversion is a reported sale.
type Conversion struct {
	ID         string    `json:"id"`
	ExternalID string    `json:"externalId"`
	Amount     int64     `json:"amount"`
	Currency   string    `json:"currency"`
	Status     string    `json:"status"`
	Reason     string    `json:"reason"`
	Commission *Money    `json:"commission"`
	ClearsAt   time.Time `json:"clearsAt"`
	CreatedAt  time.Time `json:"createdAt"`
	// A member's payment: the member's pseudonym (customerId) and which
	// payment it was.
	Source     string `json:"source"`
	CustomerID string `json:"customerId"`
	Payment    *struct {
		Kind        string    `json:"kind"`
		PeriodStart time.Time `json:"periodStart"`
	} `json:"payment"`
}

// ReferredMember is a member a deal brought, by pseudonym.
type ReferredMember struct {
	Member             string     `json:"member"`
	JoinedAt           time.Time  `json:"joinedAt"`
	Status             string     `json:"status"`
	CancelAtPeriodEnd  bool       `json:"cancelAtPeriodEnd"`
	TierName           string     `json:"tierName"`
	Interval           string     `json:"interval"`
	EarnsUntil         *time.Time `json:"earnsUntil"`
	Reason             string     `json:"reason"`
	Payments           int64      `json:"payments"`
	Paid               Money      `json:"paid"`
	Refunded           Money      `json:"refunded"`
	Commission         Money      `json:"commission"`
	CommissionReversed Money      `json:"commissionReversed"`
}

// Earnings are an influencer's money, per currency.
type Earnings struct {
	Balances []struct {
		Currency  string `json:"currency"`
		Pending   int64  `json:"pending"`
		Available int64  `json:"available"`
		Paid      int64  `json:"paid"`
		InTransit int64  `json:"inTransit"`
		Owed      int64  `json:"owed"`
	} `json:"balances"`
}

// Payout is a claim of money out.
type Payout struct {
	ID          string    `json:"id"`
	OwnerKind   string    `json:"ownerKind"`
	OwnerID     string    `json:"ownerId"`
	Amount      int64     `json:"amount"`
	Currency    string    `json:"currency"`
	Destination string    `json:"destination"`
	Status      string    `json:"status"`
	Reason      string    `json:"reason"`
	CreatedAt   time.Time `json:"createdAt"`
	PaidAt      time.Time `json:"paidAt"`
}

// Webhook is an endpoint.
type Webhook struct {
	ID             string    `json:"id"`
	URL            string    `json:"url"`
	Events         []string  `json:"events"`
	Description    string    `json:"description"`
	Enabled        bool      `json:"enabled"`
	DisabledReason string    `json:"disabledReason"`
	Secret         string    `json:"secret"`
	CreatedAt      time.Time `json:"createdAt"`
}

// Delivery is one event sent to an endpoint.
type Delivery struct {
	ID         string    `json:"id"`
	EventType  string    `json:"eventType"`
	Status     string    `json:"status"`
	Attempts   int       `json:"attempts"`
	LastStatus int       `json:"lastStatus"`
	LastError  string    `json:"lastError"`
	CreatedAt  time.Time `json:"createdAt"`
}

// Campaign is a pay-as-you-go campaign, as its advertiser reads it.
type Campaign struct {
	ID           string `json:"id"`
	AdvertiserID string `json:"advertiserId"`
	Name         string `json:"name"`
	Currency     string `json:"currency"`
	Pricing      struct {
		Model string `json:"model"`
		Bid   Money  `json:"bid"`
	} `json:"pricing"`
	Budget   Money     `json:"budget"`
	DailyCap *Money    `json:"dailyCap"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Pacing   string    `json:"pacing"`
	Creative struct {
		Creative
		Width  int `json:"width"`
		Height int `json:"height"`
	} `json:"creative"`
	Targeting *struct {
		Keywords  []string `json:"keywords"`
		Countries []string `json:"countries"`
		Devices   []string `json:"devices"`
		Hours     []int    `json:"hours"`
		Frequency *struct {
			Impressions int `json:"impressions"`
			Hours       int `json:"hours"`
		} `json:"frequency"`
	} `json:"targeting"`
	Premium     Money  `json:"premium"`
	Status      string `json:"status"`
	Spent       Money  `json:"spent"`
	Remaining   Money  `json:"remaining"`
	Released    Money  `json:"released"`
	Impressions int64  `json:"impressions"`
	Clicks      int64  `json:"clicks"`
	Billed      int64  `json:"billed"`
	Free        int64  `json:"free"`
}

// ReportFigures are a campaign report line's numbers.
type ReportFigures struct {
	Impressions int64            `json:"impressions"`
	Clicks      int64            `json:"clicks"`
	CTR         float64          `json:"ctr"`
	Spend       Money            `json:"spend"`
	ECPM        Money            `json:"ecpm"`
	Billed      int64            `json:"billed"`
	Free        int64            `json:"free"`
	Invalid     map[string]int64 `json:"invalid"`
}

// InvalidTotal is every refused view and click of the line.
func (f ReportFigures) InvalidTotal() int64 {
	var n int64
	for _, v := range f.Invalid {
		n += v
	}
	return n
}

// CampaignReport is a campaign's lines per UTC day and community.
type CampaignReport struct {
	CampaignID string `json:"campaignId"`
	Currency   string `json:"currency"`
	From       string `json:"from"`
	To         string `json:"to"`
	Rows       []struct {
		Day           string `json:"day"`
		CommunityID   string `json:"communityId"`
		CommunityName string `json:"communityName"`
		ReportFigures
	} `json:"rows"`
	Totals ReportFigures `json:"totals"`
}

// Reach is how many accepting slots a campaign could run on (GET /v1/reach).
type Reach struct {
	Accepting    int `json:"accepting"`
	AtBid        int `json:"atBid"`
	KeywordMatch int `json:"keywordMatch"`
}

// CampaignBreakdown is a campaign's report by keyword, country or device:
// lines per UTC day and value ("" none or unknown).
type CampaignBreakdown struct {
	CampaignID string `json:"campaignId"`
	Currency   string `json:"currency"`
	From       string `json:"from"`
	To         string `json:"to"`
	By         string `json:"by"`
	Rows       []struct {
		Day   string `json:"day"`
		Value string `json:"value"`
		ReportFigures
	} `json:"rows"`
	Totals ReportFigures `json:"totals"`
}

// CommunityBreakdown is a community's campaign earnings by keyword,
// country or device, per UTC day and value.
type CommunityBreakdown struct {
	From string `json:"from"`
	To   string `json:"to"`
	By   string `json:"by"`
	Rows []struct {
		Day         string           `json:"day"`
		Value       string           `json:"value"`
		Impressions int64            `json:"impressions"`
		Clicks      int64            `json:"clicks"`
		Spend       Money            `json:"spend"`
		Earned      Money            `json:"earned"`
		Invalid     map[string]int64 `json:"invalid"`
	} `json:"rows"`
}

// EarningsReport is a community's earnings per UTC day and source.
type EarningsReport struct {
	CommunityID string `json:"communityId"`
	Currency    string `json:"currency"`
	From        string `json:"from"`
	To          string `json:"to"`
	Rows        []struct {
		Day       string `json:"day"`
		Source    string `json:"source"`
		Amount    Money  `json:"amount"`
		Gross     Money  `json:"gross"`
		Fee       Money  `json:"fee"`
		Transfers int64  `json:"transfers"`
	} `json:"rows"`
	Totals []struct {
		Source    string `json:"source"`
		Amount    Money  `json:"amount"`
		Gross     Money  `json:"gross"`
		Fee       Money  `json:"fee"`
		Transfers int64  `json:"transfers"`
	} `json:"totals"`
	Total Money `json:"total"`
	Gross Money `json:"gross"`
	Fee   Money `json:"fee"`
}

// DirectoryListing is a listed community in the directory: what it sells
// and its audience as Souq's ad server measured it over 30 days.
type DirectoryListing struct {
	ID             string          `json:"id"`
	Name           string          `json:"name"`
	Description    string          `json:"description"`
	Topics         []string        `json:"topics"`
	Languages      []string        `json:"languages"`
	Country        string          `json:"country"`
	URL            string          `json:"url"`
	CreatedAt      time.Time       `json:"createdAt"`
	TakesCampaigns bool            `json:"takesCampaigns"`
	Slots          []DirectorySlot `json:"slots"`
	Audience       Audience        `json:"audience"`
}

// DirectorySlot is a slot of a listing.
type DirectorySlot struct {
	SlotID         string `json:"slotId"`
	Width          int    `json:"width"`
	Height         int    `json:"height"`
	Currency       string `json:"currency"`
	TakesCampaigns bool   `json:"takesCampaigns"`
	FloorCPM       *Money `json:"floorCpm"`
}

// Audience is a listing's measured audience over the last 30 days.
type Audience struct {
	ViewableImpressions  int64 `json:"viewableImpressions"`
	DistinctDailyViewers int64 `json:"distinctDailyViewers"`
	Clicks               int64 `json:"clicks"`
}

// CampaignReviewItem is a campaign in a community's review queue.
// CampaignReviewList is a community's campaign review queue and the
// advertisers it blocked, by name.
type CampaignReviewList struct {
	Data       []CampaignReviewItem `json:"data"`
	NextCursor string               `json:"nextCursor"`
	Blocked    []struct {
		AdvertiserID   string `json:"advertiserId"`
		AdvertiserName string `json:"advertiserName"`
	} `json:"blocked"`
}

type CampaignReviewItem struct {
	CampaignID     string `json:"campaignId"`
	CampaignName   string `json:"campaignName"`
	AdvertiserID   string `json:"advertiserId"`
	AdvertiserName string `json:"advertiserName"`
	Creative       struct {
		Creative
		CreativeID string `json:"creativeId"`
		Width      int    `json:"width"`
		Height     int    `json:"height"`
	} `json:"creative"`
	CreativeVersion int `json:"creativeVersion"`
	Pricing         struct {
		Model string `json:"model"`
		Bid   Money  `json:"bid"`
	} `json:"pricing"`
	Status   string    `json:"status"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Previous string    `json:"previous"`
}

// CampaignReviewDecision is a community's decision on a campaign's creative.
type CampaignReviewDecision struct {
	CampaignID      string    `json:"campaignId"`
	CommunityID     string    `json:"communityId"`
	AdvertiserID    string    `json:"advertiserId"`
	CreativeVersion int       `json:"creativeVersion"`
	Decision        string    `json:"decision"`
	Reason          string    `json:"reason"`
	DecidedAt       time.Time `json:"decidedAt"`
}

// HostedCreative is an image Souq hosts for an advertiser; immutable.
type HostedCreative struct {
	ID           string    `json:"id"`
	AdvertiserID string    `json:"advertiserId"`
	ImageURL     string    `json:"imageUrl"`
	Width        int       `json:"width"`
	Height       int       `json:"height"`
	ContentType  string    `json:"contentType"`
	Bytes        int64     `json:"bytes"`
	CreatedAt    time.Time `json:"createdAt"`
}
