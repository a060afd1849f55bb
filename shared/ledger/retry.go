package ledger

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/souqhq/souq/shared/fault"
)

// ApplyRetrying applies ops, running the transaction again while it loses
// races with concurrent transactions on the same items (a conflict writes
// nothing, so a rerun is safe and its conditions are checked afresh).
// Business refusals (insufficient funds, a settled hold, an applied
// transfer) come back at once.
func ApplyRetrying(ctx context.Context, l *Ledger, ops ...Op) error {
	var err error
	for attempt := 1; attempt <= 10; attempt++ {
		err = l.Apply(ctx, ops...)
		if err == nil || fault.KindOf(err) != fault.Conflict || errors.Is(err, ErrAlreadyApplied) {
			return err
		}
		if fe, ok := fault.As(err); ok && fe.State != "" {
			return err // a hold in the wrong state is a refusal, not a race
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt*5+rand.IntN(20)) * time.Millisecond):
		}
	}
	return err
}
