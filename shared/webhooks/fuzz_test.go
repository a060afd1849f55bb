package webhooks

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// Whatever a customer sends as a URL, CheckURL answers without panicking,
// and what the AWS setting accepts is https and names no address a
// delivery may not reach.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"https://hooks.example.com/x", "http://127.0.0.1/", "https://[::ffff:10.0.0.1]/", "https://%00/", "https://a@b/", "https://[fe80::1%25eth0]/", "//x", ""} {
		f.Add(s)
	}
	p := Policy{}
	f.Fuzz(func(t *testing.T, raw string) {
		if p.CheckURL(raw) != nil {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "https" || u.User != nil {
			t.Fatalf("accepted %q", raw)
		}
		if ip, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil && !p.allowed(ip) {
			t.Fatalf("accepted a refused address: %q", raw)
		}
	})
}
