package traffic

import (
	"testing"
	"time"
)

func TestIsBot(t *testing.T) {
	for ua, want := range map[string]bool{
		"": true, "Googlebot/2.1": true, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/148.0 Safari/537.36": true,
		"python-requests/2.31": true, "facebookexternalhit/1.1": true,
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/148.0 Safari/537.36":                                       false,
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1": false,
	} {
		if got := IsBot(ua); got != want {
			t.Errorf("IsBot(%q) = %v, want %v", ua, got, want)
		}
	}
}

// A source is keyed, per day, and never the address.
func TestSources(t *testing.T) {
	s := Sources{Key: []byte("0123456789abcdef0123456789abcdef")}
	day := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	a := s.Of("203.0.113.7", "ua", day)
	if a != s.Of("203.0.113.7", "ua", day.Add(13*time.Hour)) {
		t.Error("one day, one source")
	}
	if a == s.Of("203.0.113.7", "ua", day.Add(24*time.Hour)) {
		t.Error("the next day's hash matches")
	}
	if a == s.Of("203.0.113.8", "ua", day) || a == s.Of("203.0.113.7", "ua2", day) {
		t.Error("another address or agent is the same source")
	}
	if a == (Sources{Key: []byte("another key of thirty-two bytes!")}).Of("203.0.113.7", "ua", day) {
		t.Error("another key makes the same hash")
	}
	for _, leak := range []string{"203", "113", "ua"} {
		if len(a) != 24 || a == leak {
			t.Errorf("source %q", a)
		}
	}
}

func TestPageAllowed(t *testing.T) {
	allow := []string{"gophers.example", "news.example.org"}
	for _, tc := range []struct {
		allow           []string
		origin, referer string
		want            bool
	}{
		{nil, "", "", true},
		{allow, "https://gophers.example", "", true},
		{allow, "https://www.gophers.example", "", true},
		{allow, "", "https://news.example.org/a/b?c", true},
		{allow, "https://evilgophers.example", "", false},
		{allow, "https://gophers.example.evil", "", false},
		{allow, "", "", false},
		{allow, "null", "", false},
		{allow, "https://evil.example", "https://gophers.example/", false}, // Origin wins over Referer
		{allow, "javascript:alert(1)", "", false},
		{allow, "HTTPS://GOPHERS.EXAMPLE", "", true},
	} {
		if got := PageAllowed(tc.allow, tc.origin, tc.referer); got != tc.want {
			t.Errorf("PageAllowed(%v, %q, %q) = %v, want %v", tc.allow, tc.origin, tc.referer, got, tc.want)
		}
	}
}

func TestPace(t *testing.T) {
	p := NewPace(time.Second, 4)
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	steps := []struct {
		key  string
		at   time.Duration
		want bool
	}{
		{"v|s1|slot", 0, true},
		{"v|s1|slot", 300 * time.Millisecond, false}, // faster than a person
		{"v|s1|slot", 900 * time.Millisecond, false}, // still: each refused event counts
		{"v|s1|slot", 2 * time.Second, true},
		{"v|s2|slot", 2100 * time.Millisecond, true},  // another source
		{"v|s1|other", 2100 * time.Millisecond, true}, // another slot
		{"c|s1|slot", 2100 * time.Millisecond, true},  // a click is its own kind
	}
	for _, st := range steps {
		if got := p.Allow(st.key, t0.Add(st.at)); got != st.want {
			t.Errorf("%s at %v: %v, want %v", st.key, st.at, got, st.want)
		}
	}
	for i := 0; i < 100; i++ { // a flood of sources stays bounded
		p.Allow(string(rune('a'+i%26))+string(rune(i)), t0.Add(3*time.Second))
	}
	if len(p.last) > 4 {
		t.Fatalf("pace remembers %d keys, bound is 4", len(p.last))
	}
}
