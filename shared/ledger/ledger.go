// Package ledger is Souq's double-entry ledger (DESIGN §4). Every movement
// of money is a Transfer: legs on accounts whose deltas sum to zero, applied
// exactly once (keyed by a deterministic transfer id) inside the caller's
// own TransactWriteItems, together with its state change and its
// LedgerTransferPosted event. Holds are two-phase transfers: Hold (available
// → held), then exactly one of Capture or Release.
//
// It must never let a non-external balance go below zero, never apply a
// transfer twice, and never edit a posted transfer: corrections are new
// transfers.
package ledger

import (
	"fmt"
	"strings"
	"time"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
)

// Account names a ledger account, per currency: "advertiser:adv_…",
// "community:com_…", "influencer:usr_…", "person:usr_…", "platform:fees",
// "platform:refunds_in_transit", "platform:disputes", "external:deposits",
// "external:payouts", a payer's debt, "debt:advertiser:adv_…", and an
// owner's payouts on their way to its bank, "transit:community:com_…".
type Account string

// System accounts.
const (
	PlatformFees Account = "platform:fees"
	// PlatformRefundsTransit holds refunds of unspent money that Stripe
	// has not confirmed yet; PlatformDisputes holds disputed deposits
	// until the card network decides (DESIGN §15).
	PlatformRefundsTransit Account = "platform:refunds_in_transit"
	PlatformDisputes       Account = "platform:disputes"
	ExternalDeposits       Account = "external:deposits"
	ExternalPayouts        Account = "external:payouts"
)

// Advertiser, Community, Influencer and Person name owners' accounts (a
// person pays memberships).
func Advertiser(id string) Account { return Account("advertiser:" + id) }
func Community(id string) Account  { return Account("community:" + id) }
func Influencer(id string) Account { return Account("influencer:" + id) }
func Person(id string) Account     { return Account("person:" + id) }

// Debt names what a payer owes Souq: a dispute or a refund made in
// Stripe's dashboard that its available balance could not cover. Its
// balance is never above zero: -100 is 1.00 owed. The payer's next
// deposits repay it first.
func Debt(payer Account) Account { return Account("debt:" + string(payer)) }

// InTransit names an owner's claimed payouts that its bank has not had
// yet: a claim moves the amount there from the owner's available balance,
// and it leaves when the payout is paid (to external:payouts) or fails
// (back to available). Its own account, not a shared one, so that the
// owner's balance can say how much is in transit (DESIGN §16).
func InTransit(owner Account) Account { return Account("transit:" + string(owner)) }

// IsDebt reports whether the account is a payer's debt: the one kind of
// owner's account below zero, and never above it.
func (a Account) IsDebt() bool { return strings.HasPrefix(string(a), "debt:") }

// IsExternal reports whether the account stands for the world outside
// Souq (card networks, bank payouts): these, and debts, may go negative.
func (a Account) IsExternal() bool { return strings.HasPrefix(string(a), "external:") }

// IsSystem reports whether the account is Souq's own (platform or
// external). System accounts take part in every settlement, so their
// balances are sharded (see dynamo.go).
func (a Account) IsSystem() bool {
	return a.IsExternal() || strings.HasPrefix(string(a), "platform:")
}

func (a Account) valid() bool {
	kind, id, ok := strings.Cut(string(a), ":")
	if !ok || id == "" || len(a) > 128 || strings.ContainsAny(string(a), "#\x00") {
		return false
	}
	switch kind {
	case "advertiser", "community", "influencer", "person", "platform", "external":
		return true
	case "debt", "transit":
		owner := Account(id)
		return !owner.IsDebt() && !owner.IsSystem() && !strings.HasPrefix(id, "transit:") && owner.valid()
	}
	return false
}

// Leg is one account's part in a transfer: a delta per balance kind.
type Leg struct {
	Account   Account `json:"account" dynamodbav:"account"`
	Available int64   `json:"available,omitempty" dynamodbav:"available"`
	Held      int64   `json:"held,omitempty" dynamodbav:"held"`
	Pending   int64   `json:"pending,omitempty" dynamodbav:"pending"`
	// Floor is what a leg that takes from available must leave there (0:
	// it may take all): a community's payout leaves its card-funded money
	// in place (DESIGN §15). It is a condition of the write, not stored.
	Floor int64 `json:"-" dynamodbav:"-"`
	// Fee is what Souq took as its fee of the gross this leg's owner
	// earned (the leg is the net): statements and reports show gross, fee
	// and net from it (DESIGN §16). It moves no money (the fee is its own
	// leg, to platform:fees) and is only on an owner's leg, never negative.
	Fee int64 `json:"fee,omitempty" dynamodbav:"-"`
}

func (l Leg) sum() (int64, error) {
	s, err := add(l.Available, l.Held)
	if err != nil {
		return 0, err
	}
	return add(s, l.Pending)
}

// Transfer is a set of legs in one currency that sums to zero.
type Transfer struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	Currency string    `json:"currency"`
	Legs     []Leg     `json:"legs"`
	At       time.Time `json:"at"`
	// HoldID links hold, capture and release transfers to their hold.
	HoldID string `json:"holdId,omitempty"`
	// ShardKey, when set, chooses the shards of system accounts instead of
	// the transfer id. Transfers that credit a system account and later
	// debit it (a refund sent into platform:refunds_in_transit, then
	// confirmed or failed out of it) share one, so the debit meets the credit
	// on the same shard and no shard goes below zero.
	ShardKey string `json:"shardKey,omitempty"`
	// Memo says, for people reading a statement, what the transfer was
	// for (a campaign's settlement: the units it billed); at most 200
	// bytes, kept on each posting.
	Memo string `json:"memo,omitempty"`
}

// MaxLegs bounds a transfer: each leg is up to three items of a 100-item
// transaction (its balance, its posting, an owner's day total), and the
// product's own items need room too. A campaign's settlement is the
// widest: the advertiser, the platform's fee and up to 20 communities
// (serving.MeterCommunities), 91 items in all with its report lines.
const MaxLegs = 22

// Validate checks what must hold before any write (and again in Verify):
// a txf_ id, a known currency, distinct valid accounts, no empty leg, no
// int64 overflow, and deltas that sum to zero.
func (t Transfer) Validate() error {
	const op = "ledger.Validate"
	if !strings.HasPrefix(t.ID, "txf_") || len(t.ID) > 200 || strings.ContainsAny(t.ID, "#\x00") {
		return fault.New(fault.Invalid, op, fmt.Sprintf("transfer id %q must start with txf_", t.ID))
	}
	if !money.IsCurrency(t.Currency) {
		return fault.New(fault.Invalid, op, fmt.Sprintf("unknown currency %q", t.Currency))
	}
	if len(t.Memo) > 200 {
		return fault.New(fault.Invalid, op, "a memo has at most 200 bytes")
	}
	if len(t.Legs) == 0 || len(t.Legs) > MaxLegs {
		return fault.New(fault.Invalid, op, fmt.Sprintf("a transfer has 1 to %d legs", MaxLegs))
	}
	seen := map[Account]bool{}
	var total int64
	for _, l := range t.Legs {
		if !l.Account.valid() {
			return fault.New(fault.Invalid, op, fmt.Sprintf("invalid account %q", l.Account))
		}
		if seen[l.Account] {
			return fault.New(fault.Invalid, op, fmt.Sprintf("account %s appears twice", l.Account))
		}
		seen[l.Account] = true
		if l.Available == 0 && l.Held == 0 && l.Pending == 0 {
			return fault.New(fault.Invalid, op, fmt.Sprintf("leg on %s moves nothing", l.Account))
		}
		if l.Fee < 0 || l.Fee > money.MaxMinor*1000 || (l.Fee > 0 && (l.Account.IsSystem() || l.Account.IsDebt())) {
			return fault.New(fault.Invalid, op, "a fee is a non-negative amount on an owner's leg")
		}
		if (l.Account.IsExternal() || l.Account.IsDebt()) && (l.Held != 0 || l.Pending != 0) {
			return fault.New(fault.Invalid, op, "external and debt accounts have only an available balance")
		}
		for _, d := range []int64{l.Available, l.Held, l.Pending} {
			if d > money.MaxMinor*1000 || d < -money.MaxMinor*1000 {
				return fault.New(fault.Invalid, op, "amount out of range")
			}
		}
		s, err := l.sum()
		if err != nil {
			return fault.New(fault.Invalid, op, "amount out of range")
		}
		if total, err = add(total, s); err != nil {
			return fault.New(fault.Invalid, op, "amount out of range")
		}
	}
	if total != 0 {
		return fault.New(fault.Invalid, op, fmt.Sprintf("transfer %s does not balance: its legs sum to %d", t.ID, total))
	}
	return nil
}

func add(a, b int64) (int64, error) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, money.ErrOverflow
	}
	return s, nil
}

// Balance is an account's balances in one currency.
type Balance struct {
	Account   Account `json:"account"`
	Currency  string  `json:"currency"`
	Available int64   `json:"available"`
	Held      int64   `json:"held"`
	Pending   int64   `json:"pending"`
}

// HoldState is where a hold is in its life.
type HoldState string

// Hold states: a hold is held until exactly one capture or release.
const (
	HoldHeld     HoldState = "held"
	HoldCaptured HoldState = "captured"
	HoldReleased HoldState = "released"
)

// Hold is money set aside from an account's available balance.
type Hold struct {
	ID       string    `json:"id"`
	Account  Account   `json:"account"`
	Currency string    `json:"currency"`
	Amount   int64     `json:"amount"`
	State    HoldState `json:"state"`
	// Adjustments counts the changes of amount since the hold was made
	// (a replaced bid moves its hold by the difference).
	Adjustments int `json:"adjustments"`
}

// Credit is one destination of a capture.
type Credit struct {
	Account Account
	// Bucket receives the credit: available (default) or held/pending,
	// e.g. a sponsorship's funds captured into the community's held
	// balance until the post is published.
	Bucket Bucket
	Amount int64
	// Fee is the Leg's Fee: Souq's fee of the gross this credit is the
	// net of.
	Fee int64
}

// Bucket is a balance kind.
type Bucket string

// Balance kinds (DESIGN §4).
const (
	Available Bucket = "available"
	Held      Bucket = "held"
	Pending   Bucket = "pending"
)

// HoldTransfer moves amount from available to held on one account.
func HoldTransfer(holdID string, acct Account, currency string, amount int64, at time.Time) (Transfer, error) {
	if amount <= 0 {
		return Transfer{}, fault.New(fault.Invalid, "ledger.Hold", "a hold is a positive amount")
	}
	return Transfer{ID: "txf_" + holdID + "_hold", Kind: "hold", Currency: currency, At: at, HoldID: holdID,
		Legs: []Leg{{Account: acct, Available: -amount, Held: amount}}}, nil
}

// CaptureTransfer takes a held amount: the credits go to their accounts,
// and whatever the credits leave of the hold returns to available. The
// credits must not exceed the hold.
func CaptureTransfer(h Hold, credits []Credit, at time.Time) (Transfer, error) {
	const op = "ledger.Capture"
	payer := Leg{Account: h.Account, Held: -h.Amount}
	legs, captured, err := creditLegs(op, h.Account, credits)
	if err != nil {
		return Transfer{}, err
	}
	if captured > h.Amount {
		return Transfer{}, fault.New(fault.Invalid, op, fmt.Sprintf("captures %d from a hold of %d", captured, h.Amount))
	}
	payer.Available = h.Amount - captured
	return Transfer{ID: "txf_" + h.ID + "_capture", Kind: "capture", Currency: h.Currency, At: at, HoldID: h.ID,
		Legs: append([]Leg{payer}, legs...)}, nil
}

// creditLegs turns the credits of a capture or a draw from payer's held
// balance into legs, and their sum: no negative credit, none to the payer,
// zero credits left out.
func creditLegs(op string, payer Account, credits []Credit) ([]Leg, int64, error) {
	legs := []Leg{}
	var sum int64
	for _, c := range credits {
		if c.Amount < 0 {
			return nil, 0, fault.New(fault.Invalid, op, "a credit is not negative")
		}
		if c.Amount == 0 {
			continue
		}
		if c.Account == payer {
			return nil, 0, fault.New(fault.Invalid, op, "a hold cannot be spent into its own account")
		}
		var err error
		if sum, err = add(sum, c.Amount); err != nil {
			return nil, 0, fault.New(fault.Invalid, op, "amount out of range")
		}
		l := Leg{Account: c.Account, Fee: c.Fee}
		switch c.Bucket {
		case Available, "":
			l.Available = c.Amount
		case Held:
			l.Held = c.Amount
		case Pending:
			l.Pending = c.Amount
		default:
			return nil, 0, fault.New(fault.Invalid, op, "unknown bucket "+string(c.Bucket))
		}
		legs = append(legs, l)
	}
	return legs, sum, nil
}

// AdjustTransfer moves a held hold to a new amount: the difference goes
// from available to held (up) or back (down). Its id numbers the
// adjustment, so a retried adjustment applies once.
func AdjustTransfer(h Hold, amount int64, at time.Time) (Transfer, error) {
	const op = "ledger.Adjust"
	if amount <= 0 {
		return Transfer{}, fault.New(fault.Invalid, op, "a hold is a positive amount; release it instead")
	}
	d := amount - h.Amount
	if d == 0 {
		return Transfer{}, fault.New(fault.Invalid, op, "the hold already has that amount")
	}
	return Transfer{ID: fmt.Sprintf("txf_%s_adj%d", h.ID, h.Adjustments+1), Kind: "adjust", Currency: h.Currency, At: at, HoldID: h.ID,
		Legs: []Leg{{Account: h.Account, Available: -d, Held: d}}}, nil
}

// ReleaseTransfer returns a whole hold to available.
func ReleaseTransfer(h Hold, at time.Time) Transfer {
	return Transfer{ID: "txf_" + h.ID + "_release", Kind: "release", Currency: h.Currency, At: at, HoldID: h.ID,
		Legs: []Leg{{Account: h.Account, Held: -h.Amount, Available: h.Amount}}}
}
