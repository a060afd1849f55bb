package serving_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/serving"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/storetest"
	"github.com/souqhq/souq/shared/topology"
)

// storedImpressions is a flight's impressions over all its shards, as
// DynamoDB Local holds them.
func storedImpressions(t *testing.T, db *store.DB, flight string) int64 {
	t.Helper()
	out, err := db.Client.Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String(db.Table(topology.TableServing)), ConsistentRead: aws.Bool(true),
		KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("FLT#" + flight)}})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, it := range out.Items {
		n += store.NumberAttr(it, serving.CountImpressions)
	}
	return n
}

// A flush whose write was made but whose every answer was lost (the
// first lost, the SDK's retries throttled until it gives up) fails; the
// next flush sends the same counts with the same token, and DynamoDB
// counts them once (campaigns are charged from these counts).
func TestCounter_AFlushThatFailedAfterItsWriteIsNotCountedTwice(t *testing.T) {
	db := storetest.New(t)
	var attempt atomic.Int64
	var on atomic.Bool
	f := storetest.Faulty(db, func(_ context.Context, op string) string {
		if !on.Load() || op != "UpdateItem" {
			return ""
		}
		if attempt.Add(1) == 1 {
			return storetest.FaultLost
		}
		return storetest.FaultThrottle
	})
	now := time.Date(2040, 3, 2, 4, 0, 0, 0, time.UTC)
	c := serving.NewCounter(serving.NewStore(f, clock.NewFake(now)))
	c.Add("flt_once1", serving.CountImpressions, 1, now)
	on.Store(true)
	if err := c.Flush(context.Background()); err == nil {
		t.Fatal("a flush whose every answer was lost succeeded: the fault is not what it says")
	}
	if n := storedImpressions(t, db, "flt_once1"); n != 1 {
		t.Fatalf("the failed flush's write: %d impressions, want 1 (made, its answer lost)", n)
	}
	if c.Unsent() != 1 || !c.Due(now) {
		t.Fatalf("the failed flush's counts: %d groups kept, due %v; want 1, due", c.Unsent(), c.Due(now))
	}
	on.Store(false)
	c.Add("flt_once1", serving.CountImpressions, 2, now) // newer counts go on their own
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := storedImpressions(t, db, "flt_once1"); n != 3 {
		t.Errorf("one impression, its flush failed after its write, then two more: %d counted, want 3", n)
	}
	if c.Unsent() != 0 {
		t.Errorf("%d groups still unsent", c.Unsent())
	}
}

// Another instance writing the same shard between a count's lost answer
// and its retry does not make the retry count again.
func TestCounter_AnOvertakenRetryIsNotCountedTwice(t *testing.T) {
	db := storetest.New(t)
	var attempt atomic.Int64
	var on atomic.Bool
	now := time.Date(2040, 3, 2, 4, 0, 0, 0, time.UTC)
	other := serving.NewStore(db, clock.NewFake(now))
	f := storetest.Faulty(db, func(ctx context.Context, op string) string {
		if !on.Load() || op != "UpdateItem" {
			return ""
		}
		switch attempt.Add(1) {
		case 1:
			return storetest.FaultLost
		case 2:
			// Other instances' flushes of the same shard land between the
			// attempts (AddTokens-1 of them, each with its own token).
			for i := 0; i < store.AddTokens-1; i++ {
				if err := other.AddCounts(context.Background(), "flt_once2", "2040-03-02", 3, map[string]int64{serving.CountImpressions: 1}, store.NewAddToken()); err != nil {
					panic(err)
				}
			}
		}
		return ""
	})
	st := serving.NewStore(f, clock.NewFake(now))
	on.Store(true)
	if err := st.AddCounts(context.Background(), "flt_once2", "2040-03-02", 3, map[string]int64{serving.CountImpressions: 1}, store.NewAddToken()); err != nil {
		t.Fatal(err)
	}
	if n, want := storedImpressions(t, db, "flt_once2"), int64(store.AddTokens); n != want {
		t.Errorf("%d impressions counted as %d", want, n)
	}
}

// A view's once-check whose write was made but whose every answer was
// lost fails; asked again with the same token (the same view, on the
// next settle) it is the first, so the view counts; another view of the
// same offer (a replay, with a token of its own) is not.
func TestFirst_ACheckThatFailedAfterItsWriteIsItsOwnOnTheNextTry(t *testing.T) {
	db := storetest.New(t)
	var attempt atomic.Int64
	var on atomic.Bool
	f := storetest.Faulty(db, func(_ context.Context, op string) string {
		if !on.Load() || op != "PutItem" {
			return ""
		}
		if attempt.Add(1) == 1 {
			return storetest.FaultLost
		}
		return storetest.FaultThrottle
	})
	now := time.Date(2040, 3, 2, 4, 0, 0, 0, time.UTC)
	st := serving.NewStore(f, clock.NewFake(now))
	key, token := "OFFER#ofr_once#v", store.NewAddToken()
	on.Store(true)
	if _, err := st.First(context.Background(), key, now.Add(3*time.Hour), token); err == nil {
		t.Fatal("a check whose every answer was lost succeeded: the fault is not what it says")
	}
	on.Store(false)
	if first, err := st.First(context.Background(), key, now.Add(3*time.Hour), token); err != nil || !first {
		t.Fatalf("the same view asked again: first %v, %v; want the first (its own write)", first, err)
	}
	if first, err := st.First(context.Background(), key, now.Add(3*time.Hour), store.NewAddToken()); err != nil || first {
		t.Fatalf("a replay of the view: first %v, %v; want refused", first, err)
	}
}
