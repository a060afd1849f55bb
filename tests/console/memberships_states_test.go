package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/souqhq/souq/tests/harness"
)

// memberships: the owner's memberships page before and after tiers and
// members, a refused tier, the public join page signed out and with no
// tiers, and the member's pages in each status a join, a change and a
// cancel give (the states that take a month, past_due among them, are
// rendered in shared/console's TestMembershipPage_EveryState).
func (s *states) memberships(t *testing.T) {
	ownerID := uid("mowner")
	owner := signIn(t, ownerID, "/console/")
	ownerTok := token(t, ownerID)
	com := api(t, "POST", "/v1/communities", ownerTok, `{"name":"Gophers Members","url":"https://gophers.example","currency":"EUR"}`, 201)["id"].(string)
	bare := api(t, "POST", "/v1/communities", ownerTok, `{"name":"Quiet Gophers","url":"https://quiet.example","currency":"EUR"}`, 201)["id"].(string)
	page := "/console/communities/" + com + "/memberships"
	join := "/console/c/" + com + "/join"
	visit(t, "memberships", []row{
		{"no tiers, no members", owner, page, []string{"Memberships · Gophers Members", "No tiers yet: create one to sell memberships.", "No members yet.", "Create tier", "MRR €0.00"}, 0},
		{"a join page with nothing on sale", newBrowser(t), "/console/c/" + bare + "/join", []string{"Join Quiet Gophers", "Quiet Gophers sells no memberships yet."}, 0},
	})
	owner.get(page).press("Create tier", map[string]string{"name": "Member", "month": "", "year": ""})
	refused(t, "memberships · a tier with no price", owner, "tier", "month", "give a monthly price, a yearly price, or both")
	owner.get(page).press("Create tier", map[string]string{"name": "Member", "month": "4.00", "year": "40.00", "trialDays": "0"})
	owner.sees("Tier Member is on sale")
	owner.press("Create tier", map[string]string{"name": "Patron", "month": "15.00", "year": "", "benefits": "ad_free, patron_badge", "trialDays": "0"})
	owner.sees("Tier Patron is on sale")
	trial := api(t, "POST", "/v1/communities", ownerTok, `{"name":"Trial Gophers","url":"https://trial.example","currency":"EUR"}`, 201)["id"].(string)
	api(t, "POST", "/v1/communities/"+trial+"/tiers", ownerTok, `{"name":"Supporter","benefits":["ad_free"],"prices":[{"interval":"month","amount":{"amount":500,"currency":"EUR"}}],"trialDays":14}`, 201)

	fresh := signIn(t, uid("nomember"), "/console/")
	visit(t, "memberships", []row{
		{"a visitor on the join page", newBrowser(t), join, []string{"Join Gophers Members", "Member", "€4.00 a month", "€40.00 a year", "Patron", "Sign in to join"}, 0},
		{"no membership", fresh, "/console/memberships", []string{"Your memberships", "You are a member of no community yet."}, 0},
	})

	// A member with a card joins, upgrades, cancels; the owner refunds.
	memberID := uid("member")
	harness.SaveCard(t, token(t, memberID), "/v1/me", harness.CardVisa)
	member := signIn(t, memberID, "/console/").get(join)
	member.sees("Join: €4.00 a month").press("Join: €4.00 a month", nil)
	member.sees("Welcome: you are a member of Gophers Members.")
	mem := idFrom(t, member.url, "/console/memberships/")
	visit(t, "memberships", []row{
		{"an active membership", member, "/console/memberships/" + mem, []string{"Gophers Members · Member", "Active", "€4.00 a month", "Paid until", "Next payment €4.00", "Cancel membership", "Update card", "Change tier", "Patron, €15.00 a month"}, 0},
		{"the member's list", member, "/console/memberships", []string{"Gophers Members", "Member, €4.00 a month", "Active"}, 0},
	})
	patron := ""
	for _, t2 := range api(t, "GET", "/v1/communities/"+com+"/tiers", "", "", 200)["data"].([]any) {
		if tm := t2.(map[string]any); tm["name"] == "Patron" {
			patron = tm["id"].(string)
		}
	}
	member.get("/console/memberships/"+mem).press("Change tier", map[string]string{"choice": patron + " month"})
	member.sees("Changed to Patron now:", "was charged for the rest of this period")
	member.press("Cancel membership", nil)
	member.sees("Canceled: your membership ends at the end of the period you paid for")
	visit(t, "memberships", []row{
		{"a canceled membership", member, "/console/memberships/" + mem, []string{"canceled: it ends on", "nothing more is charged", "Resume", "The upgrade, for the rest of the period"}, 0},
		{"the owner's page with a member", owner, page, []string{"Members", "Patron, €15.00 a month", "(canceled)", "Revenue"}, 0},
		{"a member's payments to the owner", owner, "/console/memberships/" + mem, []string{"Your share", "€3.80 (after Souq's fee of €0.20)", "Refund", "All of the community's members"}, 0},
	})
	owner.press("Refund", map[string]string{"amount": "1.00"})
	owner.sees("€1.00 refunded to the member's card.")
	member.get("/console/memberships/"+mem).press("Resume", nil)
	member.sees("Resumed: your membership goes on.")
	member.get(join).press("Join: €4.00 a month", nil)
	if member.status != http.StatusConflict {
		t.Errorf("memberships · a second join: %d", member.status)
	}
	member.sees("you are already a member of this community")

	// A trial, a join left on Stripe's page, and its cancel.
	trialID := uid("trial")
	harness.SaveCard(t, token(t, trialID), "/v1/me", harness.CardVisa)
	tr := signIn(t, trialID, "/console/").get("/console/c/"+trial+"/join").press("Join: €5.00 a month", nil)
	tr.sees("your free trial of Trial Gophers runs until")
	visit(t, "memberships", []row{{"a trial", tr, "/console/memberships/" + idFrom(t, tr.url, "/console/memberships/"), []string{"Trialing", "Free trial until", "No payments yet."}, 0}})
	nocardID := uid("nocard")
	nc := signIn(t, nocardID, "/console/").get(join)
	nc.c.CheckRedirect = func(req *http.Request, _ []*http.Request) error { return http.ErrUseLastResponse }
	nc.press("Join: €4.00 a month", nil)
	nc.c.CheckRedirect = nil
	ncMem := api(t, "GET", "/v1/me/memberships", token(t, nocardID), "", 200)["data"].([]any)[0].(map[string]any)["id"].(string)
	visit(t, "memberships", []row{{"a join not paid yet", nc, "/console/memberships/" + ncMem, []string{"Incomplete", "The first payment is not in yet.", "Pay on Stripe's page"}, 0}})
	nc.press("Cancel membership", nil)
	visit(t, "memberships", []row{{"an ended membership", nc, "/console/memberships/" + ncMem, []string{"Ended", "(Canceled)", "No payments yet."}, 0}})

	s.memberReferrals(t, owner, ownerTok, com)
}

// memberReferrals (DESIGN §18): a program on memberships made on the
// community's page; an influencer's link lands on the join page with its
// code, which a later link does not replace and sign-in keeps; the deal's
// page lists the member by pseudonym with each payment and what it earned.
func (s *states) memberReferrals(t *testing.T, owner *person, ownerTok, com string) {
	fund(t, ownerTok, "/v1/communities/"+com, 10_000, "EUR")
	owner.get("/console/communities/"+com).press("Create program", map[string]string{"name": "Bring a gopher", "on": "membership", "months": "0",
		"commissionType": "percent", "commission": "20", "attributionDays": "30", "holdDays": "30", "budget": "50.00", "minimumPayout": "0.00"})
	refused(t, "member referrals · no months", owner, "program", "months", "a whole number of months from 1 to 120")
	owner.get("/console/communities/"+com).press("Create program", map[string]string{"name": "Bring a gopher", "on": "membership", "months": "12",
		"commissionType": "percent", "commission": "20", "attributionDays": "30", "holdDays": "30", "budget": "50.00", "minimumPayout": "0.00"})
	owner.sees("Program created: its budget is held.")
	prg := idFrom(t, owner.url, "/console/programs/")
	infID := uid("minf")
	inf := signIn(t, infID, "/console/programs/"+prg).press("Apply", map[string]string{"pitch": "I run a Go meetup"})
	deal := idFrom(t, inf.url, "/console/deals/")
	owner.get("/console/programs/"+prg).press("Approve", nil)
	code := api(t, "GET", "/v1/deals/"+deal, token(t, infID), "", 200)["code"].(string)
	visit(t, "member referrals", []row{
		{"a program on memberships", owner, "/console/programs/" + prg, []string{"20% of every payment of each member an influencer brings, for their first 12 months", "Members", "Payments"}, 0},
		{"a membership deal before anyone joined", inf, "/console/deals/" + deal, []string{"This deal earns on memberships", "in their first 12 months", "No one has joined through the link yet.", "No payments yet."}, 0},
	})

	// A visitor follows the link, opens another link later, signs in, joins.
	referred := uid("referred")
	harness.SaveCard(t, token(t, referred), "/v1/me", harness.CardVisa)
	v := newBrowser(t).get("/r/" + code)
	v.sees("You came through a referral link", code, "Sign in to join")
	v.get("/console/c/" + com + "/join?ref=someone-else&days=30").sees(code)
	v.get("/console/signin?next="+url.QueryEscape("/console/c/"+com+"/join")).submit("form", map[string]string{"user_id": referred})
	v.sees("You came through a referral link", code).press("Join: €4.00 a month", nil)
	v.sees("Welcome: you are a member of Gophers Members.")
	settle(t)
	visit(t, "member referrals", []row{
		{"a membership deal with a member", inf, "/console/deals/" + deal, []string{"Members", "mbr_", "Active · Member, monthly", "First, from", "€4.00", "€0.80", "Pending"}, 0},
		{"the program with a member", owner, "/console/programs/" + prg, []string{"Bring a gopher", "€0.80"}, 0},
	})
	if m := api(t, "GET", "/v1/deals/"+deal+"/members", token(t, infID), "", 200)["data"].([]any); len(m) != 1 || strings.Contains(fmt.Sprint(m), referred) {
		t.Errorf("member referrals · the deal's members: %v", m)
	}
}
