package payments

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
)

// sent is one request the gateway made, as Stripe received it.
type sent struct {
	method, path, idempotencyKey string
	form                         url.Values // the body (POST) or the query (GET)
}

// list is every value of a form array (expand[0], expand[1]… or expand[]).
func (s sent) list(name string) []string {
	var keys []string
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(name) + `\[\d*\]$`)
	for k := range s.form {
		if re.MatchString(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []string
	for _, k := range keys {
		out = append(out, s.form[k]...)
	}
	return out
}

// recorder sits between the gateway and stripe-mock: stripe-mock checks
// each request against Stripe's OpenAPI spec and answers a fixture; the
// recorder keeps what was sent, so a test also reads the exact shape.
type recorder struct {
	mu   sync.Mutex
	reqs []sent
}

func (r *recorder) last(t *testing.T) sent {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("no request reached Stripe")
	}
	return r.reqs[len(r.reqs)-1]
}

// mockGateway is a *Stripe on stripe-mock, through a recorder.
func mockGateway(t *testing.T) (*Stripe, *recorder) {
	t.Helper()
	target, err := url.Parse(mockURL)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		form := req.URL.Query()
		if req.Method == http.MethodPost {
			form, _ = url.ParseQuery(string(body))
		}
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, sent{method: req.Method, path: req.URL.Path, idempotencyKey: req.Header.Get("Idempotency-Key"), form: form})
		rec.mu.Unlock()
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	return NewStripe(StripeConfig{SecretKey: "sk_test_souqpayments", BaseURL: srv.URL, StripeMock: true}), rec
}

func wantPrefix(t *testing.T, what, id, prefix string) {
	t.Helper()
	if !strings.HasPrefix(id, prefix) {
		t.Fatalf("%s %q, want the prefix %q", what, id, prefix)
	}
}

// wantForm checks the fields a request must carry (others may be there).
func wantForm(t *testing.T, r sent, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := r.form.Get(k); got != v {
			t.Errorf("%s %s: %s = %q, want %q (sent %v)", r.method, r.path, k, got, v, r.form)
		}
	}
}

// wantCall checks the endpoint and, where Souq gives one, the idempotency
// key (stripe-go makes up its own for the other POSTs, so that its network
// retries are safe).
func wantCall(t *testing.T, r sent, method, path, key string) {
	t.Helper()
	if r.method != method || r.path != path || (key != "" && r.idempotencyKey != key) {
		t.Fatalf("sent %s %s (Idempotency-Key %q), want %s %s (%q)", r.method, r.path, r.idempotencyKey, method, path, key)
	}
}

func TestStripe_IsAGateway(t *testing.T) {
	var _ Gateway = (*Stripe)(nil)
}

func TestStripe_CreateCustomer_SendsNameAndPayerUnderItsKey(t *testing.T) {
	t.Parallel()
	g, rec := mockGateway(t)
	id, err := g.CreateCustomer(context.Background(), Customer{Key: "customer-advertiser-adv_1", Payer: "advertiser:adv_1", Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	wantPrefix(t, "customer", id, "cus_")
	r := rec.last(t)
	wantCall(t, r, "POST", "/v1/customers", "customer-advertiser-adv_1")
	wantForm(t, r, map[string]string{"name": "Acme", "metadata[souq_payer]": "advertiser:adv_1"})
}

func TestStripe_ChargeSaved_ConfirmsOffSessionWithTheDepositAsKey(t *testing.T) {
	t.Parallel()
	g, rec := mockGateway(t)
	p, err := g.ChargeSaved(context.Background(), SavedCharge{
		ID: "dep_1", Customer: "cus_1", PaymentMethod: "pm_card_visa", Amount: money.Amount{Minor: 2500, Currency: "USD"},
		Description: "Deposit to Acme", Metadata: map[string]string{"souq_owner": "advertiser:adv_1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantPrefix(t, "payment intent", p.Reference, "pi_")
	r := rec.last(t)
	wantCall(t, r, "POST", "/v1/payment_intents", "dep_1")
	wantForm(t, r, map[string]string{
		"amount": "2500", "currency": "usd", "customer": "cus_1", "payment_method": "pm_card_visa",
		"off_session": "true", "confirm": "true", "description": "Deposit to Acme",
		"metadata[souq_charge_id]": "dep_1", "metadata[souq_owner]": "advertiser:adv_1",
	})
	if got := r.list("expand"); !slices.Equal(got, []string{"payment_method", "latest_charge"}) {
		t.Fatalf("expand %v", got)
	}
}

func TestStripe_CreateCheckout_PaymentMode(t *testing.T) {
	t.Parallel()
	g, rec := mockGateway(t)
	s, err := g.CreateCheckout(context.Background(), CheckoutRequest{
		ID: "dep_2", Mode: ModePayment, Customer: "cus_1", Amount: money.Amount{Minor: 5000, Currency: "EUR"},
		Description: "Deposit to Acme", SuccessURL: "https://souq.example/ok", CancelURL: "https://souq.example/cancel",
		Metadata: map[string]string{"souq_owner": "advertiser:adv_1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantPrefix(t, "session", s.ID, "cs_")
	if s.URL == "" {
		t.Fatal("no checkout URL")
	}
	r := rec.last(t)
	wantCall(t, r, "POST", "/v1/checkout/sessions", "dep_2")
	wantForm(t, r, map[string]string{
		"mode": "payment", "customer": "cus_1", "client_reference_id": "dep_2",
		"success_url": "https://souq.example/ok", "cancel_url": "https://souq.example/cancel",
		"metadata[souq_ref]": "dep_2", "metadata[souq_owner]": "advertiser:adv_1",
		"line_items[0][price_data][currency]":           "eur",
		"line_items[0][price_data][unit_amount]":        "5000",
		"line_items[0][price_data][product_data][name]": "Deposit to Acme",
		"line_items[0][quantity]":                       "1",
		"payment_intent_data[setup_future_usage]":       "off_session",
		"payment_intent_data[metadata][souq_charge_id]": "dep_2",
		"payment_intent_data[metadata][souq_ref]":       "dep_2",
		"payment_intent_data[metadata][souq_owner]":     "advertiser:adv_1",
	})
	if got := r.list("payment_method_types"); !slices.Equal(got, []string{"card"}) {
		t.Fatalf("payment_method_types %v", got)
	}
}

func TestStripe_CreateCheckout_SetupMode(t *testing.T) {
	t.Parallel()
	g, rec := mockGateway(t)
	s, err := g.CreateCheckout(context.Background(), CheckoutRequest{
		ID: "setup_1", Mode: ModeSetup, Customer: "cus_1", Amount: money.Amount{Currency: "USD"},
		SuccessURL: "https://souq.example/ok", CancelURL: "https://souq.example/cancel",
		Metadata: map[string]string{"souq_payer": "user:usr_1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantPrefix(t, "session", s.ID, "cs_")
	r := rec.last(t)
	wantCall(t, r, "POST", "/v1/checkout/sessions", "setup_1")
	wantForm(t, r, map[string]string{
		"mode": "setup", "customer": "cus_1", "currency": "usd", "client_reference_id": "setup_1",
		"success_url": "https://souq.example/ok", "cancel_url": "https://souq.example/cancel",
		"metadata[souq_ref]": "setup_1", "metadata[souq_payer]": "user:usr_1",
		"setup_intent_data[metadata][souq_payer]": "user:usr_1",
	})
	for k := range r.form {
		if strings.HasPrefix(k, "line_items") || strings.HasPrefix(k, "payment_intent_data") {
			t.Fatalf("setup mode sent %s", k)
		}
	}
}

func TestStripe_CreateCheckout_RefusesAnUnknownMode(t *testing.T) {
	t.Parallel()
	g, _ := mockGateway(t)
	if _, err := g.CreateCheckout(context.Background(), CheckoutRequest{ID: "x", Mode: "subscription"}); err == nil {
		t.Fatal("an unknown mode was sent")
	}
}

func TestStripe_GetCheckout_ExpandsTheIntentsAndTheirCards(t *testing.T) {
	t.Parallel()
	g, rec := mockGateway(t)
	s, err := g.GetCheckout(context.Background(), "cs_test_1")
	if err != nil {
		t.Fatal(err)
	}
	wantPrefix(t, "session", s.ID, "cs_")
	r := rec.last(t)
	wantCall(t, r, "GET", "/v1/checkout/sessions/cs_test_1", "")
	want := []string{"payment_intent", "payment_intent.payment_method", "setup_intent", "setup_intent.payment_method"}
	if got := r.list("expand"); !slices.Equal(got, want) {
		t.Fatalf("expand %v, want %v", got, want)
	}
}

func TestStripe_Cards(t *testing.T) {
	t.Parallel()
	g, rec := mockGateway(t)
	ctx := context.Background()

	cards, err := g.ListCards(ctx, "cus_1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cards {
		wantPrefix(t, "card", c.ID, "pm_")
	}
	r := rec.last(t)
	wantCall(t, r, "GET", "/v1/customers/cus_1/payment_methods", "")
	wantForm(t, r, map[string]string{"type": "card"})

	c, err := g.GetCard(ctx, "pm_1")
	if err != nil {
		t.Fatal(err)
	}
	wantPrefix(t, "card", c.ID, "pm_")
	wantCall(t, rec.last(t), "GET", "/v1/payment_methods/pm_1", "")

	if err := g.SetDefaultCard(ctx, "cus_1", "pm_1"); err != nil {
		t.Fatal(err)
	}
	r = rec.last(t)
	wantCall(t, r, "POST", "/v1/customers/cus_1", "")
	wantForm(t, r, map[string]string{"invoice_settings[default_payment_method]": "pm_1"})

	if err := g.DetachCard(ctx, "pm_1"); err != nil {
		t.Fatal(err)
	}
	wantCall(t, rec.last(t), "POST", "/v1/payment_methods/pm_1/detach", "")
}

func TestStripe_Refund_SendsTheIntentAmountAndRefundID(t *testing.T) {
	t.Parallel()
	g, rec := mockGateway(t)
	res, err := g.Refund(context.Background(), RefundRequest{ID: "rfd_1-0", PaymentIntent: "pi_1", Amount: 700, Metadata: map[string]string{"souq_deposit_id": "dep_1"}})
	if err != nil {
		t.Fatal(err)
	}
	wantPrefix(t, "refund", res.ID, "re_")
	if res.Status == "" {
		t.Fatal("no refund status")
	}
	r := rec.last(t)
	wantCall(t, r, "POST", "/v1/refunds", "rfd_1-0")
	wantForm(t, r, map[string]string{"payment_intent": "pi_1", "amount": "700", "metadata[souq_refund_id]": "rfd_1-0", "metadata[souq_deposit_id]": "dep_1"})
}

func TestStripe_Connect(t *testing.T) {
	t.Parallel()
	g, rec := mockGateway(t)
	ctx := context.Background()

	id, err := g.CreateConnectAccount(ctx, ConnectRequest{Key: "connect-usr_1", Payee: "user:usr_1", Country: "FR", Email: "ines@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	wantPrefix(t, "account", id, "acct_")
	r := rec.last(t)
	wantCall(t, r, "POST", "/v1/accounts", "connect-usr_1")
	wantForm(t, r, map[string]string{"type": "express", "country": "FR", "email": "ines@example.com",
		"capabilities[transfers][requested]": "true", "metadata[souq_payee]": "user:usr_1"})

	// Without a country or an email, Stripe asks the payee.
	if _, err := g.CreateConnectAccount(ctx, ConnectRequest{Key: "connect-usr_2", Payee: "user:usr_2"}); err != nil {
		t.Fatal(err)
	}
	if r := rec.last(t); r.form.Has("country") || r.form.Has("email") {
		t.Fatalf("sent %v", r.form)
	}

	acct, err := g.GetConnectAccount(ctx, "acct_1")
	if err != nil {
		t.Fatal(err)
	}
	wantPrefix(t, "account", acct.ID, "acct_")
	wantCall(t, rec.last(t), "GET", "/v1/accounts/acct_1", "")

	link, err := g.OnboardingLink(ctx, "acct_1", "https://souq.example/refresh", "https://souq.example/return")
	if err != nil || link == "" {
		t.Fatalf("onboarding link %q, %v", link, err)
	}
	r = rec.last(t)
	wantCall(t, r, "POST", "/v1/account_links", "")
	wantForm(t, r, map[string]string{"account": "acct_1", "refresh_url": "https://souq.example/refresh",
		"return_url": "https://souq.example/return", "type": "account_onboarding"})

	dash, err := g.DashboardLink(ctx, "acct_1")
	if err != nil || dash == "" {
		t.Fatalf("dashboard link %q, %v", dash, err)
	}
	wantCall(t, rec.last(t), "POST", "/v1/accounts/acct_1/login_links", "")
}

// Payout looks for a transfer of its group first, then makes one with the
// payout id as its group and its key (stripe-mock's fixture transfers are
// of no such group).
func TestStripe_Payout_ListsItsGroupThenTransfersUnderItsKey(t *testing.T) {
	t.Parallel()
	g, rec := mockGateway(t)
	rc, err := g.Payout(context.Background(), Transfer{ID: "po_9", Amount: money.Amount{Minor: 1000, Currency: "USD"}, Destination: "acct_1",
		Metadata: map[string]string{"souq_payee": "user:usr_1"}})
	if err != nil {
		t.Fatal(err)
	}
	wantPrefix(t, "transfer", rc.Reference, "tr_")
	rec.mu.Lock()
	reqs := slices.Clone(rec.reqs)
	rec.mu.Unlock()
	if len(reqs) != 2 {
		t.Fatalf("sent %d requests, want a list and a create: %v", len(reqs), reqs)
	}
	wantCall(t, reqs[0], "GET", "/v1/transfers", "")
	wantForm(t, reqs[0], map[string]string{"transfer_group": "po_9", "destination": "acct_1"})
	wantCall(t, reqs[1], "POST", "/v1/transfers", "po_9")
	wantForm(t, reqs[1], map[string]string{"amount": "1000", "currency": "usd", "destination": "acct_1", "transfer_group": "po_9",
		"metadata[souq_payout_id]": "po_9", "metadata[souq_payee]": "user:usr_1"})
}

// ---- classification: Stripe's refusals, as Stripe sends them ----

// answering is a *Stripe whose Stripe answers every request with status
// and body.
func answering(t *testing.T, status int, body string) *Stripe {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Request-Id", "req_test")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return NewStripe(StripeConfig{SecretKey: "sk_test_souqpayments", BaseURL: srv.URL})
}

const (
	authRequired = `{"error":{"type":"card_error","code":"authentication_required","decline_code":"authentication_required",
		"message":"Your card was declined. This transaction requires authentication.",
		"payment_intent":{"id":"pi_3Auth","object":"payment_intent","status":"requires_payment_method","latest_charge":"ch_3Auth"},
		"payment_method":{"id":"pm_1Auth","object":"payment_method","type":"card","card":{"brand":"visa","last4":"3184"}}}}`
	insufficientFunds = `{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds",
		"message":"Your card has insufficient funds.","charge":"ch_3Poor",
		"payment_intent":{"id":"pi_3Poor","object":"payment_intent","status":"requires_payment_method"}}}`
	plainDecline  = `{"error":{"type":"card_error","code":"expired_card","message":"Your card has expired."}}`
	serverError   = `{"error":{"type":"api_error","message":"An unknown error occurred"}}`
	rateLimited   = `{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests"}}`
	badKey        = `{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_****ents"}}`
	noSuchIntent  = `{"error":{"type":"invalid_request_error","code":"resource_missing","param":"payment_intent","message":"No such payment_intent: 'pi_x'"}}`
	chargeRefund  = `{"error":{"type":"invalid_request_error","code":"charge_already_refunded","message":"Charge ch_1 has already been refunded."}}`
	lockConflict  = `{"error":{"type":"idempotency_error","message":"There is currently another in-progress request using this Idempotent Key"}}`
	cardForRefund = `{"error":{"type":"card_error","code":"card_declined","message":"The refund was declined by the card network."}}`
)

func TestStripe_ChargeSaved_Outcomes(t *testing.T) {
	t.Parallel()
	charge := SavedCharge{ID: "dep_1", Customer: "cus_1", PaymentMethod: "pm_1", Amount: money.Amount{Minor: 1000, Currency: "USD"}}
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   Payment
		kind   fault.Kind // of the error; -1: no error
	}{
		{"succeeded", 200, `{"id":"pi_3Ok","object":"payment_intent","status":"succeeded","latest_charge":{"id":"ch_3Ok","object":"charge"},
			"payment_method":{"id":"pm_1","object":"payment_method","type":"card","card":{"brand":"mastercard","last4":"4444"}}}`,
			Payment{Status: PaymentSucceeded, Reference: "pi_3Ok", ChargeID: "ch_3Ok", Card: CardSummary{Brand: "mastercard", Last4: "4444"}}, -1},
		{"processing", 200, `{"id":"pi_3Slow","object":"payment_intent","status":"processing"}`,
			Payment{Status: PaymentProcessing, Reference: "pi_3Slow"}, -1},
		{"an intent that needs its holder", 200, `{"id":"pi_3Act","object":"payment_intent","status":"requires_payment_method",
			"last_payment_error":{"type":"card_error","code":"authentication_required","message":"needs authentication"}}`,
			Payment{Status: PaymentRequiresAction, Reference: "pi_3Act", Decline: "authentication_required", DeclineMessage: "needs authentication"}, -1},
		{"authentication required (402)", 402, authRequired,
			Payment{Status: PaymentRequiresAction, Reference: "pi_3Auth", ChargeID: "ch_3Auth", Card: CardSummary{Brand: "visa", Last4: "3184"},
				Decline: "authentication_required", DeclineMessage: "Your card was declined. This transaction requires authentication."}, -1},
		{"insufficient funds (402)", 402, insufficientFunds,
			Payment{Status: PaymentDeclined, Reference: "pi_3Poor", ChargeID: "ch_3Poor", Decline: "insufficient_funds", DeclineMessage: "Your card has insufficient funds."}, -1},
		{"a decline without a decline code", 402, plainDecline,
			Payment{Status: PaymentDeclined, Decline: "expired_card", DeclineMessage: "Your card has expired."}, -1},
		{"Stripe failed (500)", 500, serverError, Payment{}, fault.Unavailable},
		{"rate limited (429)", 429, rateLimited, Payment{}, fault.Unavailable},
		{"the same key in flight (409)", 409, lockConflict, Payment{}, fault.Unavailable},
		{"an invalid request (400)", 400, noSuchIntent, Payment{}, fault.UpstreamFailed},
		{"Souq's key refused (401)", 401, badKey, Payment{}, fault.Internal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := answering(t, tc.status, tc.body).ChargeSaved(context.Background(), charge)
			if tc.kind == -1 {
				if err != nil {
					t.Fatal(err)
				}
			} else if err == nil || fault.KindOf(err) != tc.kind {
				t.Fatalf("error %v (kind %v), want kind %v", err, fault.KindOf(err), tc.kind)
			}
			if p != tc.want {
				t.Fatalf("payment\n %+v\nwant\n %+v", p, tc.want)
			}
		})
	}
}

func TestStripe_Refund_Classification(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		body   string
		kind   fault.Kind
	}{
		{"the card network refused", 402, cardForRefund, fault.UpstreamFailed},
		{"already refunded (400)", 400, chargeRefund, fault.UpstreamFailed},
		{"Stripe failed (500)", 500, serverError, fault.Unavailable},
		{"rate limited (429)", 429, rateLimited, fault.Unavailable},
		{"Souq's key refused (401)", 401, badKey, fault.Internal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := answering(t, tc.status, tc.body).Refund(context.Background(), RefundRequest{ID: "rfd_1-0", PaymentIntent: "pi_1", Amount: 100})
			if err == nil || fault.KindOf(err) != tc.kind {
				t.Fatalf("error %v (kind %v), want kind %v", err, fault.KindOf(err), tc.kind)
			}
		})
	}
}

func TestStripe_Payout_Classification(t *testing.T) {
	t.Parallel()
	noCapability := `{"error":{"type":"invalid_request_error","code":"insufficient_capabilities_for_transfer",
		"message":"Your destination account needs to have at least one of the following capabilities enabled: transfers"}}`
	for _, tc := range []struct {
		name   string
		status int
		body   string
		kind   fault.Kind
	}{
		{"an account that cannot receive (400)", 400, noCapability, fault.UpstreamFailed},
		{"Stripe failed (500)", 500, serverError, fault.Unavailable},
		{"rate limited (429)", 429, rateLimited, fault.Unavailable},
		{"the same key in flight (409)", 409, lockConflict, fault.Unavailable},
		{"Souq's key refused (401)", 401, badKey, fault.Internal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := answering(t, tc.status, tc.body).Payout(context.Background(), Transfer{ID: "po_1", Amount: money.Amount{Minor: 100, Currency: "USD"}, Destination: "acct_1"})
			if err == nil || fault.KindOf(err) != tc.kind {
				t.Fatalf("error %v (kind %v), want kind %v", err, fault.KindOf(err), tc.kind)
			}
		})
	}
}

// A refusal shows the card holder Stripe's card message, but only the code
// of any other refusal: Stripe writes those for developers. The whole
// Stripe error stays in the cause, for the logs.
func TestClassify_ShowsCardMessagesAndHidesDeveloperMessages(t *testing.T) {
	t.Parallel()
	_, err := answering(t, 402, cardForRefund).Refund(context.Background(), RefundRequest{ID: "rfd_1", PaymentIntent: "pi_1", Amount: 1})
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.UpstreamFailed || !strings.Contains(fe.Message, "declined by the card network") {
		t.Fatalf("card refusal: %v", err)
	}
	_, err = answering(t, 400, noSuchIntent).Refund(context.Background(), RefundRequest{ID: "rfd_1", PaymentIntent: "pi_x", Amount: 1})
	fe, ok = fault.As(err)
	if !ok || strings.Contains(fe.Message, "pi_x") || !strings.Contains(fe.Message, "resource_missing") || !strings.Contains(err.Error(), "No such payment_intent") {
		t.Fatalf("invalid request: message %q, error %v", fe.Message, err)
	}
}

func TestClassify_EveryCallSharesIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	down := answering(t, 503, serverError)
	calls := map[string]func() error{
		"CreateCustomer": func() error { _, err := down.CreateCustomer(ctx, Customer{Key: "k", Payer: "user:usr_1"}); return err },
		"CreateCheckout": func() error {
			_, err := down.CreateCheckout(ctx, CheckoutRequest{ID: "dep_1", Mode: ModePayment, Amount: money.Amount{Minor: 1, Currency: "USD"}})
			return err
		},
		"GetCheckout":          func() error { _, err := down.GetCheckout(ctx, "cs_1"); return err },
		"ListCards":            func() error { _, err := down.ListCards(ctx, "cus_1"); return err },
		"GetCard":              func() error { _, err := down.GetCard(ctx, "pm_1"); return err },
		"SetDefaultCard":       func() error { return down.SetDefaultCard(ctx, "cus_1", "pm_1") },
		"DetachCard":           func() error { return down.DetachCard(ctx, "pm_1") },
		"CreateConnectAccount": func() error { _, err := down.CreateConnectAccount(ctx, ConnectRequest{Key: "k"}); return err },
		"GetConnectAccount":    func() error { _, err := down.GetConnectAccount(ctx, "acct_1"); return err },
		"OnboardingLink":       func() error { _, err := down.OnboardingLink(ctx, "acct_1", "https://r", "https://r"); return err },
		"DashboardLink":        func() error { _, err := down.DashboardLink(ctx, "acct_1"); return err },
		"Payout": func() error {
			_, err := down.Payout(ctx, Transfer{ID: "po_1", Amount: money.Amount{Minor: 1, Currency: "USD"}, Destination: "acct_1"})
			return err
		},
	}
	for name, call := range calls {
		if err := call(); fault.KindOf(err) != fault.Unavailable {
			t.Errorf("%s: %v, want Unavailable", name, err)
		}
	}
}

// No answer at all (Stripe unreachable) is an unknown outcome.
func TestStripe_Unreachable_IsUnknown(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	g := NewStripe(StripeConfig{SecretKey: "sk_test_souqpayments", BaseURL: base})
	_, err := g.Refund(context.Background(), RefundRequest{ID: "rfd_1", PaymentIntent: "pi_1", Amount: 1})
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Kind != fault.Unavailable {
		t.Fatalf("%v", err)
	}
}

// ---- mapping Stripe's objects (what stripe-mock's fixtures cannot show) ----

func TestStripe_GetCheckout_MapsAPaidSession(t *testing.T) {
	t.Parallel()
	g := answering(t, 200, `{"id":"cs_test_a1","object":"checkout.session","mode":"payment","status":"complete","payment_status":"paid",
		"url":null,"customer":"cus_1","amount_total":5000,"currency":"eur","metadata":{"souq_ref":"dep_2"},
		"payment_intent":{"id":"pi_3P","object":"payment_intent","status":"succeeded","latest_charge":"ch_3P",
			"payment_method":{"id":"pm_1P","object":"payment_method","type":"card","card":{"brand":"visa","last4":"4242","exp_month":12,"exp_year":2030}}},
		"setup_intent":null}`)
	s, err := g.GetCheckout(context.Background(), "cs_test_a1")
	if err != nil {
		t.Fatal(err)
	}
	want := Session{ID: "cs_test_a1", Mode: ModePayment, Status: "complete", PaymentStatus: "paid", Customer: "cus_1",
		PaymentIntent: "pi_3P", ChargeID: "ch_3P", PaymentMethod: "pm_1P", Card: CardSummary{Brand: "visa", Last4: "4242"},
		Amount: money.Amount{Minor: 5000, Currency: "EUR"}, Metadata: map[string]string{"souq_ref": "dep_2"}}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("session\n %+v\nwant\n %+v", s, want)
	}
}

func TestStripe_GetCheckout_MapsACompletedSetup(t *testing.T) {
	t.Parallel()
	g := answering(t, 200, `{"id":"cs_test_s1","object":"checkout.session","mode":"setup","status":"complete","payment_status":"no_payment_required",
		"url":null,"customer":{"id":"cus_2","object":"customer"},"amount_total":null,"currency":"usd","metadata":{},
		"payment_intent":null,
		"setup_intent":{"id":"seti_1","object":"setup_intent","status":"succeeded",
			"payment_method":{"id":"pm_1S","object":"payment_method","type":"card","card":{"brand":"amex","last4":"0005"}}}}`)
	s, err := g.GetCheckout(context.Background(), "cs_test_s1")
	if err != nil {
		t.Fatal(err)
	}
	want := Session{ID: "cs_test_s1", Mode: ModeSetup, Status: "complete", PaymentStatus: "no_payment_required", Customer: "cus_2",
		SetupIntent: "seti_1", PaymentMethod: "pm_1S", Card: CardSummary{Brand: "amex", Last4: "0005"},
		Amount: money.Amount{Currency: "USD"}, Metadata: map[string]string{}}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("session\n %+v\nwant\n %+v", s, want)
	}
}

func TestStripe_GetCard_NamesItsCustomer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body, customer string
	}{
		{`{"id":"pm_1","object":"payment_method","type":"card","customer":"cus_1","card":{"brand":"visa","last4":"4242","exp_month":4,"exp_year":2031}}`, "cus_1"},
		{`{"id":"pm_1","object":"payment_method","type":"card","customer":null,"card":{"brand":"visa","last4":"4242","exp_month":4,"exp_year":2031}}`, ""},
	} {
		c, err := answering(t, 200, tc.body).GetCard(context.Background(), "pm_1")
		if err != nil {
			t.Fatal(err)
		}
		if want := (Card{ID: "pm_1", Brand: "visa", Last4: "4242", ExpMonth: 4, ExpYear: 2031, Customer: tc.customer}); c != want {
			t.Fatalf("card %+v, want %+v", c, want)
		}
	}
}

func TestStripe_GetConnectAccount_ListsWhatIsDueOnce(t *testing.T) {
	t.Parallel()
	g := answering(t, 200, `{"id":"acct_1","object":"account","type":"express","payouts_enabled":false,"details_submitted":true,
		"metadata":{"souq_payee":"user:usr_1"},
		"requirements":{"currently_due":["external_account","individual.id_number"],"past_due":["individual.id_number","tos_acceptance.date"],
			"disabled_reason":"requirements.past_due"}}`)
	a, err := g.GetConnectAccount(context.Background(), "acct_1")
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "acct_1" || a.PayoutsEnabled || !a.DetailsSubmitted || a.Payee != "user:usr_1" || a.DisabledReason != "requirements.past_due" ||
		!slices.Equal(a.Requirements, []string{"external_account", "individual.id_number", "tos_acceptance.date"}) {
		t.Fatalf("account %+v", a)
	}
}

// A Stripe error's text is the whole error: the cause kept for the logs
// leaves out the client secret of the intent it carries.
func TestClassify_KeepsClientSecretsOutOfTheLogs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A card refusal that is an error (a refund's).
	card := `{"error":{"type":"card_error","code":"card_declined","message":"Your card was declined.",
		"payment_intent":{"id":"pi_3S","object":"payment_intent","client_secret":"pi_3S_secret_doNotLogMe"}}}`
	_, err := answering(t, 402, card).Refund(ctx, RefundRequest{ID: "rfd_1", PaymentIntent: "pi_3S", Amount: 1})
	if fault.KindOf(err) != fault.UpstreamFailed || strings.Contains(err.Error(), "doNotLogMe") || !strings.Contains(err.Error(), "pi_3S") {
		t.Fatalf("refund: %v", err)
	}
	// A deposit's other refusal, carrying its intent.
	state := `{"error":{"type":"invalid_request_error","code":"payment_intent_unexpected_state","message":"This PaymentIntent's status is canceled.",
		"payment_intent":{"id":"pi_3T","object":"payment_intent","status":"canceled","client_secret":"pi_3T_secret_doNotLogMe"}}}`
	_, err = answering(t, 400, state).ChargeSaved(ctx, SavedCharge{ID: "dep_1", Customer: "cus_1", PaymentMethod: "pm_1", Amount: money.Amount{Minor: 1, Currency: "USD"}})
	if fault.KindOf(err) != fault.UpstreamFailed || strings.Contains(err.Error(), "doNotLogMe") || !strings.Contains(err.Error(), "pi_3T") {
		t.Fatalf("ChargeSaved: %v", err)
	}
}
