package campaigns

import (
	"testing"
	"time"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
)

var now = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

func valid() Campaign {
	usd := func(n int64) money.Amount { return money.Amount{Minor: n, Currency: "USD"} }
	return Campaign{Name: "Winter", Currency: "USD", Pricing: Pricing{Model: CPM, Bid: usd(250)}, Budget: usd(10_000),
		Start: now, End: now.Add(72 * time.Hour), Pacing: Even, State: Live,
		Creative: Creative{ImageURL: "https://cdn.example/w.png", ClickURL: "https://shop.example/", AltText: "Winter", Width: 300, Height: 250}}
}

// The status is the stored state read against the clock: the window's
// edges are [start, end), and ended or paused override it.
func TestStatusAt(t *testing.T) {
	c := valid()
	c.Start = now.Add(time.Hour)
	for _, tc := range []struct {
		state State
		at    time.Time
		want  Status
	}{
		{Live, now, Scheduled},
		{Live, c.Start.Add(-time.Millisecond), Scheduled},
		{Live, c.Start, Active},
		{Live, c.End.Add(-time.Millisecond), Active},
		{Live, c.End, StatusEnded},
		{Paused, now, StatusPaused},
		{Paused, c.End, StatusEnded},
		{Ended, c.Start, StatusEnded},
	} {
		c.State = tc.state
		if got := c.StatusAt(tc.at); got != tc.want {
			t.Errorf("%s at %s: %s, want %s", tc.state, tc.at, got, tc.want)
		}
	}
}

// Check names the one field that is wrong, and passes a valid campaign.
func TestCheck_NamesTheBadField(t *testing.T) {
	if err := Check(valid(), now); err != nil {
		t.Fatalf("a valid campaign: %v", err)
	}
	usd := func(n int64) money.Amount { return money.Amount{Minor: n, Currency: "USD"} }
	for want, change := range map[string]func(*Campaign){
		"name":              func(c *Campaign) { c.Name = "\u202e" },
		"currency":          func(c *Campaign) { c.Currency, c.Budget.Currency, c.Pricing.Bid.Currency = "XYZ", "XYZ", "XYZ" },
		"pricing.model":     func(c *Campaign) { c.Pricing.Model = "cpv" },
		"pricing.bid":       func(c *Campaign) { c.Pricing.Bid = usd(-1) },
		"budget":            func(c *Campaign) { c.Budget = usd(money.MaxMinor + 1) },
		"dailyCap":          func(c *Campaign) { d := money.Amount{Minor: 5, Currency: "EUR"}; c.DailyCap = &d },
		"pacing":            func(c *Campaign) { c.Pacing = "" },
		"end":               func(c *Campaign) { c.End = c.Start },
		"start":             func(c *Campaign) { c.Start = now.Add(400 * 24 * time.Hour); c.End = c.Start.Add(time.Hour) },
		"creative.clickUrl": func(c *Campaign) { c.Creative.ClickURL = "javascript:alert(1)" },
		"creative.altText":  func(c *Campaign) { c.Creative.AltText = string(make([]rune, MaxAltTextLen+1)) },
		"creative.height":   func(c *Campaign) { c.Creative.Height = MaxSide + 1 },
	} {
		c := valid()
		change(&c)
		err := Check(c, now)
		if err == nil {
			t.Errorf("%s: accepted", want)
			continue
		}
		if got := fieldNames(err); got != want {
			t.Errorf("%s: fields %q (%v)", want, got, err)
		}
	}
}

func fieldNames(err error) string {
	fe, ok := fault.As(err)
	if !ok {
		return ""
	}
	out := ""
	for i, f := range fe.Fields {
		if i > 0 {
			out += ","
		}
		out += f.Field
	}
	return out
}
