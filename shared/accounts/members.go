package accounts

// What memberships (DESIGN §17, in this function) need of money in: a
// person's Stripe customer and default card, Stripe's events about their
// payments, and a community's balance to refund from (its debt where
// that falls short).

import (
	"context"
	"time"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/store"
)

// MembershipHook hears what Stripe says about memberships: a Checkout of
// a membership (metadata souq_membership) completed or expired, and a
// member's new card (a failed renewal is retried on it at once).
type MembershipHook interface {
	CheckoutCompleted(ctx context.Context, sess payments.Session) error
	CheckoutExpired(ctx context.Context, sess payments.Session) error
	CardSaved(ctx context.Context, userID string) error
}

// WithMemberships routes memberships' Stripe events to h.
func (s *Service) WithMemberships(h MembershipHook) *Service {
	s.members = h
	return s
}

// Billing is a person's Stripe customer and default card.
type Billing struct {
	Customer     string
	Card         string // pm_…, "" when none is saved
	Brand, Last4 string
}

// PersonBilling is a person's customer (made on first use) and default card.
func (s *Service) PersonBilling(ctx context.Context, userID string) (Billing, error) {
	const op = "accounts.PersonBilling"
	if err := s.moneyReady(op); err != nil {
		return Billing{}, err
	}
	prof, err := s.customer(ctx, Payer{Kind: PayerPerson, ID: userID, OwnerID: userID, Name: userID})
	if err != nil {
		return Billing{}, err
	}
	return Billing{Customer: prof.Customer, Card: prof.DefaultCard, Brand: prof.DefaultBrand, Last4: prof.DefaultLast4}, nil
}

// CommunityOwing is money that leaves a community whatever its balance
// (a refund of a member's payment): Transfer is the movement, given the
// community's legs (available, and its debt for what available cannot
// cover); Parts are the caller's items (its state, its event) of which
// the one named Guard failing means it was applied before.
type CommunityOwing struct {
	Op          string
	CommunityID string
	Currency    string
	Amount      int64
	Transfer    func(communityLegs []ledger.Leg, now time.Time) ledger.Transfer
	Parts       func(covered, owed int64, now time.Time) (*store.Tx, error)
	Guard       string
}

// TakeFromCommunity applies a CommunityOwing once, in one transaction:
// the community's debt (and PayerDebtChanged) with it when its available
// balance falls short; a balance that moved meanwhile (a payout claimed
// at once) is read again, so nothing is taken twice or made from nothing.
func (s *Service) TakeFromCommunity(ctx context.Context, o CommunityOwing) error {
	if err := s.moneyReady(o.Op); err != nil {
		return err
	}
	payer, err := s.payerByKey(ctx, PayerCommunity+":"+o.CommunityID)
	if err != nil {
		return fault.Wrap(o.Op, err)
	}
	return s.takeOrOwe(ctx, owing{op: o.Op, payer: payer, currency: o.Currency, amount: o.Amount, transfer: o.Transfer, parts: o.Parts, guard: o.Guard})
}
