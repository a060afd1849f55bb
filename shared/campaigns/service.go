package campaigns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/creatives"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/idempotency"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/owners"
	"github.com/souqhq/souq/shared/schedule"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/targeting"
)

// Config is the context's setting.
type Config struct {
	// Self is this function's topology name: the target of the end
	// schedules it makes for itself.
	Self string
	// ShareBps is the community's share of what a campaign spends on its
	// slots (basis points); the rest is the platform's fee.
	ShareBps int64
	// PremiumBps is the targeting premium a targeted campaign pays on
	// what it spends (basis points), drawn from the same hold to the
	// platform.
	PremiumBps int64
}

// DefaultPremiumBps is the targeting premium when none is configured:
// 20 % of what a targeted campaign spends.
const DefaultPremiumBps = 2000

// DefaultShareBps is the community's share when none is configured: 70%.
const DefaultShareBps = 7000

// Service is the campaigns context.
type Service struct {
	repo   *Repository
	ledger *ledger.Ledger
	sched  schedule.Scheduler
	clock  clock.Clock
	cfg    Config
	owners *owners.Projection
	events *events.Mux
	// creatives are the advertisers' hosted images (WithCreatives).
	creatives *creatives.Library
}

// NewService wires the service.
func NewService(repo *Repository, l *ledger.Ledger, sched schedule.Scheduler, c clock.Clock, cfg Config) *Service {
	s := &Service{repo: repo, ledger: l, sched: sched, clock: c, cfg: cfg,
		owners: owners.New(repo.db, repo.table, c), events: events.NewMux("campaigns")}
	s.owners.Listen(s.events, owners.Advertiser, owners.Community)
	events.On(s.events, s.settle)
	events.On(s.events, s.communityUpdated)
	events.On(s.events, repo.slotChanged)
	events.On(s.events, s.payerDebtChanged)
	return s
}

// HandleEvent consumes the events this context listens to (who owns which
// advertiser), each applied once.
func (s *Service) HandleEvent(ctx context.Context, ev lambdaevents.EventBridgeEvent) error {
	return s.events.Handle(ctx, ev)
}

// Events is the mux of the events this context handles.
func (s *Service) Events() *events.Mux { return s.events }

// MoneyInput is a money object in a request.
type MoneyInput struct {
	Amount   *int64 `json:"amount"`
	Currency string `json:"currency"`
}

func (m *MoneyInput) amount() money.Amount {
	if m == nil {
		return money.Amount{}
	}
	a := money.Amount{Currency: m.Currency}
	if m.Amount != nil {
		a.Minor = *m.Amount
	}
	return a
}

// PricingInput is a campaign's model and bid in a request.
type PricingInput struct {
	Model string      `json:"model"`
	Bid   *MoneyInput `json:"bid"`
}

// CreateInput is what an advertiser sends to create a campaign (DESIGN §12).
type CreateInput struct {
	Name     string        `json:"name"`
	Currency string        `json:"currency"`
	Pricing  *PricingInput `json:"pricing"`
	Budget   *MoneyInput   `json:"budget"`
	DailyCap *MoneyInput   `json:"dailyCap"`
	Start    *time.Time    `json:"start"`
	End      *time.Time    `json:"end"`
	Pacing   string        `json:"pacing"`
	Creative *Creative     `json:"creative"`
	// Targeting is optional (DESIGN §13).
	Targeting *targeting.Targeting `json:"targeting"`
}

// UpdateInput changes a campaign: its bid, its daily cap, its end, and
// its budget (up: the difference is held; down: it is released, down to
// LowestBudget). A nil field stays as it is. The handler reads it from
// PATCH's body.
type UpdateInput struct {
	Bid      *MoneyInput
	DailyCap *CapChange
	End      *time.Time
	Budget   *MoneyInput
	// Targeting replaces the campaign's; {} removes it.
	Targeting *targeting.Targeting
	// Creative replaces the campaign's whole: a changed creative is a new
	// version, which communities that review campaigns approve again
	// before it runs on their slots.
	Creative *Creative
}

// CapChange is a new daily cap, or the removal of the cap.
type CapChange struct {
	Remove bool
	// Cap is the new cap when Remove is false; one without an amount is
	// refused.
	Cap MoneyInput
}

// View is a campaign as its advertiser reads it: its terms, its status,
// and what it spent (drawn from its hold), what remains, and what its
// settlements billed.
type View struct {
	ID           string        `json:"id"`
	AdvertiserID string        `json:"advertiserId"`
	Name         string        `json:"name"`
	Currency     string        `json:"currency"`
	Pricing      Pricing       `json:"pricing"`
	Budget       money.Amount  `json:"budget"`
	DailyCap     *money.Amount `json:"dailyCap"`
	Start        time.Time     `json:"start"`
	End          time.Time     `json:"end"`
	Pacing       Pacing        `json:"pacing"`
	Creative     Creative      `json:"creative"`
	// Targeting is null for an untargeted campaign.
	Targeting *targeting.Targeting `json:"targeting"`
	Status    Status               `json:"status"`
	// PausedFor is "debt" when Souq paused the campaign because its
	// advertiser owes a disputed payment (it resumes once repaid).
	PausedFor string       `json:"pausedFor,omitempty"`
	Spent     money.Amount `json:"spent"`
	Remaining money.Amount `json:"remaining"`
	// Released is what went back to the advertiser's wallet when it ended.
	Released money.Amount `json:"released"`
	// Premium is the part of spent that was the targeting premium (the
	// rest bought impressions or clicks).
	Premium money.Amount `json:"premium"`
	// Impressions and Clicks are the valid ones settled; Billed what was
	// charged (impressions for CPM, clicks for CPC), Free what was shown
	// past the budget or a day's cap.
	Impressions int64  `json:"impressions"`
	Clicks      int64  `json:"clicks"`
	Billed      int64  `json:"billed"`
	Free        int64  `json:"free"`
	CreatedAt   string `json:"createdAt"`
	UpdatedAt   string `json:"updatedAt"`
	// CreativeVersion numbers the campaign's creatives: communities that
	// review campaigns decide on each.
	CreativeVersion int `json:"creativeVersion"`
	// Reviews are the communities' decisions on its creatives (DESIGN
	// §16), so its advertiser knows why it does not run somewhere.
	Reviews []ReviewView `json:"reviews"`
}

func (s *Service) view(it campaignItem, d ledger.Drawdown, now time.Time) View {
	c := it.campaign()
	cur := func(n int64) money.Amount { return money.Amount{Minor: n, Currency: c.Currency} }
	return View{ID: c.ID, AdvertiserID: c.AdvertiserID, Name: c.Name, Currency: c.Currency, Pricing: c.Pricing, Budget: c.Budget,
		DailyCap: c.DailyCap, Start: c.Start, End: c.End, Pacing: c.Pacing, Creative: c.Creative, Status: c.StatusAt(now), Targeting: viewTargeting(c.Targeting),
		Spent: cur(d.Drawn), Remaining: cur(d.Remaining), Released: cur(d.Released), Premium: cur(it.Books.Premium),
		Impressions: it.Books.Impressions, Clicks: it.Books.Clicks, Billed: it.Books.Billed, Free: it.Books.Free,
		CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, PausedFor: it.PausedFor, CreativeVersion: max(it.CreativeVersion, 1), Reviews: []ReviewView{}}
}

func viewTargeting(t targeting.Targeting) *targeting.Targeting {
	if t.IsZero() {
		return nil
	}
	return &t
}

// advertiser checks that p may act for the advertiser: its own key, or a
// person owning it. Anyone else gets the same 404 as for one that does not
// exist.
func (s *Service) advertiser(ctx context.Context, op string, p auth.Principal, advertiserID string) (owners.Account, error) {
	byKey, err := p.ActsForAdvertiser(op, advertiserID)
	if err != nil {
		return owners.Account{}, err
	}
	if byKey {
		a, found, err := s.owners.Get(ctx, owners.Advertiser, advertiserID)
		if err != nil {
			return owners.Account{}, err
		}
		if !found {
			return owners.Account{}, fault.New(fault.NotFound, op, "no such advertiser")
		}
		return a, nil
	}
	return s.owners.Owned(ctx, op, p, owners.Advertiser, advertiserID)
}

// owned reads a campaign p may act on (404 otherwise).
func (s *Service) owned(ctx context.Context, op string, p auth.Principal, campaignID string) (campaignItem, error) {
	notFound := fault.New(fault.NotFound, op, "no such campaign")
	if !id.HasPrefix(campaignID, "cmp") {
		return campaignItem{}, notFound
	}
	it, found, err := s.repo.get(ctx, campaignID)
	if err != nil {
		return campaignItem{}, err
	}
	if !found {
		return campaignItem{}, notFound
	}
	if _, err := s.advertiser(ctx, op, p, it.AdvertiserID); err != nil {
		return campaignItem{}, notFound
	}
	return it, nil
}

// Job is the payload of a campaign's end schedule.
type Job struct {
	Job        string `json:"job"`
	CampaignID string `json:"campaignId"`
}

// JobEnd ends a campaign at its end.
const JobEnd = "end"

// Check implements schedule.Checker: an end, with its campaign.
func (j Job) Check() error {
	if j.Job != JobEnd || j.CampaignID == "" {
		return errors.New("not an end with its campaign")
	}
	return nil
}

// endScheduleName is unique per campaign and end: moving the end makes a
// new schedule, and the old one, if it fires, finds the end moved.
func endScheduleName(campaignID string, end time.Time) string {
	return fmt.Sprintf("end-%s-%d", campaignID, end.Unix())
}

// EndGrace is how long after its end a campaign's hold is released by its
// schedule: long enough for serving's meter (every minute) to send the
// last views of its offers, and for them to be settled first. What is
// counted later is free.
const EndGrace = 3 * time.Minute

func (s *Service) scheduleEnd(ctx context.Context, campaignID string, end time.Time) error {
	job, _ := json.Marshal(Job{Job: JobEnd, CampaignID: campaignID})
	if err := s.sched.Once(ctx, endScheduleName(campaignID, end), end.Add(EndGrace), s.cfg.Self, job); err != nil {
		return fault.Wrap("campaigns.scheduleEnd", err)
	}
	return nil
}

// Create opens a campaign with its whole budget held from the advertiser's
// wallet, in one transaction with the campaign and CampaignCreated. Its
// end is scheduled first, so a campaign never lacks its end (a schedule
// for a campaign whose write failed finds nothing and does nothing).
func (s *Service) Create(ctx context.Context, p auth.Principal, advertiserID string, in CreateInput) (View, error) {
	const op = "campaigns.Create"
	adv, err := s.advertiser(ctx, op, p, advertiserID)
	if err != nil {
		return View{}, err
	}
	key := api.RequestKey(ctx)
	if v, found, err := s.keyedCampaign(ctx, op, p, key); err != nil || found {
		return v, err // this very request made its campaign already: answer that one
	}
	if err := s.ledger.RefuseInDebt(ctx, ledger.Advertiser(adv.ID), adv.Currency, op); err != nil {
		return View{}, err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	var bad fault.Fields
	if in.Pricing == nil {
		bad.Add("pricing", "is required: {\"model\": \"cpm\" | \"cpc\", \"bid\": {\"amount\", \"currency\"}}")
		in.Pricing = &PricingInput{}
	} else if in.Pricing.Bid == nil || in.Pricing.Bid.Amount == nil {
		bad.Add("pricing.bid", "is required")
	}
	if in.Budget == nil || in.Budget.Amount == nil {
		bad.Add("budget", "is required: the most the campaign may spend, held at once")
	}
	if in.Creative == nil {
		bad.Add("creative", "is required: {\"imageUrl\", \"clickUrl\", \"altText\", \"width\", \"height\"}")
		in.Creative = &Creative{}
	}
	if err := s.resolveCreative(ctx, advertiserID, in.Creative, &bad); err != nil {
		return View{}, err
	}
	if in.Pacing == "" {
		in.Pacing = string(Even)
	}
	c := Campaign{ID: id.New("cmp", now), AdvertiserID: advertiserID, Name: in.Name, Currency: in.Currency,
		Pricing: Pricing{Model: Model(in.Pricing.Model), Bid: in.Pricing.Bid.amount()}, Budget: in.Budget.amount(),
		Start: now, Pacing: Pacing(in.Pacing), Creative: *in.Creative, State: Live}
	if in.DailyCap != nil {
		d := in.DailyCap.amount()
		c.DailyCap = &d
	}
	if in.Start != nil && in.Start.After(now) {
		c.Start = in.Start.UTC().Truncate(time.Second)
	}
	if in.End != nil {
		c.End = in.End.UTC().Truncate(time.Second)
	}
	setTargeting(&c, in.Targeting, &bad)
	if err := bad.Include(Check(c, now)); err != nil {
		return View{}, err
	}
	if err := bad.Err(op, "the campaign has invalid fields"); err != nil {
		return View{}, err
	}
	if c.Currency != adv.Currency {
		return View{}, fault.InvalidFields(op, "the campaign has invalid fields", fault.FieldError{Field: "currency", Message: "must be the advertiser's currency, " + adv.Currency})
	}
	it := itemOf(c, campaignItem{CreatedAt: clock.Format(now), UpdatedAt: clock.Format(now), Version: 1})
	put, err := s.repo.create(it)
	if err != nil {
		return View{}, err
	}
	fund, err := s.ledger.PrepareOpenDrawdown(c.ID, ledger.Advertiser(advertiserID), c.Currency, c.Budget.Minor, now)
	if err != nil {
		return View{}, fault.Wrap(op, err)
	}
	evt, err := events.OutboxPut(s.repo.outbox, &events.CampaignCreated{CampaignID: c.ID, AdvertiserID: advertiserID, Model: string(c.Pricing.Model),
		Bid: c.Pricing.Bid, Budget: c.Budget, Start: clock.Format(c.Start), End: clock.Format(c.End)}, now)
	if err != nil {
		return View{}, fault.Wrap(op, err)
	}
	if err := s.scheduleEnd(ctx, c.ID, c.End); err != nil {
		return View{}, err
	}
	chg, err := s.repo.changed(it, now)
	if err != nil {
		return View{}, fault.Wrap(op, err)
	}
	tx := store.NewTx().Add("campaign", put).AddParts(fund.Parts...).Add("event", evt).Add("changed", chg)
	if key.Name != "" {
		tx.Add("key", store.KeyMark(s.repo.table, key.Name, key.Fingerprint, c.ID, now, now.Add(idempotency.TTL)))
	}
	err = tx.Write(ctx, s.repo.db)
	if key.Name != "" && store.Failed(err, "key") {
		// A run of this very request made its campaign meanwhile.
		if v, found, err := s.keyedCampaign(ctx, op, p, key); err != nil || found {
			return v, err
		}
	}
	if fund.InsufficientFunds(err) {
		return View{}, &fault.Error{Kind: fault.InsufficientFunds, Op: op, Message: "the advertiser's available balance does not cover the budget of " + c.Budget.String()}
	}
	if err != nil {
		return View{}, fault.Wrap(op, err)
	}
	return s.view(it, ledger.Drawdown{Amount: c.Budget.Minor, Remaining: c.Budget.Minor}, now), nil
}

// keyedCampaign is the campaign a keyed request (api.RequestKey) made on
// an earlier run (found false: none, or no key).
func (s *Service) keyedCampaign(ctx context.Context, op string, p auth.Principal, key api.Key) (View, bool, error) {
	v, found, err := store.Keyed(ctx, s.repo.db, s.repo.table, key.Name, key.Fingerprint, s.clock.Now(),
		func(id string) (View, error) { return s.Get(ctx, p, id) })
	return v, found, fault.Wrap(op, err)
}

// Get reads a campaign with what it spent and what remains.
func (s *Service) Get(ctx context.Context, p auth.Principal, campaignID string) (View, error) {
	it, err := s.owned(ctx, "campaigns.Get", p, campaignID)
	if err != nil {
		return View{}, err
	}
	return s.read(ctx, it)
}

func (s *Service) read(ctx context.Context, it campaignItem) (View, error) {
	d, _, err := s.ledger.GetDrawdown(ctx, it.ID)
	if err != nil {
		return View{}, err
	}
	v := s.view(it, d, s.clock.Now())
	if v.Reviews, err = s.reviewsOf(ctx, it); err != nil {
		return View{}, err
	}
	return v, nil
}

// List pages through an advertiser's campaigns, newest first.
func (s *Service) List(ctx context.Context, p auth.Principal, advertiserID string, limit int, cursor string) ([]View, string, error) {
	if _, err := s.advertiser(ctx, "campaigns.List", p, advertiserID); err != nil {
		return nil, "", err
	}
	items, next, err := s.repo.list(ctx, advertiserID, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]View, 0, len(items))
	for _, it := range items {
		v, err := s.read(ctx, it)
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	return out, next, nil
}

// errEnded refuses changes to a campaign that is over.
func errEnded(op string) error {
	return &fault.Error{Kind: fault.Conflict, Op: op, State: string(StatusEnded), Message: "the campaign has ended"}
}

// Update changes a campaign's bid, daily cap, end, targeting or budget.
// A raised budget holds the difference from the wallet; a lowered one
// releases it back to the wallet's available balance, never below what
// the campaign spent and what its last meter may still bill
// (LowestBudget; below is InsufficientFunds naming budget). Either is in
// the same transaction as the change and its CampaignChanged (which is
// how serving learns the new budget), written over the version read,
// which every settlement writes too: a lowering decided on a hold that a
// settlement drew from since is decided again on what that settlement
// left, so it never gives back what a settlement draws. A change that
// loses a race to another is decided again on what that one wrote; one
// that changes nothing (the budget it has, say) writes nothing.
func (s *Service) Update(ctx context.Context, p auth.Principal, campaignID string, in UpdateInput) (View, error) {
	const op = "campaigns.Update"
	if _, err := s.owned(ctx, op, p, campaignID); err != nil {
		return View{}, err
	}
	if in.Bid == nil && in.DailyCap == nil && in.End == nil && in.Budget == nil && in.Targeting == nil && in.Creative == nil {
		return View{}, fault.New(fault.Invalid, op, "send bid, dailyCap, end, budget, targeting or creative")
	}
	if in.Creative != nil && in.Creative.CreativeID != "" {
		if err := s.resolveUpdatedCreative(ctx, op, campaignID, in.Creative); err != nil {
			return View{}, err
		}
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	// The ledger ops of the last attempt, to explain its failure: the
	// top-up of a raise, the partial release of a lowering.
	var fund, give ledger.Op
	it, err := s.repo.update(ctx, campaignID, now, func(it *campaignItem, tx *store.Tx) error {
		fund, give = ledger.Op{}, ledger.Op{}
		c := it.campaign()
		if c.StatusAt(now) == StatusEnded {
			return errEnded(op)
		}
		oldBudget, oldEnd, oldCreative := c.Budget, c.End, c.Creative
		if err := in.apply(&c, now); err != nil {
			return err
		}
		if c.Creative != oldCreative {
			// A new creative: reviewed again where communities review.
			it.CreativeVersion = max(it.CreativeVersion, 1) + 1
		}
		was := *it
		if *it = itemOf(c, *it); reflect.DeepEqual(*it, was) {
			return errNoChange
		}
		if delta := c.Budget.Minor - oldBudget.Minor; delta != 0 {
			d, found, err := s.ledger.GetDrawdown(ctx, it.ID)
			if err != nil {
				return err
			}
			if !found || d.State != ledger.HoldHeld {
				return errEnded(op)
			}
			if delta > 0 {
				// Raising a budget spends more: not while the advertiser
				// owes a disputed payment (DESIGN §15).
				if err := s.ledger.RefuseInDebt(ctx, ledger.Advertiser(it.AdvertiserID), it.Currency, op); err != nil {
					return err
				}
				if fund, err = s.ledger.PrepareTopUp(d, delta, now); err != nil {
					return fault.Wrap(op, err)
				}
				tx.AddParts(fund.Parts...)
			} else {
				if err := LowestBudget(c, it.Books, d.Drawn, d.Remaining, now).Lower(op, c.Budget); err != nil {
					return err
				}
				memo := fmt.Sprintf("%s: budget lowered from %s to %s", it.ID, oldBudget, c.Budget)
				if give, err = s.ledger.PrepareReleasePart(d, -delta, memo, now); err != nil {
					return fault.Wrap(op, err)
				}
				tx.AddParts(give.Parts...)
			}
		}
		if !c.End.Equal(oldEnd) {
			return s.scheduleEnd(ctx, it.ID, c.End)
		}
		return nil
	})
	switch {
	case err == nil:
		return s.read(ctx, it)
	case fund.InsufficientFunds(err):
		return View{}, &fault.Error{Kind: fault.InsufficientFunds, Op: op, Message: "the advertiser's available balance does not cover the larger budget"}
	case fault.KindOf(fund.Explain(err)) == fault.Conflict, fault.KindOf(give.Explain(err)) == fault.Conflict:
		return View{}, fault.New(fault.Conflict, op, "the campaign changed while you were updating it; read it again and retry")
	}
	return View{}, refusal(op, err)
}

// refusal is an update's error as op returns it: a fault (a refusal of
// op's own, or update's) as it is, anything else wrapped.
func refusal(op string, err error) error {
	if _, ok := fault.As(err); ok {
		return err
	}
	return fault.Wrap(op, err)
}

// apply changes c as in asks, and says what in got wrong (and what the
// changed campaign breaks).
func (in UpdateInput) apply(c *Campaign, now time.Time) error {
	const op = "campaigns.Update"
	var bad fault.Fields
	if in.Bid != nil {
		if in.Bid.Amount == nil {
			bad.Add("bid.amount", "is required")
		}
		c.Pricing.Bid = in.Bid.amount()
	}
	if d := in.DailyCap; d != nil {
		switch {
		case d.Remove:
			c.DailyCap = nil
		case d.Cap.Amount == nil:
			bad.Add("dailyCap", `must be {"amount", "currency"}, or null to remove it`)
		default:
			a := d.Cap.amount()
			c.DailyCap = &a
		}
	}
	if in.End != nil {
		c.End = in.End.UTC().Truncate(time.Second)
	}
	if in.Budget != nil {
		if in.Budget.Amount == nil {
			bad.Add("budget.amount", "is required")
		}
		c.Budget = in.Budget.amount()
	}
	setTargeting(c, in.Targeting, &bad)
	if in.Creative != nil {
		c.Creative = *in.Creative
	}
	if err := bad.Include(Check(*c, now)); err != nil {
		return err
	}
	if err := bad.Err(op, "the campaign has invalid fields"); err != nil {
		return fieldsOf(err, "pricing.bid", "bid")
	}
	return nil
}

// fieldsOf renames a field of a validation error (the PATCH body says
// bid where the campaign says pricing.bid).
func fieldsOf(err error, from, to string) error {
	if fe, ok := fault.As(err); ok {
		for i := range fe.Fields {
			if fe.Fields[i].Field == from {
				fe.Fields[i].Field = to
			}
		}
	}
	return err
}

// SetPaused pauses (true) or resumes (false) a live campaign; doing it
// twice is fine, and an ended campaign is a conflict.
func (s *Service) SetPaused(ctx context.Context, p auth.Principal, campaignID string, paused bool) (View, error) {
	const op = "campaigns.SetPaused"
	if _, err := s.owned(ctx, op, p, campaignID); err != nil {
		return View{}, err
	}
	to := Live
	if paused {
		to = Paused
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	it, err := s.repo.update(ctx, campaignID, now, func(it *campaignItem, _ *store.Tx) error {
		if it.campaign().StatusAt(now) == StatusEnded {
			return errEnded(op)
		}
		if !paused {
			if err := s.ledger.RefuseInDebt(ctx, ledger.Advertiser(it.AdvertiserID), it.Currency, op); err != nil {
				return err
			}
		}
		if State(it.State) == to {
			return errNoChange
		}
		it.State, it.PausedFor = string(to), ""
		return nil
	})
	if err != nil {
		return View{}, refusal(op, err)
	}
	return s.read(ctx, it)
}

// End ends a campaign for good at its advertiser's word.
func (s *Service) End(ctx context.Context, p auth.Principal, campaignID string) (View, error) {
	const op = "campaigns.End"
	it, err := s.owned(ctx, op, p, campaignID)
	if err != nil {
		return View{}, err
	}
	if it, err = s.finish(ctx, op, it.ID, "advertiser"); err != nil {
		return View{}, err
	}
	return s.read(ctx, it)
}

// HandleScheduled runs a schedule's job: a campaign's end. An error asks
// the scheduler to retry.
func (s *Service) HandleScheduled(ctx context.Context, payload json.RawMessage) error {
	return schedule.Handle("campaigns", func(ctx context.Context, j Job) error {
		it, found, err := s.repo.get(ctx, j.CampaignID)
		if err != nil || !found {
			return err // a campaign whose creation failed after its schedule: nothing to end
		}
		if s.clock.Now().Before(clock.Parse(it.End)) && State(it.State) != Ended {
			return nil // the end was moved later: its own schedule ends it
		}
		_, err = s.finish(ctx, "campaigns.HandleScheduled", it.ID, "end")
		return err
	})(ctx, payload)
}

// finish ends a campaign in two steps, each resumable by running it again
// (the advertiser's end, the schedule, or both at once): first the
// campaign is marked ended, which stops every change and top-up (both
// write over its version); then exactly what its hold still has is
// released, with CampaignEnded, in one transaction — once, whoever runs
// it, however often.
func (s *Service) finish(ctx context.Context, op, campaignID, reason string) (campaignItem, error) {
	for attempt := 0; attempt < 5; attempt++ {
		now := s.clock.Now().Truncate(time.Millisecond)
		it, err := s.repo.update(ctx, campaignID, now, func(it *campaignItem, _ *store.Tx) error {
			if State(it.State) == Ended {
				return errNoChange // ended already: release what is left
			}
			it.State, it.EndReason = string(Ended), reason
			return nil
		})
		if err != nil {
			return campaignItem{}, refusal(op, err)
		}
		d, found, err := s.ledger.GetDrawdown(ctx, it.ID)
		if err != nil {
			return campaignItem{}, err
		}
		if !found || d.State != ledger.HoldHeld {
			return it, nil // released already: done
		}
		rel, err := s.ledger.PrepareReleaseRest(d, now)
		if err != nil {
			return campaignItem{}, fault.Wrap(op, err)
		}
		cur := func(n int64) money.Amount { return money.Amount{Minor: n, Currency: it.Currency} }
		evt, err := events.OutboxPut(s.repo.outbox, &events.CampaignEnded{CampaignID: it.ID, AdvertiserID: it.AdvertiserID, Reason: it.EndReason,
			Spent: cur(d.Drawn), Released: cur(d.Remaining)}, now)
		if err != nil {
			return campaignItem{}, fault.Wrap(op, err)
		}
		err = store.NewTx().AddParts(rel.Parts...).Add("event", evt).Write(ctx, s.repo.db)
		if fault.KindOf(rel.Explain(err)) == fault.Conflict {
			continue // drawn meanwhile, or another end released it: read again
		}
		if err != nil {
			return campaignItem{}, fault.Wrap(op, err)
		}
		return it, nil
	}
	return campaignItem{}, fault.New(fault.Conflict, op, "the campaign is changing too fast; retry")
}
