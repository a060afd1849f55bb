package console

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// The membership page in every state its data can take, to its member and
// to its community's owner, said in words, in at most two API calls (the
// membership, and the tiers it may change to). The same pages are driven
// through the real platform in tests/console.
func TestMembershipPage_EveryState(t *testing.T) {
	c := testConsole(t)
	join := `{"communityId":"com_a","name":"Gophers","sites":["gophers.example"],"tiers":[
	  {"id":"tier_a","communityId":"com_a","name":"Member","description":"","benefits":["ad_free"],"prices":[{"interval":"month","amount":{"amount":400,"currency":"EUR"}}],"trialDays":0,"status":"active"},
	  {"id":"tier_b","communityId":"com_a","name":"Patron","description":"","benefits":["ad_free","badge"],"prices":[{"interval":"month","amount":{"amount":1500,"currency":"EUR"}},{"interval":"year","amount":{"amount":15000,"currency":"EUR"}}],"trialDays":0,"status":"active"}]}`
	pay := `{"id":"mpay_1","membershipId":"mem_1","kind":"first","amount":{"amount":400,"currency":"EUR"},"share":{"amount":380,"currency":"EUR"},"fee":{"amount":20,"currency":"EUR"},
	  "refunded":{"amount":0,"currency":"EUR"},"periodStart":"2039-01-01T10:00:00Z","periodEnd":"2039-02-01T10:00:00Z","transferId":"txf_1","paidAt":"2039-01-01T10:00:00Z"}`
	up := `{"id":"mpay_2","membershipId":"mem_1","kind":"upgrade","amount":{"amount":645,"currency":"EUR"},"share":{"amount":613,"currency":"EUR"},"fee":{"amount":32,"currency":"EUR"},
	  "refunded":{"amount":645,"currency":"EUR"},"periodStart":"2039-01-10T10:00:00Z","periodEnd":"2039-02-01T10:00:00Z","transferId":"txf_2","paidAt":"2039-01-10T10:00:00Z",
	  "proration":{"charge":645,"oldPart":284,"newPart":929,"remainingSeconds":1900800,"periodSeconds":2678400}}`
	base := func(status, extra string) string {
		return fmt.Sprintf(`{"id":"mem_1","communityId":"com_a","communityName":"Gophers","userId":"usr_a","tierId":"tier_a","tierName":"Member","benefits":["ad_free"],
		  "interval":"month","price":{"amount":400,"currency":"EUR"},"status":%q,"currentPeriodStart":"2039-01-01T10:00:00Z","currentPeriodEnd":"2039-02-01T10:00:00Z",
		  "cancelAtPeriodEnd":false,"nextPayment":null,"scheduledChange":null,"failure":null,"createdAt":"2039-01-01T10:00:00Z"%s}`, status, extra)
	}
	for _, tc := range []struct {
		name, body string
		owner      bool
		calls      int
		want       []string
		not        []string
	}{
		{"active", base("active", `,"nextPayment":{"at":"2039-02-01T10:00:00Z","amount":{"amount":400,"currency":"EUR"}},"payments":[`+pay+`]`), false, 2,
			[]string{"Active", "€4.00 a month", "Open Gophers's site as a member", "Paid until", "Next payment €4.00 on 1 Feb 2039", "no ads", "Cancel membership", "Update card", "Change tier", "Patron, €150.00 a year", "Member, €4.00 a month (yours)", "1 Jan 2039, 10:00 UTC to 1 Feb 2039"},
			[]string{"Resume", "Your share"}},
		{"canceled", base("active", `,"cancelAtPeriodEnd":true,"payments":[`+pay+`]`), false, 2,
			[]string{"canceled: it ends on 1 Feb 2039", "nothing more is charged", "Resume"}, []string{"Cancel membership", "Next payment"}},
		{"a downgrade scheduled and an upgrade paid", base("active", `,"scheduledChange":{"tierId":"tier_a","tierName":"Member","interval":"month","price":{"amount":400,"currency":"EUR"},"at":"2039-02-01T10:00:00Z"},"payments":[`+pay+`,`+up+`]`), false, 2,
			[]string{"From 1 Feb 2039, 10:00 UTC Member, €4.00 a month", "The upgrade, for the rest of the period (€9.29 less €2.84)", "€6.45"}, nil},
		{"trialing", base("trialing", `,"trialEnd":"2039-02-01T10:00:00Z","nextPayment":{"at":"2039-02-01T10:00:00Z","amount":{"amount":400,"currency":"EUR"}},"payments":[]`), false, 2,
			[]string{"Trialing", "Free trial until 1 Feb 2039", "No payments yet."}, []string{"Paid until"}},
		{"past due, the card to confirm", base("past_due", `,"actionUrl":"https://checkout.stripe.com/c/pay/cs_1","failure":{"reason":"authentication_required","attempts":2,"nextRetryAt":"2039-02-04T10:00:00Z"},"payments":[`+pay+`]`), false, 1,
			[]string{"Past due", "The last payment failed (Authentication required); it is tried again on 4 Feb 2039", "Update your card and it is tried at once", "Confirm the payment with your bank", "Update card"},
			[]string{"Change tier"}},
		{"past due, retries spent soon", base("past_due", `,"failure":{"reason":"insufficient_funds","attempts":4,"nextRetryAt":null},"payments":[`+pay+`]`), false, 1,
			[]string{"The last payment failed (Insufficient funds). You keep"}, nil},
		{"incomplete", base("incomplete", `,"checkoutUrl":"https://checkout.stripe.com/c/pay/cs_2","payments":[]`), false, 1,
			[]string{"Incomplete", "The first payment is not in yet.", "Pay on Stripe's page"}, []string{"Change tier"}},
		{"ended", base("ended", `,"endedReason":"payment_failed","endedAt":"2039-02-08T10:00:00Z","payments":[`+pay+`]`), false, 1,
			[]string{"Ended", "8 Feb 2039", "(Payment failed)", "All your memberships"}, []string{"Cancel membership", "Resume", "Update card"}},
		{"to its owner", strings.Replace(base("active", `,"payments":[`+pay+`,`+up+`]`), `"userId":"usr_a"`, `"userId":"usr_m"`, 1), true, 1,
			[]string{"Your share", "€3.80 (after Souq's fee of €0.20)", "Refund", "Refunded", "All of the community's members"}, []string{"Cancel membership", "Change tier"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{answers: map[string]answer{"GET /v1/memberships/mem_1": {200, tc.body, ""}, "GET /v1/communities/com_a/join": {200, join, ""}}}
			w := visit(t, c, api, http.MethodGet, "/console/memberships/mem_1", nil, map[string]string{"id": "mem_1"}, func(q *req) { c.membership(q, nil) })
			page := text(w.Body.String())
			if w.Code != http.StatusOK {
				t.Fatalf("answered %d: %s", w.Code, page)
			}
			for _, s := range tc.want {
				if !strings.Contains(page, s) {
					t.Errorf("does not say %q:\n%s", s, page)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(page, s) {
					t.Errorf("says %q:\n%s", s, page)
				}
			}
			if n := len(api.calls()); n != tc.calls {
				t.Errorf("%d API calls, want %d", n, tc.calls)
			}
		})
	}
}
