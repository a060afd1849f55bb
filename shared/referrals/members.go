package referrals

// Member referrals (DESIGN §18): a program on memberships pays on every
// payment of a membership its deal brought, recorded by Souq from the
// memberships' own events: no postback. The person is attributed once per
// community, from the first of their memberships referrals hears of
// (first touch; the same person joining again later is not a new
// referral), and each payment is a conversion keyed by its payment id, so
// an event delivered twice, late or out of order records it once.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/defects"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/store"
)

// Why a person's memberships earn nothing for anyone.
const (
	ReasonNoReferral        Reason = "no_referral"         // joined without a code
	ReasonUnknownCode       Reason = "unknown_code"        // a code that names no deal of this community
	ReasonNotMembershipDeal Reason = "not_membership_deal" // the deal's program pays on reported conversions
)

// memberItem is a person's referral in a community: attributed (a deal)
// or not (the reason), once, with what their memberships paid and earned.
type memberItem struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	GSI1PK string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK string `dynamodbav:"gsi1sk,omitempty"`
	// The person, and the membership they were attributed with.
	CommunityID  string `dynamodbav:"communityId"`
	UserID       string `dynamodbav:"userId"`
	MembershipID string `dynamodbav:"membershipId"`
	JoinedAt     string `dynamodbav:"joinedAt"`
	// PaidFrom is when the first paid period began: the months that earn
	// count from it (empty until a membership of theirs is paid).
	PaidFrom string `dynamodbav:"paidFrom,omitempty"`
	Code     string `dynamodbav:"code,omitempty"`
	// The deal (empty: not attributed, and Reason says why).
	DealID       string `dynamodbav:"dealId,omitempty"`
	ProgramID    string `dynamodbav:"programId,omitempty"`
	InfluencerID string `dynamodbav:"influencerId,omitempty"`
	Reason       string `dynamodbav:"reason,omitempty"`
	// Member is the pseudonym the deal's influencer knows them by.
	Member   string `dynamodbav:"member"`
	Currency string `dynamodbav:"currency"`
	// The latest membership as its events said (the latest joined, then
	// the highest version).
	Status            string `dynamodbav:"status"`
	TierName          string `dynamodbav:"tierName"`
	Interval          string `dynamodbav:"interval"`
	CancelAtPeriodEnd bool   `dynamodbav:"cancelAtPeriodEnd"`
	StatusJoinedAt    string `dynamodbav:"statusJoinedAt"`
	StatusVersion     int    `dynamodbav:"statusVersion"`
	// What was paid and refunded, and what it earned and took back.
	Payments           int64  `dynamodbav:"payments"`
	Paid               int64  `dynamodbav:"paid"`
	Refunded           int64  `dynamodbav:"refunded"`
	Commission         int64  `dynamodbav:"commission"`
	CommissionReversed int64  `dynamodbav:"commissionReversed"`
	CreatedAt          string `dynamodbav:"createdAt"`
}

func memberPK(communityID, userID string) string { return "MREF#" + communityID + "#" + userID }

// memberPaymentPK keys a member's payment → its conversion: apart from
// the ids a community reports (EXT#), so that no reported conversion can
// take a payment's place.
func memberPaymentPK(communityID, paymentID string) string {
	return "MEXT#" + communityID + "#" + paymentID
}

func (it *memberItem) index() {
	it.PK, it.SK = memberPK(it.CommunityID, it.UserID), "MREF"
	it.GSI1PK, it.GSI1SK = "", ""
	if it.DealID != "" {
		it.GSI1PK, it.GSI1SK = "DEAL#"+it.DealID+"#MEMBERS", it.JoinedAt+"#"+it.Member
	}
}

// MemberView is a referred member as the deal's influencer and the
// community's owner see them: by pseudonym, never by name or id.
type MemberView struct {
	Member            string `json:"member"`
	JoinedAt          string `json:"joinedAt"`
	Status            string `json:"status"`
	CancelAtPeriodEnd bool   `json:"cancelAtPeriodEnd"`
	TierName          string `json:"tierName"`
	Interval          string `json:"interval"`
	// EarnsUntil is when the months that earn end (null: as long as the
	// membership lasts, or not known until it is first paid).
	EarnsUntil *string `json:"earnsUntil"`
	// Reason is why none of their payments earn (self_referral).
	Reason             string       `json:"reason,omitempty"`
	Payments           int64        `json:"payments"`
	Paid               money.Amount `json:"paid"`
	Refunded           money.Amount `json:"refunded"`
	Commission         money.Amount `json:"commission"`
	CommissionReversed money.Amount `json:"commissionReversed"`
}

func memberView(it memberItem, terms *Terms) MemberView {
	m := func(n int64) money.Amount { return money.Amount{Minor: n, Currency: it.Currency} }
	v := MemberView{Member: it.Member, JoinedAt: it.JoinedAt, Status: it.Status, CancelAtPeriodEnd: it.CancelAtPeriodEnd, TierName: it.TierName,
		Interval: it.Interval, Reason: it.Reason, Payments: it.Payments, Paid: m(it.Paid), Refunded: m(it.Refunded),
		Commission: m(it.Commission), CommissionReversed: m(it.CommissionReversed)}
	if terms != nil && terms.Months != nil && it.PaidFrom != "" {
		until := clock.Format(earnsUntil(clock.Parse(it.PaidFrom), *terms.Months))
		v.EarnsUntil = &until
	}
	return v
}

// earnsUntil is the end of the months that earn: a payment whose period
// starts before it earns.
func earnsUntil(paidFrom time.Time, months int) time.Time { return paidFrom.AddDate(0, months, 0) }

// pseudonym names a referred member to the deal's influencer: drawn at
// random, so it says nothing of who they are.
func pseudonym() string { return "mbr_" + NewCode()[:8] }

// memberOf is the person's referral in the community, attributed now if
// this is the first of their memberships referrals hears of.
func (s *Service) memberOf(ctx context.Context, ev events.Membership) (memberItem, error) {
	const op = "referrals.memberOf"
	pk := memberPK(ev.CommunityID, ev.UserID)
	it, found, err := get[memberItem](ctx, s.repo, op, pk, "MREF")
	if err != nil {
		return memberItem{}, err
	}
	if found {
		if it.PaidFrom == "" && ev.PaidFrom != "" {
			// The first paid period is known now: the months count from it.
			if err := s.repo.memberPaidFrom(ctx, it, ev.PaidFrom); err != nil && !store.IsConditionFailed(err) {
				return memberItem{}, fault.Wrap(op, err)
			}
			return s.memberAgain(ctx, op, pk)
		}
		return it, nil
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	it = memberItem{CommunityID: ev.CommunityID, UserID: ev.UserID, MembershipID: ev.MembershipID, JoinedAt: ev.JoinedAt, PaidFrom: ev.PaidFrom,
		Member: pseudonym(), Currency: ev.Currency, CreatedAt: clock.Format(now)}
	if it.JoinedAt == "" {
		it.JoinedAt = clock.Format(now)
	}
	d, reason, err := s.joinDeal(ctx, ev)
	if err != nil {
		return memberItem{}, err
	}
	it.Code, it.Reason = ev.ReferralCode, string(reason)
	if d != nil {
		it.DealID, it.ProgramID, it.InfluencerID = d.ID, d.ProgramID, d.InfluencerID
	}
	it.index()
	put, err := marshalPut(s.repo.table, it, "attribute_not_exists(pk)", nil)
	if err != nil {
		return memberItem{}, fault.Wrap(op, err)
	}
	tx := store.NewTx().Add("member", put)
	if d != nil {
		tx.Add("stats", s.repo.statsAdd(d.ID, map[string]int64{"members": 1}))
	}
	if err := tx.Write(ctx, s.repo.db); store.Failed(err, "member") {
		return s.memberAgain(ctx, op, pk) // another event of theirs attributed them first
	} else if err != nil {
		return memberItem{}, fault.Wrap(op, err)
	}
	return it, nil
}

func (s *Service) memberAgain(ctx context.Context, op, pk string) (memberItem, error) {
	it, found, err := get[memberItem](ctx, s.repo, op, pk, "MREF")
	if err == nil && !found {
		err = fault.New(fault.Internal, op, "the member's referral vanished")
	}
	return it, err
}

// joinDeal is the deal a membership joined with: one of this community's
// programs on memberships, approved before the person joined and not ended
// by then. An owner or the influencer themself is attributed, but earns
// nothing (self_referral).
func (s *Service) joinDeal(ctx context.Context, ev events.Membership) (*dealItem, Reason, error) {
	const op = "referrals.joinDeal"
	if strings.TrimSpace(ev.ReferralCode) == "" {
		return nil, ReasonNoReferral, nil
	}
	code, ok := NormalizeCode(ev.ReferralCode)
	if !ok {
		return nil, ReasonUnknownCode, nil
	}
	dealID, found, err := s.repo.codeDeal(ctx, op, code)
	if err != nil || !found {
		return nil, ReasonUnknownCode, err
	}
	d, found, err := s.repo.deal(ctx, dealID)
	if err != nil || !found || d.CommunityID != ev.CommunityID || d.Terms == nil {
		return nil, ReasonUnknownCode, err
	}
	if !d.Terms.Membership() {
		return nil, ReasonNotMembershipDeal, nil
	}
	joined := clock.Parse(ev.JoinedAt)
	if d.ApprovedAt == "" || joined.Before(clock.Parse(d.ApprovedAt)) || d.EndedAt != "" && !joined.Before(clock.Parse(d.EndedAt)) {
		return nil, ReasonDealEnded, nil
	}
	if strings.EqualFold(ev.UserID, d.InfluencerID) || strings.EqualFold(ev.UserID, ev.OwnerID) {
		return &d, ReasonSelfReferral, nil
	}
	return &d, "", nil
}

// memberSeen keeps what the member's latest membership is, for the deal's
// list: a later membership, or a later version of the same, wins.
func (s *Service) memberSeen(ctx context.Context, ev events.Membership) (memberItem, error) {
	m, err := s.memberOf(ctx, ev)
	if err != nil || m.DealID == "" {
		return m, err
	}
	err = s.repo.memberStatus(ctx, m, ev)
	if err != nil && !store.IsConditionFailed(err) {
		return m, fault.Wrap("referrals.memberSeen", err)
	}
	return m, nil
}

// memberHash is a membership payment's conversion as referrals records
// it: the same payment from any of its events hashes the same.
func memberHash(pay events.MembershipPayment, currency, member string) string {
	h := sha256.Sum256([]byte(strings.Join([]string{"membership", pay.PaymentID, pay.Kind, pay.PeriodStart, strconv.FormatInt(pay.Amount, 10), currency, member}, "\x00")))
	return hex.EncodeToString(h[:])
}

// memberPaid records a payment of a membership as its deal's conversion,
// once per payment: the commission accrues from the program's budget as
// for a reported conversion, unless the months that earn are over, the
// deal ended, the program is paused or closed, the budget is short or the
// member is the owner or the influencer (each recorded with its reason).
// m is the member's referral, as memberSeen read it for this event.
func (s *Service) memberPaid(ctx context.Context, m memberItem, ev events.Membership, pay events.MembershipPayment) error {
	const op = "referrals.memberPaid"
	if m.DealID == "" || pay.PaymentID == "" || pay.Amount <= 0 || !money.IsCurrency(ev.Currency) {
		return nil
	}
	amount := pay.Amount
	in := ConversionInput{ExternalID: pay.PaymentID, Amount: &amount, Currency: ev.Currency, CustomerID: m.Member}
	extPK := memberPaymentPK(ev.CommunityID, pay.PaymentID)
	if defects.ReferralsNotIdempotent() {
		extPK += "#" + id.New("dup", s.clock.Now()) // planted (tests/sim): a guard per delivery
	}
	r := report{communityID: ev.CommunityID, in: in, hash: memberHash(pay, ev.Currency, m.Member), member: &m, pay: &pay, membershipID: ev.MembershipID, extPK: extPK}
	var retry retryAs
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if _, found, err := s.replay(ctx, op, extPK, r.hash); err != nil || found {
			return err
		}
		d, found, err := s.repo.deal(ctx, m.DealID)
		if err != nil {
			return err
		}
		if !found || d.Terms == nil {
			return fault.New(fault.Internal, op, "the member's deal "+m.DealID+" is missing")
		}
		prg, found, err := s.repo.program(ctx, d.ProgramID)
		if err != nil {
			return err
		}
		if !found {
			return fault.New(fault.Internal, op, "the deal's program "+d.ProgramID+" is missing")
		}
		_, err = s.recordOnce(ctx, op, r, attribution{deal: d}, prg, retry)
		var again *retryAs
		if errAs(err, &again) {
			retry = *again
			continue
		}
		return err
	}
	return fault.New(fault.Conflict, op, "the program is changing too fast; the event is retried")
}

// memberRefunded reverses the commission of a refunded payment in
// proportion (or claws it back once cleared), once per refund. The
// payment is recorded first if its own event has not come yet.
func (s *Service) memberRefunded(ctx context.Context, m memberItem, e events.MembershipPaymentRefunded) error {
	const op = "referrals.memberRefunded"
	if m.DealID == "" {
		return nil
	}
	if e.Payment.PaymentID == e.PaymentID {
		if err := s.memberPaid(ctx, m, e.Membership, e.Payment); err != nil {
			return err
		}
	}
	ext, found, err := get[extItem](ctx, s.repo, op, memberPaymentPK(e.CommunityID, e.PaymentID), "EXT")
	if err != nil {
		return err
	}
	if !found {
		return fault.New(fault.Internal, op, "the refunded payment "+e.PaymentID+" has no conversion")
	}
	for attempt := 0; attempt < maxAttempts; attempt++ {
		c, found, err := s.repo.conversion(ctx, ext.ConversionID)
		if err != nil {
			return err
		}
		if !found {
			return fault.New(fault.Internal, op, "conversion "+ext.ConversionID+" is missing")
		}
		r := min(e.Amount, c.Amount-c.Reversed)
		if r <= 0 {
			return nil
		}
		_, err = s.reverseOnce(ctx, op, c, r, e.RefundID)
		if _, raced := err.(*retryAs); raced {
			continue
		}
		return err
	}
	return fault.New(fault.Conflict, op, "the conversion is changing too fast; the event is retried")
}

// Members pages through the members a deal brought, newest first, for its
// influencer and the community's owner.
func (s *Service) Members(ctx context.Context, p auth.Principal, dealID string, limit int, cursor string) ([]MemberView, string, error) {
	const op = "referrals.Members"
	d, _, err := s.readDeal(ctx, op, p, dealID)
	if err != nil {
		return nil, "", err
	}
	items, next, err := page[memberItem](ctx, s.repo, op, IndexByParent, "gsi1pk", "DEAL#"+d.ID+"#MEMBERS", false, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]MemberView, 0, len(items))
	for _, it := range items {
		out = append(out, memberView(it, d.Terms))
	}
	return out, next, nil
}

// The memberships' events referrals hears.
func (s *Service) listenMemberships() {
	events.On(s.events, func(ctx context.Context, e events.MembershipStarted) error {
		m, err := s.memberSeen(ctx, e.Membership)
		if err != nil || e.Payment == nil {
			return err
		}
		return s.memberPaid(ctx, m, e.Membership, *e.Payment)
	})
	events.On(s.events, func(ctx context.Context, e events.MembershipRenewed) error {
		m, err := s.memberSeen(ctx, e.Membership)
		if err != nil {
			return err
		}
		return s.memberPaid(ctx, m, e.Membership, e.Payment)
	})
	events.On(s.events, func(ctx context.Context, e events.MembershipChanged) error {
		m, err := s.memberSeen(ctx, e.Membership)
		if err != nil || e.Payment == nil {
			return err
		}
		return s.memberPaid(ctx, m, e.Membership, *e.Payment)
	})
	events.On(s.events, func(ctx context.Context, e events.MembershipPaymentRefunded) error {
		m, err := s.memberSeen(ctx, e.Membership)
		if err != nil {
			return err
		}
		return s.memberRefunded(ctx, m, e)
	})
	events.On(s.events, func(ctx context.Context, e events.MembershipPaymentFailed) error {
		_, err := s.memberSeen(ctx, e.Membership)
		return err
	})
	events.On(s.events, func(ctx context.Context, e events.MembershipCanceled) error {
		_, err := s.memberSeen(ctx, e.Membership)
		return err
	})
	events.On(s.events, func(ctx context.Context, e events.MembershipEnded) error {
		_, err := s.memberSeen(ctx, e.Membership)
		return err
	})
}

// CodeView is what a referral code says in public (its link says as
// much): the community it brings people to, what its program pays on,
// how many days the join page keeps it, and whether its deal attributes.
type CodeView struct {
	Code            string `json:"code"`
	CommunityID     string `json:"communityId"`
	On              On     `json:"on"`
	AttributionDays int    `json:"attributionDays"`
	Active          bool   `json:"active"`
}

// LookupCode reads a referral code's public facts, for the join page to
// keep only a code that attributes memberships of its community, and for
// as long as the program says.
func (s *Service) LookupCode(ctx context.Context, raw string) (CodeView, error) {
	const op = "referrals.LookupCode"
	code, ok := NormalizeCode(raw)
	if !ok {
		return CodeView{}, fault.New(fault.NotFound, op, "no such referral code")
	}
	dealID, found, err := s.repo.codeDeal(ctx, op, code)
	if err != nil {
		return CodeView{}, err
	}
	if !found {
		return CodeView{}, fault.New(fault.NotFound, op, "no such referral code")
	}
	d, found, err := s.repo.deal(ctx, dealID)
	if err != nil {
		return CodeView{}, err
	}
	if !found || d.Terms == nil {
		return CodeView{}, fault.New(fault.NotFound, op, "no such referral code")
	}
	t := d.Terms.normal()
	return CodeView{Code: code, CommunityID: d.CommunityID, On: t.On, AttributionDays: t.AttributionDays, Active: DealStatus(d.Status) == DealApproved}, nil
}
