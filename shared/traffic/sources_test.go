package traffic

import (
	"testing"
	"time"
)

func TestNetwork_IPv4WholeIPv6ByItsSlash64(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"203.0.113.7", "203.0.113.7"},
		{" 203.0.113.7 ", "203.0.113.7"},
		{"203.0.113.7:443", "203.0.113.7"},
		{"::ffff:203.0.113.7", "203.0.113.7"}, // IPv4-mapped is IPv4
		{"[::ffff:203.0.113.7]:443", "203.0.113.7"},
		{"2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"}, // a privacy address on the same network
		{"2001:DB8:1:2::FFFF", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2::7]:40004", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"}, // the next /64 is another network
		{"fe80::1%eth0", "fe80::/64"},
		{"::1", "::/64"},
		{"not an address", "not an address"},
		{"", ""},
	} {
		if got := Network(tc.addr); got != tc.want {
			t.Errorf("Network(%q) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}

// A source is the address's network, keyed, per day: never the address,
// and never the agent (Of does not take one).
func TestSources_OneNetworkOneSourceADay(t *testing.T) {
	s := Sources{Key: []byte("0123456789abcdef0123456789abcdef")}
	day := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	a := s.Of("203.0.113.7", day)
	for name, same := range map[string][2]string{
		"later that day":           {a, s.Of("203.0.113.7", day.Add(13*time.Hour))},
		"IPv4-mapped":              {a, s.Of("::ffff:203.0.113.7", day)},
		"with its port":            {a, s.Of("203.0.113.7:51234", day)},
		"another address of a /64": {s.Of("2001:db8:1:2::9", day), s.Of("2001:db8:1:2:ffff::1", day)},
	} {
		if same[0] != same[1] {
			t.Errorf("%s: another source", name)
		}
	}
	for name, other := range map[string]string{
		"the next day":         s.Of("203.0.113.7", day.Add(24*time.Hour)),
		"another IPv4 address": s.Of("203.0.113.8", day),
		"another key":          (Sources{Key: []byte("another key of thirty-two bytes!")}).Of("203.0.113.7", day),
	} {
		if other == a {
			t.Errorf("%s: the same source", name)
		}
	}
	if s.Of("2001:db8:1:2::1", day) == s.Of("2001:db8:1:3::1", day) {
		t.Error("two /64s are one source")
	}
	if len(a) != 24 {
		t.Errorf("source %q: want 24 hex digits", a)
	}
}

func FuzzNetwork(f *testing.F) {
	for _, s := range []string{"203.0.113.7", "::ffff:1.2.3.4", "2001:db8::1", "[2001:db8::1]:80", "fe80::1%lo", "", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		n := Network(addr)
		if Network(n) != n { // a network is its own network
			t.Errorf("Network(Network(%q)) = %q, want %q", addr, Network(n), n)
		}
	})
}
