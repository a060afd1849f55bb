package stripelocal

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v83"

	"github.com/souqhq/souq/shared/clock"
)

func paymentSession(t *testing.T, si *standIn, customer, ref string, amount int64) *stripe.CheckoutSession {
	t.Helper()
	p := &stripe.CheckoutSessionCreateParams{
		Mode: stripe.String("payment"), Customer: stripe.String(customer), ClientReferenceID: stripe.String(ref),
		SuccessURL: stripe.String("https://souq.example/deposits/" + ref + "?session={CHECKOUT_SESSION_ID}"),
		CancelURL:  stripe.String("https://souq.example/deposits/" + ref + "/cancel"),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{Quantity: stripe.Int64(1), PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
			Currency: stripe.String("usd"), UnitAmount: stripe.Int64(amount), ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String("Souq deposit")},
		}}},
		PaymentIntentData: &stripe.CheckoutSessionCreatePaymentIntentDataParams{SetupFutureUsage: stripe.String("off_session"),
			Metadata: map[string]string{"souq_charge_id": ref}},
		Metadata: map[string]string{"souq_ref": ref},
	}
	p.SetIdempotencyKey("checkout-" + ref)
	se, err := si.sc.V1CheckoutSessions.Create(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if se.Status != stripe.CheckoutSessionStatusOpen || se.PaymentStatus != stripe.CheckoutSessionPaymentStatusUnpaid ||
		se.URL != si.pages+"/local/checkout/"+se.ID || se.AmountTotal != amount {
		t.Fatalf("new session = %+v", se)
	}
	return se
}

func retrieveSession(t *testing.T, si *standIn, id string) *stripe.CheckoutSession {
	t.Helper()
	p := &stripe.CheckoutSessionRetrieveParams{}
	for _, e := range []string{"payment_intent", "payment_intent.payment_method", "setup_intent", "setup_intent.payment_method"} {
		p.AddExpand(e)
	}
	se, err := si.sc.V1CheckoutSessions.Retrieve(context.Background(), id, p)
	if err != nil {
		t.Fatal(err)
	}
	return se
}

func TestCheckoutSetup_SavesTheCardToTheCustomer(t *testing.T) {
	t.Parallel()
	si := start(t, nil)
	ctx := context.Background()
	cus := si.customer(t)
	p := &stripe.CheckoutSessionCreateParams{Mode: stripe.String("setup"), Customer: stripe.String(cus), Currency: stripe.String("usd"),
		SuccessURL: stripe.String("https://souq.example/cards?session={CHECKOUT_SESSION_ID}"), CancelURL: stripe.String("https://souq.example/cards"),
		SetupIntentData: &stripe.CheckoutSessionCreateSetupIntentDataParams{Metadata: map[string]string{"souq_payer": "advertiser:adv_1"}}}
	se, err := si.sc.V1CheckoutSessions.Create(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if se.PaymentStatus != stripe.CheckoutSessionPaymentStatusNoPaymentRequired || se.SetupIntent == nil {
		t.Fatalf("setup session = %+v", se)
	}
	status, _, page := si.call(t, "GET", "/local/checkout/"+se.ID, "", false)
	if status != 200 || !strings.Contains(string(page), "Save a card") || !strings.Contains(string(page), "4242 4242 4242 4242") {
		t.Fatalf("page = %d %s", status, page)
	}

	var out struct{ Status, Redirect string }
	si.mustCall(t, "POST", "/local/checkout/"+se.ID, `{"card":"4242 4242 4242 4242"}`, 200, &out)
	if out.Status != "complete" || out.Redirect != "https://souq.example/cards?session="+se.ID {
		t.Fatalf("pay = %+v", out)
	}
	got := retrieveSession(t, si, se.ID)
	if got.Status != stripe.CheckoutSessionStatusComplete || got.URL != "" || got.SetupIntent.Status != stripe.SetupIntentStatusSucceeded ||
		got.SetupIntent.Metadata["souq_payer"] != "advertiser:adv_1" || got.SetupIntent.PaymentMethod.Card.Last4 != "4242" {
		t.Fatalf("completed session = %+v / %+v", got, got.SetupIntent)
	}
	var cards []*stripe.PaymentMethod
	for pm, err := range si.sc.V1PaymentMethods.List(ctx, &stripe.PaymentMethodListParams{Customer: stripe.String(cus), Type: stripe.String("card")}) {
		if err != nil {
			t.Fatal(err)
		}
		cards = append(cards, pm)
	}
	if len(cards) != 1 || cards[0].Card.Brand != "visa" || cards[0].Card.Last4 != "4242" || cards[0].Customer.ID != cus {
		t.Fatalf("cards = %+v", cards)
	}
	si.rc.expectTypes(t, "checkout.session.completed", "setup_intent.succeeded")
	// Paying again is a conflict; the page says it is done.
	si.mustCall(t, "POST", "/local/checkout/"+se.ID, `{"card":"4242424242424242"}`, 409, nil)
	if _, _, page := si.call(t, "GET", "/local/checkout/"+se.ID, "", false); !strings.Contains(string(page), "The card is saved.") {
		t.Fatalf("complete page = %s", page)
	}
}

func TestCheckoutPayment_CardThatNeedsAuthenticationPassesOnlyWithIt(t *testing.T) {
	t.Parallel()
	si := start(t, nil)
	cus := si.customer(t)
	se := paymentSession(t, si, cus, "dep_auth", 2500)

	var out struct{ Status, AuthenticateURL, Redirect, Code, Message string }
	si.mustCall(t, "POST", "/local/checkout/"+se.ID, `{"card":"4000 0025 0000 3155"}`, 200, &out)
	if out.Status != "requires_action" || out.AuthenticateURL != si.pages+"/local/checkout/"+se.ID+"/authenticate" {
		t.Fatalf("pay = %+v", out)
	}
	_, _, page := si.call(t, "GET", "/local/checkout/"+se.ID, "", false)
	if !strings.Contains(string(page), "Pass authentication") || !strings.Contains(string(page), "Fail authentication") {
		t.Fatalf("page while authenticating = %s", page)
	}
	// A failed authentication leaves the session payable.
	si.mustCall(t, "POST", "/local/checkout/"+se.ID+"/authenticate", `{"result":"fail"}`, 402, &out)
	if out.Status != "declined" || out.Code != "payment_intent_authentication_failure" {
		t.Fatalf("failed authentication = %+v", out)
	}
	if got := retrieveSession(t, si, se.ID); got.Status != stripe.CheckoutSessionStatusOpen || got.PaymentIntent.Status != stripe.PaymentIntentStatusRequiresPaymentMethod {
		t.Fatalf("after a failed authentication: %+v", got)
	}
	si.mustCall(t, "POST", "/local/checkout/"+se.ID+"/authenticate", `{"result":"pass"}`, 409, nil) // nothing waits now
	si.mustCall(t, "POST", "/local/checkout/"+se.ID, `{"card":"4000002500003155"}`, 200, &out)
	si.mustCall(t, "POST", "/local/checkout/"+se.ID+"/authenticate", `{"result":"pass"}`, 200, &out)
	if out.Status != "complete" || out.Redirect != "https://souq.example/deposits/dep_auth?session="+se.ID {
		t.Fatalf("authenticated = %+v", out)
	}
	got := retrieveSession(t, si, se.ID)
	pi := got.PaymentIntent
	if got.Status != stripe.CheckoutSessionStatusComplete || got.PaymentStatus != stripe.CheckoutSessionPaymentStatusPaid ||
		pi.Status != stripe.PaymentIntentStatusSucceeded || pi.Amount != 2500 || pi.LatestCharge == nil || pi.Metadata["souq_charge_id"] != "dep_auth" ||
		pi.PaymentMethod.Card.Last4 != "3155" || pi.PaymentMethod.Customer.ID != cus {
		t.Fatalf("paid session = %+v, intent %+v", got, pi)
	}
	si.rc.expectTypes(t, "payment_intent.payment_failed", "checkout.session.completed", "payment_intent.succeeded")
	ev := si.rc.all()[1]
	if ev.Object["id"] != se.ID || ev.Object["payment_intent"] != pi.ID || ev.Object["payment_status"] != "paid" {
		t.Fatalf("checkout.session.completed object = %v", ev.Object)
	}
}

func TestCheckoutPayment_DeclinedCardLeavesTheSessionPayable(t *testing.T) {
	t.Parallel()
	si := start(t, nil)
	se := paymentSession(t, si, si.customer(t), "dep_decline", 1000)

	var out struct{ Status, Code, DeclineCode, Message string }
	si.mustCall(t, "POST", "/local/checkout/"+se.ID, `{"card":"4000000000000002"}`, 402, &out)
	if out.Status != "declined" || out.Code != "card_declined" || out.DeclineCode != "generic_decline" {
		t.Fatalf("decline = %+v", out)
	}
	si.rc.expectTypes(t, "payment_intent.payment_failed")
	if lpe := si.rc.all()[0].Object["last_payment_error"].(map[string]any); lpe["decline_code"] != "generic_decline" {
		t.Fatalf("last_payment_error = %v", lpe)
	}
	// The form shows the decline on the page; an unknown card is a 400
	// naming it; malformed input is a 4xx, never a 500.
	status, _, page := si.call(t, "POST", "/local/checkout/"+se.ID, "card=4000+0000+0000+0002", true)
	if status != 402 || !strings.Contains(string(page), "Your card was declined.") {
		t.Fatalf("form decline = %d %s", status, page)
	}
	status, _, page = si.call(t, "POST", "/local/checkout/"+se.ID, "card=1234", true)
	if status != 400 || !strings.Contains(string(page), "test card") {
		t.Fatalf("form unknown card = %d %s", status, page)
	}
	for _, bad := range []string{`{"card":"1234"}`, `{"card":4242}`, `{"card":"4242424242424242","x":1}`, `not json`, `[]`} {
		if status, _, b := si.call(t, "POST", "/local/checkout/"+se.ID, bad, false); status != 400 || !strings.Contains(string(b), "problems/invalid") {
			t.Errorf("%s = %d %s, want a 400 problem", bad, status, b)
		}
	}
	si.mustCall(t, "POST", "/local/checkout/cs_test_nope", `{"card":"4242424242424242"}`, 404, nil)
	si.mustCall(t, "POST", "/local/checkout/"+se.ID+"/authenticate", `{"result":"maybe"}`, 400, nil)

	// Paid by form: 303 to the success URL, as Stripe redirects.
	status, h, _ := si.call(t, "POST", "/local/checkout/"+se.ID, "card=4242+4242+4242+4242", true)
	if status != 303 || h.Get("Location") != "https://souq.example/deposits/dep_decline?session="+se.ID {
		t.Fatalf("form pay = %d %v", status, h)
	}
	if csp := h.Get("Content-Security-Policy"); csp != "" {
		t.Fatalf("a redirect carries no page: %s", csp)
	}
	si.rc.expectTypes(t, "payment_intent.payment_failed", "payment_intent.payment_failed", "checkout.session.completed", "payment_intent.succeeded")
	si.mustCall(t, "POST", "/local/checkout/"+se.ID, `{"card":"4242424242424242"}`, 409, nil)
}

func TestCheckout_ExpiresOnThePlatformClock(t *testing.T) {
	t.Parallel()
	c := clock.NewFake(time.Date(2039, 1, 31, 9, 0, 0, 0, time.UTC))
	si := start(t, c.Now)
	se := paymentSession(t, si, si.customer(t), "dep_late", 1000)
	c.Advance(sessionLifetime + time.Second)
	si.mustCall(t, "POST", "/local/checkout/"+se.ID, `{"card":"4242424242424242"}`, 409, nil)
	if got := retrieveSession(t, si, se.ID); got.Status != stripe.CheckoutSessionStatusExpired {
		t.Fatalf("status = %s", got.Status)
	}
	si.rc.expectTypes(t, "checkout.session.expired")
}
