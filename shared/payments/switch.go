package payments

import (
	"context"
	"errors"
	"sync"
)

// Switchable wraps a rail so that tests and the local platform can make it
// fail on command: the next N calls (charges and payouts alike) are
// declined, or time out.
type Switchable struct {
	Rail Rail
	mu   sync.Mutex
	mode string
	left int
	// Charges counts the charges that reached the wrapped rail.
	charges int
	// payouts counts the payout calls that reached the wrapped rail.
	payouts int
}

// Failure modes.
const (
	FailDecline = "decline"
	FailTimeout = "timeout"
)

// FailNext makes the next n charges fail in the given mode (n = 0 heals).
func (s *Switchable) FailNext(n int, mode string) {
	s.mu.Lock()
	s.left, s.mode = n, mode
	s.mu.Unlock()
}

// Charges reports how many charges reached the wrapped rail.
func (s *Switchable) Charges() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.charges
}

// Payouts reports how many payout calls reached the wrapped rail.
func (s *Switchable) Payouts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.payouts
}

// failure takes one armed failure, if any, or counts a call that goes
// through.
func (s *Switchable) failure(count *int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.left > 0 {
		s.left--
		if s.mode == FailDecline {
			return Declined("payments.Switchable", "declined (simulated)")
		}
		return Unknown("payments.Switchable", errors.New("timeout (simulated)"))
	}
	*count++
	return nil
}

// Charge implements Rail.
func (s *Switchable) Charge(ctx context.Context, c Charge) (Receipt, error) {
	if err := s.failure(&s.charges); err != nil {
		return Receipt{}, err
	}
	return s.Rail.Charge(ctx, c)
}

// Payout implements Rail.
func (s *Switchable) Payout(ctx context.Context, t Transfer) (Receipt, error) {
	if err := s.failure(&s.payouts); err != nil {
		return Receipt{}, err
	}
	return s.Rail.Payout(ctx, t)
}
