package referrals

import (
	"strings"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/money"
)

func TestCommission_FlatPercentCapAndHalfEven(t *testing.T) {
	usd := func(n int64) money.Amount { return money.Amount{Minor: n, Currency: "USD"} }
	for _, c := range []struct {
		name   string
		terms  Terms
		amount int64
		want   int64
	}{
		{"flat ignores the amount", Terms{Type: Flat, Amount: 500}, 12_345, 500},
		{"flat under a cap", Terms{Type: Flat, Amount: 500, Cap: 300}, 12_345, 300},
		{"percent", Terms{Type: Percent, Bps: 2000}, 10_000, 2_000},
		{"percent rounds half to even, down", Terms{Type: Percent, Bps: 5000}, 5, 2},    // 2.5 → 2
		{"percent rounds half to even, up", Terms{Type: Percent, Bps: 5000}, 7, 4},      // 3.5 → 4
		{"percent rounds over half up", Terms{Type: Percent, Bps: 3333}, 100, 33},       // 33.33 → 33
		{"percent rounds 0.5 of a cent to even", Terms{Type: Percent, Bps: 250}, 20, 0}, // 0.5 → 0
		{"percent capped", Terms{Type: Percent, Bps: 2000}, 100_000, 5_000},
		{"percent, a zero cap is no cap", Terms{Type: Percent, Bps: 10_000, Cap: 0}, 777, 777},
	} {
		if c.name == "percent capped" {
			c.terms.Cap = 5_000
		}
		got, err := c.terms.Commission(usd(c.amount))
		if err != nil || got.Minor != c.want || got.Currency != "USD" {
			t.Errorf("%s: %v %v, want %d", c.name, got, err, c.want)
		}
	}
	if _, err := (Terms{Type: "bonus"}).Commission(usd(1)); err == nil {
		t.Fatal("an unknown commission type computes nothing")
	}
}

func TestReversedShare_ProportionalHalfEvenNeverMore(t *testing.T) {
	for _, c := range []struct{ commission, reversed, amount, want int64 }{
		{2_000, 10_000, 10_000, 2_000}, // full
		{2_000, 5_000, 10_000, 1_000},  // half
		{5, 1, 2, 2},                   // 2.5 → 2
		{7, 1, 2, 4},                   // 3.5 → 4
		{500, 20_000, 10_000, 500},     // more than the amount: all of it, never more
		{500, 0, 10_000, 0},
		{money.MaxMinor, money.MaxMinor - 1, money.MaxMinor, money.MaxMinor - 1}, // no overflow
	} {
		if got := ReversedShare(c.commission, c.reversed, c.amount); got != c.want {
			t.Errorf("ReversedShare(%d, %d, %d) = %d, want %d", c.commission, c.reversed, c.amount, got, c.want)
		}
	}
}

func TestCheckTerms(t *testing.T) {
	ok := Terms{Type: Percent, Bps: 1500, AttributionDays: 30, HoldDays: 14}
	if f := CheckTerms(ok); len(f) != 0 {
		t.Fatal(f)
	}
	for name, bad := range map[string]Terms{
		"no type":          {AttributionDays: 30},
		"percent over 100": {Type: Percent, Bps: 10_001, AttributionDays: 30},
		"percent and flat": {Type: Percent, Bps: 10, Amount: 5, AttributionDays: 30},
		"flat of zero":     {Type: Flat, AttributionDays: 30},
		"negative cap":     {Type: Flat, Amount: 5, Cap: -1, AttributionDays: 30},
		"no window":        {Type: Flat, Amount: 5},
		"hold too long":    {Type: Flat, Amount: 5, AttributionDays: 30, HoldDays: 181},
	} {
		if f := CheckTerms(bad); len(f) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCodes_CaseInsensitiveAndUnguessable(t *testing.T) {
	if c, ok := NormalizeCode("  GoPher-2026 "); !ok || c != "gopher-2026" {
		t.Fatalf("normalized %q %v", c, ok)
	}
	for _, bad := range []string{"", "ab", "-lead", "has space", "emoji🙂", strings.Repeat("a", 33), "semi;colon"} {
		if _, ok := NormalizeCode(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	seen := map[string]bool{}
	for i := 0; i < 2_000; i++ {
		c := NewCode()
		if len(c) != 12 || strings.ContainsAny(c, "01ilo") || seen[c] {
			t.Fatalf("code %q (or a repeat)", c)
		}
		if _, ok := NormalizeCode(c); !ok {
			t.Fatalf("a generated code %q does not normalize", c)
		}
		seen[c] = true
	}
}

func TestJudge_WhatEarnsWhatIsFlaggedWhatIsNot(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	ok := Facts{DealApproved: true, ProgramActive: true, Now: now, AttributionDays: 30, Commission: 500}
	clicked := ok
	clicked.Clicked, clicked.ClickAt = true, now.Add(-24*time.Hour)
	with := func(f Facts, change func(*Facts)) Facts { change(&f); return f }
	for name, c := range map[string]struct {
		f       Facts
		sources int64
		status  Status
		reason  Reason
		asked   bool
	}{
		"a clean conversion earns":            {f: ok, status: Pending},
		"through a click, a quiet source":     {f: clicked, sources: 1, status: Pending, asked: true},
		"a busy source is flagged":            {f: clicked, sources: 2, status: Flagged, reason: ReasonIPBurst, asked: true},
		"a click converting twice is flagged": {f: with(clicked, func(f *Facts) { f.ClickConversions = 1 }), status: Flagged, reason: ReasonClickBurst},
		"another influencer's customer":       {f: with(ok, func(f *Facts) { f.CustomerSeen, f.CustomerOnOtherDeal, f.Recurring = true, true, true }), status: Flagged, reason: ReasonCustomerOnOther},
		"a repeat customer earns nothing":     {f: with(ok, func(f *Facts) { f.CustomerSeen = true }), status: NoCommission, reason: ReasonRepeatCustomer},
		"a recurring program pays repeats":    {f: with(ok, func(f *Facts) { f.CustomerSeen, f.Recurring = true, true }), status: Pending},
		"a forced reason wins":                {f: with(ok, func(f *Facts) { f.Forced = ReasonBudgetExhausted }), status: NoCommission, reason: ReasonBudgetExhausted},
		"an ended deal":                       {f: with(ok, func(f *Facts) { f.DealApproved = false }), status: NoCommission, reason: ReasonDealEnded},
		"a paused program":                    {f: with(ok, func(f *Facts) { f.ProgramActive = false }), status: NoCommission, reason: ReasonProgramInactive},
		"after the attribution window":        {f: with(clicked, func(f *Facts) { f.ClickAt = now.Add(-30 * 24 * time.Hour) }), status: NoCommission, reason: ReasonAttributionWindow},
		"the influencer buying":               {f: with(ok, func(f *Facts) { f.SelfReferral = true }), status: NoCommission, reason: ReasonSelfReferral},
		"a commission of zero":                {f: with(ok, func(f *Facts) { f.Commission = 0 }), status: NoCommission, reason: ReasonZeroCommission},
	} {
		asked := false
		status, reason, err := Judge(c.f, func() (int64, error) { asked = true; return c.sources, nil })
		if err != nil || status != c.status || reason != c.reason || asked != c.asked {
			t.Errorf("%s: %s %q (source asked: %v) %v; want %s %q (%v)", name, status, reason, asked, err, c.status, c.reason, c.asked)
		}
	}
}
