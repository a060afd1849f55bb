package payouts

// Key design of the payouts table (pk, sk strings):
//
//	pk               sk     gsi1pk / gsi1sk        gsi2pk / gsi2sk                 item
//	COM#<cid>        META   -                      -                               community projection (owner, currency), from CommunityCreated
//	EVT#<eventId>    EVT    -                      -                               a consumed event (dedupe), expires after 7 days
//	DEST#<uid>       META   -                      -                               a person's payout destination and its Stripe state: the account
//	                                                                               paid (accountId), the Express account Souq made (connectAccountId),
//	                                                                               status, requirements, accountVersion (Stripe's time of that state)
//	MIN#<uid>#<cur>  MIN    -                      -                               the smallest minimum payout of an influencer's deals in a currency, from DealApproved
//	PO#<poId>        META   REQ#<uid> / <poId>     OPEN / <due>#<poId>             a payout; gsi2 only while pending or processing, due when the
//	                                                                               worker should have finished with it (the sweep's query)
//
// A payout changes state only by a Put conditional on its revision, so of
// two workers only one holds it, and paid or failed is recorded once. A
// destination too is written only over the revision read (rev), so an
// onboarding, a typed destination and Stripe's updates never overwrite one
// another; a claim checks, in its own transaction, that the account it
// copies is still the enabled one.

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
	// ConnectAccountID is the Express account Souq made for the person;
	// it outlives a hand-typed destination, so that onboarding again
	// reuses it rather than making a second one.
	ConnectAccountID string `dynamodbav:"connectAccountId,omitempty"`
	// Status, Requirements and AccountVersion are AccountID's state as
	// Stripe last told it (AccountState). An item written before Stripe
	// onboarding has no status: pending.
	Status           string   `dynamodbav:"status,omitempty"`
	Requirements     []string `dynamodbav:"requirements,omitempty"`
	AccountVersion   int64    `dynamodbav:"accountVersion,omitempty"`
	DetailsSubmitted bool     `dynamodbav:"detailsSubmitted,omitempty"`
	Rev              int      `dynamodbav:"rev,omitempty"`
}

func destinationKey(userID string) (pk, sk string) { return "DEST#" + userID, "META" }

func (it destinationItem) state() AccountState {
	st := AccountState{Status: AccountStatus(it.Status), Requirements: it.Requirements, Version: it.AccountVersion}
	if !ValidAccountStatus(it.Status) {
		st.Status = AccountPending
	}
	if st.Requirements == nil {
		st.Requirements = []string{}
	}
	return st
}

// submitted reports whether the account's onboarding was submitted, as
// far as Souq knows: Stripe said so, or its status implies it.
func (it destinationItem) submitted() bool {
	s := AccountStatus(it.Status)
	return it.DetailsSubmitted || s == AccountEnabled || s == AccountRestricted
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

func (r *Repository) destination(ctx context.Context, userID string) (destinationItem, bool, error) {
	pk, sk := destinationKey(userID)
	return get[destinationItem](ctx, r, "payouts.destination", pk, sk)
}

// putDestination writes a destination over the one read (found: there
// was one; its rev), so that of two racing writers one fails its
// condition and reads again. Items from before revisions have none.
func (r *Repository) putDestination(it destinationItem, found bool, readRev int) (types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	p := &types.Put{TableName: aws.String(r.table), Item: av}
	switch {
	case !found:
		p.ConditionExpression = aws.String("attribute_not_exists(pk)")
	case readRev == 0:
		p.ConditionExpression = aws.String("attribute_exists(pk) AND attribute_not_exists(rev)")
	default:
		p.ConditionExpression = aws.String("rev = :r")
		p.ExpressionAttributeValues = map[string]types.AttributeValue{":r": store.N(int64(readRev))}
	}
	return types.TransactWriteItem{Put: p}, nil
}

// payableCheck holds a claim to the destination it copied: still that
// account, still enabled, at the commit.
func (r *Repository) payableCheck(userID, accountID string) types.TransactWriteItem {
	pk, sk := destinationKey(userID)
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: aws.String(r.table), Key: map[string]types.AttributeValue{"pk": store.S(pk), "sk": store.S(sk)},
		ConditionExpression:      aws.String("accountId = :a AND #s = :enabled"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":a": store.S(accountID), ":enabled": store.S(string(AccountEnabled)),
		},
	}}
}
