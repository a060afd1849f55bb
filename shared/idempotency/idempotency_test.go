package idempotency_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/idempotency"
	"github.com/souqhq/souq/shared/store/storetest"
	"github.com/souqhq/souq/shared/topology"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func newStore(t *testing.T) (*idempotency.Store, *clock.Fake) {
	db := storetest.New(t)
	c := clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	return idempotency.New(db.Client, db.Table(topology.TableIdempotency), c), c
}

func TestBegin_ReplaysTheStoredResponseForTheSameRequest(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	if got, err := s.Begin(ctx, "usr_a POST /x", "k1", "fp1"); err != nil || got != nil {
		t.Fatalf("first Begin = %v, %v; want a fresh claim", got, err)
	}
	want := api.StoredResponse{Status: 201, Body: `{"id":"com_1"}`, Headers: map[string]string{"Content-Type": "application/json"}}
	if err := s.Complete(ctx, "usr_a POST /x", "k1", "fp1", want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Begin(ctx, "usr_a POST /x", "k1", "fp1")
	if err != nil || got == nil || got.Status != 201 || got.Body != want.Body {
		t.Fatalf("replay = %+v, %v", got, err)
	}
}

func TestBegin_SameKeyDifferentRequestIsAMismatch(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.Begin(ctx, "usr_a POST /x", "k1", "fp1"); err != nil {
		t.Fatal(err)
	}
	_ = s.Complete(ctx, "usr_a POST /x", "k1", "fp1", api.StoredResponse{Status: 201})
	_, err := s.Begin(ctx, "usr_a POST /x", "k1", "fp2")
	if fault.KindOf(err) != fault.IdempotencyMismatch {
		t.Fatalf("err = %v, want IdempotencyMismatch", err)
	}
}

func TestBegin_KeysAreScopedToPrincipalAndRoute(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	for _, scope := range []string{"usr_a POST /x", "usr_b POST /x", "usr_a POST /y"} {
		if got, err := s.Begin(ctx, scope, "same-key", "fp-"+scope); err != nil || got != nil {
			t.Fatalf("%s: %v %v; each scope owns its own keys", scope, got, err)
		}
	}
}

func TestBegin_InFlightKeyIsAConflictUntilItsLeaseEnds(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	ctx := context.Background()
	if _, err := s.Begin(ctx, "usr_a POST /x", "k1", "fp1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Begin(ctx, "usr_a POST /x", "k1", "fp1"); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("second Begin while in flight = %v, want Conflict", err)
	}
	c.Advance(idempotency.Lease + time.Second)
	if got, err := s.Begin(ctx, "usr_a POST /x", "k1", "fp1"); err != nil || got != nil {
		t.Fatalf("after the lease a retry takes the claim over: %v %v", got, err)
	}
}

func TestBegin_ExpiredKeyIsFreeAgain(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	ctx := context.Background()
	_, _ = s.Begin(ctx, "usr_a POST /x", "k1", "fp1")
	_ = s.Complete(ctx, "usr_a POST /x", "k1", "fp1", api.StoredResponse{Status: 201})
	c.Advance(idempotency.TTL + time.Minute)
	if got, err := s.Begin(ctx, "usr_a POST /x", "k1", "fp-other"); err != nil || got != nil {
		t.Fatalf("after 24 h the key is free: %v %v", got, err)
	}
}

func TestRelease_LetsARetryRunAgain(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	_, _ = s.Begin(ctx, "usr_a POST /x", "k1", "fp1")
	if err := s.Release(ctx, "usr_a POST /x", "k1", "fp1"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Begin(ctx, "usr_a POST /x", "k1", "fp1"); err != nil || got != nil {
		t.Fatalf("after release: %v %v", got, err)
	}
}

// Twenty concurrent requests with one key: exactly one runs.
func TestBegin_ConcurrentClaimsHaveExactlyOneWinner(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	winners, conflicts := 0, 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := s.Begin(ctx, "usr_a POST /x", "race", "fp")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && got == nil:
				winners++
			case errors.Is(err, fault.ErrConflict):
				conflicts++
			default:
				t.Errorf("unexpected %v %v", got, err)
			}
		}()
	}
	wg.Wait()
	if winners != 1 || conflicts != 19 {
		t.Fatalf("winners=%d conflicts=%d, want 1 and 19", winners, conflicts)
	}
}

// lostAnswers applies a client's next n writes and then reports a
// timeout, as a network failure after DynamoDB applied them would; the
// SDK's retryer sends them again.
func lostAnswers(n *atomic.Int64) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Deserialize.Add(middleware.DeserializeMiddlewareFunc("lostAnswer", func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			if err == nil && n.Add(-1) >= 0 {
				return middleware.DeserializeOutput{}, md, &smithyhttp.RequestSendError{Err: errors.New("the answer was lost")}
			}
			return out, md, err
		}), middleware.After)
	}
}

// A claim whose answer was lost (the SDK retries it and finds the record)
// is still its own, and so is a completion's: the request goes on, and a
// retry of it replays instead of waiting out a lease.
func TestBegin_AClaimWhoseAnswerWasLostIsStillOurs(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	var lose atomic.Int64
	opts := db.Client.Options()
	opts.APIOptions = append(opts.APIOptions, lostAnswers(&lose))
	c := clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	s := idempotency.New(dynamodb.New(opts), db.Table(topology.TableIdempotency), c)
	ctx := context.Background()
	lose.Store(1)
	if got, err := s.Begin(ctx, "usr_a POST /x", "k1", "fp1"); err != nil || got != nil {
		t.Fatalf("Begin after a lost answer = %v, %v; want our claim", got, err)
	}
	lose.Store(1)
	want := api.StoredResponse{Status: 201, Body: `{"id":"x"}`}
	if err := s.Complete(ctx, "usr_a POST /x", "k1", "fp1", want); err != nil {
		t.Fatalf("Complete after a lost answer: %v", err)
	}
	if got, err := s.Begin(ctx, "usr_a POST /x", "k1", "fp1"); err != nil || got == nil || got.Body != want.Body {
		t.Fatalf("the retry replays: %+v %v", got, err)
	}
}
