package campaigns

import (
	"testing"
	"time"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
)

// The lowest budget is what was spent plus the most one more settlement
// may draw: the busiest settlement so far, never more than the hold has
// left nor than is left of today's cap (a cap spent on another day is
// whole again today).
func TestLowestBudget_SpentPlusWhatOneMoreSettlementMayDraw(t *testing.T) {
	usd := func(n int64) *money.Amount { return &money.Amount{Minor: n, Currency: "USD"} }
	today, yesterday := now.Format("2006-01-02"), now.Add(-24*time.Hour).Format("2006-01-02")
	for name, tc := range map[string]struct {
		cap              *money.Amount
		books            Books
		spent, remaining int64
		unsettled        int64
	}{
		"never settled: no meter to go by":     {nil, Books{}, 0, 5_000, 0},
		"the busiest settlement so far":        {nil, Books{MaxDraw: 234, Day: today, DaySpent: 1_000}, 1_000, 4_000, 234},
		"no more than the hold has left":       {nil, Books{MaxDraw: 900}, 4_500, 500, 500},
		"a hold drawn to nothing":              {nil, Books{MaxDraw: 900}, 5_000, 0, 0},
		"no more than today's cap leaves":      {usd(1_200), Books{MaxDraw: 900, Day: today, DaySpent: 1_000}, 3_000, 2_000, 200},
		"today's cap reached":                  {usd(1_000), Books{MaxDraw: 900, Day: today, DaySpent: 1_000}, 3_000, 2_000, 0},
		"a cap spent yesterday is whole today": {usd(1_000), Books{MaxDraw: 900, Day: yesterday, DaySpent: 1_000}, 3_000, 2_000, 900},
	} {
		c := cpm(250, 5_000)
		c.DailyCap = tc.cap
		f := LowestBudget(c, tc.books, tc.spent, tc.remaining, now)
		if f.Spent != *usd(tc.spent) || f.Unsettled != *usd(tc.unsettled) || f.Least() != *usd(tc.spent + tc.unsettled) {
			t.Errorf("%s: %+v, want spent %d and %d unsettled", name, f, tc.spent, tc.unsettled)
		}
	}
}

// Below the floor is a 422 (InsufficientFunds) naming budget and saying
// the least allowed in the currency's words; at the floor is fine.
func TestBudgetFloor_Lower_NamesTheLeastAllowed(t *testing.T) {
	f := BudgetFloor{Spent: money.Amount{Minor: 1_000, Currency: "USD"}, Unsettled: money.Amount{Minor: 234, Currency: "USD"}}
	if err := f.Lower("op", money.Amount{Minor: 1_234, Currency: "USD"}); err != nil {
		t.Fatalf("at the floor: %v", err)
	}
	err := f.Lower("op", money.Amount{Minor: 1_233, Currency: "USD"})
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.InsufficientFunds || len(fe.Fields) != 1 || fe.Fields[0].Field != "budget" ||
		fe.Fields[0].Message != "must be at least 12.34 USD (spent 10.00 and up to 2.34 the last meter may still bill)" {
		t.Fatalf("below the floor: %#v", err)
	}
}

// A settlement keeps the most one settlement drew (spend and premium).
func TestSettle_KeepsTheBusiestDraw(t *testing.T) {
	c := cpm(250, 1_000_000)
	ch, _ := Settle(c, Books{}, Meter{Seq: 1, Communities: map[string]Units{"com_a": {Impressions: 2_000}}}, 1_000_000, now, 7000)
	if ch.Books.MaxDraw != 500 {
		t.Fatalf("after a draw of 500: %+v", ch.Books)
	}
	ch, _ = Settle(c, ch.Books, Meter{Seq: 2, Communities: map[string]Units{"com_a": {Impressions: 2_400}}}, 1_000_000, now, 7000)
	if ch.Amount != 100 || ch.Books.MaxDraw != 500 {
		t.Fatalf("after a smaller one: %+v (%d)", ch.Books, ch.Amount)
	}
	ch, _ = Settle(c, ch.Books, Meter{Seq: 3, Communities: map[string]Units{"com_a": {Impressions: 6_400}}}, 1_000_000, now, 7000)
	if ch.Amount != 1_000 || ch.Books.MaxDraw != 1_000 {
		t.Fatalf("after a larger one: %+v (%d)", ch.Books, ch.Amount)
	}
}
