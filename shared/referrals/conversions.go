package referrals

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/owners"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/traffic"
)

// Status is where a conversion's commission is.
type Status string

// Conversion statuses.
const (
	Pending      Status = "pending"       // accrued from the budget, clearing when the hold period ends
	Flagged      Status = "flagged"       // accrued, but clears only once the owner approves it
	Cleared      Status = "cleared"       // in the influencer's available balance
	Reversed     Status = "reversed"      // refunded in full: the commission went back (or is owed back)
	Declined     Status = "declined"      // flagged, and the owner declined it: back to the budget
	NoCommission Status = "no_commission" // recorded, earning nothing, with the reason
)

// Heuristics that flag a conversion for the owner's review.
const (
	// A click is one visitor: a second conversion from it is suspicious.
	maxConversionsPerClick = 1
	// More than this many conversions a day from one hashed source.
	maxConversionsPerSource = 2
)

// ConversionInput is a community's report of a conversion.
type ConversionInput struct {
	Code       string `json:"code"`
	ClickID    string `json:"clickId"`
	ExternalID string `json:"externalId"`
	Amount     *int64 `json:"amount"`
	Currency   string `json:"currency"`
	CustomerID string `json:"customerId"`
}

// ConversionView is a conversion as its community (and the deal's
// influencer) reads it.
type ConversionView struct {
	ID                 string       `json:"id"`
	ExternalID         string       `json:"externalId"`
	CommunityID        string       `json:"communityId"`
	ProgramID          string       `json:"programId"`
	DealID             string       `json:"dealId"`
	InfluencerID       string       `json:"influencerId"`
	ClickID            string       `json:"clickId,omitempty"`
	CustomerID         string       `json:"customerId"`
	Amount             int64        `json:"amount"`
	Currency           string       `json:"currency"`
	Status             Status       `json:"status"`
	Reason             string       `json:"reason,omitempty"`
	Commission         money.Amount `json:"commission"`
	Reversed           int64        `json:"reversed"`
	CommissionReversed money.Amount `json:"commissionReversed"`
	Clawback           money.Amount `json:"clawback"`
	ClearsAt           string       `json:"clearsAt,omitempty"`
	CreatedAt          string       `json:"createdAt"`
	UpdatedAt          string       `json:"updatedAt"`
	// Source is reported (by the community's server) or membership (a
	// member's payment, recorded by Souq: customerId is the member's
	// pseudonym, and Payment says which payment it was).
	Source  string           `json:"source"`
	Payment *PaymentEarnings `json:"payment,omitempty"`
}

// PaymentEarnings is the membership payment a conversion is: first,
// renewal or upgrade, and the period it paid for.
type PaymentEarnings struct {
	Kind        string `json:"kind"`
	PeriodStart string `json:"periodStart"`
	PeriodEnd   string `json:"periodEnd"`
}

func conversionView(c conversionItem) ConversionView {
	m := func(n int64) money.Amount { return money.Amount{Minor: n, Currency: c.Currency} }
	v := ConversionView{ID: c.ID, ExternalID: c.ExternalID, CommunityID: c.CommunityID, ProgramID: c.ProgramID, DealID: c.DealID,
		InfluencerID: c.InfluencerID, ClickID: c.ClickID, CustomerID: c.CustomerID, Amount: c.Amount, Currency: c.Currency,
		Status: Status(c.Status), Reason: c.Reason, Commission: m(c.Commission), Reversed: c.Reversed,
		CommissionReversed: m(c.CommissionReversed), Clawback: m(c.Clawback), ClearsAt: c.ClearsAt, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		Source: SourceReported}
	if c.Source == SourceMembership {
		v.Source, v.Payment = SourceMembership, &PaymentEarnings{Kind: c.PaymentKind, PeriodStart: c.PeriodStart, PeriodEnd: c.PeriodEnd}
	}
	return v
}

// visitorHash stands in for an IP address or a user agent: keyed, so
// that it cannot be reversed by hashing every address.
func (s *Service) visitorHash(v string) string {
	m := hmac.New(sha256.New, s.cfg.VisitorKey)
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// Click records a visit of a referral link and says where to send the
// visitor: the community's URL with `ref` (the code) and `click` (the
// click id). Bots are counted apart and get no click id; one source's
// clicks on one deal within a minute count once (they get the first
// click's id). An ended deal's link still lands, attributing nothing.
func (s *Service) Click(ctx context.Context, rawCode, sourceIP, userAgent, domain string) (string, error) {
	const op = "referrals.Click"
	code, ok := NormalizeCode(rawCode)
	if !ok {
		return "", fault.New(fault.NotFound, op, "no such referral code")
	}
	refDeal, found, err := s.repo.codeDeal(ctx, op, code)
	if err != nil {
		return "", err
	}
	if !found {
		return "", fault.New(fault.NotFound, op, "no such referral code")
	}
	d, found, err := s.repo.deal(ctx, refDeal)
	if err != nil {
		return "", err
	}
	c, cfound, err := s.owners.Get(ctx, owners.Community, d.CommunityID)
	if err != nil {
		return "", err
	}
	if !found || !cfound || c.URL == "" {
		return "", fault.New(fault.NotFound, op, "no such referral code")
	}
	landing := c.URL
	if d.Terms != nil && d.Terms.Membership() {
		// A program on memberships lands on the community's join page,
		// which keeps the code (first touch) for the program's attribution
		// days, as GET /v1/referral-codes/{code} tells it.
		landing = s.linkBase(domain) + "/console/c/" + url.PathEscape(d.CommunityID) + "/join"
	}
	if DealStatus(d.Status) != DealApproved {
		return landing, nil
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	if traffic.IsBot(userAgent) {
		err := store.NewTx().Add("stats", s.repo.statsAdd(d.ID, map[string]int64{"botClicks": 1})).Write(ctx, s.repo.db)
		return withParams(landing, code, ""), fault.Wrap(op, err)
	}
	src, agent := s.visitorHash(sourceIP), s.visitorHash(userAgent)
	clickID := id.New("clk", now)
	clk := clickItem{ID: clickID, DealID: d.ID, At: clock.Format(now), Source: src, Agent: agent,
		ExpiresAt: now.Add(Days(MaxAttributionDays + 30)).Unix()}
	clk.index()
	put, err := marshalPut(s.repo.table, clk, "", nil)
	if err != nil {
		return "", fault.Wrap(op, err)
	}
	flood := floodPK(d.ID, src, now)
	err = store.NewTx().
		Add("flood", s.repo.floodGuard(flood, clk.ID, now)).
		Add("click", put).
		Add("stats", s.repo.statsAdd(d.ID, map[string]int64{"clicks": 1})).
		Write(ctx, s.repo.db)
	if store.Failed(err, "flood") {
		// A flood: the minute's first click stands for this one.
		first, err := s.repo.floodClick(ctx, op, flood)
		return withParams(landing, code, first), err
	}
	if err != nil {
		return "", fault.Wrap(op, err)
	}
	return withParams(landing, code, clk.ID), nil
}

// withParams adds ref and click to a URL, keeping its own query.
func withParams(raw, code, clickID string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	q.Set("ref", code)
	if clickID != "" {
		q.Set("click", clickID)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// attribution is what a conversion is credited to.
type attribution struct {
	deal  dealItem
	click *clickItem
}

func (s *Service) attribute(ctx context.Context, op string, communityID string, in ConversionInput) (attribution, error) {
	var dealID string
	var click *clickItem
	switch {
	case in.ClickID != "":
		if !id.HasPrefix(in.ClickID, "clk") {
			return attribution{}, fault.New(fault.NotFound, op, "no such click")
		}
		c, found, err := s.repo.click(ctx, op, in.ClickID)
		if err != nil {
			return attribution{}, err
		}
		if !found {
			return attribution{}, fault.New(fault.NotFound, op, "no such click")
		}
		dealID, click = c.DealID, &c
	default:
		code, ok := NormalizeCode(in.Code)
		if !ok {
			return attribution{}, fault.New(fault.NotFound, op, "no such referral code")
		}
		refDeal, found, err := s.repo.codeDeal(ctx, op, code)
		if err != nil {
			return attribution{}, err
		}
		if !found {
			return attribution{}, fault.New(fault.NotFound, op, "no such referral code")
		}
		dealID = refDeal
	}
	d, found, err := s.repo.deal(ctx, dealID)
	if err != nil {
		return attribution{}, err
	}
	if !found || d.CommunityID != communityID || d.Terms == nil {
		return attribution{}, fault.New(fault.NotFound, op, "no such referral code or click")
	}
	return attribution{deal: d, click: click}, nil
}

func conversionHash(in ConversionInput) string {
	h := sha256.Sum256([]byte(strings.Join([]string{strings.ToLower(strings.TrimSpace(in.Code)), in.ClickID, fmt.Sprint(*in.Amount), in.Currency, in.CustomerID}, "\x00")))
	return hex.EncodeToString(h[:])
}

// maxAttempts bounds the re-tries of one conversion as what it finds
// (a repeat customer, an empty budget, a lost race) changes its terms.
const maxAttempts = 6

// RecordConversion records a conversion reported by a community's
// server, idempotent on the community's externalId: the first report is
// created (true), the same one again returns it (false), a different
// body under the same externalId is 409. The commission is computed with
// the deal's frozen terms and accrued as pending from the program's
// budget in the same transaction; when it cannot earn, the conversion is
// recorded with no commission and the reason.
func (s *Service) RecordConversion(ctx context.Context, p auth.Principal, in ConversionInput) (ConversionView, bool, error) {
	const op = "referrals.RecordConversion"
	if p.Kind != auth.KindClient || p.AccountKind != auth.AccountCommunity {
		return ConversionView{}, false, fault.New(fault.Forbidden, op, "conversions are reported with the community's API key")
	}
	var fields []fault.FieldError
	if (in.Code == "") == (in.ClickID == "") {
		fields = append(fields, fault.FieldError{Field: "code", Message: "send exactly one of code and clickId"})
	}
	fields = append(fields, checkText("externalId", in.ExternalID, MaxIDLen, true)...)
	fields = append(fields, checkText("customerId", in.CustomerID, MaxIDLen, true)...)
	switch {
	case in.Amount == nil:
		fields = append(fields, fault.FieldError{Field: "amount", Message: "is required: the sale's amount in minor units"})
	case *in.Amount <= 0 || *in.Amount > money.MaxMinor:
		fields = append(fields, fault.FieldError{Field: "amount", Message: "must be more than zero"})
	}
	if in.Currency == "" {
		fields = append(fields, fault.FieldError{Field: "currency", Message: "is required"})
	} else if !money.IsCurrency(in.Currency) {
		fields = append(fields, fault.FieldError{Field: "currency", Message: "must be an ISO 4217 code Souq supports"})
	}
	if len(fields) > 0 {
		return ConversionView{}, false, fault.InvalidFields(op, "the conversion has invalid fields", fields...)
	}
	hash := conversionHash(in)
	extPK := externalPK(p.AccountID, in.ExternalID)
	var reason Reason
	budgetShort := false
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if v, found, err := s.replay(ctx, op, extPK, hash); err != nil || found {
			return v, false, err
		}
		a, err := s.attribute(ctx, op, p.AccountID, in)
		if err != nil {
			return ConversionView{}, false, err
		}
		prg, found, err := s.repo.program(ctx, a.deal.ProgramID)
		if err != nil {
			return ConversionView{}, false, err
		}
		if !found {
			return ConversionView{}, false, fault.New(fault.NotFound, op, "no such program")
		}
		if a.deal.Terms.Membership() {
			return ConversionView{}, false, &fault.Error{Kind: fault.Conflict, Op: op, Code: "membership_program",
				Message: "this deal's program pays on memberships: Souq records each member's payments itself, and takes no reported conversions for it"}
		}
		if in.Currency != prg.Currency {
			return ConversionView{}, false, fault.InvalidFields(op, "the conversion has invalid fields", fault.FieldError{Field: "currency", Message: "must be the program's currency, " + prg.Currency})
		}
		v, err := s.recordOnce(ctx, op, report{communityID: p.AccountID, in: in, hash: hash}, a, prg, retryAs{reason: reason, budgetShort: budgetShort})
		var retry *retryAs
		if errAs(err, &retry) {
			reason, budgetShort = retry.reason, retry.budgetShort
			continue
		}
		return v, err == nil, err
	}
	return ConversionView{}, false, fault.New(fault.Conflict, op, "the program is changing too fast; retry")
}

// retryAs asks RecordConversion to try again, earning nothing for reason
// (or again as it was: reason empty, after a lost race).
type retryAs struct {
	reason      Reason
	budgetShort bool
}

func (r *retryAs) Error() string { return "retry as " + string(r.reason) }

func errAs(err error, target **retryAs) bool {
	r, ok := err.(*retryAs)
	if ok {
		*target = r
	}
	return ok
}

// replay answers a repeated externalId: the first result, or 409.
func (s *Service) replay(ctx context.Context, op, extPK, hash string) (ConversionView, bool, error) {
	ext, found, err := get[extItem](ctx, s.repo, op, extPK, "EXT")
	if err != nil || !found {
		return ConversionView{}, false, err
	}
	if ext.BodyHash != hash {
		return ConversionView{}, false, &fault.Error{Kind: fault.Conflict, Op: op, State: "recorded",
			Message: "a different conversion was already reported with this externalId"}
	}
	c, found, err := s.repo.conversion(ctx, ext.ConversionID)
	if err != nil {
		return ConversionView{}, false, err
	}
	if !found {
		return ConversionView{}, false, fault.New(fault.Internal, op, "externalId "+extPK+" names a missing conversion")
	}
	return conversionView(c), true, nil
}

// recordOnce builds and runs one attempt's transaction. forced, when set,
// is why this attempt earns nothing (found by an earlier one).
// report is one conversion as a community's server reported it.
type report struct {
	communityID string
	in          ConversionInput
	hash        string // of the body, so a replay with another body is 409
	// A membership's payment (DESIGN §18): the member's referral, the
	// payment, its membership.
	member       *memberItem
	pay          *events.MembershipPayment
	membershipID string
	// extPK keys its guard ("": a reported conversion's, EXT#).
	extPK string
}

// recordOnce records a report once: it reads what the judgement needs,
// Judge decides, and one transaction writes the conversion with its
// guards, counters, events and its draw on the budget. A failed condition
// comes back as retryAs: the report is judged again with what changed.
func (s *Service) recordOnce(ctx context.Context, op string, r report, a attribution, prg programItem, retry retryAs) (ConversionView, error) {
	now := s.clock.Now().Truncate(time.Millisecond)
	in := r.in
	d, terms := a.deal, *a.deal.Terms
	amount := money.Amount{Minor: *in.Amount, Currency: in.Currency}
	commission, commissionErr := terms.Commission(amount)
	f := Facts{Forced: retry.reason, DealApproved: DealStatus(d.Status) == DealApproved, ProgramActive: ProgramStatus(prg.Status) == ProgramActive,
		Now: now, AttributionDays: terms.AttributionDays, Recurring: terms.Recurring, Commission: commission.Minor}
	if m := r.member; m != nil {
		// A member's payment: attributed at joining, so no click, window or
		// customer to judge; it earns within the months from the first paid
		// period's start.
		f.SelfReferral, f.Recurring = m.Reason == string(ReasonSelfReferral), true
		if terms.Months != nil {
			from := m.PaidFrom
			if from == "" {
				from = r.pay.PeriodStart
			}
			f.MonthsPassed = !clock.Parse(r.pay.PeriodStart).Before(earnsUntil(clock.Parse(from), *terms.Months))
		}
	} else {
		custDeal, custFound, err := s.repo.customerDeal(ctx, op, d.ProgramID, in.CustomerID)
		if err != nil {
			return ConversionView{}, err
		}
		f.SelfReferral = strings.EqualFold(strings.TrimSpace(in.CustomerID), d.InfluencerID)
		f.CustomerSeen, f.CustomerOnOtherDeal = custFound, custFound && custDeal != d.ID
	}
	var ipPK string
	if a.click != nil {
		f.Clicked, f.ClickAt, f.ClickConversions = true, clock.Parse(a.click.At), a.click.Conversions
		ipPK = sourcePK(d.ProgramID, a.click.Source, now)
	}
	status, reason, err := Judge(f, func() (int64, error) { return s.repo.sourceConversions(ctx, op, ipPK) })
	if err != nil {
		return ConversionView{}, err
	}
	if status != NoCommission && commissionErr != nil {
		return ConversionView{}, fault.Wrap(op, commissionErr)
	}
	c := conversionItem{ID: id.New("cnv", now), ExternalID: in.ExternalID, CommunityID: r.communityID, ProgramID: d.ProgramID, DealID: d.ID,
		InfluencerID: d.InfluencerID, CustomerID: in.CustomerID, Amount: amount.Minor, Currency: amount.Currency,
		Status: string(status), Reason: string(reason), CreatedAt: clock.Format(now), UpdatedAt: clock.Format(now), Rev: 1}
	if a.click != nil {
		c.ClickID = a.click.ID
	}
	if r.member != nil {
		c.Source, c.MembershipID, c.UserID = SourceMembership, r.membershipID, r.member.UserID
		c.PaymentKind, c.PeriodStart, c.PeriodEnd = r.pay.Kind, r.pay.PeriodStart, r.pay.PeriodEnd
	}
	if status != NoCommission {
		c.Commission = commission.Minor
		c.ClearsAt = clock.Format(now.Add(Days(terms.HoldDays)))
	}
	c.index()
	return s.writeConversion(ctx, op, r, a, prg, c, ipPK, retry.budgetShort, now)
}

// writeConversion writes a judged conversion in one transaction.
func (s *Service) writeConversion(ctx context.Context, op string, r report, a attribution, prg programItem, c conversionItem, ipPK string, budgetShort bool, now time.Time) (ConversionView, error) {
	communityID, in, hash := r.communityID, r.in, r.hash
	d, terms := a.deal, *a.deal.Terms
	amount := money.Amount{Minor: c.Amount, Currency: c.Currency}
	extPK := r.extPK
	if extPK == "" {
		extPK = externalPK(communityID, in.ExternalID)
	}
	ext, err := s.repo.externalID(extPK, c.ID, hash)
	if err != nil {
		return ConversionView{}, fault.Wrap(op, err)
	}
	cnv, err := marshalPut(s.repo.table, c, "attribute_not_exists(pk)", nil)
	if err != nil {
		return ConversionView{}, fault.Wrap(op, err)
	}
	tx := store.NewTx().Add("external id", ext).Add("conversion", cnv).
		Add("deal", s.repo.dealIn(d.ID, d.Status)).Add("program", s.repo.programIn(prg.ID, prg.Status))
	if m := r.member; m != nil {
		tx.Add("member", s.repo.memberAdd(m.CommunityID, m.UserID, map[string]int64{"payments": 1, "paid": c.Amount, "commission": c.Commission}))
	} else {
		tx.Add("customer", s.repo.customerFirst(d.ProgramID, in.CustomerID, d.ID, c.Commission > 0 && !terms.Recurring))
	}
	var evs []events.Event
	evs = append(evs, &events.ConversionRecorded{ConversionID: c.ID, DealID: d.ID, ProgramID: d.ProgramID, CommunityID: communityID,
		InfluencerID: d.InfluencerID, ExternalID: c.ExternalID, Amount: amount})
	stats := map[string]int64{"conversions": 1}
	var accrue *ledger.Op
	if c.Commission > 0 {
		// The commission is a draw on the program's budget, named by the
		// conversion: it never takes more than remains.
		acc, err := s.ledger.PrepareDrawAs(budgetHold(prg), c.ID, "referral_commission", []ledger.Credit{{Account: ledger.Influencer(d.InfluencerID), Bucket: ledger.Pending, Amount: c.Commission}}, now)
		if err != nil {
			return ConversionView{}, fault.Wrap(op, err)
		}
		accrue = &acc
		tx.AddParts(acc.Parts...)
		tx.Add("currency", s.repo.currencySeen(d.InfluencerID, c.Currency))
		evs = append(evs, &events.CommissionAccrued{Commission: s.commissionEvent(c, c.Commission)})
		stats["commissionPending"] = c.Commission
	} else if budgetShort {
		// Tell the owner once per exhaustion (a top-up clears the mark).
		tx.Add("exhausted", s.repo.exhaustedMark(prg.ID, now))
		evs = append(evs, &events.ProgramBudgetExhausted{ProgramID: prg.ID, CommunityID: communityID, ConversionID: c.ID})
	}
	if a.click != nil {
		tx.Add("click", s.repo.clickConverted(a.click.ID)).Add("source", s.repo.sourceConverted(ipPK, now))
	}
	tx.Add("stats", s.repo.statsAdd(d.ID, stats))
	for _, ev := range evs {
		e, err := events.OutboxPut(s.repo.outbox, ev, now)
		if err != nil {
			return ConversionView{}, fault.Wrap(op, err)
		}
		tx.Add("event "+ev.DetailType(), e)
	}
	if accrue != nil {
		// Always scheduled, even for a hold of 0 days: if clearing in this
		// request fails, the schedule still clears it.
		job, _ := json.Marshal(clearJob{Job: JobClear, ConversionID: c.ID})
		if err := s.sched.Once(ctx, "clr-"+c.ID, clock.Parse(c.ClearsAt), s.cfg.Self, job); err != nil {
			return ConversionView{}, fault.Wrap(op, err)
		}
	}
	err = tx.Write(ctx, s.repo.db)
	if tc, ok := err.(*store.TxCanceled); ok {
		switch {
		case tc.Failed("external id"):
			return ConversionView{}, &retryAs{} // the same externalId, concurrently: replay it
		case tc.Failed("customer"):
			return ConversionView{}, &retryAs{reason: ReasonRepeatCustomer}
		case tc.Failed("deal"), tc.Failed("program"):
			return ConversionView{}, &retryAs{} // read the deal and program again
		case tc.Failed("exhausted"):
			return ConversionView{}, &retryAs{reason: ReasonBudgetExhausted} // the owner was told already
		case accrue != nil && accrue.Explain(err) != nil:
			switch e := accrue.Explain(err); fault.KindOf(e) {
			case fault.InsufficientFunds, fault.NotFound: // less left than the commission, or never funded
				return ConversionView{}, &retryAs{reason: ReasonBudgetExhausted, budgetShort: true}
			case fault.Conflict: // released by a close: the program reads closed now
				return ConversionView{}, &retryAs{}
			default:
				return ConversionView{}, fault.Wrap(op, e)
			}
		}
	}
	if err != nil {
		return ConversionView{}, fault.Wrap(op, err)
	}
	if accrue != nil && terms.HoldDays == 0 {
		// Best effort: the conversion is recorded, and its schedule clears
		// it if this does not.
		if s.clear(ctx, c.ID) == nil {
			if cleared, _, err := s.repo.conversion(ctx, c.ID); err == nil {
				c = cleared
			}
		}
	}
	return conversionView(c), nil
}

func (s *Service) commissionEvent(c conversionItem, amount int64) events.Commission {
	return events.Commission{ConversionID: c.ID, DealID: c.DealID, ProgramID: c.ProgramID, CommunityID: c.CommunityID,
		InfluencerID: c.InfluencerID, Commission: money.Amount{Minor: amount, Currency: c.Currency}}
}

// ownedConversion: the conversion belongs to the caller's community (its
// API key, or its owner's token).
func (s *Service) ownedConversion(ctx context.Context, op string, p auth.Principal, conversionID string) (conversionItem, error) {
	if !id.HasPrefix(conversionID, "cnv") {
		return conversionItem{}, fault.New(fault.NotFound, op, "no such conversion")
	}
	c, found, err := s.repo.conversion(ctx, conversionID)
	if err != nil {
		return conversionItem{}, err
	}
	if !found {
		return conversionItem{}, fault.New(fault.NotFound, op, "no such conversion")
	}
	switch {
	case p.Kind == auth.KindClient && p.AccountKind == auth.AccountCommunity && p.AccountID == c.CommunityID:
		return c, nil
	case p.Kind == auth.KindUser:
		if _, err := s.ownedCommunity(ctx, op, p, c.CommunityID); err == nil {
			return c, nil
		}
	}
	return conversionItem{}, fault.New(fault.NotFound, op, "no such conversion")
}

// GetConversion reads a conversion for its community.
func (s *Service) GetConversion(ctx context.Context, p auth.Principal, conversionID string) (ConversionView, error) {
	c, err := s.ownedConversion(ctx, "referrals.GetConversion", p, conversionID)
	return conversionView(c), err
}
