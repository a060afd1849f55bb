package store

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/souqhq/souq/shared/fault"
)

// What a caller can retry is retryable (409 or 503), what it must look at
// keeps its shape, and nothing retryable is mistaken for internal.
func TestClassify_RetryableIsNeverInternal(t *testing.T) {
	gaveUp := fmt.Errorf("operation error DynamoDB: GetItem, exceeded maximum number of attempts, 3: %w",
		&smithyhttp.RequestSendError{Err: errors.New("dial tcp: i/o timeout")})
	for name, c := range map[string]struct {
		err  error
		kind fault.Kind
	}{
		"gave up on a connection": {gaveUp, fault.Unavailable},
		"throttled":               {&types.ProvisionedThroughputExceededException{Message: aws.String("slow down")}, fault.Unavailable},
		"a deadline":              {context.DeadlineExceeded, fault.Unavailable},
		"a conflict":              {&types.TransactionCanceledException{CancellationReasons: []types.CancellationReason{{Code: aws.String("TransactionConflict")}}}, fault.Conflict},
		"anything else":           {errors.New("ValidationException: bad key"), fault.Internal},
	} {
		if got := fault.KindOf(Classify(c.err)); got != c.kind {
			t.Errorf("%s: %v, want %v", name, got, c.kind)
		}
	}
	var tc *TxCanceled
	if err := Classify(&types.TransactionCanceledException{CancellationReasons: []types.CancellationReason{{Code: aws.String("ConditionalCheckFailed")}}}); !errors.As(err, &tc) || len(tc.reasons) != 1 || tc.reasons[0] != "ConditionalCheckFailed" {
		t.Fatalf("a failed condition keeps its shape: %v", err)
	}
}
