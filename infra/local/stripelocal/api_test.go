package stripelocal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stripe/stripe-go/v83"

	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/payments"
)

// offSession charges a saved card as the deposit code does.
func offSession(si *standIn, customer, pm, key string, amount int64) (*stripe.PaymentIntent, error) {
	p := &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(amount), Currency: stripe.String("usd"), Customer: stripe.String(customer),
		PaymentMethod: stripe.String(pm), Confirm: stripe.Bool(true), OffSession: stripe.Bool(true), Description: stripe.String("Souq deposit")}
	p.Metadata = map[string]string{"souq_charge_id": key}
	p.AddExpand("payment_method")
	p.AddExpand("latest_charge")
	p.SetIdempotencyKey(key)
	return si.sc.V1PaymentIntents.Create(context.Background(), p)
}

func TestPaymentIntent_OffSessionOutcomeIsTheSavedCards(t *testing.T) {
	t.Parallel()
	si := start(t, nil)
	cus := si.customer(t)
	for _, tc := range []struct {
		card, code, decline string
	}{
		{card: "4242424242424242"},
		{card: "4000002500003155"},
		{card: "4000002760003184", code: "authentication_required", decline: "authentication_required"},
		{card: "4000000000009995", code: "card_declined", decline: "insufficient_funds"},
	} {
		pm := si.saveCard(t, cus, tc.card)
		pi, err := offSession(si, cus, pm, "dep_"+tc.card, 1500)
		if tc.code == "" {
			if err != nil || pi.Status != stripe.PaymentIntentStatusSucceeded || pi.LatestCharge == nil || pi.LatestCharge.Amount != 1500 ||
				pi.PaymentMethod.Card.Last4 != tc.card[12:] || pi.AmountReceived != 1500 {
				t.Fatalf("%s: %+v, %v", tc.card, pi, err)
			}
			got, err := si.sc.V1PaymentIntents.Retrieve(context.Background(), pi.ID, nil)
			if err != nil || got.Status != stripe.PaymentIntentStatusSucceeded || got.LatestCharge.ID != pi.LatestCharge.ID {
				t.Fatalf("%s: retrieved %+v, %v", tc.card, got, err)
			}
			continue
		}
		var se *stripe.Error
		if !errors.As(err, &se) || se.HTTPStatusCode != http.StatusPaymentRequired || se.Type != stripe.ErrorTypeCard ||
			string(se.Code) != tc.code || string(se.DeclineCode) != tc.decline || se.PaymentIntent == nil ||
			se.PaymentIntent.Status != stripe.PaymentIntentStatusRequiresPaymentMethod || se.PaymentIntent.LastPaymentError == nil {
			t.Fatalf("%s: %v (%+v)", tc.card, err, se)
		}
	}
	// A card that is always declined never completes Checkout: it is
	// put on file here by hand, to check its off-session decline.
	card, _ := findCard("4000000000000002")
	si.mu.Lock()
	declined := si.st.saveCard(card, cus).ID
	si.mu.Unlock()
	var se *stripe.Error
	if _, err := offSession(si, cus, declined, "dep_0002", 1500); !errors.As(err, &se) || se.HTTPStatusCode != 402 ||
		se.Code != stripe.ErrorCodeCardDeclined || se.DeclineCode != "generic_decline" {
		t.Fatalf("0002 off-session = %v", err)
	}
	si.rc.expectTypes(t,
		"checkout.session.completed", "setup_intent.succeeded", "payment_intent.succeeded",
		"checkout.session.completed", "setup_intent.succeeded", "payment_intent.succeeded",
		"checkout.session.completed", "setup_intent.succeeded", "payment_intent.payment_failed",
		"checkout.session.completed", "setup_intent.succeeded", "payment_intent.payment_failed",
		"payment_intent.payment_failed")
}

// The payout code (payments.Stripe.Payout: a look for the payout's transfer
// group, then a transfer under the payout id as its key) works through the
// stand-in as on Stripe: a retry finds the first transfer, another payout
// makes another, and a destination that is not an account is refused.
// (Deposits, off-session on a saved card, are the tests above.)
func TestPaymentsStripe_PayoutWorksThroughTheStandIn(t *testing.T) {
	t.Parallel()
	si := start(t, nil)
	rail := payments.NewStripe(payments.StripeConfig{SecretKey: "sk_test_stripelocal", BaseURL: si.URL})
	ctx := context.Background()
	usd := money.Amount{Minor: 5000, Currency: "USD"}
	p1, err := rail.Payout(ctx, payments.Transfer{ID: "po_1", Amount: usd, Destination: "acct_1SouqTest4242"})
	if err != nil || !strings.HasPrefix(p1.Reference, "tr_") {
		t.Fatal(p1, err)
	}
	p2, err := rail.Payout(ctx, payments.Transfer{ID: "po_1", Amount: usd, Destination: "acct_1SouqTest4242"})
	if err != nil || p2 != p1 {
		t.Fatalf("payout retry = %v, %v; want %v", p2, err, p1)
	}
	p3, err := rail.Payout(ctx, payments.Transfer{ID: "po_2", Amount: usd, Destination: "acct_1SouqTest4242"})
	if err != nil || p3 == p1 {
		t.Fatalf("second payout = %v, %v", p3, err)
	}
	var group []string
	for tr, err := range si.sc.V1Transfers.List(ctx, &stripe.TransferListParams{TransferGroup: stripe.String("po_1")}) {
		if err != nil {
			t.Fatal(err)
		}
		group = append(group, tr.ID)
	}
	if len(group) != 1 || group[0] != p1.Reference {
		t.Fatalf("transfers of po_1 = %v", group)
	}
	if _, err := rail.Payout(ctx, payments.Transfer{ID: "po_3", Amount: usd, Destination: "ba_123"}); err == nil {
		t.Fatal("a transfer to a bank account id was made")
	}
}

func TestIdempotencyKey_ReplaysTheFirstAnswer(t *testing.T) {
	t.Parallel()
	si := start(t, nil)
	ctx := context.Background()
	create := func(name string) (*stripe.Customer, error) {
		p := &stripe.CustomerCreateParams{Name: stripe.String(name)}
		p.SetIdempotencyKey("customer-advertiser-adv_1")
		return si.sc.V1Customers.Create(ctx, p)
	}
	c1, err := create("Acme")
	if err != nil {
		t.Fatal(err)
	}
	c2, err := create("Acme")
	if err != nil || c2.ID != c1.ID || c2.LastResponse.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay = %+v, %v", c2, err)
	}
	var se *stripe.Error
	if _, err := create("Other"); !errors.As(err, &se) || se.Type != stripe.ErrorTypeIdempotency {
		t.Fatalf("same key, other parameters = %v", err)
	}
	// A decline is an answer too: the retry gets the same intent.
	cus := si.customer(t)
	pm := si.saveCard(t, cus, "4000000000009995")
	_, err1 := offSession(si, cus, pm, "dep_twice", 1000)
	_, err2 := offSession(si, cus, pm, "dep_twice", 1000)
	var e1, e2 *stripe.Error
	if !errors.As(err1, &e1) || !errors.As(err2, &e2) || e1.PaymentIntent.ID != e2.PaymentIntent.ID {
		t.Fatalf("declines = %v / %v", err1, err2)
	}
	n := 0
	for _, typ := range si.rc.types() {
		if typ == "payment_intent.payment_failed" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("payment_failed sent %d times for one intent", n)
	}
}

func TestShape_StripeMockRefusesAMalformedRequest(t *testing.T) {
	t.Parallel()
	si := start(t, nil)
	p := &stripe.CustomerCreateParams{Name: stripe.String("Acme")}
	p.AddExtra("favourite_colour", "green")
	_, err := si.sc.V1Customers.Create(context.Background(), p)
	var se *stripe.Error
	if !errors.As(err, &se) || se.HTTPStatusCode != 400 || se.Type != stripe.ErrorTypeInvalidRequest || !strings.Contains(se.Msg, "validation") {
		t.Fatalf("unknown parameter = %v", err)
	}
	si.mu.Lock()
	n := len(si.st.customers)
	si.mu.Unlock()
	if n != 0 {
		t.Fatalf("a refused request made %d customers", n)
	}
	// What the stand-in does not play is stripe-mock's fixture.
	bal, err := si.sc.V1Balance.Retrieve(context.Background(), nil)
	if err != nil || bal.Object != "balance" {
		t.Fatalf("balance = %+v, %v", bal, err)
	}
	// A missing object is Stripe's 404.
	if _, err := si.sc.V1Customers.Retrieve(context.Background(), "cus_nope", nil); !errors.As(err, &se) || se.HTTPStatusCode != 404 || se.Code != "resource_missing" {
		t.Fatalf("missing customer = %v", err)
	}
}

func TestCustomers_DefaultCardAndDetach(t *testing.T) {
	t.Parallel()
	si := start(t, nil)
	ctx := context.Background()
	cus := si.customer(t)
	pm1 := si.saveCard(t, cus, "4242424242424242")
	pm2 := si.saveCard(t, cus, "4000002500003155")
	up := &stripe.CustomerUpdateParams{InvoiceSettings: &stripe.CustomerUpdateInvoiceSettingsParams{DefaultPaymentMethod: stripe.String(pm2)}}
	c, err := si.sc.V1Customers.Update(ctx, cus, up)
	if err != nil || c.InvoiceSettings.DefaultPaymentMethod.ID != pm2 {
		t.Fatalf("default = %+v, %v", c, err)
	}
	var listed []string
	for pm, err := range si.sc.V1Customers.ListPaymentMethods(ctx, &stripe.CustomerListPaymentMethodsParams{Customer: stripe.String(cus), Type: stripe.String("card")}) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, pm.ID)
	}
	if len(listed) != 2 || listed[0] != pm2 || listed[1] != pm1 {
		t.Fatalf("listed = %v, want newest first", listed)
	}
	if pm, err := si.sc.V1PaymentMethods.Detach(ctx, pm2, nil); err != nil || pm.Customer != nil {
		t.Fatalf("detach = %+v, %v", pm, err)
	}
	if c, _ := si.sc.V1Customers.Retrieve(ctx, cus, nil); c.InvoiceSettings.DefaultPaymentMethod != nil {
		t.Fatalf("a detached card is still the default: %+v", c.InvoiceSettings)
	}
	if pm, err := si.sc.V1PaymentMethods.Retrieve(ctx, pm2, nil); err != nil || pm.Card.Last4 != "3155" || pm.Customer != nil {
		t.Fatalf("retrieve = %+v, %v", pm, err)
	}
	var se *stripe.Error
	if _, err := si.sc.V1Customers.Update(ctx, cus, up); !errors.As(err, &se) || se.HTTPStatusCode != 400 {
		t.Fatalf("a detached card became the default: %v", err)
	}
	if _, err := offSession(si, cus, pm2, "dep_detached", 1000); !errors.As(err, &se) || se.HTTPStatusCode != 400 {
		t.Fatalf("a detached card was charged: %v", err)
	}
}

func TestRefunds_PartsThenTheRestThenNothing(t *testing.T) {
	t.Parallel()
	si := start(t, nil)
	ctx := context.Background()
	cus := si.customer(t)
	pi, err := offSession(si, cus, si.saveCard(t, cus, "4242424242424242"), "dep_refund", 1000)
	if err != nil {
		t.Fatal(err)
	}
	refund := func(amount int64) (*stripe.Refund, error) {
		p := &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID)}
		if amount > 0 {
			p.Amount = stripe.Int64(amount)
		}
		p.Metadata = map[string]string{"souq_refund_id": "rfd_1"}
		return si.sc.V1Refunds.Create(ctx, p)
	}
	r1, err := refund(300)
	if err != nil || r1.Status != stripe.RefundStatusSucceeded || r1.Amount != 300 || r1.Charge.ID != pi.LatestCharge.ID || r1.Metadata["souq_refund_id"] != "rfd_1" {
		t.Fatalf("refund = %+v, %v", r1, err)
	}
	var se *stripe.Error
	if _, err := refund(800); !errors.As(err, &se) || se.HTTPStatusCode != 400 || se.Type != stripe.ErrorTypeInvalidRequest {
		t.Fatalf("over-refund = %v", err)
	}
	if r2, err := refund(0); err != nil || r2.Amount != 700 {
		t.Fatalf("the rest = %+v, %v", r2, err)
	}
	if _, err := refund(0); !errors.As(err, &se) || se.Code != stripe.ErrorCodeChargeAlreadyRefunded {
		t.Fatalf("nothing left = %v", err)
	}
	var refunded []float64
	for _, ev := range si.rc.all() {
		if ev.Type == "charge.refunded" {
			refunded = append(refunded, ev.Object["amount_refunded"].(float64))
			if n := len(ev.Object["refunds"].(map[string]any)["data"].([]any)); n != len(refunded) {
				t.Fatalf("charge.refunded lists %d refunds, want %d", n, len(refunded))
			}
		}
	}
	if len(refunded) != 2 || refunded[0] != 300 || refunded[1] != 1000 {
		t.Fatalf("charge.refunded amount_refunded = %v", refunded)
	}
	ch, err := si.sc.V1Charges.Retrieve(ctx, pi.LatestCharge.ID, nil)
	if err != nil || !ch.Refunded || ch.AmountRefunded != 1000 || len(ch.Refunds.Data) != 2 {
		t.Fatalf("charge = %+v, %v", ch, err)
	}
}

// Many deposits at once: the same Idempotency-Key makes one intent (and
// one event) however many race; different keys make one each.
func TestIdempotencyKey_ConcurrentRetriesMakeOneIntent(t *testing.T) {
	t.Parallel()
	si := start(t, nil)
	cus := si.customer(t)
	pm := si.saveCard(t, cus, "4242424242424242")
	const n = 20
	ids := make([]string, 2*n)
	var wg sync.WaitGroup
	for i := range 2 * n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := "dep_same"
			if i >= n {
				key = fmt.Sprintf("dep_%d", i)
			}
			pi, err := offSession(si, cus, pm, key, 1000)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = pi.ID
		}()
	}
	wg.Wait()
	distinct := map[string]bool{}
	for i, id := range ids {
		if i < n && id != ids[0] {
			t.Fatalf("same key, intents %s and %s", ids[0], id)
		}
		distinct[id] = true
	}
	if len(distinct) != n+1 {
		t.Fatalf("%d distinct intents, want %d", len(distinct), n+1)
	}
	succeeded := 0
	for _, typ := range si.rc.types() {
		if typ == "payment_intent.succeeded" {
			succeeded++
		}
	}
	if succeeded != n+1 {
		t.Fatalf("payment_intent.succeeded sent %d times, want %d", succeeded, n+1)
	}
}
