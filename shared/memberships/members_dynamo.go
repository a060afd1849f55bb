package memberships

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/topology"
)

// IndexByMember lists a person's memberships.
const IndexByMember = topology.IndexGSI2

func (r *Repository) membership(ctx context.Context, id string) (membershipItem, bool, error) {
	return store.Get[membershipItem](ctx, r.db, r.table, "MEM#"+id, "MEM")
}

func (r *Repository) payment(ctx context.Context, id string) (paymentItem, bool, error) {
	return store.Get[paymentItem](ctx, r.db, r.table, "MPAY#"+id, "MPAY")
}

func (r *Repository) payments(ctx context.Context, membershipID string) ([]paymentItem, error) {
	return store.QueryAll[paymentItem](ctx, r.db, &dynamodb.QueryInput{
		TableName: aws.String(r.table), IndexName: aws.String(IndexByCommunity),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("MEM#" + membershipID + "#PAYS")},
	}, 20)
}

// byIndex lists memberships of a community (gsi1) or a person (gsi2),
// oldest first.
func (r *Repository) byIndex(ctx context.Context, index, keyAttr, key string) ([]membershipItem, error) {
	return store.QueryAll[membershipItem](ctx, r.db, &dynamodb.QueryInput{
		TableName: aws.String(r.table), IndexName: aws.String(index),
		KeyConditionExpression:    aws.String(keyAttr + " = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S(key)},
	}, 100)
}

type liveItem struct {
	PK           string `dynamodbav:"pk"`
	SK           string `dynamodbav:"sk"`
	MembershipID string `dynamodbav:"membershipId"`
}

// change is one write of a membership: the membership as it becomes
// (over the version read; a new one when readVersion is 0), with whatever
// goes with it in the same transaction.
type change struct {
	before      *membershipItem // nil: a new membership
	after       membershipItem
	readVersion int
	// takeLive and freeLive take and free the person's one live place.
	takeLive, freeLive bool
	events             []events.Event
	parts              []store.Part
	// flows are the report's counters of the day (new, canceled, failed,
	// revenue, refunds); the members' counts and MRR follow from before
	// and after.
	flows map[string]int64
}

// Names of a change's parts, as its failures are told apart.
const (
	partMembership = "membership"
	partLive       = "live"
	partPayment    = "payment"
)

func (r *Repository) write(ctx context.Context, c change, now time.Time) error {
	c.after.index()
	c.after.UpdatedAt = clock.Format(now)
	item, err := attributevalue.MarshalMap(c.after)
	if err != nil {
		return err
	}
	put := &types.Put{TableName: aws.String(r.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if c.readVersion > 0 {
		put.ConditionExpression = aws.String("version = :v")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": store.N(int64(c.readVersion))}
	}
	tx := store.NewTx().Add(partMembership, types.TransactWriteItem{Put: put})
	live := map[string]types.AttributeValue{"pk": store.S(livePK(c.after.CommunityID, c.after.UserID)), "sk": store.S("LIVE")}
	switch {
	case c.takeLive:
		li, err := attributevalue.MarshalMap(liveItem{PK: livePK(c.after.CommunityID, c.after.UserID), SK: "LIVE", MembershipID: c.after.ID})
		if err != nil {
			return err
		}
		tx.Add(partLive, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: li,
			ConditionExpression: aws.String("attribute_not_exists(pk)"), ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}})
	case c.freeLive:
		tx.Add(partLive, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(r.table), Key: live,
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR membershipId = :m"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":m": store.S(c.after.ID)}}})
	}
	for i, e := range c.events {
		evt, err := events.OutboxPut(r.outbox, e, now)
		if err != nil {
			return err
		}
		tx.Add("event "+string(rune('a'+i)), evt)
	}
	tx.AddParts(c.parts...)
	if day := r.reportDay(c, now); day != nil {
		tx.Add("report", types.TransactWriteItem{Update: day})
	}
	return tx.Write(ctx, r.db)
}

// putPayment is a payment's part of a change: new, once.
func (r *Repository) putPayment(p paymentItem) (store.Part, error) {
	p.PK, p.SK = "MPAY#"+p.ID, "MPAY"
	p.GSI1PK, p.GSI1SK = "MEM#"+p.MembershipID+"#PAYS", p.PaidAt+"#"+p.ID
	item, err := attributevalue.MarshalMap(p)
	if err != nil {
		return store.Part{}, err
	}
	return store.Part{Name: partPayment, Item: types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: item,
		ConditionExpression: aws.String("attribute_not_exists(pk)")}}}, nil
}
