package traffic

import "testing"

func TestPageAllowed_OnlyHTTPSPagesOnTheDomainOrUnderIt(t *testing.T) {
	allow := []string{"gophers.example", "news.example.org"}
	for _, tc := range []struct {
		name            string
		allow           []string
		origin, referer string
		want            bool
	}{
		{"no allowlist allows every page", nil, "", "", true},
		{"the domain", allow, "https://gophers.example", "", true},
		{"under the domain", allow, "https://www.gophers.example", "", true},
		{"the Referer without an Origin", allow, "", "https://news.example.org/a/b?c", true},
		{"the default port named", allow, "https://gophers.example:443", "", true},
		{"upper case", allow, "HTTPS://GOPHERS.EXAMPLE", "", true},
		{"an opaque Origin falls back to the Referer", allow, "null", "https://gophers.example/post", true},
		{"a domain that ends like it", allow, "https://evilgophers.example", "", false},
		{"a domain that starts like it", allow, "https://gophers.example.evil", "", false},
		{"no page", allow, "", "", false},
		{"an opaque Origin and no Referer", allow, "null", "", false},
		{"the Origin wins over the Referer", allow, "https://evil.example", "https://gophers.example/", false},
		{"http", allow, "http://gophers.example", "", false},
		{"http under the domain", allow, "http://www.gophers.example", "", false},
		{"http in the Referer", allow, "", "http://gophers.example/post", false},
		{"an http Origin is not saved by its Referer", allow, "http://gophers.example", "https://gophers.example/", false},
		{"another port", allow, "https://gophers.example:8443", "", false},
		{"another port in the Referer", allow, "", "https://gophers.example:8443/post", false},
		{"a user name", allow, "https://x@gophers.example", "", false},
		{"a user name and password", allow, "", "https://x:y@gophers.example/post", false},
		{"a user name that looks like the host", allow, "https://gophers.example@evil.example", "", false},
		{"no scheme", allow, "//gophers.example", "", false},
		{"an opaque https URL", allow, "https:gophers.example", "", false},
		{"javascript", allow, "javascript:alert(1)", "", false},
		{"not a URL", allow, "https://gophers.example:port", "", false},
	} {
		if got := PageAllowed(tc.allow, tc.origin, tc.referer); got != tc.want {
			t.Errorf("%s: PageAllowed(%v, %q, %q) = %v, want %v", tc.name, tc.allow, tc.origin, tc.referer, got, tc.want)
		}
	}
}
