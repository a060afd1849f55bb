package memberships

// Memberships (DESIGN §17): a person's membership of a community, its
// periods and what it has paid.
//
//	pk               sk         gsi1pk / gsi1sk              gsi2pk / gsi2sk            item
//	MEM#<mid>        MEM        COM#<cid>#MEMS / <at>#<mid>  USR#<uid>#MEMS / <at>#<mid> a membership
//	LIVE#<cid>#<uid> LIVE       -                            -                          the person's one live membership of the community
//	MPAY#<pid>       MPAY       MEM#<mid>#PAYS / <at>#<pid>  -                          a payment (first, renewal, upgrade)
//	MRF#<rid>        MRF        -                            -                          an owner's refund of a payment
//	RPT#<cid>        DAY#<day>  -                            -                          the day's changes to the community's members and money (report.go)
//
// A membership changes by a conditional write on the version read, in one
// transaction with its event, its report day and, when it takes money, its
// payment and ledger transfer: a change made meanwhile is read again or
// refused, never half applied. A renewal's charge has an id fixed by the
// membership and its cycle (the how-manieth period paid), and each try an
// idempotency key fixed by the cycle and the try: however often its
// schedule is delivered, a period is charged at most once.

import (
	"fmt"
	"time"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/money"
)

// Ended reasons.
const (
	EndCanceled        = "canceled"
	EndPaymentFailed   = "payment_failed"
	EndCheckoutExpired = "checkout_expired"
	EndDeclined        = "declined"
)

// Payment kinds.
const (
	PayFirst   = "first"
	PayRenewal = "renewal"
	PayUpgrade = "upgrade"
)

// DefaultShareBps is SOUQ_MEMBERSHIP_SHARE_BPS's default: the community
// keeps 95 % of what its members pay.
const DefaultShareBps = 9500

type membershipItem struct {
	PK            string   `dynamodbav:"pk"`
	SK            string   `dynamodbav:"sk"`
	GSI1PK        string   `dynamodbav:"gsi1pk"`
	GSI1SK        string   `dynamodbav:"gsi1sk"`
	GSI2PK        string   `dynamodbav:"gsi2pk"`
	GSI2SK        string   `dynamodbav:"gsi2sk"`
	ID            string   `dynamodbav:"id"`
	CommunityID   string   `dynamodbav:"communityId"`
	CommunityName string   `dynamodbav:"communityName"`
	OwnerID       string   `dynamodbav:"ownerId"`
	UserID        string   `dynamodbav:"userId"`
	TierID        string   `dynamodbav:"tierId"`
	TierName      string   `dynamodbav:"tierName"`
	Benefits      []string `dynamodbav:"benefits"`
	Interval      string   `dynamodbav:"interval"`
	Amount        int64    `dynamodbav:"amount"`
	Currency      string   `dynamodbav:"currency"`
	Status        string   `dynamodbav:"status"`
	// Anchor is where the periods count from (the first paid period's
	// start); N is the current period's number from it (-1: the trial).
	// Cycle counts periods paid over the membership's life (never reset:
	// a change of interval moves the anchor), naming charges and schedules.
	Anchor string `dynamodbav:"anchor"`
	// Since is the first paid period's start (a trial's end): the anchor
	// as it was first set, never moved.
	Since       string `dynamodbav:"since,omitempty"`
	N           int    `dynamodbav:"n"`
	Cycle       int    `dynamodbav:"cycle"`
	PeriodStart string `dynamodbav:"periodStart"`
	PeriodEnd   string `dynamodbav:"periodEnd"`
	// CancelAtPeriodEnd: it ends at PeriodEnd (benefits kept until then).
	CancelAtPeriodEnd bool `dynamodbav:"cancelAtPeriodEnd"`
	// A downgrade or a change of interval, applied at PeriodEnd.
	NextTierID   string   `dynamodbav:"nextTierId,omitempty"`
	NextTierName string   `dynamodbav:"nextTierName,omitempty"`
	NextInterval string   `dynamodbav:"nextInterval,omitempty"`
	NextAmount   int64    `dynamodbav:"nextAmount,omitempty"`
	NextBenefits []string `dynamodbav:"nextBenefits,omitempty"`
	// Dunning: Failures is how many tries of the current renewal failed,
	// FailedAt when the first did; ActionURL is Stripe's page when the
	// card needs its holder.
	Failures  int    `dynamodbav:"failures"`
	FailedAt  string `dynamodbav:"failedAt,omitempty"`
	Failure   string `dynamodbav:"failure,omitempty"`
	ActionURL string `dynamodbav:"actionUrl,omitempty"`
	// Charging is the payment being taken right now ("": none): a cancel
	// or change waits for it.
	Charging string `dynamodbav:"charging"`
	// An upgrade being charged: its tier, interval and the instant its
	// proration was reckoned at (so that asking again charges the same).
	ChargingTier     string `dynamodbav:"chargingTier,omitempty"`
	ChargingInterval string `dynamodbav:"chargingInterval,omitempty"`
	ChargingAt       string `dynamodbav:"chargingAt,omitempty"`
	// Checkout: the first payment's (or the trial's card's) session.
	Session     string `dynamodbav:"session,omitempty"`
	CheckoutURL string `dynamodbav:"checkoutUrl,omitempty"`
	TrialDays   int    `dynamodbav:"trialDays"`
	// Referral is the deal's code the person joined with (DESIGN §18).
	Referral    string `dynamodbav:"referral,omitempty"`
	EndedReason string `dynamodbav:"endedReason,omitempty"`
	EndedAt     string `dynamodbav:"endedAt,omitempty"`
	CreatedAt   string `dynamodbav:"createdAt"`
	UpdatedAt   string `dynamodbav:"updatedAt"`
	Version     int    `dynamodbav:"version"`
}

func (m *membershipItem) index() {
	m.PK, m.SK = "MEM#"+m.ID, "MEM"
	m.GSI1PK, m.GSI1SK = "COM#"+m.CommunityID+"#MEMS", m.CreatedAt+"#"+m.ID
	m.GSI2PK, m.GSI2SK = "USR#"+m.UserID+"#MEMS", m.CreatedAt+"#"+m.ID
}

func livePK(communityID, userID string) string { return "LIVE#" + communityID + "#" + userID }

type paymentItem struct {
	PK           string `dynamodbav:"pk"`
	SK           string `dynamodbav:"sk"`
	GSI1PK       string `dynamodbav:"gsi1pk"`
	GSI1SK       string `dynamodbav:"gsi1sk"`
	ID           string `dynamodbav:"id"`
	MembershipID string `dynamodbav:"membershipId"`
	CommunityID  string `dynamodbav:"communityId"`
	OwnerID      string `dynamodbav:"ownerId"`
	UserID       string `dynamodbav:"userId"`
	Kind         string `dynamodbav:"kind"`
	Cycle        int    `dynamodbav:"cycle"`
	TierID       string `dynamodbav:"tierId"`
	Interval     string `dynamodbav:"interval"`
	PeriodStart  string `dynamodbav:"periodStart"`
	PeriodEnd    string `dynamodbav:"periodEnd"`
	Amount       int64  `dynamodbav:"amount"`
	Share        int64  `dynamodbav:"share"`
	Fee          int64  `dynamodbav:"fee"`
	Currency     string `dynamodbav:"currency"`
	Reference    string `dynamodbav:"reference,omitempty"` // pi_…
	Brand        string `dynamodbav:"brand,omitempty"`
	Last4        string `dynamodbav:"last4,omitempty"`
	Refunded     int64  `dynamodbav:"refunded"`
	TransferID   string `dynamodbav:"transferId"`
	// Proration: an upgrade's stated arithmetic.
	Proration *Proration `dynamodbav:"proration,omitempty"`
	PaidAt    string     `dynamodbav:"paidAt"`
}

// MembershipView is a membership as the API shows it, to its member and
// to its community's owner.
type MembershipView struct {
	ID            string        `json:"id"`
	CommunityID   string        `json:"communityId"`
	CommunityName string        `json:"communityName"`
	UserID        string        `json:"userId"`
	TierID        string        `json:"tierId"`
	TierName      string        `json:"tierName"`
	Benefits      []string      `json:"benefits"`
	Interval      Interval      `json:"interval"`
	Price         money.Amount  `json:"price"`
	Status        Status        `json:"status"`
	CheckoutURL   string        `json:"checkoutUrl,omitempty"`
	ActionURL     string        `json:"actionUrl,omitempty"`
	PeriodStart   time.Time     `json:"currentPeriodStart"`
	PeriodEnd     time.Time     `json:"currentPeriodEnd"`
	TrialEnd      *time.Time    `json:"trialEnd,omitempty"`
	Cancel        bool          `json:"cancelAtPeriodEnd"`
	NextPayment   *NextPayment  `json:"nextPayment"`
	Scheduled     *Scheduled    `json:"scheduledChange"`
	Failure       *FailureView  `json:"failure"`
	EndedReason   string        `json:"endedReason,omitempty"`
	EndedAt       *time.Time    `json:"endedAt,omitempty"`
	Payments      []PaymentView `json:"payments,omitempty"`
	// Proration is what an upgrade just charged (the response to the
	// change only).
	Proration *Proration `json:"proration,omitempty"`
	CreatedAt time.Time  `json:"createdAt"`
}

// NextPayment is what the member pays next, and when.
type NextPayment struct {
	At     time.Time    `json:"at"`
	Amount money.Amount `json:"amount"`
}

// Scheduled is a change that applies at the period's end.
type Scheduled struct {
	TierID   string       `json:"tierId"`
	TierName string       `json:"tierName"`
	Interval Interval     `json:"interval"`
	Price    money.Amount `json:"price"`
	At       time.Time    `json:"at"`
}

// FailureView is why the current renewal failed and what happens next.
type FailureView struct {
	Reason      string     `json:"reason"`
	Attempts    int        `json:"attempts"`
	NextRetryAt *time.Time `json:"nextRetryAt"`
}

// PaymentView is one payment of a membership.
type PaymentView struct {
	ID           string       `json:"id"`
	MembershipID string       `json:"membershipId"`
	Kind         string       `json:"kind"`
	Amount       money.Amount `json:"amount"`
	Share        money.Amount `json:"share"`
	Fee          money.Amount `json:"fee"`
	Refunded     money.Amount `json:"refunded"`
	PeriodStart  time.Time    `json:"periodStart"`
	PeriodEnd    time.Time    `json:"periodEnd"`
	Card         *CardView    `json:"card,omitempty"`
	Proration    *Proration   `json:"proration,omitempty"`
	TransferID   string       `json:"transferId"`
	PaidAt       time.Time    `json:"paidAt"`
}

// CardView is what a payment names of its card.
type CardView struct {
	Brand string `json:"brand"`
	Last4 string `json:"last4"`
}

func (m membershipItem) view() MembershipView {
	v := MembershipView{ID: m.ID, CommunityID: m.CommunityID, CommunityName: m.CommunityName, UserID: m.UserID, TierID: m.TierID,
		TierName: m.TierName, Benefits: m.Benefits, Interval: Interval(m.Interval), Price: money.Amount{Minor: m.Amount, Currency: m.Currency},
		Status: Status(m.Status), PeriodStart: clock.Parse(m.PeriodStart), PeriodEnd: clock.Parse(m.PeriodEnd), Cancel: m.CancelAtPeriodEnd,
		EndedReason: m.EndedReason, CreatedAt: clock.Parse(m.CreatedAt)}
	if v.Benefits == nil {
		v.Benefits = []string{}
	}
	switch Status(m.Status) {
	case Incomplete:
		v.CheckoutURL = m.CheckoutURL
	case Trialing:
		end := clock.Parse(m.PeriodEnd)
		v.TrialEnd = &end
	case PastDue:
		v.ActionURL = m.ActionURL
		f := &FailureView{Reason: m.Failure, Attempts: m.Failures}
		if at, ok := NextRetry(clock.Parse(m.FailedAt), m.Failures-1); ok {
			f.NextRetryAt = &at
		}
		v.Failure = f
	case Ended:
		at := clock.Parse(m.EndedAt)
		v.EndedAt = &at
	}
	if Status(m.Status).Live() && Status(m.Status) != Incomplete && !m.CancelAtPeriodEnd {
		amount, at := m.Amount, clock.Parse(m.PeriodEnd)
		if m.NextTierID != "" {
			amount = m.NextAmount
		}
		if Status(m.Status) == PastDue {
			if f := v.Failure; f != nil && f.NextRetryAt != nil {
				at = *f.NextRetryAt
			}
			amount = m.Amount
		}
		v.NextPayment = &NextPayment{At: at, Amount: money.Amount{Minor: amount, Currency: m.Currency}}
	}
	if m.NextTierID != "" && Status(m.Status).Live() {
		v.Scheduled = &Scheduled{TierID: m.NextTierID, TierName: m.NextTierName, Interval: Interval(m.NextInterval),
			Price: money.Amount{Minor: m.NextAmount, Currency: m.Currency}, At: clock.Parse(m.PeriodEnd)}
	}
	return v
}

func (p paymentItem) view() PaymentView {
	amt := func(x int64) money.Amount { return money.Amount{Minor: x, Currency: p.Currency} }
	v := PaymentView{ID: p.ID, MembershipID: p.MembershipID, Kind: p.Kind, Amount: amt(p.Amount), Share: amt(p.Share), Fee: amt(p.Fee),
		Refunded: amt(p.Refunded), PeriodStart: clock.Parse(p.PeriodStart), PeriodEnd: clock.Parse(p.PeriodEnd), Proration: p.Proration,
		TransferID: p.TransferID, PaidAt: clock.Parse(p.PaidAt)}
	if p.Last4 != "" {
		v.Card = &CardView{Brand: p.Brand, Last4: p.Last4}
	}
	return v
}

// event is the membership as its events carry it.
func (m membershipItem) event() events.Membership {
	return events.Membership{MembershipID: m.ID, CommunityID: m.CommunityID, OwnerID: m.OwnerID, UserID: m.UserID, TierID: m.TierID,
		Interval: m.Interval, Amount: m.Amount, Currency: m.Currency, Status: m.Status, CurrentPeriodEnd: m.PeriodEnd,
		CancelAtPeriodEnd: m.CancelAtPeriodEnd, Version: m.Version, TierName: m.TierName, JoinedAt: m.CreatedAt, PaidFrom: m.Since,
		ReferralCode: m.Referral}
}

func (p paymentItem) event() events.MembershipPayment {
	return events.MembershipPayment{PaymentID: p.ID, Kind: p.Kind, Amount: p.Amount, Share: p.Share, Fee: p.Fee,
		PeriodStart: p.PeriodStart, PeriodEnd: p.PeriodEnd}
}

// split is a payment's parts: the community's share (shareBps of it,
// half-even) and Souq's fee (the rest).
func split(amount int64, shareBps int) (share, fee int64) {
	share = partOf(amount, int64(shareBps), 10_000)
	return share, amount - share
}

// periodEnd is the end of the nth period of a membership anchored at anchor.
func periodEnd(anchor time.Time, i Interval, n int) time.Time { return Boundary(anchor, i, n+1) }

// paymentID is the id of the payment of a membership's cycle (its
// renewals, the first payment) or of its upgrade at a version: fixed, so
// that however often it is tried it is one payment.
func paymentID(membershipID string, cycle int) string {
	return keyedID("mpay_", fmt.Sprintf("%s/cycle/%d", membershipID, cycle))
}

func upgradeID(membershipID string, version int) string {
	return keyedID("mpay_", fmt.Sprintf("%s/upgrade/%d", membershipID, version))
}

// monthly12 is twelve times what a price brings each month (MRR kept in
// twelfths, exact: a yearly price counts 1/12).
func monthly12(amount int64, i Interval) int64 {
	if i == Year {
		return amount
	}
	return amount * 12
}
