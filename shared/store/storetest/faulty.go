package storetest

import (
	"context"
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
)

// Faulty returns a copy of db whose client asks decide before every call
// is sent (its operation: GetItem, TransactWriteItems, …) and, when it
// answers a fault, fails the call with it instead of sending it: a
// TransactWriteItems cancelled by a TransactionConflict (store runs it
// again), or a ProvisionedThroughputExceededException (the SDK's retryer
// tries again; its back-off is a millisecond here, so that a simulation
// is not slowed by it). Each attempt is asked again, after the retryer.
func Faulty(db *store.DB, decide func(op string) string) *store.DB {
	opts := db.Client.Options()
	opts.Retryer = retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
	})
	opts.APIOptions = append(opts.APIOptions, func(s *middleware.Stack) error {
		return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("souqFaults", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
			middleware.FinalizeOutput, middleware.Metadata, error) {
			op := middleware.GetOperationName(ctx)
			switch decide(op) {
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
