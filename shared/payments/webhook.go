package payments

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v83"
	"github.com/stripe/stripe-go/v83/webhook"

	"github.com/souqhq/souq/shared/fault"
)

// Webhook verifies and decodes the events Stripe sends Souq's endpoint
// (POST /v1/stripe/events), with stripe-go's webhook package, locally as in
// AWS.
type Webhook struct {
	// Secrets are the endpoint's signing secrets (whsec_…). While a secret
	// is rolled in Stripe's dashboard both the old and the new one are
	// listed, and an event signed with either verifies
	// (docs/operations.md).
	Secrets []string
	// Tolerance is how old a signature may be; 0 is
	// webhook.DefaultTolerance (5 minutes). Older ones are refused, so that
	// a captured request cannot be replayed later.
	Tolerance time.Duration
}

// Parse verifies payload, the request's raw body, against header, its
// Stripe-Signature, and decodes it.
//
// A request that does not verify (no signature, a malformed one, none
// made with any of the secrets, too old) is fault.Invalid: it changes
// nothing. A request that verifies but cannot be read (an event of another
// API version than stripe-go's, which keeps the version check on, or an
// object that does not decode) is a plain, internal error: it came from
// Stripe, the fault is Souq's configuration, and Stripe retries it once
// that is fixed. With no secret at all the error is internal too, for the
// same reason.
func (w Webhook) Parse(payload []byte, header string) (Event, error) {
	const op = "payments.Webhook.Parse"
	opts := webhook.ConstructEventOptions{Tolerance: w.Tolerance}
	var (
		ev   stripe.Event
		err  error
		used int
	)
	for _, secret := range w.Secrets {
		if secret == "" {
			continue // anyone can sign with an empty key
		}
		used++
		ev, err = webhook.ConstructEventWithOptions(payload, header, secret, opts)
		if !errors.Is(err, webhook.ErrNoValidSignature) {
			break // verified, or refused whatever the secret
		}
	}
	switch {
	case used == 0:
		return Event{}, fmt.Errorf("%s: the endpoint has no signing secret configured", op)
	case errors.Is(err, webhook.ErrNotSigned):
		return Event{}, fault.New(fault.Invalid, op, "the request has no Stripe-Signature header")
	case errors.Is(err, webhook.ErrInvalidHeader):
		return Event{}, fault.New(fault.Invalid, op, "the Stripe-Signature header is malformed")
	case errors.Is(err, webhook.ErrTooOld):
		return Event{}, fault.New(fault.Invalid, op, "the signature is too old (over "+w.tolerance().String()+")")
	case errors.Is(err, webhook.ErrNoValidSignature):
		return Event{}, fault.New(fault.Invalid, op, "no valid signature: none matches the endpoint's signing secrets")
	case err != nil:
		return Event{}, fmt.Errorf("%s: a signed event Souq cannot read: %w", op, err)
	}
	out := Event{ID: ev.ID, Type: string(ev.Type), Created: ev.Created}
	if ev.Data == nil {
		return out, nil
	}
	if id, ok := ev.Data.Object["id"].(string); ok {
		out.ObjectID = id
	}
	if err := decodeObject(&out, ev.Data.Raw); err != nil {
		return Event{}, fmt.Errorf("%s: event %s (%s): %w", op, ev.ID, ev.Type, err)
	}
	return out, nil
}

func (w Webhook) tolerance() time.Duration {
	if w.Tolerance == 0 {
		return webhook.DefaultTolerance
	}
	return w.Tolerance
}

// decodeObject sets the one field of e that its type maps to; unknown
// types set none.
func decodeObject(e *Event, raw json.RawMessage) error {
	switch e.Type {
	case EventCheckoutCompleted, EventCheckoutExpired:
		var cs stripe.CheckoutSession
		if err := json.Unmarshal(raw, &cs); err != nil {
			return err
		}
		s := sessionOf(&cs)
		e.Checkout = &s
	case EventPaymentSucceeded, EventPaymentFailed, EventPaymentRequiresAction:
		var pi stripe.PaymentIntent
		if err := json.Unmarshal(raw, &pi); err != nil {
			return err
		}
		e.Payment = paymentEventOf(&pi)
	case EventSetupSucceeded:
		var si stripe.SetupIntent
		if err := json.Unmarshal(raw, &si); err != nil {
			return err
		}
		e.Setup = &SetupEvent{ID: si.ID, Status: string(si.Status), Customer: customerID(si.Customer),
			PaymentMethod: paymentMethodID(si.PaymentMethod), Metadata: si.Metadata}
	case EventChargeRefunded:
		var ch stripe.Charge
		if err := json.Unmarshal(raw, &ch); err != nil {
			return err
		}
		c := &ChargeEvent{ID: ch.ID, PaymentIntent: paymentIntentID(ch.PaymentIntent), Amount: ch.Amount,
			AmountRefunded: ch.AmountRefunded, Currency: strings.ToUpper(string(ch.Currency))}
		if ch.Refunds != nil {
			for _, r := range ch.Refunds.Data {
				c.Refunds = append(c.Refunds, refundEventOf(r))
			}
		}
		e.Charge = c
	case EventRefundUpdated, EventChargeRefundUpdated:
		var r stripe.Refund
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		re := refundEventOf(&r)
		e.Refund = &re
	case EventDisputeCreated, EventDisputeClosed:
		var d stripe.Dispute
		if err := json.Unmarshal(raw, &d); err != nil {
			return err
		}
		e.Dispute = &DisputeEvent{ID: d.ID, ChargeID: chargeID(d.Charge), PaymentIntent: paymentIntentID(d.PaymentIntent),
			Amount: d.Amount, Currency: strings.ToUpper(string(d.Currency)), Status: string(d.Status), Reason: string(d.Reason)}
	case EventAccountUpdated:
		var a stripe.Account
		if err := json.Unmarshal(raw, &a); err != nil {
			return err
		}
		ca := connectAccountOf(&a)
		e.Account = &ca
	}
	return nil
}

func paymentEventOf(pi *stripe.PaymentIntent) *PaymentEvent {
	p := &PaymentEvent{
		ID: pi.ID, Status: string(pi.Status), Amount: pi.Amount, Currency: strings.ToUpper(string(pi.Currency)),
		Customer: customerID(pi.Customer), ChargeID: chargeID(pi.LatestCharge),
		PaymentMethod: paymentMethodID(pi.PaymentMethod), Card: cardSummary(pi.PaymentMethod), Metadata: pi.Metadata,
	}
	if lpe := pi.LastPaymentError; lpe != nil {
		p.Decline, p.DeclineMessage = declineOf(lpe)
		// An event's intent names its card by id; a failed attempt's error
		// carries the card itself.
		if p.Card == (CardSummary{}) {
			p.Card = cardSummary(lpe.PaymentMethod)
		}
		if p.PaymentMethod == "" {
			p.PaymentMethod = paymentMethodID(lpe.PaymentMethod)
		}
	}
	return p
}

func refundEventOf(r *stripe.Refund) RefundEvent {
	return RefundEvent{ID: r.ID, Status: string(r.Status), Amount: r.Amount,
		PaymentIntent: paymentIntentID(r.PaymentIntent), ChargeID: chargeID(r.Charge), Metadata: r.Metadata}
}

// WebhookSecrets reads the value of the secret that holds the endpoint's
// signing secrets: one whsec_… or several (while rotating), separated by
// newlines or commas. An entry that is not a signing secret is an error
// that names its position, never its value.
func WebhookSecrets(value string) ([]string, error) {
	var out []string
	fields := strings.FieldsFunc(value, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' })
	for i, f := range fields {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.HasPrefix(f, "whsec_") {
			return nil, fmt.Errorf("entry %d of the webhook signing secrets is not a Stripe signing secret (whsec_…)", i+1)
		}
		out = append(out, f)
	}
	return out, nil
}
