package console

import (
	"errors"
	"net/http"
	"strings"
)

// Payouts: earnings per currency and Claim payout, the person's payout
// account (set up on Stripe's onboarding, never by typing an account
// id: DESIGN §15), and the history. Stripe's onboarding sends the person
// back to /console/payouts?onboarding=done, or ?onboarding=refresh when
// its link expired: then a new link is made and the person sent on.

type payoutsData struct {
	Earnings Earnings
	Account  PayoutAccount
	Payouts  []Payout
	// Onboarded is the return from Stripe's onboarding.
	Onboarded bool
}

// Needs are what Stripe still needs, in words.
func (d payoutsData) Needs() []string { return requirementWords(d.Account.Requirements) }

func (c *Console) payouts(q *req, f *formState) {
	ctx := q.r.Context()
	if f == nil && q.r.URL.Query().Get("onboarding") == "refresh" {
		// The onboarding link expired (or was opened twice): a new one.
		c.setUpPayouts(q)
		return
	}
	d := payoutsData{Onboarded: f == nil && q.r.URL.Query().Get("onboarding") == "done"}
	err := parallel(
		func() (err error) { d.Earnings, err = q.api.Earnings(ctx); return },
		func() error {
			acct, err := q.api.PayoutAccount(ctx)
			if IsStatus(err, http.StatusNotFound) {
				acct, err = PayoutAccount{Status: "none"}, nil
			}
			if acct.Status == "" {
				acct.Status = "none"
			}
			d.Account = acct
			return err
		},
		func() error { l, err := q.api.Payouts(ctx); d.Payouts = l.Data; return err },
	)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	c.show(q, "payouts", view{Title: "Payouts", Nav: "payouts", Data: d, Form: f})
}

// setUpPayouts makes the person's Stripe account (once) and sends them to
// its onboarding.
func (c *Console) setUpPayouts(q *req) {
	ob, err := q.api.SetUpPayouts(q.r.Context())
	if err != nil {
		c.again(q, "setup", err, c.payouts)
		return
	}
	c.toStripe(q, ob.OnboardingURL)
}

// payoutDashboard sends the person to their Stripe Express dashboard
// (its login link lasts minutes: it is made when asked for).
func (c *Console) payoutDashboard(q *req) {
	l, err := q.api.PayoutDashboard(q.r.Context())
	if err != nil {
		c.again(q, "setup", err, c.payouts)
		return
	}
	c.toStripe(q, l.URL)
}

// claimPayout is one currency's claim. Each currency's form has a name of
// its own (claim-EUR), so that a refusal is shown beside that form alone:
// one before payouts are set up (409) says what Stripe still needs.
func (c *Console) claimPayout(q *req) {
	f, bad := parseAmountForm(q.r)
	if len(bad) > 0 {
		c.payouts(q, invalid(q, "claim-"+f.Currency, bad))
		return
	}
	po, err := q.api.ClaimPayout(q.r.Context(), f.Request(), q.r.PostForm.Get("idem"))
	if err != nil {
		c.again(q, "claim-"+f.Currency, notPayable(err), c.payouts)
		return
	}
	c.done(q.w, q.r, "/console/payouts", "Payout of "+FormatMoney(po.Amount, po.Currency)+" claimed: it is "+po.Status+".")
}

// notPayable says a claim refused before payouts are enabled (409, its
// code the first thing Stripe still needs) in the console's words: the
// API's names the calls to make.
func notPayable(err error) error {
	var p *Problem
	if !errors.As(err, &p) || p.Status != http.StatusConflict || p.Code == "" {
		return err
	}
	words := *p
	switch {
	case p.Code == "no_payout_account":
		words.Detail = "Set up payouts first, on the Payouts page: Stripe pays claims once you have given it your details."
	case p.Code == "payouts_not_enabled" && p.State == "restricted":
		words.Detail = "Stripe has restricted your payouts: open your Stripe dashboard, on the Payouts page, to see why."
	case p.Code == "payouts_not_enabled":
		words.Detail = "Payouts are not enabled yet: Stripe has not confirmed your account. Finish its onboarding on the Payouts page."
	default:
		words.Detail = "Finish setting up payouts first, on the Payouts page: Stripe still needs " + requirementWord(p.Code) + "."
	}
	return &words
}

// requirementWords are Stripe's requirement names (individual.dob.day,
// external_account, …) in words, each said once.
func requirementWords(reqs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range reqs {
		w := requirementWord(r)
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

func requirementWord(r string) string {
	r = strings.TrimPrefix(strings.TrimPrefix(r, "individual."), "representative.")
	switch {
	case r == "external_account":
		return "a bank account to pay into"
	case strings.HasPrefix(r, "tos_acceptance"):
		return "your acceptance of Stripe's terms"
	case strings.HasPrefix(r, "dob"):
		return "your date of birth"
	case strings.HasPrefix(r, "address"):
		return "your address"
	case strings.HasPrefix(r, "verification"):
		return "a photo of an identity document"
	case r == "first_name" || r == "last_name":
		return "your name"
	case r == "email":
		return "your e-mail address"
	case r == "phone":
		return "your phone number"
	case r == "ssn_last_4" || r == "id_number":
		return "your tax identification number"
	case strings.HasPrefix(r, "business_profile"):
		return "what you do (your business profile)"
	case r == "business_type":
		return "whether you are paid as a person or a company"
	case strings.HasPrefix(r, "company"):
		return "your company's details"
	}
	if i := strings.LastIndex(r, "."); i >= 0 {
		r = r[i+1:]
	}
	return strings.ToLower(humanize(r))
}
