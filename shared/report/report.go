// Package report is what the reports share: the range of UTC days a
// report covers (?from=&to=), and its rows as CSV when the caller asks
// for text/csv. Every CSV Souq writes is written by CSV here, so that
// every cell passes Neutralise; the console hands the API's CSV on as it
// is.
package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"time"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
)

// DayLayout is a report's day: a UTC date (clock.DayLayout).
const DayLayout = clock.DayLayout

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
// browser's download. Every cell goes through Neutralise: a report shows
// one party text another typed (a community's report, an advertiser's
// keyword), and the one who opens it in a spreadsheet must not run it.
func CSV(filename string, header []string, rows [][]string) api.Response {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(neutralised(header))
	for _, row := range rows {
		_ = w.Write(neutralised(row))
	}
	w.Flush() // a bytes.Buffer does not fail
	return api.Response{Status: 200, Body: api.Raw{ContentType: "text/csv; charset=utf-8", Body: b.Bytes()},
		Headers: map[string]string{"Content-Disposition": `attachment; filename="` + filename + `"`}}
}

// Neutralise is a CSV cell as a spreadsheet shows it: as text when it
// begins with a character that starts a formula in Excel, LibreOffice or
// Google Sheets (=, +, -, @, tab or carriage return), by a leading single
// quote (OWASP's rule for CSV injection); any other cell as it is.
//
// A cell that is wholly a plain decimal number (-?digits, with an
// optional .digits) is left as it is, so a negative amount (-1.50, a
// refund taken back) stays a number the spreadsheet adds up. That is safe
// whoever wrote the cell, not only for the numbers we format: such a cell
// has no function, reference, operator or string in it, so a spreadsheet
// reads it as the number it is and, even one that took it for a formula,
// could do nothing with it but show that number. Anything more (-1+2,
// -1e3, +150, "-150 ") is quoted. So the exemption needs no list of which
// columns are numeric, and a new column of text is neutralised by default.
func Neutralise(cell string) string {
	if cell == "" || isPlainNumber(cell) {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}

// isPlainNumber reports whether s is -?[0-9]+(\.[0-9]+)? in ASCII.
func isPlainNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, dotted := strings.Cut(s, ".")
	digits := func(p string) bool {
		if p == "" {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
		}
		return true
	}
	return digits(whole) && (!dotted || digits(frac))
}

// neutralised is a row with each cell through Neutralise (a copy: the
// caller's row is left alone).
func neutralised(row []string) []string {
	out := make([]string, len(row))
	for i, cell := range row {
		out[i] = Neutralise(cell)
	}
	return out
}
