package memberships

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/money"
)

// Community is what memberships need of a community: its owner and
// currency (a tier's prices are in it), and the domains of its own sites
// (its allowed domains and its URL's host): where its members' passes may
// be sent.
type Community struct {
	ID, OwnerID, Currency, Name string
	Domains                     []string
}

// Communities finds communities: the accounts context, in the same
// function (memberships charge its payers' cards).
type Communities interface {
	// Owned is the community when p owns it (a 404 fault otherwise, as for
	// one that does not exist: strangers learn nothing).
	Owned(ctx context.Context, op string, p auth.Principal, communityID string) (Community, error)
	// Find is the community, for anyone (a 404 fault when none).
	Find(ctx context.Context, op, communityID string) (Community, error)
}

// TierStatus is whether a tier takes new members.
type TierStatus string

// A tier's statuses.
const (
	TierActive   TierStatus = "active"
	TierArchived TierStatus = "archived"
)

// BenefitAdFree is the benefit Souq itself gives: no ads on the
// community's pages (DESIGN §17). Other benefits are the community's own
// words for what its members get (early_access, discord_role).
const BenefitAdFree = "ad_free"

// Limits of a tier.
const (
	MaxTiers       = 20 // active tiers per community
	MaxBenefits    = 10
	MaxTrialDays   = 90
	MaxNameLen     = 100
	MaxDescription = 1000
	// MinPrice is the least a price may be, in minor units: less costs
	// more in card fees than it brings.
	MinPrice = 100
)

var benefitRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// PriceInput is one price of a tier.
type PriceInput struct {
	Interval Interval     `json:"interval"`
	Amount   money.Amount `json:"amount"`
}

// TierInput creates a tier.
type TierInput struct {
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Benefits    []string     `json:"benefits"`
	Prices      []PriceInput `json:"prices"`
	TrialDays   int          `json:"trialDays"`
}

// TierPatch changes a tier: what is sent changes. Prices are fixed (a new
// price is a new tier), so a patch that names them is refused.
type TierPatch struct {
	Name        *string   `json:"name"`
	Description *string   `json:"description"`
	Benefits    *[]string `json:"benefits"`
	Prices      *refused  `json:"prices"`
	TrialDays   *refused  `json:"trialDays"`
}

// refused is a field a patch may not carry: its presence is refused.
type refused struct{}

// UnmarshalJSON accepts anything: that the field came is what counts.
func (*refused) UnmarshalJSON([]byte) error { return nil }

// TierView is a tier as the API shows it.
type TierView struct {
	ID          string       `json:"id"`
	CommunityID string       `json:"communityId"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Benefits    []string     `json:"benefits"`
	Prices      []PriceInput `json:"prices"`
	TrialDays   int          `json:"trialDays"`
	Status      TierStatus   `json:"status"`
	CreatedAt   time.Time    `json:"createdAt"`
	UpdatedAt   time.Time    `json:"updatedAt"`
}

// Price is the tier's price for an interval.
func (t TierView) Price(i Interval) (money.Amount, bool) {
	for _, p := range t.Prices {
		if p.Interval == i {
			return p.Amount, true
		}
	}
	return money.Amount{}, false
}

// checkName, checkDescription and checkBenefits read what people type:
// trimmed, within their lengths, benefits as lower-case words, once each.
func checkName(name string, bad *[]fault.FieldError) string {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > MaxNameLen || strings.ContainsAny(name, "\r\n") {
		*bad = append(*bad, fault.FieldError{Field: "name", Message: fmt.Sprintf("must be 1 to %d characters on one line", MaxNameLen)})
	}
	return name
}

func checkDescription(d string, bad *[]fault.FieldError) string {
	d = strings.TrimSpace(d)
	if utf8.RuneCountInString(d) > MaxDescription {
		*bad = append(*bad, fault.FieldError{Field: "description", Message: fmt.Sprintf("must be at most %d characters", MaxDescription)})
	}
	return d
}

func checkBenefits(bs []string, bad *[]fault.FieldError) []string {
	out := []string{}
	if len(bs) > MaxBenefits {
		*bad = append(*bad, fault.FieldError{Field: "benefits", Message: fmt.Sprintf("must be at most %d", MaxBenefits)})
		return out
	}
	for i, b := range bs {
		switch {
		case !benefitRE.MatchString(b):
			*bad = append(*bad, fault.FieldError{Field: fmt.Sprintf("benefits[%d]", i), Message: "must be a lower-case word of letters, digits and _ (like ad_free or early_access)"})
		case slices.Contains(out, b):
			*bad = append(*bad, fault.FieldError{Field: fmt.Sprintf("benefits[%d]", i), Message: "is named twice"})
		default:
			out = append(out, b)
		}
	}
	return out
}

// checkTier reads a new tier in the community's currency.
func checkTier(op string, in TierInput, currency string) (TierInput, error) {
	var bad []fault.FieldError
	in.Name = checkName(in.Name, &bad)
	in.Description = checkDescription(in.Description, &bad)
	in.Benefits = checkBenefits(in.Benefits, &bad)
	if in.TrialDays < 0 || in.TrialDays > MaxTrialDays {
		bad = append(bad, fault.FieldError{Field: "trialDays", Message: fmt.Sprintf("must be 0 to %d", MaxTrialDays)})
	}
	if len(in.Prices) == 0 || len(in.Prices) > 2 {
		bad = append(bad, fault.FieldError{Field: "prices", Message: "must be one or two: a monthly price, a yearly price, or both"})
	}
	seen := map[Interval]bool{}
	for i, p := range in.Prices {
		f := fmt.Sprintf("prices[%d]", i)
		switch {
		case !p.Interval.Valid():
			bad = append(bad, fault.FieldError{Field: f + ".interval", Message: "must be month or year"})
		case seen[p.Interval]:
			bad = append(bad, fault.FieldError{Field: f + ".interval", Message: "has a price already"})
		}
		seen[p.Interval] = true
		switch {
		case p.Amount.Currency != currency:
			bad = append(bad, fault.FieldError{Field: f + ".amount.currency", Message: "must be the community's currency, " + currency})
		case p.Amount.Minor < MinPrice || p.Amount.Minor > money.MaxMinor:
			bad = append(bad, fault.FieldError{Field: f + ".amount.amount", Message: fmt.Sprintf("must be at least %d (minor units)", MinPrice)})
		}
	}
	if len(bad) > 0 {
		return in, fault.InvalidFields(op, "the tier has invalid fields", bad...)
	}
	// Monthly first: the order people read.
	slices.SortStableFunc(in.Prices, func(a, b PriceInput) int { return strings.Compare(string(a.Interval), string(b.Interval)) })
	return in, nil
}

// CreateTier is an owner's new tier, active at once (TierCreated).
func (s *Service) CreateTier(ctx context.Context, p auth.Principal, communityID string, in TierInput) (TierView, error) {
	const op = "memberships.CreateTier"
	com, err := s.communities.Owned(ctx, op, p, communityID)
	if err != nil {
		return TierView{}, err
	}
	if in, err = checkTier(op, in, com.Currency); err != nil {
		return TierView{}, err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	it := tierItem{ID: id.New("tier", now), CommunityID: communityID, OwnerID: com.OwnerID, Currency: com.Currency, Name: in.Name,
		Description: in.Description, Benefits: in.Benefits, TrialDays: in.TrialDays, Status: string(TierActive),
		CreatedAt: clock.Format(now), UpdatedAt: clock.Format(now), Version: 1}
	for _, pr := range in.Prices {
		it.Prices = append(it.Prices, priceItem{Interval: string(pr.Interval), Amount: pr.Amount.Minor})
	}
	if err := s.repo.saveTier(ctx, it, 0, &events.TierCreated{Tier: it.event()}, now, +1); err != nil {
		return TierView{}, fault.Wrap(op, err)
	}
	return it.view(), nil
}

// Tiers are a community's tiers of a status: on sale (active, as the
// join page lists them), archived, or all ("") — all public, as a tier's
// members show it.
func (s *Service) Tiers(ctx context.Context, communityID string, status string) ([]TierView, error) {
	const op = "memberships.Tiers"
	if status != "" && status != string(TierActive) && status != string(TierArchived) && status != "all" {
		return nil, fault.InvalidFields(op, "the request has invalid fields", fault.FieldError{Field: "status", Message: "must be active, archived or all"})
	}
	if _, err := s.communities.Find(ctx, op, communityID); err != nil {
		return nil, err
	}
	items, err := s.repo.communityTiers(ctx, communityID)
	if err != nil {
		return nil, fault.Wrap(op, err)
	}
	if status == "" {
		status = string(TierActive)
	}
	out := []TierView{}
	for _, it := range items {
		if status == "all" || it.Status == status {
			out = append(out, it.view())
		}
	}
	return out, nil
}

// Tier reads one tier (public: its join page shows it).
func (s *Service) Tier(ctx context.Context, tierID string) (TierView, error) {
	it, err := s.tier(ctx, "memberships.Tier", tierID)
	return it.view(), err
}

func (s *Service) tier(ctx context.Context, op, tierID string) (tierItem, error) {
	if !id.HasPrefix(tierID, "tier") {
		return tierItem{}, fault.New(fault.NotFound, op, "no such tier")
	}
	it, found, err := s.repo.tier(ctx, tierID)
	if err != nil {
		return tierItem{}, fault.Wrap(op, err)
	}
	if !found {
		return tierItem{}, fault.New(fault.NotFound, op, "no such tier")
	}
	return it, nil
}

// owned is a tier its owner may change: a stranger's is a 404.
func (s *Service) owned(ctx context.Context, op string, p auth.Principal, tierID string) (tierItem, error) {
	it, err := s.tier(ctx, op, tierID)
	if err != nil {
		return tierItem{}, err
	}
	if _, err := s.communities.Owned(ctx, op, p, it.CommunityID); err != nil {
		return tierItem{}, fault.New(fault.NotFound, op, "no such tier")
	}
	return it, nil
}

// UpdateTier changes a tier's name, description or benefits (TierChanged):
// its members have the new benefits from then on.
func (s *Service) UpdateTier(ctx context.Context, p auth.Principal, tierID string, in TierPatch) (TierView, error) {
	const op = "memberships.UpdateTier"
	var bad []fault.FieldError
	if in.Prices != nil {
		bad = append(bad, fault.FieldError{Field: "prices", Message: "are fixed: a new price is a new tier (archive this one to stop new joins)"})
	}
	if in.TrialDays != nil {
		bad = append(bad, fault.FieldError{Field: "trialDays", Message: "is fixed: a new trial is a new tier"})
	}
	var name, desc string
	var benefits []string
	if in.Name != nil {
		name = checkName(*in.Name, &bad)
	}
	if in.Description != nil {
		desc = checkDescription(*in.Description, &bad)
	}
	if in.Benefits != nil {
		benefits = checkBenefits(*in.Benefits, &bad)
	}
	if len(bad) > 0 {
		return TierView{}, fault.InvalidFields(op, "the change has invalid fields", bad...)
	}
	it, err := s.owned(ctx, op, p, tierID)
	if err != nil {
		return TierView{}, err
	}
	next := it
	if in.Name != nil {
		next.Name = name
	}
	if in.Description != nil {
		next.Description = desc
	}
	if in.Benefits != nil {
		next.Benefits = benefits
	}
	return s.change(ctx, op, it, next)
}

// ArchiveTier stops new joins to a tier; its members keep it. Archiving
// an archived tier answers it as it is.
func (s *Service) ArchiveTier(ctx context.Context, p auth.Principal, tierID string) (TierView, error) {
	const op = "memberships.ArchiveTier"
	it, err := s.owned(ctx, op, p, tierID)
	if err != nil {
		return TierView{}, err
	}
	if it.Status == string(TierArchived) {
		return it.view(), nil
	}
	next := it
	next.Status = string(TierArchived)
	return s.change(ctx, op, it, next)
}

// change saves next over it (as read: a change made meanwhile is a 409),
// with TierChanged; nothing changed writes nothing.
func (s *Service) change(ctx context.Context, op string, it, next tierItem) (TierView, error) {
	if next.Name == it.Name && next.Description == it.Description && slices.Equal(next.Benefits, it.Benefits) && next.Status == it.Status {
		return it.view(), nil
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	next.Version, next.UpdatedAt = it.Version+1, clock.Format(now)
	onSale := 0
	if it.Status == string(TierActive) && next.Status == string(TierArchived) {
		onSale = -1
	}
	if err := s.repo.saveTier(ctx, next, it.Version, &events.TierChanged{Tier: next.event()}, now, onSale); err != nil {
		return TierView{}, fault.Wrap(op, err)
	}
	return next.view(), nil
}
