package accounts

// Refunds of unspent money (DESIGN §15): only from available (never what
// is held), against the payer's most recent credited deposits, each
// piece a Stripe Refund with its own idempotency key. The money is in
// transit (platform:refunds_in_transit) until Stripe confirms; a piece
// that fails returns to available. Refunds made in Stripe's dashboard
// are applied the same way when Stripe's charge.refunded arrives.
//
//	pk              sk                     item
//	RFD#<refundId>  META                   the refund and its pieces
//	PAYER#<payer>   RFDAT#<at>#<refundId>  the payer's refunds, newest last

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/store"
)

// MaxRefundPieces bounds the deposits one refund draws on (each piece is
// a few items of one transaction).
const MaxRefundPieces = 20

// Refund states.
const (
	RefundPending            = "pending"
	RefundSucceeded          = "succeeded"
	RefundFailed             = "failed"
	RefundPartiallySucceeded = "partially_succeeded"
)

// RefundInput is what a payer asks back.
type RefundInput struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Refund is a refund of unspent money as the API shows it.
type Refund struct {
	ID        string        `json:"id"`
	AccountID string        `json:"accountId"`
	Amount    int64         `json:"amount"`
	Currency  string        `json:"currency"`
	Status    string        `json:"status"`
	Refunded  int64         `json:"refunded"`  // confirmed by Stripe
	InTransit int64         `json:"inTransit"` // not confirmed yet
	Returned  int64         `json:"returned"`  // failed, back in available
	Pieces    []RefundPiece `json:"pieces"`
	CreatedAt time.Time     `json:"createdAt"`
}

// RefundPiece is the part of a refund on one deposit.
type RefundPiece struct {
	DepositID string `json:"depositId"`
	Amount    int64  `json:"amount"`
	Status    string `json:"status"`
	Reason    string `json:"reason,omitempty"`
}

type pieceItem struct {
	DepositID     string `dynamodbav:"depositId"`
	PaymentIntent string `dynamodbav:"paymentIntent"`
	Amount        int64  `dynamodbav:"amount"`
	Status        string `dynamodbav:"status"`
	StripeID      string `dynamodbav:"stripeId,omitempty"`
	Reason        string `dynamodbav:"reason,omitempty"`
}

type refundItem struct {
	PK        string      `dynamodbav:"pk"`
	SK        string      `dynamodbav:"sk"`
	ID        string      `dynamodbav:"id"`
	Payer     string      `dynamodbav:"payer"`
	OwnerID   string      `dynamodbav:"ownerId"`
	Amount    int64       `dynamodbav:"amount"`
	Currency  string      `dynamodbav:"currency"`
	Pieces    []pieceItem `dynamodbav:"pieces"`
	CreatedAt string      `dynamodbav:"createdAt"`
}

func refundPK(id string) string { return "RFD#" + id }

// pieceRef is the Stripe idempotency key and metadata of a piece.
func pieceRef(refundID string, i int) string { return fmt.Sprintf("%s_%d", refundID, i) }

func (r refundItem) view() Refund {
	_, acct, _ := parsePayerKey(r.Payer)
	v := Refund{ID: r.ID, AccountID: acct, Amount: r.Amount, Currency: r.Currency, CreatedAt: parseTS(r.CreatedAt), Pieces: []RefundPiece{}}
	var ok, failed, pending int
	for _, p := range r.Pieces {
		v.Pieces = append(v.Pieces, RefundPiece{DepositID: p.DepositID, Amount: p.Amount, Status: p.Status, Reason: p.Reason})
		switch p.Status {
		case RefundSucceeded:
			v.Refunded += p.Amount
			ok++
		case RefundFailed:
			v.Returned += p.Amount
			failed++
		default:
			v.InTransit += p.Amount
			pending++
		}
	}
	switch {
	case pending > 0:
		v.Status = RefundPending
	case failed == 0:
		v.Status = RefundSucceeded
	case ok == 0:
		v.Status = RefundFailed
	default:
		v.Status = RefundPartiallySucceeded
	}
	return v
}

// RefundID is derived from the account and the Idempotency-Key.
func RefundID(kind, accountID, idempotencyKey string) string {
	return keyedID("rfd_", "refund\x00"+kind+"\x00"+accountID+"\x00"+idempotencyKey)
}

func (r *Repository) getRefund(ctx context.Context, id string) (refundItem, bool, error) {
	it, found, err := store.Get[refundItem](ctx, r.db, r.table, refundPK(id), skMeta)
	return it, found, fault.Wrap("accounts.getRefund", err)
}

// RefundUnspent sends unspent money back to the cards it came from.
func (s *Service) RefundUnspent(ctx context.Context, p auth.Principal, kind, accountID, idempotencyKey string, in RefundInput) (Refund, error) {
	const op = "accounts.Refund"
	payer, err := s.moneyPayer(ctx, op, p, kind, accountID)
	if err != nil {
		return Refund{}, err
	}
	if !managesMoneyOf(p, payer) {
		return Refund{}, fault.New(fault.Forbidden, op, "only the account's owner, signed in, asks for a refund")
	}
	var bad fault.Fields
	if in.Amount <= 0 || in.Amount > MaxDeposit*MaxRefundPieces {
		bad.Add("amount", "must be a positive amount in minor units")
	}
	if in.Currency != payer.Currency {
		bad.Add("currency", "must be the account's currency, "+payer.Currency)
	}
	if err := bad.Err(op, "the refund has invalid fields"); err != nil {
		return Refund{}, err
	}
	rfdID := RefundID(kind, accountID, idempotencyKey)
	for attempt := 0; ; attempt++ {
		if r, found, err := s.repo.getRefund(ctx, rfdID); err != nil || found {
			if err != nil {
				return Refund{}, err
			}
			if r.Amount != in.Amount || r.Payer != payer.Key() {
				return Refund{}, fault.New(fault.IdempotencyMismatch, op, "this Idempotency-Key was used for a different refund; use a new key for a new request")
			}
			return s.sendPieces(ctx, r)
		}
		r, err := s.startRefund(ctx, payer, rfdID, in)
		if err == nil {
			return s.sendPieces(ctx, r)
		}
		if errors.Is(err, errRetryRefund) && attempt < 5 {
			continue
		}
		return Refund{}, err
	}
}

var errRetryRefund = errors.New("a deposit changed while the refund was planned")

// startRefund plans the pieces and moves the amount from available to in
// transit, in one transaction that also reserves each piece on its
// deposit (so two refunds never refund one charge twice).
func (s *Service) startRefund(ctx context.Context, payer Payer, rfdID string, in RefundInput) (refundItem, error) {
	const op = "accounts.Refund"
	// Money owed to Souq is repaid before any goes back to a card.
	if err := s.ledger.RefuseInDebt(ctx, payer.Ledger(), in.Currency, op); err != nil {
		return refundItem{}, err
	}
	deposits, err := s.refundableDeposits(ctx, payer.Key())
	if err != nil {
		return refundItem{}, err
	}
	r := refundItem{PK: refundPK(rfdID), SK: skMeta, ID: rfdID, Payer: payer.Key(), OwnerID: payer.OwnerID, Amount: in.Amount, Currency: in.Currency}
	left, refundable := in.Amount, int64(0)
	for _, d := range deposits {
		refundable += d.refundable()
		if left == 0 || len(r.Pieces) == MaxRefundPieces {
			continue
		}
		take := min(left, d.refundable())
		r.Pieces = append(r.Pieces, pieceItem{DepositID: d.ID, PaymentIntent: d.Reference, Amount: take, Status: RefundPending})
		left -= take
	}
	if left > 0 {
		return refundItem{}, &fault.Error{Kind: fault.InsufficientFunds, Op: op, Fields: []fault.FieldError{{Field: "amount",
			Message: fmt.Sprintf("at most %s can go back to the cards of your recent deposits", money.Amount{Minor: min(refundable, s.maxPieces(deposits)), Currency: in.Currency})}},
			Message: "more than your deposits' cards can take back"}
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	r.CreatedAt = ts(now)
	out, err := s.ledger.Prepare(ledger.Transfer{ID: "txf_" + rfdID + "_out", Kind: "refund", Currency: in.Currency, At: now, ShardKey: rfdID,
		Legs: []ledger.Leg{{Account: payer.Ledger(), Available: -in.Amount}, {Account: ledger.PlatformRefundsTransit, Available: in.Amount}},
		Memo: "refund to card, in transit"})
	if err != nil {
		return refundItem{}, fault.Wrap(op, err)
	}
	tx := store.NewTx().Add("refund", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.repo.table), Item: mustMarshal(r),
		ConditionExpression: aws.String("attribute_not_exists(pk)")}}).
		Add("refund index", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.repo.table),
			Item: mustMarshal(depositIndexItem{PK: payerPK(payer.Key()), SK: "RFDAT#" + ts(now) + "#" + rfdID, DepositID: rfdID})}}).
		AddParts(out.Parts...)
	for i, pc := range r.Pieces {
		d := deposits[i]
		tx.Add(fmt.Sprintf("piece %d", i), types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(s.repo.table), Key: key(depositPK(pc.DepositID), skMeta),
			UpdateExpression:          aws.String("ADD reserved :x"),
			ConditionExpression:       aws.String("reserved = :was AND disputed = :disputed"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":x": store.N(pc.Amount), ":was": store.N(d.Reserved), ":disputed": store.N(d.Disputed)},
		}})
	}
	err = tx.Write(ctx, s.repo.db)
	switch {
	case err == nil:
		return r, nil
	case store.Failed(err, "refund") || errors.Is(out.Explain(err), ledger.ErrAlreadyApplied):
		return refundItem{}, errRetryRefund // made by a racing request with the same key: read it
	case out.InsufficientFunds(err):
		b, _ := s.ledger.Balance(ctx, payer.Ledger(), in.Currency)
		return refundItem{}, &fault.Error{Kind: fault.InsufficientFunds, Op: op, Fields: []fault.FieldError{{Field: "amount",
			Message: fmt.Sprintf("at most %s is available; money held for bids, bookings and campaigns cannot be refunded", money.Amount{Minor: b.Available, Currency: in.Currency})}},
			Message: "more than the available balance"}
	}
	var tc *store.TxCanceled
	if errors.As(err, &tc) {
		for i := range r.Pieces {
			if tc.Failed(fmt.Sprintf("piece %d", i)) {
				return refundItem{}, errRetryRefund
			}
		}
	}
	return refundItem{}, fault.Wrap(op, err)
}

// maxPieces is what MaxRefundPieces deposits can take back.
func (s *Service) maxPieces(ds []depositItem) int64 {
	var n int64
	for i, d := range ds {
		if i == MaxRefundPieces {
			break
		}
		n += d.refundable()
	}
	return n
}

// refundableDeposits are the payer's credited deposits with something
// left to refund, newest first.
func (s *Service) refundableDeposits(ctx context.Context, payerKey string) ([]depositItem, error) {
	idx, err := store.QueryAll[depositIndexItem](ctx, s.repo.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.repo.table),
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": store.S(payerPK(payerKey)), ":p": store.S("DEPAT#")},
		ScanIndexForward:          aws.Bool(false),
		ConsistentRead:            aws.Bool(true),
	}, 20)
	if err != nil {
		return nil, fault.Wrap("accounts.refundableDeposits", err)
	}
	var out []depositItem
	for _, ix := range idx {
		d, found, err := s.repo.getDeposit(ctx, ix.DepositID)
		if err != nil {
			return nil, err
		}
		if found && d.Status == DepositSucceeded && d.Reference != "" && d.refundable() > 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

// sendPieces asks Stripe for each piece not yet sent, and applies what it
// answers. An unknown outcome leaves the piece in transit: the same
// request again asks again, with the same idempotency key.
func (s *Service) sendPieces(ctx context.Context, r refundItem) (Refund, error) {
	const op = "accounts.Refund"
	var unknown error
	for i, pc := range r.Pieces {
		if pc.Status != RefundPending || pc.StripeID != "" {
			continue
		}
		res, err := s.pay.Refund(ctx, payments.RefundRequest{ID: pieceRef(r.ID, i), PaymentIntent: pc.PaymentIntent, Amount: pc.Amount,
			Metadata: map[string]string{"souq_refund": r.ID, "souq_deposit": pc.DepositID}})
		switch {
		case err != nil && fault.KindOf(err) == fault.UpstreamFailed:
			err = s.settlePiece(ctx, r.ID, i, RefundFailed, "", "Stripe refused the refund")
		case err != nil:
			unknown = err
			continue
		case res.Status == payments.RefundSucceeded:
			err = s.settlePiece(ctx, r.ID, i, RefundSucceeded, res.ID, "")
		case res.Status == payments.RefundFailed || res.Status == payments.RefundCanceled:
			err = s.settlePiece(ctx, r.ID, i, RefundFailed, res.ID, "the card could not take the refund")
		default:
			err = s.notePiece(ctx, r.ID, i, res.ID)
		}
		if err != nil {
			return Refund{}, err
		}
	}
	cur, _, err := s.repo.getRefund(ctx, r.ID)
	if err != nil {
		return Refund{}, err
	}
	if unknown != nil {
		return Refund{}, &fault.Error{Kind: fault.Unavailable, Op: op, Err: unknown,
			Message: "Stripe did not answer for refund " + r.ID + ": it is in transit; send the same request again (same Idempotency-Key), or read GET /v1/refunds/" + r.ID + ", to finish it"}
	}
	return cur.view(), nil
}

// notePiece records Stripe's refund id of a piece still pending.
func (s *Service) notePiece(ctx context.Context, rfdID string, i int, stripeID string) error {
	_, err := s.repo.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.repo.table), Key: key(refundPK(rfdID), skMeta),
		UpdateExpression:          aws.String(fmt.Sprintf("SET pieces[%d].stripeId = :id", i)),
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": store.S(stripeID)},
	})
	return fault.Wrap("accounts.notePiece", store.Classify(err))
}

// settlePiece applies Stripe's final word on a piece, once: succeeded
// sends the money out of transit to the card; failed returns it to
// available. A piece that succeeded and later failed (the card network
// sent it back) comes back to available too.
func (s *Service) settlePiece(ctx context.Context, rfdID string, i int, status, stripeID, reason string) error {
	const op = "accounts.settlePiece"
	r, found, err := s.repo.getRefund(ctx, rfdID)
	if err != nil || !found || i >= len(r.Pieces) {
		return err
	}
	pc := r.Pieces[i]
	if pc.Status == status || pc.Status == RefundFailed {
		return nil // already so (a failed piece is final)
	}
	payer, err := s.payerByKey(ctx, r.Payer)
	if err != nil {
		return err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	var t ledger.Transfer
	var evt events.Event
	depUpdate := ""
	m := events.Money{PayerKind: payer.Kind, PayerID: payer.ID, OwnerID: payer.OwnerID, Amount: money.Amount{Minor: pc.Amount, Currency: r.Currency}}
	switch {
	case status == RefundSucceeded:
		t = ledger.Transfer{ID: fmt.Sprintf("txf_%s_%d_sent", rfdID, i), Kind: "refund_sent", Currency: r.Currency, At: now, ShardKey: rfdID,
			Legs: []ledger.Leg{{Account: ledger.PlatformRefundsTransit, Available: -pc.Amount}, {Account: ledger.ExternalDeposits, Available: pc.Amount}}}
		evt = &events.RefundSucceeded{Money: m, RefundID: rfdID, DepositID: pc.DepositID}
		depUpdate = "ADD refunded :x"
	case pc.Status == RefundPending:
		t = ledger.Transfer{ID: fmt.Sprintf("txf_%s_%d_back", rfdID, i), Kind: "refund_failed", Currency: r.Currency, At: now, ShardKey: rfdID,
			Legs: []ledger.Leg{{Account: ledger.PlatformRefundsTransit, Available: -pc.Amount}, {Account: payer.Ledger(), Available: pc.Amount}}}
		evt = &events.RefundFailed{Money: m, RefundID: rfdID, DepositID: pc.DepositID, Reason: reason}
		depUpdate = "ADD reserved :neg"
	default: // succeeded, then failed
		t = ledger.Transfer{ID: fmt.Sprintf("txf_%s_%d_bounced", rfdID, i), Kind: "refund_failed", Currency: r.Currency, At: now,
			Legs: []ledger.Leg{{Account: ledger.ExternalDeposits, Available: -pc.Amount}, {Account: payer.Ledger(), Available: pc.Amount}}}
		evt = &events.RefundFailed{Money: m, RefundID: rfdID, DepositID: pc.DepositID, Reason: reason}
		depUpdate = "ADD reserved :neg, refunded :neg"
	}
	op2, err := s.ledger.Prepare(t)
	if err != nil {
		return fault.Wrap(op, err)
	}
	ev, err := events.OutboxPut(s.repo.outbox, evt, now)
	if err != nil {
		return fault.Wrap(op, err)
	}
	set := fmt.Sprintf("SET pieces[%d].#st = :st", i)
	vals := map[string]types.AttributeValue{":st": store.S(status), ":was": store.S(pc.Status)}
	if stripeID != "" {
		set += fmt.Sprintf(", pieces[%d].stripeId = :sid", i)
		vals[":sid"] = store.S(stripeID)
	}
	if reason != "" {
		set += fmt.Sprintf(", pieces[%d].reason = :why", i)
		vals[":why"] = store.S(reason)
	}
	depVals := map[string]types.AttributeValue{}
	if strings.Contains(depUpdate, ":x") {
		depVals[":x"] = store.N(pc.Amount)
	}
	if strings.Contains(depUpdate, ":neg") {
		depVals[":neg"] = store.N(-pc.Amount)
	}
	tx := store.NewTx().Add("refund", types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.repo.table), Key: key(refundPK(rfdID), skMeta),
		UpdateExpression: aws.String(set), ConditionExpression: aws.String(fmt.Sprintf("pieces[%d].#st = :was", i)),
		ExpressionAttributeNames: map[string]string{"#st": "status"}, ExpressionAttributeValues: vals,
	}}).Add("deposit", types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.repo.table), Key: key(depositPK(pc.DepositID), skMeta),
		UpdateExpression: aws.String(depUpdate), ExpressionAttributeValues: depVals,
	}}).Add("event", ev).AddParts(op2.Parts...)
	err = tx.Write(ctx, s.repo.db)
	if err == nil {
		if status == RefundFailed {
			s.afterBalanceChange(ctx, payer, r.Currency)
		}
		return nil
	}
	if store.Failed(err, "refund") || errors.Is(op2.Explain(err), ledger.ErrAlreadyApplied) {
		return nil // settled by another path
	}
	return fault.Wrap(op, err)
}

// dashboardRefund applies a refund made in Stripe's dashboard (not asked
// of Souq): the money left to the card, from available and, for what
// available cannot cover, as the payer's debt. Once per Stripe refund.
func (s *Service) dashboardRefund(ctx context.Context, d depositItem, re payments.RefundEvent) error {
	payer, err := s.payerByKey(ctx, d.Payer)
	if err != nil {
		return err
	}
	return s.takeOrOwe(ctx, owing{op: "accounts.dashboardRefund", payer: payer, currency: d.Currency, amount: re.Amount, guard: "deposit",
		transfer: func(legs []ledger.Leg, now time.Time) ledger.Transfer {
			return ledger.Transfer{ID: "txf_" + re.ID + "_refund", Kind: "refund_sent", Currency: d.Currency, At: now,
				Legs: append([]ledger.Leg{{Account: ledger.ExternalDeposits, Available: re.Amount}}, legs...), Memo: "refund made in Stripe's dashboard"}
		},
		parts: func(_, _ int64, now time.Time) (*store.Tx, error) {
			m := events.Money{PayerKind: payer.Kind, PayerID: payer.ID, OwnerID: payer.OwnerID, Amount: money.Amount{Minor: re.Amount, Currency: d.Currency}}
			ev, err := events.OutboxPut(s.repo.outbox, &events.RefundSucceeded{Money: m, RefundID: re.ID, DepositID: d.ID, Dashboard: true}, now)
			if err != nil {
				return nil, err
			}
			return store.NewTx().Add("deposit", types.TransactWriteItem{Update: &types.Update{
				TableName: aws.String(s.repo.table), Key: key(depositPK(d.ID), skMeta),
				UpdateExpression:          aws.String("ADD reserved :x, refunded :x, dashboard :re"),
				ConditionExpression:       aws.String("NOT contains(dashboard, :id)"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":x": store.N(re.Amount), ":re": &types.AttributeValueMemberSS{Value: []string{re.ID}}, ":id": store.S(re.ID)},
			}}).Add("event", ev), nil
		}})
}

// GetRefund reads a refund its payer may see.
func (s *Service) GetRefund(ctx context.Context, p auth.Principal, rfdID string) (Refund, error) {
	const op = "accounts.GetRefund"
	if !strings.HasPrefix(rfdID, "rfd_") {
		return Refund{}, notFound(op, "refund")
	}
	r, found, err := s.repo.getRefund(ctx, rfdID)
	if err != nil {
		return Refund{}, err
	}
	if !found || !s.canRead(ctx, p, r.Payer) {
		return Refund{}, notFound(op, "refund")
	}
	for _, pc := range r.Pieces {
		if pc.Status == RefundPending && pc.StripeID == "" && s.pay != nil {
			// A piece Stripe never answered: ask again (the same key), so
			// that reading a refund finishes it.
			v, err := s.sendPieces(ctx, r)
			if fault.KindOf(err) == fault.Unavailable {
				return r.view(), nil
			}
			return v, err
		}
	}
	return r.view(), nil
}
