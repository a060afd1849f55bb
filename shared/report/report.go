// Package report is what the reports share: the range of UTC days a
// report covers (?from=&to=), and its rows as CSV when the caller asks
// for text/csv.
package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"time"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/fault"
)

// DayLayout is a report's day: a UTC date.
const DayLayout = "2006-01-02"

// MaxDays is the longest range one report covers.
const MaxDays = 366

// Range is a report's days, both inclusive.
type Range struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Contains reports whether day is in the range.
func (r Range) Contains(day string) bool { return day >= r.From && day <= r.To }

// Days lists the range's days, oldest first.
func (r Range) Days() []string {
	from, _ := time.Parse(DayLayout, r.From)
	to, _ := time.Parse(DayLayout, r.To)
	var out []string
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(DayLayout))
	}
	return out
}

// ParseRange reads ?from= and ?to= (UTC dates, YYYY-MM-DD, inclusive; an
// RFC 3339 time counts as its UTC date). Without to, the range ends
// today; without from, it starts at defaultFrom (or 29 days before to,
// when defaultFrom is zero or later than to; the last MaxDays days when
// it is longer ago). A range asked for of more than MaxDays, or one that
// ends before it starts, is refused naming the field.
func ParseRange(fromRaw, toRaw string, defaultFrom, today time.Time) (Range, error) {
	const op = "report.ParseRange"
	day := func(field, raw string) (time.Time, error) {
		if t, err := time.Parse(DayLayout, raw); err == nil {
			return t, nil
		}
		if t, err := time.Parse(time.RFC3339, raw); err == nil {
			t = t.UTC()
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
		}
		return time.Time{}, fault.InvalidFields(op, "the request has invalid fields",
			fault.FieldError{Field: field, Message: "must be a date such as 2026-12-01 (UTC) or an RFC 3339 time"})
	}
	midnight := func(t time.Time) time.Time {
		t = t.UTC()
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	to := midnight(today)
	if raw := toRaw; raw != "" {
		t, err := day("to", raw)
		if err != nil {
			return Range{}, err
		}
		to = t
	}
	from := to.AddDate(0, 0, -29)
	if !defaultFrom.IsZero() && !midnight(defaultFrom).After(to) {
		from = midnight(defaultFrom)
	}
	if raw := fromRaw; raw != "" {
		t, err := day("from", raw)
		if err != nil {
			return Range{}, err
		}
		from = t
	} else if to.Sub(from) >= MaxDays*24*time.Hour {
		from = to.AddDate(0, 0, -(MaxDays - 1)) // a default never refuses: the last MaxDays days
	}
	if to.Before(from) {
		return Range{}, fault.InvalidFields(op, "the request has invalid fields", fault.FieldError{Field: "to", Message: "must not be before from"})
	}
	if to.Sub(from) >= MaxDays*24*time.Hour {
		return Range{}, fault.InvalidFields(op, "the request has invalid fields", fault.FieldError{Field: "from", Message: "a report covers at most 366 days"})
	}
	return Range{From: from.Format(DayLayout), To: to.Format(DayLayout)}, nil
}

// WantsCSV reports whether the request's Accept asks for text/csv.
func WantsCSV(r *api.Request) bool {
	for _, part := range strings.Split(r.Header("Accept"), ",") {
		media, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(media), "text/csv") {
			return true
		}
	}
	return false
}

// CSV is a 200 of header and rows as RFC 4180 CSV, named filename for a
// browser's download.
func CSV(filename string, header []string, rows [][]string) api.Response {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(header)
	_ = w.WriteAll(rows) // a bytes.Buffer does not fail
	return api.Response{Status: 200, Body: api.Raw{ContentType: "text/csv; charset=utf-8", Body: b.Bytes()},
		Headers: map[string]string{"Content-Disposition": `attachment; filename="` + filename + `"`}}
}
