package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DedupeFor is how long a consumed event's id is kept: longer than any
// redelivery of the bus (EventBridge retries for 24 hours).
const DedupeFor = 7 * 24 * time.Hour

// PutOnce writes item for the event eventID at most once: with it, in the
// same transaction, an EVT#<eventId> item that may not exist yet (kept
// DedupeFor by TTL on expiresAt). A redelivered event finds it and writes
// nothing: at-least-once delivery, applied once. The table must have pk/sk
// keys and TTL on expiresAt.
func PutOnce(ctx context.Context, c *dynamodb.Client, table, eventID string, item any, now time.Time) error {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return fmt.Errorf("store: marshal the item of event %s: %w", eventID, err)
	}
	return ApplyOnce(ctx, c, table, eventID, now, Part{Name: "item", Item: types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: av}}})
}

// OnceEvent is the name of ApplyOnce's own part, the event's dedupe item:
// no write may take it.
const OnceEvent = "event"

// ApplyOnce is PutOnce for any writes (an ADD to a running total, say):
// they run with the event's dedupe item, in one transaction, at most once.
// Each write is named, as a Tx's parts are, so that after a cancellation
// the caller asks which one failed by its name (Failed(err, name)); a
// name used twice, or OnceEvent, panics.
func ApplyOnce(ctx context.Context, c *dynamodb.Client, table, eventID string, now time.Time, writes ...Part) error {
	tx := NewTx().Add(OnceEvent, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), ConditionExpression: aws.String("attribute_not_exists(pk)"), Item: map[string]types.AttributeValue{
		"pk": S("EVT#" + eventID), "sk": S("EVT"), "expiresAt": N(now.Add(DedupeFor).Unix()),
	}}})
	tx.AddParts(writes...)
	err := tx.Write(ctx, c)
	if Failed(err, OnceEvent) {
		return nil // delivered before
	}
	return err
}
