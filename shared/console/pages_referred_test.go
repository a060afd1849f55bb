package console

import (
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

// The join page keeps the first well-formed code a visitor came with, for
// the link's days (1 to 365), in a cookie of the community's pages only;
// a malformed code, or one that would break the header, keeps nothing.
func TestJoinPage_KeepsTheFirstReferralCode(t *testing.T) {
	c := testConsole(t)
	join := `{"communityId":"com_a","name":"Gophers","sites":["gophers.example"],"tiers":[]}`
	open := func(target, cookie string) (*http.Response, string) {
		api := &fakeAPI{answers: map[string]answer{"GET /v1/communities/com_a/join": {200, join, ""}}}
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
		return w.Result(), text(w.Body.String())
	}
	for _, tc := range []struct {
		name, target, cookie, kept, shown string
		maxAge                            int
	}{
		{"a first code", "/console/c/com_a/join?ref=GoPhers&days=10", "", "gophers", "gophers", 10 * 86400},
		{"a later code", "/console/c/com_a/join?ref=rivals&days=10", "gophers", "", "gophers", 0},
		{"days out of bounds", "/console/c/com_a/join?ref=gophers&days=99999", "", "gophers", "gophers", 365 * 86400},
		{"no days", "/console/c/com_a/join?ref=gophers", "", "gophers", "gophers", 30 * 86400},
		{"a malformed code", "/console/c/com_a/join?ref=" + url.QueryEscape("x\r\nSet-Cookie: a=b"), "", "", "", 0},
		{"markup", "/console/c/com_a/join?ref=" + url.QueryEscape("<script>"), "", "", "", 0},
		{"a malformed cookie", "/console/c/com_a/join?ref=fine-code", "<b>", "fine-code", "fine-code", 30 * 86400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, page := open(tc.target, tc.cookie)
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
		})
	}
}
