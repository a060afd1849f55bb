package auctions

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/schedule"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/topology"
)

// Scheduled jobs: an auction's close, and the sweep that finishes closes
// stuck in closing.
const (
	JobClose = "close-auction"
	JobSweep = topology.JobSweepClosing
)

// Job is the payload of a schedule this function made.
type Job struct {
	Job       string `json:"job"`
	AuctionID string `json:"auctionId"`
}

// Check implements schedule.Checker: a sweep, or a close with its auction.
func (j Job) Check() error {
	if j.Job != JobSweep && (j.Job != JobClose || j.AuctionID == "") {
		return errors.New("neither the sweep nor a close with its auction")
	}
	return nil
}

// closeScheduleName is unique per auction: scheduling twice schedules once.
func closeScheduleName(auctionID string) string { return "close-" + auctionID }

// HandleScheduled runs a schedule's job. An error asks the scheduler to
// retry; a job it cannot read is logged by the caller and dropped.
func (s *Service) HandleScheduled(ctx context.Context, payload json.RawMessage) error {
	return schedule.Handle("auctions", func(ctx context.Context, j Job) error {
		if j.Job == JobSweep {
			return s.SweepClosing(ctx)
		}
		return s.CloseAuction(ctx, j.AuctionID)
	})(ctx, payload)
}

// SweepClosing runs the close again for every auction left closing (its
// schedule gave up after its retries): a close is resumable, so this
// finishes it. It returns the first error after trying them all.
func (s *Service) SweepClosing(ctx context.Context) error {
	var first error
	cursor := ""
	for page := 0; page < 100; page++ {
		items, next, err := s.repo.listAuctions(ctx, ListFilter{Status: Closing}, 100, cursor)
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := s.CloseAuction(ctx, it.ID); err != nil && first == nil {
				first = err
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return first
}

// Close phases, each idempotent and each resumable by running the close
// again (a duplicated, late or concurrent schedule does exactly that):
//
//  1. open → closing: a conditional write; from here no bid commits.
//  2. decide: read the two best bids (one O(1) Query), capture the winner's
//     hold at the price (fee to platform:fees, the rest to the community),
//     book the flight, mark the auction decided — one transaction, once.
//  3. settle: release every other active bid's hold, in transactions of
//     up to releaseBatch bids, each conditional on the bid being active.
//  4. closing → closed, with AuctionClosed, once.
const releaseBatch = 16 // 6 items a bid: 96 of a transaction's 100

// CloseAuction closes an auction exactly once. It returns an error only
// when running it again later may succeed.
func (s *Service) CloseAuction(ctx context.Context, auctionID string) error {
	const op = "auctions.CloseAuction"
	for step := 0; step < 8; step++ {
		it, found, err := s.repo.getAuction(ctx, auctionID)
		if err != nil {
			return err
		}
		if !found {
			return nil // the schedule of an auction whose creation failed
		}
		now := s.clock.Now().Truncate(time.Millisecond)
		switch Status(it.Status) {
		case Closed:
			return nil
		case Cancelled:
			// The cancel released the holds; finish the job if it stopped.
			_, err := s.settleBids(ctx, it, BidReleased, now)
			return err
		case Open:
			if now.Before(clock.Parse(it.ClosesAt)) {
				return fault.New(fault.Unavailable, op, "the auction closes at "+it.ClosesAt+"; too early")
			}
			if err := s.repo.setStatus(ctx, it, Open, Closing, now, nil); err != nil && err != errStatusMoved {
				return err
			}
			continue // re-read: ours or another closer's change
		case Closing:
			if !it.Decided {
				if err := s.decide(ctx, it, now); err != nil {
					return err
				}
				continue
			}
			bidders, err := s.settleBids(ctx, it, BidLost, now)
			if err != nil {
				return err
			}
			evt := &events.AuctionClosed{AuctionID: it.ID, SlotID: it.SlotID, CommunityID: it.CommunityID, BidderIDs: bidders,
				WinnerAdvertiserID: it.WinnerAdvertiserID, WinningBidID: it.WinnerBidID, FlightID: it.FlightID}
			if it.WinnerBidID != "" {
				evt.ClearingPrice = &money.Amount{Minor: it.Price, Currency: it.Currency}
			}
			put, err := events.OutboxPut(s.repo.outbox, evt, now)
			if err != nil {
				return fault.Wrap(op, err)
			}
			if err := s.repo.setStatus(ctx, it, Closing, Closed, now, &put); err != nil && err != errStatusMoved {
				return err
			}
			return nil
		default:
			return fault.New(fault.Internal, op, "auction "+it.ID+" is in unknown state "+it.Status)
		}
	}
	return fault.New(fault.Unavailable, op, "the close did not settle; it will be retried")
}

// decide reads the winner and runner-up and, in one transaction, records
// the decision, settles the winner's hold and books the flight.
func (s *Service) decide(ctx context.Context, it auctionItem, now time.Time) error {
	const op = "auctions.decide"
	top, err := s.repo.topBids(ctx, it.ID)
	if err != nil {
		return err
	}
	bids := make([]Bid, len(top))
	for i, b := range top {
		bids[i] = b.bid()
	}
	a := it.auction()
	res, err := Close(a, bids)
	if err != nil {
		return fault.Wrap(op, err)
	}
	count, err := s.repo.countBids(ctx, it.ID)
	if err != nil {
		return err
	}
	set := "SET decided = :t, bids = :n"
	vals := map[string]types.AttributeValue{":t": &types.AttributeValueMemberBOOL{Value: true}, ":closing": store.S(string(Closing)), ":n": store.N(int64(count))}
	tx := store.NewTx()
	if res.Winner != nil {
		w := top[0]
		fid := flightID(it.ID)
		set += ", winnerBidId = :b, winnerAdvertiserId = :adv, price = :price, flightId = :f"
		vals[":b"], vals[":adv"], vals[":price"], vals[":f"] = store.S(w.ID), store.S(w.AdvertiserID), store.N(res.Price.Minor), store.S(fid)
		fee, toCommunity, err := Fee(res.Price, s.feeBps())
		if err != nil {
			return fault.Wrap(op, err)
		}
		h := ledger.Hold{ID: w.ID, Account: ledger.Advertiser(w.AdvertiserID), Currency: w.Currency, Amount: w.Amount, State: ledger.HoldHeld, Adjustments: w.HoldAdjustments}
		capture, err := s.ledger.PrepareCaptureAs(h, "flight_capture", []ledger.Credit{
			{Account: ledger.PlatformFees, Amount: fee.Minor},
			{Account: ledger.Community(it.CommunityID), Amount: toCommunity.Minor, Fee: fee.Minor},
		}, now)
		if err != nil {
			return fault.Wrap(op, err)
		}
		flights, err := s.repo.flightPuts(flightItem{ID: fid, AuctionID: it.ID, SlotID: it.SlotID, CommunityID: it.CommunityID,
			AdvertiserID: w.AdvertiserID, BidID: w.ID, FlightStart: it.FlightStart, FlightEnd: it.FlightEnd,
			Price: res.Price.Minor, Currency: res.Price.Currency, ImageURL: w.ImageURL, ClickURL: w.ClickURL, AltText: w.AltText}, now)
		if err != nil {
			return err
		}
		tx.Add("winner", s.repo.settleBid(w, BidWon, now)).AddParts(flights...).AddParts(capture.Parts...)
	}
	tx.Add("decision", types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.repo.table), Key: auctionKey(it.ID),
		UpdateExpression:         aws.String(set),
		ConditionExpression:      aws.String("#s = :closing AND attribute_not_exists(decided)"),
		ExpressionAttributeNames: map[string]string{"#s": "status"}, ExpressionAttributeValues: vals,
	}})
	err = tx.Write(ctx, s.repo.db)
	if store.Failed(err, "decision") {
		return nil // another closer decided first
	}
	return fault.Wrap(op, err)
}

func (s *Service) feeBps() int64 { return s.cfg.FeeBps }

// settleBids moves every active bid of the auction to status `to`,
// releasing its hold, and returns the advertisers whose bids took part to
// the end (won, lost or released). A batch that fails because a
// concurrent closer settled some of its bids is redone bid by bid.
func (s *Service) settleBids(ctx context.Context, it auctionItem, to BidStatus, now time.Time) ([]string, error) {
	const op = "auctions.settleBids"
	bidders := []string{}
	var start map[string]types.AttributeValue
	for page := 0; page < 10_000; page++ {
		bids, next, err := s.repo.bidsPage(ctx, it.ID, start, 100)
		if err != nil {
			return nil, err
		}
		var active []bidItem
		for _, b := range bids {
			switch BidStatus(b.Status) {
			case BidActive:
				active = append(active, b)
				bidders = append(bidders, b.AdvertiserID)
			case BidWon, BidLost, BidReleased:
				bidders = append(bidders, b.AdvertiserID)
			}
		}
		for len(active) > 0 {
			n := min(releaseBatch, len(active))
			batch := active[:n]
			active = active[n:]
			tx := store.NewTx()
			for _, b := range batch {
				rel, err := s.releaseParts(b, to, now)
				if err != nil {
					return nil, fault.Wrap(op, err)
				}
				tx.AddParts(rel...)
			}
			if err := tx.Write(ctx, s.repo.db); err == nil {
				continue
			}
			for _, b := range batch {
				rel, err := s.releaseParts(b, to, now)
				if err != nil {
					return nil, fault.Wrap(op, err)
				}
				err = store.NewTx().AddParts(rel...).Write(ctx, s.repo.db)
				if _, raced := err.(*store.TxCanceled); err != nil && !raced {
					return nil, fault.Wrap(op, err)
				}
				// A cancelled transaction here means the bid or its hold
				// was settled by a concurrent closer: what we wanted.
			}
		}
		if next == nil {
			return bidders, nil
		}
		start = next
	}
	return nil, fault.New(fault.Internal, op, "too many bids to settle")
}

func (s *Service) releaseParts(b bidItem, to BidStatus, now time.Time) ([]store.Part, error) {
	h := ledger.Hold{ID: b.ID, Account: ledger.Advertiser(b.AdvertiserID), Currency: b.Currency, Amount: b.Amount, State: ledger.HoldHeld, Adjustments: b.HoldAdjustments}
	rel, err := s.ledger.PrepareRelease(h, now)
	if err != nil {
		return nil, err
	}
	return append([]store.Part{{Name: "bid " + b.ID, Item: s.repo.settleBid(b, to, now)}}, rel.Parts...), nil
}
