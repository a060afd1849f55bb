package campaigns

import (
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/targeting"
)

func cpm(bid, budget int64) Campaign {
	c := valid()
	c.Pricing.Bid, c.Budget = money.Amount{Minor: bid, Currency: "USD"}, money.Amount{Minor: budget, Currency: "USD"}
	return c
}

// The worked example of docs/campaigns.md: a CPM bid of 2.50 (250 cents)
// per thousand; 1,234 viewable impressions on two communities (1,000 on
// com_a, 234 on com_b) charge floor(1,234 × 250 / 1000) = 308 cents, the
// 0.5 carrying; com_a gets 250 of it (70 %: 175), com_b 58 (70 %: 40.6 →
// 41), the platform 75 + 17; then 766 more on com_a charge
// floor(2,000 × 250 / 1000) − 308 = 192.
func TestSettle_TheWorkedExample(t *testing.T) {
	c := cpm(250, 1_000_000)
	m := Meter{Seq: 1, Communities: map[string]Units{"com_a": {Impressions: 1_000, Clicks: 3}, "com_b": {Impressions: 234}}}
	ch, err := Settle(c, Books{}, m, 1_000_000, now, 7000)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Amount != 308 || ch.Units != 1_234 || ch.Free != 0 || len(ch.Communities) != 2 {
		t.Fatalf("first: %+v", ch)
	}
	a, b := ch.Communities[0], ch.Communities[1]
	if a.CommunityID != "com_a" || a.Units != 1_000 || a.Amount != 250 || a.Share != 175 || a.Fee != 75 ||
		b.CommunityID != "com_b" || b.Units != 234 || b.Amount != 58 || b.Share != 41 || b.Fee != 17 {
		t.Fatalf("split: %+v %+v", a, b)
	}
	if bk := ch.Books; bk.Billed != 1_234 || bk.Charged != 308 || bk.Impressions != 1_234 || bk.Clicks != 3 || bk.Seq != 1 || bk.DaySpent != 308 {
		t.Fatalf("books: %+v", bk)
	}
	m2 := Meter{Seq: 2, Communities: map[string]Units{"com_a": {Impressions: 1_766, Clicks: 3}, "com_b": {Impressions: 234}}}
	ch2, _ := Settle(c, ch.Books, m2, 1_000_000-308, now, 7000)
	if ch2.Amount != 192 || ch2.Books.Charged != 500 || ch2.Units != 766 || len(ch2.Communities) != 1 || ch2.Communities[0].Share != 134 {
		t.Fatalf("second: %+v", ch2)
	}
	// The same meter again, or an older one, changes nothing.
	for _, old := range []Meter{m2, m} {
		if again, _ := Settle(c, ch2.Books, old, 500, now, 7000); again.Amount != 0 || again.Books.Seq != 2 || again.Books.Charged != 500 {
			t.Fatalf("a settled meter again: %+v", again)
		}
	}
}

// At the budget, the units past it are free and charge nothing: the last
// settlement takes exactly what is left (its floor), and later ones
// nothing; a day's cap does the same for the day, and the next day starts
// afresh. CPC charges whole clicks only.
func TestSettle_CapsMakeTheRestFree(t *testing.T) {
	c := cpm(250, 1_000)
	ch, _ := Settle(c, Books{}, Meter{Seq: 1, Communities: map[string]Units{"com_a": {Impressions: 5_000}}}, 1_000, now, 7000)
	if ch.Amount != 1_000 || ch.Units != 4_003 || ch.Free != 997 { // floor(4003 × 250 / 1000) = 1000; 4004 would be 1001
		t.Fatalf("at the budget: %+v", ch)
	}
	ch, _ = Settle(c, ch.Books, Meter{Seq: 2, Communities: map[string]Units{"com_a": {Impressions: 6_000}}}, 0, now, 7000)
	if ch.Amount != 0 || ch.Free != 1_000 || ch.Books.Free != 1_997 || ch.Books.Billed != 4_003 {
		t.Fatalf("past the budget: %+v", ch)
	}
	capped := cpm(250, 100_000)
	d := money.Amount{Minor: 300, Currency: "USD"}
	capped.DailyCap = &d
	ch, _ = Settle(capped, Books{}, Meter{Seq: 1, Communities: map[string]Units{"com_a": {Impressions: 2_000}}}, 100_000, now, 7000)
	if ch.Amount != 300 || ch.Units != 1_203 || ch.Free != 797 {
		t.Fatalf("at the day's cap: %+v", ch) // floor(1203 × 250 / 1000) = 300; 1204 would be 301
	}
	ch, _ = Settle(capped, ch.Books, Meter{Seq: 2, Communities: map[string]Units{"com_a": {Impressions: 3_000}}}, 100_000-300, now.Add(24*time.Hour), 7000)
	if ch.Amount != 250 || ch.Books.DaySpent != 250 || ch.Books.Day != "2026-12-03" {
		t.Fatalf("the next day: %+v", ch)
	}
	click := cpm(40, 100)
	click.Pricing.Model = CPC
	ch, _ = Settle(click, Books{}, Meter{Seq: 1, Communities: map[string]Units{"com_a": {Impressions: 900, Clicks: 3}}}, 100, now, 7000)
	if ch.Amount != 80 || ch.Units != 2 || ch.Free != 1 || ch.Books.Impressions != 900 {
		t.Fatalf("cpc: %+v", ch)
	}
}

// Over any sequence of meters (counts that only grow, on up to four
// communities, with budgets, caps and bids of any size): a CPM campaign's
// charged is always floor(billed × bid / 1000); spent never passes the
// budget or a day's cap; billed + free is every unit counted; and each
// settlement's parts add up to it exactly, each community's share and fee
// to its part.
func TestSettle_Properties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := cpm(rapid.Int64Range(1, 100_000).Draw(t, "bid"), rapid.Int64Range(1, 10_000_000).Draw(t, "budget"))
		if rapid.Bool().Draw(t, "cpc") {
			c.Pricing.Model = CPC
		}
		if rapid.Bool().Draw(t, "capped") {
			d := money.Amount{Minor: rapid.Int64Range(1, 1_000_000).Draw(t, "cap"), Currency: "USD"}
			c.DailyCap = &d
		}
		share := rapid.Int64Range(0, 10_000).Draw(t, "share")
		premiumBps := rapid.Int64Range(0, 10_000).Draw(t, "premium")
		if rapid.Bool().Draw(t, "targeted") {
			c.Targeting = targeting.Targeting{Countries: []string{"SA"}}
		}
		coms := []string{"com_a", "com_b", "com_c", "com_d"}
		counts, reported := map[string]Units{}, map[string]Units{}
		var b Books
		at := now
		for step := int64(1); step <= int64(rapid.IntRange(1, 30).Draw(t, "steps")); step++ {
			m := Meter{Seq: step, Communities: map[string]Units{}}
			for _, id := range coms[:rapid.IntRange(1, 4).Draw(t, "coms")] {
				u := counts[id]
				u.Impressions += rapid.Int64Range(0, 50_000).Draw(t, "imps")
				u.Clicks += rapid.Int64Range(0, 100).Draw(t, "clicks")
				if n := rapid.Int64Range(0, 20).Draw(t, "bots"); n > 0 {
					u.Invalid = map[string]int64{"bot": u.Invalid["bot"] + n}
				}
				counts[id] = u
			}
			for id, u := range counts {
				m.Communities[id] = u
			}
			at = at.Add(time.Duration(rapid.Int64Range(0, 36*3600).Draw(t, "gap")) * time.Second)
			dayBefore, spentBefore := b.Day, b.DaySpent
			ch, err := SettleWithPremium(c, b, m, c.Budget.Minor-b.Charged-b.Premium, at, share, premiumBps)
			if err != nil {
				t.Fatal(err)
			}
			sum := int64(0)
			for _, cc := range ch.Communities {
				sum += cc.Amount
				if cc.Share+cc.Fee != cc.Amount || cc.Share < 0 || cc.Fee < 0 {
					t.Fatalf("a community's split: %+v", cc)
				}
			}
			if sum != ch.Amount || ch.Amount < 0 {
				t.Fatalf("parts %d, amount %d", sum, ch.Amount)
			}
			// The report's rows add up to the settlement, and over every
			// settlement to the books: what the report shows is what was
			// charged, to the cent.
			var rowSpend, rowBilled, rowFree, rowImps, rowClicks int64
			for _, r := range ch.Rows {
				rowSpend, rowBilled, rowFree, rowImps, rowClicks = rowSpend+r.Amount, rowBilled+r.Billed, rowFree+r.Free, rowImps+r.Impressions, rowClicks+r.Clicks
				reported[r.CommunityID] = Units{Impressions: reported[r.CommunityID].Impressions + r.Impressions, Clicks: reported[r.CommunityID].Clicks + r.Clicks,
					Invalid: map[string]int64{"bot": reported[r.CommunityID].Invalid["bot"] + r.Invalid["bot"]}}
			}
			if rowSpend != ch.Amount || rowBilled != ch.Units || rowFree != ch.Free || rowImps != ch.Books.Impressions-b.Impressions || rowClicks != ch.Books.Clicks-b.Clicks {
				t.Fatalf("rows %d/%d/%d/%d/%d, settlement %+v", rowSpend, rowBilled, rowFree, rowImps, rowClicks, ch)
			}
			for id, u := range counts {
				if reported[id].Impressions != u.Impressions || reported[id].Clicks != u.Clicks || reported[id].Invalid["bot"] != u.Invalid["bot"] {
					t.Fatalf("%s reported %+v, counted %+v", id, reported[id], u)
				}
			}
			b = ch.Books
			if c.Pricing.Model == CPM && b.Charged != b.Billed*c.Pricing.Bid.Minor/1000 {
				t.Fatalf("charged %d, billed %d at %d", b.Charged, b.Billed, c.Pricing.Bid.Minor)
			}
			if b.Charged+b.Premium > c.Budget.Minor {
				t.Fatalf("charged %d and a premium of %d past the budget %d", b.Charged, b.Premium, c.Budget.Minor)
			}
			wantPremium := int64(0)
			if !c.Targeting.IsZero() {
				wantPremium = premiumOf(b.Charged, premiumBps)
			}
			var rowPremium int64
			for _, r := range ch.Rows {
				rowPremium += r.Premium
			}
			if b.Premium != wantPremium || rowPremium != ch.Premium || ch.Premium < 0 {
				t.Fatalf("premium %d in all (want half-even of %d × %d bps = %d); this one %d, its rows %d", b.Premium, b.Charged, premiumBps, wantPremium, ch.Premium, rowPremium)
			}
			if c.DailyCap != nil && b.DaySpent > c.DailyCap.Minor {
				t.Fatalf("%d spent on %s past the cap %d", b.DaySpent, b.Day, c.DailyCap.Minor)
			}
			if b.Day == dayBefore && b.DaySpent != spentBefore+ch.Amount+ch.Premium {
				t.Fatalf("the day's spend moved by %d, charged %d", b.DaySpent-spentBefore, ch.Amount)
			}
			var all int64
			for _, u := range counts {
				if c.Pricing.Model == CPC {
					all += u.Clicks
				} else {
					all += u.Impressions
				}
			}
			if b.Billed+b.Free != all {
				t.Fatalf("billed %d + free %d ≠ %d counted", b.Billed, b.Free, all)
			}
		}
	})
}

// The targeting premium's worked example of docs/targeting.md: a
// targeted CPM campaign at 2.50 and the default premium of 2000 bps.
func TestSettle_TheTargetingPremium(t *testing.T) {
	c := cpm(250, 1_000_000)
	c.Targeting = targeting.Targeting{Keywords: []string{"go"}}
	m := Meter{Seq: 1, Communities: map[string]Units{"com_a": {Impressions: 1_000}, "com_b": {Impressions: 234}}}
	ch, err := SettleWithPremium(c, Books{}, m, 1_000_000, now, 7000, DefaultPremiumBps)
	if err != nil {
		t.Fatal(err)
	}
	// 308 spent (as untargeted); 20 % of it is 61.6: 62, half-even.
	if ch.Amount != 308 || ch.Premium != 62 || ch.Communities[0].Share != 175 || ch.Communities[1].Share != 41 {
		t.Fatalf("first: %+v", ch)
	}
	m = Meter{Seq: 2, Communities: map[string]Units{"com_a": {Impressions: 1_766}, "com_b": {Impressions: 234}}}
	ch, err = SettleWithPremium(c, ch.Books, m, 1_000_000-370, now, 7000, DefaultPremiumBps)
	if err != nil {
		t.Fatal(err)
	}
	// 500 spent in all, so 100 of premium in all: this one 192 and 38.
	if ch.Amount != 192 || ch.Premium != 38 || ch.Books.Charged != 500 || ch.Books.Premium != 100 {
		t.Fatalf("second: %+v", ch)
	}
	// A budget of 1,000 covers spend and premium: 833 + 167 (166.6). A
	// meter of 5,000 impressions bills 3,335 (floor(3,335 × 250 / 1000) =
	// 833); 3,336 would spend 834, whose premium 166.8 → 167 passes it.
	small := cpm(250, 1_000)
	small.Targeting = c.Targeting
	ch, err = SettleWithPremium(small, Books{}, Meter{Seq: 1, Communities: map[string]Units{"com_a": {Impressions: 5_000}}}, 1_000, now, 7000, DefaultPremiumBps)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Amount != 833 || ch.Premium != 167 || ch.Units != 3_335 || ch.Free != 1_665 {
		t.Fatalf("the budget reached: %+v", ch)
	}
	// Untargeted, the same campaign pays none.
	ch, _ = SettleWithPremium(cpm(250, 1_000_000), Books{}, Meter{Seq: 1, Communities: map[string]Units{"com_a": {Impressions: 1_234}}}, 1_000_000, now, 7000, DefaultPremiumBps)
	if ch.Premium != 0 || ch.Amount != 308 {
		t.Fatalf("untargeted: %+v", ch)
	}
}

// Bids and counts whose product passes int64 bill what the hold covers
// and leave the rest free: a product that wrapped round to a negative
// number would otherwise fit any hold and charge a negative amount (or,
// as here before, a wrong one). CPC at the largest bid a request may set
// (money.MaxMinor, 10^13) and 2,000,000 clicks: the search's first try,
// 10^6 clicks, is 10^19. CPM at a bid of 10^17 (Settle is pure and trusts
// no caller's bounds) and 10^6 impressions: 5 × 10^5 of them is 5 × 10^19.
func TestSettle_ProductsPastInt64BillOnlyWhatTheHoldCovers(t *testing.T) {
	const bid = money.MaxMinor
	click := cpm(bid, 1<<62)
	click.Pricing.Model = CPC
	ch, err := Settle(click, Books{}, Meter{Seq: 1, Communities: map[string]Units{"com_a": {Clicks: 2_000_000}}}, 5*bid, now, 7000)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Amount != 5*bid || ch.Units != 5 || ch.Free != 1_999_995 || ch.Books.Charged != 5*bid || ch.Communities[0].Share != 35_000_000_000_000 {
		t.Fatalf("cpc: %+v", ch)
	}
	// With a targeting premium, spend and premium together stay within
	// the hold: 10 clicks spend 10^14, and 20 % of it is 2 × 10^13 more.
	click.Targeting = targeting.Targeting{Keywords: []string{"go"}}
	ch, err = SettleWithPremium(click, Books{}, Meter{Seq: 1, Communities: map[string]Units{"com_a": {Clicks: 2_000_000}}}, 12*bid, now, 7000, DefaultPremiumBps)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Amount != 10*bid || ch.Premium != 2*bid || ch.Units != 10 || ch.Free != 1_999_990 {
		t.Fatalf("cpc with a premium: %+v", ch)
	}
	const huge = 100_000_000_000_000_000 // 10^17 per thousand
	view := cpm(huge, 1<<62)
	ch, err = Settle(view, Books{}, Meter{Seq: 1, Communities: map[string]Units{"com_a": {Impressions: 1_000_000}}}, 5*huge, now, 7000)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Amount != 5*huge || ch.Units != 5_000 || ch.Free != 995_000 || ch.Books.Charged != 5*huge {
		t.Fatalf("cpm: %+v", ch)
	}
}
