package memberships

// An owner's refund of a member's payment (DESIGN §17), whole or in
// part, once per Idempotency-Key. The money comes back the way it went:
// the community's part (the payment's share of it) from its available
// balance, its debt where that falls short (netted from later earnings),
// and Souq's fee part from its fees, in one transaction with the
// payment's refunded total (never above what was paid) and the event.
// Then Stripe refunds the card; a refusal puts every part back.

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/accounts"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/defects"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/store"
)

// Refund statuses.
const (
	RefundPending   = "pending"
	RefundSucceeded = "succeeded"
	RefundFailed    = "failed"
)

// RefundInput is how much of a payment to refund.
type RefundInput struct {
	Amount *money.Amount `json:"amount"`
}

// RefundView is an owner's refund of a payment.
type RefundView struct {
	ID        string       `json:"id"`
	PaymentID string       `json:"paymentId"`
	Amount    money.Amount `json:"amount"`
	// Share came from the community (Owed of it as its debt), Fee from
	// Souq's fee.
	Share     money.Amount `json:"share"`
	Fee       money.Amount `json:"fee"`
	Owed      money.Amount `json:"owed"`
	Status    string       `json:"status"`
	CreatedAt time.Time    `json:"createdAt"`
}

type refundItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	ID        string `dynamodbav:"id"`
	PaymentID string `dynamodbav:"paymentId"`
	Amount    int64  `dynamodbav:"amount"`
	Share     int64  `dynamodbav:"share"`
	Fee       int64  `dynamodbav:"fee"`
	Covered   int64  `dynamodbav:"covered"`
	Owed      int64  `dynamodbav:"owed"`
	Currency  string `dynamodbav:"currency"`
	Status    string `dynamodbav:"status"`
	StripeID  string `dynamodbav:"stripeId,omitempty"`
	CreatedAt string `dynamodbav:"createdAt"`
}

func (r refundItem) view() RefundView {
	amt := func(x int64) money.Amount { return money.Amount{Minor: x, Currency: r.Currency} }
	return RefundView{ID: r.ID, PaymentID: r.PaymentID, Amount: amt(r.Amount), Share: amt(r.Share), Fee: amt(r.Fee), Owed: amt(r.Owed),
		Status: r.Status, CreatedAt: clock.Parse(r.CreatedAt)}
}

// RefundPayment refunds (part of) a payment of one of the owner's members.
func (s *Service) RefundPayment(ctx context.Context, p auth.Principal, paymentID, idempotencyKey string, in RefundInput) (RefundView, error) {
	const op = "memberships.RefundPayment"
	if err := s.moneyReady(op); err != nil {
		return RefundView{}, err
	}
	if !id.HasPrefix(paymentID, "mpay") {
		return RefundView{}, fault.New(fault.NotFound, op, "no such payment")
	}
	pay, found, err := s.repo.payment(ctx, paymentID)
	if err != nil {
		return RefundView{}, fault.Wrap(op, err)
	}
	if !found || p.Kind != auth.KindUser || p.UserID != pay.OwnerID {
		return RefundView{}, fault.New(fault.NotFound, op, "no such payment")
	}
	left := pay.Amount - pay.Refunded
	switch {
	case in.Amount == nil:
		return RefundView{}, fault.InvalidFields(op, "the refund has invalid fields", fault.FieldError{Field: "amount", Message: "is required: how much of the payment to give back"})
	case in.Amount.Currency != pay.Currency:
		return RefundView{}, fault.InvalidFields(op, "the refund has invalid fields", fault.FieldError{Field: "amount.currency", Message: "must be the payment's currency, " + pay.Currency})
	case in.Amount.Minor < 1:
		return RefundView{}, fault.InvalidFields(op, "the refund has invalid fields", fault.FieldError{Field: "amount", Message: "must be positive"})
	}
	rid := keyedID("mrf_", paymentID+"\x00"+idempotencyKey)
	if r, found, err := store.Get[refundItem](ctx, s.repo.db, s.repo.table, "MRF#"+rid, "MRF"); err != nil || found {
		if err != nil {
			return RefundView{}, fault.Wrap(op, err)
		}
		if r.Amount != in.Amount.Minor {
			return RefundView{}, fault.New(fault.IdempotencyMismatch, op, "this Idempotency-Key was used for another refund; use a new key for a new request")
		}
		return s.finishRefund(ctx, pay, r)
	}
	if in.Amount.Minor > left {
		return RefundView{}, fault.InvalidFields(op, "the refund has invalid fields", fault.FieldError{Field: "amount",
			Message: "must be at most " + money.Amount{Minor: left, Currency: pay.Currency}.String() + " (what is left of the payment)"})
	}
	m, _, err := s.repo.membership(ctx, pay.MembershipID)
	if err != nil {
		return RefundView{}, fault.Wrap(op, err)
	}
	x := in.Amount.Minor
	fee := partOf(x, pay.Fee, pay.Amount)
	share := x - fee
	if defects.RefundRoundsUp() {
		// Planted (tests/sim): both parts round up, each on its own.
		fee, share = (x*pay.Fee+pay.Amount-1)/pay.Amount, (x*pay.Share+pay.Amount-1)/pay.Amount
	}
	r := refundItem{PK: "MRF#" + rid, SK: "MRF", ID: rid, PaymentID: paymentID, Amount: x, Share: share, Fee: fee, Currency: pay.Currency, Status: RefundPending}
	err = s.billing.TakeFromCommunity(ctx, accounts.CommunityOwing{Op: op, CommunityID: pay.CommunityID, Currency: pay.Currency, Amount: share, Guard: "refund",
		Transfer: func(legs []ledger.Leg, now time.Time) ledger.Transfer {
			if fee > 0 {
				legs = append(legs, ledger.Leg{Account: ledger.PlatformFees, Available: -fee})
			}
			legs = append(legs, ledger.Leg{Account: ledger.ExternalDeposits, Available: x})
			return ledger.Transfer{ID: "txf_" + rid, Kind: "membership_refund", Currency: pay.Currency, At: now, Legs: legs, ShardKey: pay.ID,
				Memo: "refund of a member's payment"}
		},
		Parts: func(covered, owed int64, now time.Time) (*store.Tx, error) {
			r.Covered, r.Owed, r.CreatedAt = covered, owed, clock.Format(now)
			item, err := attributevalue.MarshalMap(r)
			if err != nil {
				return nil, err
			}
			evt, err := events.OutboxPut(s.repo.outbox, &events.MembershipPaymentRefunded{Membership: m.event(), PaymentID: pay.ID, RefundID: rid,
				Amount: x, Share: share, Fee: fee, Payment: pay.event()}, now)
			if err != nil {
				return nil, err
			}
			return store.NewTx().Add("refund", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.repo.table), Item: item,
				ConditionExpression: aws.String("attribute_not_exists(pk)")}}).
				Add("paid", types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.repo.table),
					Key:                       map[string]types.AttributeValue{"pk": store.S("MPAY#" + pay.ID), "sk": store.S("MPAY")},
					UpdateExpression:          aws.String("ADD refunded :x"),
					ConditionExpression:       aws.String("refunded <= :max"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":x": store.N(x), ":max": store.N(pay.Amount - x)}}}).
				Add("event", evt).Add("report", s.repo.refundDay(pay.CommunityID, x, now)), nil
		}})
	if store.Failed(err, "paid") {
		return RefundView{}, fault.InvalidFields(op, "the refund has invalid fields", fault.FieldError{Field: "amount",
			Message: "is more than what is left of the payment (another refund was made meanwhile)"})
	}
	if err != nil {
		return RefundView{}, err
	}
	cur, found, err := store.Get[refundItem](ctx, s.repo.db, s.repo.table, "MRF#"+rid, "MRF")
	if err != nil || !found {
		return RefundView{}, fault.Wrap(op, err)
	}
	return s.finishRefund(ctx, pay, cur)
}

// finishRefund asks Stripe to refund the card (its idempotency key is the
// refund's id): succeeded or pending is done; a refusal puts the money
// back where it came from.
func (s *Service) finishRefund(ctx context.Context, pay paymentItem, r refundItem) (RefundView, error) {
	const op = "memberships.finishRefund"
	if r.Status != RefundPending {
		return r.view(), nil
	}
	res, err := s.pay.Refund(ctx, payments.RefundRequest{ID: r.ID, PaymentIntent: pay.Reference, Amount: r.Amount,
		Metadata: map[string]string{"souq_refund_id": r.ID, "souq_payment": pay.ID, "souq_membership": pay.MembershipID}})
	switch {
	case err != nil && fault.KindOf(err) == fault.UpstreamFailed:
		// Stripe refused it outright: nothing moved, so the money goes
		// back where it came from, as for a card that could not take it.
		res = payments.RefundResult{Status: payments.RefundFailed}
	case err != nil:
		return RefundView{}, fault.Wrap(op, err) // unknown: asking again with the same key is safe
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	status := RefundSucceeded
	tx := store.NewTx()
	if res.Status == payments.RefundFailed || res.Status == payments.RefundCanceled {
		status = RefundFailed
		legs := []ledger.Leg{{Account: ledger.ExternalDeposits, Available: -r.Amount}}
		if r.Covered > 0 {
			legs = append(legs, ledger.Leg{Account: ledger.Community(pay.CommunityID), Available: r.Covered})
		}
		if r.Owed > 0 {
			legs = append(legs, ledger.Leg{Account: ledger.Debt(ledger.Community(pay.CommunityID)), Available: r.Owed})
		}
		if r.Fee > 0 {
			legs = append(legs, ledger.Leg{Account: ledger.PlatformFees, Available: r.Fee})
		}
		t, err := s.ledger.Prepare(ledger.Transfer{ID: "txf_" + r.ID + "_back", Kind: "membership_refund_failed", Currency: r.Currency, At: now,
			Legs: legs, ShardKey: pay.ID, Memo: "the card could not take the refund"})
		if err != nil {
			return RefundView{}, fault.Wrap(op, err)
		}
		tx.AddParts(t.Parts...).Add("paid", types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.repo.table),
			Key:                       map[string]types.AttributeValue{"pk": store.S("MPAY#" + pay.ID), "sk": store.S("MPAY")},
			UpdateExpression:          aws.String("ADD refunded :x"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":x": store.N(-r.Amount)}}}).
			Add("report", s.repo.refundDay(pay.CommunityID, -r.Amount, now))
	}
	tx.Add("refund", types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.repo.table),
		Key:                       map[string]types.AttributeValue{"pk": store.S("MRF#" + r.ID), "sk": store.S("MRF")},
		UpdateExpression:          aws.String("SET #s = :s, stripeId = :sid"),
		ConditionExpression:       aws.String("#s = :pending"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": store.S(status), ":sid": store.S(res.ID), ":pending": store.S(RefundPending)}}})
	if err := tx.Write(ctx, s.repo.db); err != nil && !store.Failed(err, "refund") {
		return RefundView{}, fault.Wrap(op, err)
	}
	cur, _, err := store.Get[refundItem](ctx, s.repo.db, s.repo.table, "MRF#"+r.ID, "MRF")
	if err != nil {
		return RefundView{}, fault.Wrap(op, err)
	}
	if cur.Status == RefundFailed {
		return cur.view(), &fault.Error{Kind: fault.UpstreamFailed, Op: op, Code: "refund_failed",
			Message: "the card could not take the refund; nothing was taken from the community's balance"}
	}
	return cur.view(), nil
}
