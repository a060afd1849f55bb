package auctions

// Key design of the auctions table (pk, sk strings; gsi1pk/gsi1sk for lists):
//
//	pk                    sk              gsi1pk                    item
//	COM#<communityId>     META            -                         projection of the community (owner, currency),
//	                                                                 from CommunityCreated: auctions never reads accounts
//	EVT#<eventId>         EVT             -                         a consumed event (dedupe), expires after 7 days
//	SLOT#<slotId>         META            COM#<communityId>#SLOTS   a slot; gsi1sk = <slotId> (creation order)
//
// Access patterns: read a slot (GetItem, strongly consistent); list a
// community's slots (Query gsi1, newest first; eventually consistent, which
// a public listing tolerates); check a community's owner (GetItem COM#).
// Slot updates are conditional on a version attribute: a lost race is 409.

import (
	"context"
	"strconv"
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

// IndexBySlotList is the GSI that lists a community's slots.
const IndexBySlotList = topology.IndexGSI1

// Repository loads and saves auctions data.
type Repository struct {
	db     *dynamodb.Client
	table  string
	outbox string
}

// NewRepository returns a repository over the auctions table.
func NewRepository(db *store.DB) *Repository {
	return &Repository{db: db.Client, table: db.Table(topology.TableAuctions), outbox: db.Table(topology.TableOutbox)}
}

type slotItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	GSI1PK      string `dynamodbav:"gsi1pk"`
	GSI1SK      string `dynamodbav:"gsi1sk"`
	ID          string `dynamodbav:"id"`
	CommunityID string `dynamodbav:"communityId"`
	Name        string `dynamodbav:"name"`
	Width       int    `dynamodbav:"width"`
	Height      int    `dynamodbav:"height"`
	Reserve     int64  `dynamodbav:"reserve"`
	Currency    string `dynamodbav:"currency"`
	Format      string `dynamodbav:"format"`
	Archived    bool   `dynamodbav:"archived"`
	CreatedAt   string `dynamodbav:"createdAt"`
	Version     int    `dynamodbav:"version"`
	// The community's own fallback creative, served unbilled.
	HouseImageURL string `dynamodbav:"houseImageUrl,omitempty"`
	HouseClickURL string `dynamodbav:"houseClickUrl,omitempty"`
	HouseAltText  string `dynamodbav:"houseAltText,omitempty"`
	// Campaigns may run on the slot when no flight does, paying at least
	// CampaignsFloor per thousand viewable impressions.
	CampaignsAccept bool  `dynamodbav:"campaignsAccept,omitempty"`
	CampaignsFloor  int64 `dynamodbav:"campaignsFloor,omitempty"`
	// Keywords are the slot's own topics, normalised.
	Keywords []string `dynamodbav:"keywords,omitempty"`
}

func (it slotItem) slot() (Slot, int, time.Time) {
	t := clock.Parse(it.CreatedAt)
	return Slot{ID: it.ID, CommunityID: it.CommunityID, Name: it.Name, Width: it.Width, Height: it.Height,
		Reserve: money.Amount{Minor: it.Reserve, Currency: it.Currency}, Format: Format(it.Format), Archived: it.Archived}, it.Version, t
}

// slotChanged is the event of a slot as it now is: serving keeps its
// own copy of what it needs from it.
func slotChanged(it slotItem) *events.SlotChanged {
	e := &events.SlotChanged{SlotID: it.ID, CommunityID: it.CommunityID, Width: it.Width, Height: it.Height, Archived: it.Archived, Version: it.Version,
		Currency: it.Currency, Campaigns: events.SlotCampaigns{Accept: it.CampaignsAccept, FloorCPM: money.Amount{Minor: it.CampaignsFloor, Currency: it.Currency}},
		Keywords: it.Keywords}
	if it.HouseImageURL != "" {
		e.HouseAd = &events.Creative{ImageURL: it.HouseImageURL, ClickURL: it.HouseClickURL, AltText: it.HouseAltText}
	}
	return e
}

// putSlot creates a slot, with its SlotChanged event.
func (r *Repository) putSlot(ctx context.Context, it slotItem, now time.Time) error {
	const op = "auctions.putSlot"
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fault.Wrap(op, err)
	}
	evt, err := events.OutboxPut(r.outbox, slotChanged(it), now)
	if err != nil {
		return fault.Wrap(op, err)
	}
	err = store.NewTx().
		Add("slot", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}}).
		Add("event", evt).
		Write(ctx, r.db)
	return fault.Wrap(op, err)
}

func (r *Repository) getSlot(ctx context.Context, slotID string) (slotItem, bool, error) {
	it, found, err := store.Get[slotItem](ctx, r.db, r.table, "SLOT#"+slotID, "META")
	return it, found, fault.Wrap("auctions.getSlot", err)
}

// updateSlot writes a changed slot, with its SlotChanged event, if
// nobody changed it since it was read.
func (r *Repository) updateSlot(ctx context.Context, it slotItem, readVersion int, now time.Time) error {
	const op = "auctions.updateSlot"
	it.Version = readVersion + 1
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fault.Wrap(op, err)
	}
	evt, err := events.OutboxPut(r.outbox, slotChanged(it), now)
	if err != nil {
		return fault.Wrap(op, err)
	}
	err = store.NewTx().
		Add("slot", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: item,
			ConditionExpression:       aws.String("version = :v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.Itoa(readVersion)}}}}).
		Add("event", evt).
		Write(ctx, r.db)
	if store.Failed(err, "slot") {
		return fault.New(fault.Conflict, op, "the slot changed while you were updating it; read it again and retry")
	}
	return fault.Wrap(op, err)
}

func (r *Repository) listSlots(ctx context.Context, communityID string, limit int, cursor string) ([]slotItem, string, error) {
	gpk := "COM#" + communityID + "#SLOTS"
	items, next, err := store.QueryPage[slotItem](ctx, r.db, &dynamodb.QueryInput{
		TableName: aws.String(r.table), IndexName: aws.String(IndexBySlotList),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		FilterExpression:          aws.String("archived = :f"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S(gpk), ":f": &types.AttributeValueMemberBOOL{Value: false}},
		ScanIndexForward:          aws.Bool(false), Limit: aws.Int32(int32(limit)),
	}, cursor, "gsi1pk", gpk)
	return items, next, fault.Wrap("auctions.listSlots", err)
}
