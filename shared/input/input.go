// Package input is the one check of what people type into Souq: the URLs
// they enter (a community's site, a creative's image and click, a
// sponsorship's link and image, where a post was published) and the text
// they write (names, titles, bodies, alt text, notes). Every product checks
// these the same way, here, so a rule is never stricter in one place than
// another.
//
// It knows nothing of any product. It never reaches the network: webhook
// endpoints keep their own, stricter, checks of where a delivery may go.
package input

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxURLLen bounds a URL a person enters.
const MaxURLLen = 2_048

// URL says what is wrong with a URL a person typed, or "" when it is fine:
// an absolute https URL (http too when allowHTTP, as the local platform
// allows) whose host is a DNS name, written in ASCII (an internationalised
// name comes as punycode, xn--…, so a homograph shows what it is), not an
// IP literal or a single-label name, without userinfo
// (https://good.example@evil.example goes to evil.example), and without
// control or bidi-override characters anywhere.
//
// Nor may it hold a quote, an angle bracket, a backtick, a backslash or
// white space, even where a browser would accept them: these URLs are
// shown to other people, and a community that writes a creative's
// imageUrl into its own page (docs/tag.md) must not have it close the
// attribute and open a tag (https://cdn.example/a.png"><script>). A URL
// that needs one of them has it percent-encoded (%22, %27, %3C, %3E, %60,
// %5C, %20), which means the same to the server it names.
func URL(raw string, allowHTTP bool) string {
	const bad = "must be an absolute https URL"
	if raw == "" {
		return "is required"
	}
	if len(raw) > MaxURLLen {
		return fmt.Sprintf("must be at most %d characters", MaxURLLen)
	}
	if hasControlOrBidi(raw, false) || strings.IndexFunc(raw, unicode.IsSpace) >= 0 {
		return "must not contain spaces, control or bidirectional-override characters"
	}
	if strings.ContainsAny(raw, unsafeInURL) {
		return "must not contain quotes, angle brackets, backticks or backslashes: percent-encode them"
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] >= utf8.RuneSelf {
			return "must be written in ASCII: percent-encode the path, and write an international domain as punycode (xn--…)"
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Host == "" {
		return bad
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowHTTP:
	default:
		if allowHTTP {
			return "must be an absolute http(s) URL"
		}
		return bad
	}
	if u.User != nil || strings.Contains(u.Host, "@") {
		return "must not carry a user name or password"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "has an invalid port"
		}
	}
	if msg := hostName(u.Hostname()); msg != "" {
		return msg
	}
	return ""
}

// unsafeInURL are the characters URL refuses outright: each can end an
// HTML attribute or a JavaScript string, or is read differently by
// different parsers (a backslash is a slash to a browser, not to Go).
const unsafeInURL = "\"'<>`\\"

// hostName checks a URL's host: a DNS name of at least two labels whose
// top-level label is alphabetic (or punycode), never an address.
func hostName(h string) string {
	const ip = "must name its host, not an IP address"
	if _, err := netip.ParseAddr(h); err == nil || strings.HasPrefix(h, "[") {
		return ip
	}
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if len(h) == 0 || len(h) > 253 {
		return "must have a host name"
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return "must have a full host name, such as community.example"
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "has an invalid host name"
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "has an invalid host name"
			}
		}
	}
	// A numeric top-level label is an address in disguise (127.1,
	// 0x7f.1, 2130706433.0): browsers read such hosts as IPv4.
	tld := labels[len(labels)-1]
	if !strings.HasPrefix(tld, "xn--") {
		for _, c := range tld {
			if c < 'a' || c > 'z' {
				return ip
			}
		}
	}
	return ""
}

// Name says what is wrong with a display name (a community's, a slot's,
// a key's), or "": required, not blank or padded with spaces, at most max
// characters, one line.
func Name(name string, max int) string {
	switch n := strings.TrimSpace(name); {
	case name == "":
		return "is required"
	case n == "" || n != name:
		return "must not be blank or padded with spaces"
	case utf8.RuneCountInString(name) > max:
		return fmt.Sprintf("must be at most %d characters", max)
	}
	return Line(name)
}

// Line says what is wrong with one line of text a person wrote (a name, a
// title, alt text), or "" when it is fine: no control characters (tabs and
// newlines included) and no bidi overrides, which could make a name read
// differently from what it is.
func Line(s string) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	if hasControlOrBidi(s, false) {
		return "must not contain control characters, line breaks or bidirectional-override characters"
	}
	return ""
}

// Text is Line for text that may run over several lines (a post's body, a
// note, a pitch): tabs and line breaks are fine.
func Text(s string) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	if hasControlOrBidi(s, true) {
		return "must not contain control or bidirectional-override characters"
	}
	return ""
}

// hasControlOrBidi reports C0 and C1 controls, DEL, and the characters
// that reorder text (the embeddings, overrides and isolates of Unicode's
// bidi algorithm, and the implicit marks), so that what is shown is what
// was stored.
func hasControlOrBidi(s string, multiline bool) bool {
	for _, r := range s {
		switch {
		case multiline && (r == '\n' || r == '\r' || r == '\t'):
		case unicode.IsControl(r):
			return true
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
			return true
		}
	}
	return false
}
