package auctions

import (
	"context"
	"errors"
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
)

// PlaceBidInput is an advertiser's sealed bid. AdvertiserID is implied by
// an advertiser's API key; a person names the advertiser they act for.
type PlaceBidInput struct {
	AdvertiserID string    `json:"advertiserId"`
	Amount       *int64    `json:"amount"`
	Currency     string    `json:"currency"`
	Creative     *Creative `json:"creative"`
}

// shape names every field missing from a bid at once; the rules on the
// values (CheckBid) need the auction.
func (in PlaceBidInput) shape(op string) error {
	var bad fault.Fields
	if in.Amount == nil {
		bad.Add("amount", "is required")
	}
	if in.Currency == "" {
		bad.Add("currency", "is required")
	}
	if in.Creative == nil {
		bad.Add("creative", "is required: imageUrl, clickUrl and altText")
	} else if err := bad.Include(CheckCreative(*in.Creative)); err != nil {
		return err
	}
	return bad.Err(op, "the bid has invalid fields")
}

// BidView is a bid as its own advertiser reads it.
type BidView struct {
	ID           string `json:"id"`
	AuctionID    string `json:"auctionId"`
	AdvertiserID string `json:"advertiserId"`
	// AdvertiserName names the bidder ("" when not known yet).
	AdvertiserName string       `json:"advertiserName"`
	Status         BidStatus    `json:"status"`
	Amount         int64        `json:"amount"`
	Currency       string       `json:"currency"`
	Creative       Creative     `json:"creative"`
	PlacedAt       string       `json:"placedAt"`
	UpdatedAt      string       `json:"updatedAt"`
	Hold           money.Amount `json:"hold"`
}

func bidView(it bidItem) BidView {
	v := BidView{ID: it.ID, AuctionID: it.AuctionID, AdvertiserID: it.AdvertiserID, Status: BidStatus(it.Status),
		Amount: it.Amount, Currency: it.Currency, Creative: Creative{CreativeID: it.CreativeID, ImageURL: it.ImageURL, ClickURL: it.ClickURL, AltText: it.AltText},
		PlacedAt: it.PlacedAt, UpdatedAt: it.UpdatedAt, Hold: money.Amount{Currency: it.Currency}}
	if it.Status == string(BidActive) {
		v.Hold.Minor = it.Amount
	}
	return v
}

// bidder resolves who bids: an advertiser's API key is that advertiser; a
// person must own the advertiser they name. Anyone else gets 404, as for
// any object they do not own.
func (s *Service) bidder(ctx context.Context, op string, p auth.Principal, advertiserID string) (owners.Account, error) {
	advertiserID, err := p.AdvertiserFor(op, advertiserID, "bid")
	if err != nil {
		return owners.Account{}, err
	}
	a, found, err := s.owners.Get(ctx, owners.Advertiser, advertiserID)
	if err != nil {
		return owners.Account{}, err
	}
	if !found || p.Kind == auth.KindUser && a.OwnerID != p.UserID {
		return owners.Account{}, fault.New(fault.NotFound, op, "no such advertiser")
	}
	return a, nil
}

// maxBidRetries bounds re-reads when the caller's own bid changed under it
// (two requests of one advertiser racing).
const maxBidRetries = 5

// errBidRaced means the bid or its hold changed since it was read.
var errBidRaced = errors.New("bid raced")

// PlaceBid places the caller's sealed bid, or replaces it: the hold moves
// by the difference in the same transaction as the bid.
func (s *Service) PlaceBid(ctx context.Context, p auth.Principal, auctionID string, in PlaceBidInput) (BidView, error) {
	const op = "auctions.PlaceBid"
	if !id.HasPrefix(auctionID, "auc") {
		return BidView{}, fault.New(fault.NotFound, op, "no such auction")
	}
	adv, err := s.bidder(ctx, op, p, in.AdvertiserID)
	if err != nil {
		return BidView{}, err
	}
	if err := in.shape(op); err != nil {
		return BidView{}, err
	}
	if err := s.resolveCreative(ctx, op, adv.ID, in.Creative, "creative."); err != nil {
		return BidView{}, err
	}
	for attempt := 0; attempt < maxBidRetries; attempt++ {
		v, err := s.placeBid(ctx, op, adv, auctionID, in)
		if err == errBidRaced {
			continue
		}
		return v, err
	}
	return BidView{}, fault.New(fault.Conflict, op, "your bid is changing too fast; retry")
}

func (s *Service) placeBid(ctx context.Context, op string, adv owners.Account, auctionID string, in PlaceBidInput) (BidView, error) {
	ait, found, err := s.repo.getAuction(ctx, auctionID)
	if err != nil {
		return BidView{}, err
	}
	if !found {
		return BidView{}, fault.New(fault.NotFound, op, "no such auction")
	}
	a := ait.auction()
	if err := s.refuseBlocked(ctx, op, a.CommunityID, adv.ID); err != nil {
		return BidView{}, err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	bidderCommunity := ""
	if c, found, err := s.owners.Get(ctx, owners.Community, a.CommunityID); err != nil {
		return BidView{}, err
	} else if found && c.OwnerID == adv.OwnerID {
		bidderCommunity = a.CommunityID // the community's owner bidding on its own slot
	}
	b := Bid{AuctionID: auctionID, AdvertiserID: adv.ID, Amount: money.Amount{Minor: *in.Amount, Currency: in.Currency}, Creative: *in.Creative}
	if err := CheckBid(a, Slot{CommunityID: a.CommunityID, Reserve: a.Reserve}, bidderCommunity, b, now); err != nil {
		return BidView{}, err
	}
	if adv.Currency != a.Reserve.Currency {
		return BidView{}, fault.InvalidFields(op, "the bid has invalid fields", fault.FieldError{Field: "currency", Message: "the advertiser's wallet is in " + adv.Currency + ", the auction in " + a.Reserve.Currency})
	}
	if err := s.ledger.RefuseInDebt(ctx, ledger.Advertiser(adv.ID), adv.Currency, op); err != nil {
		return BidView{}, err
	}
	prev, had, err := s.repo.getBid(ctx, auctionID, adv.ID)
	if err != nil {
		return BidView{}, err
	}
	it := bidItem{PK: "AUC#" + auctionID, SK: "BID#" + adv.ID, AuctionID: auctionID, AdvertiserID: adv.ID,
		Amount: b.Amount.Minor, Currency: b.Amount.Currency, ImageURL: b.Creative.ImageURL, CreativeID: b.Creative.CreativeID, ClickURL: b.Creative.ClickURL, AltText: b.Creative.AltText,
		UpdatedAt: clock.Format(now), Status: string(BidActive), Version: prev.Version + 1}
	var hold *ledger.Op
	var countDelta int64
	acct := ledger.Advertiser(adv.ID)
	if had && prev.Status == string(BidActive) {
		// A replacement: same bid, the hold moves by the difference. A new
		// amount is a new placement for ties; a new creative alone is not.
		it.ID, it.PlacedAt, it.HoldAdjustments = prev.ID, prev.PlacedAt, prev.HoldAdjustments
		if prev.Amount != it.Amount {
			it.PlacedAt, it.HoldAdjustments = clock.Format(now), prev.HoldAdjustments+1
			h := ledger.Hold{ID: prev.ID, Account: acct, Currency: prev.Currency, Amount: prev.Amount, State: ledger.HoldHeld, Adjustments: prev.HoldAdjustments}
			adj, err := s.ledger.PrepareAdjust(h, it.Amount, now)
			if err != nil {
				return BidView{}, fault.Wrap(op, err)
			}
			hold = &adj
		}
	} else {
		// A first bid, or a bid after a withdrawal: a new bid and hold.
		it.ID, it.PlacedAt, countDelta = id.New("bid", now), clock.Format(now), 1
		h, err := s.ledger.PrepareHold(it.ID, acct, it.Currency, it.Amount, now)
		if err != nil {
			return BidView{}, fault.Wrap(op, err)
		}
		hold = &h
	}
	it.LSI1SK = rankKey(it.Amount, clock.Parse(it.PlacedAt), it.ID)
	put, err := s.repo.bidPut(it, prev.Version)
	if err != nil {
		return BidView{}, err
	}
	evt, err := events.OutboxPut(s.repo.outbox, &events.BidPlaced{AuctionID: auctionID, BidID: it.ID, AdvertiserID: adv.ID, CommunityID: a.CommunityID}, now)
	if err != nil {
		return BidView{}, fault.Wrap(op, err)
	}
	tx := store.NewTx().Add("auction", s.repo.auctionOpenCheck(auctionID, adv.ID, now, countDelta)).Add("bid", put).Add("event", evt)
	if hold != nil {
		tx.AddParts(hold.Parts...)
	}
	if err := tx.Write(ctx, s.repo.db); err != nil {
		return BidView{}, s.explainBid(ctx, op, err, ait, hold)
	}
	return s.namedBid(ctx, bidView(it))
}

// explainBid turns a failed bid transaction into what the caller can act
// on: the auction no longer open (409 with its state), a lost race with
// the same advertiser (retry), or the ledger's refusal (funds).
func (s *Service) explainBid(ctx context.Context, op string, err error, ait auctionItem, hold *ledger.Op) error {
	tc, ok := err.(*store.TxCanceled)
	if !ok {
		return fault.Wrap(op, err)
	}
	if tc.Failed("auction") {
		state := Status(ait.Status)
		if now, _, err := s.repo.getAuction(ctx, ait.ID); err == nil {
			state = now.auction().statusAt(s.clock.Now())
		} else if state == Open {
			state = Closing
		}
		return &fault.Error{Kind: fault.Conflict, Op: op, State: string(state), Message: "the auction is not open for bids"}
	}
	if tc.Failed("bid") {
		return errBidRaced
	}
	if hold != nil {
		switch e := hold.Explain(err); {
		case e == nil:
		case fault.KindOf(e) == fault.InsufficientFunds:
			return &fault.Error{Kind: fault.InsufficientFunds, Op: op, Message: "the advertiser's available balance does not cover this bid"}
		default:
			return errBidRaced // the hold moved on (another request of this advertiser)
		}
	}
	return fault.Wrap(op, err)
}

// GetBid reads the caller's bid on an auction.
func (s *Service) GetBid(ctx context.Context, p auth.Principal, auctionID, advertiserID string) (BidView, error) {
	const op = "auctions.GetBid"
	if !id.HasPrefix(auctionID, "auc") {
		return BidView{}, fault.New(fault.NotFound, op, "no such bid")
	}
	adv, err := s.bidder(ctx, op, p, advertiserID)
	if err != nil {
		return BidView{}, err
	}
	it, found, err := s.repo.getBid(ctx, auctionID, adv.ID)
	if err != nil {
		return BidView{}, err
	}
	if !found {
		return BidView{}, fault.New(fault.NotFound, op, "no bid of this advertiser on this auction")
	}
	return s.namedBid(ctx, bidView(it))
}

// WithdrawBid withdraws the caller's active bid and releases its hold.
// Withdrawing a withdrawn bid answers it as it is.
func (s *Service) WithdrawBid(ctx context.Context, p auth.Principal, auctionID, advertiserID string) (BidView, error) {
	const op = "auctions.WithdrawBid"
	if !id.HasPrefix(auctionID, "auc") {
		return BidView{}, fault.New(fault.NotFound, op, "no such bid")
	}
	adv, err := s.bidder(ctx, op, p, advertiserID)
	if err != nil {
		return BidView{}, err
	}
	for attempt := 0; attempt < maxBidRetries; attempt++ {
		it, found, err := s.repo.getBid(ctx, auctionID, adv.ID)
		if err != nil {
			return BidView{}, err
		}
		if !found {
			return BidView{}, fault.New(fault.NotFound, op, "no bid of this advertiser on this auction")
		}
		if it.Status == string(BidWithdrawn) {
			return s.namedBid(ctx, bidView(it))
		}
		ait, _, err := s.repo.getAuction(ctx, auctionID)
		if err != nil {
			return BidView{}, err
		}
		now := s.clock.Now().Truncate(time.Millisecond)
		if it.Status != string(BidActive) || ait.auction().statusAt(now) != Open {
			return BidView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: string(ait.auction().statusAt(now)), Message: "a bid can be withdrawn only while the auction is open"}
		}
		rel, err := s.ledger.PrepareRelease(ledger.Hold{ID: it.ID, Account: ledger.Advertiser(adv.ID), Currency: it.Currency, Amount: it.Amount, State: ledger.HoldHeld, Adjustments: it.HoldAdjustments}, now)
		if err != nil {
			return BidView{}, fault.Wrap(op, err)
		}
		evt, err := events.OutboxPut(s.repo.outbox, &events.BidWithdrawn{AuctionID: auctionID, BidID: it.ID, AdvertiserID: adv.ID, CommunityID: ait.CommunityID}, now)
		if err != nil {
			return BidView{}, fault.Wrap(op, err)
		}
		tx := store.NewTx().Add("auction", s.repo.auctionOpenCheck(auctionID, adv.ID, now, -1)).
			Add("bid", s.repo.settleBid(it, BidWithdrawn, now)).Add("event", evt).AddParts(rel.Parts...)
		err = tx.Write(ctx, s.repo.db)
		if err == nil {
			it.Status, it.UpdatedAt, it.Version, it.LSI1SK = string(BidWithdrawn), clock.Format(now), it.Version+1, ""
			return s.namedBid(ctx, bidView(it))
		}
		if e := s.explainBid(ctx, op, err, ait, &rel); e != errBidRaced {
			return BidView{}, e
		}
	}
	return BidView{}, fault.New(fault.Conflict, op, "your bid is changing too fast; retry")
}
