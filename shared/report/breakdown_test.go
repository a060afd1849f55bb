package report

import (
	"fmt"
	"testing"

	"github.com/souqhq/souq/events"
)

// Split apportions a line over a breakdown's values: each figure by its
// own weights, billed by units, spend by billed, premium and earnings by
// spend, the largest remainder each time; the parts sum to the line, and
// what nothing weighs goes to "".
func TestSplit(t *testing.T) {
	w := map[string]events.DimUnits{
		"c|SA": {Impressions: 3, Invalid: map[string]int64{"bot": 1}}, "c|AE": {Impressions: 2, Clicks: 1}, "c|": {Impressions: 1},
		"d|mobile": {Impressions: 4, Invalid: map[string]int64{"bot": 1}}, "d|desktop": {Impressions: 2, Clicks: 1},
		"k|go": {Impressions: 6, Clicks: 1},
	}
	for _, tc := range []struct {
		name string
		line Line
		by   string
		want string
	}{
		{"by country", Line{Impressions: 6, Clicks: 1, Billed: 6, Spend: 6, Premium: 1, Earned: 4, Invalid: map[string]int64{"bot": 1}, Weights: w}, ByCountry,
			"[{ 1 0 1 0 1 0 1 map[]} {AE 2 1 2 0 2 0 1 map[]} {SA 3 0 3 0 3 1 2 map[bot:1]}]"},
		{"by device", Line{Impressions: 6, Billed: 6, Spend: 6, Invalid: map[string]int64{"bot": 1}, Weights: w}, ByDevice,
			"[{desktop 2 0 2 0 2 0 0 map[]} {mobile 4 0 4 0 4 0 0 map[bot:1]}]"},
		// Past the budget: 2 of 6 billed, the other 4 free; the spend
		// follows what was billed.
		{"some free", Line{Impressions: 6, Billed: 2, Free: 4, Spend: 5, Weights: w}, ByCountry,
			"[{ 1 0 0 1 0 0 0 map[]} {AE 2 0 1 1 3 0 0 map[]} {SA 3 0 1 2 2 0 0 map[]}]"},
		// CPC bills clicks: AE's one click takes all of it.
		{"cpc", Line{CPC: true, Impressions: 6, Clicks: 1, Billed: 1, Spend: 40, Weights: w}, ByCountry,
			"[{ 1 0 0 0 0 0 0 map[]} {AE 2 1 1 0 40 0 0 map[]} {SA 3 0 0 0 0 0 0 map[]}]"},
		// Nothing counted for the day yet (past midnight): all to "".
		{"no weights", Line{Impressions: 5, Billed: 5, Spend: 5, Invalid: map[string]int64{"reused": 2}}, ByKeyword,
			"[{ 5 0 5 0 5 0 0 map[reused:2]}]"},
		// A refusal counted on the line that no value's weights hold goes
		// to "" too.
		{"unweighed refusals", Line{Impressions: 6, Billed: 6, Spend: 6, Invalid: map[string]int64{"expired": 3}, Weights: w}, ByKeyword,
			"[{ 0 0 0 0 0 0 0 map[expired:3]} {go 6 0 6 0 6 0 0 map[]}]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parts := Split(tc.line, tc.by)
			if got := fmt.Sprint(parts); got != tc.want {
				t.Fatalf("Split = %s\nwant    %s", got, tc.want)
			}
			var sum Line
			for _, p := range parts {
				sum.Impressions += p.Impressions
				sum.Clicks += p.Clicks
				sum.Billed += p.Billed
				sum.Free += p.Free
				sum.Spend += p.Spend
				sum.Premium += p.Premium
				sum.Earned += p.Earned
			}
			l := tc.line
			if sum.Impressions != l.Impressions || sum.Clicks != l.Clicks || sum.Billed != l.Billed || sum.Free != l.Free || sum.Spend != l.Spend ||
				sum.Premium != l.Premium || sum.Earned != l.Earned {
				t.Fatalf("the parts sum to %+v, not the line %+v", sum, l)
			}
		})
	}
}

func TestParseBy(t *testing.T) {
	for raw, ok := range map[string]bool{"": true, "keyword": true, "country": true, "device": true, "Country": false, "planet": false} {
		if _, err := ParseBy(raw); (err == nil) != ok {
			t.Errorf("ParseBy(%q): %v", raw, err)
		}
	}
}

// Fold sums the parts of each day's lines per day and value, ordered by
// day then value, and in all.
func TestFold_SumsPartsPerDayAndValue(t *testing.T) {
	w := func(imp int64) events.DimUnits { return events.DimUnits{Impressions: imp} }
	lines := []DayLine{
		{Day: "2026-03-02", Line: Line{Impressions: 3, Weights: map[string]events.DimUnits{"c|SA": w(1), "c|AE": w(2)}}},
		{Day: "2026-03-01", Line: Line{Impressions: 4, Weights: map[string]events.DimUnits{"c|SA": w(4)}}},
		{Day: "2026-03-02", Line: Line{Impressions: 5, Weights: map[string]events.DimUnits{"c|SA": w(5)}}},
	}
	sums, total := Fold(lines, ByCountry, func() int64 { return 0 }, func(n *int64, p Part) { *n += p.Impressions })
	got := fmt.Sprint(sums, total)
	if want := "[{2026-03-01 SA 4} {2026-03-02 AE 2} {2026-03-02 SA 6}] 12"; got != want {
		t.Fatalf("Fold = %s, want %s", got, want)
	}
	if sums, total := Fold(nil, ByCountry, func() int64 { return 7 }, func(*int64, Part) {}); sums != nil || total != 7 {
		t.Fatalf("Fold of nothing = %v, %d", sums, total)
	}
}
