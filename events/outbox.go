package events

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/id"
)

// OutboxRetention is how long a relayed event stays in the outbox table
// before DynamoDB's TTL removes it: long enough to investigate, short enough
// to stay cheap. TTL deletions reach the stream as REMOVE records, which the
// relay ignores.
const OutboxRetention = 7 * 24 * time.Hour

// Outbox item attributes, shared by the writer and the relay.
const (
	AttrPK         = "pk"
	AttrSource     = "source"
	AttrDetailType = "detailType"
	AttrDetail     = "detail"
	AttrOccurredAt = "occurredAt"
	AttrExpiresAt  = "expiresAt"
)

// OutboxPut stamps e's Meta (a new event id, occurredAt = now, schema
// version 1 unless set) and returns the Put that a service adds to its own
// TransactWriteItems, so that the event exists if and only if the state
// change committed. The condition refuses to overwrite an event id.
func OutboxPut(table string, e Event, now time.Time) (types.TransactWriteItem, error) {
	m := e.Base()
	if m.EventID == "" {
		m.EventID = id.New("evt", now)
	}
	if m.OccurredAt == "" {
		m.OccurredAt = clock.Format(now)
	}
	if m.SchemaVersion == 0 {
		m.SchemaVersion = 1
	}
	detail, err := json.Marshal(e)
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("events: marshal %s: %w", e.DetailType(), err)
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(table),
		Item: map[string]types.AttributeValue{
			AttrPK:         &types.AttributeValueMemberS{Value: m.EventID},
			AttrSource:     &types.AttributeValueMemberS{Value: e.Source()},
			AttrDetailType: &types.AttributeValueMemberS{Value: e.DetailType()},
			AttrDetail:     &types.AttributeValueMemberS{Value: string(detail)},
			AttrOccurredAt: &types.AttributeValueMemberS{Value: m.OccurredAt},
			AttrExpiresAt:  &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(OutboxRetention).Unix(), 10)},
		},
		ConditionExpression: aws.String("attribute_not_exists(" + AttrPK + ")"),
	}}, nil
}
