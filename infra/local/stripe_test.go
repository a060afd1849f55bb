package local

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/store/storetest"
)

// The platform plays Stripe: the functions' Payments is the switch over
// payments.Stripe on the local Stripe, whose pages and controls are on the
// gateway, and whose events reach the gateway's /v1/stripe/events signed
// with the run's secret.
func TestPlatform_PlaysStripeOnTheGateway(t *testing.T) {
	ctx := context.Background()
	p, err := Start(ctx, Options{Addr: "127.0.0.1:0", DynamoEndpoint: storetest.Endpoint(t), TablePrefix: storetest.Prefix(), StripeMock: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Stripe == nil || !strings.HasPrefix(p.StripeWebhookSecret, "whsec_") || !strings.HasPrefix(p.StripeURL, "http://127.0.0.1:") || p.Rail.Gateway == nil {
		t.Fatalf("stripe = %v %q %q", p.Stripe, p.StripeWebhookSecret, p.StripeURL)
	}
	get := func(method, path, body string) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest(method, p.BaseURL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	// An unknown session is the page's own 404 problem, not the catch-all.
	status, ct, body := get("GET", "/local/checkout/cs_test_unknown", "")
	if status != 404 || ct != "application/problem+json" || !strings.Contains(body, "no Checkout Session cs_test_unknown") {
		t.Fatalf("unknown session = %d %s %s", status, ct, body)
	}
	if status, _, body := get("GET", "/local/nothing", ""); status != 404 || !strings.Contains(body, "no local route") {
		t.Fatalf("catch-all = %d %s", status, body)
	}
	if status, _, body := get("POST", "/local/rail/fail", `{"count":0,"mode":"decline"}`); status != 200 {
		t.Fatalf("rail/fail = %d %s", status, body)
	}

	// The code the functions run, on the platform's Stripe.
	cus, err := p.Rail.CreateCustomer(ctx, payments.Customer{Key: "customer-test", Payer: "advertiser:adv_test", Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	se, err := p.Rail.CreateCheckout(ctx, payments.CheckoutRequest{ID: "dep_platform", Mode: payments.ModePayment, Customer: cus,
		Amount: money.Amount{Minor: 2000, Currency: "USD"}, SuccessURL: p.BaseURL + "/console/", CancelURL: p.BaseURL + "/console/"})
	if err != nil || se.URL != p.BaseURL+"/local/checkout/"+se.ID {
		t.Fatalf("checkout = %+v, %v", se, err)
	}
	if status, _, body := get("GET", "/local/checkout/"+se.ID, ""); status != 200 || !strings.Contains(body, "Pay 20.00 USD") {
		t.Fatalf("page = %d %s", status, body)
	}
	if status, _, body := get("POST", "/local/checkout/"+se.ID, `{"card":"4242424242424242"}`); status != 200 || !strings.Contains(body, `"complete"`) {
		t.Fatalf("pay = %d %s", status, body)
	}
	got, err := p.Rail.GetCheckout(ctx, se.ID)
	if err != nil || got.Status != "complete" || got.PaymentStatus != "paid" || got.Card.Last4 != "4242" || got.ChargeID == "" {
		t.Fatalf("paid session = %+v, %v", got, err)
	}
	cards, err := p.Rail.ListCards(ctx, cus)
	if err != nil || len(cards) != 1 {
		t.Fatalf("cards = %+v, %v", cards, err)
	}
	pay, err := p.Rail.ChargeSaved(ctx, payments.SavedCharge{ID: "dep_saved", Customer: cus, PaymentMethod: cards[0].ID, Amount: money.Amount{Minor: 1500, Currency: "USD"}})
	if err != nil || pay.Status != payments.PaymentSucceeded || pay.Card.Last4 != "4242" {
		t.Fatalf("saved charge = %+v, %v", pay, err)
	}

	// Each event went over loopback to the gateway's endpoint.
	_, _, body = get("GET", "/local/stripe/events", "")
	var events struct {
		Data []struct {
			Type   string
			Status int
		}
	}
	if err := json.Unmarshal([]byte(body), &events); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range events.Data {
		types = append(types, e.Type)
		// 200: the accounts function verified the signature with the
		// secret the platform gave it (a bad one is 400).
		if e.Status != http.StatusOK {
			t.Errorf("event %s: the endpoint answered %d", e.Type, e.Status)
		}
	}
	if strings.Join(types, ",") != "checkout.session.completed,payment_intent.succeeded,payment_intent.succeeded" {
		t.Fatalf("events = %v", types)
	}
}
