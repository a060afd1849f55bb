package console

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// The wallet and payouts pages against an API played here: each state
// of their data, said in words, in at most five API calls. The same
// states are driven through the real platform in tests/console
// (TestStates_EveryPageInEveryState) and a browser in tests/browser.

// fakeAPI answers "METHOD /path" with a status and a JSON body, and
// records what it was sent.
type fakeAPI struct {
	mu      sync.Mutex
	answers map[string]answer
	sent    []sentCall
}

type answer struct {
	status int
	body   string
	ctype  string
}

type sentCall struct {
	method, path, body, idem string
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.sent = append(f.sent, sentCall{r.Method, r.URL.Path, string(b), r.Header.Get("Idempotency-Key")})
	a, ok := f.answers[r.Method+" "+r.URL.Path]
	f.mu.Unlock()
	if !ok {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"title":"Not Found","status":404}`)
		return
	}
	if a.ctype == "" {
		a.ctype = "application/json"
		if a.status >= 400 {
			a.ctype = "application/problem+json"
		}
	}
	w.Header().Set("Content-Type", a.ctype)
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

// calls are what the page sent, by "METHOD /path".
func (f *fakeAPI) calls() []sentCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentCall(nil), f.sent...)
}

func testConsole(t *testing.T) *Console {
	t.Helper()
	pages, err := parsePages("test")
	if err != nil {
		t.Fatal(err)
	}
	return &Console{cfg: Config{Log: slog.New(slog.DiscardHandler), Today: time.Now, Now: time.Now, BaseURL: "http://console.test"},
		pages: pages, version: "test"}
}

// visit runs one console handler as a signed-in person against the fake
// API, and answers the recorder.
func visit(t *testing.T, c *Console, api *fakeAPI, method, target string, form url.Values, paths map[string]string,
	h func(*req)) *httptest.ResponseRecorder {
	t.Helper()
	srv := httptest.NewServer(api)
	defer srv.Close()
	c.api = NewAPI(srv.URL, srv.Client())
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		_ = r.ParseForm()
	}
	for k, v := range paths {
		r.SetPathValue(k, v)
	}
	w := httptest.NewRecorder()
	c.headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(&req{w: w, r: r, s: &Session{secret: newSecret(), UserID: "usr_a"}, api: &Caller{api: c.api, token: "tok"}})
	})).ServeHTTP(w, r)
	return w
}

// text is a page's main text, its spaces made single.
func text(body string) string {
	main := body
	if i := strings.Index(body, "<main"); i >= 0 {
		main = body[i:]
	}
	main = regexp.MustCompile(`(?s)</?(span|strong|a|code|time)\b[^>]*>`).ReplaceAllString(main, "") // inline: no space
	main = regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(main, " ")
	main = strings.NewReplacer("&#39;", "'", "&amp;", "&", "&quot;", `"`, "&lt;", "<", "&gt;", ">").Replace(main)
	return strings.Join(strings.Fields(main), " ")
}

const (
	advJSON      = `{"id":"adv_1","name":"Acme","currency":"EUR","createdAt":"2039-01-01T00:00:00Z","autoRecharge":null,"lowBalanceAlert":null}`
	balanceJSON  = `{"currency":"EUR","available":12345,"held":2000,"debt":0}`
	noCards      = `{"data":[]}`
	oneCard      = `{"data":[{"id":"pm_1","brand":"visa","last4":"4242","expMonth":4,"expYear":2042,"default":true}]}`
	twoCards     = `{"data":[{"id":"pm_1","brand":"visa","last4":"4242","expMonth":4,"expYear":2042,"default":true},{"id":"pm_2","brand":"mastercard","last4":"4444","expMonth":12,"expYear":2040,"default":false}]}`
	noDeposits   = `{"data":[],"nextCursor":""}`
	paidDeposits = `{"data":[{"id":"dep_1","accountId":"adv_1","amount":5000,"currency":"EUR","status":"succeeded","card":{"brand":"visa","last4":"4242"},"refunded":0,"disputed":0,"debtRepaid":0,"createdAt":"2039-01-30T10:00:00Z","creditedAt":"2039-01-30T10:00:01Z"},` +
		`{"id":"dep_2","accountId":"adv_1","amount":3000,"currency":"EUR","status":"partially_refunded","card":{"brand":"visa","last4":"4242"},"refunded":1000,"disputed":0,"debtRepaid":0,"createdAt":"2039-01-29T10:00:00Z","creditedAt":"2039-01-29T10:00:01Z"},` +
		`{"id":"dep_3","accountId":"adv_1","amount":2000,"currency":"EUR","status":"disputed","card":{"brand":"visa","last4":"4242"},"refunded":0,"disputed":2000,"debtRepaid":0,"createdAt":"2039-01-28T10:00:00Z","creditedAt":"2039-01-28T10:00:01Z"}],"nextCursor":""}`
)

func walletAPI(over map[string]answer) *fakeAPI {
	a := &fakeAPI{answers: map[string]answer{
		"GET /v1/advertisers/adv_1":                 {200, advJSON, ""},
		"GET /v1/advertisers/adv_1/balance":         {200, balanceJSON, ""},
		"GET /v1/advertisers/adv_1/payment-methods": {200, noCards, ""},
		"GET /v1/advertisers/adv_1/deposits":        {200, noDeposits, ""},
	}}
	for k, v := range over {
		a.answers[k] = v
	}
	return a
}

func TestWallet_EveryState(t *testing.T) {
	c := testConsole(t)
	dep := func(status, extra string) answer {
		return answer{200, `{"id":"dep_9","accountId":"adv_1","amount":5000,"currency":"EUR","status":"` + status + `","refunded":0,"disputed":0,"debtRepaid":0,"createdAt":"2039-01-30T10:00:00Z"` + extra + `}`, ""}
	}
	credited := `,"creditedAt":"2039-01-30T10:00:01Z","card":{"brand":"visa","last4":"4242"}`
	for _, tc := range []struct {
		name, query string
		over        map[string]answer
		want, not   []string
	}{
		{"no card, nothing paid yet", "", nil,
			[]string{"Wallet · Acme", "Available €123.45", "Held for bids, bookings and campaigns €20.00", "No card saved yet.", "Add a card",
				"You pay on Stripe's page.", "Add funds", "No payments yet", "Auto-recharge Off.", "Low-balance alert Off.", "Refund", "at most your available balance, €123.45"},
			[]string{"Saved card", "You owe", "Turn off auto-recharge"}},
		{"one default card", "", map[string]answer{"GET /v1/advertisers/adv_1/payment-methods": {200, oneCard, ""}},
			[]string{"Pay with", "Saved card (Visa •••• 4242)", "Pay on Stripe's page", "Visa •••• 4242 Expires 04/2042 Default", "Remove: Visa •••• 4242"},
			[]string{"Make default", "You pay on Stripe's page."}},
		{"several cards", "", map[string]answer{"GET /v1/advertisers/adv_1/payment-methods": {200, twoCards, ""}},
			[]string{"Saved card (Visa •••• 4242)", "Mastercard •••• 4444 Expires 12/2040", "Make default: Mastercard •••• 4444", "Remove: Mastercard •••• 4444"}, nil},
		{"receipts", "", map[string]answer{"GET /v1/advertisers/adv_1/deposits": {200, paidDeposits, ""}},
			[]string{"€50.00 Visa •••• 4242 Paid Receipt of €50.00", "Partly refunded (€10.00)", "Disputed by the card holder (€20.00)"}, []string{"No payments yet"}},
		{"a deposit paid", "?deposit=dep_9", map[string]answer{"GET /v1/deposits/dep_9": dep("succeeded", credited)},
			[]string{"Payment received: €50.00 added.", "Paid with Visa •••• 4242.", "Receipt"}, nil},
		{"a deposit paid that repaid a debt", "?deposit=dep_9", map[string]answer{"GET /v1/deposits/dep_9": dep("succeeded", credited+`,"debtRepaid":1500`)},
			[]string{"Payment received: €50.00 added. €15.00 of it repaid what you owed."}, nil},
		{"a deposit pending", "?deposit=dep_9", map[string]answer{"GET /v1/deposits/dep_9": dep("pending", `,"checkoutUrl":"https://checkout.stripe.com/c/pay/cs_1"`)},
			[]string{"Waiting for Stripe to confirm the payment of €50.00.", "Refresh", "Pay on Stripe's page"}, []string{"Payment received"}},
		{"a deposit waiting for the bank", "?deposit=dep_9", map[string]answer{"GET /v1/deposits/dep_9": dep("requires_action", `,"actionUrl":"https://checkout.stripe.com/c/pay/cs_2"`)},
			[]string{"Your bank asks you to confirm the payment of €50.00.", "Confirm the payment on Stripe's page"}, nil},
		{"a deposit failed", "?deposit=dep_9", map[string]answer{"GET /v1/deposits/dep_9": dep("failed", `,"failure":"Your card has insufficient funds.","failureCode":"insufficient_funds"`)},
			[]string{"The payment of €50.00 did not go through: Your card has insufficient funds. Nothing was charged."}, nil},
		{"a deposit disputed", "?deposit=dep_9", map[string]answer{"GET /v1/deposits/dep_9": dep("disputed", credited+`,"disputed":5000`)},
			[]string{"Payment received: €50.00 added."}, nil},
		{"another account's deposit", "?deposit=dep_9", map[string]answer{"GET /v1/deposits/dep_9": {200, `{"id":"dep_9","accountId":"adv_2","amount":5000,"currency":"EUR","status":"succeeded","createdAt":"2039-01-30T10:00:00Z"}`, ""}},
			[]string{"There is no payment dep_9 of this account."}, []string{"Payment received"}},
		{"in debt", "", map[string]answer{"GET /v1/advertisers/adv_1/balance": {200, `{"currency":"EUR","available":0,"held":0,"debt":2500}`, ""}},
			[]string{"You owe €25.00 from a disputed card payment. Add funds to repay it; until then you cannot bid or book and your campaigns are paused.", "Owed €25.00", "Nothing is available to refund."}, nil},
		{"auto-recharge on", "", map[string]answer{"GET /v1/advertisers/adv_1": {200, `{"id":"adv_1","name":"Acme","currency":"EUR","createdAt":"2039-01-01T00:00:00Z",` +
			`"autoRecharge":{"below":{"amount":1000,"currency":"EUR"},"amount":{"amount":5000,"currency":"EUR"}},"lowBalanceAlert":{"below":{"amount":2000,"currency":"EUR"}}}`, ""}},
			[]string{"On: when your available balance falls below €10.00, €50.00 is charged to your default card.", "Turn off auto-recharge",
				"falls below €20.00", "Turn off alert", `value="10.00"`, `value="50.00"`, `value="20.00"`}, nil},
		{"auto-recharge turned off", "", map[string]answer{"GET /v1/advertisers/adv_1": {200, `{"id":"adv_1","name":"Acme","currency":"EUR","createdAt":"2039-01-01T00:00:00Z",` +
			`"autoRecharge":null,"lowBalanceAlert":null,"autoRechargeOff":"three charges in a row failed (insufficient_funds)"}`, ""}},
			[]string{"Auto-recharge was turned off: three charges in a row failed (insufficient_funds)"}, nil},
		{"card saved", "?cards=added", map[string]answer{"GET /v1/advertisers/adv_1/payment-methods": {200, oneCard, ""}}, []string{"Card saved."}, nil},
		{"a refund in transit", "?refund=rfd_1", map[string]answer{"GET /v1/refunds/rfd_1": {200, `{"id":"rfd_1","accountId":"adv_1","amount":6000,"currency":"EUR","status":"pending","refunded":1000,"inTransit":4000,"returned":1000,` +
			`"pieces":[{"depositId":"dep_1","amount":1000,"status":"succeeded"},{"depositId":"dep_2","amount":4000,"status":"pending"},{"depositId":"dep_3","amount":1000,"status":"failed","reason":"the card was closed"}],"createdAt":"2039-01-30T10:00:00Z"}`, ""}},
			[]string{"Refund of €60.00: in transit.", "€10.00 is refunded to your card.", "€40.00 is on its way to your card (in transit)", "€10.00 could not be refunded and is back in your available balance (the card was closed)."}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := walletAPI(tc.over)
			w := visit(t, c, api, "GET", "/console/advertisers/adv_1/wallet"+tc.query, nil, map[string]string{"kind": "advertisers", "id": "adv_1"},
				func(q *req) { c.wallet(q, nil) })
			if w.Code != 200 {
				t.Fatalf("answered %d:\n%s", w.Code, w.Body)
			}
			body, page := w.Body.String(), text(w.Body.String())
			for _, s := range tc.want {
				if !strings.Contains(page, s) && !strings.Contains(body, s) {
					t.Errorf("the page does not show %q:\n%s", s, page)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(page, s) {
					t.Errorf("the page shows %q:\n%s", s, page)
				}
			}
			if n := len(api.calls()); n > 5 {
				t.Errorf("%d API calls, the budget is 5", n)
			}
		})
	}
}

// A community's wallet: no auto-recharge, its pending money, and a debt
// said without bids.
func TestWallet_Community(t *testing.T) {
	c := testConsole(t)
	api := &fakeAPI{answers: map[string]answer{
		"GET /v1/communities/com_1":                 {200, `{"id":"com_1","name":"Gophers","currency":"USD","url":"https://g.example","createdAt":"2039-01-01T00:00:00Z"}`, ""},
		"GET /v1/communities/com_1/balance":         {200, `{"currency":"USD","available":100,"held":0,"pending":700,"debt":900}`, ""},
		"GET /v1/communities/com_1/payment-methods": {200, oneCard, ""},
		"GET /v1/communities/com_1/deposits":        {200, noDeposits, ""},
	}}
	w := visit(t, c, api, "GET", "/console/communities/com_1/wallet", nil, map[string]string{"kind": "communities", "id": "com_1"}, func(q *req) { c.wallet(q, nil) })
	page := text(w.Body.String())
	for _, s := range []string{"Wallet · Gophers", "Pending $7.00", "You owe $9.00 from a disputed card payment. Add funds to repay it.", "Saved card (Visa •••• 4242)"} {
		if !strings.Contains(page, s) {
			t.Errorf("the page does not show %q:\n%s", s, page)
		}
	}
	for _, s := range []string{"Auto-recharge", "cannot bid"} {
		if strings.Contains(page, s) {
			t.Errorf("a community's wallet shows %q", s)
		}
	}
}

// Add funds: the saved card credits at once (the wallet then says so);
// Checkout and a bank's confirmation are Stripe's pages; a decline and
// an amount too small are said beside their fields, nothing charged.
func TestWallet_AddFunds(t *testing.T) {
	c := testConsole(t)
	form := func(method string) url.Values {
		return url.Values{"amount": {"50"}, "currency": {"EUR"}, "method": {method}, "idem": {"console-key"}, "csrf": {"x"}}
	}
	post := func(api *fakeAPI, f url.Values) *httptest.ResponseRecorder {
		return visit(t, c, api, "POST", "/console/advertisers/adv_1/deposits", f, map[string]string{"kind": "advertisers", "id": "adv_1"}, c.deposit)
	}
	for _, tc := range []struct {
		name, method string
		answer       answer
		status       int
		location     string
		want         []string
	}{
		{"saved card, paid", "saved", answer{201, `{"id":"dep_9","accountId":"adv_1","amount":5000,"currency":"EUR","status":"succeeded","createdAt":"2039-01-30T10:00:00Z"}`, ""},
			303, "/console/advertisers/adv_1/wallet?deposit=dep_9", nil},
		{"checkout", "checkout", answer{201, `{"id":"dep_9","accountId":"adv_1","amount":5000,"currency":"EUR","status":"pending","checkoutUrl":"https://checkout.stripe.com/c/pay/cs_1","createdAt":"2039-01-30T10:00:00Z"}`, ""},
			303, "https://checkout.stripe.com/c/pay/cs_1", nil},
		{"the bank asks", "saved", answer{201, `{"id":"dep_9","accountId":"adv_1","amount":5000,"currency":"EUR","status":"requires_action","actionUrl":"http://127.0.0.1:8080/local/checkout/cs_2","createdAt":"2039-01-30T10:00:00Z"}`, ""},
			303, "http://127.0.0.1:8080/local/checkout/cs_2", nil},
		{"declined", "saved", answer{402, `{"type":"x","title":"Payment Required","status":402,"code":"insufficient_funds","detail":"the card was declined (insufficient_funds)"}`, ""},
			402, "", []string{"The payment did not go through, and nothing was charged.", "Declined: the card has insufficient funds. Try another card, or pay on Stripe's page.", `id="deposit-method-msg"`}},
		{"below the minimum", "saved", answer{400, `{"type":"x","title":"Bad Request","status":400,"detail":"the deposit has invalid fields","errors":[{"field":"amount","message":"must be at least EUR 10.00 (the minimum deposit)"}]}`, ""},
			400, "", []string{`id="deposit-amount-msg"`, "must be at least EUR 10.00"}},
		{"no saved card", "saved", answer{400, `{"type":"x","title":"Bad Request","status":400,"detail":"there is no saved card to charge","errors":[{"field":"method","message":"no card is saved"}]}`, ""},
			400, "", []string{`id="deposit-method-msg"`, "no card is saved"}},
		{"a scheme that is not the web", "checkout", answer{201, `{"id":"dep_9","accountId":"adv_1","amount":5000,"currency":"EUR","status":"pending","checkoutUrl":"javascript:alert(1)","createdAt":"2039-01-30T10:00:00Z"}`, ""},
			502, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := walletAPI(map[string]answer{"POST /v1/advertisers/adv_1/deposits": tc.answer, "GET /v1/advertisers/adv_1/payment-methods": {200, oneCard, ""}})
			w := post(api, form(tc.method))
			if w.Code != tc.status || w.Header().Get("Location") != tc.location {
				t.Fatalf("answered %d to %q, want %d to %q:\n%s", w.Code, w.Header().Get("Location"), tc.status, tc.location, text(w.Body.String()))
			}
			for _, s := range tc.want {
				if !strings.Contains(w.Body.String(), s) && !strings.Contains(text(w.Body.String()), s) {
					t.Errorf("the page does not show %q:\n%s", s, text(w.Body.String()))
				}
			}
			sent := api.calls()[0]
			if sent.method != "POST" || sent.idem != "console-key" || sent.body != `{"amount":5000,"currency":"EUR","method":"`+tc.method+`"}` {
				t.Errorf("sent %+v", sent)
			}
		})
	}
	// An amount the console cannot read is said beside the field, and
	// nothing is sent.
	api := walletAPI(nil)
	f := form("saved")
	f.Set("amount", "12.345")
	w := post(api, f)
	if w.Code != 422 || !strings.Contains(w.Body.String(), `id="deposit-amount-msg"`) {
		t.Fatalf("answered %d:\n%s", w.Code, text(w.Body.String()))
	}
	for _, s := range api.calls() {
		if s.method == "POST" {
			t.Errorf("sent %+v", s)
		}
	}
}

// Cards, auto-recharge, the alert and refunds send what the API takes,
// and their refusals are said beside their fields.
func TestWallet_Forms(t *testing.T) {
	c := testConsole(t)
	paths := map[string]string{"kind": "advertisers", "id": "adv_1", "pmId": "pm_2"}
	for _, tc := range []struct {
		name     string
		h        func(*req)
		form     url.Values
		answers  map[string]answer
		sent     string // METHOD /path body
		status   int
		location string
		want     []string
	}{
		{"add a card", c.addCard, url.Values{"idem": {"k"}}, map[string]answer{"POST /v1/advertisers/adv_1/payment-methods": {201, `{"setupUrl":"https://checkout.stripe.com/c/pay/cs_setup"}`, ""}},
			"POST /v1/advertisers/adv_1/payment-methods {}", 303, "https://checkout.stripe.com/c/pay/cs_setup", nil},
		{"make default", c.cardAction("default"), url.Values{}, map[string]answer{"POST /v1/payment-methods/pm_2/default": {200, `{}`, ""}},
			"POST /v1/payment-methods/pm_2/default {}", 303, "/console/advertisers/adv_1/wallet", nil},
		{"remove", c.cardAction("remove"), url.Values{}, map[string]answer{"DELETE /v1/payment-methods/pm_2": {204, ``, ""}},
			"DELETE /v1/payment-methods/pm_2 ", 303, "/console/advertisers/adv_1/wallet", nil},
		{"remove refused", c.cardAction("remove"), url.Values{}, map[string]answer{"DELETE /v1/payment-methods/pm_2": {409, `{"title":"Conflict","status":409,"detail":"auto-recharge charges this card: turn it off first"}`, ""}},
			"DELETE /v1/payment-methods/pm_2 ", 409, "", []string{"auto-recharge charges this card: turn it off first"}},
		{"auto-recharge on", c.moneySetting("recharge"), url.Values{"currency": {"EUR"}, "autoRecharge.below": {"10"}, "autoRecharge.amount": {"50"}},
			map[string]answer{"PATCH /v1/advertisers/adv_1": {200, advJSON, ""}},
			`PATCH /v1/advertisers/adv_1 {"autoRecharge":{"below":{"amount":1000,"currency":"EUR"},"amount":{"amount":5000,"currency":"EUR"}}}`, 303, "/console/advertisers/adv_1/wallet", nil},
		{"auto-recharge needs a card", c.moneySetting("recharge"), url.Values{"currency": {"EUR"}, "autoRecharge.below": {"10"}, "autoRecharge.amount": {"5"}},
			map[string]answer{"PATCH /v1/advertisers/adv_1": {400, `{"title":"Bad Request","status":400,"detail":"the settings have invalid fields","errors":[{"field":"autoRecharge","message":"needs a saved card"},{"field":"autoRecharge.amount","message":"must be at least EUR 10.00"}]}`, ""}},
			`PATCH /v1/advertisers/adv_1 {"autoRecharge":{"below":{"amount":1000,"currency":"EUR"},"amount":{"amount":500,"currency":"EUR"}}}`, 400, "",
			[]string{"Auto-recharge needs a saved card: add a card first, under Cards.", `id="recharge-autoRecharge.amount-msg"`, "must be at least EUR 10.00"}},
		{"auto-recharge off", c.moneySetting("recharge-off"), url.Values{}, map[string]answer{"PATCH /v1/advertisers/adv_1": {200, advJSON, ""}},
			`PATCH /v1/advertisers/adv_1 {"autoRecharge":null}`, 303, "/console/advertisers/adv_1/wallet", nil},
		{"alert on", c.moneySetting("alert"), url.Values{"currency": {"EUR"}, "lowBalanceAlert.below": {"20"}}, map[string]answer{"PATCH /v1/advertisers/adv_1": {200, advJSON, ""}},
			`PATCH /v1/advertisers/adv_1 {"lowBalanceAlert":{"below":{"amount":2000,"currency":"EUR"}}}`, 303, "/console/advertisers/adv_1/wallet", nil},
		{"alert off", c.moneySetting("alert-off"), url.Values{}, map[string]answer{"PATCH /v1/advertisers/adv_1": {200, advJSON, ""}},
			`PATCH /v1/advertisers/adv_1 {"lowBalanceAlert":null}`, 303, "/console/advertisers/adv_1/wallet", nil},
		{"refund", c.refund, url.Values{"currency": {"EUR"}, "amount": {"60"}, "idem": {"k"}},
			map[string]answer{"POST /v1/advertisers/adv_1/refunds": {201, `{"id":"rfd_1","accountId":"adv_1","amount":6000,"currency":"EUR","status":"pending","pieces":[]}`, ""}},
			`POST /v1/advertisers/adv_1/refunds {"amount":6000,"currency":"EUR"}`, 303, "/console/advertisers/adv_1/wallet?refund=rfd_1", nil},
		{"refund of more than is available", c.refund, url.Values{"currency": {"EUR"}, "amount": {"600"}, "idem": {"k"}},
			map[string]answer{"POST /v1/advertisers/adv_1/refunds": {422, `{"title":"Unprocessable Entity","status":422,"detail":"only available money can be refunded","errors":[{"field":"amount","message":"at most EUR 123.45 is available"}]}`, ""}},
			`POST /v1/advertisers/adv_1/refunds {"amount":60000,"currency":"EUR"}`, 422, "", []string{`id="refund-amount-msg"`, "at most EUR 123.45 is available"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := walletAPI(tc.answers)
			w := visit(t, c, api, "POST", "/console/x", tc.form, paths, tc.h)
			if w.Code != tc.status || w.Header().Get("Location") != tc.location {
				t.Fatalf("answered %d to %q, want %d to %q:\n%s", w.Code, w.Header().Get("Location"), tc.status, tc.location, text(w.Body.String()))
			}
			got := api.calls()[0]
			if s := got.method + " " + got.path + " " + got.body; s != tc.sent {
				t.Errorf("sent %s\nwant %s", s, tc.sent)
			}
			for _, s := range tc.want {
				if !strings.Contains(w.Body.String(), s) && !strings.Contains(text(w.Body.String()), s) {
					t.Errorf("the page does not show %q:\n%s", s, text(w.Body.String()))
				}
			}
		})
	}
}

// The receipt is the API's page, served with the console's headers; its
// inline styles are let in by their hashes, nothing else.
func TestReceipt_ServedWithItsStylesHashed(t *testing.T) {
	c := testConsole(t)
	page := `<!doctype html><html><head><style>body{color:red}</style></head><body><main><h1>Receipt</h1></main></body></html>`
	api := &fakeAPI{answers: map[string]answer{"GET /v1/deposits/dep_1/receipt": {200, page, "text/html; charset=utf-8"}}}
	w := visit(t, c, api, "GET", "/console/deposits/dep_1/receipt", nil, map[string]string{"id": "dep_1"}, func(q *req) { c.receipt(q, nil) })
	csp := w.Header().Get("Content-Security-Policy")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `<style>body{color:red}</style></head><body><main><h1>Receipt</h1>`) ||
		!strings.Contains(w.Body.String(), `<head><link rel="icon" href="/console/static/favicon.svg?v=test"`) || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("answered %d %v:\n%s", w.Code, w.Header(), w.Body)
	}
	// sha256 of "body{color:red}".
	if !strings.Contains(csp, "style-src 'self' 'sha256-") || strings.Contains(csp, "unsafe") || !strings.Contains(csp, "script-src 'self'") ||
		w.Header().Get("X-Frame-Options") != "DENY" || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", w.Header())
	}
	if got := api.calls()[0]; got.path != "/v1/deposits/dep_1/receipt" {
		t.Errorf("asked %+v", got)
	}
	// One not paid yet has no receipt.
	api = &fakeAPI{answers: map[string]answer{"GET /v1/deposits/dep_2/receipt": {409, `{"title":"Conflict","status":409,"detail":"a receipt is issued once the deposit is paid"}`, ""}}}
	w = visit(t, c, api, "GET", "/console/deposits/dep_2/receipt", nil, map[string]string{"id": "dep_2"}, func(q *req) { c.receipt(q, nil) })
	if w.Code != 409 || !strings.Contains(text(w.Body.String()), "A receipt is issued once the payment is received") {
		t.Errorf("answered %d:\n%s", w.Code, text(w.Body.String()))
	}
}

// The payouts page says the account's state in words, and sets it up on
// Stripe's page, not by typing an id.
func TestPayouts_EveryState(t *testing.T) {
	c := testConsole(t)
	earnings := `{"balances":[{"currency":"EUR","pending":0,"available":2500,"paid":0,"owed":0}]}`
	for _, tc := range []struct {
		name, query, account string
		want, not            []string
	}{
		{"none", "", `{"accountId":"","status":"none","requirements":[]}`,
			[]string{"Payouts are not set up yet.", "Set up payouts", "Claim payout"}, []string{"Open Stripe dashboard", "Stripe account id"}},
		{"pending with requirements", "", `{"accountId":"acct_1","status":"pending","requirements":["external_account","individual.dob.day","individual.dob.month","tos_acceptance.date"]}`,
			[]string{"Waiting for Stripe", "Stripe still needs a bank account to pay into, your date of birth and your acceptance of Stripe's terms.", "Continue setting up payouts"},
			[]string{"Open Stripe dashboard"}},
		{"enabled", "", `{"accountId":"acct_1","status":"enabled","requirements":[]}`,
			[]string{"Ready", "Stripe pays your claims into your bank account.", "Open Stripe dashboard"}, []string{"Set up payouts", "Continue setting up"}},
		{"restricted", "", `{"accountId":"acct_1","status":"restricted","requirements":["individual.verification.document"]}`,
			[]string{"Restricted", "Stripe has paused your payouts until it has a photo of an identity document.", "Continue setting up payouts", "Open Stripe dashboard"}, nil},
		{"back, done", "?onboarding=done", `{"accountId":"acct_1","status":"enabled","requirements":[]}`,
			[]string{"Payouts are set up: you can claim your earnings now."}, nil},
		{"back, not yet", "?onboarding=done", `{"accountId":"acct_1","status":"pending","requirements":["external_account"]}`,
			[]string{"Thank you: Stripe is checking what you gave it."}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{answers: map[string]answer{
				"GET /v1/me/earnings":       {200, earnings, ""},
				"GET /v1/me/payout-account": {200, tc.account, ""},
				"GET /v1/payouts":           {200, `{"data":[]}`, ""},
			}}
			w := visit(t, c, api, "GET", "/console/payouts"+tc.query, nil, nil, func(q *req) { c.payouts(q, nil) })
			page := text(w.Body.String())
			if w.Code != 200 {
				t.Fatalf("answered %d:\n%s", w.Code, page)
			}
			for _, s := range tc.want {
				if !strings.Contains(page, s) {
					t.Errorf("the page does not show %q:\n%s", s, page)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(page, s) {
					t.Errorf("the page shows %q:\n%s", s, page)
				}
			}
		})
	}
	// An API that has no account for the person yet (404) reads as none.
	api := &fakeAPI{answers: map[string]answer{"GET /v1/me/earnings": {200, earnings, ""}, "GET /v1/payouts": {200, `{"data":[]}`, ""}}}
	w := visit(t, c, api, "GET", "/console/payouts", nil, nil, func(q *req) { c.payouts(q, nil) })
	if !strings.Contains(text(w.Body.String()), "Set up payouts") {
		t.Errorf("no account: %s", text(w.Body.String()))
	}
}

// Set up payouts, the refresh of an expired link and the dashboard send
// the browser to Stripe; a claim refused before payouts are enabled says
// what Stripe needs beside the claim.
func TestPayouts_SetUpAndClaim(t *testing.T) {
	c := testConsole(t)
	api := &fakeAPI{answers: map[string]answer{
		"POST /v1/me/payout-account":           {201, `{"onboardingUrl":"https://connect.stripe.com/setup/e/acct_1/x","status":"pending","requirements":["external_account"]}`, ""},
		"POST /v1/me/payout-account/dashboard": {201, `{"url":"https://connect.stripe.com/express/acct_1/y"}`, ""},
		"POST /v1/payouts":                     {409, `{"title":"Conflict","status":409,"code":"external_account","detail":"payouts are not enabled yet: Stripe still needs external_account"}`, ""},
		"GET /v1/me/earnings":                  {200, `{"balances":[{"currency":"EUR","pending":0,"available":2500,"paid":0,"owed":0}]}`, ""},
		"GET /v1/me/payout-account":            {200, `{"accountId":"acct_1","status":"pending","requirements":["external_account"]}`, ""},
		"GET /v1/payouts":                      {200, `{"data":[]}`, ""},
	}}
	w := visit(t, c, api, "POST", "/console/payouts/setup", url.Values{}, nil, c.setUpPayouts)
	if w.Code != 303 || w.Header().Get("Location") != "https://connect.stripe.com/setup/e/acct_1/x" {
		t.Errorf("set up: %d %q", w.Code, w.Header().Get("Location"))
	}
	w = visit(t, c, api, "GET", "/console/payouts?onboarding=refresh", nil, nil, func(q *req) { c.payouts(q, nil) })
	if w.Code != 303 || w.Header().Get("Location") != "https://connect.stripe.com/setup/e/acct_1/x" {
		t.Errorf("refresh: %d %q", w.Code, w.Header().Get("Location"))
	}
	w = visit(t, c, api, "POST", "/console/payouts/dashboard", url.Values{}, nil, c.payoutDashboard)
	if w.Code != 303 || w.Header().Get("Location") != "https://connect.stripe.com/express/acct_1/y" {
		t.Errorf("dashboard: %d %q", w.Code, w.Header().Get("Location"))
	}
	w = visit(t, c, api, "POST", "/console/payouts", url.Values{"currency": {"EUR"}, "amount": {"25"}, "idem": {"k"}}, nil, c.claimPayout)
	if page := text(w.Body.String()); w.Code != 409 || !strings.Contains(page, "Finish setting up payouts first, on the Payouts page: Stripe still needs a bank account to pay into.") ||
		!strings.Contains(w.Body.String(), `id="claim-EUR-error"`) {
		t.Errorf("claim: %d\n%s", w.Code, page)
	}
}

// The statement says money in and back in words, with the card.
func TestWhat_SaysMoneyInAndBackInWords(t *testing.T) {
	for _, tc := range []struct {
		p    Posting
		want string
	}{
		{Posting{Kind: "deposit", Memo: "visa •••• 4242"}, "Added funds · Visa •••• 4242"},
		{Posting{Kind: "refund", Memo: "visa •••• 4242"}, "Refund to your card (in transit) · Visa •••• 4242"},
		{Posting{Kind: "refund_sent"}, "Refund sent to your card"},
		{Posting{Kind: "refund_failed"}, "Refund returned to your balance"},
		{Posting{Kind: "dispute"}, "Disputed by the card holder"},
		{Posting{Kind: "dispute_won", Memo: "dispute won: the money returns"}, "Dispute won: returned"},
		{Posting{Kind: "dispute_lost"}, "Dispute lost"},
		{Posting{Kind: "campaign_charge", Currency: "EUR", Available: 9_000, Fee: 1_000}, "Campaign charges for views and clicks · €100.00 gross less Souq's fee of €10.00"},
		{Posting{Kind: "sponsorship_pay", Currency: "EUR", Held: -10_000, Available: 9_000, Fee: 1_000}, "Sponsored post published: Souq's fee taken, the rest available · Souq's fee of €10.00"},
		{Posting{Kind: "payout_claim"}, "Payout claimed: in transit to your bank"},
	} {
		if got := what(tc.p); got != tc.want {
			t.Errorf("what(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
	// Every kind of transfer Souq writes has words (none reads as its
	// name): a new kind adds its words with it.
	for _, k := range []string{"deposit", "test_funds", "refund", "refund_sent", "refund_failed", "dispute", "dispute_won", "dispute_lost",
		"debt_repaid", "hold", "adjust", "capture", "release", "topup", "draw", "return", "flight_capture", "campaign_charge",
		"sponsorship_capture", "sponsorship_pay", "sponsorship_refund", "referral_commission", "referral_clearing",
		"referral_commission_return", "payout_claim", "payout_paid", "payout_failed"} {
		if w, ok := kindWords[k]; !ok || w == "" {
			t.Errorf("%s has no words", k)
		}
	}
	// Neither earnings nor spend.
	for _, k := range []string{"refund", "refund_sent", "refund_failed", "dispute", "dispute_won", "dispute_lost"} {
		if spent(Posting{Kind: k, Available: -100}) != 0 || earned(Posting{Kind: k, Available: 100}) != 0 {
			t.Errorf("%s counts as spend or earnings", k)
		}
	}
}
