package accounts

// Cards on file (DESIGN §15): added only on Stripe's hosted Checkout in
// setup mode (no card data touches Souq), listed from Stripe, one the
// default for saved-card charges.

import (
	"context"
	"strings"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/payments"
)

// CardSetup is where the payer adds a card.
type CardSetup struct {
	SetupURL string `json:"setupUrl"`
}

// SavedCard is a card on file as the API lists it.
type SavedCard struct {
	ID       string `json:"id"`
	Brand    string `json:"brand"`
	Last4    string `json:"last4"`
	ExpMonth int64  `json:"expMonth"`
	ExpYear  int64  `json:"expYear"`
	Default  bool   `json:"default"`
}

// managesMoneyOf reports whether the principal may manage a payer's
// cards: the person who owns it (an API key may deposit and read, but
// never change how its account pays).
func managesMoneyOf(p auth.Principal, payer Payer) bool {
	return p.Kind == auth.KindUser && p.UserID == payer.OwnerID
}

// AddCard starts Checkout in setup mode for the payer.
func (s *Service) AddCard(ctx context.Context, p auth.Principal, kind, accountID, idempotencyKey string) (CardSetup, error) {
	const op = "accounts.AddCard"
	if err := s.moneyReady(op); err != nil {
		return CardSetup{}, err
	}
	payer, err := s.payerFor(ctx, op, p, kind, accountID)
	if err != nil {
		return CardSetup{}, err
	}
	if !managesMoneyOf(p, payer) {
		return CardSetup{}, fault.New(fault.Forbidden, op, "only the account's owner, signed in, adds cards")
	}
	prof, err := s.customer(ctx, payer)
	if err != nil {
		return CardSetup{}, err
	}
	ref := "setup_" + strings.TrimPrefix(DepositID(payer.Kind, payer.ID, idempotencyKey), "dep_")
	if idempotencyKey == "" {
		ref = id.New("setup", s.clock.Now())
	}
	back := strings.TrimRight(s.publicURL, "/") + s.cardsPage(payer)
	sess, err := s.pay.CreateCheckout(ctx, payments.CheckoutRequest{ID: ref, Mode: payments.ModeSetup, Customer: prof.Customer,
		Amount: money.Amount{Currency: payer.Currency}, Description: "Save a card for Souq",
		SuccessURL: back, CancelURL: back, Metadata: map[string]string{"souq_payer": payer.Key()}})
	if err != nil {
		return CardSetup{}, fault.Wrap(op, err)
	}
	return CardSetup{SetupURL: sess.URL}, nil
}

// cardsPage is the console page a payer comes back to.
func (s *Service) cardsPage(p Payer) string {
	switch p.Kind {
	case PayerAdvertiser:
		return "/console/advertisers/" + p.ID + "?cards=added"
	case PayerCommunity:
		return "/console/communities/" + p.ID + "?cards=added"
	}
	return "/console/wallet?cards=added"
}

// ListCards lists the payer's cards, the default first.
func (s *Service) ListCards(ctx context.Context, p auth.Principal, kind, accountID string) ([]SavedCard, error) {
	const op = "accounts.ListCards"
	if err := s.moneyReady(op); err != nil {
		return nil, err
	}
	payer, err := s.payerFor(ctx, op, p, kind, accountID)
	if err != nil {
		return nil, err
	}
	prof, found, err := s.repo.getPayer(ctx, payer.Key())
	if err != nil {
		return nil, err
	}
	out := []SavedCard{}
	if !found || prof.Customer == "" {
		return out, nil
	}
	cards, err := s.pay.ListCards(ctx, prof.Customer)
	if err != nil {
		return nil, fault.Wrap(op, err)
	}
	for _, c := range cards {
		sc := SavedCard{ID: c.ID, Brand: c.Brand, Last4: c.Last4, ExpMonth: c.ExpMonth, ExpYear: c.ExpYear, Default: c.ID == prof.DefaultCard}
		if sc.Default {
			out = append([]SavedCard{sc}, out...)
		} else {
			out = append(out, sc)
		}
	}
	return out, nil
}

// cardOf loads a card and its payer, for its owner only.
func (s *Service) cardOf(ctx context.Context, op string, p auth.Principal, pmID string) (payments.Card, Payer, payerItem, error) {
	if !id.HasPrefix(pmID, "pm") && !strings.HasPrefix(pmID, "pm_") {
		return payments.Card{}, Payer{}, payerItem{}, notFound(op, "payment method")
	}
	card, err := s.pay.GetCard(ctx, pmID)
	if err != nil {
		if fault.KindOf(err) == fault.UpstreamFailed {
			return payments.Card{}, Payer{}, payerItem{}, notFound(op, "payment method")
		}
		return payments.Card{}, Payer{}, payerItem{}, fault.Wrap(op, err)
	}
	if card.Customer == "" {
		return payments.Card{}, Payer{}, payerItem{}, notFound(op, "payment method")
	}
	payerKey, _, found, err := s.repo.payerByCustomer(ctx, card.Customer)
	if err != nil {
		return payments.Card{}, Payer{}, payerItem{}, err
	}
	if !found {
		return payments.Card{}, Payer{}, payerItem{}, notFound(op, "payment method")
	}
	payer, err := s.payerByKey(ctx, payerKey)
	if err != nil || !managesMoneyOf(p, payer) {
		return payments.Card{}, Payer{}, payerItem{}, notFound(op, "payment method")
	}
	prof, _, err := s.repo.getPayer(ctx, payerKey)
	if err != nil {
		return payments.Card{}, Payer{}, payerItem{}, err
	}
	return card, payer, prof, nil
}

// MakeDefaultCard makes a card its payer's default.
func (s *Service) MakeDefaultCard(ctx context.Context, p auth.Principal, pmID string) (SavedCard, error) {
	const op = "accounts.MakeDefaultCard"
	if err := s.moneyReady(op); err != nil {
		return SavedCard{}, err
	}
	card, payer, prof, err := s.cardOf(ctx, op, p, pmID)
	if err != nil {
		return SavedCard{}, err
	}
	if err := s.pay.SetDefaultCard(ctx, prof.Customer, card.ID); err != nil {
		return SavedCard{}, fault.Wrap(op, err)
	}
	if err := s.setDefaultCard(ctx, payer.Key(), card); err != nil {
		return SavedCard{}, err
	}
	return SavedCard{ID: card.ID, Brand: card.Brand, Last4: card.Last4, ExpMonth: card.ExpMonth, ExpYear: card.ExpYear, Default: true}, nil
}

// RemoveCard detaches a card. Removing the default makes the next saved
// card the default; with none left, deposits go through Checkout.
func (s *Service) RemoveCard(ctx context.Context, p auth.Principal, pmID string) error {
	const op = "accounts.RemoveCard"
	if err := s.moneyReady(op); err != nil {
		return err
	}
	card, payer, prof, err := s.cardOf(ctx, op, p, pmID)
	if err != nil {
		return err
	}
	if err := s.pay.DetachCard(ctx, card.ID); err != nil {
		return fault.Wrap(op, err)
	}
	if prof.DefaultCard != card.ID {
		return nil
	}
	rest, err := s.pay.ListCards(ctx, prof.Customer)
	if err != nil {
		return fault.Wrap(op, err)
	}
	next := payments.Card{}
	for _, c := range rest {
		if c.ID != card.ID {
			next = c
			break
		}
	}
	if next.ID != "" {
		if err := s.pay.SetDefaultCard(ctx, prof.Customer, next.ID); err != nil {
			return fault.Wrap(op, err)
		}
	}
	return s.setDefaultCard(ctx, payer.Key(), next)
}
