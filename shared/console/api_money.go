package console

import (
	"context"
	"net/http"
	"net/url"
)

// The typed calls of money in (DESIGN §15: deposits, cards, auto-recharge,
// refunds, receipts) and of setting up payouts. kind is "advertisers" or
// "communities".

func (c *Caller) Deposit(ctx context.Context, kind, id string, in DepositRequest, idemKey string) (Deposit, error) {
	return send[Deposit](ctx, c, http.MethodPost, "/v1/"+kind+"/"+p(id)+"/deposits", in, idemKey)
}

// Deposits are the account's paid deposits, newest first: its receipts.
func (c *Caller) Deposits(ctx context.Context, kind, id string, limit int) (List[Deposit], error) {
	return get[List[Deposit]](ctx, c, "/v1/"+kind+"/"+p(id)+"/deposits", url.Values{"limit": {itoa(limit)}})
}

// GetDeposit reads a deposit; the API asks Stripe about one still
// pending, so a person back from Checkout sees it credited.
func (c *Caller) GetDeposit(ctx context.Context, id string) (Deposit, error) {
	return get[Deposit](ctx, c, "/v1/deposits/"+p(id), nil)
}

// Receipt is a paid deposit's printable receipt, as the API writes it
// (HTML).
func (c *Caller) Receipt(ctx context.Context, id string) ([]byte, error) {
	var out []byte
	err := c.callAccept(ctx, "text/html", http.MethodGet, "/v1/deposits/"+p(id)+"/receipt", nil, &out)
	return out, err
}

func (c *Caller) Cards(ctx context.Context, kind, id string) (List[SavedCard], error) {
	return get[List[SavedCard]](ctx, c, "/v1/"+kind+"/"+p(id)+"/payment-methods", nil)
}

// AddCard starts Stripe's page where the person saves a card.
func (c *Caller) AddCard(ctx context.Context, kind, id, idemKey string) (CardSetup, error) {
	return send[CardSetup](ctx, c, http.MethodPost, "/v1/"+kind+"/"+p(id)+"/payment-methods", EmptyRequest{}, idemKey)
}

func (c *Caller) MakeDefaultCard(ctx context.Context, pmID string) error {
	return c.call(ctx, http.MethodPost, "/v1/payment-methods/"+p(pmID)+"/default", nil, EmptyRequest{}, "", nil)
}

func (c *Caller) RemoveCard(ctx context.Context, pmID string) error {
	return c.call(ctx, http.MethodDelete, "/v1/payment-methods/"+p(pmID), nil, nil, "", nil)
}

// UpdateAdvertiser sets an advertiser's auto-recharge and low-balance
// alert.
func (c *Caller) UpdateAdvertiser(ctx context.Context, id string, in UpdateAdvertiserRequest) (Advertiser, error) {
	return send[Advertiser](ctx, c, http.MethodPatch, "/v1/advertisers/"+p(id), in, "")
}

func (c *Caller) Refund(ctx context.Context, kind, id string, in AmountRequest, idemKey string) (Refund, error) {
	return send[Refund](ctx, c, http.MethodPost, "/v1/"+kind+"/"+p(id)+"/refunds", in, idemKey)
}

func (c *Caller) GetRefund(ctx context.Context, id string) (Refund, error) {
	return get[Refund](ctx, c, "/v1/refunds/"+p(id), nil)
}

func (c *Caller) PayoutAccount(ctx context.Context) (PayoutAccount, error) {
	return get[PayoutAccount](ctx, c, "/v1/me/payout-account", nil)
}

// SetUpPayouts makes the person's Stripe account (once) and a fresh link
// to its onboarding.
func (c *Caller) SetUpPayouts(ctx context.Context) (PayoutOnboarding, error) {
	return send[PayoutOnboarding](ctx, c, http.MethodPost, "/v1/me/payout-account", EmptyRequest{}, "")
}

func (c *Caller) PayoutDashboard(ctx context.Context) (PayoutDashboard, error) {
	return send[PayoutDashboard](ctx, c, http.MethodPost, "/v1/me/payout-account/dashboard", EmptyRequest{}, "")
}
