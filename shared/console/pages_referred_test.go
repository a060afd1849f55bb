package console

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// A deal of a program on memberships in every state its members can take
// (none yet; active, canceling, ended, a self-referral; months that end or
// not), in three API calls; and a deal on conversions, which shows none of
// it.
func TestDealPage_MembersInEveryState(t *testing.T) {
	c := testConsole(t)
	deal := func(terms string) string {
		return `{"id":"deal_1","programId":"prg_1","communityId":"com_a","communityName":"Gophers","influencerId":"usr_a","influencerName":"Ada","status":"approved",` +
			`"code":"gophers","link":"https://souq.test/r/gophers","terms":` + terms + `,"stats":{"clicks":3,"conversions":2,"commissionPending":80,"commissionCleared":100,` +
			`"commissionReversed":0,"members":2,"currency":"EUR"},"createdAt":"2039-01-01T10:00:00Z"}`
	}
	conv := `{"data":[{"id":"cnv_2","externalId":"mpay_2","amount":400,"currency":"EUR","status":"no_commission","reason":"months_passed","commission":{"amount":0,"currency":"EUR"},` +
		`"createdAt":"2040-01-02T10:00:00Z","source":"membership","customerId":"mbr_k7x2p9qa","payment":{"kind":"renewal","periodStart":"2040-01-02T10:00:00Z"}},` +
		`{"id":"cnv_1","externalId":"mpay_1","amount":400,"currency":"EUR","status":"pending","commission":{"amount":80,"currency":"EUR"},"clearsAt":"2039-02-01T10:00:00Z",` +
		`"createdAt":"2039-01-02T10:00:00Z","source":"membership","customerId":"mbr_k7x2p9qa","payment":{"kind":"first","periodStart":"2039-01-02T10:00:00Z"}}]}`
	member := func(name, status string, cancel bool, until, reason string) string {
		u := "null"
		if until != "" {
			u = `"` + until + `"`
		}
		c := "false"
		if cancel {
			c = "true"
		}
		return `{"member":"` + name + `","joinedAt":"2039-01-01T10:00:00Z","status":"` + status + `","cancelAtPeriodEnd":` + c + `,"tierName":"Member","interval":"month",` +
			`"earnsUntil":` + u + `,"reason":"` + reason + `","payments":13,"paid":{"amount":5200,"currency":"EUR"},"refunded":{"amount":400,"currency":"EUR"},` +
			`"commission":{"amount":960,"currency":"EUR"},"commissionReversed":{"amount":80,"currency":"EUR"}}`
	}
	for _, tc := range []struct {
		name, terms, members, conversions string
		want, not                         []string
	}{
		{"no member yet", `{"type":"percent","bps":2000,"on":"membership","months":12}`, `{"data":[]}`, `{"data":[]}`,
			[]string{"This deal earns on memberships", "in their first 12 months", "Members 2", "No one has joined through the link yet.", "No payments yet."}, []string{"No conversions yet."}},
		{"members in each state", `{"type":"percent","bps":2000,"on":"membership","months":null}`,
			`{"data":[` + member("mbr_k7x2p9qa", "active", false, "", "") + `,` + member("mbr_cancel01", "active", true, "2040-01-01T10:00:00Z", "") + `,` +
				member("mbr_ended001", "ended", false, "2040-01-01T10:00:00Z", "") + `,` + member("mbr_self0001", "active", false, "", "self_referral") + `]}`, conv,
			[]string{"for as long as they stay", "Members are shown by a pseudonym", "mbr_k7x2p9qa 1 Jan 2039, 10:00 UTC Active · Member, monthly 13 €52.00 €4.00 €8.80 As long as they stay",
				"Active, ends at its period's end", "Ended · Member", "1 Jan 2040, 10:00 UTC", "earns nothing (Self referral)",
				"Payments", "Renewal, from 2 Jan 2040", "No commission (Months passed)", "First, from 2 Jan 2039", "Pending", "€0.80"}, []string{"usr_"}},
		{"a deal on conversions", `{"type":"percent","bps":2000,"on":"conversion","months":null}`, `{"data":[]}`,
			`{"data":[{"id":"cnv_1","externalId":"o-1","amount":1000,"currency":"EUR","status":"pending","commission":{"amount":200,"currency":"EUR"},"createdAt":"2039-01-02T10:00:00Z","source":"reported","customerId":"c-1"}]}`,
			[]string{"Conversions", "€10.00", "€2.00"}, []string{"Members", "earns on memberships", "Payments"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{answers: map[string]answer{"GET /v1/deals/deal_1": {200, deal(tc.terms), ""},
				"GET /v1/deals/deal_1/members": {200, tc.members, ""}, "GET /v1/deals/deal_1/conversions": {200, tc.conversions, ""}}}
			w := visit(t, c, api, http.MethodGet, "/console/deals/deal_1", nil, map[string]string{"id": "deal_1"}, func(q *req) { c.deal(q, nil) })
			page := text(w.Body.String())
			if w.Code != 200 {
				t.Fatalf("%d: %s", w.Code, page)
			}
			for _, s := range tc.want {
				if !strings.Contains(page, s) {
					t.Errorf("the page does not say %q:\n%s", s, page)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(page, s) {
					t.Errorf("the page says %q:\n%s", s, page)
				}
			}
			if n := len(api.calls()); n != 3 {
				t.Errorf("%d API calls, want 3", n)
			}
		})
	}
}

// The join page keeps the first code a visitor came with that the API
// says is an active deal of this community's program on memberships, for
// the program's days (never a link's say), in a cookie of the community's
// pages only; any other code keeps nothing and is not mentioned.
func TestJoinPage_KeepsTheFirstReferralCode(t *testing.T) {
	c := testConsole(t)
	join := `{"communityId":"com_a","name":"Gophers","sites":["gophers.example"],"tiers":[]}`
	code := func(code, com, on string, days int, active bool) answer {
		return answer{200, fmt.Sprintf(`{"code":%q,"communityId":%q,"on":%q,"attributionDays":%d,"active":%t}`, code, com, on, days, active), ""}
	}
	codes := map[string]answer{
		"GET /v1/referral-codes/gophers":   code("gophers", "com_a", "membership", 10, true),
		"GET /v1/referral-codes/rivals":    code("rivals", "com_a", "membership", 30, true),
		"GET /v1/referral-codes/elsewhere": code("elsewhere", "com_b", "membership", 30, true),
		"GET /v1/referral-codes/sales":     code("sales", "com_a", "conversion", 30, true),
		"GET /v1/referral-codes/ended":     code("ended", "com_a", "membership", 30, false),
		"GET /v1/referral-codes/forever":   code("forever", "com_a", "membership", 9999, true),
		"GET /v1/referral-codes/unknown":   {404, `{"type":"about:blank","title":"Not Found","status":404,"detail":"no such referral code"}`, "application/problem+json"},
	}
	open := func(target, cookie string) (*http.Response, string, int) {
		answers := map[string]answer{"GET /v1/communities/com_a/join": {200, join, ""}}
		for k, v := range codes {
			answers[k] = v
		}
		api := &fakeAPI{answers: answers}
		srv := httptest.NewServer(api)
		defer srv.Close()
		c.api = NewAPI(srv.URL, srv.Client())
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.SetPathValue("communityId", "com_a")
		if cookie != "" {
			r.Header.Set("Cookie", "souq_ref_com_a="+cookie)
		}
		w := httptest.NewRecorder()
		c.headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c.join(&req{w: w, r: r, api: &Caller{api: c.api}}, nil) // signed out
		})).ServeHTTP(w, r)
		return w.Result(), text(w.Body.String()), len(api.calls())
	}
	for _, tc := range []struct {
		name, target, cookie, kept, shown string
		maxAge, calls                     int
	}{
		{"a first code, for the program's days", "/console/c/com_a/join?ref=GoPhers&days=365", "", "gophers", "gophers", 10 * 86400, 2},
		{"a later code", "/console/c/com_a/join?ref=rivals", "gophers", "", "gophers", 0, 1},
		{"a program's days past a year", "/console/c/com_a/join?ref=forever", "", "forever", "forever", 365 * 86400, 2},
		{"another community's code", "/console/c/com_a/join?ref=elsewhere", "", "", "", 0, 2},
		{"a code of a program on conversions", "/console/c/com_a/join?ref=sales", "", "", "", 0, 2},
		{"an ended deal's code", "/console/c/com_a/join?ref=ended", "", "", "", 0, 2},
		{"an unknown code", "/console/c/com_a/join?ref=unknown", "", "", "", 0, 2},
		{"a malformed code", "/console/c/com_a/join?ref=" + url.QueryEscape("x\r\nSet-Cookie: a=b"), "", "", "", 0, 1},
		{"markup", "/console/c/com_a/join?ref=" + url.QueryEscape("<script>"), "", "", "", 0, 1},
		{"a malformed cookie", "/console/c/com_a/join?ref=rivals", "<b>", "rivals", "rivals", 30 * 86400, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, page, calls := open(tc.target, tc.cookie)
			var set *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == "souq_ref_com_a" {
					set = ck
				}
			}
			switch {
			case tc.kept == "" && set != nil:
				t.Fatalf("kept %q", set.Value)
			case tc.kept != "" && (set == nil || set.Value != tc.kept || set.MaxAge != tc.maxAge || set.Path != "/console/c/com_a/" || !set.HttpOnly):
				t.Fatalf("the cookie: %+v, want %q for %d s", set, tc.kept, tc.maxAge)
			}
			if says := strings.Contains(page, "You came through a referral link"); says != (tc.shown != "") || tc.shown != "" && !strings.Contains(page, "("+tc.shown+")") {
				t.Fatalf("the page: %s", page)
			}
			if strings.Contains(page, "<script>") || len(resp.Header.Values("Set-Cookie")) > 2 {
				t.Fatalf("injected: %v %s", resp.Header, page)
			}
			if calls != tc.calls {
				t.Fatalf("%d API calls, want %d", calls, tc.calls)
			}
		})
	}
}
