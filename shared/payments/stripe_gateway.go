package payments

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stripe/stripe-go/v83"

	"github.com/souqhq/souq/shared/money"
)

// The Gateway on Stripe (DESIGN §15). Each method is one Stripe endpoint,
// and only these, so that the local stand-in can model exactly them:
//
//	CreateCustomer        POST /v1/customers
//	ChargeSaved           POST /v1/payment_intents (off-session, confirmed)
//	CreateCheckout        POST /v1/checkout/sessions
//	GetCheckout           GET  /v1/checkout/sessions/{id}
//	ListCards             GET  /v1/customers/{id}/payment_methods?type=card
//	GetCard               GET  /v1/payment_methods/{id}
//	SetDefaultCard        POST /v1/customers/{id}
//	DetachCard            POST /v1/payment_methods/{id}/detach
//	Refund                POST /v1/refunds
//	CreateConnectAccount  POST /v1/accounts
//	GetConnectAccount     GET  /v1/accounts/{id}
//	OnboardingLink        POST /v1/account_links
//	DashboardLink         POST /v1/accounts/{id}/login_links
//
// Every error goes through classify (stripe.go).

var _ Gateway = (*Stripe)(nil)

// Metadata keys Souq puts on Stripe's objects, by which events and the
// dashboard lead back to Souq's ids.
const (
	metaPayer    = "souq_payer"
	metaPayee    = "souq_payee"
	metaChargeID = "souq_charge_id"
	metaRef      = "souq_ref"
	metaRefundID = "souq_refund_id"
)

// maxCards bounds ListCards: a customer never has this many cards, and a
// listing must end.
const maxCards = 500

// CreateCustomer makes the payer's Customer, once per Customer.Key.
func (s *Stripe) CreateCustomer(ctx context.Context, c Customer) (string, error) {
	const op = "payments.Stripe.CreateCustomer"
	params := &stripe.CustomerCreateParams{Name: stripe.String(c.Name)}
	params.AddMetadata(metaPayer, c.Payer)
	params.SetIdempotencyKey(c.Key)
	cus, err := s.client.V1Customers.Create(ctx, params)
	if err != nil {
		return "", classify(op, err)
	}
	return cus.ID, nil
}

// ChargeSaved confirms an off-session PaymentIntent on a saved card. A card
// refusal is an answer (Payment.Status), not an error.
func (s *Stripe) ChargeSaved(ctx context.Context, c SavedCharge) (Payment, error) {
	const op = "payments.Stripe.ChargeSaved"
	params := &stripe.PaymentIntentCreateParams{
		Amount:        stripe.Int64(c.Amount.Minor),
		Currency:      stripe.String(strings.ToLower(c.Amount.Currency)),
		Customer:      stripe.String(c.Customer),
		PaymentMethod: stripe.String(c.PaymentMethod),
		OffSession:    stripe.Bool(true),
		Confirm:       stripe.Bool(true),
		Description:   stripe.String(c.Description),
		Metadata:      withMeta(c.Metadata, metaChargeID, c.ID),
	}
	params.AddExpand("payment_method")
	params.AddExpand("latest_charge")
	params.SetIdempotencyKey(c.ID)
	pi, err := s.client.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		var se *stripe.Error
		if errors.As(err, &se) && se.Type == stripe.ErrorTypeCard {
			return cardRefusal(se), nil
		}
		return Payment{}, classify(op, err)
	}
	p := Payment{Reference: pi.ID, ChargeID: chargeID(pi.LatestCharge), Card: cardSummary(pi.PaymentMethod)}
	if s.fixtureStatus {
		// stripe-mock's fixture intent never succeeds: its status says
		// nothing (see Stripe.fixtureStatus), so the request's acceptance is
		// the answer.
		p.Status = PaymentSucceeded
		return p, nil
	}
	switch pi.Status {
	case stripe.PaymentIntentStatusSucceeded:
		p.Status = PaymentSucceeded
	case stripe.PaymentIntentStatusProcessing:
		p.Status = PaymentProcessing
	case stripe.PaymentIntentStatusRequiresAction:
		p.Status = PaymentRequiresAction
		p.Decline, p.DeclineMessage = declineOf(pi.LastPaymentError)
	case stripe.PaymentIntentStatusRequiresPaymentMethod:
		p.Decline, p.DeclineMessage = declineOf(pi.LastPaymentError)
		p.Status = PaymentDeclined
		if needsAuthentication(pi.LastPaymentError) {
			p.Status = PaymentRequiresAction
		}
	default:
		// requires_confirmation, requires_capture, canceled: not what a
		// confirmed, automatically captured intent becomes; nothing was
		// collected.
		p.Status = PaymentDeclined
		p.Decline = string(pi.Status)
		p.DeclineMessage = "the payment was not completed (" + string(pi.Status) + ")"
	}
	return p, nil
}

// cardRefusal is a card_error as the payment's outcome: the card needs its
// holder (authentication_required), or it was declined.
func cardRefusal(se *stripe.Error) Payment {
	p := Payment{Status: PaymentDeclined, ChargeID: se.ChargeID, Card: cardSummary(se.PaymentMethod)}
	p.Decline, p.DeclineMessage = declineOf(se)
	if se.PaymentIntent != nil {
		p.Reference = se.PaymentIntent.ID
		if p.ChargeID == "" {
			p.ChargeID = chargeID(se.PaymentIntent.LatestCharge)
		}
	}
	if needsAuthentication(se) {
		p.Status = PaymentRequiresAction
	}
	return p
}

// declineOf is a payment error's decline code (or, without one, its error
// code) and its message.
func declineOf(e *stripe.Error) (code, message string) {
	if e == nil {
		return "", ""
	}
	if e.DeclineCode != "" {
		return string(e.DeclineCode), e.Msg
	}
	return string(e.Code), e.Msg
}

func needsAuthentication(e *stripe.Error) bool {
	return e != nil && (e.Code == stripe.ErrorCodeAuthenticationRequired || e.DeclineCode == stripe.DeclineCodeAuthenticationRequired)
}

// CreateCheckout makes a hosted Checkout Session in payment or setup mode.
func (s *Stripe) CreateCheckout(ctx context.Context, c CheckoutRequest) (Session, error) {
	const op = "payments.Stripe.CreateCheckout"
	meta := withMeta(c.Metadata, metaRef, c.ID)
	params := &stripe.CheckoutSessionCreateParams{
		Mode:               stripe.String(c.Mode),
		Customer:           stripe.String(c.Customer),
		ClientReferenceID:  stripe.String(c.ID),
		SuccessURL:         stripe.String(c.SuccessURL),
		CancelURL:          stripe.String(c.CancelURL),
		Metadata:           meta,
		PaymentMethodTypes: []*string{stripe.String(string(stripe.PaymentMethodTypeCard))},
	}
	switch c.Mode {
	case ModePayment:
		name := c.Description
		if name == "" {
			name = "Deposit"
		}
		params.LineItems = []*stripe.CheckoutSessionCreateLineItemParams{{
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:    stripe.String(strings.ToLower(c.Amount.Currency)),
				UnitAmount:  stripe.Int64(c.Amount.Minor),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(name)},
			},
			Quantity: stripe.Int64(1),
		}}
		// The card is saved on the customer for later off-session
		// deposits, and the intent carries the deposit's id for its events.
		params.PaymentIntentData = &stripe.CheckoutSessionCreatePaymentIntentDataParams{
			SetupFutureUsage: stripe.String(string(stripe.PaymentIntentSetupFutureUsageOffSession)),
			Metadata:         withMeta(meta, metaChargeID, c.ID),
		}
	case ModeSetup:
		if c.Amount.Currency != "" {
			params.Currency = stripe.String(strings.ToLower(c.Amount.Currency))
		}
		params.SetupIntentData = &stripe.CheckoutSessionCreateSetupIntentDataParams{Metadata: meta}
	default:
		return Session{}, fmt.Errorf("%s: unknown checkout mode %q", op, c.Mode)
	}
	params.SetIdempotencyKey(c.ID)
	cs, err := s.client.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return Session{}, classify(op, err)
	}
	return sessionOf(cs), nil
}

// GetCheckout reads a session with its intent and the intent's card.
func (s *Stripe) GetCheckout(ctx context.Context, sessionID string) (Session, error) {
	const op = "payments.Stripe.GetCheckout"
	params := &stripe.CheckoutSessionRetrieveParams{}
	for _, f := range []string{"payment_intent", "payment_intent.payment_method", "setup_intent", "setup_intent.payment_method"} {
		params.AddExpand(f)
	}
	cs, err := s.client.V1CheckoutSessions.Retrieve(ctx, sessionID, params)
	if err != nil {
		return Session{}, classify(op, err)
	}
	return sessionOf(cs), nil
}

// ListCards lists every card of the customer (all pages, up to maxCards).
func (s *Stripe) ListCards(ctx context.Context, customer string) ([]Card, error) {
	const op = "payments.Stripe.ListCards"
	params := &stripe.CustomerListPaymentMethodsParams{
		Customer: stripe.String(customer),
		Type:     stripe.String(string(stripe.PaymentMethodTypeCard)),
	}
	params.Limit = stripe.Int64(100)
	cards := []Card{}
	for pm, err := range s.client.V1Customers.ListPaymentMethods(ctx, params) {
		if err != nil {
			return nil, classify(op, err)
		}
		cards = append(cards, cardOf(pm))
		if len(cards) == maxCards {
			break
		}
	}
	return cards, nil
}

// GetCard reads one card and the customer it belongs to.
func (s *Stripe) GetCard(ctx context.Context, paymentMethodID string) (Card, error) {
	const op = "payments.Stripe.GetCard"
	pm, err := s.client.V1PaymentMethods.Retrieve(ctx, paymentMethodID, nil)
	if err != nil {
		return Card{}, classify(op, err)
	}
	return cardOf(pm), nil
}

// SetDefaultCard sets the customer's invoice_settings.default_payment_method.
func (s *Stripe) SetDefaultCard(ctx context.Context, customer, paymentMethodID string) error {
	const op = "payments.Stripe.SetDefaultCard"
	params := &stripe.CustomerUpdateParams{
		InvoiceSettings: &stripe.CustomerUpdateInvoiceSettingsParams{DefaultPaymentMethod: stripe.String(paymentMethodID)},
	}
	if _, err := s.client.V1Customers.Update(ctx, customer, params); err != nil {
		return classify(op, err)
	}
	return nil
}

// DetachCard detaches the card from its customer.
func (s *Stripe) DetachCard(ctx context.Context, paymentMethodID string) error {
	const op = "payments.Stripe.DetachCard"
	if _, err := s.client.V1PaymentMethods.Detach(ctx, paymentMethodID, &stripe.PaymentMethodDetachParams{}); err != nil {
		return classify(op, err)
	}
	return nil
}

// Refund refunds (part of) a PaymentIntent's charge, once per RefundRequest.ID.
func (s *Stripe) Refund(ctx context.Context, r RefundRequest) (RefundResult, error) {
	const op = "payments.Stripe.Refund"
	params := &stripe.RefundCreateParams{
		PaymentIntent: stripe.String(r.PaymentIntent),
		Amount:        stripe.Int64(r.Amount),
		Metadata:      withMeta(r.Metadata, metaRefundID, r.ID),
	}
	params.SetIdempotencyKey(r.ID)
	re, err := s.client.V1Refunds.Create(ctx, params)
	if err != nil {
		return RefundResult{}, classify(op, err)
	}
	return RefundResult{ID: re.ID, Status: string(re.Status)}, nil
}

// CreateConnectAccount makes a payee's Express account that can receive
// transfers, once per ConnectRequest.Key.
func (s *Stripe) CreateConnectAccount(ctx context.Context, a ConnectRequest) (string, error) {
	const op = "payments.Stripe.CreateConnectAccount"
	params := &stripe.AccountCreateParams{
		Type: stripe.String(string(stripe.AccountTypeExpress)),
		Capabilities: &stripe.AccountCreateCapabilitiesParams{
			Transfers: &stripe.AccountCreateCapabilitiesTransfersParams{Requested: stripe.Bool(true)},
		},
	}
	if a.Country != "" {
		params.Country = stripe.String(a.Country)
	}
	if a.Email != "" {
		params.Email = stripe.String(a.Email)
	}
	params.AddMetadata(metaPayee, a.Payee)
	params.SetIdempotencyKey(a.Key)
	acct, err := s.client.V1Accounts.Create(ctx, params)
	if err != nil {
		return "", classify(op, err)
	}
	return acct.ID, nil
}

// GetConnectAccount reads an account's payout state.
func (s *Stripe) GetConnectAccount(ctx context.Context, accountID string) (ConnectAccount, error) {
	const op = "payments.Stripe.GetConnectAccount"
	acct, err := s.client.V1Accounts.GetByID(ctx, accountID, nil)
	if err != nil {
		return ConnectAccount{}, classify(op, err)
	}
	return connectAccountOf(acct), nil
}

// OnboardingLink makes an Account Link for onboarding.
func (s *Stripe) OnboardingLink(ctx context.Context, accountID, refreshURL, returnURL string) (string, error) {
	const op = "payments.Stripe.OnboardingLink"
	link, err := s.client.V1AccountLinks.Create(ctx, &stripe.AccountLinkCreateParams{
		Account:    stripe.String(accountID),
		RefreshURL: stripe.String(refreshURL),
		ReturnURL:  stripe.String(returnURL),
		Type:       stripe.String(string(stripe.AccountLinkTypeAccountOnboarding)),
	})
	if err != nil {
		return "", classify(op, err)
	}
	return link.URL, nil
}

// DashboardLink makes a login link to the Express dashboard.
func (s *Stripe) DashboardLink(ctx context.Context, accountID string) (string, error) {
	const op = "payments.Stripe.DashboardLink"
	link, err := s.client.V1LoginLinks.Create(ctx, &stripe.LoginLinkCreateParams{Account: stripe.String(accountID)})
	if err != nil {
		return "", classify(op, err)
	}
	return link.URL, nil
}

// withMeta is a copy of meta with key set to value (Souq's own key wins
// over a caller's of the same name).
func withMeta(meta map[string]string, key, value string) map[string]string {
	out := make(map[string]string, len(meta)+1)
	for k, v := range meta {
		out[k] = v
	}
	out[key] = value
	return out
}

// The mappings from Stripe's objects to Souq's view of them, shared by the
// calls and the events (webhook.go). Expandable fields may be ids or
// objects; either way their id is read, and their content when expanded.

func sessionOf(cs *stripe.CheckoutSession) Session {
	out := Session{
		ID: cs.ID, URL: cs.URL, Mode: string(cs.Mode),
		Status: string(cs.Status), PaymentStatus: string(cs.PaymentStatus),
		Customer: customerID(cs.Customer),
		Amount:   amountOf(cs.AmountTotal, cs.Currency),
		Metadata: cs.Metadata,
	}
	if pi := cs.PaymentIntent; pi != nil {
		out.PaymentIntent = pi.ID
		out.ChargeID = chargeID(pi.LatestCharge)
		if pi.PaymentMethod != nil {
			out.PaymentMethod = pi.PaymentMethod.ID
			out.Card = cardSummary(pi.PaymentMethod)
		}
	}
	if si := cs.SetupIntent; si != nil {
		out.SetupIntent = si.ID
		if si.PaymentMethod != nil && out.PaymentMethod == "" {
			out.PaymentMethod = si.PaymentMethod.ID
			out.Card = cardSummary(si.PaymentMethod)
		}
	}
	return out
}

func cardOf(pm *stripe.PaymentMethod) Card {
	c := Card{ID: pm.ID, Customer: customerID(pm.Customer)}
	if pm.Card != nil {
		c.Brand, c.Last4 = string(pm.Card.Brand), pm.Card.Last4
		c.ExpMonth, c.ExpYear = pm.Card.ExpMonth, pm.Card.ExpYear
	}
	return c
}

func cardSummary(pm *stripe.PaymentMethod) CardSummary {
	if pm == nil || pm.Card == nil {
		return CardSummary{}
	}
	return CardSummary{Brand: string(pm.Card.Brand), Last4: pm.Card.Last4}
}

func connectAccountOf(a *stripe.Account) ConnectAccount {
	out := ConnectAccount{ID: a.ID, PayoutsEnabled: a.PayoutsEnabled, DetailsSubmitted: a.DetailsSubmitted, Payee: a.Metadata[metaPayee]}
	if r := a.Requirements; r != nil {
		seen := map[string]bool{}
		for _, due := range [][]string{r.CurrentlyDue, r.PastDue} {
			for _, f := range due {
				if !seen[f] {
					seen[f] = true
					out.Requirements = append(out.Requirements, f)
				}
			}
		}
		out.DisabledReason = string(r.DisabledReason)
	}
	return out
}

func customerID(c *stripe.Customer) string {
	if c == nil {
		return ""
	}
	return c.ID
}

func chargeID(c *stripe.Charge) string {
	if c == nil {
		return ""
	}
	return c.ID
}

func paymentIntentID(pi *stripe.PaymentIntent) string {
	if pi == nil {
		return ""
	}
	return pi.ID
}

func paymentMethodID(pm *stripe.PaymentMethod) string {
	if pm == nil {
		return ""
	}
	return pm.ID
}

func amountOf(minor int64, currency stripe.Currency) money.Amount {
	return money.Amount{Minor: minor, Currency: strings.ToUpper(string(currency))}
}
