package tests

import (
	"encoding/json"
	"strings"
	"testing"
)

// What people type is checked once, the same way, everywhere: a URL is an
// https page on a named host, and names refuse control and bidi-override
// characters. Every bad field is named at once, with the rule it broke,
// and nothing is created.
func TestValidation_EveryBadFieldAtOnceAndNothingCreated(t *testing.T) {
	t.Parallel()
	_, token := newUser(t)
	r := expect(t, do(t, call{method: "POST", path: "/v1/communities", auth: token,
		body: `{"name":"","url":"https://good.example@evil.example/","currency":"usd"}`}), 400)
	for _, f := range []string{"name", "url", "currency"} {
		if !hasFieldError(r, f) {
			t.Errorf("no error for %s: %s", f, r.body)
		}
	}
	for name, url := range map[string]string{
		"userinfo":           "https://good.example@evil.example/",
		"an IPv4 literal":    "https://127.0.0.1/",
		"an IPv6 literal":    "https://[::1]/",
		"a numeric host":     "https://2130706433/",
		"a raw Unicode host": "https://gophеrs.example/", // Cyrillic е
		"a bidi override":    "https://gophers.example/\u202Egnp",
		"plain http":         "http://gophers.example/",
		"no host":            "https:///join",
	} {
		body, _ := json.Marshal(map[string]string{"name": "Gophers", "url": url, "currency": "USD"})
		if r := expect(t, do(t, call{method: "POST", path: "/v1/communities", auth: token, body: string(body)}), 400); !hasFieldError(r, "url") {
			t.Errorf("%s: %s", name, r.body)
		}
	}
	for _, name := range []string{"evil\u202Etxt.exe", "two\nlines", "bell\x07"} {
		body, _ := json.Marshal(map[string]string{"name": name, "currency": "USD"})
		if r := expect(t, do(t, call{method: "POST", path: "/v1/advertisers", auth: token, body: string(body)}), 400); !hasFieldError(r, "name") {
			t.Errorf("name %q: %s", name, r.body)
		}
	}
	me := decode[struct{ Communities, Advertisers []map[string]any }](t, expect(t, do(t, call{method: "GET", path: "/v1/me", auth: token}), 200))
	if len(me.Communities) != 0 || len(me.Advertisers) != 0 {
		t.Fatalf("refused requests created %+v", me)
	}
	// Punycode is how an international domain is written: fine.
	expect(t, do(t, call{method: "POST", path: "/v1/communities", auth: token,
		body: `{"name":"München Gophers","url":"https://xn--mnchen-3ya.example/join","currency":"EUR"}`}), 201)
}

func TestValidation_ASlotNamesEachRuleItBreaks(t *testing.T) {
	t.Parallel()
	_, token := newUser(t)
	com := createCommunity(t, token)
	events(t, "CommunityCreated") // the auctions context hears of it
	r := expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com.ID + "/slots", auth: token,
		body: `{"name":"","width":0,"height":0}`}), 400)
	got := map[string]string{}
	for _, e := range r.problem.Errors {
		got[e.Field] = e.Message
	}
	if !strings.Contains(got["width"], "at least 10") || !strings.Contains(got["height"], "at least 10") || got["name"] == "" || got["reserve"] == "" {
		t.Fatalf("errors: %v", got)
	}
	// A creative's URLs follow the same rule as every other URL.
	slot := decode[struct{ ID string }](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com.ID + "/slots", auth: token,
		body: `{"name":"Side","width":300,"height":250,"reserve":{"amount":100,"currency":"EUR"}}`}), 201))
	r = expect(t, do(t, call{method: "PUT", path: "/v1/slots/" + slot.ID + "/house-ad", auth: token,
		body: `{"imageUrl":"https://10.0.0.1/a.png","clickUrl":"https://a@b.example/","altText":"x\u202E"}`}), 400)
	for _, f := range []string{"imageUrl", "clickUrl", "altText"} {
		if !hasFieldError(r, f) {
			t.Errorf("house ad: no error for %s: %s", f, r.body)
		}
	}
}
