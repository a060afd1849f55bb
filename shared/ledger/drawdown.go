package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/store"
)

// A draw-down hold is money set aside once and spent in many pieces: a
// referral program's budget, a campaign's budget. It is opened (available
// → held), topped up, drawn from many times (each draw a transfer out of
// held to its credits, with a deterministic id, so a retried draw is a
// no-op), and finally released: what remains returns to available. Money
// may also come back into it (a returned commission) while it is held.
//
// The H item keeps the running account, so that every draw is one
// conditional ADD that never overdraws, and no draw needs to read first:
//
//	amount      what was set aside in all: the opening plus every top-up,
//	            less every partial release
//	remaining   what can still be drawn
//	drawn       what draws took out, less what returns brought back
//	released    what the release gave back (0 while held)
//	topUps      how many top-ups (their transfer ids number them)
//	adjustments how many partial releases (their transfer ids number them)
//
// amount = drawn + remaining + released, always; Verify checks it against
// the transfers. A partial release (a campaign's budget lowered) makes the
// hold smaller rather than counting as released: amount and remaining
// both go down by it, its transfer is an "adjust" that Verify adds to the
// opening and the top-ups, and released stays what the final release gave
// back.

// KindDrawdown marks a draw-down hold's H item.
const KindDrawdown = "drawdown"

// Drawdown is a draw-down hold as it stands.
type Drawdown struct {
	ID        string
	Account   Account
	Currency  string
	State     HoldState
	Amount    int64
	Remaining int64
	Drawn     int64
	Released  int64
	TopUps    int
	// Adjustments counts the partial releases (PrepareReleasePart).
	Adjustments int
}

// holdKey is the H item of a hold.
func holdKey(holdID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": store.S("H#" + holdID), "sk": store.S("H")}
}

func (l *Ledger) withHold(op Op, upd *types.Update) Op {
	upd.TableName = aws.String(l.table)
	upd.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	op.add("hold", types.TransactWriteItem{Update: upd})
	op.hasHold = true
	return op
}

// PrepareOpenDrawdown sets amount aside on acct as a new draw-down hold.
func (l *Ledger) PrepareOpenDrawdown(holdID string, acct Account, currency string, amount int64, at time.Time) (Op, error) {
	t, err := HoldTransfer(holdID, acct, currency, amount, at)
	if err != nil {
		return Op{}, err
	}
	op, err := l.prepare(t, nil)
	if err != nil {
		return Op{}, err
	}
	item := map[string]types.AttributeValue{
		"pk": store.S("H#" + holdID), "sk": store.S("H"), "kind": store.S(KindDrawdown),
		"account": store.S(string(acct)), "currency": store.S(currency), "state": store.S(string(HoldHeld)),
		"amount": store.N(amount), "remaining": store.N(amount), "drawn": store.N(0), "released": store.N(0),
		"topUps": store.N(0), "adjustments": store.N(0), "holdTransfer": store.S(t.ID),
	}
	op.add("hold", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(l.table), Item: item,
		ConditionExpression: aws.String("attribute_not_exists(pk)")}})
	op.hasHold = true
	return op, nil
}

// PrepareTopUp adds amount to a held draw-down hold (d as last read: its
// top-up count numbers this one, so a retry applies once and a racing
// top-up is a conflict to read again).
func (l *Ledger) PrepareTopUp(d Drawdown, amount int64, at time.Time) (Op, error) {
	if amount <= 0 {
		return Op{}, fault.New(fault.Invalid, "ledger.TopUp", "a top-up is a positive amount")
	}
	n := d.TopUps + 1
	op, err := l.prepare(Transfer{ID: fmt.Sprintf("txf_%s_top%d", d.ID, n), Kind: "topup", Currency: d.Currency, At: at, HoldID: d.ID,
		Legs: []Leg{{Account: d.Account, Available: -amount, Held: amount}}}, nil)
	if err != nil {
		return Op{}, err
	}
	return l.withHold(op, &types.Update{Key: holdKey(d.ID),
		UpdateExpression:         aws.String("SET topUps = :n ADD amount :a, remaining :a"),
		ConditionExpression:      aws.String("#s = :held AND kind = :dd AND topUps = :prev"),
		ExpressionAttributeNames: map[string]string{"#s": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": store.N(int64(n)), ":prev": store.N(int64(d.TopUps)), ":a": store.N(amount),
			":held": store.S(string(HoldHeld)), ":dd": store.S(KindDrawdown)},
	}), nil
}

// PrepareReleasePart gives amount of a held draw-down hold back to its
// account's available balance while the hold stays held: the hold is
// that much smaller (amount and remaining both go down by it, so drawn +
// remaining + released = amount still holds, and its "adjust" transfer
// is what Verify counts with the opening and top-ups). d is the hold as
// last read: its adjustment count numbers this one, so a retry applies
// once (ErrAlreadyApplied), and a partial release racing it is a
// conflict to read again. It never gives back more than remains: a hold
// with less than amount left (drawn since the read) fails as a Conflict
// too, and nothing moves. memo is what the statement says of it.
func (l *Ledger) PrepareReleasePart(d Drawdown, amount int64, memo string, at time.Time) (Op, error) {
	const op = "ledger.ReleasePart"
	if amount <= 0 {
		return Op{}, fault.New(fault.Invalid, op, "a partial release is a positive amount")
	}
	n := d.Adjustments + 1
	o, err := l.prepare(Transfer{ID: fmt.Sprintf("txf_%s_adj%d", d.ID, n), Kind: "adjust", Memo: memo, Currency: d.Currency, At: at, HoldID: d.ID,
		Legs: []Leg{{Account: d.Account, Held: -amount, Available: amount}}}, nil)
	if err != nil {
		return Op{}, err
	}
	// A hold opened before holds counted their adjustments has none.
	counted := "adjustments = :prev"
	if d.Adjustments == 0 {
		counted = "(attribute_not_exists(adjustments) OR adjustments = :prev)"
	}
	return l.withHold(o, &types.Update{Key: holdKey(d.ID),
		UpdateExpression:         aws.String("SET adjustments = :n ADD amount :neg, remaining :neg"),
		ConditionExpression:      aws.String("#s = :held AND kind = :dd AND account = :acct AND remaining >= :a AND " + counted),
		ExpressionAttributeNames: map[string]string{"#s": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": store.N(int64(n)), ":prev": store.N(int64(d.Adjustments)),
			":a": store.N(amount), ":neg": store.N(-amount), ":held": store.S(string(HoldHeld)), ":dd": store.S(KindDrawdown),
			":acct": store.S(string(d.Account))},
	}), nil
}

// PrepareDraw takes credits out of a held draw-down hold, as the draw
// drawID (deterministic: the same draw retried is ErrAlreadyApplied, never
// a second draw). It never overdraws: a hold with less remaining than the
// credits fails with InsufficientFunds. Only the hold's id, account and
// currency are used, so no read is needed first.
func (l *Ledger) PrepareDraw(d Drawdown, drawID string, credits []Credit, at time.Time) (Op, error) {
	return l.PrepareDrawAs(d, drawID, "draw", credits, at)
}

// PrepareDrawAs is PrepareDraw with the transfer's kind, as statements
// show it (a campaign's settlement is a campaign_charge).
func (l *Ledger) PrepareDrawAs(d Drawdown, drawID, kind string, credits []Credit, at time.Time) (Op, error) {
	return l.PrepareDrawNoted(d, drawID, kind, "", credits, at)
}

// PrepareDrawNoted is PrepareDrawAs with a memo its postings carry.
func (l *Ledger) PrepareDrawNoted(d Drawdown, drawID, kind, memo string, credits []Credit, at time.Time) (Op, error) {
	const op = "ledger.Draw"
	payer := Leg{Account: d.Account}
	legs, sum, err := creditLegs(op, d.Account, credits)
	if err != nil {
		return Op{}, err
	}
	if sum == 0 {
		return Op{}, fault.New(fault.Invalid, op, "a draw takes a positive amount")
	}
	payer.Held = -sum
	o, err := l.prepare(Transfer{ID: "txf_" + d.ID + "_draw_" + drawID, Kind: kind, Memo: memo, Currency: d.Currency, At: at, HoldID: d.ID,
		Legs: append([]Leg{payer}, legs...)}, nil)
	if err != nil {
		return Op{}, err
	}
	o.draw = sum
	return l.withHold(o, &types.Update{Key: holdKey(d.ID),
		UpdateExpression:         aws.String("ADD remaining :neg, drawn :sum"),
		ConditionExpression:      aws.String("#s = :held AND kind = :dd AND account = :acct AND remaining >= :sum"),
		ExpressionAttributeNames: map[string]string{"#s": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":neg": store.N(-sum), ":sum": store.N(sum),
			":held": store.S(string(HoldHeld)), ":dd": store.S(KindDrawdown), ":acct": store.S(string(d.Account))},
	}), nil
}

// PrepareReturn brings amount back into a held draw-down hold from
// another account's bucket (a commission reversed before it cleared), as
// the return returnID. A released hold refuses it (Conflict with its
// state): the money then belongs in the owner's available balance.
func (l *Ledger) PrepareReturn(d Drawdown, returnID string, from Account, bucket Bucket, amount int64, at time.Time) (Op, error) {
	if amount <= 0 || from == d.Account {
		return Op{}, fault.New(fault.Invalid, "ledger.Return", "a return is a positive amount from another account")
	}
	leg := Leg{Account: from}
	switch bucket {
	case Available, "":
		leg.Available = -amount
	case Held:
		leg.Held = -amount
	case Pending:
		leg.Pending = -amount
	default:
		return Op{}, fault.New(fault.Invalid, "ledger.Return", "unknown bucket "+string(bucket))
	}
	o, err := l.prepare(Transfer{ID: "txf_" + d.ID + "_ret_" + returnID, Kind: "return", Currency: d.Currency, At: at, HoldID: d.ID,
		Legs: []Leg{leg, {Account: d.Account, Held: amount}}}, nil)
	if err != nil {
		return Op{}, err
	}
	return l.withHold(o, &types.Update{Key: holdKey(d.ID),
		UpdateExpression:         aws.String("ADD remaining :a, drawn :neg"),
		ConditionExpression:      aws.String("#s = :held AND kind = :dd AND account = :acct"),
		ExpressionAttributeNames: map[string]string{"#s": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": store.N(amount), ":neg": store.N(-amount),
			":held": store.S(string(HoldHeld)), ":dd": store.S(KindDrawdown), ":acct": store.S(string(d.Account))},
	}), nil
}

// PrepareReleaseRest ends a draw-down hold: exactly what remains (d as
// last read) returns to available, once. A draw or top-up since the read
// fails it (Conflict: read again); a hold already released answers its
// state.
func (l *Ledger) PrepareReleaseRest(d Drawdown, at time.Time) (Op, error) {
	t := Transfer{ID: "txf_" + d.ID + "_release", Kind: "release", Currency: d.Currency, At: at, HoldID: d.ID,
		Legs: []Leg{{Account: d.Account, Held: -d.Remaining, Available: d.Remaining}}}
	var o Op
	if d.Remaining > 0 {
		var err error
		if o, err = l.prepare(t, nil); err != nil {
			return Op{}, err
		}
	} else {
		o = Op{Transfer: Transfer{ID: t.ID, HoldID: d.ID, Currency: d.Currency}, holdOnly: true}
	}
	return l.withHold(o, &types.Update{Key: holdKey(d.ID),
		UpdateExpression:         aws.String("SET #s = :rel, remaining = :z, released = :r, settleTransfer = :t"),
		ConditionExpression:      aws.String("#s = :held AND kind = :dd AND remaining = :r"),
		ExpressionAttributeNames: map[string]string{"#s": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":rel": store.S(string(HoldReleased)), ":z": store.N(0), ":r": store.N(d.Remaining),
			":t": store.S(t.ID), ":held": store.S(string(HoldHeld)), ":dd": store.S(KindDrawdown)},
	}), nil
}

type drawdownItem struct {
	Kind      string `dynamodbav:"kind"`
	Account   string `dynamodbav:"account"`
	Currency  string `dynamodbav:"currency"`
	State     string `dynamodbav:"state"`
	Amount    int64  `dynamodbav:"amount"`
	Remaining int64  `dynamodbav:"remaining"`
	Drawn     int64  `dynamodbav:"drawn"`
	Released  int64  `dynamodbav:"released"`
	TopUps    int    `dynamodbav:"topUps"`
	// Adjustments is absent on holds opened before it was counted: 0.
	Adjustments int `dynamodbav:"adjustments"`
}

// GetDrawdown reads a draw-down hold (strongly consistent); found is false
// when it was never opened.
func (l *Ledger) GetDrawdown(ctx context.Context, holdID string) (Drawdown, bool, error) {
	it, found, err := store.Get[drawdownItem](ctx, l.db, l.table, "H#"+holdID, "H")
	if err != nil || !found {
		return Drawdown{}, false, fault.Wrap("ledger.GetDrawdown", err)
	}
	if it.Kind != KindDrawdown {
		return Drawdown{}, false, fault.New(fault.Internal, "ledger.GetDrawdown", "hold "+holdID+" is not a draw-down hold")
	}
	return Drawdown{ID: holdID, Account: Account(it.Account), Currency: it.Currency, State: HoldState(it.State), Amount: it.Amount,
		Remaining: it.Remaining, Drawn: it.Drawn, Released: it.Released, TopUps: it.TopUps, Adjustments: it.Adjustments}, true, nil
}
