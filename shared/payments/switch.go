package payments

import (
	"context"
	"errors"
	"sync"
)

// Switchable wraps a rail so that tests and the local platform can make it
// fail on command: the next N charges are declined, or time out.
type Switchable struct {
	Rail Rail
	mu   sync.Mutex
	mode string
	left int
	// Charges counts the charges that reached the wrapped rail.
	charges int
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

// Charge implements Rail.
func (s *Switchable) Charge(ctx context.Context, c Charge) (Receipt, error) {
	s.mu.Lock()
	fail := ""
	if s.left > 0 {
		s.left--
		fail = s.mode
	} else {
		s.charges++
	}
	s.mu.Unlock()
	switch fail {
	case FailDecline:
		return Receipt{}, Declined("payments.Switchable", "card declined (simulated)")
	case FailTimeout:
		return Receipt{}, Unknown("payments.Switchable", errors.New("timeout (simulated)"))
	}
	return s.Rail.Charge(ctx, c)
}
