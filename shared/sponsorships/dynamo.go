package sponsorships

// Key design of the sponsorships table (pk, sk strings):
//
//	pk              sk                  gsi1pk / gsi1sk                          gsi2pk / gsi2sk          item
//	COM#<cid>       META                -                                        -                        community projection (owner, currency), from CommunityCreated
//	ADV#<aid>       META                -                                        -                        advertiser projection (owner, currency), from AdvertiserCreated
//	EVT#<eventId>   EVT                 -                                        -                        a consumed event (dedupe), expires after 7 days
//	OFF#<oid>       META                COM#<cid>#OFFS / <oid>                   -                        an offering (the rate card lists active ones)
//	OFF#<oid>       DATE#<yyyy-mm-dd>   -                                        -                        a date: bookings taken, blocked by the owner
//	SPN#<sid>       META                COM#<cid>#Q#<status> / <deadline>#<sid>  ADV#<aid>#SPNS / <sid>   a sponsorship: the review queue per status,
//	                                                                                                      oldest deadline first; the advertiser's bookings
//	SPN#<sid>       V#<nnnn>            -                                        -                        a content version (all kept)
//	SPN#<sid>       H#<nnnn>            -                                        -                        a history entry (actor, time, from → to, note)
//
// A booking takes its date with a conditional ADD on the DATE item (below
// capacity, not blocked) in the booking's transaction: two sponsors racing
// for the last opening cannot both get it. Every transition is one
// transaction conditional on the sponsorship's status and revision, with
// its history entry, its event, its ledger movement and, when it gives the
// date back, the DATE item's decrement. Reading a sponsorship is one Query
// of its partition (META, versions, history; revisions are bounded).

import (
	"context"
	"fmt"

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
	IndexByCommunity  = topology.IndexGSI1
	IndexByAdvertiser = topology.IndexGSI2
)

// Repository loads and saves sponsorships data.
type Repository struct {
	db     *dynamodb.Client
	table  string
	outbox string
}

// NewRepository returns a repository over the sponsorships table.
func NewRepository(db *store.DB) *Repository {
	return &Repository{db: db.Client, table: db.Table(topology.TableSponsorships), outbox: db.Table(topology.TableOutbox)}
}

type offeringItem struct {
	PK              string `dynamodbav:"pk"`
	SK              string `dynamodbav:"sk"`
	GSI1PK          string `dynamodbav:"gsi1pk"`
	GSI1SK          string `dynamodbav:"gsi1sk"`
	ID              string `dynamodbav:"id"`
	CommunityID     string `dynamodbav:"communityId"`
	Title           string `dynamodbav:"title"`
	Format          string `dynamodbav:"format"`
	Price           int64  `dynamodbav:"price"`
	Currency        string `dynamodbav:"currency"`
	ReviewDays      int    `dynamodbav:"reviewDays"`
	MaxTitle        int    `dynamodbav:"maxTitle"`
	MaxBody         int    `dynamodbav:"maxBody"`
	LinkRequired    bool   `dynamodbav:"linkRequired"`
	Brief           string `dynamodbav:"brief"`
	CapacityPerDate int    `dynamodbav:"capacityPerDate"`
	Archived        bool   `dynamodbav:"archived"`
	CreatedAt       string `dynamodbav:"createdAt"`
	Version         int    `dynamodbav:"version"`
}

type sponsorshipItem struct {
	PK              string `dynamodbav:"pk"`
	SK              string `dynamodbav:"sk"`
	GSI1PK          string `dynamodbav:"gsi1pk"`
	GSI1SK          string `dynamodbav:"gsi1sk"`
	GSI2PK          string `dynamodbav:"gsi2pk"`
	GSI2SK          string `dynamodbav:"gsi2sk"`
	ID              string `dynamodbav:"id"`
	OfferingID      string `dynamodbav:"offeringId"`
	OfferingTitle   string `dynamodbav:"offeringTitle"`
	CommunityID     string `dynamodbav:"communityId"`
	AdvertiserID    string `dynamodbav:"advertiserId"`
	Status          string `dynamodbav:"status"`
	Price           int64  `dynamodbav:"price"`
	Currency        string `dynamodbav:"currency"`
	Date            string `dynamodbav:"date"`
	PublishDate     string `dynamodbav:"publishDate,omitempty"`
	PublishedURL    string `dynamodbav:"publishedUrl,omitempty"`
	ReviewDeadline  string `dynamodbav:"reviewDeadline"`
	ReviewDays      int    `dynamodbav:"reviewDays"`
	ContentVersion  int    `dynamodbav:"contentVersion"`
	MaxTitle        int    `dynamodbav:"maxTitle"`
	MaxBody         int    `dynamodbav:"maxBody"`
	LinkRequired    bool   `dynamodbav:"linkRequired"`
	ProposalPrice   int64  `dynamodbav:"proposalPrice,omitempty"`
	ProposalDate    string `dynamodbav:"proposalDate,omitempty"`
	ProposalNote    string `dynamodbav:"proposalNote,omitempty"`
	HoldAdjustments int    `dynamodbav:"holdAdjustments"`
	History         int    `dynamodbav:"history"`
	CreatedAt       string `dynamodbav:"createdAt"`
	UpdatedAt       string `dynamodbav:"updatedAt"`
	// Rev changes with every transition: the condition of the next.
	Rev int `dynamodbav:"rev"`
}

func (it *sponsorshipItem) index() {
	it.PK, it.SK = "SPN#"+it.ID, "META"
	it.GSI1PK, it.GSI1SK = "COM#"+it.CommunityID+"#Q#"+it.Status, it.ReviewDeadline+"#"+it.ID
	it.GSI2PK, it.GSI2SK = "ADV#"+it.AdvertiserID+"#SPNS", it.ID
}

type versionItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Version   int    `dynamodbav:"version"`
	Title     string `dynamodbav:"title"`
	Body      string `dynamodbav:"body"`
	Link      string `dynamodbav:"link,omitempty"`
	ImageURL  string `dynamodbav:"imageUrl,omitempty"`
	CreatedAt string `dynamodbav:"createdAt"`
}

type historyItem struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	Seq    int    `dynamodbav:"seq"`
	Actor  string `dynamodbav:"actor"`
	Role   string `dynamodbav:"role"`
	Action string `dynamodbav:"action"`
	From   string `dynamodbav:"from,omitempty"`
	To     string `dynamodbav:"to"`
	Note   string `dynamodbav:"note,omitempty"`
	At     string `dynamodbav:"at"`
}

func versionKey(n int) string { return fmt.Sprintf("V#%04d", n) }
func historyKey(n int) string { return fmt.Sprintf("H#%04d", n) }

func put(table string, v any, cond string) (types.TransactWriteItem, error) {
	item, err := attributevalue.MarshalMap(v)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	p := &types.Put{TableName: aws.String(table), Item: item}
	if cond != "" {
		p.ConditionExpression = aws.String(cond)
	}
	return types.TransactWriteItem{Put: p}, nil
}

func (r *Repository) getOffering(ctx context.Context, id string) (offeringItem, bool, error) {
	it, found, err := store.Get[offeringItem](ctx, r.db, r.table, "OFF#"+id, "META")
	return it, found, fault.Wrap("sponsorships.getOffering", err)
}

func (r *Repository) putOffering(ctx context.Context, it offeringItem, readVersion int) error {
	cond, vals := "attribute_not_exists(pk)", map[string]types.AttributeValue(nil)
	if readVersion > 0 {
		cond, vals = "version = :v", map[string]types.AttributeValue{":v": store.N(int64(readVersion))}
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fault.Wrap("sponsorships.putOffering", err)
	}
	err = store.PutItem(ctx, r.db, &dynamodb.PutItemInput{TableName: aws.String(r.table), Item: item, ConditionExpression: aws.String(cond), ExpressionAttributeValues: vals})
	if store.IsConditionFailed(err) {
		return fault.New(fault.Conflict, "sponsorships.putOffering", "the offering changed while you were updating it; read it again and retry")
	}
	return fault.Wrap("sponsorships.putOffering", err)
}

func (r *Repository) listOfferings(ctx context.Context, communityID string, limit int, cursor string) ([]offeringItem, string, error) {
	gpk := "COM#" + communityID + "#OFFS"
	items, next, err := store.QueryPage[offeringItem](ctx, r.db, &dynamodb.QueryInput{
		TableName: aws.String(r.table), IndexName: aws.String(IndexByCommunity),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		FilterExpression:          aws.String("archived = :f"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S(gpk), ":f": &types.AttributeValueMemberBOOL{Value: false}},
		ScanIndexForward:          aws.Bool(false), Limit: aws.Int32(int32(limit)),
	}, cursor, "gsi1pk", gpk)
	return items, next, fault.Wrap("sponsorships.listOfferings", err)
}

func dateKey(offeringID, date string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": store.S("OFF#" + offeringID), "sk": store.S("DATE#" + date)}
}

// takeDate books one opening of a date: below capacity and not blocked.
func (r *Repository) takeDate(offeringID, date string, capacity int) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(r.table), Key: dateKey(offeringID, date),
		UpdateExpression:         aws.String("ADD booked :one SET #d = :d"),
		ConditionExpression:      aws.String("(attribute_not_exists(blocked) OR blocked = :f) AND (attribute_not_exists(booked) OR booked < :cap)"),
		ExpressionAttributeNames: map[string]string{"#d": "date"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": store.N(1), ":d": store.S(date),
			":f": &types.AttributeValueMemberBOOL{Value: false}, ":cap": store.N(int64(capacity))},
	}}
}

// freeDate gives one opening back.
func (r *Repository) freeDate(offeringID, date string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(r.table), Key: dateKey(offeringID, date),
		UpdateExpression:          aws.String("ADD booked :m"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":m": store.N(-1)},
	}}
}

// setBlocked blocks or unblocks dates of an offering.
func (r *Repository) setBlocked(ctx context.Context, offeringID string, dates []string, blocked bool) error {
	for _, d := range dates {
		_, err := r.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(r.table), Key: dateKey(offeringID, d),
			UpdateExpression:          aws.String("SET blocked = :b, #d = :d"),
			ExpressionAttributeNames:  map[string]string{"#d": "date"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":b": &types.AttributeValueMemberBOOL{Value: blocked}, ":d": store.S(d)},
		})
		if err != nil {
			return fault.Wrap("sponsorships.setBlocked", store.Classify(err))
		}
	}
	return nil
}

type dateItem struct {
	Date    string `dynamodbav:"date"`
	Booked  int    `dynamodbav:"booked"`
	Blocked bool   `dynamodbav:"blocked"`
}

// dates reads an offering's date items between two dates (inclusive).
func (r *Repository) dates(ctx context.Context, offeringID, from, to string) ([]dateItem, error) {
	out, err := store.QueryAll[dateItem](ctx, r.db, &dynamodb.QueryInput{
		TableName: aws.String(r.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :p AND sk BETWEEN :a AND :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("OFF#" + offeringID), ":a": store.S("DATE#" + from), ":b": store.S("DATE#" + to)},
	}, 10)
	return out, fault.Wrap("sponsorships.dates", err)
}

// readSponsorship reads a sponsorship's whole partition: META, versions,
// history.
func (r *Repository) readSponsorship(ctx context.Context, id string) (sponsorshipItem, []versionItem, []historyItem, bool, error) {
	const op = "sponsorships.readSponsorship"
	var raw []map[string]types.AttributeValue
	in := &dynamodb.QueryInput{
		TableName: aws.String(r.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("SPN#" + id)},
	}
	for page := 0; ; page++ {
		if page == 20 {
			return sponsorshipItem{}, nil, nil, false, fault.New(fault.Internal, op, "sponsorship "+id+" has too many items")
		}
		res, err := r.db.Query(ctx, in)
		if err != nil {
			return sponsorshipItem{}, nil, nil, false, fault.Wrap(op, store.Classify(err))
		}
		raw = append(raw, res.Items...)
		if res.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
	var meta sponsorshipItem
	var versions []versionItem
	var history []historyItem
	found := false
	var err error
	for _, it := range raw {
		sk := store.StringAttr(it, "sk")
		switch {
		case sk == "META":
			found = true
			err = attributevalue.UnmarshalMap(it, &meta)
		case len(sk) > 2 && sk[:2] == "V#":
			var v versionItem
			err = attributevalue.UnmarshalMap(it, &v)
			versions = append(versions, v)
		case len(sk) > 2 && sk[:2] == "H#":
			var h historyItem
			err = attributevalue.UnmarshalMap(it, &h)
			history = append(history, h)
		}
		if err != nil {
			return sponsorshipItem{}, nil, nil, false, fault.Wrap(op, err)
		}
	}
	return meta, versions, history, found, nil
}

// transitionPut writes a sponsorship's new META over the one read:
// conditional on its status and revision.
func (r *Repository) transitionPut(it sponsorshipItem, readStatus string, readRev int) (types.TransactWriteItem, error) {
	it.index()
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(r.table), Item: item,
		ConditionExpression:                 aws.String("#s = :s AND rev = :r"),
		ExpressionAttributeNames:            map[string]string{"#s": "status"},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":s": store.S(readStatus), ":r": store.N(int64(readRev))},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}, nil
}

func (r *Repository) queue(ctx context.Context, communityID string, status Status, limit int, cursor string) ([]sponsorshipItem, string, error) {
	items, next, err := store.IndexPage[sponsorshipItem](ctx, r.db, r.table, IndexByCommunity, "gsi1pk", "COM#"+communityID+"#Q#"+string(status), true, limit, cursor)
	return items, next, fault.Wrap("sponsorships.queue", err)
}

func (r *Repository) advertiserBookings(ctx context.Context, advertiserID string, limit int, cursor string) ([]sponsorshipItem, string, error) {
	items, next, err := store.IndexPage[sponsorshipItem](ctx, r.db, r.table, IndexByAdvertiser, "gsi2pk", "ADV#"+advertiserID+"#SPNS", false, limit, cursor)
	return items, next, fault.Wrap("sponsorships.advertiserBookings", err)
}
