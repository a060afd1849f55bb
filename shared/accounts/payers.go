package accounts

// A payer (DESIGN §15) is an advertiser, a community (funding referral
// budgets) or a person (a member): a Stripe Customer made when first
// needed. Souq keeps, per payer, one profile item: its customer, its
// default card, and (advertisers) auto-recharge and the low-balance
// alert. Cards themselves live at Stripe only.
//
//	pk                          sk      item
//	PAYER#<kind>:<id>           META    the payer's profile
//	CUS#<customerId>            META    customer → payer (events and cards name customers)

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/store"
)

// Payer kinds.
const (
	PayerAdvertiser = "advertiser"
	PayerCommunity  = "community"
	PayerPerson     = "person"
)

// Payer is who pays: an account, or a person.
type Payer struct {
	Kind     string
	ID       string
	OwnerID  string
	Name     string
	Currency string // "" for a person (memberships name theirs)
}

// Key is "<kind>:<id>", the payer's name in Stripe's metadata.
func (p Payer) Key() string { return p.Kind + ":" + p.ID }

// Ledger is the payer's ledger account.
func (p Payer) Ledger() ledger.Account {
	switch p.Kind {
	case PayerCommunity:
		return ledger.Community(p.ID)
	case PayerPerson:
		return ledger.Person(p.ID)
	}
	return ledger.Advertiser(p.ID)
}

// Debt is the payer's debt account.
func (p Payer) Debt() ledger.Account { return ledger.Debt(p.Ledger()) }

// payerOfAccount is the payer an account is.
func payerOfAccount(kind string, it accountItem) Payer {
	k := PayerAdvertiser
	if kind == auth.AccountCommunity {
		k = PayerCommunity
	}
	return Payer{Kind: k, ID: it.ID, OwnerID: it.OwnerID, Name: it.Name, Currency: it.Currency}
}

func payerPK(key string) string    { return "PAYER#" + key }
func customerPK(cus string) string { return "CUS#" + cus }
func parsePayerKey(key string) (kind, id string, ok bool) {
	for i := 0; i < len(key); i++ {
		if key[i] == ':' {
			kind, id = key[:i], key[i+1:]
			switch kind {
			case PayerAdvertiser, PayerCommunity, PayerPerson:
				return kind, id, id != ""
			}
			return "", "", false
		}
	}
	return "", "", false
}

// payerItem is a payer's profile.
type payerItem struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"`
	Kind     string `dynamodbav:"kind"`
	ID       string `dynamodbav:"id"`
	OwnerID  string `dynamodbav:"ownerId"`
	Currency string `dynamodbav:"currency,omitempty"`
	Customer string `dynamodbav:"customer,omitempty"`
	// DefaultCard is the card saved charges use (pm_…), and what a receipt
	// names of it.
	DefaultCard  string `dynamodbav:"defaultCard,omitempty"`
	DefaultBrand string `dynamodbav:"defaultBrand,omitempty"`
	DefaultLast4 string `dynamodbav:"defaultLast4,omitempty"`
	// Auto-recharge (advertisers): below and amount in minor units, 0 off.
	RechargeBelow  int64 `dynamodbav:"rechargeBelow,omitempty"`
	RechargeAmount int64 `dynamodbav:"rechargeAmount,omitempty"`
	// RechargeCrossing numbers the crossings below RechargeBelow: the
	// charge of crossing n has a fixed id, so it is made at most once.
	// RechargeArmed is false from a crossing until the balance is back at
	// or above RechargeBelow.
	RechargeCrossing int64  `dynamodbav:"rechargeCrossing,omitempty"`
	RechargeArmed    bool   `dynamodbav:"rechargeArmed,omitempty"`
	RechargeFailures int64  `dynamodbav:"rechargeFailures,omitempty"`
	RechargeOffNote  string `dynamodbav:"rechargeOffNote,omitempty"`
	// The low-balance alert: sent once per crossing below AlertBelow.
	AlertBelow int64 `dynamodbav:"alertBelow,omitempty"`
	AlertArmed bool  `dynamodbav:"alertArmed,omitempty"`
	// InDebt says the payer owes Souq: whatever reaches its available
	// balance repays the debt first (kept with every change of the debt).
	InDebt    bool   `dynamodbav:"inDebt,omitempty"`
	UpdatedAt string `dynamodbav:"updatedAt,omitempty"`
}

type customerItem struct {
	PK    string `dynamodbav:"pk"`
	SK    string `dynamodbav:"sk"`
	Payer string `dynamodbav:"payer"`
	Owner string `dynamodbav:"ownerId"`
}

func (r *Repository) getPayer(ctx context.Context, key string) (payerItem, bool, error) {
	it, found, err := store.Get[payerItem](ctx, r.db, r.table, payerPK(key), skMeta)
	return it, found, fault.Wrap("accounts.getPayer", err)
}

// payerByCustomer finds whose a Stripe customer is.
func (r *Repository) payerByCustomer(ctx context.Context, cus string) (string, string, bool, error) {
	it, found, err := store.Get[customerItem](ctx, r.db, r.table, customerPK(cus), skMeta)
	return it.Payer, it.Owner, found, fault.Wrap("accounts.payerByCustomer", err)
}

// profile reads the payer's profile, or a new one (not yet saved).
func (s *Service) profile(ctx context.Context, p Payer) (payerItem, error) {
	it, found, err := s.repo.getPayer(ctx, p.Key())
	if err != nil {
		return payerItem{}, err
	}
	if !found {
		it = payerItem{PK: payerPK(p.Key()), SK: skMeta, Kind: p.Kind, ID: p.ID, OwnerID: p.OwnerID, Currency: p.Currency}
	}
	return it, nil
}

// customer returns the payer's Stripe Customer, making it on first use.
// Two first uses at once make one: Stripe's idempotency key is the
// payer's, and the profile keeps the first customer written.
func (s *Service) customer(ctx context.Context, p Payer) (payerItem, error) {
	const op = "accounts.customer"
	it, err := s.profile(ctx, p)
	if err != nil || it.Customer != "" {
		return it, err
	}
	cus, err := s.pay.CreateCustomer(ctx, payments.Customer{Key: "customer-" + p.Kind + "-" + p.ID, Payer: p.Key(), Name: p.Name})
	if err != nil {
		return payerItem{}, fault.Wrap(op, err)
	}
	now := s.clock.Now()
	tx := store.NewTx().Add("payer", types.TransactWriteItem{Update: &types.Update{
		TableName:           aws.String(s.repo.table),
		Key:                 map[string]types.AttributeValue{"pk": store.S(payerPK(p.Key())), "sk": store.S(skMeta)},
		UpdateExpression:    aws.String("SET customer = :c, kind = :k, id = :id, ownerId = :o, currency = :cur, updatedAt = :at"),
		ConditionExpression: aws.String("attribute_not_exists(customer)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": store.S(cus), ":k": store.S(p.Kind), ":id": store.S(p.ID),
			":o": store.S(p.OwnerID), ":cur": store.S(p.Currency), ":at": store.S(ts(now))},
	}}).Add("customer", types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.repo.table), Item: mustMarshal(customerItem{PK: customerPK(cus), SK: skMeta, Payer: p.Key(), Owner: p.OwnerID}),
	}})
	if err := tx.Write(ctx, s.repo.db); err != nil && !store.Failed(err, "payer") {
		return payerItem{}, fault.Wrap(op, err)
	}
	return s.profile(ctx, p)
}

// setDefaultCard records the payer's default card (and at Stripe).
func (s *Service) setDefaultCard(ctx context.Context, payerKey string, card payments.Card) error {
	_, err := s.repo.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.repo.table),
		Key:                 map[string]types.AttributeValue{"pk": store.S(payerPK(payerKey)), "sk": store.S(skMeta)},
		UpdateExpression:    aws.String("SET defaultCard = :pm, defaultBrand = :b, defaultLast4 = :l, updatedAt = :at"),
		ConditionExpression: aws.String("attribute_exists(customer)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pm": store.S(card.ID), ":b": store.S(card.Brand), ":l": store.S(card.Last4),
			":at": store.S(ts(s.clock.Now()))},
	})
	return fault.Wrap("accounts.setDefaultCard", store.Classify(err))
}

// adoptCardIfNone makes a newly saved card the default when the payer has
// none (the first card, or the default was removed): idempotent by state.
func (s *Service) adoptCardIfNone(ctx context.Context, payerKey, customer, pm string) error {
	return s.adoptCard(ctx, payerKey, customer, pm, false)
}

// adoptCard makes a newly saved card the default: when the payer has none,
// or (always) in place of the one it has.
func (s *Service) adoptCard(ctx context.Context, payerKey, customer, pm string, always bool) error {
	const op = "accounts.adoptCard"
	if prof, found, err := s.repo.getPayer(ctx, payerKey); err != nil || !found || prof.DefaultCard == pm || (!always && prof.DefaultCard != "") {
		return err // it has a default: nothing to ask Stripe
	}
	card, err := s.pay.GetCard(ctx, pm)
	if err != nil {
		return fault.Wrap(op, err)
	}
	if card.Customer != customer {
		return nil // detached since
	}
	in := &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.repo.table),
		Key:                 map[string]types.AttributeValue{"pk": store.S(payerPK(payerKey)), "sk": store.S(skMeta)},
		UpdateExpression:    aws.String("SET defaultCard = :pm, defaultBrand = :b, defaultLast4 = :l, updatedAt = :at"),
		ConditionExpression: aws.String("attribute_exists(customer) AND (attribute_not_exists(defaultCard) OR defaultCard = :empty)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pm": store.S(card.ID), ":b": store.S(card.Brand), ":l": store.S(card.Last4),
			":at": store.S(ts(s.clock.Now())), ":empty": store.S("")},
	}
	if always {
		in.ConditionExpression = aws.String("attribute_exists(customer)")
		delete(in.ExpressionAttributeValues, ":empty")
	}
	_, err = s.repo.db.UpdateItem(ctx, in)
	if store.IsConditionFailed(store.Classify(err)) {
		return nil
	}
	if err != nil {
		return fault.Wrap(op, store.Classify(err))
	}
	return fault.Wrap(op, s.pay.SetDefaultCard(ctx, customer, pm))
}

// payerFor resolves the payer behind a route: an advertiser or community
// the principal may read, or the person itself.
func (s *Service) payerFor(ctx context.Context, op string, p auth.Principal, kind, accountID string) (Payer, error) {
	if kind == PayerPerson {
		if err := requireUser(op, p); err != nil {
			return Payer{}, err
		}
		return Payer{Kind: PayerPerson, ID: p.UserID, OwnerID: p.UserID, Name: p.UserID}, nil
	}
	it, err := s.account(ctx, op, p, kind, accountID)
	if err != nil {
		return Payer{}, err
	}
	return payerOfAccount(kind, it), nil
}

// payerByKey loads the payer a Stripe object names (its metadata or its
// customer), for events that come with no principal.
func (s *Service) payerByKey(ctx context.Context, key string) (Payer, error) {
	const op = "accounts.payerByKey"
	kind, id, ok := parsePayerKey(key)
	if !ok {
		return Payer{}, fault.New(fault.NotFound, op, fmt.Sprintf("no payer %q", key))
	}
	if kind == PayerPerson {
		return Payer{Kind: PayerPerson, ID: id, OwnerID: id, Name: id}, nil
	}
	akind := auth.AccountAdvertiser
	if kind == PayerCommunity {
		akind = auth.AccountCommunity
	}
	it, err := s.repo.getAccount(ctx, akind, id)
	if err != nil {
		return Payer{}, err
	}
	return payerOfAccount(akind, it), nil
}

// moneyReady refuses money routes where no Stripe is configured.
func (s *Service) moneyReady(op string) error {
	if s.ledger == nil || s.pay == nil {
		return fault.New(fault.Unavailable, op, "payments are not available: no payment provider is configured")
	}
	return nil
}
