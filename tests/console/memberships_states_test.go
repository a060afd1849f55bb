package console

import (
	"net/http"
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
}
