package stripelocal

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v83"
)

func TestConnect_OnboardingLeftIncompleteThenCompleted(t *testing.T) {
	t.Parallel()
	si := start(t, nil)
	ctx := context.Background()
	p := &stripe.AccountCreateParams{Type: stripe.String("express"), Email: stripe.String("inf@souq.example"),
		Capabilities: &stripe.AccountCreateCapabilitiesParams{Transfers: &stripe.AccountCreateCapabilitiesTransfersParams{Requested: stripe.Bool(true)}}}
	p.Metadata = map[string]string{"souq_payee": "user:usr_inf"}
	p.SetIdempotencyKey("connect-usr_inf")
	acct, err := si.sc.V1Accounts.Create(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	due := []string{"external_account", "individual.verification.document", "tos_acceptance.date"}
	if !strings.HasPrefix(acct.ID, "acct_") || acct.PayoutsEnabled || acct.DetailsSubmitted || !slices.Equal(acct.Requirements.CurrentlyDue, due) ||
		acct.Metadata["souq_payee"] != "user:usr_inf" {
		t.Fatalf("new account = %+v", acct)
	}
	link, err := si.sc.V1AccountLinks.Create(ctx, &stripe.AccountLinkCreateParams{Account: stripe.String(acct.ID), Type: stripe.String("account_onboarding"),
		RefreshURL: stripe.String("https://souq.example/payout-account/refresh"), ReturnURL: stripe.String("https://souq.example/payout-account/done")})
	if err != nil || link.URL != si.pages+"/local/connect/"+acct.ID {
		t.Fatalf("link = %+v, %v", link, err)
	}

	var v struct {
		PayoutsEnabled, DetailsSubmitted bool
		Requirements                     []string
	}
	si.mustCall(t, "POST", "/local/connect/"+acct.ID, `{"result":"incomplete"}`, 200, &v)
	if v.PayoutsEnabled || !slices.Equal(v.Requirements, due) {
		t.Fatalf("incomplete = %+v", v)
	}
	status, h, _ := si.call(t, "POST", "/local/connect/"+acct.ID, "result=complete", true)
	if status != 303 || h.Get("Location") != "https://souq.example/payout-account/done" {
		t.Fatalf("complete = %d %v", status, h)
	}
	got, err := si.sc.V1Accounts.GetByID(ctx, acct.ID, nil)
	if err != nil || !got.PayoutsEnabled || !got.DetailsSubmitted || len(got.Requirements.CurrentlyDue) != 0 || got.Requirements.DisabledReason != "" {
		t.Fatalf("completed account = %+v, %v", got, err)
	}
	si.rc.expectTypes(t, "account.updated", "account.updated")
	if evs := si.rc.all(); evs[0].Object["payouts_enabled"] != false || evs[1].Object["payouts_enabled"] != true {
		t.Fatalf("account.updated objects = %v / %v", evs[0].Object, evs[1].Object)
	}

	login, err := si.sc.V1LoginLinks.Create(ctx, &stripe.LoginLinkCreateParams{Account: stripe.String(acct.ID)})
	if err != nil || login.URL != si.pages+"/local/connect/"+acct.ID+"/dashboard" {
		t.Fatalf("login link = %+v, %v", login, err)
	}
	si.mustCall(t, "POST", "/local/connect/"+acct.ID, `{"result":"later"}`, 400, nil)
	si.mustCall(t, "POST", "/local/connect/acct_nope", `{"result":"complete"}`, 404, nil)
}
