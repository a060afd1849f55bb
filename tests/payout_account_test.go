package tests

import (
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Payees onboard with Stripe (DESIGN §15): POST /v1/me/payout-account
// makes the person's Express account and an onboarding link; the local
// Stripe's page (POST /local/connect/{account}) completes or leaves the
// onboarding and sends account.updated as Stripe would; claims wait until
// payouts are enabled.

type payoutAccountSetup struct {
	OnboardingURL string
	Status        string
	Requirements  []string
}

type payoutAccount struct {
	AccountID    string
	Status       string
	Requirements []string
	UpdatedAt    string
}

// mask is how Souq shows an account id again.
func mask(acct string) string { return "acct_••••" + acct[len(acct)-4:] }

// refusalCode checks a 409 problem and returns its code.
func refusalCode(t *testing.T, r reply) string {
	t.Helper()
	expect(t, r, 409)
	return decode[struct{ Code string }](t, r).Code
}

// setUpPayouts is POST /v1/me/payout-account: its answer, and the account
// its onboarding link leads to.
func setUpPayouts(t *testing.T, token string) (payoutAccountSetup, string) {
	t.Helper()
	v := decode[payoutAccountSetup](t, expect(t, do(t, call{method: "POST", path: "/v1/me/payout-account", auth: token}), 201))
	u, err := url.Parse(v.OnboardingURL)
	if err != nil || u.Scheme+"://"+u.Host != base || path.Dir(u.Path) != "/local/connect" || !strings.HasPrefix(path.Base(u.Path), "acct_") {
		t.Fatalf("onboarding link: %+v", v)
	}
	return v, path.Base(u.Path)
}

// onboarding is the payee's answer on the local Stripe's onboarding page
// ("complete" or "incomplete"); Stripe's account.updated has reached
// payouts when it returns.
func onboarding(t *testing.T, acct, result string) {
	t.Helper()
	expect(t, do(t, call{method: "POST", path: "/local/connect/" + acct, body: `{"result":"` + result + `"}`}), 200)
	events(t, "PayoutAccountUpdated") // settles the outbox and the bus
}

// onboard sets up the caller's payouts and completes Stripe's onboarding:
// claims pass from then on. It returns the account.
func onboard(t *testing.T, token string) string {
	t.Helper()
	_, acct := setUpPayouts(t, token)
	onboarding(t, acct, "complete")
	return acct
}

func readPayoutAccount(t *testing.T, token string) payoutAccount {
	t.Helper()
	return decode[payoutAccount](t, expect(t, do(t, call{method: "GET", path: "/v1/me/payout-account", auth: token}), 200))
}

// The whole path: no account, a claim is 409 no_payout_account; set up,
// 409 naming what Stripe needs; left incomplete, still 409 with a
// requirement; completed, Stripe's event enables payouts, the claim is
// accepted and paid to that account; the dashboard opens.
func TestPayoutAccount_OnboardThenClaimAndGetPaid(t *testing.T) {
	w := newReferralWorld(t, 3_000)
	w.convert(t, conversionBody(w.deal.Code, "sale-1", "buyer-1", 10_000), 201) // 2,000
	advance(t, 7*24*time.Hour+time.Minute)
	claim := func(key string) reply {
		return do(t, claimCall(w.infToken, "/v1/payouts", key, `{"amount":1500,"currency":"EUR"}`))
	}

	if a := readPayoutAccount(t, w.infToken); a.Status != "none" || a.AccountID != "" || a.Requirements == nil || len(a.Requirements) != 0 {
		t.Fatalf("before: %+v", a)
	}
	if c := refusalCode(t, claim("first")); c != "no_payout_account" {
		t.Fatalf("a claim before onboarding: code %q", c)
	}
	if c := refusalCode(t, do(t, call{method: "POST", path: "/v1/me/payout-account/dashboard", auth: w.infToken})); c != "no_payout_account" {
		t.Fatalf("a dashboard before onboarding: code %q", c)
	}

	v, acct := setUpPayouts(t, w.infToken)
	if v.Status != "pending" || len(v.Requirements) == 0 {
		t.Fatalf("set up: %+v", v)
	}
	if again, acct2 := setUpPayouts(t, w.infToken); acct2 != acct || again.Status != "pending" {
		t.Fatalf("a second call made another account: %s then %s", acct, acct2)
	}
	if a := readPayoutAccount(t, w.infToken); a.Status != "pending" || a.AccountID != mask(acct) || !slices.Equal(a.Requirements, v.Requirements) || a.UpdatedAt == "" {
		t.Fatalf("read: %+v, set up %+v", a, v)
	}
	r := claim("first")
	if c := refusalCode(t, r); c != v.Requirements[0] || !strings.Contains(r.problem.Detail, "Stripe still needs "+v.Requirements[0]) {
		t.Fatalf("a claim before onboarding is finished: code %q, %s", c, r.body)
	}
	if c := refusalCode(t, do(t, call{method: "POST", path: "/v1/me/payout-account/dashboard", auth: w.infToken})); c != "onboarding_incomplete" {
		t.Fatalf("a dashboard before onboarding is submitted: code %q", c)
	}

	onboarding(t, acct, "incomplete")
	r = claim("first")
	if c := refusalCode(t, r); c == "" || c == "no_payout_account" || c == "payouts_not_enabled" || !strings.Contains(r.problem.Detail, c) {
		t.Fatalf("a claim after an incomplete onboarding: code %q, %s", c, r.body)
	}
	if a := readPayoutAccount(t, w.infToken); a.Status != "pending" || len(a.Requirements) == 0 {
		t.Fatalf("after an incomplete onboarding: %+v", a)
	}
	if _, a, _ := w.earnings(t); a != 2_000 {
		t.Fatalf("refused claims moved money: %d", a)
	}

	// Completed: Stripe's event enables payouts (no GET in between).
	onboarding(t, acct, "complete")
	p := decode[payoutView](t, expect(t, claim("first"), 202))
	if p.Destination != mask(acct) {
		t.Fatalf("claimed to %s, want %s", p.Destination, mask(acct))
	}
	if got := readPayout(t, w.infToken, p.ID); got.Status != "paid" || !strings.HasPrefix(got.Reference, "tr_") {
		t.Fatalf("paid: %+v", got)
	}
	if a := readPayoutAccount(t, w.infToken); a.Status != "enabled" || len(a.Requirements) != 0 || a.AccountID != mask(acct) {
		t.Fatalf("after onboarding: %+v", a)
	}
	d := decode[struct{ URL string }](t, expect(t, do(t, call{method: "POST", path: "/v1/me/payout-account/dashboard", auth: w.infToken}), 201))
	if !strings.Contains(d.URL, acct) {
		t.Fatalf("dashboard: %+v", d)
	}
	// Setting up again keeps the account enabled and only makes a link.
	if again, acct2 := setUpPayouts(t, w.infToken); acct2 != acct || again.Status != "enabled" {
		t.Fatalf("after onboarding, set up again: %+v %s", again, acct2)
	}
	_, stranger := newUser(t)
	if a := readPayoutAccount(t, stranger); a.Status != "none" {
		t.Fatalf("a stranger sees an account: %+v", a)
	}
	verifyLedger(t)
}

// Two first calls at once make one Express account.
func TestPayoutAccount_ConcurrentSetUpMakesOneAccount(t *testing.T) {
	_, token := newUser(t)
	var wg sync.WaitGroup
	accts := make([]string, 4)
	for i := range accts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, accts[i] = setUpPayouts(t, token)
		}()
	}
	wg.Wait()
	for _, a := range accts[1:] {
		if a != accts[0] {
			t.Fatalf("accounts: %v", accts)
		}
	}
	if a := readPayoutAccount(t, token); a.AccountID != mask(accts[0]) {
		t.Fatalf("read: %+v", a)
	}
}

// Setting up payouts is a person's: an API key may not.
func TestPayoutAccount_OnlyPeople(t *testing.T) {
	w := newReferralWorld(t, 1_000)
	for _, c := range []call{
		{method: "POST", path: "/v1/me/payout-account", auth: w.comKey},
		{method: "GET", path: "/v1/me/payout-account", auth: w.comKey},
		{method: "POST", path: "/v1/me/payout-account/dashboard", auth: w.comKey},
	} {
		if r := do(t, c); r.status != 401 && r.status != 403 {
			t.Fatalf("%s %s with an API key: %d %s", c.method, c.path, r.status, r.body)
		}
	}
	expect(t, do(t, call{method: "POST", path: "/v1/me/payout-account", auth: w.infToken, body: `{"country":"Germany"}`}), 400)
	expect(t, do(t, call{method: "POST", path: "/v1/me/payout-account", auth: w.infToken, body: `{"bank":"x"}`}), 400)
}
