package accounts

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/store"
)

// owing is money that leaves a payer whatever its balance (a dispute, a
// refund made in Stripe's dashboard): covered from available, and what
// available cannot cover owed as the payer's debt.
type owing struct {
	op       string
	payer    Payer
	currency string
	amount   int64
	// transfer is the movement with the payer's legs (available, debt)
	// added to it.
	transfer func(payerLegs []ledger.Leg, now time.Time) ledger.Transfer
	// parts is the caller's own items (its state, its event), of which
	// the one named guard failing means it was applied before.
	parts func(covered, owed int64, now time.Time) (*store.Tx, error)
	guard string
}

// takeOrOwe applies an owing once, in one transaction: the payer's debt
// and PayerDebtChanged with it when available falls short. A balance that
// moved under it is read again.
func (s *Service) takeOrOwe(ctx context.Context, o owing) error {
	for attempt := 0; ; attempt++ {
		b, err := s.ledger.Balance(ctx, o.payer.Ledger(), o.currency)
		if err != nil {
			return err
		}
		covered := min(max(b.Available, 0), o.amount)
		short := o.amount - covered
		now := s.clock.Now().Truncate(time.Millisecond)
		var legs []ledger.Leg
		if covered > 0 {
			legs = append(legs, ledger.Leg{Account: o.payer.Ledger(), Available: -covered})
		}
		if short > 0 {
			legs = append(legs, ledger.Leg{Account: o.payer.Debt(), Available: -short})
		}
		t, err := s.ledger.Prepare(o.transfer(legs, now))
		if err != nil {
			return fault.Wrap(o.op, err)
		}
		tx, err := o.parts(covered, short, now)
		if err != nil {
			return fault.Wrap(o.op, err)
		}
		tx.AddParts(t.Parts...)
		if short > 0 {
			owed, err := s.owed(ctx, o.payer, o.currency)
			if err != nil {
				return err
			}
			parts, err := s.debtChanged(ctx, o.payer, o.currency, owed+short, now)
			if err != nil {
				return err
			}
			tx.AddParts(parts...)
		}
		err = tx.Write(ctx, s.repo.db)
		switch {
		case err == nil:
			s.afterBalanceChange(ctx, o.payer, o.currency)
			return nil
		case store.Failed(err, o.guard) || errors.Is(t.Explain(err), ledger.ErrAlreadyApplied):
			return nil
		case t.InsufficientFunds(err) && attempt < 5:
			continue // spent meanwhile: cover again
		}
		return fault.Wrap(o.op, err)
	}
}

// debtChanged is the event that tells the other contexts a payer's debt
// moved (campaigns pause and resume on it), to join the transaction
// that moves it.
func (s *Service) debtChanged(ctx context.Context, p Payer, currency string, owedAfter int64, at time.Time) ([]store.Part, error) {
	evt, err := events.OutboxPut(s.repo.outbox, &events.PayerDebtChanged{
		Money: events.Money{PayerKind: p.Kind, PayerID: p.ID, OwnerID: p.OwnerID, Amount: money.Amount{Minor: owedAfter, Currency: currency}},
		Debt:  owedAfter,
	}, at)
	if err != nil {
		return nil, fault.Wrap("accounts.debtChanged", err)
	}
	flag := types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.repo.table), Key: key(payerPK(p.Key()), skMeta),
		UpdateExpression:          aws.String("SET inDebt = :d, kind = :k, id = :id, ownerId = :o"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": &types.AttributeValueMemberBOOL{Value: owedAfter > 0}, ":k": store.S(p.Kind), ":id": store.S(p.ID), ":o": store.S(p.OwnerID)},
	}}
	return []store.Part{{Name: "debt event", Item: evt}, {Name: "debt flag", Item: flag}}, nil
}

// repayFromAvailable repays a payer's debt from its available balance,
// as soon as money reaches it (a hold released, a campaign ended,
// earnings): money that comes back is not spent or refunded while the
// payer owes Souq. The ledger's conditions (available stays ≥ 0, the debt
// never above 0) make racing repayments safe.
func (s *Service) repayFromAvailable(ctx context.Context, p Payer, currency string) error {
	const op = "accounts.repayFromAvailable"
	for attempt := 0; attempt < 5; attempt++ {
		owed, err := s.owed(ctx, p, currency)
		if err != nil {
			return err
		}
		b, err := s.ledger.Balance(ctx, p.Ledger(), currency)
		if err != nil {
			return err
		}
		x := min(owed, b.Available)
		if x <= 0 {
			if owed <= 0 {
				// Repaid meanwhile: the flag follows the debt.
				parts, err := s.debtChanged(ctx, p, currency, 0, s.clock.Now())
				if err != nil {
					return err
				}
				return fault.Wrap(op, store.NewTx().AddParts(parts[1]).Write(ctx, s.repo.db))
			}
			return nil
		}
		now := s.clock.Now().Truncate(time.Millisecond)
		t, err := s.ledger.Prepare(ledger.Transfer{ID: "txf_" + id.New("rpy", now), Kind: "debt_repaid", Currency: currency, At: now,
			Legs: []ledger.Leg{{Account: p.Ledger(), Available: -x}, {Account: p.Debt(), Available: x}}, Memo: "repays what the account owed"})
		if err != nil {
			return fault.Wrap(op, err)
		}
		parts, err := s.debtChanged(ctx, p, currency, owed-x, now)
		if err != nil {
			return err
		}
		err = store.NewTx().AddParts(t.Parts...).AddParts(parts...).Write(ctx, s.repo.db)
		if err == nil {
			return nil
		}
		if !t.InsufficientFunds(err) && fault.KindOf(t.Explain(err)) != fault.Conflict {
			return fault.Wrap(op, err)
		}
	}
	return fault.New(fault.Conflict, op, "the balance kept changing; the next change repays the debt")
}
