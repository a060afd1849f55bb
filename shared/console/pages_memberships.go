package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"
)

// Tier is a membership tier (the API's Tier).
type Tier struct {
	ID          string      `json:"id"`
	CommunityID string      `json:"communityId"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Benefits    []string    `json:"benefits"`
	Prices      []TierPrice `json:"prices"`
	TrialDays   int         `json:"trialDays"`
	Status      string      `json:"status"`
}

// TierPrice is one price of a tier.
type TierPrice struct {
	Interval string `json:"interval"`
	Amount   Money  `json:"amount"`
}

// MembershipJoinInfo is a community's public join information
// (GET /v1/communities/{id}/join).
type MembershipJoinInfo struct {
	CommunityID string   `json:"communityId"`
	Name        string   `json:"name"`
	Tiers       []Tier   `json:"tiers"`
	Sites       []string `json:"sites"`
	Return      string   `json:"return"`
}

// MembershipPass is a member's pass for a community's own site.
type MembershipPass struct {
	Pass        string `json:"pass"`
	CommunityID string `json:"communityId"`
	RedirectURL string `json:"redirectUrl"`
}

// Proration is an upgrade's arithmetic, as the API states it.
type Proration struct {
	Charge           int64 `json:"charge"`
	OldPart          int64 `json:"oldPart"`
	NewPart          int64 `json:"newPart"`
	RemainingSeconds int64 `json:"remainingSeconds"`
	PeriodSeconds    int64 `json:"periodSeconds"`
}

// MembershipPayment is one payment of a membership.
type MembershipPayment struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	Amount      Money      `json:"amount"`
	Share       Money      `json:"share"`
	Fee         Money      `json:"fee"`
	Refunded    Money      `json:"refunded"`
	PeriodStart time.Time  `json:"periodStart"`
	PeriodEnd   time.Time  `json:"periodEnd"`
	Proration   *Proration `json:"proration"`
	PaidAt      time.Time  `json:"paidAt"`
}

// Membership is a person's membership of a community.
type Membership struct {
	ID                 string     `json:"id"`
	CommunityID        string     `json:"communityId"`
	CommunityName      string     `json:"communityName"`
	UserID             string     `json:"userId"`
	TierID             string     `json:"tierId"`
	TierName           string     `json:"tierName"`
	Benefits           []string   `json:"benefits"`
	Interval           string     `json:"interval"`
	Price              Money      `json:"price"`
	Status             string     `json:"status"`
	CheckoutURL        string     `json:"checkoutUrl"`
	ActionURL          string     `json:"actionUrl"`
	CurrentPeriodStart time.Time  `json:"currentPeriodStart"`
	CurrentPeriodEnd   time.Time  `json:"currentPeriodEnd"`
	TrialEnd           *time.Time `json:"trialEnd"`
	CancelAtPeriodEnd  bool       `json:"cancelAtPeriodEnd"`
	NextPayment        *struct {
		At     time.Time `json:"at"`
		Amount Money     `json:"amount"`
	} `json:"nextPayment"`
	ScheduledChange *struct {
		TierID   string    `json:"tierId"`
		TierName string    `json:"tierName"`
		Interval string    `json:"interval"`
		Price    Money     `json:"price"`
		At       time.Time `json:"at"`
	} `json:"scheduledChange"`
	Failure *struct {
		Reason      string     `json:"reason"`
		Attempts    int        `json:"attempts"`
		NextRetryAt *time.Time `json:"nextRetryAt"`
	} `json:"failure"`
	EndedReason string              `json:"endedReason"`
	EndedAt     *time.Time          `json:"endedAt"`
	Payments    []MembershipPayment `json:"payments"`
	Proration   *Proration          `json:"proration"`
	CreatedAt   time.Time           `json:"createdAt"`
}

// MembersReportDay is one day of a community's members report.
type MembersReportDay struct {
	Day                string `json:"day"`
	Members            int64  `json:"members"`
	New                int64  `json:"new"`
	Canceled           int64  `json:"canceled"`
	EndedPaymentFailed int64  `json:"endedPaymentFailed"`
	MRR                Money  `json:"mrr"`
	Revenue            Money  `json:"revenue"`
	Refunds            Money  `json:"refunds"`
}

// MembersReport is a community's members per day.
type MembersReport struct {
	CommunityID string             `json:"communityId"`
	Currency    string             `json:"currency"`
	From        string             `json:"from"`
	To          string             `json:"to"`
	Days        []MembersReportDay `json:"days"`
	Totals      MembersReportDay   `json:"totals"`
}

// JoinRequest is POST /v1/communities/{id}/memberships.
type JoinRequest struct {
	TierID   string `json:"tierId"`
	Interval string `json:"interval"`
	// ReferralCode is the deal's code the person came with (first touch).
	ReferralCode string `json:"referralCode,omitempty"`
}

// ReferralCode is a referral code's public facts.
type ReferralCode struct {
	Code            string `json:"code"`
	CommunityID     string `json:"communityId"`
	On              string `json:"on"`
	AttributionDays int    `json:"attributionDays"`
	Active          bool   `json:"active"`
}

// MembershipChangeRequest is PATCH /v1/memberships/{id}.
type MembershipChangeRequest struct {
	TierID   string `json:"tierId"`
	Interval string `json:"interval"`
}

// TierRequest is POST /v1/communities/{id}/tiers.
type TierRequest struct {
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	Benefits    []string    `json:"benefits"`
	Prices      []TierPrice `json:"prices"`
	TrialDays   int         `json:"trialDays"`
}

// MembershipRefundRequest is POST /v1/membership-payments/{id}/refund.
type MembershipRefundRequest struct {
	Amount Money `json:"amount"`
}

// JoinInfo reads a community's public join information, checking a
// return address when one is given (a 400 Problem when it is not the
// community's own).
func (c *Caller) JoinInfo(ctx context.Context, communityID, back string) (MembershipJoinInfo, error) {
	var q url.Values
	if back != "" {
		q = url.Values{"return": {back}}
	}
	return get[MembershipJoinInfo](ctx, c, "/v1/communities/"+p(communityID)+"/join", q)
}

// Pass is the person's pass for a community, sent back to a return
// address the API has checked.
func (c *Caller) Pass(ctx context.Context, communityID, back string) (MembershipPass, error) {
	return get[MembershipPass](ctx, c, "/v1/communities/"+p(communityID)+"/pass", url.Values{"return": {back}})
}

func (c *Caller) Join(ctx context.Context, communityID string, in JoinRequest, idemKey string) (Membership, error) {
	return send[Membership](ctx, c, http.MethodPost, "/v1/communities/"+p(communityID)+"/memberships", in, idemKey)
}

// ReferralCode is GET /v1/referral-codes/{code} (public).
func (c *Caller) ReferralCode(ctx context.Context, code string) (ReferralCode, error) {
	return get[ReferralCode](ctx, c, "/v1/referral-codes/"+p(code), nil)
}

func (c *Caller) MyMemberships(ctx context.Context) (List[Membership], error) {
	return get[List[Membership]](ctx, c, "/v1/me/memberships", nil)
}

func (c *Caller) Membership(ctx context.Context, id string) (Membership, error) {
	return get[Membership](ctx, c, "/v1/memberships/"+p(id), nil)
}

func (c *Caller) MembershipAction(ctx context.Context, id, action string) (Membership, error) {
	return send[Membership](ctx, c, http.MethodPost, "/v1/memberships/"+p(id)+"/"+action, EmptyRequest{}, "")
}

func (c *Caller) ChangeMembership(ctx context.Context, id string, in MembershipChangeRequest, idemKey string) (Membership, error) {
	return send[Membership](ctx, c, http.MethodPatch, "/v1/memberships/"+p(id), in, idemKey)
}

func (c *Caller) Members(ctx context.Context, communityID string) (List[Membership], error) {
	return get[List[Membership]](ctx, c, "/v1/communities/"+p(communityID)+"/memberships", nil)
}

func (c *Caller) MembersReport(ctx context.Context, communityID string) (MembersReport, error) {
	return get[MembersReport](ctx, c, "/v1/communities/"+p(communityID)+"/memberships/report", nil)
}

func (c *Caller) AllTiers(ctx context.Context, communityID string) (List[Tier], error) {
	return get[List[Tier]](ctx, c, "/v1/communities/"+p(communityID)+"/tiers", url.Values{"status": {"all"}})
}

func (c *Caller) CreateTier(ctx context.Context, communityID string, in TierRequest, idemKey string) (Tier, error) {
	return send[Tier](ctx, c, http.MethodPost, "/v1/communities/"+p(communityID)+"/tiers", in, idemKey)
}

func (c *Caller) ArchiveTier(ctx context.Context, id string) (Tier, error) {
	return send[Tier](ctx, c, http.MethodPost, "/v1/tiers/"+p(id)+"/archive", EmptyRequest{}, "")
}

func (c *Caller) RefundMembershipPayment(ctx context.Context, id string, in MembershipRefundRequest, idemKey string) error {
	return c.call(ctx, http.MethodPost, "/v1/membership-payments/"+p(id)+"/refund", nil, in, idemKey, nil)
}

// AddMyCard starts Stripe's page where the person saves a card (the one
// their memberships are charged on from then).
func (c *Caller) AddMyCard(ctx context.Context, idemKey string) (CardSetup, error) {
	return send[CardSetup](ctx, c, http.MethodPost, "/v1/me/payment-methods", EmptyRequest{}, idemKey)
}

// memberRedirect is GET /m/{communityId}?return=: a community's own site
// sends its visitors here for their membership pass. The return address
// is checked first, signed in or not (anything but the community's own
// sites is a 400: never an open redirect), then the person signs in if
// needed (/console/m/…) and is sent back with the pass.
func (c *Console) memberRedirect(w http.ResponseWriter, r *http.Request) {
	id, back := r.PathValue("communityId"), r.URL.Query().Get("return")
	if back == "" {
		c.refuse(w, r, http.StatusBadRequest, "This link names no page to return to: the community's site must send its own page's address (?return=).")
		return
	}
	if _, err := (&Caller{api: c.api}).JoinInfo(r.Context(), id, back); err != nil {
		c.refusePass(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/m/"+url.PathEscape(id)+"?"+url.Values{"return": {back}}.Encode(), http.StatusSeeOther)
}

// memberPass is the signed-in half: the pass, checked again by the API
// against the community's sites, in the return address's fragment.
func (c *Console) memberPass(q *req, _ *formState) {
	if q.r.URL.Query().Get("return") == "" {
		c.refuse(q.w, q.r, http.StatusBadRequest, "This link names no page to return to.")
		return
	}
	p, err := q.api.Pass(q.r.Context(), q.r.PathValue("communityId"), q.r.URL.Query().Get("return"))
	if err != nil {
		c.refusePass(q.w, q.r, err)
		return
	}
	q.w.Header().Set("Cache-Control", "no-store")
	q.w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(q.w, q.r, p.RedirectURL, http.StatusSeeOther)
}

// refusePass says, in words, why no pass is sent.
func (c *Console) refusePass(w http.ResponseWriter, r *http.Request, err error) {
	var p *Problem
	if errors.As(err, &p) {
		switch {
		case p.Status == http.StatusBadRequest:
			msg := "This address may not receive your membership pass: only the community's own sites may."
			for _, e := range p.Errors {
				msg += " The return address " + e.Message + "."
			}
			c.refuse(w, r, http.StatusBadRequest, msg)
			return
		case p.Status == http.StatusForbidden && p.Code == "not_member":
			c.refuse(w, r, http.StatusForbidden, "You are not a member of this community (or your membership has not begun): join it first.")
			return
		}
	}
	c.fail(w, r, err)
}
