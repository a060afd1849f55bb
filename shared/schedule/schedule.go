// Package schedule is how a function asks to be invoked later, once (an
// auction's close, a review deadline, a commission's clearing). In AWS it
// is EventBridge Scheduler; in the local platform, a scheduler on the
// injectable clock. Cancelled work is a status check in the target, not a
// race: a schedule may still fire after Cancel, and targets must re-check.
package schedule

import (
	"context"
	"encoding/json"
	"time"
)

// Scheduler creates and cancels one-time schedules.
type Scheduler interface {
	// Once invokes target with payload at or soon after at. Names are
	// unique: scheduling a name that exists changes nothing, so a retried
	// caller cannot schedule twice.
	Once(ctx context.Context, name string, at time.Time, target string, payload json.RawMessage) error
	// Cancel removes a schedule that has not fired; unknown names are fine.
	Cancel(ctx context.Context, name string) error
}
