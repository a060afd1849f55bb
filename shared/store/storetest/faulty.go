package storetest

import (
	"context"
	"runtime"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/souqhq/souq/shared/store"
)

// DB faults DynamoDB Local never makes (DESIGN §19): a transaction
// cancelled by a conflict with another, and throttling.
const (
	FaultConflict = "conflict"
	FaultThrottle = "throttle"
	// FaultLost: the call is made and DynamoDB acts on it, but its answer
	// is lost on the way back (a connection reset); the SDK's retryer
	// sends it again, which must be harmless.
	FaultLost = "lost"
	// FaultStop: the call is made and DynamoDB acts on it, then the
	// function stops there, as a process killed mid-way: its goroutine
	// ends (runtime.Goexit: no answer, no recover; only deferred calls
	// run). The local platform runs each invocation on a goroutine of its
	// own and takes that end as the invocation's failure.
	FaultStop = "stop"
)

// lostAnswer is a committed call's answer lost on the way back: the
// SDK's retryer retries it, as it does a connection reset.
type lostAnswer struct{ op string }

func (e *lostAnswer) Error() string {
	return e.op + ": the connection was reset after the call was sent (injected)"
}

func (e *lostAnswer) RetryableError() bool { return true }

// Faulty returns a copy of db whose client asks decide before every call
// is sent (its operation: GetItem, TransactWriteItems, …) and, when it
// answers a fault, fails the call with it instead of sending it: a
// TransactWriteItems cancelled by a TransactionConflict (store runs it
// again), or a ProvisionedThroughputExceededException (the SDK's retryer
// tries again; its back-off is a millisecond here, so that a simulation
// is not slowed by it); or, for FaultLost, sends it and loses the answer
// (the retryer sends it again); or, for FaultStop, sends it and stops
// the calling goroutine.
// Each attempt is asked again, after the retryer, with the call's context.
func Faulty(db *store.DB, decide func(ctx context.Context, op string) string) *store.DB {
	opts := db.Client.Options()
	opts.Retryer = retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
	})
	opts.APIOptions = append(opts.APIOptions, func(s *middleware.Stack) error {
		return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("souqFaults", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
			middleware.FinalizeOutput, middleware.Metadata, error) {
			op := middleware.GetOperationName(ctx)
			switch decide(ctx, op) {
			case FaultConflict:
				if n := transactItems(ctx); n > 0 {
					reasons := make([]types.CancellationReason, n)
					for i := range reasons {
						reasons[i] = types.CancellationReason{Code: aws.String("None")}
					}
					reasons[0].Code = aws.String("TransactionConflict")
					return middleware.FinalizeOutput{}, middleware.Metadata{}, &types.TransactionCanceledException{
						Message: aws.String("Transaction cancelled (injected): TransactionConflict"), CancellationReasons: reasons}
				}
			case FaultThrottle:
				return middleware.FinalizeOutput{}, middleware.Metadata{}, &types.ProvisionedThroughputExceededException{
					Message: aws.String("the request rate is too high (injected)")}
			case FaultLost:
				out, md, err := next.HandleFinalize(ctx, in)
				if err != nil {
					return out, md, err
				}
				return middleware.FinalizeOutput{}, md, &lostAnswer{op: op}
			case FaultStop:
				out, md, err := next.HandleFinalize(ctx, in)
				if err != nil {
					return out, md, err
				}
				runtime.Goexit()
			}
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
	})
	opts.APIOptions = append(opts.APIOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("souqFaultsItems", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
			middleware.InitializeOutput, middleware.Metadata, error) {
			if p, ok := in.Parameters.(*dynamodb.TransactWriteItemsInput); ok {
				ctx = middleware.WithStackValue(ctx, itemsKey{}, len(p.TransactItems))
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
	})
	return db.WithClient(dynamodb.New(opts))
}

type itemsKey struct{}

// transactItems is how many items the call's transaction has (0: not a
// transaction).
func transactItems(ctx context.Context) int {
	n, _ := middleware.GetStackValue(ctx, itemsKey{}).(int)
	return n
}
