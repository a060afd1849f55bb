package payouts

import (
	"context"
	"fmt"
	"strings"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/owners"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/store"
)

// Service is the payouts use cases and the worker.
type Service struct {
	repo   *Repository
	ledger *ledger.Ledger
	// stripe is Stripe (Connect accounts, and the transfers that pay
	// payouts); nil where there is none.
	stripe payments.Gateway
	clock  clock.Clock
	cfg    Config
	owners *owners.Projection // who owns which community
	events *events.Mux
}

// Config is the payouts function's settings.
type Config struct {
	// MinimumPayout is the platform's minimum, in minor units of any
	// currency; a program's own minimum may be higher.
	MinimumPayout int64
	// Sleep waits between rail retries (time.Sleep when nil; tests pass
	// one that returns at once).
	Sleep func(time.Duration)
	// PublicURL is where the console is served: Stripe's onboarding sends
	// people back to its payouts page.
	PublicURL string
}

// DefaultMinimumPayout is the platform's minimum when none is configured.
const DefaultMinimumPayout = 100

// NewService wires the service. stripe may be nil where there is none
// (setting up payouts answers unavailable, and so does the worker; claims
// of enabled accounts still work).
func NewService(repo *Repository, l *ledger.Ledger, stripe payments.Gateway, c clock.Clock, cfg Config) *Service {
	if cfg.Sleep == nil {
		cfg.Sleep = time.Sleep
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	s := &Service{repo: repo, ledger: l, stripe: stripe, clock: c, cfg: cfg,
		owners: owners.New(repo.db, repo.table, c), events: events.NewMux("payouts")}
	s.owners.Listen(s.events, owners.Community)
	events.On(s.events, s.recordMinimum)
	events.On(s.events, s.accountUpdated)
	events.On(s.events, func(ctx context.Context, e events.PayoutRequested) error {
		if e.PayoutID == "" {
			return fmt.Errorf("payouts: malformed PayoutRequested %s", e.EventID)
		}
		return s.Process(ctx, e.PayoutID)
	})
	return s
}

// HandleEvent keeps the projections (communities; influencers' minimum
// payouts; payout accounts' Stripe state) and runs the worker on
// PayoutRequested.
func (s *Service) HandleEvent(ctx context.Context, ev lambdaevents.EventBridgeEvent) error {
	return s.events.Handle(ctx, ev)
}

// Events is the mux of the events this context handles.
func (s *Service) Events() *events.Mux { return s.events }

// recordMinimum keeps the smallest minimum payout of an influencer's deals
// per currency. The smallest wins, so applying an event twice, or in any
// order, ends the same: no dedupe needed.
func (s *Service) recordMinimum(ctx context.Context, d events.DealApproved) error {
	if d.InfluencerID == "" || !money.IsCurrency(d.MinimumPayout.Currency) {
		return fmt.Errorf("payouts: malformed DealApproved %s", d.EventID)
	}
	_, err := s.repo.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.repo.table), Key: map[string]types.AttributeValue{"pk": store.S("MIN#" + d.InfluencerID + "#" + d.MinimumPayout.Currency), "sk": store.S("MIN")},
		UpdateExpression:          aws.String("SET amount = :m"),
		ConditionExpression:       aws.String("attribute_not_exists(amount) OR amount > :m"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":m": store.N(d.MinimumPayout.Minor)},
	})
	if err = store.Classify(err); store.IsConditionFailed(err) {
		return nil
	}
	return fault.Wrap("payouts.recordMinimum", err)
}

// DestinationInput is where a person's payouts go.
type DestinationInput struct {
	Type      string `json:"type" validate:"required"`
	AccountID string `json:"accountId" validate:"required"`
}

// DestinationView is a destination read back: the account masked.
type DestinationView struct {
	Type      string `json:"type"`
	AccountID string `json:"accountId"`
	UpdatedAt string `json:"updatedAt"`
}

// SetDestination sets where the caller's payouts go from now on; payouts
// already claimed keep the destination they were claimed with. It stays
// for clients of the first API, but is no way around onboarding: an
// account typed in is pending until Stripe says its payouts are enabled
// (account.updated, or GET /v1/me/payout-account reading it). The same
// account typed again keeps the state it has.
func (s *Service) SetDestination(ctx context.Context, p auth.Principal, in DestinationInput) (DestinationView, error) {
	const op = "payouts.SetDestination"
	if p.Kind != auth.KindUser {
		return DestinationView{}, fault.New(fault.Forbidden, op, "a person sets its own payout destination")
	}
	var fields []fault.FieldError
	if in.Type != DestinationStripe {
		fields = append(fields, fault.FieldError{Field: "type", Message: "must be stripe"})
	}
	if !ValidAccount(in.AccountID) {
		fields = append(fields, fault.FieldError{Field: "accountId", Message: "must be a Stripe connected account id, acct_…"})
	}
	if len(fields) > 0 {
		return DestinationView{}, fault.InvalidFields(op, "the destination has invalid fields", fields...)
	}
	it, err := s.updateDestination(ctx, op, p.UserID, "", func(cur destinationItem, _ bool) (destinationItem, bool) {
		return cur.pointedAt(in.AccountID), true
	})
	if err != nil {
		return DestinationView{}, err
	}
	return DestinationView{Type: it.Type, AccountID: Mask(it.AccountID), UpdatedAt: it.UpdatedAt}, nil
}

// GetDestination reads the caller's destination, masked.
func (s *Service) GetDestination(ctx context.Context, p auth.Principal) (DestinationView, error) {
	const op = "payouts.GetDestination"
	if p.Kind != auth.KindUser {
		return DestinationView{}, fault.New(fault.NotFound, op, "no payout destination yet: POST /v1/me/payout-account")
	}
	it, found, err := s.repo.destination(ctx, p.UserID)
	if err != nil {
		return DestinationView{}, fault.Wrap(op, err)
	}
	if !found {
		return DestinationView{}, fault.New(fault.NotFound, op, "no payout destination yet: POST /v1/me/payout-account")
	}
	return DestinationView{Type: it.Type, AccountID: Mask(it.AccountID), UpdatedAt: it.UpdatedAt}, nil
}

// ClaimInput is an amount to pay out.
type ClaimInput struct {
	Amount   int64  `json:"amount"` // checked against the minimum payout
	Currency string `json:"currency" validate:"required,len=3"`
}

// PayoutView is a payout as its owner reads it.
type PayoutView struct {
	ID          string    `json:"id"`
	OwnerKind   OwnerKind `json:"ownerKind"`
	OwnerID     string    `json:"ownerId"`
	Amount      int64     `json:"amount"`
	Currency    string    `json:"currency"`
	Destination string    `json:"destination"`
	Status      Status    `json:"status"`
	Reason      string    `json:"reason,omitempty"`
	Reference   string    `json:"reference,omitempty"`
	Attempts    int       `json:"attempts"`
	CreatedAt   string    `json:"createdAt"`
	UpdatedAt   string    `json:"updatedAt"`
	PaidAt      string    `json:"paidAt,omitempty"`
}

func payoutView(it payoutItem) PayoutView {
	return PayoutView{ID: it.ID, OwnerKind: OwnerKind(it.OwnerKind), OwnerID: it.OwnerID, Amount: it.Amount, Currency: it.Currency,
		Destination: Mask(it.Destination), Status: Status(it.Status), Reason: it.Reason, Reference: it.Reference, Attempts: it.Attempts,
		CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, PaidAt: it.PaidAt}
}

func (it payoutItem) account() ledger.Account {
	if OwnerKind(it.OwnerKind) == Community {
		return ledger.Community(it.OwnerID)
	}
	return ledger.Influencer(it.OwnerID)
}

// Claim pays out part of the caller's available balance: an influencer's
// cleared commissions (communityID empty), or a community's earnings for
// its owner. In one transaction the amount moves to the owner's
// in-transit account (ledger.InTransit), the payout is recorded pending and
// PayoutRequested is written; the worker does the rest. The same
// Idempotency-Key claims once, even when its idempotency record is lost.
func (s *Service) Claim(ctx context.Context, p auth.Principal, communityID string, in ClaimInput, idempotencyKey string) (PayoutView, bool, error) {
	const op = "payouts.Claim"
	if p.Kind != auth.KindUser {
		return PayoutView{}, false, fault.New(fault.Forbidden, op, "a person claims its own payouts")
	}
	if idempotencyKey == "" {
		return PayoutView{}, false, fault.InvalidFields(op, "the request has invalid fields", fault.FieldError{Field: "Idempotency-Key", Message: "is required to claim a payout"})
	}
	if !money.IsCurrency(in.Currency) {
		return PayoutView{}, false, fault.InvalidFields(op, "the claim has invalid fields", fault.FieldError{Field: "currency", Message: "must be an ISO 4217 code Souq supports"})
	}
	kind, owner, minimum := Influencer, p.UserID, s.cfg.MinimumPayout
	if communityID != "" {
		kind, owner = Community, communityID
		c, err := s.owners.Owned(ctx, op, p, owners.Community, communityID)
		if err != nil {
			return PayoutView{}, false, err
		}
		if in.Currency != c.Currency {
			return PayoutView{}, false, fault.InvalidFields(op, "the claim has invalid fields", fault.FieldError{Field: "currency", Message: "the community's earnings are in " + c.Currency})
		}
	} else {
		m, found, err := get[struct {
			Amount int64 `dynamodbav:"amount"`
		}](ctx, s.repo, op, "MIN#"+p.UserID+"#"+in.Currency, "MIN")
		if err != nil {
			return PayoutView{}, false, err
		}
		if !found {
			return PayoutView{}, false, fault.InvalidFields(op, "the claim has invalid fields", fault.FieldError{Field: "currency", Message: "you have no referral deal paying in " + in.Currency})
		}
		minimum = max(minimum, m.Amount)
	}
	if in.Amount < minimum || in.Amount > money.MaxMinor {
		return PayoutView{}, false, fault.InvalidFields(op, "the claim has invalid fields", fault.FieldError{Field: "amount", Message: fmt.Sprintf("must be at least the minimum payout, %d", minimum)})
	}
	poID := PayoutID(kind, owner, idempotencyKey)
	if it, found, err := s.repo.payout(ctx, poID); err != nil || found {
		if err == nil {
			err = sameClaim(op, it, p, in)
		}
		return payoutView(it), false, err
	}
	dest, found, err := s.repo.destination(ctx, p.UserID)
	if err != nil {
		return PayoutView{}, false, fault.Wrap(op, err)
	}
	if err := Payable(op, found, dest.state()); err != nil {
		return PayoutView{}, false, err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	it := payoutItem{ID: poID, OwnerKind: string(kind), OwnerID: owner, RequestedBy: p.UserID, Amount: in.Amount, Currency: in.Currency,
		DestinationType: dest.Type, Destination: dest.AccountID, Status: string(Pending), CreatedAt: clock.Format(now), UpdatedAt: clock.Format(now), Rev: 1}
	it.index(clock.Format(now.Add(Lease)))
	put, err := s.repo.putPayout(it, 0)
	if err != nil {
		return PayoutView{}, false, fault.Wrap(op, err)
	}
	// A community's card deposits of the last ledger.CardFundsDays fund its
	// referral budgets and may be refunded to the card, but are never
	// paid out: a payout of them, then a chargeback, would be money out
	// twice. The claim's own write leaves them in place.
	floor := int64(0)
	if kind == Community {
		if floor, err = s.ledger.CardFunds(ctx, ledger.Community(owner), in.Currency, now); err != nil {
			return PayoutView{}, false, err
		}
	}
	tr, err := s.ledger.Prepare(ledger.Transfer{ID: "txf_" + poID + "_claim", Kind: "payout_claim", Currency: in.Currency, At: now, ShardKey: poID,
		Legs: []ledger.Leg{{Account: it.account(), Available: -in.Amount, Floor: floor}, {Account: ledger.InTransit(it.account()), Available: in.Amount}}})
	if err != nil {
		return PayoutView{}, false, fault.Wrap(op, err)
	}
	evt, err := events.OutboxPut(s.repo.outbox, &events.PayoutRequested{Payout: s.event(it, "")}, now)
	if err != nil {
		return PayoutView{}, false, fault.Wrap(op, err)
	}
	err = store.NewTx().Add("payout", put).Add("destination", s.repo.payableCheck(p.UserID, dest.AccountID)).Add("event", evt).
		AddParts(tr.Parts...).Write(ctx, s.repo.db)
	if store.Failed(err, "payout") {
		it, _, err := s.repo.payout(ctx, poID) // the same key, concurrently
		if err == nil {
			err = sameClaim(op, it, p, in)
		}
		return payoutView(it), false, err
	}
	if store.Failed(err, "destination") {
		return PayoutView{}, false, &fault.Error{Kind: fault.Conflict, Op: op, State: string(AccountPending), Code: CodePayoutsNotEnabled,
			Message: "your payout account changed while the claim was made; nothing was claimed: read GET /v1/me/payout-account and claim again"}
	}
	if tr.InsufficientFunds(err) {
		msg := "the available balance does not cover the payout"
		if floor > 0 {
			msg += fmt.Sprintf("; %s of it came from card deposits in the last %d days, which fund referral budgets and can be refunded to the card but are not paid out",
				money.Amount{Minor: floor, Currency: in.Currency}, ledger.CardFundsDays)
		}
		return PayoutView{}, false, &fault.Error{Kind: fault.InsufficientFunds, Op: op, Message: msg,
			Fields: []fault.FieldError{{Field: "amount", Message: "is more than can be paid out now"}}}
	}
	if err != nil {
		return PayoutView{}, false, fault.Wrap(op, err)
	}
	return payoutView(it), true, nil
}

// sameClaim refuses to answer a claim with a payout made for another one:
// the id comes from the owner and the key, so the same key sent after the
// idempotency record expired, or by a racing request with another amount,
// reaches the first payout. Only the same person, amount and currency is
// the same request.
func sameClaim(op string, it payoutItem, p auth.Principal, in ClaimInput) error {
	if it.RequestedBy == p.UserID && it.Amount == in.Amount && it.Currency == in.Currency {
		return nil
	}
	return fault.New(fault.IdempotencyMismatch, op,
		"this Idempotency-Key was used for a different payout claim; use a new key for a new request")
}

func (s *Service) event(it payoutItem, reason string) events.Payout {
	return events.Payout{PayoutID: it.ID, OwnerKind: it.OwnerKind, OwnerID: it.OwnerID, Amount: money.Amount{Minor: it.Amount, Currency: it.Currency}, Reason: reason}
}

// GetPayout reads a payout for the person who claimed it.
func (s *Service) GetPayout(ctx context.Context, p auth.Principal, payoutID string) (PayoutView, error) {
	const op = "payouts.GetPayout"
	if !id.HasPrefix(payoutID, "po") {
		return PayoutView{}, fault.New(fault.NotFound, op, "no such payout")
	}
	it, found, err := s.repo.payout(ctx, payoutID)
	if err != nil {
		return PayoutView{}, err
	}
	if !found || p.Kind != auth.KindUser || it.RequestedBy != p.UserID {
		return PayoutView{}, fault.New(fault.NotFound, op, "no such payout")
	}
	return payoutView(it), nil
}

// ListPayouts pages through the caller's payouts, newest first.
func (s *Service) ListPayouts(ctx context.Context, p auth.Principal, limit int, cursor string) ([]PayoutView, string, error) {
	const op = "payouts.ListPayouts"
	if p.Kind != auth.KindUser {
		return nil, "", fault.New(fault.Forbidden, op, "a person lists its own payouts")
	}
	items, next, err := store.IndexPage[payoutItem](ctx, s.repo.db, s.repo.table, IndexByRequester, "gsi1pk", "REQ#"+p.UserID, false, limit, cursor)
	if err != nil {
		return nil, "", fault.Wrap(op, err)
	}
	out := make([]PayoutView, 0, len(items))
	for _, it := range items {
		out = append(out, payoutView(it))
	}
	return out, next, nil
}
