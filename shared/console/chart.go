package console

import "strconv"

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
	Empty  bool
}

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
	c := Chart{Title: title, Key: "Day", W: chartW, H: chartH + chartPad, Empty: len(points) == 0, Max: max(top, 0)}
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
	c.MaxTxt = text(c.Max)
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
	return c
}
