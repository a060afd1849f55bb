package referrals

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/idempotency"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/owners"
	"github.com/souqhq/souq/shared/schedule"
	"github.com/souqhq/souq/shared/store"
)

// Service is the referrals use cases.
type Service struct {
	repo   *Repository
	ledger *ledger.Ledger
	sched  schedule.Scheduler
	clock  clock.Clock
	cfg    Config
	owners *owners.Projection // who owns which community, and its URL
	events *events.Mux
}

// Config is the referrals function's settings.
type Config struct {
	// Self is the function the clearing schedules call back.
	Self string
	// VisitorKey keys the HMAC that stands in for visitors' IP addresses
	// and user agents (a generated secret in AWS): raw ones are never kept.
	VisitorKey []byte
	// PublicURL is the base of referral links ("https://api.souq.example");
	// empty: https:// and the request's own domain.
	PublicURL string
}

// NewService wires the service.
func NewService(repo *Repository, l *ledger.Ledger, sched schedule.Scheduler, c clock.Clock, cfg Config) *Service {
	s := &Service{repo: repo, ledger: l, sched: sched, clock: c, cfg: cfg,
		owners: owners.New(repo.db, repo.table, c), events: events.NewMux("referrals")}
	s.owners.Listen(s.events, owners.Community)
	s.owners.ListenPeople(s.events)
	events.On(s.events, s.recordPaid)
	s.listenMemberships()
	return s
}

// HandleEvent keeps the projection of communities, and what payouts paid
// influencers (for their earnings).
func (s *Service) HandleEvent(ctx context.Context, ev lambdaevents.EventBridgeEvent) error {
	return s.events.Handle(ctx, ev)
}

// Events is the mux of the events this context handles.
func (s *Service) Events() *events.Mux { return s.events }

// recordPaid adds what a payout paid an influencer to its earnings, once.
func (s *Service) recordPaid(ctx context.Context, d events.PayoutPaid) error {
	if d.PayoutID == "" || !money.IsCurrency(d.Amount.Currency) {
		return fmt.Errorf("referrals: malformed PayoutPaid %s", d.EventID)
	}
	if d.OwnerKind != "influencer" {
		return nil
	}
	return fault.Wrap("referrals.recordPaid", s.repo.paidAdd(ctx, d.EventID, d.OwnerID, d.Amount.Currency, d.Amount.Minor, s.clock.Now()))
}

// ProgramStatus is where a program is.
type ProgramStatus string

// Program statuses: an active program earns; a paused one records
// conversions without commission; a closed one has released its budget.
const (
	ProgramActive ProgramStatus = "active"
	ProgramPaused ProgramStatus = "paused"
	ProgramClosed ProgramStatus = "closed"
)

// CommissionInput is a program's commission as a request states it.
type CommissionInput struct {
	Type   string `json:"type"`
	Bps    int64  `json:"bps,omitempty"`
	Amount int64  `json:"amount,omitempty"`
	Cap    int64  `json:"cap,omitempty"`
}

// ProgramInput creates a program; on update, nil fields stay.
type ProgramInput struct {
	Name            *string          `json:"name"`
	Currency        *string          `json:"currency"`
	Commission      *CommissionInput `json:"commission"`
	AttributionDays *int             `json:"attributionDays"`
	HoldDays        *int             `json:"holdDays"`
	MinimumPayout   *money.Amount    `json:"minimumPayout"`
	Budget          *money.Amount    `json:"budget"`
	Recurring       *bool            `json:"recurring"`
	// On is conversion (the default) or membership; Months, for a program
	// on memberships, how many months of a membership's payments earn
	// (null: as long as it lasts).
	On     *string     `json:"on"`
	Months OptionalInt `json:"months"`
}

// OptionalInt is a field that may be absent (Set false), null (Value
// nil) or a number.
type OptionalInt struct {
	Set   bool
	Value *int
}

// UnmarshalJSON reads null or a number.
func (o *OptionalInt) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Value = nil
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("must be a whole number of months or null")
	}
	o.Value = &n
	return nil
}

// Amounts in requests are written {"amount", "currency"}; money.Amount
// already marshals so.

// ProgramView is a program's public summary, for influencers to discover.
type ProgramView struct {
	ID              string          `json:"id"`
	CommunityID     string          `json:"communityId"`
	Name            string          `json:"name"`
	Currency        string          `json:"currency"`
	Commission      CommissionInput `json:"commission"`
	AttributionDays int             `json:"attributionDays"`
	HoldDays        int             `json:"holdDays"`
	Recurring       bool            `json:"recurring"`
	On              On              `json:"on"`
	Months          *int            `json:"months"`
	MinimumPayout   money.Amount    `json:"minimumPayout"`
	Status          ProgramStatus   `json:"status"`
	CreatedAt       string          `json:"createdAt"`
	// Budget is shown to the program's owner only.
	Budget *BudgetView `json:"budget,omitempty"`
}

// BudgetView is a program's money: funded in all, not yet committed to a
// commission, and committed (accrued or cleared).
type BudgetView struct {
	Funded    money.Amount `json:"funded"`
	Remaining money.Amount `json:"remaining"`
	Committed money.Amount `json:"committed"`
	// Released is what went back to the community's available balance:
	// the remainder at the close, and commissions returned after it.
	Released money.Amount `json:"released"`
	Closed   bool         `json:"closed"`
}

func programView(p programItem, b *BudgetView) ProgramView {
	return ProgramView{ID: p.ID, CommunityID: p.CommunityID, Name: p.Name, Currency: p.Currency,
		Commission:      CommissionInput{Type: string(p.Terms.Type), Bps: p.Terms.Bps, Amount: p.Terms.Amount, Cap: p.Terms.Cap},
		AttributionDays: p.Terms.AttributionDays, HoldDays: p.Terms.HoldDays, Recurring: p.Terms.Recurring,
		On: p.Terms.normal().On, Months: p.Terms.Months,
		MinimumPayout: money.Amount{Minor: p.MinimumPayout, Currency: p.Currency}, Status: ProgramStatus(p.Status), CreatedAt: p.CreatedAt,
		Budget: b}
}

// budgetHold is the ledger's draw-down hold of a program's budget, as far
// as a draw needs it (no read).
func budgetHold(prg programItem) ledger.Drawdown {
	return ledger.Drawdown{ID: prg.ID, Account: ledger.Community(prg.CommunityID), Currency: prg.Currency}
}

// budget reads a program's budget: the ledger's hold (never opened for a
// program funded with nothing yet) and referrals' notes beside it.
func (s *Service) budget(ctx context.Context, prg programItem) (ledger.Drawdown, bool, budgetItem, error) {
	d, found, err := s.ledger.GetDrawdown(ctx, prg.ID)
	if err != nil {
		return ledger.Drawdown{}, false, budgetItem{}, err
	}
	notes, err := s.repo.budget(ctx, prg.ID)
	return d, found, notes, err
}

// budgetView is what the owner sees of a budget: funded = remaining +
// committed + released.
func (s *Service) budgetView(ctx context.Context, prg programItem) (*BudgetView, error) {
	d, _, notes, err := s.budget(ctx, prg)
	if err != nil {
		return nil, err
	}
	cur := func(n int64) money.Amount { return money.Amount{Minor: n, Currency: prg.Currency} }
	return &BudgetView{Funded: cur(d.Amount), Remaining: cur(d.Remaining), Committed: cur(d.Drawn - notes.ReturnedAfterClose),
		Released: cur(d.Released + notes.ReturnedAfterClose), Closed: ProgramStatus(prg.Status) == ProgramClosed}, nil
}

// apply copies the given fields onto a program.
func (in ProgramInput) apply(p *programItem) {
	if in.Name != nil {
		p.Name = *in.Name
	}
	if in.Currency != nil {
		p.Currency = *in.Currency
	}
	if c := in.Commission; c != nil {
		p.Terms.Type, p.Terms.Bps, p.Terms.Amount, p.Terms.Cap = CommissionType(c.Type), c.Bps, c.Amount, c.Cap
	}
	if in.AttributionDays != nil {
		p.Terms.AttributionDays = *in.AttributionDays
	}
	if in.HoldDays != nil {
		p.Terms.HoldDays = *in.HoldDays
	}
	if in.MinimumPayout != nil {
		p.MinimumPayout = in.MinimumPayout.Minor
	}
	if in.Recurring != nil {
		p.Terms.Recurring = *in.Recurring
	}
	if in.On != nil {
		p.Terms.On = On(*in.On)
	}
	if in.Months.Set {
		p.Terms.Months = in.Months.Value
	}
}

// check validates a program, with money in its own currency.
func (in ProgramInput) check(p programItem) error {
	fields := CheckTerms(p.Terms)
	fields = append(fields, checkText("name", p.Name, MaxNameLen, true)...)
	if !money.IsCurrency(p.Currency) {
		fields = append(fields, fault.FieldError{Field: "currency", Message: "must be an ISO 4217 code Souq supports"})
	}
	if m := in.MinimumPayout; m != nil && (m.Currency != p.Currency || m.Minor < 0 || m.Minor > money.MaxMinor) {
		fields = append(fields, fault.FieldError{Field: "minimumPayout", Message: "must be zero or more, in the program's currency"})
	}
	if b := in.Budget; b != nil && (b.Currency != p.Currency || b.Minor < 0 || b.Minor > money.MaxMinor) {
		fields = append(fields, fault.FieldError{Field: "budget", Message: "must be zero or more, in the program's currency"})
	}
	if len(fields) > 0 {
		return fault.InvalidFields("referrals.checkProgram", "the program has invalid fields", fields...)
	}
	return nil
}

// ownedCommunity: the caller is the community's owner (404 otherwise).
func (s *Service) ownedCommunity(ctx context.Context, op string, p auth.Principal, communityID string) (owners.Account, error) {
	return s.owners.Owned(ctx, op, p, owners.Community, communityID)
}

// ownedProgram: the caller owns the program's community (404 otherwise).
func (s *Service) ownedProgram(ctx context.Context, op string, p auth.Principal, programID string) (programItem, owners.Account, error) {
	prg, err := s.readProgram(ctx, op, programID)
	if err != nil {
		return programItem{}, owners.Account{}, err
	}
	c, err := s.ownedCommunity(ctx, op, p, prg.CommunityID)
	if err != nil {
		return programItem{}, owners.Account{}, fault.New(fault.NotFound, op, "no such program")
	}
	return prg, c, nil
}

func (s *Service) readProgram(ctx context.Context, op, programID string) (programItem, error) {
	if !id.HasPrefix(programID, "prg") {
		return programItem{}, fault.New(fault.NotFound, op, "no such program")
	}
	prg, found, err := s.repo.program(ctx, programID)
	if err != nil {
		return programItem{}, err
	}
	if !found {
		return programItem{}, fault.New(fault.NotFound, op, "no such program")
	}
	return prg, nil
}

// CreateProgram opens a referral program with its budget held from the
// community's available balance, in one transaction.
func (s *Service) CreateProgram(ctx context.Context, p auth.Principal, communityID string, in ProgramInput) (ProgramView, error) {
	const op = "referrals.CreateProgram"
	c, err := s.ownedCommunity(ctx, op, p, communityID)
	if err != nil {
		return ProgramView{}, err
	}
	key := api.RequestKey(ctx)
	if v, found, err := s.keyedProgram(ctx, op, p, key); err != nil || found {
		return v, err // this very request made its program already: answer that one
	}
	var missing []fault.FieldError
	for _, f := range []struct {
		name string
		set  bool
	}{{"name", in.Name != nil}, {"currency", in.Currency != nil}, {"commission", in.Commission != nil},
		{"attributionDays", in.AttributionDays != nil}, {"holdDays", in.HoldDays != nil}, {"budget", in.Budget != nil}} {
		if !f.set {
			missing = append(missing, fault.FieldError{Field: f.name, Message: "is required"})
		}
	}
	if len(missing) > 0 {
		return ProgramView{}, fault.InvalidFields(op, "the program has invalid fields", missing...)
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	prg := programItem{ID: id.New("prg", now), CommunityID: communityID, Status: string(ProgramActive), CreatedAt: clock.Format(now), UpdatedAt: clock.Format(now), Version: 1}
	in.apply(&prg)
	if prg.Terms.On == "" {
		prg.Terms.On = OnConversion
	}
	if err := in.check(prg); err != nil {
		return ProgramView{}, err
	}
	if prg.Currency != c.Currency {
		return ProgramView{}, fault.InvalidFields(op, "the program has invalid fields", fault.FieldError{Field: "currency", Message: "must be the community's currency, " + c.Currency})
	}
	prg.index()
	meta, err := marshalPut(s.repo.table, prg, "attribute_not_exists(pk)", nil)
	if err != nil {
		return ProgramView{}, fault.Wrap(op, err)
	}
	tx := store.NewTx().Add("program", meta)
	if key.Name != "" {
		tx.Add("key", store.KeyMark(s.repo.table, key.Name, key.Fingerprint, prg.ID, now, now.Add(idempotency.TTL)))
	}
	var fund *ledger.Op
	if in.Budget.Minor > 0 {
		f, err := s.ledger.PrepareOpenDrawdown(prg.ID, ledger.Community(communityID), prg.Currency, in.Budget.Minor, now)
		if err != nil {
			return ProgramView{}, fault.Wrap(op, err)
		}
		fund = &f
		tx.AddParts(f.Parts...)
	}
	if err := tx.Write(ctx, s.repo.db); err != nil {
		if key.Name != "" && store.Failed(err, "key") {
			// A run of this very request made its program meanwhile.
			if v, found, err := s.keyedProgram(ctx, op, p, key); err != nil || found {
				return v, err
			}
		}
		if fund != nil && fund.InsufficientFunds(err) {
			return ProgramView{}, &fault.Error{Kind: fault.InsufficientFunds, Op: op, Message: "the community's available balance does not cover the budget"}
		}
		return ProgramView{}, fault.Wrap(op, err)
	}
	cur := func(n int64) money.Amount { return money.Amount{Minor: n, Currency: prg.Currency} }
	return programView(prg, &BudgetView{Funded: cur(in.Budget.Minor), Remaining: cur(in.Budget.Minor), Committed: cur(0), Released: cur(0)}), nil
}

// UpdateProgram changes a program for deals approved from now on: the
// terms of approved deals are frozen.
func (s *Service) UpdateProgram(ctx context.Context, p auth.Principal, programID string, in ProgramInput) (ProgramView, error) {
	const op = "referrals.UpdateProgram"
	prg, _, err := s.ownedProgram(ctx, op, p, programID)
	if err != nil {
		return ProgramView{}, err
	}
	if ProgramStatus(prg.Status) == ProgramClosed {
		return ProgramView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: prg.Status, Message: "the program is closed"}
	}
	if in.Currency != nil && *in.Currency != prg.Currency {
		return ProgramView{}, fault.InvalidFields(op, "the program has invalid fields", fault.FieldError{Field: "currency", Message: "must stay " + prg.Currency})
	}
	if in.Budget != nil {
		return ProgramView{}, fault.InvalidFields(op, "the program has invalid fields", fault.FieldError{Field: "budget", Message: "top the budget up with POST /v1/programs/{programId}/budget"})
	}
	if in.On != nil && On(*in.On) != prg.Terms.normal().On {
		return ProgramView{}, fault.InvalidFields(op, "the program has invalid fields", fault.FieldError{Field: "on", Message: "must stay " + string(prg.Terms.normal().On) + ": open another program to pay on the other"})
	}
	read := prg.Version
	in.apply(&prg)
	if err := in.check(prg); err != nil {
		return ProgramView{}, err
	}
	prg.Version, prg.UpdatedAt = read+1, clock.Format(s.clock.Now())
	if err := s.putProgram(ctx, op, prg, read, ""); err != nil {
		return ProgramView{}, err
	}
	return programView(prg, nil), nil
}

// putProgram writes a program over the version read (and, if status is
// set, only from that status).
func (s *Service) putProgram(ctx context.Context, op string, prg programItem, readVersion int, readStatus string) error {
	err := s.repo.putProgram(ctx, prg, readVersion, readStatus)
	if store.IsConditionFailed(err) {
		return fault.New(fault.Conflict, op, "the program changed while you were updating it; read it again and retry")
	}
	return fault.Wrap(op, err)
}

// SetProgramStatus pauses or resumes a program.
func (s *Service) SetProgramStatus(ctx context.Context, p auth.Principal, programID string, to ProgramStatus) (ProgramView, error) {
	op := "referrals.SetProgramStatus"
	prg, _, err := s.ownedProgram(ctx, op, p, programID)
	if err != nil {
		return ProgramView{}, err
	}
	from := ProgramStatus(prg.Status)
	if from == to {
		return programView(prg, nil), nil
	}
	if from == ProgramClosed {
		return ProgramView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: prg.Status, Message: "the program is closed"}
	}
	read := prg.Version
	prg.Status, prg.Version, prg.UpdatedAt = string(to), read+1, clock.Format(s.clock.Now())
	if err := s.putProgram(ctx, op, prg, read, string(from)); err != nil {
		return ProgramView{}, err
	}
	return programView(prg, nil), nil
}

// TopUp adds to a program's budget from the community's available balance:
// the first funding opens the ledger's hold, later ones top it up; a
// closed program takes none.
func (s *Service) TopUp(ctx context.Context, p auth.Principal, programID string, amount money.Amount) (ProgramView, error) {
	const op = "referrals.TopUp"
	prg, _, err := s.ownedProgram(ctx, op, p, programID)
	if err != nil {
		return ProgramView{}, err
	}
	if amount.Currency != prg.Currency || amount.Minor <= 0 || amount.Minor > money.MaxMinor {
		return ProgramView{}, fault.InvalidFields(op, "the request has invalid fields", fault.FieldError{Field: "amount", Message: "must be more than zero, in the program's currency " + prg.Currency})
	}
	for attempt := 0; attempt < 4; attempt++ {
		if prg, err = s.readProgram(ctx, op, programID); err != nil {
			return ProgramView{}, err
		}
		if ProgramStatus(prg.Status) == ProgramClosed {
			return ProgramView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: string(ProgramClosed), Message: "the program is closed"}
		}
		d, found, _, err := s.budget(ctx, prg)
		if err != nil {
			return ProgramView{}, err
		}
		now := s.clock.Now().Truncate(time.Millisecond)
		var fund ledger.Op
		if found {
			fund, err = s.ledger.PrepareTopUp(d, amount.Minor, now)
		} else {
			fund, err = s.ledger.PrepareOpenDrawdown(prg.ID, ledger.Community(prg.CommunityID), prg.Currency, amount.Minor, now)
		}
		if err != nil {
			return ProgramView{}, fault.Wrap(op, err)
		}
		err = store.NewTx().
			Add("program", s.repo.programOpen(programID)).
			Add("notes", s.repo.budgetTopped(programID)).
			AddParts(fund.Parts...).
			Write(ctx, s.repo.db)
		switch {
		case err == nil:
			v, err := s.budgetView(ctx, prg)
			return programView(prg, v), err
		case fund.InsufficientFunds(err):
			return ProgramView{}, &fault.Error{Kind: fault.InsufficientFunds, Op: op, Message: "the community's available balance does not cover the top-up"}
		case store.Failed(err, "program") || fault.KindOf(fund.Explain(err)) == fault.Conflict:
			continue // closed, or another top-up won: read again
		}
		return ProgramView{}, fault.Wrap(op, err)
	}
	return ProgramView{}, fault.New(fault.Conflict, op, "the budget is changing too fast; retry")
}

// CloseProgram ends a program: no new deals or commissions, and what is
// unspent and uncommitted goes back to the community's available
// balance. Accrued commissions still clear.
//
// It takes two steps, each resumable by closing again: first the program
// is marked closed, which stops every accrual and top-up (both check the
// program's status in their transaction), so what remains can only grow
// (a commission reversed in its hold period comes back); then exactly
// what remains is released, the ledger's hold and its transfer in one.
// Conversions racing the close never make it retry.
func (s *Service) CloseProgram(ctx context.Context, p auth.Principal, programID string) (ProgramView, error) {
	const op = "referrals.CloseProgram"
	for attempt := 0; attempt < 4; attempt++ {
		prg, _, err := s.ownedProgram(ctx, op, p, programID)
		if err != nil {
			return ProgramView{}, err
		}
		now := s.clock.Now().Truncate(time.Millisecond)
		if ProgramStatus(prg.Status) != ProgramClosed {
			read, from := prg.Version, prg.Status
			prg.Status, prg.Version, prg.UpdatedAt = string(ProgramClosed), read+1, clock.Format(now)
			if err := s.putProgram(ctx, op, prg, read, from); fault.KindOf(err) == fault.Conflict {
				continue // an update or a pause moved on; read again
			} else if err != nil {
				return ProgramView{}, err
			}
		}
		d, found, _, err := s.budget(ctx, prg)
		if err != nil {
			return ProgramView{}, err
		}
		if found && d.State == ledger.HoldHeld {
			rel, err := s.ledger.PrepareReleaseRest(d, now)
			if err != nil {
				return ProgramView{}, fault.Wrap(op, err)
			}
			if err := s.ledger.Apply(ctx, rel); fault.KindOf(err) == fault.Conflict {
				continue // a reversal came back meanwhile, or another close released it: read again
			} else if err != nil {
				return ProgramView{}, fault.Wrap(op, err)
			}
		}
		v, err := s.budgetView(ctx, prg)
		return programView(prg, v), err
	}
	return ProgramView{}, fault.New(fault.Conflict, op, "the program is changing too fast; retry")
}

// keyedProgram is the program a keyed request (api.RequestKey) made on an
// earlier run, as its owner sees it (found false: none, or no key).
func (s *Service) keyedProgram(ctx context.Context, op string, p auth.Principal, key api.Key) (ProgramView, bool, error) {
	v, found, err := store.Keyed(ctx, s.repo.db, s.repo.table, key.Name, key.Fingerprint, s.clock.Now(),
		func(id string) (ProgramView, error) {
			prg, _, err := s.ownedProgram(ctx, op, p, id)
			if err != nil {
				return ProgramView{}, err
			}
			b, err := s.budgetView(ctx, prg)
			return programView(prg, b), err
		})
	return v, found, fault.Wrap(op, err)
}

// GetProgram reads a program's public summary.
func (s *Service) GetProgram(ctx context.Context, programID string) (ProgramView, error) {
	prg, err := s.readProgram(ctx, "referrals.GetProgram", programID)
	if err != nil {
		return ProgramView{}, err
	}
	return programView(prg, nil), nil
}

// ListPrograms pages through a community's programs (public), newest
// first; closed ones are left out.
func (s *Service) ListPrograms(ctx context.Context, communityID string, limit int, cursor string) ([]ProgramView, string, error) {
	if !id.HasPrefix(communityID, "com") {
		return nil, "", fault.New(fault.NotFound, "referrals.ListPrograms", "no such community")
	}
	items, next, err := s.repo.communityPrograms(ctx, communityID, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]ProgramView, 0, len(items))
	for _, it := range items {
		if ProgramStatus(it.Status) != ProgramClosed {
			out = append(out, programView(it, nil))
		}
	}
	return out, next, nil
}
