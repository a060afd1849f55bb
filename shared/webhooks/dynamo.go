package webhooks

// Key design of the webhooks table (pk, sk strings):
//
//	pk              sk     gsi1pk / gsi1sk                      gsi2pk / gsi2sk                         item
//	COM#<cid>       META   -                                    -                                       community → owner, from CommunityCreated
//	ADV#<aid>       META   -                                    -                                       advertiser → owner, from AdvertiserCreated
//	EVT#<eventId>   EVT    -                                    -                                       a consumed event (dedupe), expires after 7 days
//	WH#<whId>       META   OWN#<uid> / <whId>                   -                                       an endpoint, its sealed secrets, its failure streak
//	OWN#<uid>       COUNT  -                                    -                                       how many endpoints the person has (the limit, counted in each create's transaction)
//	DLV#<dlvId>     META   WH#<whId>#DLV / <createdAt>#<dlvId>  WH#<whId>#DEAD / <deadAt>#<dlvId>       a delivery (gsi2 only while dead-lettered)
//
// A delivery's id derives from its endpoint and its event, so a
// redelivered event finds its delivery (attribute_not_exists) and does not
// send again; the id is also the webhook-id every attempt carries.
// Deliveries are written conditional on their attempt count: two attempts
// never record over each other.

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/topology"
)

// Index names.
const (
	IndexByParent = topology.IndexGSI1
	IndexDead     = topology.IndexGSI2
)

// Repository loads and saves webhooks data.
type Repository struct {
	db     *dynamodb.Client
	table  string
	outbox string
}

// NewRepository returns a repository over the webhooks table.
func NewRepository(db *store.DB) *Repository {
	return &Repository{db: db.Client, table: db.Table(topology.TableWebhooks), outbox: db.Table(topology.TableOutbox)}
}

// sealedSecret is a secret at rest; the previous one signs until ExpiresAt.
type sealedSecret struct {
	Sealed    string `dynamodbav:"sealed"`
	CreatedAt string `dynamodbav:"createdAt"`
	ExpiresAt string `dynamodbav:"expiresAt,omitempty"`
}

type endpointItem struct {
	PK             string         `dynamodbav:"pk"`
	SK             string         `dynamodbav:"sk"`
	GSI1PK         string         `dynamodbav:"gsi1pk"`
	GSI1SK         string         `dynamodbav:"gsi1sk"`
	ID             string         `dynamodbav:"id"`
	OwnerID        string         `dynamodbav:"ownerId"`
	URL            string         `dynamodbav:"url"`
	Events         []string       `dynamodbav:"events"`
	Description    string         `dynamodbav:"description,omitempty"`
	Enabled        bool           `dynamodbav:"enabled"`
	DisabledReason string         `dynamodbav:"disabledReason,omitempty"`
	Secrets        []sealedSecret `dynamodbav:"secrets"`
	FailingSince   string         `dynamodbav:"failingSince,omitempty"`
	CreatedAt      string         `dynamodbav:"createdAt"`
	UpdatedAt      string         `dynamodbav:"updatedAt"`
	Version        int            `dynamodbav:"version"`
}

// insertEndpoint writes a new endpoint and counts it against its owner's
// limit in the same transaction, so concurrent registrations can never
// pass MaxEndpoints (a count read before an unconditional put could).
func (r *Repository) insertEndpoint(ctx context.Context, it endpointItem) error {
	const op = "webhooks.insertEndpoint"
	av, err := marshal(it)
	if err != nil {
		return fault.Wrap(op, err)
	}
	err = store.NewTx().
		Add("count", types.TransactWriteItem{Update: &types.Update{TableName: aws.String(r.table),
			Key:                       map[string]types.AttributeValue{"pk": store.S("OWN#" + it.OwnerID), "sk": store.S("COUNT")},
			UpdateExpression:          aws.String("ADD endpoints :one"),
			ConditionExpression:       aws.String("attribute_not_exists(endpoints) OR endpoints < :max"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": store.N(1), ":max": store.N(MaxEndpoints)},
		}}).
		Add("endpoint", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: av, ConditionExpression: aws.String("attribute_not_exists(pk)")}}).
		Write(ctx, r.db)
	if store.Failed(err, "count") {
		return &fault.Error{Kind: fault.Conflict, Op: op, State: "limit", Message: fmt.Sprintf("at most %d endpoints per person; delete one first", MaxEndpoints)}
	}
	return fault.Wrap(op, err)
}

// deleteEndpoint removes an endpoint as it was read and frees its place
// in its owner's count.
func (r *Repository) deleteEndpoint(ctx context.Context, it endpointItem) error {
	const op = "webhooks.deleteEndpoint"
	err := store.NewTx().
		Add("endpoint", types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(r.table),
			Key:                 map[string]types.AttributeValue{"pk": store.S(it.PK), "sk": store.S(it.SK)},
			ConditionExpression: aws.String("version = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": store.N(int64(it.Version))}}}).
		Add("count", types.TransactWriteItem{Update: &types.Update{TableName: aws.String(r.table),
			Key:                       map[string]types.AttributeValue{"pk": store.S("OWN#" + it.OwnerID), "sk": store.S("COUNT")},
			UpdateExpression:          aws.String("ADD endpoints :minus"),
			ConditionExpression:       aws.String("endpoints > :zero"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":minus": store.N(-1), ":zero": store.N(0)},
		}}).
		Write(ctx, r.db)
	if store.Failed(err, "endpoint") {
		return fault.New(fault.Conflict, op, "the endpoint changed meanwhile; read it again and retry")
	}
	return fault.Wrap(op, err)
}

func (it *endpointItem) index() {
	it.PK, it.SK = "WH#"+it.ID, "META"
	it.GSI1PK, it.GSI1SK = "OWN#"+it.OwnerID, it.ID
}

// Subscribed reports whether the endpoint hears a detail-type.
func (it endpointItem) subscribed(detailType string) bool {
	for _, e := range it.Events {
		if e == "*" || e == detailType {
			return true
		}
	}
	return false
}

type deliveryItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	GSI1PK      string `dynamodbav:"gsi1pk"`
	GSI1SK      string `dynamodbav:"gsi1sk"`
	GSI2PK      string `dynamodbav:"gsi2pk,omitempty"`
	GSI2SK      string `dynamodbav:"gsi2sk,omitempty"`
	ID          string `dynamodbav:"id"`
	EndpointID  string `dynamodbav:"endpointId"`
	EventID     string `dynamodbav:"eventId"`
	EventType   string `dynamodbav:"eventType"`
	Body        string `dynamodbav:"body"`
	Status      string `dynamodbav:"status"`
	Attempts    int    `dynamodbav:"attempts"`
	LastStatus  int    `dynamodbav:"lastStatus"`
	LastLatency int64  `dynamodbav:"lastLatencyMs"`
	LastError   string `dynamodbav:"lastError,omitempty"`
	NextAt      string `dynamodbav:"nextAttemptAt,omitempty"`
	DeadAt      string `dynamodbav:"deadAt,omitempty"`
	CreatedAt   string `dynamodbav:"createdAt"`
	UpdatedAt   string `dynamodbav:"updatedAt"`
}

func (it *deliveryItem) index() {
	it.PK, it.SK = "DLV#"+it.ID, "META"
	it.GSI1PK, it.GSI1SK = "WH#"+it.EndpointID+"#DLV", it.CreatedAt+"#"+it.ID
	it.GSI2PK, it.GSI2SK = "", ""
	if DeliveryStatus(it.Status) == Dead {
		it.GSI2PK, it.GSI2SK = "WH#"+it.EndpointID+"#DEAD", it.DeadAt+"#"+it.ID
	}
}

// DeliveryID derives a delivery's id (and webhook-id) from its endpoint
// and event.
func DeliveryID(endpointID, eventID string) string {
	sum := sha256.Sum256([]byte(endpointID + "\x00" + eventID))
	return "msg_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:16]))
}

func get[T any](ctx context.Context, r *Repository, op, pk, sk string) (T, bool, error) {
	it, found, err := store.Get[T](ctx, r.db, r.table, pk, sk)
	return it, found, fault.Wrap(op, err)
}

// put writes an item under a condition (with its values).
func (r *Repository) put(ctx context.Context, v any, cond string, vals map[string]types.AttributeValue) error {
	av, err := attributevalue.MarshalMap(v)
	if err != nil {
		return err
	}
	in := &dynamodb.PutItemInput{TableName: aws.String(r.table), Item: av}
	if cond != "" {
		in.ConditionExpression, in.ExpressionAttributeValues = aws.String(cond), vals
	}
	return store.PutItem(ctx, r.db, in)
}

// putAt writes an item over the version (or attempt count) it was read at.
func (r *Repository) putAt(ctx context.Context, v any, attr string, read int) error {
	return r.put(ctx, v, attr+" = :r", map[string]types.AttributeValue{":r": store.N(int64(read))})
}

func page[T any](ctx context.Context, r *Repository, op, index, keyAttr, value string, forward bool, limit int, cursor string) ([]T, string, error) {
	items, next, err := store.IndexPage[T](ctx, r.db, r.table, index, keyAttr, value, forward, limit, cursor)
	return items, next, fault.Wrap(op, err)
}

func marshal(v any) (map[string]types.AttributeValue, error) { return attributevalue.MarshalMap(v) }
