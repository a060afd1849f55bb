package report

import (
	"sort"
	"strings"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
)

// The breakdowns a report gives (?by=), and the dim each reads from
// serving's counts (events.DayDims: "k|go", "c|SA", "d|mobile").
const (
	ByKeyword = "keyword"
	ByCountry = "country"
	ByDevice  = "device"
	// BySlot is the slot the campaign ran on: a community's results per
	// slot (its values are slot ids).
	BySlot = "slot"
)

var dimOf = map[string]string{ByKeyword: "k", ByCountry: "c", ByDevice: "d", BySlot: "s"}

// ParseBy reads ?by=: "" is no breakdown; anything but keyword, country,
// device or slot is refused, naming the field.
func ParseBy(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	if _, ok := dimOf[raw]; !ok {
		return "", fault.InvalidFields("report.ParseBy", "the request has invalid fields", fault.FieldError{Field: "by", Message: "must be keyword, country, device or slot"})
	}
	return raw, nil
}

// Line is one report line's totals (a campaign's day on a community) and
// the weights serving counted for it by breakdown value.
type Line struct {
	// CPC says the units billed are clicks (else impressions).
	CPC                    bool
	Impressions, Clicks    int64
	Billed, Free           int64
	Spend, Premium, Earned int64
	Invalid                map[string]int64
	Weights                map[string]events.DimUnits
}

// Part is a line's share for one value of a breakdown ("" is no keyword,
// or an unknown country or device).
type Part struct {
	Value                  string
	Impressions, Clicks    int64
	Billed, Free           int64
	Spend, Premium, Earned int64
	Invalid                map[string]int64
}

// Split apportions a line over the values of a breakdown (by, as
// ParseBy reads it): each count by the value's own counts of that kind,
// the units billed by the value's units, the spend by what each billed,
// the premium and what the community earned by the spend — every one by
// the largest remainder (money.Apportion), so the parts sum to the line
// exactly. A total whose weights are all zero (nothing counted that day
// for it, as past midnight before serving's counts of the new day reach
// the line) goes to the value "". Values with nothing are left out; the
// parts are in the order of their values.
func Split(l Line, by string) []Part {
	dim := dimOf[by] + "|"
	values := []string{""}
	for k := range l.Weights {
		if v, ok := strings.CutPrefix(k, dim); ok && v != "" {
			values = append(values, v)
		}
	}
	sort.Strings(values)
	w := func(f func(events.DimUnits) int64) []int64 {
		out := make([]int64, len(values))
		for i, v := range values {
			out[i] = f(l.Weights[dim+v])
		}
		return out
	}
	// values[0] is "": what has no weight goes there.
	split := func(total int64, weights ...[]int64) []int64 {
		for _, ws := range weights {
			var sum int64
			for _, x := range ws {
				sum += x
			}
			if sum > 0 {
				return money.Apportion(total, ws)
			}
		}
		out := make([]int64, len(values))
		out[0] = total
		return out
	}
	imp := split(l.Impressions, w(func(d events.DimUnits) int64 { return d.Impressions }))
	clk := split(l.Clicks, w(func(d events.DimUnits) int64 { return d.Clicks }))
	units := imp
	if l.CPC {
		units = clk
	}
	billed := split(l.Billed, units)
	free := make([]int64, len(values))
	var unitSum int64
	for _, u := range units {
		unitSum += u
	}
	if l.Billed+l.Free == unitSum {
		for i := range free {
			free[i] = units[i] - billed[i] // what each showed that was not billed
		}
	} else {
		free = split(l.Free, units)
	}
	spend := split(l.Spend, billed, units)
	premium := split(l.Premium, spend, billed)
	earned := split(l.Earned, spend, billed)
	invalid := map[string][]int64{}
	for reason, n := range l.Invalid {
		invalid[reason] = split(n, w(func(d events.DimUnits) int64 { return d.Invalid[reason] }))
	}
	var out []Part
	for i, v := range values {
		p := Part{Value: v, Impressions: imp[i], Clicks: clk[i], Billed: billed[i], Free: free[i], Spend: spend[i], Premium: premium[i],
			Earned: earned[i], Invalid: map[string]int64{}}
		empty := p.Impressions == 0 && p.Clicks == 0 && p.Billed == 0 && p.Free == 0 && p.Spend == 0 && p.Premium == 0 && p.Earned == 0
		for reason, parts := range invalid {
			if parts[i] != 0 {
				p.Invalid[reason] = parts[i]
				empty = false
			}
		}
		if !empty {
			out = append(out, p)
		}
	}
	return out
}

// DayLine is a report line and the day it counts on.
type DayLine struct {
	Day string
	Line
}

// Sum is a breakdown's figures F for one day and value.
type Sum[F any] struct {
	Day, Value string
	Figures    F
}

// Fold is a breakdown of lines by (as ParseBy reads it): each line split
// over its values (Split), its parts summed per day and value and in
// all. blank makes zero figures; add adds a part to figures. The sums
// are ordered by day, then value.
func Fold[F any](lines []DayLine, by string, blank func() F, add func(*F, Part)) (sums []Sum[F], total F) {
	total = blank()
	at := map[[2]string]int{} // day, value → its sum
	for _, l := range lines {
		for _, part := range Split(l.Line, by) {
			k := [2]string{l.Day, part.Value}
			i, ok := at[k]
			if !ok {
				i = len(sums)
				at[k] = i
				sums = append(sums, Sum[F]{Day: l.Day, Value: part.Value, Figures: blank()})
			}
			add(&sums[i].Figures, part)
			add(&total, part)
		}
	}
	sort.SliceStable(sums, func(i, j int) bool {
		if sums[i].Day != sums[j].Day {
			return sums[i].Day < sums[j].Day
		}
		return sums[i].Value < sums[j].Value
	})
	return sums, total
}
