package sponsorships

import (
	"context"
	"sort"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/owners"
	"github.com/souqhq/souq/shared/schedule"
)

// Service is the sponsorships use cases.
type Service struct {
	repo   *Repository
	ledger *ledger.Ledger
	sched  schedule.Scheduler
	clock  clock.Clock
	cfg    Config
	owners *owners.Projection // who owns which community and advertiser
	events *events.Mux
}

// Config is the sponsorships function's settings.
type Config struct {
	// FeeBps is the platform's fee on a published sponsorship (0: none).
	FeeBps int64
	// Self is the function the review deadlines call back.
	Self string
}

// DefaultFeeBps is the platform fee when none is configured: 10%.
const DefaultFeeBps = 1000

// NewService wires the service.
func NewService(repo *Repository, l *ledger.Ledger, sched schedule.Scheduler, c clock.Clock, cfg Config) *Service {
	s := &Service{repo: repo, ledger: l, sched: sched, clock: c, cfg: cfg,
		owners: owners.New(repo.db, repo.table, c), events: events.NewMux("sponsorships")}
	s.owners.Listen(s.events, owners.Community, owners.Advertiser)
	return s
}

// HandleEvent keeps the projections of communities and advertisers.
func (s *Service) HandleEvent(ctx context.Context, ev lambdaevents.EventBridgeEvent) error {
	return s.events.Handle(ctx, ev)
}

// Events is the mux of the events this context handles.
func (s *Service) Events() *events.Mux { return s.events }

// ownedCommunity: the caller owns the community (404 otherwise).
func (s *Service) ownedCommunity(ctx context.Context, op string, p auth.Principal, communityID string) (owners.Account, error) {
	return s.owners.Owned(ctx, op, p, owners.Community, communityID)
}

// OfferingInput creates an offering; on update, nil fields stay.
type OfferingInput struct {
	Title           *string        `json:"title" validate:"omitempty,max=200"`
	Format          *string        `json:"format"`
	Amount          *int64         `json:"amount"`
	Currency        *string        `json:"currency" validate:"omitempty,len=3"`
	ReviewDays      *int           `json:"reviewDays"`
	Limits          *ContentLimits `json:"limits"`
	Brief           *string        `json:"brief"`
	CapacityPerDate *int           `json:"capacityPerDate"`
	BlockDates      []string       `json:"blockDates" validate:"max=366"`
	UnblockDates    []string       `json:"unblockDates" validate:"max=366"`
}

// OfferingView is an offering as anyone may read it.
type OfferingView struct {
	ID              string        `json:"id"`
	CommunityID     string        `json:"communityId"`
	Title           string        `json:"title"`
	Format          Format        `json:"format"`
	Amount          int64         `json:"amount"`
	Currency        string        `json:"currency"`
	ReviewDays      int           `json:"reviewDays"`
	Limits          ContentLimits `json:"limits"`
	Brief           string        `json:"brief,omitempty"`
	CapacityPerDate int           `json:"capacityPerDate"`
	Archived        bool          `json:"archived"`
	CreatedAt       string        `json:"createdAt"`
}

func offeringView(it offeringItem) OfferingView {
	return OfferingView{ID: it.ID, CommunityID: it.CommunityID, Title: it.Title, Format: Format(it.Format), Amount: it.Price, Currency: it.Currency,
		ReviewDays: it.ReviewDays, Limits: ContentLimits{MaxTitle: it.MaxTitle, MaxBody: it.MaxBody, LinkRequired: it.LinkRequired},
		Brief: it.Brief, CapacityPerDate: it.CapacityPerDate, Archived: it.Archived, CreatedAt: it.CreatedAt}
}

func (it offeringItem) offering() Offering {
	return Offering{ID: it.ID, CommunityID: it.CommunityID, Title: it.Title, Format: Format(it.Format),
		Price: money.Amount{Minor: it.Price, Currency: it.Currency}, ReviewDays: it.ReviewDays,
		Limits: ContentLimits{MaxTitle: it.MaxTitle, MaxBody: it.MaxBody, LinkRequired: it.LinkRequired}, Brief: it.Brief,
		CapacityPerDate: it.CapacityPerDate, Archived: it.Archived}
}

// apply copies the given fields onto an offering item.
func (in OfferingInput) apply(it *offeringItem) {
	if in.Title != nil {
		it.Title = *in.Title
	}
	if in.Format != nil {
		it.Format = *in.Format
	}
	if in.Amount != nil {
		it.Price = *in.Amount
	}
	if in.Currency != nil {
		it.Currency = *in.Currency
	}
	if in.ReviewDays != nil {
		it.ReviewDays = *in.ReviewDays
	}
	if in.Limits != nil {
		it.MaxTitle, it.MaxBody, it.LinkRequired = in.Limits.MaxTitle, in.Limits.MaxBody, in.Limits.LinkRequired
	}
	if in.Brief != nil {
		it.Brief = *in.Brief
	}
	if in.CapacityPerDate != nil {
		it.CapacityPerDate = *in.CapacityPerDate
	}
}

func checkDates(field string, dates []string) error {
	for _, d := range dates {
		if _, err := ParseDate(field, d); err != nil {
			return err
		}
	}
	return nil
}

// CreateOffering adds a line to a community's rate card.
func (s *Service) CreateOffering(ctx context.Context, p auth.Principal, communityID string, in OfferingInput) (OfferingView, error) {
	const op = "sponsorships.CreateOffering"
	c, err := s.ownedCommunity(ctx, op, p, communityID)
	if err != nil {
		return OfferingView{}, err
	}
	// Every bad field at once: what is missing, what breaks a rule, what
	// does not fit the community.
	missing := map[string]bool{}
	var bad fault.Fields
	for field, set := range map[string]bool{"title": in.Title != nil, "format": in.Format != nil, "amount": in.Amount != nil, "currency": in.Currency != nil, "reviewDays": in.ReviewDays != nil} {
		if !set {
			missing[field] = true
			bad.Add(field, "is required")
		}
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	it := offeringItem{ID: id.New("off", now), CommunityID: communityID, MaxTitle: 120, MaxBody: 2_000, CapacityPerDate: 1, CreatedAt: clock.Format(now), Version: 1}
	in.apply(&it)
	var rules fault.Fields
	if err := rules.Include(CheckOffering(it.offering())); err != nil {
		return OfferingView{}, err
	}
	for _, f := range rules {
		if !missing[f.Field] {
			bad = append(bad, f)
		}
	}
	if in.Currency != nil && money.IsCurrency(it.Currency) && it.Currency != c.Currency {
		bad.Add("currency", "must be the community's currency, "+c.Currency)
	}
	if err := bad.Include(checkDates("blockDates", in.BlockDates)); err != nil {
		return OfferingView{}, err
	}
	sort.SliceStable(bad, func(i, j int) bool { return bad[i].Field < bad[j].Field })
	if err := bad.Err(op, "the offering has invalid fields"); err != nil {
		return OfferingView{}, err
	}
	it.PK, it.SK, it.GSI1PK, it.GSI1SK = "OFF#"+it.ID, "META", "COM#"+communityID+"#OFFS", it.ID
	if err := s.repo.putOffering(ctx, it, 0); err != nil {
		return OfferingView{}, err
	}
	if err := s.repo.setBlocked(ctx, it.ID, in.BlockDates, true); err != nil {
		return OfferingView{}, err
	}
	return offeringView(it), nil
}

// UpdateOffering changes an offering for future bookings (bookings keep
// the terms they were made with), and blocks or unblocks dates.
func (s *Service) UpdateOffering(ctx context.Context, p auth.Principal, offeringID string, in OfferingInput) (OfferingView, error) {
	const op = "sponsorships.UpdateOffering"
	it, err := s.ownedOffering(ctx, op, p, offeringID)
	if err != nil {
		return OfferingView{}, err
	}
	if it.Archived {
		return OfferingView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: "archived", Message: "the offering is archived"}
	}
	read := it.Version
	cur := it.Currency
	in.apply(&it)
	if err := CheckOffering(it.offering()); err != nil {
		return OfferingView{}, err
	}
	if it.Currency != cur {
		return OfferingView{}, fault.InvalidFields(op, "the offering has invalid fields", fault.FieldError{Field: "currency", Message: "must stay " + cur})
	}
	if err := checkDates("blockDates", in.BlockDates); err != nil {
		return OfferingView{}, err
	}
	if err := checkDates("unblockDates", in.UnblockDates); err != nil {
		return OfferingView{}, err
	}
	it.Version = read + 1
	if err := s.repo.putOffering(ctx, it, read); err != nil {
		return OfferingView{}, err
	}
	if err := s.repo.setBlocked(ctx, it.ID, in.BlockDates, true); err != nil {
		return OfferingView{}, err
	}
	if err := s.repo.setBlocked(ctx, it.ID, in.UnblockDates, false); err != nil {
		return OfferingView{}, err
	}
	return offeringView(it), nil
}

// ArchiveOffering takes an offering off the rate card; bookings made go on.
func (s *Service) ArchiveOffering(ctx context.Context, p auth.Principal, offeringID string) (OfferingView, error) {
	const op = "sponsorships.ArchiveOffering"
	it, err := s.ownedOffering(ctx, op, p, offeringID)
	if err != nil || it.Archived {
		return offeringView(it), err
	}
	read := it.Version
	it.Archived, it.Version = true, read+1
	return offeringView(it), s.repo.putOffering(ctx, it, read)
}

func (s *Service) ownedOffering(ctx context.Context, op string, p auth.Principal, offeringID string) (offeringItem, error) {
	if !id.HasPrefix(offeringID, "off") {
		return offeringItem{}, fault.New(fault.NotFound, op, "no such offering")
	}
	it, found, err := s.repo.getOffering(ctx, offeringID)
	if err != nil {
		return offeringItem{}, err
	}
	if !found {
		return offeringItem{}, fault.New(fault.NotFound, op, "no such offering")
	}
	if _, err := s.ownedCommunity(ctx, op, p, it.CommunityID); err != nil {
		return offeringItem{}, fault.New(fault.NotFound, op, "no such offering")
	}
	return it, nil
}

// GetOffering reads an offering (public).
func (s *Service) GetOffering(ctx context.Context, offeringID string) (OfferingView, error) {
	if !id.HasPrefix(offeringID, "off") {
		return OfferingView{}, fault.New(fault.NotFound, "sponsorships.GetOffering", "no such offering")
	}
	it, found, err := s.repo.getOffering(ctx, offeringID)
	if err != nil {
		return OfferingView{}, err
	}
	if !found {
		return OfferingView{}, fault.New(fault.NotFound, "sponsorships.GetOffering", "no such offering")
	}
	return offeringView(it), nil
}

// ListOfferings pages through a community's active offerings (public).
func (s *Service) ListOfferings(ctx context.Context, communityID string, limit int, cursor string) ([]OfferingView, string, error) {
	if !id.HasPrefix(communityID, "com") {
		return nil, "", fault.New(fault.NotFound, "sponsorships.ListOfferings", "no such community")
	}
	items, next, err := s.repo.listOfferings(ctx, communityID, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]OfferingView, 0, len(items))
	for _, it := range items {
		out = append(out, offeringView(it))
	}
	return out, next, nil
}

// DateView is one date of an offering's availability.
type DateView struct {
	Date      string `json:"date"`
	Booked    int    `json:"booked"`
	Capacity  int    `json:"capacity"`
	Blocked   bool   `json:"blocked"`
	Available bool   `json:"available"`
}

// Availability lists an offering's dates from `from` for `days` days
// (public): what a sponsor may book.
func (s *Service) Availability(ctx context.Context, offeringID, from string, days int) ([]DateView, error) {
	const op = "sponsorships.Availability"
	o, err := s.GetOffering(ctx, offeringID)
	if err != nil {
		return nil, err
	}
	start := s.clock.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	if from != "" {
		if start, err = ParseDate("from", from); err != nil {
			return nil, err
		}
	}
	if days < 1 || days > 92 {
		return nil, fault.InvalidFields(op, "the query has invalid fields", fault.FieldError{Field: "days", Message: "must be 1 to 92"})
	}
	end := start.Add(time.Duration(days-1) * 24 * time.Hour)
	items, err := s.repo.dates(ctx, offeringID, start.Format(DateLayout), end.Format(DateLayout))
	if err != nil {
		return nil, err
	}
	byDate := map[string]dateItem{}
	for _, d := range items {
		byDate[d.Date] = d
	}
	out := make([]DateView, 0, days)
	for d := start; !d.After(end); d = d.Add(24 * time.Hour) {
		k := d.Format(DateLayout)
		di := byDate[k]
		out = append(out, DateView{Date: k, Booked: di.Booked, Capacity: o.CapacityPerDate, Blocked: di.Blocked,
			Available: !di.Blocked && di.Booked < o.CapacityPerDate && !o.Archived})
	}
	return out, nil
}
