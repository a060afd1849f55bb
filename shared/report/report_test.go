package report

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/fault"
)

var today = time.Date(2026, 12, 2, 15, 4, 5, 0, time.UTC)

func TestParseRange(t *testing.T) {
	start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		from, to   string
		dflt       time.Time
		want       Range
		wrongField string
	}{
		{"", "", start, Range{"2026-11-20", "2026-12-02"}, ""},
		{"", "", time.Time{}, Range{"2026-11-03", "2026-12-02"}, ""},
		{"", "", today.AddDate(0, 0, 3), Range{"2026-11-03", "2026-12-02"}, ""}, // starts after today: the last 30 days
		{"2026-11-25", "2026-11-26", start, Range{"2026-11-25", "2026-11-26"}, ""},
		{"2026-11-25T23:30:00-02:00", "", start, Range{"2026-11-26", "2026-12-02"}, ""}, // its UTC date
		{"2026-11-27", "2026-11-26", start, Range{}, "to"},
		{"yesterday", "", start, Range{}, "from"},
		{"", "2026-13-01", start, Range{}, "to"},
		{"2025-11-30", "2026-12-01", start, Range{}, "from"},                       // 367 days
		{"2025-12-01", "2026-12-01", start, Range{"2025-12-01", "2026-12-01"}, ""}, // 366
		{"", "", start.AddDate(-2, 0, 0), Range{"2025-12-02", "2026-12-02"}, ""},   // a default start two years ago: the last 366 days
	} {
		got, err := ParseRange(c.from, c.to, c.dflt, today)
		if c.wrongField != "" {
			fe, ok := fault.As(err)
			if !ok || fe.Kind != fault.Invalid || len(fe.Fields) != 1 || fe.Fields[0].Field != c.wrongField {
				t.Errorf("%q..%q: %v, want a problem naming %s", c.from, c.to, err, c.wrongField)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q..%q = %+v %v, want %+v", c.from, c.to, got, err, c.want)
		}
	}
	if days := (Range{"2026-11-30", "2026-12-02"}).Days(); strings.Join(days, ",") != "2026-11-30,2026-12-01,2026-12-02" {
		t.Errorf("days %v", days)
	}
}

func TestWantsCSVAndCSV(t *testing.T) {
	for accept, want := range map[string]bool{"text/csv": true, "application/json, TEXT/CSV;q=0.9": true, "application/json": false, "": false, "text/csv2": false} {
		r := &api.Request{Raw: events.APIGatewayV2HTTPRequest{Headers: map[string]string{"accept": accept}}}
		if got := WantsCSV(r); got != want {
			t.Errorf("Accept %q: %v", accept, got)
		}
	}
	resp := CSV("r.csv", []string{"day", "name"}, [][]string{{"2026-12-01", `a "quoted", name`}})
	raw := resp.Body.(api.Raw)
	if string(raw.Body) != "day,name\n2026-12-01,\"a \"\"quoted\"\", name\"\n" || raw.ContentType != "text/csv; charset=utf-8" ||
		resp.Headers["Content-Disposition"] != `attachment; filename="r.csv"` {
		t.Errorf("csv %q %+v", raw.Body, resp)
	}
}
