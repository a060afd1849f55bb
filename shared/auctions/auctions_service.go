package auctions

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/idempotency"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/store"
)

// OpenAuctionInput is what an owner sends to auction a flight.
type OpenAuctionInput struct {
	FlightStart time.Time `json:"flightStart"`
	FlightEnd   time.Time `json:"flightEnd"`
	ClosesAt    time.Time `json:"closesAt"`
}

// AuctionView is an auction as anyone may read it: never a bidder's
// identity or amount before close.
type AuctionView struct {
	ID          string `json:"id"`
	SlotID      string `json:"slotId"`
	CommunityID string `json:"communityId"`
	// The community's name and the slot's name and size ("300×250"),
	// so that people read where the flight runs ("" when not known yet).
	CommunityName string       `json:"communityName"`
	SlotName      string       `json:"slotName"`
	SlotSize      string       `json:"slotSize"`
	Status        Status       `json:"status"`
	FlightStart   string       `json:"flightStart"`
	FlightEnd     string       `json:"flightEnd"`
	ClosesAt      string       `json:"closesAt"`
	Reserve       money.Amount `json:"reserve"`
	Format        Format       `json:"format"`
	CreatedAt     string       `json:"createdAt"`
	// After close only (transparency): the number of bids, the clearing
	// price and the winner; never a losing bidder or an amount bid.
	Bids          *int          `json:"bids,omitempty"`
	ClearingPrice *money.Amount `json:"clearingPrice,omitempty"`
	Winner        *Winner       `json:"winner"`
	FlightID      string        `json:"flightId,omitempty"`
	ClosedAt      string        `json:"closedAt,omitempty"`
}

// Winner is who won a closed auction.
type Winner struct {
	AdvertiserID   string `json:"advertiserId"`
	AdvertiserName string `json:"advertiserName"`
	BidID          string `json:"bidId"`
}

func (s *Service) auctionView(it auctionItem) AuctionView {
	a := it.auction()
	v := AuctionView{ID: it.ID, SlotID: it.SlotID, CommunityID: it.CommunityID, Status: a.statusAt(s.clock.Now()),
		FlightStart: it.FlightStart, FlightEnd: it.FlightEnd, ClosesAt: it.ClosesAt,
		Reserve: a.Reserve, Format: a.Format, CreatedAt: it.CreatedAt}
	if a.Status == Closed {
		n := it.Bids
		v.Bids, v.ClosedAt = &n, it.ClosedAt
		if it.WinnerBidID != "" {
			v.ClearingPrice = &money.Amount{Minor: it.Price, Currency: it.Currency}
			v.Winner = &Winner{AdvertiserID: it.WinnerAdvertiserID, BidID: it.WinnerBidID}
			v.FlightID = it.FlightID
		}
	}
	return v
}

// maxOpenRetries bounds re-reads when another open raced ours.
const maxOpenRetries = 5

// OpenAuction opens an auction for a flight of a slot the caller owns,
// refusing (409) a flight that overlaps one not cancelled.
func (s *Service) OpenAuction(ctx context.Context, p auth.Principal, slotID string, in OpenAuctionInput) (AuctionView, error) {
	const op = "auctions.OpenAuction"
	if !id.HasPrefix(slotID, "slot") {
		return AuctionView{}, fault.New(fault.NotFound, op, "no such slot")
	}
	key := api.RequestKey(ctx)
	if v, found, err := s.keyedAuction(ctx, op, key); err != nil || found {
		return v, err // this very request opened its auction already: answer that one
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	var missing fault.Fields
	for _, f := range []struct {
		name string
		at   time.Time
	}{{"flightStart", in.FlightStart}, {"flightEnd", in.FlightEnd}, {"closesAt", in.ClosesAt}} {
		if f.at.IsZero() {
			missing.Add(f.name, "is required: an RFC 3339 time such as 2026-12-01T10:00:00Z")
		}
	}
	if err := missing.Err(op, "the auction has invalid times"); err != nil {
		return AuctionView{}, err
	}
	flight := Flight{Start: in.FlightStart.UTC(), End: in.FlightEnd.UTC()}
	if err := CheckFlight(flight, in.ClosesAt, now); err != nil {
		return AuctionView{}, err
	}
	auctionID := ""
	for attempt := 0; attempt < maxOpenRetries; attempt++ {
		if key.Name != "" && attempt > 0 {
			// A run of this very request opened its auction meanwhile.
			if v, found, err := s.keyedAuction(ctx, op, key); err != nil || found {
				return v, err
			}
		}
		sl, found, err := s.repo.getSlot(ctx, slotID)
		if err != nil {
			return AuctionView{}, err
		}
		if !found {
			return AuctionView{}, fault.New(fault.NotFound, op, "no such slot")
		}
		if _, err := s.owned(ctx, op, p, sl.CommunityID); err != nil {
			return AuctionView{}, fault.New(fault.NotFound, op, "no such slot")
		}
		if sl.Archived {
			return AuctionView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: "archived", Message: "the slot is archived"}
		}
		flights, err := s.repo.slotFlights(ctx, slotID)
		if err != nil {
			return AuctionView{}, err
		}
		for _, f := range flights {
			if f.holdsWindow() && flight.Overlaps(Flight{Start: clock.Parse(f.FlightStart), End: clock.Parse(f.FlightEnd)}) {
				return AuctionView{}, &fault.Error{Kind: fault.Conflict, Op: op, Message: "the flight overlaps auction " + f.ID + " of this slot"}
			}
		}
		slot, _, _ := sl.slot()
		if auctionID == "" {
			auctionID = id.New("auc", now)
			// The close is scheduled before the auction exists: a schedule
			// without its auction closes nothing, an auction without its
			// schedule would never close.
			job, _ := json.Marshal(Job{Job: JobClose, AuctionID: auctionID})
			if err := s.sched.Once(ctx, closeScheduleName(auctionID), in.ClosesAt.UTC(), s.cfg.Self, job); err != nil {
				return AuctionView{}, fault.Wrap(op, err)
			}
		}
		it := auctionItem{ID: auctionID, SlotID: slotID, CommunityID: sl.CommunityID,
			FlightStart: clock.Format(flight.Start), FlightEnd: clock.Format(flight.End), ClosesAt: clock.Format(in.ClosesAt.UTC()),
			Status: string(Open), Reserve: slot.Reserve.Minor, Currency: slot.Reserve.Currency, Format: string(slot.Format),
			CreatedAt: clock.Format(now)}
		it.PK, it.SK = "AUC#"+it.ID, "META"
		it.GSI1PK, it.GSI1SK = "COM#"+sl.CommunityID+"#AUCS", it.ID
		it.GSI2PK, it.GSI2SK = "STATUS#"+string(Open), it.ID
		evt, err := events.OutboxPut(s.repo.outbox, &events.AuctionOpened{AuctionID: it.ID, SlotID: slotID, CommunityID: sl.CommunityID,
			Reserve: slot.Reserve, FlightStart: it.FlightStart, FlightEnd: it.FlightEnd, ClosesAt: it.ClosesAt}, now)
		if err != nil {
			return AuctionView{}, fault.Wrap(op, err)
		}
		var marks []types.TransactWriteItem
		if key.Name != "" {
			marks = append(marks, store.KeyMark(s.repo.table, key.Name, key.Fingerprint, it.ID, now, now.Add(idempotency.TTL)))
		}
		err = s.repo.insertAuction(ctx, sl.Version, it, evt, marks...)
		if err == errSlotChanged || err == errKeyed {
			continue // another open or an update won the race, or this very request's first run did: look again
		}
		if err != nil {
			return AuctionView{}, err
		}
		return s.named(ctx, s.auctionView(it))
	}
	return AuctionView{}, fault.New(fault.Conflict, op, "the slot is changing too fast; retry")
}

// keyedAuction is the auction a keyed request (api.RequestKey) opened on
// an earlier run (found false: none, or no key).
func (s *Service) keyedAuction(ctx context.Context, op string, key api.Key) (AuctionView, bool, error) {
	v, found, err := store.Keyed(ctx, s.repo.db, s.repo.table, key.Name, key.Fingerprint, s.clock.Now(),
		func(id string) (AuctionView, error) { return s.GetAuction(ctx, id) })
	return v, found, fault.Wrap(op, err)
}

// GetAuction reads an auction (public).
func (s *Service) GetAuction(ctx context.Context, auctionID string) (AuctionView, error) {
	if !id.HasPrefix(auctionID, "auc") {
		return AuctionView{}, fault.New(fault.NotFound, "auctions.GetAuction", "no such auction")
	}
	it, found, err := s.repo.getAuction(ctx, auctionID)
	if err != nil {
		return AuctionView{}, err
	}
	if !found {
		return AuctionView{}, fault.New(fault.NotFound, "auctions.GetAuction", "no such auction")
	}
	return s.named(ctx, s.auctionView(it))
}

// ListFilter selects auctions.
type ListFilter struct {
	Status      Status
	CommunityID string
	SlotID      string
}

// ListAuctions pages through auctions, newest first.
func (s *Service) ListAuctions(ctx context.Context, f ListFilter, limit int, cursor string) ([]AuctionView, string, error) {
	const op = "auctions.ListAuctions"
	switch f.Status {
	case "", Open, Closing, Closed, Cancelled:
	default:
		return nil, "", fault.InvalidFields(op, "the query has invalid fields", fault.FieldError{Field: "status", Message: "must be open, closing, closed or cancelled"})
	}
	if f.CommunityID != "" && !id.HasPrefix(f.CommunityID, "com") || f.SlotID != "" && !id.HasPrefix(f.SlotID, "slot") {
		return []AuctionView{}, "", nil
	}
	items, next, err := s.repo.listAuctions(ctx, f, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]AuctionView, 0, len(items))
	n := s.namer()
	for _, it := range items {
		v, err := n.auction(ctx, s.auctionView(it))
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	return out, next, nil
}

// CancelAuction cancels an open auction of a slot the caller owns, before
// its close. (When bids exist, their holds are released in the same step.)
func (s *Service) CancelAuction(ctx context.Context, p auth.Principal, auctionID string) (AuctionView, error) {
	const op = "auctions.CancelAuction"
	if !id.HasPrefix(auctionID, "auc") {
		return AuctionView{}, fault.New(fault.NotFound, op, "no such auction")
	}
	it, found, err := s.repo.getAuction(ctx, auctionID)
	if err != nil {
		return AuctionView{}, err
	}
	if !found {
		return AuctionView{}, fault.New(fault.NotFound, op, "no such auction")
	}
	if _, err := s.owned(ctx, op, p, it.CommunityID); err != nil {
		return AuctionView{}, fault.New(fault.NotFound, op, "no such auction")
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	if it.Status == string(Cancelled) {
		if _, err := s.settleBids(ctx, it, BidReleased, now); err != nil {
			return AuctionView{}, err
		}
		return s.named(ctx, s.auctionView(it))
	}
	evt, err := events.OutboxPut(s.repo.outbox, &events.AuctionCancelled{AuctionID: it.ID, SlotID: it.SlotID, CommunityID: it.CommunityID}, now)
	if err != nil {
		return AuctionView{}, fault.Wrap(op, err)
	}
	if err := s.repo.cancelAuction(ctx, it, now, evt); err != nil {
		if fe, ok := fault.As(err); ok && fe.Kind == fault.Conflict {
			fe.State = string(it.auction().statusAt(now))
		}
		return AuctionView{}, err
	}
	it.Status = string(Cancelled)
	if _, err := s.settleBids(ctx, it, BidReleased, now); err != nil {
		return AuctionView{}, err
	}
	_ = s.sched.Cancel(ctx, closeScheduleName(it.ID)) // best effort: the close re-checks the status
	return s.named(ctx, s.auctionView(it))
}
