package tests

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/souqhq/souq/tests/harness"
)

// exampleRow is a row of the worked example's table in the docs.
type exampleRow struct {
	payment, when, kind string
	paid, commission    int64 // minor units; a refund's are negative
	number              int   // a payment's number
	refundOf            int   // a refund: the payment it refunds
	total               bool
}

// workedExample reads the table of "A year of a referred member" in a
// doc: the rows between the header and the first line after them that is
// not a table row.
func workedExample(t *testing.T, path string) []exampleRow {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "| Payment | When | Kind | Paid | Commission |")
	if i < 0 || !strings.Contains(s[:i], "A year of a referred member") {
		t.Fatalf("%s has no worked example's table", path)
	}
	cents := func(v string) int64 {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			t.Fatalf("%s: %q is not an amount", path, v)
		}
		if f < 0 {
			return -int64(-f*100 + 0.5)
		}
		return int64(f*100 + 0.5)
	}
	var rows []exampleRow
	for _, line := range strings.Split(s[i:], "\n")[2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		c := strings.Split(strings.Trim(line, "|"), "|")
		if len(c) != 5 {
			t.Fatalf("%s: a row of %d cells: %q", path, len(c), line)
		}
		r := exampleRow{payment: strings.TrimSpace(c[0]), when: strings.TrimSpace(c[1]), kind: strings.TrimSpace(c[2])}
		r.paid, r.commission = cents(c[3]), cents(c[4])
		switch {
		case r.payment == "total":
			r.total = true
		case strings.HasPrefix(r.payment, "refund of "):
			r.refundOf, _ = strconv.Atoi(strings.TrimPrefix(r.payment, "refund of "))
		default:
			r.number, _ = strconv.Atoi(r.payment)
		}
		rows = append(rows, r)
	}
	return rows
}

type referredMember struct {
	Member, Status, TierName                       string
	Payments                                       int64
	Paid, Refunded, Commission, CommissionReversed moneyView
	EarnsUntil                                     *time.Time
}

type memberConversion struct {
	ID, ExternalID, Status, Reason, Source, CustomerID string
	Amount, Reversed                                   int64
	Commission, CommissionReversed                     moneyView
	CreatedAt                                          time.Time
	Payment                                            *struct {
		Kind        string
		PeriodStart time.Time
	}
}

// A year of a referred member, through the deal's link, on the platform
// clock: the trial, twelve months paid, an upgrade, a refund, the months
// that earn running out; each commission, the clearing and the
// influencer's balance to the cent as docs/referrals.md and
// docs/memberships.md say.
func TestMemberReferralsHTTP_AYearOfAReferredMember(t *testing.T) {
	rows := workedExample(t, "../docs/referrals.md")
	if other := workedExample(t, "../docs/memberships.md"); !slices.Equal(rows, other) {
		t.Fatalf("the two docs' worked examples differ:\n%+v\n%+v", rows, other)
	}
	w := newMemberWorld(t)
	expect(t, do(t, depositCall(w.owner, "/v1/communities/"+w.com+"/deposits", "fund-"+w.com, `{"amount":10000,"currency":"EUR"}`)), 201)
	prog := decode[programView](t, expect(t, do(t, call{method: "POST", headers: freshKey(), path: "/v1/communities/" + w.com + "/programs", auth: w.owner,
		body: `{"name":"Bring a member","currency":"EUR","commission":{"type":"percent","bps":2000},"on":"membership","months":12,` +
			`"attributionDays":30,"holdDays":30,"budget":{"amount":5000,"currency":"EUR"}}`}), 201))
	_, infTok := newUser(t)
	d := decode[dealView](t, expect(t, do(t, call{method: "POST", path: "/v1/programs/" + prog.ID + "/deals", auth: infTok, body: `{"pitch":"My newsletter"}`}), 201))
	deal := decode[dealView](t, expect(t, do(t, call{method: "POST", path: "/v1/deals/" + d.ID + "/approve", auth: w.owner}), 200))

	// The link lands on the community's join page, carrying the code.
	hop := noFollow(t, "/r/"+deal.Code)
	to, err := url.Parse(hop.Header.Get("Location"))
	if err != nil || hop.StatusCode != http.StatusFound || to.Path != "/console/c/"+w.com+"/join" || to.Query().Get("ref") != deal.Code {
		t.Fatalf("the link: %d to %s", hop.StatusCode, hop.Header.Get("Location"))
	}
	page, err := http.Get(base + to.RequestURI())
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	var kept string
	for _, c := range page.Cookies() {
		if c.Name == "souq_ref_"+w.com && c.MaxAge == 30*24*3600 { // the program's attribution days
			kept = c.Value
		}
	}
	if page.StatusCode != 200 || kept != deal.Code || !strings.Contains(string(html), "You came through a referral link") ||
		!strings.Contains(string(html), `name="referralCode"`) && !strings.Contains(string(html), "Sign in to join") {
		t.Fatalf("the join page: %d, cookie %q:\n%s", page.StatusCode, kept, html)
	}

	// They join Supporter with the code, as the page sends it: the trial.
	memberID, tok := member(t, harness.CardVisa)
	m := decode[membershipView](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + w.com + "/memberships", auth: tok, headers: freshKey(),
		body: fmt.Sprintf(`{"tierId":%q,"interval":"month","referralCode":%q}`, w.supporter, kept)}), 201))
	if m.Status != "trialing" || m.TrialEnd == nil {
		t.Fatalf("joined: %+v", m)
	}
	paidFrom := *m.TrialEnd
	at := func(months int) { advance(t, paidFrom.AddDate(0, months, 0).Sub(now(t))+time.Minute) }
	var paymentIDs []string
	lastPayment := func() string {
		ps := getMembership(t, tok, m.ID).Payments
		return ps[len(ps)-1].ID
	}
	for k := 0; k <= 5; k++ { // payments 1 to 6: the trial's end and five renewals
		at(k)
		paymentIDs = append(paymentIDs, lastPayment())
	}
	// Half-way through the sixth paid month, to the second: the upgrade.
	start, end := paidFrom.AddDate(0, 5, 0), paidFrom.AddDate(0, 6, 0)
	mid := start.Add(end.Sub(start) / 2)
	expect(t, do(t, call{method: "POST", path: "/local/clock/hold", body: `{"hold":true}`}), 200)
	advance(t, mid.Sub(now(t)).Truncate(time.Second))
	up := decode[membershipView](t, expect(t, do(t, call{method: "PATCH", path: "/v1/memberships/" + m.ID, auth: tok, body: fmt.Sprintf(`{"tierId":%q,"interval":"month"}`, w.patron)}), 200))
	expect(t, do(t, call{method: "POST", path: "/local/clock/hold", body: `{"hold":false}`}), 200)
	if up.Proration == nil || up.Proration.Charge != 500 {
		t.Fatalf("the upgrade half-way: %+v", up.Proration)
	}
	paymentIDs = append(paymentIDs, lastPayment())
	for k := 6; k <= 12; k++ { // payments 8 to 14
		at(k)
		paymentIDs = append(paymentIDs, lastPayment())
		for _, r := range rows {
			if r.refundOf == len(paymentIDs) {
				advance(t, 10*24*time.Hour)
				expect(t, do(t, call{method: "POST", path: "/v1/membership-payments/" + paymentIDs[r.refundOf-1] + "/refund", auth: w.owner, headers: freshKey(),
					body: fmt.Sprintf(`{"amount":{"amount":%d,"currency":"EUR"}}`, -r.paid)}), 201)
			}
		}
	}
	// They leave at the end of that month; every hold is over a month on.
	expect(t, do(t, call{method: "POST", path: "/v1/memberships/" + m.ID + "/cancel", auth: tok}), 200)
	advance(t, 31*24*time.Hour)

	// Each payment is a conversion of the deal, as the table says.
	cs := decode[struct{ Data []memberConversion }](t, expect(t, do(t, call{method: "GET", path: "/v1/deals/" + deal.ID + "/conversions?limit=100", auth: infTok}), 200)).Data
	byPayment := map[string]memberConversion{}
	for _, c := range cs {
		byPayment[c.ExternalID] = c
	}
	if len(cs) != len(paymentIDs) {
		t.Fatalf("%d conversions of %d payments", len(cs), len(paymentIDs))
	}
	var paid, earned, payments int64
	var who string
	for _, r := range rows {
		switch {
		case r.total:
			if paid != r.paid || earned != r.commission {
				t.Fatalf("in all: paid %d and earned %d, the docs say %d and %d", paid, earned, r.paid, r.commission)
			}
		case r.refundOf > 0:
			c := byPayment[paymentIDs[r.refundOf-1]]
			if c.Reversed != -r.paid || c.CommissionReversed.Amount != -r.commission {
				t.Fatalf("%s: %+v", r.payment, c)
			}
			paid, earned = paid+r.paid, earned+r.commission
		default:
			c, ok := byPayment[paymentIDs[r.number-1]]
			if !ok || c.Source != "membership" || c.Payment == nil || c.Payment.Kind != r.kind || c.Amount != r.paid || c.Commission.Amount != r.commission {
				t.Fatalf("payment %d: %+v, the docs say %s %d earning %d", r.number, c, r.kind, r.paid, r.commission)
			}
			if want := "cleared"; r.commission == 0 && (c.Status != "no_commission" || c.Reason != "months_passed") || r.commission > 0 && c.Status != want {
				t.Fatalf("payment %d: %s (%s)", r.number, c.Status, c.Reason)
			}
			if who == "" {
				who = c.CustomerID
			}
			if c.CustomerID != who || strings.Contains(c.CustomerID, memberID) {
				t.Fatalf("payment %d names the member %q", r.number, c.CustomerID)
			}
			paid, earned = paid+r.paid, earned+r.commission
			payments++
		}
	}
	// The deal's member, the deal's counts and the influencer's balance.
	ms := decode[struct{ Data []referredMember }](t, expect(t, do(t, call{method: "GET", path: "/v1/deals/" + deal.ID + "/members", auth: infTok}), 200)).Data
	if len(ms) != 1 || ms[0].Member != who || ms[0].Payments != payments || ms[0].Refunded.Amount != 750 || ms[0].Paid.Amount-ms[0].Refunded.Amount != paid ||
		ms[0].Commission.Amount-ms[0].CommissionReversed.Amount != earned || ms[0].TierName != "Patron" || ms[0].Status != "ended" ||
		ms[0].EarnsUntil == nil || !ms[0].EarnsUntil.Equal(paidFrom.AddDate(0, 12, 0)) {
		t.Fatalf("the deal's members: %+v", ms)
	}
	owners := decode[struct{ Data []referredMember }](t, expect(t, do(t, call{method: "GET", path: "/v1/deals/" + deal.ID + "/members", auth: w.owner}), 200)).Data
	if len(owners) != 1 || owners[0].Member != who {
		t.Fatalf("the owner's view: %+v", owners)
	}
	expect(t, do(t, call{method: "GET", path: "/v1/deals/" + deal.ID + "/members", auth: tok}), 404)
	rep := decode[struct {
		Deals []dealView
	}](t, expect(t, do(t, call{method: "GET", path: "/v1/programs/" + prog.ID + "/report", auth: w.owner}), 200))
	if len(rep.Deals) != 1 || rep.Deals[0].Stats == nil || rep.Deals[0].Stats.Conversions != payments {
		t.Fatalf("the program's report: %+v", rep.Deals)
	}
	if n := decode[struct {
		Stats struct{ Members int64 }
	}](t, expect(t, do(t, call{method: "GET", path: "/v1/deals/" + deal.ID, auth: w.owner}), 200)).Stats.Members; n != 1 {
		t.Fatalf("the deal counts %d members", n)
	}
	rw := referralWorld{infToken: infTok}
	if pending, available, owed := rw.earnings(t); pending != 0 || available != earned || owed != 0 {
		t.Fatalf("the influencer: pending %d, available %d, owed %d; want %d available", pending, available, owed, earned)
	}
	// Each payment told the deal's influencer by event, as any conversion.
	accrued, earning := 0, 0
	for _, r := range rows {
		if r.number > 0 && r.commission > 0 {
			earning++
		}
	}
	for _, e := range events(t, "CommissionAccrued") {
		if d, ok := e["detail"].(map[string]any); ok && d["dealId"] == deal.ID {
			accrued++
		}
	}
	if accrued != earning {
		t.Fatalf("%d CommissionAccrued for the deal, want %d", accrued, earning)
	}
	verifyLedger(t)
}
