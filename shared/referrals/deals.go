package referrals

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/owners"
	"github.com/souqhq/souq/shared/store"
)

// DealStatus is where a deal is.
type DealStatus string

// Deal statuses. An application is pending until the owner approves or
// declines it; an invitation is invited until the influencer accepts or
// declines it. An approved deal attributes; an ended one no longer does.
const (
	DealPending  DealStatus = "pending"
	DealInvited  DealStatus = "invited"
	DealApproved DealStatus = "approved"
	DealDeclined DealStatus = "declined"
	DealEnded    DealStatus = "ended"
)

// DealView is a deal as its influencer and its program's owner read it.
type DealView struct {
	ID           string `json:"id"`
	ProgramID    string `json:"programId"`
	CommunityID  string `json:"communityId"`
	InfluencerID string `json:"influencerId"`
	// The parties by name: the community's, and the display name the
	// influencer chose ("" when none, or not known yet).
	CommunityName  string     `json:"communityName"`
	InfluencerName string     `json:"influencerName"`
	Status         DealStatus `json:"status"`
	Pitch          string     `json:"pitch,omitempty"`
	// Terms are frozen at approval: later program changes do not reach them.
	Terms     *Terms     `json:"terms,omitempty"`
	Code      string     `json:"code,omitempty"`
	Link      string     `json:"link,omitempty"`
	Stats     *DealStats `json:"stats,omitempty"`
	CreatedAt string     `json:"createdAt"`
	UpdatedAt string     `json:"updatedAt"`
}

// DealStats are a deal's counts and commissions.
type DealStats struct {
	Clicks             int64   `json:"clicks"`
	BotClicks          int64   `json:"botClicks"`
	Conversions        int64   `json:"conversions"`
	ConversionRate     float64 `json:"conversionRate"`
	CommissionPending  int64   `json:"commissionPending"`
	CommissionCleared  int64   `json:"commissionCleared"`
	CommissionReversed int64   `json:"commissionReversed"`
	// Members is how many people joined the community's memberships
	// through the deal (programs on memberships).
	Members  int64  `json:"members"`
	Currency string `json:"currency"`
}

func dealStats(st statsItem, currency string) *DealStats {
	v := &DealStats{Clicks: st.Clicks, BotClicks: st.BotClicks, Conversions: st.Conversions, CommissionPending: st.CommissionPending,
		CommissionCleared: st.CommissionCleared, CommissionReversed: st.CommissionReversed, Members: st.Members, Currency: currency}
	if st.Clicks > 0 {
		v.ConversionRate = float64(st.Conversions) / float64(st.Clicks)
	}
	return v
}

func (s *Service) dealView(it dealItem, domain string) DealView {
	v := DealView{ID: it.ID, ProgramID: it.ProgramID, CommunityID: it.CommunityID, InfluencerID: it.InfluencerID, Status: DealStatus(it.Status),
		Pitch: it.Pitch, Code: it.Code, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt}
	if it.Terms != nil {
		t := it.Terms.normal()
		v.Terms = &t
	}
	if it.Code != "" {
		v.Link = s.linkBase(domain) + "/r/" + it.Code
	}
	return v
}

func (s *Service) linkBase(domain string) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	return "https://" + domain
}

// DealInput is an application (pitch) or an invitation (influencerId).
type DealInput struct {
	Pitch        string `json:"pitch"`
	InfluencerID string `json:"influencerId"`
}

// Apply is an influencer's application to a program; Invite is its
// owner's invitation of an influencer. One deal per influencer and
// program, whichever came first.
func (s *Service) Apply(ctx context.Context, p auth.Principal, programID string, in DealInput) (DealView, error) {
	const op = "referrals.Apply"
	if p.Kind != auth.KindUser {
		return DealView{}, fault.New(fault.Forbidden, op, "influencers apply with their own token")
	}
	prg, err := s.readProgram(ctx, op, programID)
	if err != nil {
		return DealView{}, err
	}
	if c, found, err := s.owners.Get(ctx, owners.Community, prg.CommunityID); err != nil {
		return DealView{}, err
	} else if found && c.OwnerID == p.UserID {
		return DealView{}, fault.New(fault.Forbidden, op, "a community's owner cannot promote its own program for commission")
	}
	if f := checkText("pitch", in.Pitch, MaxPitchLen, false); len(f) > 0 {
		return DealView{}, fault.InvalidFields(op, "the application has invalid fields", f...)
	}
	return s.newDeal(ctx, op, prg, p.UserID, DealPending, in.Pitch, "")
}

// Invite creates a deal the influencer has only to accept.
func (s *Service) Invite(ctx context.Context, p auth.Principal, programID string, in DealInput) (DealView, error) {
	const op = "referrals.Invite"
	prg, c, err := s.ownedProgram(ctx, op, p, programID)
	if err != nil {
		return DealView{}, err
	}
	if !id.HasPrefix(in.InfluencerID, "usr") || len(in.InfluencerID) > MaxIDLen {
		return DealView{}, fault.InvalidFields(op, "the invitation has invalid fields", fault.FieldError{Field: "influencerId", Message: "must be a user id (usr_…)"})
	}
	if in.InfluencerID == c.OwnerID {
		return DealView{}, fault.InvalidFields(op, "the invitation has invalid fields", fault.FieldError{Field: "influencerId", Message: "the community's owner cannot be its own influencer"})
	}
	if f := checkText("pitch", in.Pitch, MaxPitchLen, false); len(f) > 0 {
		return DealView{}, fault.InvalidFields(op, "the invitation has invalid fields", f...)
	}
	return s.newDeal(ctx, op, prg, in.InfluencerID, DealInvited, in.Pitch, p.UserID)
}

func (s *Service) newDeal(ctx context.Context, op string, prg programItem, influencer string, status DealStatus, pitch, invitedBy string) (DealView, error) {
	if ProgramStatus(prg.Status) != ProgramActive {
		return DealView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: prg.Status, Message: "the program is not taking influencers"}
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	d := dealItem{ID: id.New("deal", now), ProgramID: prg.ID, CommunityID: prg.CommunityID, InfluencerID: influencer, Currency: prg.Currency,
		Status: string(status), Pitch: pitch, InvitedBy: invitedBy, CreatedAt: clock.Format(now), UpdatedAt: clock.Format(now), Version: 1}
	d.index()
	meta, err := marshalPut(s.repo.table, d, "attribute_not_exists(pk)", nil)
	if err != nil {
		return DealView{}, fault.Wrap(op, err)
	}
	err = store.NewTx().
		Add("application", s.repo.applicationGuard(prg.ID, influencer, d.ID)).
		Add("deal", meta).
		Write(ctx, s.repo.db)
	if store.Failed(err, "application") {
		return DealView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: "exists", Message: "this influencer already has a deal with the program"}
	}
	if err != nil {
		return DealView{}, fault.Wrap(op, err)
	}
	return s.namedDeal(ctx, s.dealView(d, ""))
}

// dealRole says who the principal is to a deal.
func (s *Service) dealRole(ctx context.Context, op string, p auth.Principal, d dealItem) (string, error) {
	if p.Kind == auth.KindUser && p.UserID == d.InfluencerID {
		return "influencer", nil
	}
	if p.Kind == auth.KindUser {
		if c, found, err := s.owners.Get(ctx, owners.Community, d.CommunityID); err != nil {
			return "", err
		} else if found && c.OwnerID == p.UserID {
			return "owner", nil
		}
	}
	return "", fault.New(fault.NotFound, op, "no such deal")
}

func (s *Service) readDeal(ctx context.Context, op string, p auth.Principal, dealID string) (dealItem, string, error) {
	if !id.HasPrefix(dealID, "deal") {
		return dealItem{}, "", fault.New(fault.NotFound, op, "no such deal")
	}
	d, found, err := s.repo.deal(ctx, dealID)
	if err != nil {
		return dealItem{}, "", err
	}
	if !found {
		return dealItem{}, "", fault.New(fault.NotFound, op, "no such deal")
	}
	role, err := s.dealRole(ctx, op, p, d)
	return d, role, err
}

// GetDeal reads a deal with its counts, for its influencer and its owner.
func (s *Service) GetDeal(ctx context.Context, p auth.Principal, dealID, domain string) (DealView, error) {
	const op = "referrals.GetDeal"
	d, _, err := s.readDeal(ctx, op, p, dealID)
	if err != nil {
		return DealView{}, err
	}
	st, err := s.repo.stats(ctx, d.ID)
	if err != nil {
		return DealView{}, err
	}
	v, err := s.namedDeal(ctx, s.dealView(d, domain))
	v.Stats = dealStats(st, d.Currency)
	return v, err
}

// ApproveInput is the owner's approval: an optional vanity code.
type ApproveInput struct {
	Code string `json:"code"`
}

// DecideDeal approves, declines, accepts or ends a deal. Approval (by the
// owner, of an application) and acceptance (by the influencer, of an
// invitation) freeze the program's terms onto the deal and issue its code.
func (s *Service) DecideDeal(ctx context.Context, p auth.Principal, dealID, action string, in ApproveInput, domain string) (DealView, error) {
	op := "referrals." + action
	d, role, err := s.readDeal(ctx, op, p, dealID)
	if err != nil {
		return DealView{}, err
	}
	from := DealStatus(d.Status)
	var to DealStatus
	switch {
	case action == "approve" && role == "owner" && from == DealPending,
		action == "accept" && role == "influencer" && from == DealInvited:
		to = DealApproved
	case action == "decline" && (role == "owner" && from == DealPending || role == "influencer" && from == DealInvited):
		to = DealDeclined
	case action == "end" && role == "owner" && from == DealApproved:
		to = DealEnded
	case action == "approve" && role != "owner", action == "end" && role != "owner", action == "accept" && role != "influencer":
		return DealView{}, fault.New(fault.Forbidden, op, "this decision is the other side's")
	default:
		return DealView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: d.Status, Message: "a deal that is " + d.Status + " cannot be " + action + "d here"}
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	next := d
	next.Status, next.Version, next.UpdatedAt = string(to), d.Version+1, clock.Format(now)
	tx := store.NewTx()
	if to == DealApproved {
		prg, err := s.readProgram(ctx, op, d.ProgramID)
		if err != nil {
			return DealView{}, err
		}
		if ProgramStatus(prg.Status) != ProgramActive {
			return DealView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: d.Status, Message: "the program is " + prg.Status}
		}
		code := NewCode()
		if in.Code != "" {
			c, ok := NormalizeCode(in.Code)
			if !ok || action != "approve" {
				return DealView{}, fault.InvalidFields(op, "the request has invalid fields", fault.FieldError{Field: "code", Message: "3 to 32 letters, digits, - or _, starting with a letter or digit"})
			}
			code = c
		}
		terms := prg.Terms
		next.Terms, next.Code, next.ApprovedAt = &terms, code, clock.Format(now)
		evt, err := events.OutboxPut(s.repo.outbox, &events.DealApproved{DealID: d.ID, ProgramID: d.ProgramID, CommunityID: d.CommunityID, InfluencerID: d.InfluencerID, Code: code,
			MinimumPayout: money.Amount{Minor: prg.MinimumPayout, Currency: prg.Currency}}, now)
		if err != nil {
			return DealView{}, fault.Wrap(op, err)
		}
		tx.Add("code", s.repo.codeClaim(code, d.ID)).
			// The program must still be active as it was read.
			Add("program", s.repo.programAt(d.ProgramID, prg.Version)).
			Add("event", evt)
	}
	if to == DealEnded {
		next.EndedAt = clock.Format(now)
	}
	next.index()
	meta, err := marshalPut(s.repo.table, next, "version = :v", map[string]types.AttributeValue{":v": store.N(int64(d.Version))})
	if err != nil {
		return DealView{}, fault.Wrap(op, err)
	}
	tx.Add("deal", meta)
	err = tx.Write(ctx, s.repo.db)
	if tc, ok := err.(*store.TxCanceled); ok {
		switch {
		case tc.Failed("deal"):
			return DealView{}, fault.New(fault.Conflict, op, "the deal changed while you were deciding; read it again")
		case tc.Failed("code"):
			return DealView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: d.Status, Message: "the code " + next.Code + " is taken; choose another"}
		case tc.Failed("program"):
			return DealView{}, fault.New(fault.Conflict, op, "the program changed while you were deciding; read it again")
		}
	}
	if err != nil {
		return DealView{}, fault.Wrap(op, err)
	}
	return s.namedDeal(ctx, s.dealView(next, domain))
}

// MyDeals pages through the caller's own deals, each with its counts.
func (s *Service) MyDeals(ctx context.Context, p auth.Principal, limit int, cursor, domain string) ([]DealView, string, error) {
	const op = "referrals.MyDeals"
	if p.Kind != auth.KindUser {
		return nil, "", fault.New(fault.Forbidden, op, "an influencer reads its deals with its own token")
	}
	items, next, err := s.repo.influencerDeals(ctx, op, p.UserID, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out, err := s.withStats(ctx, items, "", domain)
	return out, next, err
}

func (s *Service) withStats(ctx context.Context, items []dealItem, status DealStatus, domain string) ([]DealView, error) {
	out := make([]DealView, 0, len(items))
	n := s.dealNamer()
	for _, it := range items {
		if status != "" && DealStatus(it.Status) != status {
			continue
		}
		st, err := s.repo.stats(ctx, it.ID)
		if err != nil {
			return nil, err
		}
		v, err := n.name(ctx, s.dealView(it, domain))
		if err != nil {
			return nil, err
		}
		v.Stats = dealStats(st, it.Currency)
		out = append(out, v)
	}
	return out, nil
}

// Report is a program's report for its owner: the program with its
// budget, and a page of its deals (filter by status) with their clicks,
// conversions, conversion rate and commissions.
func (s *Service) Report(ctx context.Context, p auth.Principal, programID string, status DealStatus, limit int, cursor, domain string) (ReportView, error) {
	const op = "referrals.Report"
	prg, _, err := s.ownedProgram(ctx, op, p, programID)
	if err != nil {
		return ReportView{}, err
	}
	b, err := s.budgetView(ctx, prg)
	if err != nil {
		return ReportView{}, err
	}
	items, next, err := s.repo.programDeals(ctx, op, programID, limit, cursor)
	if err != nil {
		return ReportView{}, err
	}
	deals, err := s.withStats(ctx, items, status, domain)
	return ReportView{Program: programView(prg, b), Deals: deals, NextCursor: next}, err
}
