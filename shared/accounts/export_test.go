package accounts

import (
	"context"

	"github.com/souqhq/souq/shared/payments"
)

// ApplyStripe applies a verified Stripe event (tests reach the effects
// without signing; the signature is tested through POST /v1/stripe/events).
func (s *Service) ApplyStripe(ctx context.Context, ev payments.Event) error { return s.apply(ctx, ev) }

// WatchBalance runs an advertiser's alert and auto-recharge now.
func (s *Service) WatchBalance(ctx context.Context, advertiserID, currency string) error {
	p, err := s.payerByKey(ctx, PayerAdvertiser+":"+advertiserID)
	if err != nil {
		return err
	}
	return s.watchBalance(ctx, p, currency)
}
