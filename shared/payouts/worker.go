package payouts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/schedule"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/topology"
)

// ErrOutcomeUnknown is returned (to the bus, which retries) when the rail
// did not say whether a payout went through: it is neither paid nor failed.
var ErrOutcomeUnknown = errors.New("payouts: the rail's outcome is unknown; the payout stays in transit and is retried")

// Process pays one payout through the rail, at most once. It takes the
// payout (pending, or processing with an expired lease) by a write
// conditional on its revision, so only one worker processes it; calls the
// rail with the payout id as the idempotency key, retrying unknown
// outcomes with backoff; then records paid or, on a definite refusal,
// failed with the money back. A payout another worker holds, or that is
// settled, is left alone. Safe to run any number of times, concurrently.
func (s *Service) Process(ctx context.Context, payoutID string) error {
	const op = "payouts.Process"
	if s.stripe == nil {
		return fault.New(fault.Unavailable, op, "no payment rail")
	}
	it, err := s.acquire(ctx, payoutID)
	if err != nil || it == nil {
		return err
	}
	var receipt payments.Receipt
	for try := 1; ; try++ {
		receipt, err = s.stripe.Payout(ctx, payments.Transfer{ID: it.ID, Amount: moneyOf(*it), Destination: it.Destination,
			Metadata: map[string]string{"souq_owner": it.OwnerKind + ":" + it.OwnerID}})
		if err == nil || fault.KindOf(err) != fault.Unavailable || try >= MaxRailTries {
			break
		}
		s.cfg.Sleep(Backoff(try))
	}
	switch {
	case err == nil:
		return s.settle(ctx, op, *it, Paid, receipt.Reference, "")
	case fault.KindOf(err) == fault.UpstreamFailed:
		fe, _ := fault.As(err)
		return s.settle(ctx, op, *it, Failed, "", fe.Message)
	}
	// Unknown: give the lease back so that the bus's retry (or the sweep)
	// takes the payout again at once; the same idempotency key guards it.
	if rerr := s.release(ctx, *it); rerr != nil {
		return errors.Join(ErrOutcomeUnknown, err, rerr)
	}
	return errors.Join(ErrOutcomeUnknown, err)
}

// acquire takes a payout for this worker: nil when there is nothing to do.
func (s *Service) acquire(ctx context.Context, payoutID string) (*payoutItem, error) {
	const op = "payouts.acquire"
	for attempt := 0; attempt < 4; attempt++ {
		it, found, err := s.repo.payout(ctx, payoutID)
		if err != nil || !found {
			return nil, err
		}
		now := s.clock.Now().Truncate(time.Millisecond)
		switch Status(it.Status) {
		case Paid, Failed:
			return nil, nil // settled before: a redelivery
		case Processing:
			if now.Before(clock.Parse(it.LeaseUntil)) {
				return nil, nil // another worker holds it; the sweep takes it if that one dies
			}
		}
		next := it
		next.Status, next.Attempts, next.Rev, next.UpdatedAt = string(Processing), it.Attempts+1, it.Rev+1, clock.Format(now)
		next.LeaseUntil = clock.Format(now.Add(Lease))
		next.index(next.LeaseUntil)
		put, err := s.repo.putPayout(next, it.Rev)
		if err != nil {
			return nil, fault.Wrap(op, err)
		}
		err = store.NewTx().Add("payout", put).Write(ctx, s.repo.db)
		if store.Failed(err, "payout") {
			continue // another worker moved first: read again
		}
		if err != nil {
			return nil, fault.Wrap(op, err)
		}
		return &next, nil
	}
	return nil, nil
}

// release ends this worker's lease early (the outcome was unknown).
func (s *Service) release(ctx context.Context, it payoutItem) error {
	now := s.clock.Now().Truncate(time.Millisecond)
	next := it
	next.Rev, next.UpdatedAt, next.LeaseUntil = it.Rev+1, clock.Format(now), clock.Format(now)
	next.Reason = "the payment rail did not answer; retrying"
	next.index(next.LeaseUntil)
	put, err := s.repo.putPayout(next, it.Rev)
	if err != nil {
		return err
	}
	err = store.NewTx().Add("payout", put).Write(ctx, s.repo.db)
	if store.Failed(err, "payout") {
		return nil // someone took it over meanwhile
	}
	return err
}

// settle records the rail's definite answer with its ledger transfer and
// event, once: conditional on the revision this worker wrote.
func (s *Service) settle(ctx context.Context, op string, it payoutItem, to Status, reference, reason string) error {
	now := s.clock.Now().Truncate(time.Millisecond)
	next := it
	next.Status, next.Rev, next.UpdatedAt, next.LeaseUntil = string(to), it.Rev+1, clock.Format(now), ""
	next.Reference, next.Reason = reference, reason
	var legs []ledger.Leg
	var ev events.Event
	if to == Paid {
		next.PaidAt = clock.Format(now)
		legs = []ledger.Leg{{Account: ledger.InTransit(it.account()), Available: -it.Amount}, {Account: ledger.ExternalPayouts, Available: it.Amount}}
		ev = &events.PayoutPaid{Payout: s.event(it, "")}
	} else {
		legs = []ledger.Leg{{Account: ledger.InTransit(it.account()), Available: -it.Amount}, {Account: it.account(), Available: it.Amount}}
		ev = &events.PayoutFailed{Payout: s.event(it, reason)}
	}
	next.index("")
	put, err := s.repo.putPayout(next, it.Rev)
	if err != nil {
		return fault.Wrap(op, err)
	}
	tr, err := s.ledger.Prepare(ledger.Transfer{ID: "txf_" + it.ID + "_" + string(to), Kind: "payout_" + string(to), Currency: it.Currency, At: now, ShardKey: it.ID, Legs: legs})
	if err != nil {
		return fault.Wrap(op, err)
	}
	evt, err := events.OutboxPut(s.repo.outbox, ev, now)
	if err != nil {
		return fault.Wrap(op, err)
	}
	err = store.NewTx().Add("payout", put).Add("event", evt).AddParts(tr.Parts...).Write(ctx, s.repo.db)
	if store.Failed(err, "payout") {
		// Our lease ran out and another worker took over: it calls the
		// rail with the same idempotency key and records the same outcome.
		return nil
	}
	return fault.Wrap(op, err)
}

func moneyOf(it payoutItem) money.Amount {
	return money.Amount{Minor: it.Amount, Currency: it.Currency}
}

// sweepJob is the payload of the periodic sweep.
type sweepJob struct {
	Job string `json:"job"`
}

// JobSweep re-drives payouts the worker should have finished with.
const JobSweep = topology.JobSweepPayouts

// Check implements schedule.Checker.
func (j sweepJob) Check() error {
	if j.Job != JobSweep {
		return errors.New("not the sweep")
	}
	return nil
}

// maxSweep bounds one sweep; the next one takes the rest.
const maxSweep = 100

// HandleScheduled runs the sweep: every open payout past its due time (a
// pending one the bus never delivered, a processing one whose worker died
// or whose outcome was unknown) is processed again. It goes on past a
// payout that fails and reports them all.
func (s *Service) HandleScheduled(ctx context.Context, payload json.RawMessage) error {
	return schedule.Handle("payouts", s.sweep)(ctx, payload)
}

func (s *Service) sweep(ctx context.Context, _ sweepJob) error {
	now := clock.Format(s.clock.Now())
	due, err := store.QueryAll[payoutItem](ctx, s.repo.db, &dynamodb.QueryInput{
		TableName: aws.String(s.repo.table), IndexName: aws.String(IndexOpen),
		KeyConditionExpression:    aws.String("gsi2pk = :p AND gsi2sk < :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("OPEN"), ":now": store.S(now)},
		Limit:                     aws.Int32(maxSweep),
	}, 1)
	if err != nil {
		return fault.Wrap("payouts.sweep", err)
	}
	var errs []error
	for _, it := range due {
		if err := s.Process(ctx, it.ID); err != nil {
			errs = append(errs, fmt.Errorf("payout %s: %w", it.ID, err))
		}
	}
	return errors.Join(errs...)
}
