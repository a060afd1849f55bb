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
	every := func(_ context.Context, op string) string {
		calls.Add(1)
		switch m := mode.Load().(string); m {
		case "once-conflict", "once-throttle", "once-lost", "once-stop":
			mode.Store("")
			return map[string]string{"once-conflict": storetest.FaultConflict, "once-throttle": storetest.FaultThrottle, "once-lost": storetest.FaultLost, "once-stop": storetest.FaultStop}[m]
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
	// store.PutItem takes its own first attempt as done, for a new item
	// and for a new version; another's item still fails the condition.
	mode.Store("once-lost")
	item := map[string]types.AttributeValue{"pk": store.S("faulty-lost-put2"), "sk": store.S("X"), "version": store.N(1)}
	if err := store.PutItem(ctx, f.Client, &dynamodb.PutItemInput{TableName: aws.String(table), ConditionExpression: aws.String("attribute_not_exists(pk)"), Item: item}); err != nil {
		t.Fatalf("store.PutItem of a new item whose answer was lost: %v", err)
	}
	// The same item again, from another call (a replayed beacon's mark):
	// the condition fails, however alike the items are.
	if err := store.PutItem(ctx, f.Client, &dynamodb.PutItemInput{TableName: aws.String(table), ConditionExpression: aws.String("attribute_not_exists(pk)"), Item: item}); !store.IsConditionFailed(err) {
		t.Fatalf("store.PutItem of the same new item by another call: %v, want the condition failing", err)
	}
	mode.Store("once-lost")
	next := map[string]types.AttributeValue{"pk": store.S("faulty-lost-put2"), "sk": store.S("X"), "version": store.N(2)}
	if err := store.PutItem(ctx, f.Client, &dynamodb.PutItemInput{TableName: aws.String(table), ConditionExpression: aws.String("version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": store.N(1)}, Item: next}); err != nil {
		t.Fatalf("store.PutItem of a new version whose answer was lost: %v", err)
	}
	other := map[string]types.AttributeValue{"pk": store.S("faulty-lost-put2"), "sk": store.S("X"), "version": store.N(2), "by": store.S("another")}
	if err := store.PutItem(ctx, f.Client, &dynamodb.PutItemInput{TableName: aws.String(table), ConditionExpression: aws.String("version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": store.N(1)}, Item: other}); !store.IsConditionFailed(err) {
		t.Fatalf("store.PutItem over another's version: %v, want the condition failing", err)
	}
	// An ADD whose answer is lost: the SDK's retry, made raw, counts
	// twice (an impression charged twice); store.AddOnce counts once, and
	// each later call counts again; the same token sent again later (a
	// caller's resend of a failed call) counts nothing, as long as fewer
	// than AddTokens other sends came between.
	add := func(key string, n int64, token string) error {
		in := &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{"pk": store.S(key), "sk": store.S("X")},
			UpdateExpression: aws.String("SET #d = :d ADD n :n"), ExpressionAttributeNames: map[string]string{"#d": "day"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":d": store.S("2040-03-02"), ":n": store.N(n)}}
		if token != "" {
			return store.AddOnce(ctx, f.Client, in, token)
		}
		_, err := f.Client.UpdateItem(ctx, in)
		return err
	}
	count := func(key string) int64 {
		out, err := db.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"pk": store.S(key), "sk": store.S("X")}})
		if err != nil {
			t.Fatal(err)
		}
		return store.NumberAttr(out.Item, "n")
	}
	mode.Store("once-lost")
	if err := add("faulty-lost-raw", 5, ""); err != nil {
		t.Fatalf("a raw ADD whose answer was lost: %v", err)
	}
	if n := count("faulty-lost-raw"); n != 10 {
		t.Fatalf("a raw ADD of 5 whose answer was lost counted %d: the fault is not what it says", n)
	}
	for i := 0; i < 2; i++ { // a new item, then an existing one
		mode.Store("once-lost")
		if err := add("faulty-lost-add", 5, store.NewAddToken()); err != nil {
			t.Fatalf("store.AddOnce whose answer was lost (%d): %v", i, err)
		}
	}
	if n := count("faulty-lost-add"); n != 10 {
		t.Fatalf("two calls of store.AddOnce of 5, each answer lost, counted %d, want 10", n)
	}
	first := store.NewAddToken()
	if err := add("faulty-lost-add", 1, first); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < store.AddTokens-1; i++ {
		if err := add("faulty-lost-add", 1, store.NewAddToken()); err != nil {
			t.Fatal(err)
		}
	}
	if err := add("faulty-lost-add", 1, first); err != nil { // resent after AddTokens-1 others
		t.Fatal(err)
	}
	if n, want := count("faulty-lost-add"), int64(10+store.AddTokens); n != want {
		t.Fatalf("store.AddOnce counted %d, want %d (a resend of a token among the last %d counted again)", n, want, store.AddTokens)
	}
	if err := store.AddOnce(ctx, f.Client, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{"pk": store.S("x"), "sk": store.S("X")},
		UpdateExpression: aws.String("ADD n :n"), ConditionExpression: aws.String("attribute_exists(pk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": store.N(1)}}, first); err == nil {
		t.Fatal("store.AddOnce took an update with a condition of its own")
	}
	// An expression whose names hold the letters SET (#OFFSET) and whose
	// clause is in lower case.
	if err := store.AddOnce(ctx, f.Client, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{"pk": store.S("faulty-set"), "sk": store.S("X")},
		UpdateExpression: aws.String("ADD #OFFSET :n set #d = :d"), ExpressionAttributeNames: map[string]string{"#OFFSET": "n", "#d": "day"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": store.N(2), ":d": store.S("2040-03-02")}}, store.NewAddToken()); err != nil {
		t.Fatalf("store.AddOnce of a lower-case set clause: %v", err)
	}
	if n := count("faulty-set"); n != 2 {
		t.Fatalf("faulty-set counted %d, want 2", n)
	}
	// A stop: the write is made, then the caller's goroutine ends.
	mode.Store("once-stop")
	returned := make(chan bool, 1)
	go func() {
		done := false
		defer func() { returned <- done }()
		_ = put("faulty-stop")
		done = true
	}()
	if <-returned {
		t.Fatal("a stop did not stop the caller")
	}
	if err := put("faulty-stop"); !store.Failed(err, "a") {
		t.Fatalf("a stop after a transaction: it was not written: %v", err)
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
