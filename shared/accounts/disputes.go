package accounts

// Disputes (chargebacks, DESIGN §15). Opened: the disputed amount leaves
// the payer's available balance for platform:disputes; what available
// cannot cover becomes the payer's debt, repaid first from its next
// deposits. Won: the amount returns (repaying the debt first). Lost: it
// leaves to the card network. Each step is one transaction, once per
// dispute and step, whatever order Stripe's events arrive in.
//
//	pk             sk     item
//	DSP#<du_…>     META   the dispute: deposit, amount, status, what available covered

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/store"
)

// Dispute states.
const (
	DisputeOpen = "open"
	DisputeWon  = "won"
	DisputeLost = "lost"
)

type disputeItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	ID        string `dynamodbav:"id"`
	DepositID string `dynamodbav:"depositId"`
	Payer     string `dynamodbav:"payer"`
	Amount    int64  `dynamodbav:"amount"`
	Currency  string `dynamodbav:"currency"`
	Covered   int64  `dynamodbav:"covered"`
	Debt      int64  `dynamodbav:"debt"`
	Status    string `dynamodbav:"status"`
	Reason    string `dynamodbav:"reason,omitempty"`
	OpenedAt  string `dynamodbav:"openedAt"`
	ClosedAt  string `dynamodbav:"closedAt,omitempty"`
}

func disputePK(id string) string { return "DSP#" + id }

// depositOfPayment finds the deposit a Stripe payment credited.
func (s *Service) depositOfPayment(ctx context.Context, pi string) (depositItem, bool, error) {
	if pi == "" {
		return depositItem{}, false, nil
	}
	ix, found, err := store.Get[paymentItem](ctx, s.repo.db, s.repo.table, "PI#"+pi, skMeta)
	if err != nil || !found {
		return depositItem{}, false, fault.Wrap("accounts.depositOfPayment", err)
	}
	return s.repo.getDeposit(ctx, ix.DepositID)
}

// disputeOpened applies charge.dispute.created, once per dispute.
func (s *Service) disputeOpened(ctx context.Context, du payments.DisputeEvent) error {
	const op = "accounts.disputeOpened"
	if _, found, err := store.Get[disputeItem](ctx, s.repo.db, s.repo.table, disputePK(du.ID), skMeta); err != nil || found {
		return fault.Wrap(op, err)
	}
	d, found, err := s.depositOfPayment(ctx, du.PaymentIntent)
	if err != nil {
		return err
	}
	if !found {
		// Not a deposit of Souq's (another product's charge on the same
		// Stripe account): nothing to apply.
		return nil
	}
	payer, err := s.payerByKey(ctx, d.Payer)
	if err != nil {
		return err
	}
	amount := min(du.Amount, d.Amount)
	return s.takeOrOwe(ctx, owing{op: op, payer: payer, currency: d.Currency, amount: amount, guard: "dispute",
		transfer: func(legs []ledger.Leg, now time.Time) ledger.Transfer {
			return ledger.Transfer{ID: "txf_" + du.ID + "_opened", Kind: "dispute", Currency: d.Currency, At: now, ShardKey: du.ID,
				Legs: append([]ledger.Leg{{Account: ledger.PlatformDisputes, Available: amount}}, legs...), Memo: "card payment disputed (" + du.Reason + ")"}
		},
		parts: func(covered, owed int64, now time.Time) (*store.Tx, error) {
			m := events.Money{PayerKind: payer.Kind, PayerID: payer.ID, OwnerID: payer.OwnerID, Amount: money.Amount{Minor: amount, Currency: d.Currency}}
			ev, err := events.OutboxPut(s.repo.outbox, &events.DisputeOpened{Money: m, DisputeID: du.ID, DepositID: d.ID, FromAvailable: covered, Debt: owed, Reason: du.Reason}, now)
			if err != nil {
				return nil, err
			}
			it := disputeItem{PK: disputePK(du.ID), SK: skMeta, ID: du.ID, DepositID: d.ID, Payer: d.Payer, Amount: amount, Currency: d.Currency,
				Covered: covered, Debt: owed, Status: DisputeOpen, Reason: du.Reason, OpenedAt: ts(now)}
			return store.NewTx().Add("dispute", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.repo.table), Item: mustMarshal(it),
				ConditionExpression: aws.String("attribute_not_exists(pk)")}}).
				Add("deposit", types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.repo.table), Key: key(depositPK(d.ID), skMeta),
					UpdateExpression: aws.String("SET disputed = :x"), ExpressionAttributeValues: map[string]types.AttributeValue{":x": store.N(amount)}}}).
				Add("event", ev), nil
		}})
}

// disputeClosed applies charge.dispute.closed, once. A close that
// arrives before its open applies the open first.
func (s *Service) disputeClosed(ctx context.Context, du payments.DisputeEvent) error {
	const op = "accounts.disputeClosed"
	status := DisputeLost
	switch du.Status {
	case payments.DisputeWon:
		status = DisputeWon
	case payments.DisputeLost:
	default:
		return nil // warning_closed and the like move no money
	}
	for attempt := 0; ; attempt++ {
		it, found, err := store.Get[disputeItem](ctx, s.repo.db, s.repo.table, disputePK(du.ID), skMeta)
		if err != nil {
			return fault.Wrap(op, err)
		}
		if !found {
			if attempt > 0 {
				return nil // not a deposit of Souq's
			}
			if err := s.disputeOpened(ctx, du); err != nil {
				return err
			}
			continue
		}
		if it.Status != DisputeOpen {
			return nil
		}
		payer, err := s.payerByKey(ctx, it.Payer)
		if err != nil {
			return err
		}
		now := s.clock.Now().Truncate(time.Millisecond)
		var t ledger.Transfer
		repay, owed := int64(0), int64(0)
		if status == DisputeWon {
			if owed, err = s.owed(ctx, payer, it.Currency); err != nil {
				return err
			}
			repay = min(owed, it.Amount)
			legs := []ledger.Leg{{Account: ledger.PlatformDisputes, Available: -it.Amount}}
			if it.Amount-repay > 0 {
				legs = append(legs, ledger.Leg{Account: payer.Ledger(), Available: it.Amount - repay})
			}
			if repay > 0 {
				legs = append(legs, ledger.Leg{Account: payer.Debt(), Available: repay})
			}
			t = ledger.Transfer{ID: "txf_" + du.ID + "_won", Kind: "dispute_won", Currency: it.Currency, At: now, ShardKey: du.ID, Legs: legs, Memo: "dispute won: the money returns"}
		} else {
			t = ledger.Transfer{ID: "txf_" + du.ID + "_lost", Kind: "dispute_lost", Currency: it.Currency, At: now, ShardKey: du.ID,
				Legs: []ledger.Leg{{Account: ledger.PlatformDisputes, Available: -it.Amount}, {Account: ledger.ExternalDeposits, Available: it.Amount}},
				Memo: "dispute lost: the money went back to the card holder"}
		}
		lop, err := s.ledger.Prepare(t)
		if err != nil {
			return fault.Wrap(op, err)
		}
		m := events.Money{PayerKind: payer.Kind, PayerID: payer.ID, OwnerID: payer.OwnerID, Amount: money.Amount{Minor: it.Amount, Currency: it.Currency}}
		ev, err := events.OutboxPut(s.repo.outbox, &events.DisputeClosed{Money: m, DisputeID: du.ID, DepositID: it.DepositID, Status: status}, now)
		if err != nil {
			return fault.Wrap(op, err)
		}
		tx := store.NewTx().Add("dispute", types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(s.repo.table), Key: key(disputePK(du.ID), skMeta),
			UpdateExpression:          aws.String("SET #s = :st, closedAt = :at"),
			ConditionExpression:       aws.String("#s = :open"),
			ExpressionAttributeNames:  map[string]string{"#s": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":st": store.S(status), ":at": store.S(ts(now)), ":open": store.S(DisputeOpen)},
		}}).Add("event", ev).AddParts(lop.Parts...)
		if status == DisputeWon {
			tx.Add("deposit", types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.repo.table), Key: key(depositPK(it.DepositID), skMeta),
				UpdateExpression: aws.String("SET disputed = :zero"), ExpressionAttributeValues: map[string]types.AttributeValue{":zero": store.N(0)}}})
			if repay > 0 {
				parts, err := s.debtChanged(ctx, payer, it.Currency, owed-repay, now)
				if err != nil {
					return err
				}
				tx.AddParts(parts...)
			}
		}
		err = tx.Write(ctx, s.repo.db)
		if err == nil {
			s.afterBalanceChange(ctx, payer, it.Currency)
			return nil
		}
		if store.Failed(err, "dispute") || errors.Is(lop.Explain(err), ledger.ErrAlreadyApplied) {
			return nil
		}
		if fault.KindOf(lop.Explain(err)) == fault.Conflict && attempt < 5 {
			continue // the debt moved: read it again
		}
		return fault.Wrap(op, err)
	}
}
