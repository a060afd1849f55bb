// Package idempotency implements Idempotency-Key (DESIGN §6) in DynamoDB:
// the same key and request replays the stored response, the same key with
// a different request is 422, a request whose key is still in flight is
// 409, and keys expire after 24 hours.
//
// Keys are scoped to principal and route, so two callers never collide.
// It must never run a request twice while a first run may still be going:
// a claim holds a lease, and only a claim whose lease ran out (its holder
// crashed) can be taken over.
//
// Key design (table "idempotency"):
//
//	pk            "<principal> <route key>\x00<Idempotency-Key>"
//	fp            fingerprint of the request (method, path, body)
//	state         in_flight | done
//	leaseUntil    unix ms: an in-flight claim older than this was abandoned
//	response      JSON of api.StoredResponse, once done
//	expiresAt     unix seconds; DynamoDB TTL deletes the item after it
package idempotency

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/defects"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/store"
)

// TTL is how long a key is remembered.
const TTL = 24 * time.Hour

// Lease is how long a claim protects an in-flight request. It is longer
// than any function's timeout, so a live request always finishes first.
const Lease = 60 * time.Second

const (
	stateInFlight = "in_flight"
	stateDone     = "done"
)

// Store keeps idempotency records in one table.
type Store struct {
	db    *dynamodb.Client
	table string
	clock clock.Clock
}

var _ api.Idempotency = (*Store)(nil)

// New returns a store over the physical table.
func New(db *dynamodb.Client, table string, c clock.Clock) *Store {
	return &Store{db: db, table: table, clock: c}
}

func pk(scope, key string) string { return scope + "\x00" + key }

// Begin claims the key, or returns the stored response to replay.
func (s *Store) Begin(ctx context.Context, scope, key, fp string) (*api.StoredResponse, error) {
	const op = "idempotency.Begin"
	// holder tells this claim from every other: when DynamoDB applied our
	// write but its answer was lost, the SDK's retry finds the record and
	// must see that it is ours, not another request's in flight.
	holder := id.New("clm", s.clock.Now())
	if defects.SkipIdempotency() {
		return nil, nil // planted (tests/sim): every request runs as a new one
	}
	for attempt := 0; attempt < 3; attempt++ {
		now := s.clock.Now()
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(s.table),
			Item: map[string]types.AttributeValue{
				"pk":         store.S(pk(scope, key)),
				"fp":         store.S(fp),
				"holder":     store.S(holder),
				"state":      store.S(stateInFlight),
				"leaseUntil": store.N(now.Add(Lease).UnixMilli()),
				"expiresAt":  store.N(now.Add(TTL).Unix()),
			},
			// A key is free if it was never used or its record expired but
			// TTL has not deleted it yet (TTL deletion can lag by days).
			ConditionExpression:                 aws.String("attribute_not_exists(pk) OR expiresAt < :now"),
			ExpressionAttributeValues:           map[string]types.AttributeValue{":now": store.N(now.Unix())},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		if err == nil {
			return nil, nil
		}
		err = store.Classify(err)
		var cf *store.ConditionFailedError
		if !errors.As(err, &cf) {
			return nil, fault.Wrap(op, err)
		}
		old := cf.Item
		if old == nil {
			got, gerr := s.db.GetItem(ctx, &dynamodb.GetItemInput{
				TableName: aws.String(s.table), ConsistentRead: aws.Bool(true),
				Key: map[string]types.AttributeValue{"pk": store.S(pk(scope, key))},
			})
			if gerr != nil {
				return nil, fault.Wrap(op, store.Classify(gerr))
			}
			if got.Item == nil {
				continue // deleted between our put and get: try again
			}
			old = got.Item
		}
		if store.StringAttr(old, "fp") != fp {
			return nil, fault.New(fault.IdempotencyMismatch, op,
				"this Idempotency-Key was used for a different request; use a new key for a new request")
		}
		switch store.StringAttr(old, "state") {
		case stateDone:
			var resp api.StoredResponse
			if err := json.Unmarshal([]byte(store.StringAttr(old, "response")), &resp); err != nil {
				return nil, fault.Wrap(op, err)
			}
			return &resp, nil
		case stateInFlight:
			if store.StringAttr(old, "holder") == holder {
				return nil, nil // our own claim, applied before its answer was lost
			}
			lease := store.NumberAttr(old, "leaseUntil")
			if lease > now.UnixMilli() {
				return nil, fault.New(fault.Conflict, op,
					"a request with this Idempotency-Key is still in progress; retry after it finishes")
			}
			// The holder's lease ran out: it crashed. Take the claim over,
			// conditionally on the lease we saw, so only one taker wins.
			_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
				TableName:                aws.String(s.table),
				Key:                      map[string]types.AttributeValue{"pk": store.S(pk(scope, key))},
				UpdateExpression:         aws.String("SET leaseUntil = :lease, holder = :me"),
				ConditionExpression:      aws.String("#s = :inflight AND leaseUntil = :old"),
				ExpressionAttributeNames: map[string]string{"#s": "state"},
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":lease": store.N(now.Add(Lease).UnixMilli()), ":inflight": store.S(stateInFlight), ":old": store.N(lease), ":me": store.S(holder),
				},
			})
			if err == nil {
				return nil, nil
			}
			if !store.IsConditionFailed(store.Classify(err)) {
				return nil, fault.Wrap(op, store.Classify(err))
			}
			// Someone else took it over or finished, or our takeover applied
			// and its answer was lost: look again (the holder tells).
		}
	}
	return nil, fault.New(fault.Conflict, op, "a request with this Idempotency-Key is still in progress; retry after it finishes")
}

// Complete stores the response for replay.
func (s *Store) Complete(ctx context.Context, scope, key, fp string, resp api.StoredResponse) error {
	b, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:        aws.String(s.table),
		Key:              map[string]types.AttributeValue{"pk": store.S(pk(scope, key))},
		UpdateExpression: aws.String("SET #s = :done, #r = :resp"),
		// Done with this very response is fine too: a retry of our own
		// write whose answer was lost.
		ConditionExpression:      aws.String("fp = :fp AND (#s = :inflight OR (#s = :done AND #r = :resp))"),
		ExpressionAttributeNames: map[string]string{"#s": "state", "#r": "response"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":done": store.S(stateDone), ":resp": store.S(string(b)), ":fp": store.S(fp), ":inflight": store.S(stateInFlight),
		},
	})
	return store.Classify(err)
}

// Release deletes an in-flight claim so that a retry runs the request.
func (s *Store) Release(ctx context.Context, scope, key, fp string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                aws.String(s.table),
		Key:                      map[string]types.AttributeValue{"pk": store.S(pk(scope, key))},
		ConditionExpression:      aws.String("fp = :fp AND #s = :inflight"),
		ExpressionAttributeNames: map[string]string{"#s": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":fp": store.S(fp), ":inflight": store.S(stateInFlight),
		},
	})
	err = store.Classify(err)
	if store.IsConditionFailed(err) {
		return nil
	}
	return err
}
