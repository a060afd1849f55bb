package ledger

// Key design of the ledger table (pk, sk strings):
//
//	pk                                  sk                     item
//	A#<account>#<currency>#<shard>      BAL                    balance: available, held, pending
//	A#<account>#<currency>#<shard>      P#<at>#<transferId>    posting: this account's leg of a transfer
//	A#<account>#<currency>#-            D#<day>#<kind>         an owner's day: net total and count of its postings of a kind
//	T#<transferId>                      T                      the transfer, all legs (exactly-once guard)
//	H#<holdId>                          H                      a hold: account, amount, state, settling transfer
//
// <shard> is "-" for owners' accounts. System accounts (platform:*,
// external:*) are credited by every settlement in the marketplace, so
// their balance is SHARDED over 16 items (s00…s15), the shard chosen by a
// hash of the transfer id (or of its ShardKey, which related transfers
// share when one debits what another credited): a hot account spreads over 16 partitions (16 ×
// ~1,000 writes/s) and its balance is the sum of its shards (16 reads,
// off the request path). Owners' accounts are one item each: one
// advertiser cannot outrun a partition.
//
// Every transfer writes: the T item (condition: not exists → exactly once),
// one conditional ADD per leg on the BAL item (condition: every bucket the
// leg decreases stays ≥ 0, unless the account is external), one P item
// per leg, the H item for hold operations (condition on its state), and
// the LedgerTransferPosted outbox item — all in the caller's transaction.
// For an owner's leg that changes its money (a non-zero total, so not a
// hold or release within the account), one ADD on its day's item of the
// transfer's kind: reports read a day per kind, never every posting. It
// is in the owner's own partition, which the leg's balance already writes
// in the same transaction, so it adds no contention.
// Statements query one account's partition, sk begins_with "P#", newest
// first. Verify scans the table: it is an operator's check, never a
// request path.

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/topology"
)

// Shards is the number of balance items of each system account.
const Shards = 16

// Ledger writes and reads the ledger table.
type Ledger struct {
	db     *dynamodb.Client
	table  string
	outbox string
}

// New returns a ledger over a function's tables (ledger and outbox).
func New(db *store.DB) *Ledger {
	return &Ledger{db: db.Client, table: db.Table(topology.TableLedger), outbox: db.Table(topology.TableOutbox)}
}

// NewReader returns a ledger that only reads (the ops function's view: it
// is granted the ledger table alone, read-only).
func NewReader(db *store.DB) *Ledger {
	return &Ledger{db: db.Client, table: db.Table(topology.TableLedger)}
}

func shardOf(a Account, transferID string) string {
	if !a.IsSystem() {
		return "-"
	}
	h := fnv.New32a()
	h.Write([]byte(transferID))
	return fmt.Sprintf("s%02d", h.Sum32()%Shards)
}

func accountPK(a Account, currency, shard string) string {
	return "A#" + string(a) + "#" + currency + "#" + shard
}

const tsLayout = "2006-01-02T15:04:05.000000Z"

// Op is one ledger operation ready to join a transaction: its parts,
// named by its transfer ("<transferId> transfer", "… balance <account>",
// "… hold"), so that Explain reads a cancellation by name wherever the
// caller put the parts.
type Op struct {
	Transfer Transfer
	Parts    []store.Part
	hasHold  bool
	// draw is what a draw-down draw takes: its hold failing while held
	// means the hold has less than that left.
	draw int64
	// holdOnly: the op changes the hold item alone (the release of a
	// draw-down hold with nothing left moves no money).
	holdOnly bool
}

// Items are the parts' items, for a caller that measures them alone.
func (op Op) Items() []types.TransactWriteItem {
	out := make([]types.TransactWriteItem, len(op.Parts))
	for i, p := range op.Parts {
		out[i] = p.Item
	}
	return out
}

func (op Op) part(what string) string { return op.Transfer.ID + " " + what }

func (op *Op) add(what string, item types.TransactWriteItem) {
	op.Parts = append(op.Parts, store.Part{Name: op.part(what), Item: item})
}

// holdWrite says what an op does to a hold item.
type holdWrite struct {
	create bool  // Put a new hold in state held
	adjust int64 // a new amount for a held hold
	settle HoldState
	hold   Hold
}

// Prepare validates a transfer and builds its items (without the hold).
func (l *Ledger) Prepare(t Transfer) (Op, error) { return l.prepare(t, nil) }

func (l *Ledger) prepare(t Transfer, hw *holdWrite) (Op, error) {
	if err := t.Validate(); err != nil {
		return Op{}, err
	}
	t.At = t.At.UTC()
	legsJSON, _ := json.Marshal(t.Legs)
	op := Op{Transfer: t}
	op.add("transfer", types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(l.table),
		Item: map[string]types.AttributeValue{
			"pk": store.S("T#" + t.ID), "sk": store.S("T"), "kind": store.S(t.Kind), "currency": store.S(t.Currency),
			"legs": store.S(string(legsJSON)), "at": store.S(t.At.Format(tsLayout)), "holdId": store.S(t.HoldID),
		},
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}})
	for _, leg := range t.Legs {
		shardKey := t.ID
		if t.ShardKey != "" {
			shardKey = t.ShardKey
		}
		pk := accountPK(leg.Account, t.Currency, shardOf(leg.Account, shardKey))
		values := map[string]types.AttributeValue{
			":a": store.N(leg.Available), ":h": store.N(leg.Held), ":p": store.N(leg.Pending),
			":acct": store.S(string(leg.Account)), ":cur": store.S(t.Currency),
		}
		var conds []string
		if leg.Account.IsDebt() && leg.Available > 0 {
			// A debt is repaid, never overpaid: after the ADD it stays ≤ 0.
			conds = append(conds, "available <= :max_available")
			values[":max_available"] = store.N(-leg.Available)
		}
		if !leg.Account.IsExternal() && !leg.Account.IsDebt() {
			for _, b := range []struct {
				name  string
				delta int64
			}{{"available", leg.Available}, {"held", leg.Held}, {"pending", leg.Pending}} {
				if b.delta < 0 {
					// The balance after the ADD must stay ≥ 0: before, it must be ≥ -delta.
					conds = append(conds, fmt.Sprintf("%s >= :min_%s", b.name, b.name))
					values[":min_"+b.name] = store.N(-b.delta)
					if b.name == "available" && leg.Floor > 0 {
						values[":min_available"] = store.N(-b.delta + leg.Floor)
					}
				}
			}
		}
		upd := &types.Update{
			TableName:                 aws.String(l.table),
			Key:                       map[string]types.AttributeValue{"pk": store.S(pk), "sk": store.S("BAL")},
			UpdateExpression:          aws.String("ADD available :a, held :h, pending :p SET account = :acct, currency = :cur"),
			ExpressionAttributeValues: values,
		}
		if len(conds) > 0 {
			upd.ConditionExpression = aws.String(joinAnd(conds))
		}
		op.add("balance "+string(leg.Account), types.TransactWriteItem{Update: upd})
		if total := leg.Available + leg.Held + leg.Pending; total != 0 && !leg.Account.IsSystem() {
			op.add("day "+string(leg.Account), types.TransactWriteItem{Update: &types.Update{
				TableName:                 aws.String(l.table),
				Key:                       map[string]types.AttributeValue{"pk": store.S(pk), "sk": store.S("D#" + t.At.Format(clock.DayLayout) + "#" + t.Kind)},
				UpdateExpression:          aws.String("ADD net :t, n :one, fee :fee SET account = :acct, currency = :cur, #d = :day, kind = :k"),
				ExpressionAttributeNames:  map[string]string{"#d": "day"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":t": store.N(total), ":one": store.N(1), ":fee": store.N(leg.Fee), ":acct": store.S(string(leg.Account)), ":cur": store.S(t.Currency), ":day": store.S(t.At.Format(clock.DayLayout)), ":k": store.S(t.Kind)},
			}})
		}
		op.add("posting "+string(leg.Account), types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(l.table),
			Item: map[string]types.AttributeValue{
				"pk": store.S(pk), "sk": store.S("P#" + t.At.Format(tsLayout) + "#" + t.ID),
				"transferId": store.S(t.ID), "kind": store.S(t.Kind), "at": store.S(t.At.Format(tsLayout)),
				"account": store.S(string(leg.Account)), "currency": store.S(t.Currency),
				"available": store.N(leg.Available), "held": store.N(leg.Held), "pending": store.N(leg.Pending),
			},
		}})
		if t.Memo != "" {
			op.Parts[len(op.Parts)-1].Item.Put.Item["memo"] = store.S(t.Memo)
		}
		if leg.Fee > 0 {
			op.Parts[len(op.Parts)-1].Item.Put.Item["fee"] = store.N(leg.Fee)
		}
	}
	if hw != nil {
		op.hasHold = true
		key := map[string]types.AttributeValue{"pk": store.S("H#" + hw.hold.ID), "sk": store.S("H")}
		if hw.create {
			item := map[string]types.AttributeValue{
				"pk": key["pk"], "sk": key["sk"], "account": store.S(string(hw.hold.Account)), "currency": store.S(hw.hold.Currency),
				"amount": store.N(hw.hold.Amount), "state": store.S(string(HoldHeld)), "holdTransfer": store.S(t.ID),
				"adjustments": store.N(0),
			}
			op.add("hold", types.TransactWriteItem{Put: &types.Put{
				TableName: aws.String(l.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)"),
			}})
		} else if hw.adjust != 0 {
			// The hold must be as it was read: held, same amount, same
			// number of adjustments. A racing change fails this, not the sum.
			op.add("hold", types.TransactWriteItem{Update: &types.Update{
				TableName:                aws.String(l.table),
				Key:                      key,
				UpdateExpression:         aws.String("SET amount = :new, adjustments = :n1"),
				ConditionExpression:      aws.String("#s = :held AND amount = :amt AND account = :acct AND adjustments = :n"),
				ExpressionAttributeNames: map[string]string{"#s": "state"},
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":new": store.N(hw.adjust), ":n1": store.N(int64(hw.hold.Adjustments + 1)), ":n": store.N(int64(hw.hold.Adjustments)),
					":held": store.S(string(HoldHeld)), ":amt": store.N(hw.hold.Amount), ":acct": store.S(string(hw.hold.Account)),
				},
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
			}})
		} else {
			op.add("hold", types.TransactWriteItem{Update: &types.Update{
				TableName:                aws.String(l.table),
				Key:                      key,
				UpdateExpression:         aws.String("SET #s = :to, settleTransfer = :t"),
				ConditionExpression:      aws.String("#s = :held AND amount = :amt AND account = :acct"),
				ExpressionAttributeNames: map[string]string{"#s": "state"},
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":to": store.S(string(hw.settle)), ":t": store.S(t.ID), ":held": store.S(string(HoldHeld)),
					":amt": store.N(hw.hold.Amount), ":acct": store.S(string(hw.hold.Account)),
				},
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
			}})
		}
	}
	posted := &events.LedgerTransferPosted{TransferID: t.ID, Kind: t.Kind}
	for _, leg := range t.Legs {
		for _, b := range []struct {
			suffix string
			delta  int64
		}{{"", leg.Available}, {".held", leg.Held}, {".pending", leg.Pending}} {
			if b.delta != 0 {
				posted.Postings = append(posted.Postings, events.Posting{Account: string(leg.Account) + b.suffix,
					Amount: moneyOf(b.delta, t.Currency)})
			}
		}
	}
	evt, err := events.OutboxPut(l.outbox, posted, t.At)
	if err != nil {
		return Op{}, fault.Wrap("ledger.prepare", err)
	}
	op.add("event", evt)
	return op, nil
}

func joinAnd(conds []string) string {
	out := conds[0]
	for _, c := range conds[1:] {
		out += " AND " + c
	}
	return out
}

// PrepareHold builds a hold: available → held, and the hold item.
func (l *Ledger) PrepareHold(holdID string, acct Account, currency string, amount int64, at time.Time) (Op, error) {
	t, err := HoldTransfer(holdID, acct, currency, amount, at)
	if err != nil {
		return Op{}, err
	}
	return l.prepare(t, &holdWrite{create: true, hold: Hold{ID: holdID, Account: acct, Currency: currency, Amount: amount}})
}

// PrepareCapture builds a capture of a hold that must still be held.
func (l *Ledger) PrepareCapture(h Hold, credits []Credit, at time.Time) (Op, error) {
	return l.PrepareCaptureAs(h, "capture", credits, at)
}

// PrepareCaptureAs is PrepareCapture with the transfer's kind, as
// statements and reports show it (a flight's capture, a sponsorship's).
func (l *Ledger) PrepareCaptureAs(h Hold, kind string, credits []Credit, at time.Time) (Op, error) {
	t, err := CaptureTransfer(h, credits, at)
	if err != nil {
		return Op{}, err
	}
	t.Kind = kind
	return l.prepare(t, &holdWrite{settle: HoldCaptured, hold: h})
}

// PrepareAdjust builds a change of a held hold's amount (h as last read).
func (l *Ledger) PrepareAdjust(h Hold, amount int64, at time.Time) (Op, error) {
	t, err := AdjustTransfer(h, amount, at)
	if err != nil {
		return Op{}, err
	}
	return l.prepare(t, &holdWrite{adjust: amount, hold: h})
}

// PrepareRelease builds a release of a hold that must still be held.
func (l *Ledger) PrepareRelease(h Hold, at time.Time) (Op, error) {
	return l.prepare(ReleaseTransfer(h, at), &holdWrite{settle: HoldReleased, hold: h})
}

// ErrAlreadyApplied is wrapped in the error Apply returns when the
// transfer was applied before: the caller's business step already
// committed, atomically with it, and this is a retry.
var ErrAlreadyApplied = fault.New(fault.Conflict, "ledger.Apply", "this transfer was already applied")

// Explain turns a failed transaction that contains op's parts into the
// ledger's errors: ErrAlreadyApplied, InsufficientFunds, or Conflict with
// the hold's state. It returns nil when none of op's parts caused the
// failure (the caller's own parts did).
func (op Op) Explain(err error) error {
	tc, ok := err.(*store.TxCanceled)
	if !ok {
		return nil
	}
	if tc.Failed(op.part("transfer")) {
		return ErrAlreadyApplied
	}
	// The hold's state explains a failure before balances do: releasing a
	// captured hold also finds nothing held, but "already captured" is the
	// reason a person can act on.
	if op.hasHold && tc.Failed(op.part("hold")) {
		state := store.StringAttr(tc.Item(op.part("hold")), "state")
		if state == "" {
			return &fault.Error{Kind: fault.NotFound, Op: "ledger.Apply", Message: "no such hold"}
		}
		if state == string(HoldHeld) && op.draw > 0 {
			return &fault.Error{Kind: fault.InsufficientFunds, Op: "ledger.Apply",
				Message: fmt.Sprintf("the hold has less than %d left", op.draw)}
		}
		if state == string(HoldHeld) {
			return &fault.Error{Kind: fault.Conflict, Op: "ledger.Apply", State: state,
				Message: "the hold changed since it was read; read it again"}
		}
		return &fault.Error{Kind: fault.Conflict, Op: "ledger.Apply", State: state,
			Message: fmt.Sprintf("the hold is already %s", state)}
	}
	for _, leg := range op.Transfer.Legs {
		if tc.Failed(op.part("balance " + string(leg.Account))) {
			if leg.Account.IsDebt() {
				return &fault.Error{Kind: fault.Conflict, Op: "ledger.Apply",
					Message: fmt.Sprintf("%s is less than the repayment: it changed since it was read", leg.Account)}
			}
			return &fault.Error{Kind: fault.InsufficientFunds, Op: "ledger.Apply",
				Message: fmt.Sprintf("%s has insufficient %s funds", leg.Account, op.Transfer.Currency)}
		}
	}
	return nil
}

// InsufficientFunds reports whether op failed in err for want of funds.
func (op Op) InsufficientFunds(err error) bool {
	return fault.KindOf(op.Explain(err)) == fault.InsufficientFunds
}

// Apply runs ops alone in one transaction (products add op.Parts to their
// own Tx instead, and use Explain). A transfer that was already applied
// returns ErrAlreadyApplied.
func (l *Ledger) Apply(ctx context.Context, ops ...Op) error {
	tx := store.NewTx()
	for _, op := range ops {
		tx.AddParts(op.Parts...)
	}
	err := tx.Write(ctx, l.db)
	if err == nil {
		return nil
	}
	for _, op := range ops {
		if e := op.Explain(err); e != nil {
			return e
		}
	}
	return fault.Wrap("ledger.Apply", err)
}

// Balance reads an account's balance in a currency (summing the shards of
// a system account), strongly consistent.
func (l *Ledger) Balance(ctx context.Context, a Account, currency string) (Balance, error) {
	const op = "ledger.Balance"
	b := Balance{Account: a, Currency: currency}
	shards := []string{"-"}
	if a.IsSystem() {
		shards = shards[:0]
		for i := 0; i < Shards; i++ {
			shards = append(shards, fmt.Sprintf("s%02d", i))
		}
	}
	for _, sh := range shards {
		it, _, err := store.Get[balanceItem](ctx, l.db, l.table, accountPK(a, currency, sh), "BAL")
		if err != nil {
			return Balance{}, fault.Wrap(op, err)
		}
		b.Available += it.Available
		b.Held += it.Held
		b.Pending += it.Pending
	}
	return b, nil
}

type balanceItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Account   string `dynamodbav:"account"`
	Currency  string `dynamodbav:"currency"`
	Available int64  `dynamodbav:"available"`
	Held      int64  `dynamodbav:"held"`
	Pending   int64  `dynamodbav:"pending"`
}

// Posting is one account's leg of a transfer, as a statement shows it.
type Posting struct {
	TransferID string    `json:"transferId" dynamodbav:"transferId"`
	Kind       string    `json:"kind" dynamodbav:"kind"`
	At         time.Time `json:"at" dynamodbav:"-"`
	AtRaw      string    `json:"-" dynamodbav:"at"`
	Account    string    `json:"account" dynamodbav:"account"`
	Currency   string    `json:"currency" dynamodbav:"currency"`
	Available  int64     `json:"available" dynamodbav:"available"`
	Held       int64     `json:"held" dynamodbav:"held"`
	Pending    int64     `json:"pending" dynamodbav:"pending"`
	Memo       string    `json:"memo,omitempty" dynamodbav:"memo,omitempty"`
	// Fee is Souq's fee of the gross this posting is the net of (its
	// total available + held + pending): gross = total + fee.
	Fee int64 `json:"fee,omitempty" dynamodbav:"fee,omitempty"`
}

// StatementQuery selects postings of one owner account.
type StatementQuery struct {
	Account  Account
	Currency string
	From, To time.Time // zero: unbounded; To is exclusive
	Limit    int
	Cursor   string
}

// Statement pages through an owner account's postings, newest first.
func (l *Ledger) Statement(ctx context.Context, q StatementQuery) ([]Posting, string, error) {
	const op = "ledger.Statement"
	pk := accountPK(q.Account, q.Currency, "-")
	lo, hi := "P#", "P#\uffff"
	if !q.From.IsZero() {
		lo = "P#" + q.From.UTC().Format(tsLayout)
	}
	if !q.To.IsZero() {
		hi = "P#" + q.To.UTC().Format(tsLayout)
	}
	items, next, err := store.QueryPage[Posting](ctx, l.db, &dynamodb.QueryInput{
		TableName:                 aws.String(l.table),
		KeyConditionExpression:    aws.String("pk = :pk AND sk BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": store.S(pk), ":lo": store.S(lo), ":hi": store.S(hi)},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(q.Limit)),
	}, q.Cursor, "pk", pk)
	if err != nil {
		return nil, "", fault.Wrap(op, err)
	}
	out := make([]Posting, 0, len(items))
	for _, p := range items {
		p.At, _ = time.Parse(tsLayout, p.AtRaw)
		if !q.To.IsZero() && !p.At.Before(q.To) {
			continue
		}
		out = append(out, p)
	}
	return out, next, nil
}

// Day is an owner account's postings of one kind on one UTC day: their
// net total (what they changed its money by) and how many there were.
type Day struct {
	Day       string `json:"day" dynamodbav:"day"`
	Kind      string `json:"kind" dynamodbav:"kind"`
	Net       int64  `json:"net" dynamodbav:"net"`
	Transfers int64  `json:"transfers" dynamodbav:"n"`
	// Fee is Souq's fees of the day's postings: their gross is Net + Fee.
	Fee int64 `json:"fee" dynamodbav:"fee"`
}

// Days reads an owner account's days from the UTC day from to the day to
// (both YYYY-MM-DD, inclusive), oldest first, kinds in order within a day:
// one Query of at most (days × kinds) small items.
func (l *Ledger) Days(ctx context.Context, a Account, currency, from, to string) ([]Day, error) {
	if a.IsSystem() {
		return nil, fault.New(fault.Invalid, "ledger.Days", "system accounts keep no days")
	}
	out, err := store.QueryAll[Day](ctx, l.db, &dynamodb.QueryInput{
		TableName:              aws.String(l.table),
		KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": store.S(accountPK(a, currency, "-")),
			":lo": store.S("D#" + from), ":hi": store.S("D#" + to + "#\uffff")},
	}, 1000)
	return out, fault.Wrap("ledger.Days", err)
}

// holdItem and transferItem are the stored forms of a hold and a transfer.
type holdItem struct {
	Account     string `dynamodbav:"account"`
	Currency    string `dynamodbav:"currency"`
	Amount      int64  `dynamodbav:"amount"`
	State       string `dynamodbav:"state"`
	Adjustments int    `dynamodbav:"adjustments"`
}

type transferItem struct {
	Kind     string `dynamodbav:"kind"`
	Currency string `dynamodbav:"currency"`
	Legs     string `dynamodbav:"legs"`
	At       string `dynamodbav:"at"`
	HoldID   string `dynamodbav:"holdId"`
}

// GetHold reads a hold.
func (l *Ledger) GetHold(ctx context.Context, holdID string) (Hold, error) {
	it, found, err := store.Get[holdItem](ctx, l.db, l.table, "H#"+holdID, "H")
	if err != nil {
		return Hold{}, fault.Wrap("ledger.GetHold", err)
	}
	if !found {
		return Hold{}, fault.New(fault.NotFound, "ledger.GetHold", "no such hold")
	}
	return Hold{ID: holdID, Account: Account(it.Account), Currency: it.Currency, Amount: it.Amount, State: HoldState(it.State), Adjustments: it.Adjustments}, nil
}

// GetTransfer reads a posted transfer (for a retry that must return the
// first result).
func (l *Ledger) GetTransfer(ctx context.Context, id string) (Transfer, error) {
	it, found, err := store.Get[transferItem](ctx, l.db, l.table, "T#"+id, "T")
	if err != nil {
		return Transfer{}, fault.Wrap("ledger.GetTransfer", err)
	}
	if !found {
		return Transfer{}, fault.New(fault.NotFound, "ledger.GetTransfer", "no such transfer")
	}
	t := Transfer{ID: id, Kind: it.Kind, Currency: it.Currency, HoldID: it.HoldID}
	t.At, _ = time.Parse(tsLayout, it.At)
	if err := json.Unmarshal([]byte(it.Legs), &t.Legs); err != nil {
		return Transfer{}, fault.Wrap("ledger.GetTransfer", err)
	}
	return t, nil
}
