package accounts

import (
	"context"
	"time"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/ledger"
)

func ledgerAccount(kind, accountID string) ledger.Account {
	if kind == auth.AccountCommunity {
		return ledger.Community(accountID)
	}
	return ledger.Advertiser(accountID)
}

// BalanceView is an account's balance as the API shows it (DESIGN §9): an
// advertiser's has no pending.
type BalanceView struct {
	Currency  string `json:"currency"`
	Available int64  `json:"available"`
	Held      int64  `json:"held"`
	Pending   *int64 `json:"pending,omitempty"`
	// Debt is what the account owes Souq (a dispute or a refund its
	// balance could not cover), repaid first from its next deposits.
	Debt int64 `json:"debt"`
	// Payable is what a community may claim as a payout now: its
	// available balance less its unspent card deposits of the last 120
	// days (those fund referral budgets or go back to the card).
	Payable *int64 `json:"payable,omitempty"`
	// InTransit is what a community claimed as payouts that its bank has
	// not had yet: no longer available, not yet paid (DESIGN §16).
	InTransit *int64 `json:"inTransit,omitempty"`
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
	debt, err := s.ledger.Balance(ctx, ledger.Debt(ledgerAccount(kind, accountID)), it.Currency)
	if err != nil {
		return BalanceView{}, err
	}
	v := BalanceView{Currency: it.Currency, Available: b.Available, Held: b.Held, Debt: -debt.Available}
	if kind == auth.AccountCommunity {
		v.Pending = &b.Pending
		funds, err := s.ledger.CardFunds(ctx, ledgerAccount(kind, accountID), it.Currency, s.clock.Now())
		if err != nil {
			return BalanceView{}, err
		}
		payable := max(0, b.Available-funds)
		v.Payable = &payable
		transit, err := s.ledger.Balance(ctx, ledger.InTransit(ledgerAccount(kind, accountID)), it.Currency)
		if err != nil {
			return BalanceView{}, err
		}
		v.InTransit = &transit.Available
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
