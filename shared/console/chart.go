package console

import (
	"strconv"
	"time"

	"github.com/souqhq/souq/shared/clock"
)

// A chart is drawn on the server as SVG (no script, no inline style), with
// the same numbers in a table beside it for people who do not see it.

// Point is one day's value.
type Point struct {
	Label string
	Value int64
}

// Bar is one drawn bar.
type Bar struct {
	X, Y, W, H int
	Label      string
	Value      int64
	Text       string
}

// Chart is a drawn series.
type Chart struct {
	Title string
	// Key names the labels' column in the table ("Day" unless set).
	Key    string
	W, H   int
	Bars   []Bar
	Max    int64
	MaxTxt string
	// MidTxt labels the line at half the top; Ticks label the axis under
	// the bars (days as "1 Feb"), at most maxTicks of them.
	MidTxt string
	Ticks  []Tick
	Empty  bool
}

// Tick is a label on the chart's horizontal axis, centred on X.
type Tick struct {
	X    int
	Text string
}

// maxTicks bounds the axis labels, so that they never overlap.
const maxTicks = 6

const (
	chartW, chartH = 600, 160
	chartPad       = 20
)

// barChart draws points, values in currency ("": plain counts), the
// tallest at the top.
func barChart(title string, points []Point, currency string) Chart {
	return barChartTo(title, points, currency, 0)
}

// barChartTo draws points against a top of at least top (a budget).
func barChartTo(title string, points []Point, currency string, top int64) Chart {
	c := Chart{Title: title, Key: "Day", W: chartW, H: chartH + chartPad + 4, Empty: len(points) == 0, Max: max(top, 0)}
	for _, p := range points {
		if p.Value > c.Max {
			c.Max = p.Value
		}
	}
	text := func(v int64) string {
		if currency != "" {
			return FormatMoney(v, currency)
		}
		return strconv.FormatInt(v, 10)
	}
	c.MaxTxt, c.MidTxt = text(c.Max), text(c.Max/2)
	if len(points) == 0 {
		return c
	}
	slot := chartW / len(points)
	w := slot * 7 / 10
	if w < 1 {
		w = 1
	}
	for i, p := range points {
		h := 0
		if c.Max > 0 {
			h = int(int64(chartH-chartPad) * p.Value / c.Max)
		}
		c.Bars = append(c.Bars, Bar{X: i*slot + (slot-w)/2, Y: chartH - h, W: w, H: h, Label: p.Label, Value: p.Value, Text: text(p.Value)})
	}
	every := (len(points) + maxTicks - 1) / maxTicks
	for i := 0; i < len(points); i += every {
		x := i*slot + slot/2
		c.Ticks = append(c.Ticks, Tick{X: min(max(x, 24), chartW-24), Text: tickText(points[i].Label)})
	}
	return c
}

// tickText is a label as the axis says it: a day as "1 Feb", anything
// else as it is (cut to fit).
func tickText(label string) string {
	if d, err := time.Parse(clock.DayLayout, label); err == nil {
		return d.Format("2 Jan")
	}
	if r := []rune(label); len(r) > 12 {
		return string(r[:11]) + "…"
	}
	return label
}
