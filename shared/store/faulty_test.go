package store_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/storetest"
	"github.com/souqhq/souq/shared/topology"
)

// The faults the simulation injects, against DynamoDB Local: a conflict
// now and then is run again by store and a throttle by the SDK's retryer,
// each writing once; faults that never stop are the retryable faults a
// client is told of (409, 503), never an internal error.
func TestFaulty_ConflictsAndThrottlesAreRetriedOrRetryable(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	table := db.Table(topology.TableLedger)
	var mode atomic.Value
	var calls atomic.Int64
	mode.Store("")
	every := func(op string) string {
		calls.Add(1)
		switch m := mode.Load().(string); m {
		case "once-conflict", "once-throttle", "once-lost":
			mode.Store("")
			return map[string]string{"once-conflict": storetest.FaultConflict, "once-throttle": storetest.FaultThrottle, "once-lost": storetest.FaultLost}[m]
		case "always-conflict":
			if op == "TransactWriteItems" {
				return storetest.FaultConflict
			}
		case "always-throttle":
			return storetest.FaultThrottle
		}
		return ""
	}
	f := storetest.Faulty(db, every)
	put := func(pk string) error {
		return store.NewTx().Add("a", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table),
			Item: map[string]types.AttributeValue{"pk": store.S(pk), "sk": store.S("X"), "n": store.N(1)}, ConditionExpression: aws.String("attribute_not_exists(pk)")}}).
			Add("b", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table),
				Item: map[string]types.AttributeValue{"pk": store.S(pk + "-b"), "sk": store.S("X")}}}).Write(ctx, f.Client)
	}
	mode.Store("once-conflict")
	if err := put("faulty-1"); err != nil {
		t.Fatalf("a conflict once: %v", err)
	}
	if err := put("faulty-1"); !store.Failed(err, "a") {
		t.Fatalf("written once, so again its condition fails: %v", err)
	}
	mode.Store("once-throttle")
	before := calls.Load()
	if _, err := f.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{"pk": store.S("faulty-1"), "sk": store.S("X")}}); err != nil {
		t.Fatalf("a throttle once: %v", err)
	}
	if n := calls.Load() - before; n != 2 {
		t.Fatalf("%d attempts of a throttled read, want 2", n)
	}
	// A transaction whose answer is lost is sent again by the retryer
	// with the same ClientRequestToken (the SDK fills it in): DynamoDB
	// answers it as done, and it wrote once.
	mode.Store("once-lost")
	before = calls.Load()
	if err := put("faulty-lost"); err != nil {
		t.Fatalf("a transaction whose answer was lost: %v", err)
	}
	if n := calls.Load() - before; n != 2 {
		t.Fatalf("%d attempts of a transaction whose answer was lost, want 2", n)
	}
	if err := put("faulty-lost"); !store.Failed(err, "a") {
		t.Fatalf("written once, so again its condition fails: %v", err)
	}
	// A conditional put whose answer is lost meets its own write on the
	// retry: the caller must take that as done (this is what the
	// simulation's lost answers test in every function).
	mode.Store("once-lost")
	_, err := f.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), ConditionExpression: aws.String("attribute_not_exists(pk)"),
		Item: map[string]types.AttributeValue{"pk": store.S("faulty-lost-put"), "sk": store.S("X")}})
	var cond *types.ConditionalCheckFailedException
	if !errors.As(err, &cond) {
		t.Fatalf("a conditional put whose answer was lost, retried: %v, want its own condition failing", err)
	}
	mode.Store("always-conflict")
	if err := put("faulty-2"); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("conflicts that never stop: %v", err)
	}
	mode.Store("always-throttle")
	_, err = f.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{"pk": store.S("faulty-1"), "sk": store.S("X")}})
	if fault.KindOf(store.Classify(err)) != fault.Unavailable {
		t.Fatalf("throttles that never stop: %v", err)
	}
	mode.Store("")
	if err := put("faulty-2"); err != nil {
		t.Fatalf("healed: %v", err)
	}
}
