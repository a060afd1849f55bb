package targeting

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestKeyword_NFKCLowerCaseAndSpaces(t *testing.T) {
	for in, want := range map[string]string{
		"Go":              "go",
		"ｇｏ":              "go", // full-width, NFKC
		"  Data   Bases ": "data bases",
		"ﬁle":             "file",       // a ligature
		"Straße":          "straße",     // lower case, not case folding
		"ＳＱＬ\u3000Server": "sql server", // an ideographic space
		"":                "",
	} {
		if got := Keyword(in); got != want {
			t.Errorf("Keyword(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalize_ValidatesEveryFieldAndSortsWithoutRepeats(t *testing.T) {
	got, bad := Normalize(Targeting{Keywords: []string{"Go", "ｇｏ", "Databases"}, Countries: []string{"sa", "AE", "SA"}, Devices: []string{"mobile", "mobile"},
		Hours: []int{23, 0, 23}, Frequency: &Frequency{Impressions: 3, Hours: 24}}, "targeting")
	want := Targeting{Keywords: []string{"databases", "go"}, Countries: []string{"AE", "SA"}, Devices: []string{"mobile"}, Hours: []int{0, 23}, Frequency: &Frequency{3, 24}}
	if len(bad) != 0 || !reflect.DeepEqual(got, want) {
		t.Fatalf("Normalize = %+v %v, want %+v", got, bad, want)
	}
	many := make([]string, MaxKeywords+1)
	for i := range many {
		many[i] = fmt.Sprint("k", i)
	}
	for _, c := range []struct {
		in    Targeting
		field string
	}{
		{Targeting{Keywords: many}, "targeting.keywords"},
		{Targeting{Keywords: []string{"ok", "  "}}, "targeting.keywords[1]"},
		{Targeting{Keywords: []string{strings.Repeat("x", 41)}}, "targeting.keywords[0]"},
		{Targeting{Keywords: []string{"a|b"}}, "targeting.keywords[0]"},
		{Targeting{Countries: []string{"XX"}}, "targeting.countries[0]"},
		{Targeting{Countries: []string{"SAU"}}, "targeting.countries[0]"},
		{Targeting{Devices: []string{"tv"}}, "targeting.devices[0]"},
		{Targeting{Hours: []int{24}}, "targeting.hours[0]"},
		{Targeting{Hours: []int{-1}}, "targeting.hours[0]"},
		{Targeting{Frequency: &Frequency{Impressions: 0, Hours: 24}}, "targeting.frequency.impressions"},
		{Targeting{Frequency: &Frequency{Impressions: 3, Hours: 169}}, "targeting.frequency.hours"},
	} {
		_, bad := Normalize(c.in, "targeting")
		if len(bad) != 1 || bad[0].Field != c.field {
			t.Errorf("%+v: %v, want one error on %s", c.in, bad, c.field)
		}
	}
	if _, bad := Normalize(Targeting{Keywords: []string{strings.Repeat("é", 40)}}, "t"); len(bad) != 0 {
		t.Errorf("40 characters (80 bytes) are allowed: %v", bad)
	}
	if !(Targeting{}).IsZero() || (Targeting{Hours: []int{1}}).IsZero() || (Targeting{Frequency: &Frequency{1, 1}}).IsZero() {
		t.Error("IsZero")
	}
}

func TestMatches(t *testing.T) {
	tg, _ := Normalize(Targeting{Keywords: []string{"go", "databases"}, Countries: []string{"SA", "AE"}, Devices: []string{"mobile"}, Hours: []int{9, 10}}, "t")
	ok := Request{Keywords: []string{"go"}, Country: "SA", Device: Mobile, Hour: 9}
	for name, c := range map[string]struct {
		r    Request
		want bool
	}{
		"all match":          {ok, true},
		"another keyword":    {Request{Keywords: []string{"rust"}, Country: "SA", Device: Mobile, Hour: 9}, false},
		"no keywords":        {Request{Country: "SA", Device: Mobile, Hour: 9}, false},
		"one of many":        {Request{Keywords: []string{"a", "databases", "z"}, Country: "AE", Device: Mobile, Hour: 10}, true},
		"another country":    {Request{Keywords: []string{"go"}, Country: "US", Device: Mobile, Hour: 9}, false},
		"an unknown country": {Request{Keywords: []string{"go"}, Device: Mobile, Hour: 9}, false},
		"desktop":            {Request{Keywords: []string{"go"}, Country: "SA", Device: Desktop, Hour: 9}, false},
		"an unknown device":  {Request{Keywords: []string{"go"}, Country: "SA", Hour: 9}, false},
		"another hour":       {Request{Keywords: []string{"go"}, Country: "SA", Device: Mobile, Hour: 11}, false},
	} {
		if got := tg.Matches(c.r); got != c.want {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
	if !(Targeting{}).Matches(Request{}) {
		t.Error("an untargeted campaign matches every request")
	}
}

func TestDeviceOf(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36":                         Desktop,
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1": Mobile,
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36":                   Mobile,
		"Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1":          Mobile, // a tablet counts as mobile
		"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0":                                                                  Desktop,
		"": "",
	} {
		if got := DeviceOf(ua); got != want {
			t.Errorf("DeviceOf(%q) = %q, want %q", ua, got, want)
		}
	}
}

func TestParseKeywords(t *testing.T) {
	if got := ParseKeywords("Go|databases| go |" + strings.Repeat("x", 41) + "||"); !reflect.DeepEqual(got, []string{"databases", "go"}) {
		t.Errorf("ParseKeywords = %v", got)
	}
	if got := ParseKeywords(""); got != nil {
		t.Errorf("empty: %v", got)
	}
}

func BenchmarkDeviceOf(b *testing.B) {
	ua := "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
	DeviceOf(ua)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		DeviceOf(ua)
	}
}
