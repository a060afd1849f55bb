package report

import (
	"encoding/csv"
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

func TestNeutralise_QuotesCellsThatWouldStartAFormula(t *testing.T) {
	for cell, want := range map[string]string{
		// Each character a spreadsheet starts a formula with.
		`=hyperlink("//evil.example";"x")`: `'=hyperlink("//evil.example";"x")`,
		"+1+cmd|' /C calc'!A0":             "'+1+cmd|' /C calc'!A0",
		"-2+3+cmd|' /C calc'!A0":           "'-2+3+cmd|' /C calc'!A0",
		"@SUM(1+9)*cmd|' /C calc'!A0":      "'@SUM(1+9)*cmd|' /C calc'!A0",
		"\t=1+1":                           "'\t=1+1",
		"\r=1+1":                           "'\r=1+1",
		"=":                                "'=",
		"-":                                "'-",
		// Not wholly a plain number: quoted.
		"-1+2":   "'-1+2",
		"-1e3":   "'-1e3",
		"+150":   "'+150",
		"-150 ":  "'-150 ",
		"-.5":    "'-.5",
		"-1.":    "'-1.",
		"--1":    "'--1",
		"-1.2.3": "'-1.2.3",
		"-١٥٠":   "'-١٥٠", // Arabic-Indic digits are not ASCII ones
		// Plain numbers (the amounts and counts we write, and any text
		// that is one) stay numbers.
		"-150":     "-150",
		"-1.50":    "-1.50",
		"0":        "0",
		"0.000000": "0.000000",
		"12.34":    "12.34",
		// Safe text, whatever it holds after its first character.
		"":                      "",
		"go":                    "go",
		"Winter sale = 20% off": "Winter sale = 20% off",
		`a "quoted", name`:      `a "quoted", name`,
		" =1+1":                 " =1+1",
		"2026-12-01":            "2026-12-01",
		"com_01HZX":             "com_01HZX",
		"'already quoted":       "'already quoted",
	} {
		if got := Neutralise(cell); got != want {
			t.Errorf("Neutralise(%q) = %q, want %q", cell, got, want)
		}
	}
}

// CSV neutralises every cell, header included, then quotes as RFC 4180
// says: a formula with quotes and commas reads back as one text cell
// beginning with ', and the numbers as they were.
func TestCSV_NeutralisesEveryCell(t *testing.T) {
	row := []string{"2026-12-01", `=HYPERLINK("//evil.example","x")`, "-1.50", "-1+2", `plain, "quoted"`}
	resp := CSV("r.csv", []string{"day", "@keyword", "amount", "note", "name"}, [][]string{row})
	body := string(resp.Body.(api.Raw).Body)
	if want := "day,'@keyword,amount,note,name\n2026-12-01,\"'=HYPERLINK(\"\"//evil.example\"\",\"\"x\"\")\",-1.50,'-1+2,\"plain, \"\"quoted\"\"\"\n"; body != want {
		t.Fatalf("csv\n%s\nwant\n%s", body, want)
	}
	got, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(got) != 2 || len(got[1]) != 5 {
		t.Fatalf("read back %q: %v", got, err)
	}
	if got[1][1] != `'=HYPERLINK("//evil.example","x")` || got[1][2] != "-1.50" || got[1][3] != "'-1+2" || got[1][4] != `plain, "quoted"` {
		t.Errorf("read back %q", got[1])
	}
	if row[1] != `=HYPERLINK("//evil.example","x")` {
		t.Errorf("the caller's row changed: %q", row)
	}
}

func FuzzNeutralise(f *testing.F) {
	for _, s := range []string{"=1+1", "-150", "-1.50", "go", "\t", "", "-1+2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Neutralise(s)
		if got != s && got != "'"+s {
			t.Fatalf("Neutralise(%q) = %q: only ever a leading quote", s, got)
		}
		if got != "" && strings.IndexByte("=+-@\t\r", got[0]) >= 0 && !isPlainNumber(got) {
			t.Fatalf("Neutralise(%q) = %q still starts a formula", s, got)
		}
	})
}
