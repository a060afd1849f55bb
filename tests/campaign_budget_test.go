package tests

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// billedView is a campaign with what its settlements billed and left free.
type billedView struct {
	campaignView
	Billed, Free int64
}

// budgetCampaign is an asap CPM campaign at 2.50 EUR of a size of its own
// (so that no other test's campaign competes for its slot) on a new
// community's slot that accepts campaigns, for a new advertiser funded
// with 10,000: its advertiser's token and path, its community's owner's
// token and id, its slot.
func budgetCampaign(t *testing.T, width, height int, budget int64) (c campaignView, aTok, adv, ownerToken, com, slotID string) {
	t.Helper()
	ownerToken, com = newCommunityForSlots(t)
	slotID = decode[slot](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/slots", auth: ownerToken,
		body: fmt.Sprintf(`{"name":"Rectangle","width":%d,"height":%d,"reserve":{"amount":100,"currency":"EUR"}}`, width, height)}), 201)).ID
	expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + slotID, auth: ownerToken, body: `{"campaigns":{"accept":true,"floorCpm":{"amount":100,"currency":"EUR"}}}`}), 200)
	aTok, aID := eurAdvertiser(t, 10_000)
	adv = "/v1/advertisers/" + aID
	body := strings.NewReplacer(`"width":300,"height":250`, fmt.Sprintf(`"width":%d,"height":%d`, width, height), `"end":`, `"pacing":"asap","end":`).
		Replace(campaignBody(budget, now(t).Add(48*time.Hour).Truncate(time.Second)))
	c = decode[campaignView](t, expect(t, do(t, call{method: "POST", path: adv + "/campaigns", auth: aTok, body: body, headers: freshKey()}), 201))
	advance(t, 10*time.Second) // serving reads campaigns every 10 s
	return c, aTok, adv, ownerToken, com, slotID
}

// viewCampaign has n people see campaign c on the slot (as many
// decisions, each offering it), from person first on; then it settles
// the platform without moving its clock, which writes serving's buffered
// counts, so that the next minute's meter carries every one of them.
func viewCampaign(t *testing.T, c campaignView, slotID string, n, first int) {
	t.Helper()
	startOfAMinute(t)
	for i := 0; i < n; i++ {
		o := decode[ad](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID}), 200))
		if o.Kind != "campaign" || o.CampaignID != c.ID {
			t.Fatalf("decision %d: %+v", i, o)
		}
		expect(t, do(t, call{method: "POST", path: strings.TrimPrefix(o.ViewURL, base), headers: person(first + i)}), 204)
	}
	advance(t, 0)
}

// startOfAMinute moves the platform's clock to just past the meter's
// next minute when less than 40 s of this one are left, so that the views
// a test sends next are settled by one meter however slow the machine
// (the meter runs each minute from the platform's start, harness.Start,
// on the minute).
func startOfAMinute(t *testing.T) {
	t.Helper()
	if s := now(t).Second(); s >= 20 {
		advance(t, time.Duration(61-s)*time.Second)
	}
}

func patchBudget(t *testing.T, aTok, campaignID string, budget int64, headers map[string]string) reply {
	t.Helper()
	return do(t, call{method: "PATCH", path: "/v1/campaigns/" + campaignID, auth: aTok, headers: headers,
		body: fmt.Sprintf(`{"budget":{"amount":%d,"currency":"EUR"}}`, budget)})
}

// A budget lowered through the API: the advertiser's available balance
// rises by exactly the difference and the campaign shows the new budget;
// below what it spent plus what the last meter may still bill (the
// busiest settlement so far) is a 422 naming budget with the least
// allowed in euros, and changes nothing; the same request again (with its
// Idempotency-Key, or without) gives back once; serving learns the new
// budget and stops offering the campaign at it; the ledger verifies.
func TestCampaigns_BudgetLoweredThroughTheAPI(t *testing.T) {
	c, aTok, adv, _, _, slotID := budgetCampaign(t, 336, 280, 5_000)
	path := "/v1/campaigns/" + c.ID

	got := decode[campaignView](t, expect(t, patchBudget(t, aTok, c.ID, 4_000, nil), 200))
	if got.Budget.Amount != 4_000 || got.Remaining.Amount != 4_000 || got.Spent.Amount != 0 {
		t.Fatalf("lowered before any settlement: %+v", got)
	}
	if b := balanceOf(t, aTok, adv); b.Available != 6_000 || b.Held != 4_000 {
		t.Fatalf("the advertiser after lowering 5,000 to 4,000: %+v", b)
	}

	viewCampaign(t, c, slotID, 400, 30_000)
	advance(t, 61*time.Second) // the meter's minute: 400 views settled, floor(400 × 250 / 1000) = 100
	if got := decode[campaignView](t, expect(t, do(t, call{method: "GET", path: path, auth: aTok}), 200)); got.Spent.Amount != 100 || got.Remaining.Amount != 3_900 {
		t.Fatalf("settled: %+v", got)
	}

	// The floor: 1.00 spent and up to 1.00 (the busiest settlement) the
	// last meter may still bill.
	r := expect(t, patchBudget(t, aTok, c.ID, 199, nil), 422)
	if !hasFieldError(r, "budget") || r.problem.Errors[0].Message != "must be at least 2.00 EUR (spent 1.00 and up to 1.00 the last meter may still bill)" {
		t.Fatalf("below the floor: %s", r.body)
	}
	if got := decode[campaignView](t, expect(t, do(t, call{method: "GET", path: path, auth: aTok}), 200)); got.Budget.Amount != 4_000 || got.Remaining.Amount != 3_900 {
		t.Fatalf("a refused lowering changed the campaign: %+v", got)
	}
	if b := balanceOf(t, aTok, adv); b.Available != 6_000 || b.Held != 3_900 {
		t.Fatalf("a refused lowering moved money: %+v", b)
	}

	// To the floor, with a key, twice; then the same body without one.
	key := freshKey()
	first := expect(t, patchBudget(t, aTok, c.ID, 200, key), 200)
	again := expect(t, patchBudget(t, aTok, c.ID, 200, key), 200)
	if again.header.Get("Idempotent-Replayed") != "true" || string(again.body) != string(first.body) {
		t.Fatalf("a retried lowering was not replayed: %s", again.body)
	}
	if got := decode[campaignView](t, expect(t, patchBudget(t, aTok, c.ID, 200, nil), 200)); got.Budget.Amount != 200 || got.Spent.Amount != 100 || got.Remaining.Amount != 100 {
		t.Fatalf("lowered to the floor: %+v", got)
	}
	if b := balanceOf(t, aTok, adv); b.Available != 9_800 || b.Held != 100 {
		t.Fatalf("the advertiser after lowering 4,000 to 2.00 three times: %+v (want 3,800 back once)", b)
	}
	st := expect(t, do(t, call{method: "GET", path: "/v1/ledger/statement?limit=20&accountId=" + strings.TrimPrefix(adv, "/v1/advertisers/"), auth: aTok}), 200)
	if n := strings.Count(string(st.body), c.ID+": budget lowered from "); n != 2 || !strings.Contains(string(st.body), c.ID+": budget lowered from 40.00 EUR to 2.00 EUR") {
		t.Fatalf("the statement shows %d lowerings: %s", n, st.body)
	}

	// Serving hears the new budget (CampaignChanged): the next 400 views
	// spend the 1.00 left exactly, and then it offers the campaign no more
	// (on the old budget, 38.00 would be left).
	advance(t, 10*time.Second)
	viewCampaign(t, c, slotID, 400, 31_000)
	advance(t, 61*time.Second) // floor(800 × 250 / 1000) − 100 = 100 more
	got = decode[campaignView](t, expect(t, do(t, call{method: "GET", path: path, auth: aTok}), 200))
	if got.Spent.Amount != 200 || got.Remaining.Amount != 0 || got.Impressions != 800 {
		t.Fatalf("after 400 more views: %+v", got)
	}
	advance(t, 10*time.Second)
	expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID}), 204)
	ended := decode[campaignView](t, expect(t, do(t, call{method: "POST", path: path + "/end", auth: aTok}), 200))
	if ended.Released.Amount != 0 || ended.Spent.Amount != 200 || ended.Budget.Amount != 200 {
		t.Fatalf("ended: %+v", ended)
	}
	if b := balanceOf(t, aTok, adv); b.Available != 9_800 || b.Held != 0 {
		t.Fatalf("the advertiser after the end: %+v", b)
	}
	verifyLedger(t)
}

// Eight lowerings to different amounts and a settlement at once, through
// the API: each lowering lands, or is refused whole (422 naming budget
// once the settlement raised the floor, or 409); the settlement draws
// everything it counted (the floor kept room for it); the campaign, the
// advertiser's balance, what was spent and what the community earned add
// up to the cent; every landed lowering, retried with its key, is
// replayed and gives back nothing more; the ledger verifies.
func TestCampaigns_BudgetLoweringsRacingASettlement(t *testing.T) {
	c, aTok, adv, ownerToken, com, slotID := budgetCampaign(t, 300, 50, 10_000)
	path := "/v1/campaigns/" + c.ID
	viewCampaign(t, c, slotID, 400, 40_000)
	advance(t, 61*time.Second) // 1.00 drawn: the floor is 1.00 + 1.00
	viewCampaign(t, c, slotID, 400, 41_000)

	keys := make([]map[string]string, 8)
	replies := make([]reply, 8)
	var wg sync.WaitGroup
	for i := range keys {
		keys[i] = freshKey()
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies[i] = patchBudget(t, aTok, c.ID, 200+int64(i)*150, keys[i])
		}()
	}
	wg.Add(1)
	go func() { defer wg.Done(); advance(t, 61*time.Second) }() // the meter: 400 more views, 1.00 more
	wg.Wait()

	landed := map[int64]bool{}
	for i, r := range replies {
		switch {
		case r.status == 200:
			landed[200+int64(i)*150] = true
		case r.status == 422 && hasFieldError(r, "budget"), r.status == 409:
		default:
			t.Fatalf("lowering %d: %d %s", i, r.status, r.body)
		}
	}
	got := decode[billedView](t, expect(t, do(t, call{method: "GET", path: path, auth: aTok}), 200))
	t.Logf("lowerings that landed: %v; the budget they left: %d", landed, got.Budget.Amount)
	if got.Spent.Amount != 200 || got.Billed != 800 || got.Free != 0 || got.Impressions != 800 {
		t.Fatalf("the settlement did not draw what it counted: %+v", got)
	}
	if !landed[got.Budget.Amount] || got.Remaining.Amount != got.Budget.Amount-200 {
		t.Fatalf("budget %d, remaining %d; lowerings landed: %v", got.Budget.Amount, got.Remaining.Amount, landed)
	}
	b := balanceOf(t, aTok, adv)
	if b.Available != 10_000-got.Budget.Amount || b.Held != got.Remaining.Amount || b.Available+b.Held+got.Spent.Amount != 10_000 {
		t.Fatalf("the advertiser %+v with a budget of %d and 2.00 spent", b, got.Budget.Amount)
	}
	if earn := decode[earningsReport](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + com + "/report", auth: ownerToken}), 200)); earn.Total.Amount != 140 {
		t.Fatalf("the community earned %d of 2.00 spent, want 1.40 (70 %%): %+v", earn.Total.Amount, earn)
	}
	for i, r := range replies {
		if r.status != 200 {
			continue
		}
		again := patchBudget(t, aTok, c.ID, 200+int64(i)*150, keys[i])
		if again.status != 200 || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("lowering %d retried: %d %s", i, again.status, again.body)
		}
	}
	if after := balanceOf(t, aTok, adv); after != b {
		t.Fatalf("retried lowerings moved money: %+v, was %+v", after, b)
	}
	ended := decode[campaignView](t, expect(t, do(t, call{method: "POST", path: path + "/end", auth: aTok}), 200))
	if ended.Released.Amount != got.Remaining.Amount || ended.Spent.Amount != 200 {
		t.Fatalf("ended: %+v", ended)
	}
	if b := balanceOf(t, aTok, adv); b.Available != 9_800 || b.Held != 0 {
		t.Fatalf("the advertiser after the end: %+v", b)
	}
	verifyLedger(t)
}
