package tests

import (
	"fmt"
	"github.com/souqhq/souq/tests/harness"
	"strings"
	"sync"
	"testing"
)

type deposit struct {
	ID, AccountKind, AccountID, Currency, Status, Reference, TransferID string
	Amount                                                              int64
}

type balanceView struct {
	Currency  string
	Available int64
	Held      int64
	Pending   *int64
}

// depositCall is a deposit by the payer's saved card: the first deposit
// on a payer saves the test card 4242 for it first (as its owner would,
// on the local Checkout in setup mode).
func depositCall(token, path, key, body string) call {
	h := map[string]string{}
	if key != "" {
		h["Idempotency-Key"] = key
	}
	return call{method: "POST", path: path, auth: token, body: body, headers: h, saveCard: true}
}

// cardsSaved holds one sync.Once per payer path.
var cardsSaved sync.Map

// ensureCard saves the test card for a payer once, whoever asks first.
func ensureCard(t *testing.T, token, payerPath string) {
	t.Helper()
	if strings.HasSuffix(payerPath, "/"+demo.AdvertiserID) || strings.HasSuffix(payerPath, "/"+demo.CommunityID) {
		return // the platform's seed saved theirs
	}
	once, _ := cardsSaved.LoadOrStore(payerPath, &sync.Once{})
	once.(*sync.Once).Do(func() { harness.SaveCard(t, token, payerPath, harness.CardVisa) })
}

func balanceOf(t *testing.T, token, path string) balanceView {
	t.Helper()
	return decode[balanceView](t, expect(t, do(t, call{method: "GET", path: path + "/balance", auth: token}), 200))
}

func verifyLedger(t *testing.T) {
	t.Helper()
	r := decode[struct {
		OK         bool
		Transfers  int
		Violations []string
	}](t, expect(t, do(t, call{method: "GET", path: "/local/ledger/verify"}), 200))
	if !r.OK || len(r.Violations) != 0 {
		t.Fatalf("ledger verify: %+v", r)
	}
}

func newFundedAdvertiser(t *testing.T) (token, path string) {
	t.Helper()
	_, token = newUser(t)
	return token, "/v1/advertisers/" + createAdvertiser(t, token)
}

func TestDeposit_CreditsOnceAndReplays(t *testing.T) {
	t.Parallel()
	token, adv := newFundedAdvertiser(t)
	body := `{"amount":1500,"currency":"USD"}`
	first := expect(t, do(t, depositCall(token, adv+"/deposits", "dep-1", body)), 201)
	d := decode[deposit](t, first)
	if !strings.HasPrefix(d.ID, "dep_") || d.Amount != 1500 || d.Currency != "USD" || d.Status != "succeeded" || d.Reference == "" {
		t.Fatalf("deposit %+v", d)
	}
	again := expect(t, do(t, depositCall(token, adv+"/deposits", "dep-1", body)), 201)
	if string(again.body) != string(first.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay differs: %s", again.body)
	}
	expect(t, do(t, depositCall(token, adv+"/deposits", "dep-1", `{"amount":1600,"currency":"USD"}`)), 422)
	expect(t, do(t, depositCall(token, adv+"/deposits", "dep-2", `{"amount":1000,"currency":"USD"}`)), 201)
	if b := balanceOf(t, token, adv); b.Available != 2500 || b.Held != 0 || b.Currency != "USD" || b.Pending != nil {
		t.Fatalf("balance %+v", b)
	}
	st := decode[struct {
		Data []struct {
			TransferID, Kind string
			Available        int64
		}
	}](t, expect(t, do(t, call{method: "GET", path: "/v1/ledger/statement?accountId=" + strings.TrimPrefix(adv, "/v1/advertisers/"), auth: token}), 200))
	if len(st.Data) != 2 || st.Data[0].Available != 1000 || st.Data[1].Available != 1500 || st.Data[1].TransferID != d.TransferID || st.Data[0].Kind != "deposit" {
		t.Fatalf("statement %+v", st)
	}
	verifyLedger(t)
}

// Ten concurrent requests with one key: one charge, one credit.
func TestDeposit_ConcurrentSameKeyChargesOnce(t *testing.T) {
	t.Parallel()
	token, adv := newFundedAdvertiser(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids, codes := map[string]bool{}, map[int]int{}
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := do(t, depositCall(token, adv+"/deposits", "same", `{"amount":1700,"currency":"USD"}`))
			mu.Lock()
			defer mu.Unlock()
			codes[r.status]++
			if r.status == 201 {
				ids[decode[deposit](t, r).ID] = true
			}
		}()
	}
	wg.Wait()
	if len(ids) != 1 || codes[201]+codes[409] != 10 {
		t.Fatalf("codes %v ids %v", codes, ids)
	}
	// Whoever got 409 retries and gets the first result.
	expect(t, do(t, depositCall(token, adv+"/deposits", "same", `{"amount":1700,"currency":"USD"}`)), 201)
	if b := balanceOf(t, token, adv); b.Available != 1700 {
		t.Fatalf("balance %+v, want one credit of 1700", b)
	}
	verifyLedger(t)
}

// Bad amounts and currencies are a 400 naming the field, and change nothing.
func TestDeposit_BadInputChangesNothing(t *testing.T) {
	t.Parallel()
	token, adv := newFundedAdvertiser(t)
	cases := []struct{ name, key, body, field string }{
		{"zero", "k1", `{"amount":0,"currency":"USD"}`, "amount"},
		{"negative", "k2", `{"amount":-5,"currency":"USD"}`, "amount"},
		{"fractional", "k3", `{"amount":15.5,"currency":"USD"}`, "amount"},
		{"string", "k4", `{"amount":"15","currency":"USD"}`, "amount"},
		{"huge", "k5", `{"amount":100000000000000000000000,"currency":"USD"}`, "amount"},
		{"over the deposit limit", "k6", `{"amount":100000001,"currency":"USD"}`, "amount"},
		{"missing currency", "k7", `{"amount":100}`, "currency"},
		{"other currency", "k8", `{"amount":100,"currency":"EUR"}`, "currency"},
		{"unknown currency", "k9", `{"amount":100,"currency":"ZZZ"}`, "currency"},
		{"unknown field", "k10", `{"amount":100,"currency":"USD","to":"adv_x"}`, "to"},
		{"no Idempotency-Key", "", `{"amount":100,"currency":"USD"}`, "Idempotency-Key"},
	}
	for _, c := range cases {
		r := expect(t, do(t, depositCall(token, adv+"/deposits", c.key, c.body)), 400)
		if !hasFieldError(r, c.field) {
			t.Errorf("%s: no error for field %s: %s", c.name, c.field, r.body)
		}
	}
	if b := balanceOf(t, token, adv); b.Available != 0 {
		t.Fatalf("bad deposits credited %d", b.Available)
	}
}

func TestDeposit_OwnershipAndKinds(t *testing.T) {
	t.Parallel()
	_, mallory := newUser(t)
	adv := "/v1/advertisers/" + demo.AdvertiserID
	com := "/v1/communities/" + demo.CommunityID
	expect(t, do(t, depositCall(mallory, adv+"/deposits", "x", `{"amount":100,"currency":"USD"}`)), 404)
	expect(t, do(t, call{method: "GET", path: adv + "/balance", auth: mallory}), 404)
	expect(t, do(t, call{method: "GET", path: "/v1/ledger/statement?accountId=" + demo.AdvertiserID, auth: mallory}), 404)
	// Advertiser deposits are a person's act; community deposits may come from its server.
	expect(t, do(t, depositCall(demo.APIKeys["advertiser"], adv+"/deposits", "x", `{"amount":100,"currency":"USD"}`)), 403)
	before := balanceOf(t, demo.Users["owner"].Token, com)
	expect(t, do(t, depositCall(demo.APIKeys["community"], com+"/deposits", fmt.Sprintf("budget-%p", t), `{"amount":2500,"currency":"USD"}`)), 201)
	after := balanceOf(t, demo.APIKeys["community"], com)
	if after.Available != before.Available+2500 || after.Pending == nil || *after.Pending != 0 {
		t.Fatalf("community balance %+v → %+v", before, after)
	}
	// Statements: a key reads its own account; a user must say which.
	expect(t, do(t, call{method: "GET", path: "/v1/ledger/statement", auth: demo.APIKeys["community"]}), 200)
	expect(t, do(t, call{method: "GET", path: "/v1/ledger/statement", auth: demo.Users["owner"].Token}), 400)
	expect(t, do(t, call{method: "GET", path: "/v1/ledger/statement?accountId=" + demo.CommunityID + "&from=yesterday", auth: demo.Users["owner"].Token}), 400)
	expect(t, do(t, call{method: "GET", path: "/v1/ledger/statement?accountId=" + demo.AdvertiserID, auth: demo.APIKeys["community"]}), 404)
	verifyLedger(t)
}

// Not parallel: it arms the shared rail to fail. A decline is final for
// its key (402, the same answer again); a timeout is an unknown outcome
// the same key retries, charging once.
func TestDeposit_FailingRailCreditsNothingAndTheRetryChargesOnce(t *testing.T) {
	token, adv := newFundedAdvertiser(t)
	body := `{"amount":1900,"currency":"USD"}`
	ensureCard(t, token, adv)
	expect(t, do(t, call{method: "POST", path: "/local/rail/fail", body: `{"count":1,"mode":"decline"}`}), 200)
	r := expect(t, do(t, depositCall(token, adv+"/deposits", "card-0", body)), 402)
	if !strings.Contains(r.problem.Detail, "declined") || r.problem.Code != "card_declined" {
		t.Fatalf("decline: %s", r.body)
	}
	expect(t, do(t, depositCall(token, adv+"/deposits", "card-0", body)), 402)
	expect(t, do(t, call{method: "POST", path: "/local/rail/fail", body: `{"count":1,"mode":"timeout"}`}), 200)
	expect(t, do(t, depositCall(token, adv+"/deposits", "card-1", body)), 503)
	if b := balanceOf(t, token, adv); b.Available != 0 {
		t.Fatalf("failed payments credited %d", b.Available)
	}
	charges := plat.Rail.Charges()
	d := decode[deposit](t, expect(t, do(t, depositCall(token, adv+"/deposits", "card-1", body)), 201))
	expect(t, do(t, depositCall(token, adv+"/deposits", "card-1", body)), 201)
	if got := plat.Rail.Charges() - charges; got != 1 {
		t.Fatalf("the retried deposit reached the rail %d times, want 1", got)
	}
	if b := balanceOf(t, token, adv); b.Available != 1900 || d.Amount != 1900 {
		t.Fatalf("balance %+v", b)
	}
	expect(t, do(t, call{method: "POST", path: "/local/rail/fail", body: `{"count":1,"mode":"sometimes"}`}), 400)
	verifyLedger(t)
}
