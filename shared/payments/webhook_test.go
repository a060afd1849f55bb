package payments

import (
	"crypto/hmac"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v83"
	"github.com/stripe/stripe-go/v83/webhook"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
)

const (
	secretOld = "whsec_oldOLDoldOLDoldOLDoldOLDold0"
	secretNew = "whsec_newNEWnewNEWnewNEWnewNEWnew1"
)

// stripeEvent is an event as Stripe sends it, around data.object.
func stripeEvent(id, typ, object string) []byte {
	return []byte(fmt.Sprintf(`{
  "id": %q,
  "object": "event",
  "api_version": %q,
  "created": 1767225600,
  "data": {"object": %s},
  "livemode": false,
  "pending_webhooks": 1,
  "request": {"id": "req_8Ab3xYz", "idempotency_key": "dep_1"},
  "type": %q
}`, id, stripe.APIVersion, object, typ))
}

// sign is what Stripe puts in Stripe-Signature.
func sign(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

func TestWebhook_Parse_MapsEveryTypeSouqApplies(t *testing.T) {
	t.Parallel()
	w := Webhook{Secrets: []string{secretNew}}
	for _, tc := range []struct {
		typ, object string
		want        Event
	}{
		{EventCheckoutCompleted, `{
			"id": "cs_test_a1B2", "object": "checkout.session", "mode": "payment", "status": "complete", "payment_status": "paid",
			"amount_total": 5000, "amount_subtotal": 5000, "currency": "eur", "customer": "cus_Pq1", "client_reference_id": "dep_2",
			"payment_intent": "pi_3Pq1", "setup_intent": null, "url": null, "metadata": {"souq_ref": "dep_2", "souq_owner": "advertiser:adv_1"},
			"success_url": "https://souq.example/ok", "cancel_url": "https://souq.example/cancel", "livemode": false}`,
			Event{Checkout: &Session{ID: "cs_test_a1B2", Mode: ModePayment, Status: "complete", PaymentStatus: "paid", Customer: "cus_Pq1",
				PaymentIntent: "pi_3Pq1", Amount: money.Amount{Minor: 5000, Currency: "EUR"},
				Metadata: map[string]string{"souq_ref": "dep_2", "souq_owner": "advertiser:adv_1"}}}},
		{EventCheckoutExpired, `{
			"id": "cs_test_x9", "object": "checkout.session", "mode": "setup", "status": "expired", "payment_status": "unpaid",
			"amount_total": null, "currency": "usd", "customer": {"id": "cus_Pq2", "object": "customer"},
			"payment_intent": null, "setup_intent": {"id": "seti_1X", "object": "setup_intent", "status": "canceled", "payment_method": null},
			"url": null, "metadata": {"souq_ref": "setup_1"}}`,
			Event{Checkout: &Session{ID: "cs_test_x9", Mode: ModeSetup, Status: "expired", PaymentStatus: "unpaid", Customer: "cus_Pq2",
				SetupIntent: "seti_1X", Amount: money.Amount{Currency: "USD"}, Metadata: map[string]string{"souq_ref": "setup_1"}}}},
		{EventPaymentSucceeded, `{
			"id": "pi_3Ok", "object": "payment_intent", "amount": 2500, "amount_received": 2500, "currency": "usd", "status": "succeeded",
			"customer": "cus_Pq1", "latest_charge": "ch_3Ok", "payment_method": "pm_1Ok", "last_payment_error": null,
			"metadata": {"souq_charge_id": "dep_1"}, "capture_method": "automatic", "confirmation_method": "automatic", "livemode": false}`,
			Event{Payment: &PaymentEvent{ID: "pi_3Ok", Status: "succeeded", Amount: 2500, Currency: "USD", Customer: "cus_Pq1",
				ChargeID: "ch_3Ok", PaymentMethod: "pm_1Ok", Metadata: map[string]string{"souq_charge_id": "dep_1"}}}},
		{EventPaymentFailed, `{
			"id": "pi_3Poor", "object": "payment_intent", "amount": 2500, "currency": "gbp", "status": "requires_payment_method",
			"customer": "cus_Pq1", "latest_charge": "ch_3Poor", "payment_method": null,
			"last_payment_error": {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
				"message": "Your card has insufficient funds.", "charge": "ch_3Poor",
				"payment_method": {"id": "pm_1Poor", "object": "payment_method", "type": "card", "card": {"brand": "visa", "last4": "9995"}}},
			"metadata": {"souq_charge_id": "dep_3"}}`,
			Event{Payment: &PaymentEvent{ID: "pi_3Poor", Status: "requires_payment_method", Amount: 2500, Currency: "GBP", Customer: "cus_Pq1",
				ChargeID: "ch_3Poor", PaymentMethod: "pm_1Poor", Card: CardSummary{Brand: "visa", Last4: "9995"},
				Decline: "insufficient_funds", DeclineMessage: "Your card has insufficient funds.", Metadata: map[string]string{"souq_charge_id": "dep_3"}}}},
		{EventPaymentRequiresAction, `{
			"id": "pi_3Auth", "object": "payment_intent", "amount": 900, "currency": "usd", "status": "requires_action",
			"customer": "cus_Pq1", "latest_charge": null,
			"payment_method": {"id": "pm_1Auth", "object": "payment_method", "type": "card", "card": {"brand": "visa", "last4": "3155"}},
			"last_payment_error": {"type": "card_error", "code": "authentication_required", "message": "This transaction requires authentication."},
			"next_action": {"type": "use_stripe_sdk"}, "metadata": {}}`,
			Event{Payment: &PaymentEvent{ID: "pi_3Auth", Status: "requires_action", Amount: 900, Currency: "USD", Customer: "cus_Pq1",
				PaymentMethod: "pm_1Auth", Card: CardSummary{Brand: "visa", Last4: "3155"},
				Decline: "authentication_required", DeclineMessage: "This transaction requires authentication.", Metadata: map[string]string{}}}},
		{EventSetupSucceeded, `{
			"id": "seti_1Ok", "object": "setup_intent", "status": "succeeded", "customer": "cus_Pq2", "payment_method": "pm_1Set",
			"usage": "off_session", "metadata": {"souq_ref": "setup_1"}, "last_setup_error": null}`,
			Event{Setup: &SetupEvent{ID: "seti_1Ok", Status: "succeeded", Customer: "cus_Pq2", PaymentMethod: "pm_1Set",
				Metadata: map[string]string{"souq_ref": "setup_1"}}}},
		{EventChargeRefunded, `{
			"id": "ch_3Ok", "object": "charge", "amount": 2500, "amount_captured": 2500, "amount_refunded": 1000, "currency": "usd",
			"payment_intent": "pi_3Ok", "refunded": false, "status": "succeeded", "paid": true, "captured": true,
			"refunds": {"object": "list", "has_more": false, "url": "/v1/charges/ch_3Ok/refunds", "data": [
				{"id": "re_3A", "object": "refund", "amount": 600, "status": "succeeded", "charge": "ch_3Ok", "payment_intent": "pi_3Ok",
					"currency": "usd", "metadata": {"souq_refund_id": "rfd_1-0"}},
				{"id": "re_3B", "object": "refund", "amount": 400, "status": "pending", "charge": "ch_3Ok", "payment_intent": "pi_3Ok",
					"currency": "usd", "metadata": {}}]}}`,
			Event{Charge: &ChargeEvent{ID: "ch_3Ok", PaymentIntent: "pi_3Ok", Amount: 2500, AmountRefunded: 1000, Currency: "USD",
				Refunds: []RefundEvent{
					{ID: "re_3A", Status: "succeeded", Amount: 600, PaymentIntent: "pi_3Ok", ChargeID: "ch_3Ok", Metadata: map[string]string{"souq_refund_id": "rfd_1-0"}},
					{ID: "re_3B", Status: "pending", Amount: 400, PaymentIntent: "pi_3Ok", ChargeID: "ch_3Ok", Metadata: map[string]string{}},
				}}}},
		{EventRefundUpdated, `{
			"id": "re_3A", "object": "refund", "amount": 600, "status": "failed", "failure_reason": "expired_or_canceled_card",
			"charge": "ch_3Ok", "payment_intent": "pi_3Ok", "currency": "usd", "metadata": {"souq_refund_id": "rfd_1-0"}}`,
			Event{Refund: &RefundEvent{ID: "re_3A", Status: "failed", Amount: 600, PaymentIntent: "pi_3Ok", ChargeID: "ch_3Ok",
				Metadata: map[string]string{"souq_refund_id": "rfd_1-0"}}}},
		{EventChargeRefundUpdated, `{
			"id": "re_3B", "object": "refund", "amount": 400, "status": "succeeded",
			"charge": {"id": "ch_3Ok", "object": "charge"}, "payment_intent": {"id": "pi_3Ok", "object": "payment_intent"},
			"currency": "usd", "metadata": {}}`,
			Event{Refund: &RefundEvent{ID: "re_3B", Status: "succeeded", Amount: 400, PaymentIntent: "pi_3Ok", ChargeID: "ch_3Ok", Metadata: map[string]string{}}}},
		{EventDisputeCreated, `{
			"id": "du_1Dis", "object": "dispute", "amount": 2500, "currency": "usd", "charge": "ch_3Ok", "payment_intent": "pi_3Ok",
			"status": "needs_response", "reason": "fraudulent", "is_charge_refundable": false, "metadata": {},
			"evidence_details": {"due_by": 1768435200, "has_evidence": false, "past_due": false, "submission_count": 0}}`,
			Event{Dispute: &DisputeEvent{ID: "du_1Dis", ChargeID: "ch_3Ok", PaymentIntent: "pi_3Ok", Amount: 2500, Currency: "USD",
				Status: "needs_response", Reason: "fraudulent"}}},
		{EventDisputeClosed, `{
			"id": "du_1Dis", "object": "dispute", "amount": 2500, "currency": "usd", "charge": "ch_3Ok", "payment_intent": "pi_3Ok",
			"status": "won", "reason": "fraudulent", "metadata": {}}`,
			Event{Dispute: &DisputeEvent{ID: "du_1Dis", ChargeID: "ch_3Ok", PaymentIntent: "pi_3Ok", Amount: 2500, Currency: "USD",
				Status: DisputeWon, Reason: "fraudulent"}}},
		{EventAccountUpdated, `{
			"id": "acct_1Pay", "object": "account", "type": "express", "country": "FR", "charges_enabled": false,
			"payouts_enabled": false, "details_submitted": true, "metadata": {"souq_payee": "user:usr_1"},
			"requirements": {"currently_due": ["external_account"], "eventually_due": ["external_account"],
				"past_due": ["external_account", "individual.verification.document"], "pending_verification": [],
				"disabled_reason": "requirements.past_due", "errors": []}}`,
			Event{Account: &ConnectAccount{ID: "acct_1Pay", DetailsSubmitted: true, Payee: "user:usr_1", DisabledReason: "requirements.past_due",
				Requirements: []string{"external_account", "individual.verification.document"}}}},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			t.Parallel()
			payload := stripeEvent("evt_1"+strings.ReplaceAll(tc.typ, ".", ""), tc.typ, tc.object)
			got, err := w.Parse(payload, sign(payload, secretNew, time.Now()))
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.ID, want.Type, want.Created = "evt_1"+strings.ReplaceAll(tc.typ, ".", ""), tc.typ, 1767225600
			want.ObjectID = objectID(want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("event\n %s\nwant\n %s", show(got), show(want))
			}
		})
	}
}

// objectID is the id of the one object an expected event carries.
func objectID(e Event) string {
	switch {
	case e.Checkout != nil:
		return e.Checkout.ID
	case e.Payment != nil:
		return e.Payment.ID
	case e.Setup != nil:
		return e.Setup.ID
	case e.Charge != nil:
		return e.Charge.ID
	case e.Refund != nil:
		return e.Refund.ID
	case e.Dispute != nil:
		return e.Dispute.ID
	case e.Account != nil:
		return e.Account.ID
	}
	return ""
}

func show(e Event) string {
	s := fmt.Sprintf("%+v", e)
	for _, p := range []any{e.Checkout, e.Payment, e.Setup, e.Charge, e.Refund, e.Dispute, e.Account} {
		if !reflect.ValueOf(p).IsNil() {
			s += fmt.Sprintf(" → %+v", p)
		}
	}
	return s
}

func TestWebhook_Parse_AnUnknownTypeSetsNoObject(t *testing.T) {
	t.Parallel()
	payload := stripeEvent("evt_1Cust", "customer.updated", `{"id": "cus_Pq1", "object": "customer", "name": "Acme", "metadata": {}}`)
	got, err := Webhook{Secrets: []string{secretNew}}.Parse(payload, sign(payload, secretNew, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Event{ID: "evt_1Cust", Type: "customer.updated", Created: 1767225600, ObjectID: "cus_Pq1"}); !reflect.DeepEqual(got, want) {
		t.Fatalf("event %s", show(got))
	}
}

// While a secret is rolled, Stripe signs with the new one (and, for the
// overlap, the old one too); Souq holds both and accepts either.
func TestWebhook_Parse_EitherSecretVerifiesDuringARotation(t *testing.T) {
	t.Parallel()
	w := Webhook{Secrets: []string{secretOld, secretNew}}
	payload := stripeEvent("evt_1Rot", EventSetupSucceeded, `{"id": "seti_1", "object": "setup_intent", "status": "succeeded"}`)
	for _, secret := range []string{secretOld, secretNew} {
		if _, err := w.Parse(payload, sign(payload, secret, time.Now())); err != nil {
			t.Fatalf("signed with the %s secret: %v", secret[:9], err)
		}
	}
}

func TestWebhook_Parse_RefusesWhatDoesNotVerify(t *testing.T) {
	t.Parallel()
	w := Webhook{Secrets: []string{secretOld, secretNew}}
	payload := stripeEvent("evt_1Bad", EventPaymentSucceeded, `{"id": "pi_3Ok", "object": "payment_intent", "amount": 2500, "currency": "usd", "status": "succeeded"}`)
	now := time.Now()
	forged := sign(payload, secretNew, now)
	forged = forged[:len(forged)-4] + "beef"
	tampered := append([]byte(nil), payload...)
	tampered = []byte(strings.Replace(string(tampered), `"amount": 2500`, `"amount": 9999`, 1))
	for _, tc := range []struct {
		name, header string
		payload      []byte
		says         string // part of the message
	}{
		{"a missing header", "", payload, "no Stripe-Signature"},
		{"a forged signature", forged, payload, "no valid signature"},
		{"a wrong secret", sign(payload, "whsec_someoneElsesEndpointSecret00", now), payload, "no valid signature"},
		{"a tampered body", sign(payload, secretNew, now), tampered, "no valid signature"},
		{"a signature 10 minutes old", sign(payload, secretNew, now.Add(-10*time.Minute)), payload, "too old"},
		{"a header without a v1 signature", fmt.Sprintf("t=%d", now.Unix()), payload, "no valid signature"},
		{"a malformed header", "t=soon,v1", payload, "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := w.Parse(tc.payload, tc.header)
			fe, ok := fault.As(err)
			if !ok || fe.Kind != fault.Invalid {
				t.Fatalf("error %v, want fault.Invalid", err)
			}
			if !strings.Contains(fe.Message, tc.says) {
				t.Errorf("message %q does not say %q", fe.Message, tc.says)
			}
			for _, s := range w.Secrets {
				if strings.Contains(err.Error(), s) || strings.Contains(err.Error(), strings.TrimPrefix(s, "whsec_")) {
					t.Fatalf("the error names a secret: %v", err)
				}
			}
		})
	}
}

func TestWebhook_Parse_ToleranceIsConfigurable(t *testing.T) {
	t.Parallel()
	payload := stripeEvent("evt_1Tol", "customer.updated", `{"id": "cus_1", "object": "customer"}`)
	header := sign(payload, secretNew, time.Now().Add(-2*time.Minute))
	if _, err := (Webhook{Secrets: []string{secretNew}}).Parse(payload, header); err != nil {
		t.Fatalf("2 minutes old, default tolerance: %v", err)
	}
	if _, err := (Webhook{Secrets: []string{secretNew}, Tolerance: time.Minute}).Parse(payload, header); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("2 minutes old, 1 minute tolerance: %v", err)
	}
}

// An authentic event Souq cannot read is Souq's fault (its endpoint's API
// version, its configuration), not the sender's: internal, so Stripe
// retries it once that is fixed.
func TestWebhook_Parse_AVerifiedEventOfAnotherAPIVersionIsInternal(t *testing.T) {
	t.Parallel()
	payload := []byte(strings.Replace(string(stripeEvent("evt_1Old", EventPaymentSucceeded, `{"id": "pi_1", "object": "payment_intent"}`)),
		stripe.APIVersion, "2020-08-27", 1))
	_, err := Webhook{Secrets: []string{secretNew}}.Parse(payload, sign(payload, secretNew, time.Now()))
	if err == nil || fault.KindOf(err) != fault.Internal {
		t.Fatalf("error %v, want an internal one", err)
	}
}

func TestWebhook_Parse_WithoutSecretsVerifiesNothing(t *testing.T) {
	t.Parallel()
	payload := stripeEvent("evt_1None", "customer.updated", `{"id": "cus_1", "object": "customer"}`)
	for _, secrets := range [][]string{nil, {""}} {
		// Signed with an empty key, which anyone can do.
		_, err := Webhook{Secrets: secrets}.Parse(payload, sign(payload, "", time.Now()))
		if err == nil || fault.KindOf(err) != fault.Internal {
			t.Fatalf("secrets %q: error %v, want an internal one", secrets, err)
		}
	}
}

func TestWebhookSecrets(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value string
		want  []string
		bad   bool
	}{
		{secretNew, []string{secretNew}, false},
		{secretOld + "\n" + secretNew + "\n", []string{secretOld, secretNew}, false},
		{secretOld + "\r\n" + secretNew, []string{secretOld, secretNew}, false},
		{" " + secretOld + " , " + secretNew, []string{secretOld, secretNew}, false},
		{"", nil, false},
		{"\n \n", nil, false},
		{secretOld + "\nsk_live_notasigningsecret", nil, true},
	} {
		got, err := WebhookSecrets(tc.value)
		if (err != nil) != tc.bad || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %q, %v", tc.value, got, err)
		}
		if err != nil && strings.Contains(err.Error(), "sk_live") {
			t.Errorf("the error echoes the value: %v", err)
		}
	}
}

// Whatever arrives, Parse neither panics nor accepts what the secret did
// not sign.
func FuzzWebhook_Parse(f *testing.F) {
	signed := stripeEvent("evt_1F", EventChargeRefunded, `{"id": "ch_1", "object": "charge", "amount": 100, "currency": "usd"}`)
	f.Add(signed, sign(signed, secretNew, time.Now()))
	f.Add([]byte(`{"object":"event"}`), "t=1,v1=00")
	f.Add([]byte(``), "")
	f.Add(signed, "t=,v1=,v0=zz")
	w := Webhook{Secrets: []string{secretNew}}
	f.Fuzz(func(t *testing.T, payload []byte, header string) {
		if _, err := w.Parse(payload, header); err == nil && !signedBy(payload, header, secretNew) {
			t.Fatalf("accepted %q signed %q", payload, header)
		}
	})
}

// signedBy says whether one of header's v1 signatures is secret's over
// payload at header's t=.
func signedBy(payload []byte, header, secret string) bool {
	var ts int64
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			_, _ = fmt.Sscan(v, &ts)
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	want := webhook.ComputeSignature(time.Unix(ts, 0), payload, secret)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return true
		}
	}
	return false
}
