package campaigns

import (
	"fmt"
	"math/big"
	"sort"
	"time"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/money"
)

// Units are what serving counted of a campaign on a community's slots:
// valid viewable impressions, and valid clicks after a view.
type Units struct {
	Impressions int64 `json:"impressions" dynamodbav:"i"`
	Clicks      int64 `json:"clicks" dynamodbav:"c"`
	// Invalid are the refused views and clicks by reason (never billed).
	Invalid map[string]int64 `json:"invalid,omitempty" dynamodbav:"v,omitempty"`
}

// Meter is serving's count of a campaign, cumulative since its start, per
// community, numbered: a later one holds everything an earlier one did.
type Meter struct {
	Seq         int64
	Communities map[string]Units
	// Dims are serving's counts of a day per community by breakdown
	// value (of those that moved): a row of the same day carries them.
	Dims map[string]events.DayDims
}

// Books are what a campaign's settlements did so far; they are kept on
// the campaign and move only with a settlement.
type Books struct {
	// Seq is the last meter settled: an older or repeated one changes
	// nothing.
	Seq int64 `dynamodbav:"seq"`
	// Processed are the counts settled so far per community (billed or
	// free): what a meter adds is its counts less these.
	Processed map[string]Units `dynamodbav:"processed"`
	// Billed counts the units charged (impressions for CPM, clicks for
	// CPC) and Free those shown past the budget or a day's cap.
	Billed int64 `dynamodbav:"billed"`
	Free   int64 `dynamodbav:"free"`
	// Charged is what was drawn in all; for CPM always
	// floor(Billed × bid / 1000): the fraction carries to the next one.
	Charged int64 `dynamodbav:"charged"`
	// DaySpent is what was charged on Day (UTC).
	Day      string `dynamodbav:"day"`
	DaySpent int64  `dynamodbav:"daySpent"`
	// Impressions and Clicks settled in all (for reads and reports).
	Impressions int64 `dynamodbav:"impressions"`
	Clicks      int64 `dynamodbav:"clicks"`
	// Premium is the targeting premium drawn in all (on top of Charged;
	// a targeted campaign's only): always half-even(Charged × bps / 10000),
	// so its rounding carries like the CPM fraction.
	Premium int64 `dynamodbav:"premium,omitempty"`
	// MaxDraw is the most one settlement drew (its spend and premium):
	// a meter's worth at the busiest minute so far, which a lowered
	// budget keeps room for (LowestBudget).
	MaxDraw int64 `dynamodbav:"maxDraw,omitempty"`
}

// CommunityCharge is one community's part of a settlement: its units
// billed, its part of the amount, and how that amount splits between the
// community (its share, half-even) and the platform.
type CommunityCharge struct {
	CommunityID string
	Units       int64
	Amount      int64
	Share       int64
	Fee         int64
}

// Row is what one settlement adds to a community's line of the
// campaign's report for its day: the new impressions and clicks, the
// units billed and free, the amount and the community's share of it, the
// refused ones by reason.
type Row struct {
	CommunityID string
	Impressions int64
	Clicks      int64
	Billed      int64
	Free        int64
	Amount      int64
	Share       int64
	// Premium is this row's part of the settlement's targeting premium.
	Premium int64
	Invalid map[string]int64
	// Dims are serving's counts of the row's day by breakdown value, when
	// the meter sent them: they replace the line's (its breakdowns are
	// apportioned by them).
	Dims map[string]events.DimUnits
}

// Charge is one settlement: the amount drawn from the campaign's hold,
// the units it bills and those it leaves free, by community (those paid
// in Communities, every one with anything new in Rows); and the books
// after it.
type Charge struct {
	Amount int64
	// Premium is drawn with Amount, to the platform (targeted campaigns).
	Premium     int64
	Units       int64
	Free        int64
	Communities []CommunityCharge
	Rows        []Row
	Books       Books
}

// Settle is the settlement of a meter against the books (pure): what the
// new counts cost at the campaign's bid, never more than what its hold
// has left (remaining) or than is left of today's cap; what is past them
// is free. CPM charges floor(billed × bid / 1000) − charged so far, so
// the fraction carries and nothing is lost or charged twice; CPC charges
// clicks × bid. The amount splits over the communities by the units each
// brought (largest remainder, ties by id) and each part into the
// community's share (shareBps, half-even) and the platform's fee.
func Settle(c Campaign, b Books, m Meter, remaining int64, now time.Time, shareBps int64) (Charge, error) {
	return SettleWithPremium(c, b, m, remaining, now, shareBps, 0)
}

// SettleWithPremium is Settle for a campaign that may pay a targeting
// premium of premiumBps on what it spends (only a targeted one does): the
// hold and the day's cap cover the spend and the premium together, and
// the premium in all is half-even(charged × premiumBps / 10000), so it
// carries. The premium goes to the platform; communities share the spend.
func SettleWithPremium(c Campaign, b Books, m Meter, remaining int64, now time.Time, shareBps, premiumBps int64) (Charge, error) {
	if c.Targeting.IsZero() {
		premiumBps = 0
	}
	out := Charge{Books: b}
	if m.Seq <= b.Seq {
		return out, nil // settled already
	}
	nb := b
	nb.Seq = m.Seq
	nb.Processed = make(map[string]Units, len(m.Communities))
	for id, u := range b.Processed {
		nb.Processed[id] = u
	}
	day := now.UTC().Format(clock.DayLayout)
	if nb.Day != day {
		nb.Day, nb.DaySpent = day, 0
	}
	ids := make([]string, 0, len(m.Communities))
	for id := range m.Communities {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	fresh := make([]int64, len(ids)) // units each community adds
	rows := make([]Row, len(ids))
	var n int64
	for i, id := range ids {
		was, now := b.Processed[id], m.Communities[id]
		di, dc := max(0, now.Impressions-was.Impressions), max(0, now.Clicks-was.Clicks)
		nb.Impressions += di
		nb.Clicks += dc
		fresh[i] = di
		if c.Pricing.Model == CPC {
			fresh[i] = dc
		}
		n += fresh[i]
		next := Units{Impressions: max(was.Impressions, now.Impressions), Clicks: max(was.Clicks, now.Clicks)}
		rows[i] = Row{CommunityID: id, Impressions: di, Clicks: dc}
		if d, ok := m.Dims[id]; ok && d.Day == day {
			rows[i].Dims = d.Values
		}
		for reason, k := range now.Invalid {
			if d := k - was.Invalid[reason]; d > 0 {
				if rows[i].Invalid == nil {
					rows[i].Invalid = map[string]int64{}
				}
				rows[i].Invalid[reason] = d
			}
		}
		for _, inv := range []map[string]int64{was.Invalid, now.Invalid} {
			for reason, k := range inv {
				if k > next.Invalid[reason] {
					if next.Invalid == nil {
						next.Invalid = map[string]int64{}
					}
					next.Invalid[reason] = k
				}
			}
		}
		nb.Processed[id] = next
	}
	left := max(0, remaining)
	if c.DailyCap != nil {
		left = min(left, max(0, c.DailyCap.Minor-nb.DaySpent))
	}
	bid := c.Pricing.Bid.Minor
	if bid <= 0 {
		return Charge{}, fmt.Errorf("campaigns: settle %s: a bid of %d", c.ID, bid)
	}
	// cost is what billing u more units draws: their spend (CPM's
	// fraction carried, CPC's clicks × bid) and the premium it brings, or
	// ok false when that is more than is left. Both products are taken in
	// big.Int: a bid and a count may each fit int64 while their product
	// does not, and a product that wrapped round to a negative number
	// would fit any hold and charge a negative amount.
	cost := func(u int64) (amount, premium int64, ok bool) {
		spend := new(big.Int)
		if c.Pricing.Model == CPC {
			spend.Mul(big.NewInt(u), big.NewInt(bid))
		} else {
			spend.Add(big.NewInt(b.Billed), big.NewInt(u))
			spend.Mul(spend, big.NewInt(bid))
			spend.Div(spend, big.NewInt(1000))
			spend.Sub(spend, big.NewInt(b.Charged))
		}
		if !spend.IsInt64() || spend.Int64() > left {
			return 0, 0, false
		}
		// b.Charged + amount is at most what the hold had: no overflow.
		amount = spend.Int64()
		premium = premiumOf(b.Charged+amount, premiumBps) - b.Premium
		return amount, premium, premium <= left-amount
	}
	// The most units whose spend and premium fit what is left (both grow
	// with u: a binary search). No units cost nothing, so 0 always fits.
	covered := int64(0)
	for lo, hi := int64(0), n; lo <= hi; {
		mid := lo + (hi-lo)/2
		if _, _, ok := cost(mid); ok {
			covered, lo = mid, mid+1
		} else {
			hi = mid - 1
		}
	}
	amount, premium, _ := cost(covered)
	nb.Billed += covered
	nb.Free += n - covered
	nb.Charged += amount
	nb.Premium += premium
	nb.DaySpent += amount + premium
	nb.MaxDraw = max(nb.MaxDraw, amount+premium)
	out = Charge{Amount: amount, Premium: premium, Units: covered, Free: n - covered, Books: nb}
	units := money.Apportion(covered, fresh)
	amounts := money.Apportion(amount, units)
	premiums := money.Apportion(premium, amounts)
	for i, id := range ids {
		r := rows[i]
		r.Billed, r.Free, r.Amount, r.Premium = units[i], fresh[i]-units[i], amounts[i], premiums[i]
		if units[i] != 0 || amounts[i] != 0 {
			share, fee, err := money.SplitBps(money.Amount{Minor: amounts[i], Currency: c.Currency}, shareBps)
			if err != nil {
				return Charge{}, fmt.Errorf("campaigns: settle %s: %w", c.ID, err)
			}
			r.Share = share.Minor
			out.Communities = append(out.Communities, CommunityCharge{CommunityID: id, Units: units[i], Amount: amounts[i], Share: share.Minor, Fee: fee.Minor})
		}
		if r.Impressions != 0 || r.Clicks != 0 || r.Amount != 0 || len(r.Invalid) > 0 {
			out.Rows = append(out.Rows, r)
		}
	}
	return out, nil
}

// premiumOf is the premium on what was charged in all: half-even of
// charged × bps / 10000.
func premiumOf(charged, bps int64) int64 {
	if bps == 0 || charged == 0 {
		return 0
	}
	p, err := money.MulBps(money.Amount{Minor: charged, Currency: "USD"}, bps)
	if err != nil {
		return 0 // bps is checked at configuration; the amount is a budget's
	}
	return p.Minor
}
