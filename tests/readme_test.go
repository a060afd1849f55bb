package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The README's quickstart works as printed: its shell block runs against
// the platform with the demo credentials in .souq/env, every answer is
// JSON, and the only error is the one the README shows on purpose.
//
// Not parallel: the block advances the platform's clock, and Go runs
// parallel tests only after the sequential ones have finished.
func TestREADME_QuickstartWorksAsPrinted(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "source .souq/env")
	end := strings.Index(text, "curl -s $SOUQ_URL/local/ledger/verify")
	if start < 0 || end < start {
		t.Fatal("README has no quickstart block from `source .souq/env` to the ledger check")
	}
	script := text[start:end] + "curl -s $SOUQ_URL/local/ledger/verify\n"
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is needed to run the README's examples")
	}

	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".souq"), 0o700); err != nil {
		t.Fatal(err)
	}
	env := fmt.Sprintf("export SOUQ_URL=%q OWNER_TOKEN=%q ADVERTISER_TOKEN=%q INFLUENCER_TOKEN=%q MEMBER_TOKEN=%q TIER_ID=%q COMMUNITY_ID=%q ADVERTISER_ID=%q COMMUNITY_KEY=%q ADVERTISER_KEY=%q\n",
		base, demo.Users["owner"].Token, demo.Users["advertiser"].Token, demo.Users["influencer"].Token, demo.Users["member"].Token, demo.TierID, demo.CommunityID, demo.AdvertiserID, demo.APIKeys["community"], demo.APIKeys["advertiser"])
	if err := os.WriteFile(filepath.Join(dir, ".souq", "env"), []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}
	paidBefore := demoPayments(t)
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README block failed: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	problems := 0
	for _, l := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		if status, ok := v["status"].(float64); ok {
			problems++
			if status != 400 {
				t.Fatalf("unexpected problem: %s", l)
			}
		}
	}
	if problems != 1 || len(lines) != 45 {
		t.Fatalf("%d answers with %d problems, want 45 with exactly the one shown on purpose:\n%s", len(lines), problems, out)
	}
	// Memberships: the demo tier on sale, the demo member's membership
	// active, the pass sent to the community's own site, MRR $5.00.
	for _, want := range []string{`"name":"Supporter"`, `"tierName":"Supporter"`, `"status":"active"`, `"redirectUrl":"https://gophers.example/#souq_pass=`, `"mrr":{"amount":500,"currency":"USD"}`} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("the README's memberships must show %s:\n%s", want, out)
		}
	}
	// Money in and out as §15 has it: the saved card charged at once and
	// its receipt, a Checkout paid with 4242 whose card is then saved, a
	// refund to it, and payouts enabled by Stripe's onboarding.
	for _, want := range []string{`"method":"saved","status":"succeeded"`, `"card":{"brand":"visa","last4":"4242"}`,
		`{"receipt":200,"contentType":"text/html; charset=utf-8"}`, `"status":"complete"}`,
		`"last4":"4242","expMonth":`, `"status":"succeeded","refunded":1000`, `"status":"enabled"`} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("the README's money must show %s:\n%s", want, out)
		}
	}
	// The community's report names its sources; the demo's flight and
	// sponsorship earnings are in it.
	if !strings.Contains(string(out), `"source":"flights"`) || !strings.Contains(string(out), `"totals":[{"source":"flights"`) {
		t.Fatalf("the community's report:\n%s", out)
	}
	// The campaign held its budget and, ended, released all of it.
	if !strings.Contains(string(out), `"status":"active","spent":{"amount":0,"currency":"USD"},"remaining":{"amount":1000,"currency":"USD"}`) ||
		!strings.Contains(string(out), `"status":"ended","spent":{"amount":0,"currency":"USD"},"remaining":{"amount":0,"currency":"USD"},"released":{"amount":1000,"currency":"USD"}`) {
		t.Fatalf("the campaign example must hold 1,000 and release it at its end:\n%s", out)
	}
	if !strings.Contains(string(out), `"status":"closed"`) || !strings.Contains(string(out), `"clearingPrice":{"amount":500,"currency":"USD"}`) ||
		!strings.Contains(string(out), `"label":"Sponsored"`) {
		t.Fatalf("the auction example must close at the reserve and serve its flight:\n%s", out)
	}
	// The sponsorship is approved, then published; the community has the
	// auction's 450 and the sponsorship's 1,800 (each less the 10% fee),
	// and 475 (500 less 5%) for each month the demo member has paid: one
	// at the start, more as the suite's earlier tests moved the clock, and
	// perhaps one while the block itself did.
	paidAfter := demoPayments(t)
	paid := false
	for k := paidBefore; k <= paidAfter; k++ {
		paid = paid || strings.Contains(string(out), fmt.Sprintf(`"available":%d,`, 2250+475*k))
	}
	if !strings.Contains(string(out), `"status":"approved"`) || !strings.Contains(string(out), `"status":"published"`) || !paid {
		t.Fatalf("the sponsorship example must be approved, published and paid:\n%s", out)
	}
	// The referral link lands on the community with the code and a click,
	// and the sale's 20% (980) clears after the hold.
	if !strings.Contains(string(out), `"redirect":302,"location":"https://gophers.example/?click=clk_`) || !strings.Contains(string(out), `&ref=gophers"`) ||
		!strings.Contains(string(out), `"commission":{"amount":980,"currency":"USD"}`) || !strings.Contains(string(out), `"available":980`) {
		t.Fatalf("the referral example must redirect, earn 980 and clear it:\n%s", out)
	}
	// The influencer is paid 980 through the rail, once.
	if !strings.Contains(string(out), `"accountId":"acct_••••`) || !strings.Contains(string(out), `"status":"paid","reference":"tr_`) ||
		!strings.Contains(string(out), `"available":0,"paid":980`) {
		t.Fatalf("the payout example must mask the destination, pay 980 and show it paid:\n%s", out)
	}
	if !strings.Contains(lines[len(lines)-1], `"ok":true`) {
		t.Fatalf("ledger verify: %s", lines[len(lines)-1])
	}
}

// demoPayments is how many months the demo member has paid so far.
func demoPayments(t *testing.T) int {
	t.Helper()
	return len(decode[struct{ Payments []struct{ ID string } }](t, expect(t, do(t, call{method: "GET", path: "/v1/memberships/" + demo.MembershipID, auth: demo.Users["member"].Token}), 200)).Payments)
}
