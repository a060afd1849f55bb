package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"
)

// EventBridge is the Scheduler in AWS: one-time `at()` schedules in the
// stack's group, deleted by Scheduler after they fire, invoking the
// function that made them (the only target a function is granted).
type EventBridge struct {
	Client  *scheduler.Client
	Group   string
	RoleARN string
	// Self names the calling function; Once refuses any other target.
	Self string
}

var _ Scheduler = (*EventBridge)(nil)

// maxRetries is Scheduler's own retry of a failed invocation (it keeps
// trying for up to a day): a close that fails is retried, not lost.
const maxRetries = 185

// Once implements Scheduler.
func (e *EventBridge) Once(ctx context.Context, name string, at time.Time, target string, payload json.RawMessage) error {
	if target != e.Self {
		return fmt.Errorf("schedule %s: a function schedules only itself, not %s", name, target)
	}
	lc, ok := lambdacontext.FromContext(ctx)
	if !ok {
		return fmt.Errorf("schedule %s: no Lambda context to find this function's ARN", name)
	}
	arn := unqualified(lc.InvokedFunctionArn)
	// A time already past (a clearing with no hold, a re-armed deadline)
	// is the next minute: Scheduler works to the minute, and a one-time
	// schedule must lie ahead.
	if soonest := time.Now().Add(time.Minute); at.Before(soonest) {
		at = soonest
	}
	_, err := e.Client.CreateSchedule(ctx, &scheduler.CreateScheduleInput{
		Name:                       aws.String(name),
		GroupName:                  aws.String(e.Group),
		ScheduleExpression:         aws.String("at(" + at.UTC().Format("2006-01-02T15:04:05") + ")"),
		ScheduleExpressionTimezone: aws.String("UTC"),
		FlexibleTimeWindow:         &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
		ActionAfterCompletion:      types.ActionAfterCompletionDelete,
		Target: &types.Target{
			Arn: aws.String(arn), RoleArn: aws.String(e.RoleARN), Input: aws.String(string(payload)),
			RetryPolicy: &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(maxRetries), MaximumEventAgeInSeconds: aws.Int32(86400)},
		},
	})
	var conflict *types.ConflictException
	if errors.As(err, &conflict) {
		return nil // made before: names are unique, so a retry schedules once
	}
	if err != nil {
		return fmt.Errorf("schedule %s: %w", name, err)
	}
	return nil
}

// Cancel implements Scheduler.
func (e *EventBridge) Cancel(ctx context.Context, name string) error {
	_, err := e.Client.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String(name), GroupName: aws.String(e.Group)})
	var missing *types.ResourceNotFoundException
	if err != nil && !errors.As(err, &missing) {
		return fmt.Errorf("cancel schedule %s: %w", name, err)
	}
	return nil
}

// unqualified drops a version or alias from a function ARN
// (arn:aws:lambda:region:account:function:name[:qualifier]): the
// Scheduler role may invoke the unqualified ARN only.
func unqualified(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) > 7 {
		parts = parts[:7]
	}
	return strings.Join(parts, ":")
}
