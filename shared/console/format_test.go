package console

import "testing"

func TestParsePages(t *testing.T) {
	if _, err := parsePages("v"); err != nil {
		t.Fatal(err)
	}
}

// Money is written and read the way people write it, never through
// floating point, and refused with a reason when it cannot be read.
func TestMoney_FormatAndParse(t *testing.T) {
	for _, tc := range []struct {
		minor int64
		cur   string
		want  string
	}{
		{4900, "USD", "$49.00"}, {123456789, "USD", "$1,234,567.89"}, {-150, "EUR", "−€1.50"}, {500, "JPY", "¥500"},
		{1234500, "BHD", "1,234.500 BHD"}, {5, "GBP", "£0.05"}, {0, "USD", "$0.00"},
	} {
		if got := FormatMoney(tc.minor, tc.cur); got != tc.want {
			t.Errorf("FormatMoney(%d, %s) = %q, want %q", tc.minor, tc.cur, got, tc.want)
		}
		if tc.minor >= 0 {
			back, err := ParseMoney(FormatMoney(tc.minor, tc.cur), tc.cur)
			if err != nil || back != tc.minor {
				t.Errorf("ParseMoney(%q) = %d, %v; want %d", FormatMoney(tc.minor, tc.cur), back, err, tc.minor)
			}
		}
	}
	for typed, want := range map[string]int64{"49": 4900, "49.5": 4950, "$1,234.56": 123456, "1234.56 USD": 123456, " 0.01 ": 1, ".5": 50} {
		if got, err := ParseMoney(typed, "USD"); err != nil || got != want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", typed, got, err, want)
		}
	}
	for _, bad := range []string{"", "abc", "1.234", "1,23", "-5", "1e3", "12,3456", "1..2", "99999999999999999", "4.", "NaN"} {
		if got, err := ParseMoney(bad, "USD"); err == nil {
			t.Errorf("ParseMoney(%q) = %d, want an error", bad, got)
		}
	}
	if _, err := ParseMoney("500.5", "JPY"); err == nil {
		t.Error("JPY has no decimals")
	}
	if got := FormatAmount(4900, "USD"); got != "49.00" {
		t.Errorf("FormatAmount = %q", got)
	}
	if got := FormatAmount(123456789, "USD"); got != "1234567.89" {
		t.Errorf("FormatAmount = %q", got)
	}
}

func TestPercent(t *testing.T) {
	if Percent(2000) != "20%" || Percent(1250) != "12.5%" {
		t.Errorf("Percent: %s %s", Percent(2000), Percent(1250))
	}
	for typed, want := range map[string]int64{"20": 2000, "20%": 2000, "12.5": 1250, "0.01": 1} {
		if got, err := ParsePercent(typed); err != nil || got != want {
			t.Errorf("ParsePercent(%q) = %d, %v", typed, got, err)
		}
	}
	for _, bad := range []string{"", "x", "1.234", "-1"} {
		if _, err := ParsePercent(bad); err == nil {
			t.Errorf("ParsePercent(%q) accepted", bad)
		}
	}
}

// A sign-in lands only on a console page of this site.
func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/console/sponsorships/spn_1": "/console/sponsorships/spn_1", "//evil.example/console/": "/console/",
		"https://evil.example": "/console/", "/console/\\evil": "/console/", "": "/console/", "/v1/me": "/console/",
		"/console/signin?next=x": "/console/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// Only http(s) URLs become links.
func TestSafeLink(t *testing.T) {
	for in, want := range map[string]string{"https://a.example/x": "https://a.example/x", "javascript:alert(1)": "", "data:text/html,x": "", "//a.example": "", "http://a.example": "http://a.example"} {
		if got := string(safeLink(in)); got != want {
			t.Errorf("safeLink(%q) = %q, want %q", in, got, want)
		}
	}
}
