package accounts

import (
	"context"
	"crypto/sha256"
	"encoding/base32"

	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/store"
)

// MaxDeposit bounds one deposit (in minor units): larger sums go through
// an invoice, not a card.
const MaxDeposit = 100_000_000

// WithMoney gives the service the ledger and the payment rail that
// deposits, balances and statements need.
func (s *Service) WithMoney(l *ledger.Ledger, rail payments.Rail) *Service {
	s.ledger, s.rail = l, rail
	return s
}

// DepositInput is what a depositor sends.
type DepositInput struct {
	Amount   int64  `json:"amount" validate:"required,gt=0,lte=100000000"`
	Currency string `json:"currency" validate:"required,len=3"`
}

// Deposit is money brought into an account through the rail.
type Deposit struct {
	ID          string    `json:"id"`
	AccountKind string    `json:"accountKind"`
	AccountID   string    `json:"accountId"`
	Amount      int64     `json:"amount"`
	Currency    string    `json:"currency"`
	Status      string    `json:"status"`
	Reference   string    `json:"reference"`
	TransferID  string    `json:"transferId"`
	CreatedAt   time.Time `json:"createdAt"`
}

type depositItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	ID          string `dynamodbav:"id"`
	AccountKind string `dynamodbav:"accountKind"`
	AccountID   string `dynamodbav:"accountId"`
	Amount      int64  `dynamodbav:"amount"`
	Currency    string `dynamodbav:"currency"`
	Reference   string `dynamodbav:"reference"`
	TransferID  string `dynamodbav:"transferId"`
	CreatedAt   string `dynamodbav:"createdAt"`
}

func (d depositItem) toDeposit() Deposit {
	return Deposit{ID: d.ID, AccountKind: d.AccountKind, AccountID: d.AccountID, Amount: d.Amount, Currency: d.Currency,
		Status: "succeeded", Reference: d.Reference, TransferID: d.TransferID, CreatedAt: parseTS(d.CreatedAt)}
}

// DepositID is derived from the account and the client's Idempotency-Key,
// never random: a retry after a crash (whose idempotency record was lost
// or expired) gets the same id, so the rail's idempotency key and the
// ledger's transfer id are the same and nothing is charged or credited twice.
func DepositID(kind, accountID, idempotencyKey string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + accountID + "\x00" + idempotencyKey))
	return "dep_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:16]))
}

func ledgerAccount(kind, accountID string) ledger.Account {
	if kind == auth.AccountCommunity {
		return ledger.Community(accountID)
	}
	return ledger.Advertiser(accountID)
}

// Deposit charges the rail and credits the account, once per
// Idempotency-Key. A rail failure credits nothing.
func (s *Service) Deposit(ctx context.Context, p auth.Principal, kind, accountID, idempotencyKey string, in DepositInput) (Deposit, error) {
	const op = "accounts.Deposit"
	if s.ledger == nil || s.rail == nil {
		return Deposit{}, fault.New(fault.Unavailable, op, "deposits are not available: no payment rail is configured")
	}
	// The owner, or the account's own API key (route auth decides which
	// kinds may deposit); anyone else gets 404.
	it, err := s.account(ctx, op, p, kind, accountID)
	if err != nil {
		return Deposit{}, err
	}
	if !money.IsCurrency(in.Currency) || in.Currency != it.Currency {
		return Deposit{}, fault.InvalidFields(op, "the request has invalid fields",
			fault.FieldError{Field: "currency", Message: "must be the account's currency, " + it.Currency})
	}
	depID := DepositID(kind, accountID, idempotencyKey)
	if d, found, err := s.repo.getDeposit(ctx, kind, accountID, depID); err != nil || found {
		if err == nil {
			err = sameDeposit(op, d, in)
		}
		return d, err
	}
	receipt, err := s.rail.Charge(ctx, payments.Charge{
		ID: depID, Amount: money.Amount{Minor: in.Amount, Currency: in.Currency},
		Description: "Souq deposit " + depID, Metadata: map[string]string{"account": kind + ":" + accountID},
	})
	if err != nil {
		return Deposit{}, err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	acct := ledgerAccount(kind, accountID)
	transfer, err := s.ledger.Prepare(ledger.Transfer{ID: "txf_" + depID + "_deposit", Kind: "deposit", Currency: in.Currency, At: now,
		Legs: []ledger.Leg{{Account: ledger.ExternalDeposits, Available: -in.Amount}, {Account: acct, Available: in.Amount}}})
	if err != nil {
		return Deposit{}, fault.Wrap(op, err)
	}
	d := depositItem{PK: accountPK(kind, accountID), SK: "DEP#" + depID, ID: depID, AccountKind: kind, AccountID: accountID,
		Amount: in.Amount, Currency: in.Currency, Reference: receipt.Reference, TransferID: transfer.Transfer.ID, CreatedAt: ts(now)}
	tx := store.NewTx().Add("deposit", types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.repo.table), Item: mustMarshal(d), ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}}).AddParts(transfer.Parts...)
	err = tx.Write(ctx, s.repo.db)
	if store.Failed(err, "deposit") || transfer.Explain(err) != nil {
		// A concurrent or earlier run with the same key credited it first.
		if prev, found, gerr := s.repo.getDeposit(ctx, kind, accountID, depID); gerr != nil || found {
			if gerr == nil {
				gerr = sameDeposit(op, prev, in)
			}
			return prev, gerr
		}
	}
	if err != nil {
		return Deposit{}, fault.Wrap(op, err)
	}
	return d.toDeposit(), nil
}

// sameDeposit refuses to answer a request with a deposit made for another
// one: the id comes from the account and the key, so a second principal of
// the account (the owner's token and the account's API key), or the same
// one after the idempotency record expired, reaches the first deposit with
// the same key. Only the same amount and currency is the same request.
func sameDeposit(op string, d Deposit, in DepositInput) error {
	if d.Amount == in.Amount && d.Currency == in.Currency {
		return nil
	}
	return fault.New(fault.IdempotencyMismatch, op,
		"this Idempotency-Key was used for a different deposit on this account; use a new key for a new request")
}

func (r *Repository) getDeposit(ctx context.Context, kind, accountID, depID string) (Deposit, bool, error) {
	d, found, err := store.Get[depositItem](ctx, r.db, r.table, accountPK(kind, accountID), "DEP#"+depID)
	if err != nil || !found {
		return Deposit{}, false, fault.Wrap("accounts.getDeposit", err)
	}
	return d.toDeposit(), true, nil
}

// BalanceView is an account's balance as the API shows it (DESIGN §9): an
// advertiser's has no pending.
type BalanceView struct {
	Currency  string `json:"currency"`
	Available int64  `json:"available"`
	Held      int64  `json:"held"`
	Pending   *int64 `json:"pending,omitempty"`
}

// Balance reads an account's balance in its currency.
func (s *Service) Balance(ctx context.Context, p auth.Principal, kind, accountID string) (BalanceView, error) {
	const op = "accounts.Balance"
	if s.ledger == nil {
		return BalanceView{}, fault.New(fault.Unavailable, op, "the ledger is not configured")
	}
	it, err := s.account(ctx, op, p, kind, accountID)
	if err != nil {
		return BalanceView{}, err
	}
	b, err := s.ledger.Balance(ctx, ledgerAccount(kind, accountID), it.Currency)
	if err != nil {
		return BalanceView{}, err
	}
	v := BalanceView{Currency: it.Currency, Available: b.Available, Held: b.Held}
	if kind == auth.AccountCommunity {
		v.Pending = &b.Pending
	}
	return v, nil
}

// StatementInput selects the caller's postings.
type StatementInput struct {
	AccountID string // adv_… or com_…; implied for an API key
	Currency  string
	From, To  string // RFC 3339
	Limit     int
	Cursor    string
}

// Statement pages through the postings of an account the caller may read.
func (s *Service) Statement(ctx context.Context, p auth.Principal, in StatementInput) ([]ledger.Posting, string, error) {
	const op = "accounts.Statement"
	if s.ledger == nil {
		return nil, "", fault.New(fault.Unavailable, op, "the ledger is not configured")
	}
	accountID := in.AccountID
	if p.Kind == auth.KindClient {
		if accountID != "" && accountID != p.AccountID {
			return nil, "", notFound(op, "account")
		}
		accountID = p.AccountID
	}
	kind := ""
	switch {
	case id.HasPrefix(accountID, "adv"):
		kind = auth.AccountAdvertiser
	case id.HasPrefix(accountID, "com"):
		kind = auth.AccountCommunity
	case accountID == "":
		return nil, "", fault.InvalidFields(op, "say whose statement", fault.FieldError{Field: "accountId", Message: "is required: an advertiser (adv_…) or community (com_…) id you own"})
	default:
		return nil, "", notFound(op, "account")
	}
	it, err := s.account(ctx, op, p, kind, accountID)
	if err != nil {
		return nil, "", err
	}
	if in.Currency != "" && in.Currency != it.Currency {
		return nil, "", fault.InvalidFields(op, "the request has invalid fields", fault.FieldError{Field: "currency", Message: "must be the account's currency, " + it.Currency})
	}
	q := ledger.StatementQuery{Account: ledgerAccount(kind, accountID), Currency: it.Currency, Limit: in.Limit, Cursor: in.Cursor}
	for _, t := range []struct {
		field, raw string
		dst        *time.Time
	}{{"from", in.From, &q.From}, {"to", in.To, &q.To}} {
		if t.raw == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, t.raw)
		if err != nil {
			return nil, "", fault.InvalidFields(op, "the request has invalid fields", fault.FieldError{Field: t.field, Message: "must be an RFC 3339 time such as 2026-11-23T10:00:00Z"})
		}
		*t.dst = v
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return nil, "", fault.InvalidFields(op, "the request has invalid fields", fault.FieldError{Field: "to", Message: "must be after from"})
	}
	return s.ledger.Statement(ctx, q)
}
