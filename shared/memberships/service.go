package memberships

import (
	"github.com/souqhq/souq/shared/clock"
)

// Service is the memberships context (DESIGN §17), served by the accounts
// function: tiers so far.
type Service struct {
	repo        *Repository
	communities Communities
	clock       clock.Clock
}

// NewService builds the memberships service.
func NewService(repo *Repository, communities Communities, c clock.Clock) *Service {
	return &Service{repo: repo, communities: communities, clock: c}
}
