package memberships

// Key design of the memberships table (pk, sk strings):
//
//	pk            sk      gsi1pk / gsi1sk             item
//	TIER#<tid>    TIER    COM#<cid>#TIERS / <tid>     a tier: name, benefits, prices, trial, status, version
//	COM#<cid>     TIERS   -                           how many of the community's tiers are on sale (at most MaxTiers)
//
// A community's tiers are one Query of its gsi1 partition. A tier changes
// by a conditional Put on the version read, in one transaction with its
// event and, when it goes on or off sale, the community's count of tiers
// on sale (a conditional ADD: never more than MaxTiers, however many are
// created at once).

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/topology"
)

// IndexByCommunity lists a community's tiers.
const IndexByCommunity = topology.IndexGSI1

// Repository loads and saves memberships data.
type Repository struct {
	db     *dynamodb.Client
	table  string
	outbox string
}

// NewRepository returns a repository over the memberships table.
func NewRepository(db *store.DB) *Repository {
	return &Repository{db: db.Client, table: db.Table(topology.TableMemberships), outbox: db.Table(topology.TableOutbox)}
}

type priceItem struct {
	Interval string `dynamodbav:"interval"`
	Amount   int64  `dynamodbav:"amount"`
}

type tierItem struct {
	PK          string      `dynamodbav:"pk"`
	SK          string      `dynamodbav:"sk"`
	GSI1PK      string      `dynamodbav:"gsi1pk"`
	GSI1SK      string      `dynamodbav:"gsi1sk"`
	ID          string      `dynamodbav:"id"`
	CommunityID string      `dynamodbav:"communityId"`
	OwnerID     string      `dynamodbav:"ownerId"`
	Currency    string      `dynamodbav:"currency"`
	Name        string      `dynamodbav:"name"`
	Description string      `dynamodbav:"description"`
	Benefits    []string    `dynamodbav:"benefits"`
	Prices      []priceItem `dynamodbav:"prices"`
	TrialDays   int         `dynamodbav:"trialDays"`
	Status      string      `dynamodbav:"status"`
	CreatedAt   string      `dynamodbav:"createdAt"`
	UpdatedAt   string      `dynamodbav:"updatedAt"`
	Version     int         `dynamodbav:"version"`
}

func (it *tierItem) index() {
	it.PK, it.SK = "TIER#"+it.ID, "TIER"
	it.GSI1PK, it.GSI1SK = "COM#"+it.CommunityID+"#TIERS", it.ID
}

func (it tierItem) view() TierView {
	v := TierView{ID: it.ID, CommunityID: it.CommunityID, Name: it.Name, Description: it.Description, Benefits: it.Benefits,
		TrialDays: it.TrialDays, Status: TierStatus(it.Status), CreatedAt: clock.Parse(it.CreatedAt), UpdatedAt: clock.Parse(it.UpdatedAt), Prices: []PriceInput{}}
	if v.Benefits == nil {
		v.Benefits = []string{}
	}
	for _, p := range it.Prices {
		v.Prices = append(v.Prices, PriceInput{Interval: Interval(p.Interval), Amount: money.Amount{Minor: p.Amount, Currency: it.Currency}})
	}
	return v
}

func (it tierItem) event() events.Tier {
	e := events.Tier{TierID: it.ID, CommunityID: it.CommunityID, OwnerID: it.OwnerID, Name: it.Name, Description: it.Description,
		Benefits: it.Benefits, TrialDays: it.TrialDays, Status: it.Status, Version: it.Version, Prices: []events.TierPrice{}}
	if e.Benefits == nil {
		e.Benefits = []string{}
	}
	for _, p := range it.Prices {
		e.Prices = append(e.Prices, events.TierPrice{Interval: p.Interval, Amount: p.Amount, Currency: it.Currency})
	}
	return e
}

// saveTier writes a tier (new when readVersion is 0, else over the version
// read) with its event, in one transaction: a change made meanwhile is a
// Conflict.
func (r *Repository) saveTier(ctx context.Context, it tierItem, readVersion int, ev events.Event, now time.Time, onSale int) error {
	it.index()
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return err
	}
	put := &types.Put{TableName: aws.String(r.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if readVersion > 0 {
		put.ConditionExpression = aws.String("version = :v")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": store.N(int64(readVersion))}
	}
	evt, err := events.OutboxPut(r.outbox, ev, now)
	if err != nil {
		return err
	}
	tx := store.NewTx().Add("tier", types.TransactWriteItem{Put: put}).Add("event", evt)
	if onSale != 0 {
		upd := &types.Update{TableName: aws.String(r.table), Key: map[string]types.AttributeValue{"pk": store.S("COM#" + it.CommunityID), "sk": store.S("TIERS")},
			UpdateExpression:          aws.String("ADD onSale :d"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":d": store.N(int64(onSale))}}
		if onSale > 0 {
			upd.ConditionExpression = aws.String("attribute_not_exists(onSale) OR onSale < :max")
			upd.ExpressionAttributeValues[":max"] = store.N(MaxTiers)
		}
		tx.Add("onSale", types.TransactWriteItem{Update: upd})
	}
	err = tx.Write(ctx, r.db)
	switch {
	case store.Failed(err, "tier"):
		return fault.New(fault.Conflict, "memberships.saveTier", "the tier changed meanwhile: read it again")
	case store.Failed(err, "onSale"):
		return fault.New(fault.Conflict, "memberships.saveTier", fmt.Sprintf("a community sells at most %d tiers at once: archive one first", MaxTiers))
	}
	return err
}

func (r *Repository) tier(ctx context.Context, id string) (tierItem, bool, error) {
	return store.Get[tierItem](ctx, r.db, r.table, "TIER#"+id, "TIER")
}

// communityTiers reads all of a community's tiers, oldest first.
func (r *Repository) communityTiers(ctx context.Context, communityID string) ([]tierItem, error) {
	return store.QueryAll[tierItem](ctx, r.db, &dynamodb.QueryInput{
		TableName: aws.String(r.table), IndexName: aws.String(IndexByCommunity),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("COM#" + communityID + "#TIERS")},
	}, 10)
}
