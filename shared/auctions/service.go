package auctions

import (
	"context"
	"strings"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/creatives"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/owners"
	"github.com/souqhq/souq/shared/schedule"
	"github.com/souqhq/souq/shared/targeting"
)

// Service is the auctions use cases: slots, auctions, bids and the close.
type Service struct {
	repo   *Repository
	ledger *ledger.Ledger
	sched  schedule.Scheduler
	clock  clock.Clock
	cfg    Config
	owners *owners.Projection // who owns which community and advertiser
	events *events.Mux
	// creatives are the hosted creatives bids and house ads may name
	// (WithCreatives).
	creatives *creatives.Library
}

// Config is the auctions function's settings.
type Config struct {
	// FeeBps is the platform's fee on a clearing price, in basis points
	// (0: none).
	FeeBps int64
	// Self is the function that closes auctions (the schedules' target).
	Self string
}

// DefaultFeeBps is the platform fee when none is configured: 10%.
const DefaultFeeBps = 1000

// NewService wires the service.
func NewService(repo *Repository, l *ledger.Ledger, sched schedule.Scheduler, c clock.Clock, cfg Config) *Service {
	s := &Service{repo: repo, ledger: l, sched: sched, clock: c, cfg: cfg,
		owners: owners.New(repo.db, repo.table, c), events: events.NewMux("auctions")}
	s.owners.Listen(s.events, owners.Community, owners.Advertiser)
	events.On(s.events, s.communityUpdated) // blocked advertisers (blocked.go)
	return s
}

// SlotView is a slot as the API shows it.
type SlotView struct {
	ID          string       `json:"id"`
	CommunityID string       `json:"communityId"`
	Name        string       `json:"name"`
	Width       int          `json:"width"`
	Height      int          `json:"height"`
	Reserve     money.Amount `json:"reserve"`
	Format      Format       `json:"format"`
	Archived    bool         `json:"archived"`
	CreatedAt   time.Time    `json:"createdAt"`
	// HouseAd is the community's own fallback creative, if any.
	HouseAd *Creative `json:"houseAd"`
	// Campaigns says whether pay-as-you-go campaigns may run on the slot
	// when no flight does, and the least they must pay per thousand.
	Campaigns SlotCampaigns `json:"campaigns"`
	// Keywords are the slot's own topics: targeted campaigns match them
	// as they do the page's (DESIGN §13).
	Keywords []string `json:"keywords"`
}

// SlotCampaigns is a slot's campaign setting (DESIGN §12).
type SlotCampaigns struct {
	Accept   bool         `json:"accept"`
	FloorCPM money.Amount `json:"floorCpm"`
}

func view(it slotItem) SlotView {
	s, _, created := it.slot()
	v := SlotView{ID: s.ID, CommunityID: s.CommunityID, Name: s.Name, Width: s.Width, Height: s.Height,
		Reserve: s.Reserve, Format: s.Format, Archived: s.Archived, CreatedAt: created}
	if it.HouseImageURL != "" {
		v.HouseAd = &Creative{ImageURL: it.HouseImageURL, ClickURL: it.HouseClickURL, AltText: it.HouseAltText}
	}
	v.Campaigns = SlotCampaigns{Accept: it.CampaignsAccept, FloorCPM: money.Amount{Minor: it.CampaignsFloor, Currency: it.Currency}}
	v.Keywords = append([]string{}, it.Keywords...)
	return v
}

// SetHouseAd sets (or, with nil, removes) a slot's house ad: shown
// unbilled, labelled House, when no flight runs.
func (s *Service) SetHouseAd(ctx context.Context, p auth.Principal, slotID string, c *Creative) (SlotView, error) {
	const op = "auctions.SetHouseAd"
	if c != nil && c.CreativeID != "" {
		if c.ImageURL != "" {
			return SlotView{}, fault.InvalidFields(op, "the house ad has invalid fields", fault.FieldError{Field: "creativeId", Message: "names a hosted creative: leave out imageUrl, which it sets"})
		}
		if err := s.resolveHouseCreative(ctx, op, p, c); err != nil {
			return SlotView{}, err
		}
	}
	return s.mutateSlot(ctx, op, p, slotID, func(it *slotItem) error {
		if c == nil {
			it.HouseImageURL, it.HouseClickURL, it.HouseAltText = "", "", ""
			return nil
		}
		if err := CheckCreative(*c); err != nil {
			// The house ad's body is the creative itself.
			if fe, ok := fault.As(err); ok {
				for i := range fe.Fields {
					fe.Fields[i].Field = strings.TrimPrefix(fe.Fields[i].Field, "creative.")
				}
			}
			return err
		}
		it.HouseImageURL, it.HouseClickURL, it.HouseAltText = c.ImageURL, c.ClickURL, c.AltText
		return nil
	})
}

// MoneyInput is a named money object in a request.
type MoneyInput struct {
	Amount   *int64 `json:"amount"`
	Currency string `json:"currency"`
}

// CreateSlotInput is what an owner sends to create a slot.
// Its fields are checked together (CheckSlot), so every bad one is named
// at once.
type CreateSlotInput struct {
	Name    string      `json:"name"`
	Width   int         `json:"width"`
	Height  int         `json:"height"`
	Reserve *MoneyInput `json:"reserve"`
	Format  string      `json:"format"`
}

// UpdateSlotInput changes what future auctions of a slot use, and
// whether campaigns may run on it.
type UpdateSlotInput struct {
	Reserve   *MoneyInput     `json:"reserve"`
	Format    *string         `json:"format"`
	Campaigns *CampaignsInput `json:"campaigns"`
	// Keywords replace the slot's own (at most 20; [] removes them).
	Keywords *[]string `json:"keywords"`
}

// CampaignsInput opts a slot in to campaigns (or out), with a floor.
type CampaignsInput struct {
	Accept   *bool       `json:"accept"`
	FloorCPM *MoneyInput `json:"floorCpm"`
}

// owned checks that a user owns the community, as far as this context
// knows: an unknown community and another's look the same (404).
func (s *Service) owned(ctx context.Context, op string, p auth.Principal, communityID string) (owners.Account, error) {
	return s.owners.Owned(ctx, op, p, owners.Community, communityID)
}

// CreateSlot creates a banner slot in a community the caller owns.
func (s *Service) CreateSlot(ctx context.Context, p auth.Principal, communityID string, in CreateSlotInput) (SlotView, error) {
	const op = "auctions.CreateSlot"
	c, err := s.owned(ctx, op, p, communityID)
	if err != nil {
		return SlotView{}, err
	}
	if in.Format == "" {
		in.Format = string(SecondPrice)
	}
	slot := Slot{CommunityID: communityID, Name: in.Name, Width: in.Width, Height: in.Height, Format: Format(in.Format),
		Reserve: money.Amount{Currency: c.Currency}}
	var bad fault.Fields
	switch {
	case in.Reserve == nil:
		bad.Add("reserve", "is required: the lowest price an auction of this slot accepts")
	case in.Reserve.Amount == nil:
		bad.Add("reserve.amount", "is required")
		slot.Reserve.Currency = in.Reserve.Currency
	default:
		slot.Reserve = money.Amount{Minor: *in.Reserve.Amount, Currency: in.Reserve.Currency}
	}
	if err := bad.Include(CheckSlot(slot)); err != nil {
		return SlotView{}, err
	}
	if in.Reserve != nil && money.IsCurrency(in.Reserve.Currency) && in.Reserve.Currency != c.Currency {
		bad.Add("reserve.currency", "must be the community's currency, "+c.Currency)
	}
	if err := bad.Err(op, "the slot has invalid fields"); err != nil {
		return SlotView{}, err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	slot.ID = id.New("slot", now)
	it := slotItem{PK: "SLOT#" + slot.ID, SK: "META", GSI1PK: "COM#" + communityID + "#SLOTS", GSI1SK: slot.ID,
		ID: slot.ID, CommunityID: communityID, Name: slot.Name, Width: slot.Width, Height: slot.Height,
		Reserve: slot.Reserve.Minor, Currency: slot.Reserve.Currency, Format: string(slot.Format),
		CreatedAt: clock.Format(now), Version: 1}
	if err := s.repo.putSlot(ctx, it, now); err != nil {
		return SlotView{}, err
	}
	return view(it), nil
}

// GetSlot reads a slot (public).
func (s *Service) GetSlot(ctx context.Context, slotID string) (SlotView, error) {
	if !id.HasPrefix(slotID, "slot") {
		return SlotView{}, fault.New(fault.NotFound, "auctions.GetSlot", "no such slot")
	}
	it, found, err := s.repo.getSlot(ctx, slotID)
	if err != nil {
		return SlotView{}, err
	}
	if !found {
		return SlotView{}, fault.New(fault.NotFound, "auctions.GetSlot", "no such slot")
	}
	return view(it), nil
}

// ListSlots pages through a community's slots that are not archived.
func (s *Service) ListSlots(ctx context.Context, communityID string, limit int, cursor string) ([]SlotView, string, error) {
	if !id.HasPrefix(communityID, "com") {
		return nil, "", fault.New(fault.NotFound, "auctions.ListSlots", "no such community")
	}
	items, next, err := s.repo.listSlots(ctx, communityID, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]SlotView, 0, len(items))
	for _, it := range items {
		out = append(out, view(it))
	}
	return out, next, nil
}

// mutateSlot loads a slot the caller owns, applies change, and writes it
// back conditionally on its version.
func (s *Service) mutateSlot(ctx context.Context, op string, p auth.Principal, slotID string, change func(*slotItem) error) (SlotView, error) {
	if !id.HasPrefix(slotID, "slot") {
		return SlotView{}, fault.New(fault.NotFound, op, "no such slot")
	}
	it, found, err := s.repo.getSlot(ctx, slotID)
	if err != nil {
		return SlotView{}, err
	}
	if !found {
		return SlotView{}, fault.New(fault.NotFound, op, "no such slot")
	}
	if _, err := s.owned(ctx, op, p, it.CommunityID); err != nil {
		return SlotView{}, fault.New(fault.NotFound, op, "no such slot")
	}
	read := it.Version
	if err := change(&it); err != nil {
		return SlotView{}, err
	}
	if err := s.repo.updateSlot(ctx, it, read, s.clock.Now()); err != nil {
		return SlotView{}, err
	}
	it.Version = read + 1
	return view(it), nil
}

// UpdateSlot changes the reserve or format used by future auctions, and
// the slot's campaign setting (serving hears of it by SlotChanged).
func (s *Service) UpdateSlot(ctx context.Context, p auth.Principal, slotID string, in UpdateSlotInput) (SlotView, error) {
	const op = "auctions.UpdateSlot"
	if in.Reserve == nil && in.Format == nil && in.Campaigns == nil && in.Keywords == nil {
		return SlotView{}, fault.New(fault.Invalid, op, "send reserve, format, campaigns, keywords or any of them")
	}
	return s.mutateSlot(ctx, op, p, slotID, func(it *slotItem) error {
		if it.Archived {
			return &fault.Error{Kind: fault.Conflict, Op: op, State: "archived", Message: "the slot is archived"}
		}
		var bad fault.Fields
		if in.Reserve != nil {
			if in.Reserve.Currency != it.Currency {
				bad.Add("reserve.currency", "must stay "+it.Currency)
			}
			if in.Reserve.Amount == nil {
				bad.Add("reserve.amount", "is required")
			} else {
				it.Reserve = *in.Reserve.Amount
			}
		}
		if in.Format != nil {
			it.Format = *in.Format
		}
		if c := in.Campaigns; c != nil {
			if c.Accept == nil && c.FloorCPM == nil {
				bad.Add("campaigns", `send accept, floorCpm or both: {"accept": true, "floorCpm": {"amount", "currency"}}`)
			}
			if c.Accept != nil {
				it.CampaignsAccept = *c.Accept
			}
			if f := c.FloorCPM; f != nil {
				switch {
				case f.Currency != it.Currency:
					bad.Add("campaigns.floorCpm.currency", "must be the slot's currency, "+it.Currency)
				case f.Amount == nil || *f.Amount < 0 || *f.Amount > money.MaxMinor:
					bad.Add("campaigns.floorCpm.amount", "must be zero or more: the least a campaign pays per thousand viewable impressions")
				default:
					it.CampaignsFloor = *f.Amount
				}
			}
		}
		if in.Keywords != nil {
			t, errs := targeting.Normalize(targeting.Targeting{Keywords: *in.Keywords}, "targeting")
			for _, e := range errs {
				bad.Add(strings.Replace(e.Field, "targeting.keywords", "keywords", 1), e.Message)
			}
			it.Keywords = t.Keywords
		}
		s, _, _ := it.slot()
		if err := bad.Include(CheckSlot(s)); err != nil {
			return err
		}
		return bad.Err(op, "the slot has invalid fields")
	})
}

// ArchiveSlot stops a slot from being listed or auctioned; archiving twice
// is fine.
func (s *Service) ArchiveSlot(ctx context.Context, p auth.Principal, slotID string) (SlotView, error) {
	return s.mutateSlot(ctx, "auctions.ArchiveSlot", p, slotID, func(it *slotItem) error {
		it.Archived = true
		return nil
	})
}

// HandleEvent consumes the events this context listens to (the owners of
// communities and advertisers). Delivery is at least once and unordered;
// each event is applied once (by its id).
func (s *Service) HandleEvent(ctx context.Context, ev lambdaevents.EventBridgeEvent) error {
	return s.events.Handle(ctx, ev)
}

// Events is the mux of the events this context handles.
func (s *Service) Events() *events.Mux { return s.events }
