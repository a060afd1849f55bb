package input

import (
	"strings"
	"testing"
)

func TestURL_AcceptsPlainHTTPSPagesOnly(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://community.example":                               true,
		"https://community.example/join?ref=a#top":                true,
		"https://shop.example:8443/p/%C3%A9":                      true,
		"https://xn--mnchen-3ya.example/":                         true, // münchen, as punycode
		"https://a.b.example.":                                    true,
		"http://community.example":                                false,
		"ftp://community.example":                                 false,
		"https://good.example@evil.example/":                      false,
		"https://u:p@community.example/":                          false,
		"https://127.0.0.1/":                                      false,
		"https://[::1]/":                                          false,
		"https://127.1/":                                          false,
		"https://0x7f.1/":                                         false,
		"https://2130706433/":                                     false,
		"https://localhost/":                                      false,
		"https://münchen.example/":                                false, // raw non-ASCII host
		"https://аpple.example/":                                  false, // Cyrillic а
		"https://community.example/\u202Egnp.exe":                 false,
		"https://community.example/\x00":                          false,
		"https://community.example/a b":                           false,
		"https://community.example:99999/":                        false,
		"https://-bad.example/":                                   false,
		"//community.example/":                                    false,
		"mailto:someone@community.example":                        false,
		"":                                                        false,
		"https://community.example/" + string(make([]byte, 2100)): false,
	} {
		if got := URL(raw, false) == ""; got != ok {
			t.Errorf("URL(%q) accepted = %v, want %v (%s)", raw, got, ok, URL(raw, false))
		}
	}
	if URL("http://community.example", true) != "" {
		t.Error("http is allowed where the caller allows it")
	}
}

func TestText_RefusesControlAndBidiCharacters(t *testing.T) {
	for s, ok := range map[string]bool{
		"Gophers Guild":      true,
		"Café Ñandú 🦫":       true,
		"evil\u202Etxt.exe":  false,
		"a\u2066b":           false,
		"a\u200Fb":           false,
		"bell\x07":           false,
		"two\nlines":         false,
		"del\x7f":            false,
		"c1\u0085":           false,
		string([]byte{0xff}): false,
	} {
		if got := Line(s) == ""; got != ok {
			t.Errorf("Line(%q) = %v, want %v", s, got, ok)
		}
	}
	if Text("two\nlines\tand a tab\r\n") != "" || Text("evil\u202E") == "" || Text("nul\x00") == "" {
		t.Error("Text allows line breaks and tabs, nothing else")
	}
}

func FuzzURL(f *testing.F) {
	for _, s := range []string{"https://a.example/", "https://a@b.example", "https://[::1]/", "https://xn--a.example", "http://a.example", `https://a.example/"><x>`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if URL(s, false) == "" && URL(s, true) != "" {
			t.Fatalf("%q passes https-only but not http-allowed", s)
		}
		if URL(s, true) == "" && strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune(unsafeInURL, r) }) {
			t.Fatalf("%q passes with a character that could break out of markup", s)
		}
	})
}

func TestName_IsOneTrimmedBoundedLine(t *testing.T) {
	for name, want := range map[string]string{
		"Gophers":       "",
		"":              "is required",
		"  ":            "must not be blank or padded with spaces",
		" Gophers":      "must not be blank or padded with spaces",
		"Go\u202Ephers": Line("Go\u202Ephers"),
		"abcdefghijk":   "must be at most 10 characters",
	} {
		if got := Name(name, 10); got != want {
			t.Errorf("Name(%q) = %q, want %q", name, got, want)
		}
	}
}

// A URL shown to others can never close the attribute or string it is
// written into: quotes, angle brackets, backticks, backslashes, white
// space and control characters are refused wherever they are, in path,
// query or fragment; the same characters percent-encoded are fine.
func TestURL_RefusesCharactersThatBreakOutOfMarkup(t *testing.T) {
	for _, raw := range []string{
		`https://cdn.example/a.png"><script>alert(1)</script>`,
		`https://cdn.example/a.png"onerror="alert(1)`,
		`https://cdn.example/a.png'onerror='alert(1)`,
		"https://cdn.example/a.png`",
		"https://cdn.example/<b>",
		"https://cdn.example/a>b",
		"https://cdn.example/a?q=<",
		"https://cdn.example/a#\"",
		`https://cdn.example\evil.example/`,
		"https://cdn.example/a b",
		"https://cdn.example/a\tb",
		"https://cdn.example/a\nb",
		"https://cdn.example/a\rb",
		"https://cdn.example/a\x0bb",
		"https://cdn.example/a\x7fb",
		"https://cdn.example/a\u00a0b",
		"https://cdn.example/a\u2028b",
		" https://cdn.example/a",
		"https://cdn.example/a\n",
		"http://cdn.example/a.png",
		"javascript:alert(1)",
		"data:image/png;base64,AAAA",
		"/a.png",
		"https://user@cdn.example/a.png",
		"https://user:pass@cdn.example/a.png",
	} {
		if URL(raw, false) == "" {
			t.Errorf("URL(%q) accepted", raw)
		}
		if URL(raw, true) == "" && raw != "http://cdn.example/a.png" {
			t.Errorf("URL(%q, allowHTTP) accepted", raw)
		}
	}
	for _, raw := range []string{
		"https://cdn.example/a.png%22%3E%3Cscript%3E",
		"https://cdn.example/it%27s%20here.png",
		"https://shop.example/p?x=1&y=a,b;c=(d)*+!$~-_.@:/#frag",
	} {
		if msg := URL(raw, false); msg != "" {
			t.Errorf("URL(%q) = %q, want it accepted", raw, msg)
		}
	}
}
