package traffic

import (
	"net/url"
	"strings"
)

// PageAllowed reports whether the page an event came from is on the
// community's allowlist: the page is the Origin, or without one (or the
// opaque "null") the Referer, and it is on the allowlist when it is an
// https page on an allowed domain or under it (www.gophers.example is
// under gophers.example), on the default port, with no user name or
// password in it. An empty allowlist allows every page; with one, an
// event that names no page is refused.
//
// An Origin that names a page decides alone: a page on http, on another
// port or with userinfo is not the community's page, whatever the
// Referer says.
func PageAllowed(allowed []string, origin, referer string) bool {
	if len(allowed) == 0 {
		return true
	}
	page := origin
	if page == "" || page == "null" {
		page = referer
	}
	host, ok := securePageHost(page)
	if !ok {
		return false
	}
	for _, d := range allowed {
		d = strings.ToLower(strings.TrimPrefix(d, "."))
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// securePageHost is the host of an https URL on the default port without
// userinfo, lower case.
func securePageHost(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Scheme, "https") || u.User != nil || u.Opaque != "" {
		return "", false
	}
	if p := u.Port(); p != "" && p != "443" {
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	return host, host != ""
}
