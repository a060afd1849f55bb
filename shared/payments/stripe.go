package payments

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v83"
)

// Stripe is the Gateway (and so the Rail) on Stripe: deposits are
// PaymentIntents on the payer's saved card or Checkout Sessions
// (stripe_gateway.go); payouts are Connect transfers. Each call that
// creates something carries Souq's business id as Stripe's
// Idempotency-Key.
type Stripe struct {
	client *stripe.Client
	// fixtureStatus is true against stripe-mock, which validates requests
	// against Stripe's OpenAPI spec but answers fixtures: its
	// PaymentIntents never reach "succeeded", so ChargeSaved takes the
	// request's acceptance as the outcome instead of their status.
	fixtureStatus bool
}

// StripeConfig configures the Stripe gateway.
type StripeConfig struct {
	SecretKey string
	// BaseURL points at stripe-mock or the local Stripe stand-in; empty
	// is Stripe itself.
	BaseURL string
	// StripeMock says BaseURL is stripe-mock (see Stripe.fixtureStatus).
	StripeMock bool
}

// NewStripe builds the gateway.
func NewStripe(cfg StripeConfig) *Stripe {
	retries := int64(2)
	bc := &stripe.BackendConfig{
		HTTPClient:        &http.Client{Timeout: 15 * time.Second},
		MaxNetworkRetries: &retries,
		EnableTelemetry:   stripe.Bool(false),
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelError},
	}
	if cfg.BaseURL != "" {
		bc.URL = stripe.String(cfg.BaseURL)
	}
	return &Stripe{
		client:        stripe.NewClient(cfg.SecretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(bc))),
		fixtureStatus: cfg.StripeMock,
	}
}

var _ Rail = (*Stripe)(nil)

// Payout makes a Connect transfer to the destination account. It first
// looks for a transfer already made for this payout (its transfer group is
// the payout id), so that a retry after Stripe's 24-hour idempotency window
// still pays once; then creates one with the payout id as Stripe's
// Idempotency-Key, so that concurrent or quick retries are one transfer too.
func (s *Stripe) Payout(ctx context.Context, t Transfer) (Receipt, error) {
	const op = "payments.Stripe.Payout"
	list := &stripe.TransferListParams{TransferGroup: stripe.String(t.ID), Destination: stripe.String(t.Destination)}
	list.Limit = stripe.Int64(3)
	for tr, err := range s.client.V1Transfers.List(ctx, list) {
		if err != nil {
			return Receipt{}, classify(op, err)
		}
		// stripe-mock answers fixtures whatever the filter: only a
		// transfer of this group counts.
		if tr.TransferGroup == t.ID {
			return Receipt{Reference: tr.ID}, nil
		}
	}
	params := &stripe.TransferCreateParams{
		Amount:        stripe.Int64(t.Amount.Minor),
		Currency:      stripe.String(strings.ToLower(t.Amount.Currency)),
		Destination:   stripe.String(t.Destination),
		TransferGroup: stripe.String(t.ID),
	}
	params.Metadata = map[string]string{"souq_payout_id": t.ID}
	for k, v := range t.Metadata {
		params.Metadata[k] = v
	}
	params.SetIdempotencyKey(t.ID)
	tr, err := s.client.V1Transfers.Create(ctx, params)
	if err != nil {
		return Receipt{}, classify(op, err)
	}
	return Receipt{Reference: tr.ID}, nil
}

// classify is what a Stripe error means for Souq, for every call the
// gateway makes:
//   - Stripe refused Souq's credentials (401, 403): an operator's problem,
//     not the customer's card; a plain (internal) error. Nothing moved.
//   - Stripe's own trouble (5xx), a rate limit (429), a conflicting request
//     still in flight under the same idempotency key (409), or no answer
//     at all (network, timeout): the outcome is unknown (Unknown,
//     fault.Unavailable), and the same call with the same key is safe.
//   - a card refusal (card_error): definite (Declined, fault.UpstreamFailed),
//     with Stripe's message, which Stripe writes for the card holder.
//   - any other refusal (an invalid request, an account that cannot
//     receive, a key reused with other parameters): definite too, and
//     retrying will not help. Stripe's message there is for developers, so
//     the client sees its code only; the message stays in the cause, for
//     the logs.
func classify(op string, err error) error {
	var se *stripe.Error
	if !errors.As(err, &se) {
		return Unknown(op, err)
	}
	cause := loggable(se)
	switch {
	case se.HTTPStatusCode == http.StatusUnauthorized || se.HTTPStatusCode == http.StatusForbidden:
		return fmt.Errorf("%s: Stripe refused Souq's credentials: %w", op, cause)
	case se.HTTPStatusCode >= 500 || se.HTTPStatusCode == http.StatusTooManyRequests ||
		se.HTTPStatusCode == http.StatusConflict || se.HTTPStatusCode == 0:
		return Unknown(op, cause)
	case se.Type == stripe.ErrorTypeCard:
		return refused(op, se.Msg, cause)
	}
	reason := "Stripe refused the request"
	if se.Code != "" {
		reason += " (" + string(se.Code) + ")"
	}
	return refused(op, reason, cause)
}

// loggable is a Stripe error as a log line may show it: its text is the
// whole error as JSON, so the client secrets of the intents it carries are
// taken out.
func loggable(se *stripe.Error) *stripe.Error {
	c := *se
	if c.PaymentIntent != nil {
		pi := *c.PaymentIntent
		pi.ClientSecret = ""
		c.PaymentIntent = &pi
	}
	if c.SetupIntent != nil {
		si := *c.SetupIntent
		si.ClientSecret = ""
		c.SetupIntent = &si
	}
	return &c
}
