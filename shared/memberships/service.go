package memberships

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"strings"

	"github.com/souqhq/souq/shared/accounts"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/pass"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/schedule"
)

// Service is the memberships context (DESIGN §17), served by the accounts
// function: tiers, memberships, their payments, the pass and reports.
type Service struct {
	repo        *Repository
	communities Communities
	clock       clock.Clock

	// Money: who pays (the accounts context), Stripe, the ledger, and
	// renewals' schedules (nil until WithMoney: tiers only).
	billing Billing
	pay     payments.Gateway
	ledger  *ledger.Ledger
	sched   schedule.Scheduler
	cfg     Config
	keys    *pass.Keys
}

// Billing is what memberships need of the accounts context's payers.
type Billing interface {
	PersonBilling(ctx context.Context, userID string) (accounts.Billing, error)
	TakeFromCommunity(ctx context.Context, o accounts.CommunityOwing) error
}

// Config configures memberships' money.
type Config struct {
	// Self is the function renewals' schedules invoke (FnAccounts).
	Self string
	// ShareBps is the community's share of each payment (0: DefaultShareBps).
	ShareBps int
	// PublicURL is Souq's address: Checkout's return, the pass's issuer.
	PublicURL string
}

// NewService builds the memberships service.
func NewService(repo *Repository, communities Communities, c clock.Clock) *Service {
	return &Service{repo: repo, communities: communities, clock: c}
}

// WithMoney gives the service what joining, renewals and refunds need.
func (s *Service) WithMoney(b Billing, pay payments.Gateway, l *ledger.Ledger, sched schedule.Scheduler, keys *pass.Keys, cfg Config) *Service {
	if cfg.ShareBps <= 0 || cfg.ShareBps > 10_000 {
		cfg.ShareBps = DefaultShareBps
	}
	s.billing, s.pay, s.ledger, s.sched, s.keys, s.cfg = b, pay, l, sched, keys, cfg
	return s
}

// keyedID is an id derived from what names it, never random: prefix + 26
// base32 characters.
func keyedID(prefix, name string) string {
	sum := sha256.Sum256([]byte(name))
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:16]))
}
