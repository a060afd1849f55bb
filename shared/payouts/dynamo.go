package payouts

// Key design of the payouts table (pk, sk strings):
//
//	pk               sk     gsi1pk / gsi1sk        gsi2pk / gsi2sk                 item
//	COM#<cid>        META   -                      -                               community projection (owner, currency), from CommunityCreated
//	EVT#<eventId>    EVT    -                      -                               a consumed event (dedupe), expires after 7 days
//	DEST#<uid>       META   -                      -                               a person's payout destination
//	MIN#<uid>#<cur>  MIN    -                      -                               the smallest minimum payout of an influencer's deals in a currency, from DealApproved
//	PO#<poId>        META   REQ#<uid> / <poId>     OPEN / <due>#<poId>             a payout; gsi2 only while pending or processing, due when the
//	                                                                               worker should have finished with it (the sweep's query)
//
// A payout changes state only by a Put conditional on its revision, so of
// two workers only one holds it, and paid or failed is recorded once.

import (
	"context"

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
	IndexByRequester = topology.IndexGSI1
	IndexOpen        = topology.IndexGSI2
)

// Repository loads and saves payouts data.
type Repository struct {
	db     *dynamodb.Client
	table  string
	outbox string
}

// NewRepository returns a repository over the payouts table.
func NewRepository(db *store.DB) *Repository {
	return &Repository{db: db.Client, table: db.Table(topology.TablePayouts), outbox: db.Table(topology.TableOutbox)}
}

type destinationItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Type      string `dynamodbav:"type"`
	AccountID string `dynamodbav:"accountId"`
	UpdatedAt string `dynamodbav:"updatedAt"`
}

type payoutItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	GSI1PK      string `dynamodbav:"gsi1pk"`
	GSI1SK      string `dynamodbav:"gsi1sk"`
	GSI2PK      string `dynamodbav:"gsi2pk,omitempty"`
	GSI2SK      string `dynamodbav:"gsi2sk,omitempty"`
	ID          string `dynamodbav:"id"`
	OwnerKind   string `dynamodbav:"ownerKind"`
	OwnerID     string `dynamodbav:"ownerId"`
	RequestedBy string `dynamodbav:"requestedBy"`
	Amount      int64  `dynamodbav:"amount"`
	Currency    string `dynamodbav:"currency"`
	// Destination is copied at the claim: a later change of destination
	// does not redirect a payout in flight.
	DestinationType string `dynamodbav:"destinationType"`
	Destination     string `dynamodbav:"destination"`
	Status          string `dynamodbav:"status"`
	Attempts        int    `dynamodbav:"attempts"`
	LeaseUntil      string `dynamodbav:"leaseUntil,omitempty"`
	Reference       string `dynamodbav:"reference,omitempty"`
	Reason          string `dynamodbav:"reason,omitempty"`
	CreatedAt       string `dynamodbav:"createdAt"`
	UpdatedAt       string `dynamodbav:"updatedAt"`
	PaidAt          string `dynamodbav:"paidAt,omitempty"`
	Rev             int    `dynamodbav:"rev"`
}

// index sets the keys; due is when the sweep should look at an open payout.
func (it *payoutItem) index(due string) {
	it.PK, it.SK = "PO#"+it.ID, "META"
	it.GSI1PK, it.GSI1SK = "REQ#"+it.RequestedBy, it.ID
	it.GSI2PK, it.GSI2SK = "", ""
	if s := Status(it.Status); s == Pending || s == Processing {
		it.GSI2PK, it.GSI2SK = "OPEN", due+"#"+it.ID
	}
}

func get[T any](ctx context.Context, r *Repository, op, pk, sk string) (T, bool, error) {
	it, found, err := store.Get[T](ctx, r.db, r.table, pk, sk)
	return it, found, fault.Wrap(op, err)
}

func (r *Repository) payout(ctx context.Context, id string) (payoutItem, bool, error) {
	return get[payoutItem](ctx, r, "payouts.payout", "PO#"+id, "META")
}

// putPayout writes a payout over the revision read (0: a new one).
func (r *Repository) putPayout(it payoutItem, readRev int) (types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	p := &types.Put{TableName: aws.String(r.table), Item: av, ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if readRev > 0 {
		p.ConditionExpression = aws.String("rev = :r")
		p.ExpressionAttributeValues = map[string]types.AttributeValue{":r": store.N(int64(readRev))}
	}
	return types.TransactWriteItem{Put: p}, nil
}

func (r *Repository) putDestination(it destinationItem) (types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: av}}, nil
}
