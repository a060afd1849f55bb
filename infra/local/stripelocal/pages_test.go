package stripelocal

import (
	"context"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v83"
)

// Each hosted page says what it is for, in words a person reads, and is
// served with a strict CSP and no script.
func TestPages_SayWhatTheyAreFor(t *testing.T) {
	t.Parallel()
	si := start(t, nil)
	ctx := context.Background()
	cus := si.customer(t)
	pay := paymentSession(t, si, cus, "dep_page", 123456)
	setup, err := si.sc.V1CheckoutSessions.Create(ctx, &stripe.CheckoutSessionCreateParams{Mode: stripe.String("setup"), Customer: stripe.String(cus),
		Currency: stripe.String("usd"), SuccessURL: stripe.String("https://souq.example/cards")})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := si.sc.V1Accounts.Create(ctx, &stripe.AccountCreateParams{Type: stripe.String("express")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/local/checkout/" + pay.ID, []string{"Pay 1234.56 USD", "Souq deposit", `<label for="card">Card number</label>`,
			"4000 0027 6000 3184", "insufficient funds", "Cancel and go back", `action="/local/checkout/` + pay.ID + `"`}},
		{"/local/checkout/" + setup.ID, []string{"Save a card for later payments", "Nothing is charged now", "Save card", "4000 0025 0000 3155"}},
		{"/local/connect/" + acct.ID, []string{"Set up payouts with Stripe", acct.ID, ">Complete</button>", ">Leave incomplete</button>",
			"individual.verification.document", "Not enabled"}},
		{"/local/connect/" + acct.ID + "/dashboard", []string{"Express dashboard (local)", acct.ID, "Finish onboarding"}},
	} {
		status, h, body := si.call(t, "GET", tc.path, "", false)
		if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s = %d %s", tc.path, status, h.Get("Content-Type"))
		}
		for _, w := range tc.want {
			if !strings.Contains(string(body), w) {
				t.Errorf("GET %s lacks %q", tc.path, w)
			}
		}
		if strings.Contains(string(body), "<script") || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("GET %s: script or no strict CSP", tc.path)
		}
	}
	if csp := func() string {
		_, h, _ := si.call(t, "GET", "/local/checkout/"+pay.ID, "", false)
		return h.Get("Content-Security-Policy")
	}(); !strings.Contains(csp, "form-action 'self' https://souq.example") {
		t.Errorf("the CSP does not let the form's redirect through: %s", csp)
	}
	for _, path := range []string{"/local/checkout/cs_test_nope", "/local/connect/acct_nope", "/local/connect/acct_nope/dashboard", "/local/stripe/nothing"} {
		status, h, body := si.call(t, "GET", path, "", false)
		if status != 404 || h.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(body), "not_found") {
			t.Errorf("GET %s = %d %s %s, want a 404 problem", path, status, h.Get("Content-Type"), body)
		}
	}
}
