package memberships

import (
	"testing"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
)

// A tier as typed: trimmed words, prices monthly first, each refusal
// naming its field.
func TestCheckTier(t *testing.T) {
	eur := func(n int64) money.Amount { return money.Amount{Minor: n, Currency: "EUR"} }
	in, err := checkTier("op", TierInput{Name: "  Supporter ", Description: " Thanks. ", Benefits: []string{"ad_free", "early_access"},
		Prices: []PriceInput{{Interval: Year, Amount: eur(5000)}, {Interval: Month, Amount: eur(500)}}, TrialDays: 7}, "EUR")
	if err != nil || in.Name != "Supporter" || in.Description != "Thanks." || in.Prices[0].Interval != Month || in.Prices[1].Interval != Year {
		t.Fatalf("%+v %v", in, err)
	}
	for _, tc := range []struct {
		in    TierInput
		field string
	}{
		{TierInput{Name: "A", Prices: []PriceInput{{Interval: Month, Amount: money.Amount{Minor: 500, Currency: "USD"}}}}, "prices[0].amount.currency"},
		{TierInput{Name: "A\nB", Prices: []PriceInput{{Interval: Month, Amount: eur(500)}}}, "name"},
		{TierInput{Name: "A", Prices: []PriceInput{{Interval: Month, Amount: eur(500)}, {Interval: Month, Amount: eur(600)}}}, "prices[1].interval"},
		{TierInput{Name: "A", Prices: []PriceInput{{Interval: Month, Amount: eur(500)}, {Interval: Year, Amount: eur(600)}, {Interval: Year, Amount: eur(700)}}}, "prices"},
		{TierInput{Name: "A", Benefits: []string{"ad-free"}, Prices: []PriceInput{{Interval: Month, Amount: eur(500)}}}, "benefits[0]"},
		{TierInput{Name: "A", TrialDays: -1, Prices: []PriceInput{{Interval: Month, Amount: eur(500)}}}, "trialDays"},
	} {
		_, err := checkTier("op", tc.in, "EUR")
		fe, _ := fault.As(err)
		found := false
		for _, f := range fe.Fields {
			found = found || f.Field == tc.field
		}
		if fault.KindOf(err) != fault.Invalid || !found {
			t.Errorf("%+v: %v, want an error on %s", tc.in, err, tc.field)
		}
	}
}
