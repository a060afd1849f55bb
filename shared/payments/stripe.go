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

// Stripe is the Rail on Stripe: a PaymentIntent created and confirmed in
// one call, with the charge id as Stripe's Idempotency-Key.
type Stripe struct {
	client *stripe.Client
	// PaymentMethod confirms the intent: a saved card in production; the
	// test card pm_card_visa in test mode.
	paymentMethod string
	// fixtureStatus is true against stripe-mock, which validates requests
	// against Stripe's OpenAPI spec but answers fixtures: its
	// PaymentIntents never reach "succeeded", so their status says nothing.
	fixtureStatus bool
}

// StripeConfig configures the Stripe rail.
type StripeConfig struct {
	SecretKey     string
	PaymentMethod string
	// BaseURL points at stripe-mock locally; empty is Stripe itself.
	BaseURL string
	// StripeMock says BaseURL is stripe-mock (see Stripe.fixtureStatus).
	StripeMock bool
}

// NewStripe builds the rail.
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
	pm := cfg.PaymentMethod
	if pm == "" {
		pm = "pm_card_visa"
	}
	return &Stripe{
		client:        stripe.NewClient(cfg.SecretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(bc))),
		paymentMethod: pm, fixtureStatus: cfg.StripeMock,
	}
}

var _ Rail = (*Stripe)(nil)

// Charge creates and confirms a PaymentIntent.
func (s *Stripe) Charge(ctx context.Context, c Charge) (Receipt, error) {
	const op = "payments.Stripe.Charge"
	params := &stripe.PaymentIntentCreateParams{
		Amount:        stripe.Int64(c.Amount.Minor),
		Currency:      stripe.String(strings.ToLower(c.Amount.Currency)),
		Confirm:       stripe.Bool(true),
		PaymentMethod: stripe.String(s.paymentMethod),
		Description:   stripe.String(c.Description),
		AutomaticPaymentMethods: &stripe.PaymentIntentCreateAutomaticPaymentMethodsParams{
			Enabled: stripe.Bool(true), AllowRedirects: stripe.String("never"),
		},
	}
	params.Metadata = map[string]string{"souq_charge_id": c.ID}
	for k, v := range c.Metadata {
		params.Metadata[k] = v
	}
	params.SetIdempotencyKey(c.ID)
	pi, err := s.client.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		var se *stripe.Error
		if errors.As(err, &se) {
			switch {
			case se.HTTPStatusCode == http.StatusUnauthorized || se.HTTPStatusCode == http.StatusForbidden:
				// Our key is wrong or revoked: an operator's problem, not the
				// customer's card. Nothing was charged.
				return Receipt{}, fmt.Errorf("%s: Stripe refused Souq's credentials: %w", op, err)
			case se.Type == stripe.ErrorTypeCard:
				return Receipt{}, Declined(op, se.Msg)
			case se.HTTPStatusCode >= 500 || se.HTTPStatusCode == http.StatusTooManyRequests || se.HTTPStatusCode == 0:
				return Receipt{}, Unknown(op, err)
			}
			// An invalid request is our bug or a closed account: nothing
			// was charged, and retrying will not help.
			return Receipt{}, Declined(op, "the payment provider refused the request")
		}
		return Receipt{}, Unknown(op, err)
	}
	if s.fixtureStatus {
		return Receipt{Reference: pi.ID}, nil
	}
	switch pi.Status {
	case stripe.PaymentIntentStatusSucceeded:
		return Receipt{Reference: pi.ID}, nil
	case stripe.PaymentIntentStatusProcessing:
		return Receipt{}, Unknown(op, errors.New("payment still processing"))
	}
	return Receipt{}, Declined(op, "the payment was not completed ("+string(pi.Status)+")")
}

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
			return Receipt{}, s.classify(op, err)
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
		return Receipt{}, s.classify(op, err)
	}
	return Receipt{Reference: tr.ID}, nil
}

// classify maps a Stripe error on a transfer: our credentials are an
// operator's problem; the rail's own trouble is an unknown outcome; any
// other refusal (an account that cannot receive, an invalid request) is
// definite, and nothing moved.
func (s *Stripe) classify(op string, err error) error {
	var se *stripe.Error
	if !errors.As(err, &se) {
		return Unknown(op, err)
	}
	switch {
	case se.HTTPStatusCode == http.StatusUnauthorized || se.HTTPStatusCode == http.StatusForbidden:
		return fmt.Errorf("%s: Stripe refused Souq's credentials: %w", op, err)
	case se.HTTPStatusCode >= 500 || se.HTTPStatusCode == http.StatusTooManyRequests || se.HTTPStatusCode == 0:
		return Unknown(op, err)
	}
	return Declined(op, se.Msg)
}
