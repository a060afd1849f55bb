package campaigns

import (
	"fmt"
	"time"

	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
)

// BudgetFloor is the least a campaign's budget may be lowered to now, and
// what it is made of.
type BudgetFloor struct {
	// Spent is what its settlements drew from the hold (premiums
	// included): what the campaign shows as spent.
	Spent money.Amount
	// Unsettled is what the last meter may still bill (LowestBudget).
	Unsettled money.Amount
}

// Least is the lowest budget allowed: Spent + Unsettled.
func (f BudgetFloor) Least() money.Amount {
	return money.Amount{Minor: f.Spent.Minor + f.Unsettled.Minor, Currency: f.Spent.Currency}
}

// LowestBudget is the least c's budget may be lowered to at now: what it
// spent (spent, drawn from its hold), plus what the last meter may still
// bill — the most one more settlement may draw, which is
//
//	min(remaining, b.MaxDraw, what is left of today's cap)
//
// Why room for one more settlement: serving goes on offering the campaign
// on its old budget until it hears the change (CampaignChanged; it reads
// campaigns every 10 s), and what it counted until then reaches the
// campaign in its next meter (every minute), settled after the change. A
// settlement never draws more than the hold has left, so a budget lowered
// to exactly what was spent would make those views free: shown, paid for
// by nobody, earned by no community. How much that meter carries the
// campaign cannot see (serving's counts are serving's); what it knows is
// what one meter of it drew at most so far (b.MaxDraw: a meter is a
// minute's traffic, and the busiest minute seen, unlike the last one,
// cannot be lowered by waiting for a quiet minute). No settlement draws
// more than the hold has left (remaining), nor more than is left of
// today's cap (as a settlement today reckons it), so neither does the
// bound.
//
// It is an estimate of the next meter, not a promise: what that meter
// brings past it is free, as anything past a budget is. The ledger is
// never at risk either way, since a settlement draws at most what the
// hold has after the release.
func LowestBudget(c Campaign, b Books, spent, remaining int64, now time.Time) BudgetFloor {
	unsettled := min(max(0, remaining), max(0, b.MaxDraw))
	if c.DailyCap != nil {
		today := int64(0)
		if b.Day == now.UTC().Format(clock.DayLayout) {
			today = b.DaySpent
		}
		unsettled = min(unsettled, max(0, c.DailyCap.Minor-today))
	}
	cur := func(n int64) money.Amount { return money.Amount{Minor: n, Currency: c.Currency} }
	return BudgetFloor{Spent: cur(spent), Unsettled: cur(unsettled)}
}

// Lower checks a lowered budget against its floor: below it is
// InsufficientFunds (422) naming budget, with the least allowed in the
// currency's words.
func (f BudgetFloor) Lower(op string, budget money.Amount) error {
	least := f.Least()
	if budget.Minor >= least.Minor {
		return nil
	}
	return &fault.Error{Kind: fault.InsufficientFunds, Op: op,
		Message: "the budget cannot go below what the campaign spent and what its last meter may still bill",
		Fields: []fault.FieldError{{Field: "budget", Message: fmt.Sprintf("must be at least %s (spent %s and up to %s the last meter may still bill)",
			least, f.Spent.Decimal(), f.Unsettled.Decimal())}}}
}
