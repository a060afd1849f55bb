package auctions

// Flight items, added to the key design in dynamo.go:
//
//	pk                 sk      gsi1pk                  item
//	FLT#<flightId>     META    ADV#<advId>#FLIGHTS     a booked flight: window, creative, price
//
// Serving learns of a flight from its FlightBooked event, written in the
// same transaction, and keeps its own copy: it never reads this table.

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/store"
)

type flightItem struct {
	PK           string `dynamodbav:"pk"`
	SK           string `dynamodbav:"sk"`
	GSI1PK       string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK       string `dynamodbav:"gsi1sk,omitempty"`
	ID           string `dynamodbav:"id"`
	AuctionID    string `dynamodbav:"auctionId"`
	SlotID       string `dynamodbav:"slotId"`
	CommunityID  string `dynamodbav:"communityId"`
	AdvertiserID string `dynamodbav:"advertiserId"`
	BidID        string `dynamodbav:"bidId"`
	FlightStart  string `dynamodbav:"flightStart"`
	FlightEnd    string `dynamodbav:"flightEnd"`
	Price        int64  `dynamodbav:"price"`
	Currency     string `dynamodbav:"currency"`
	ImageURL     string `dynamodbav:"imageUrl"`
	ClickURL     string `dynamodbav:"clickUrl"`
	AltText      string `dynamodbav:"altText"`
}

// flightID is derived from the auction: a retried close books one flight.
func flightID(auctionID string) string { return "flt_" + auctionID[len("auc_"):] }

// flightPuts are the flight, created once, and its FlightBooked event.
func (r *Repository) flightPuts(f flightItem, now time.Time) ([]store.Part, error) {
	const op = "auctions.flightPuts"
	f.PK, f.SK, f.GSI1PK, f.GSI1SK = "FLT#"+f.ID, "META", "ADV#"+f.AdvertiserID+"#FLIGHTS", f.ID
	meta, err := attributevalue.MarshalMap(f)
	if err != nil {
		return nil, fault.Wrap(op, err)
	}
	evt, err := events.OutboxPut(r.outbox, &events.FlightBooked{FlightID: f.ID, AuctionID: f.AuctionID, SlotID: f.SlotID, CommunityID: f.CommunityID,
		AdvertiserID: f.AdvertiserID, FlightStart: f.FlightStart, FlightEnd: f.FlightEnd,
		Creative: events.Creative{ImageURL: f.ImageURL, ClickURL: f.ClickURL, AltText: f.AltText}}, now)
	if err != nil {
		return nil, fault.Wrap(op, err)
	}
	return []store.Part{
		{Name: "flight", Item: types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: meta, ConditionExpression: aws.String("attribute_not_exists(pk)")}}},
		{Name: "flight booked", Item: evt},
	}, nil
}

func (r *Repository) advertiserFlights(ctx context.Context, advertiserID string, limit int, cursor string) ([]flightItem, string, error) {
	gpk := "ADV#" + advertiserID + "#FLIGHTS"
	items, next, err := store.QueryPage[flightItem](ctx, r.db, &dynamodb.QueryInput{
		TableName: aws.String(r.table), IndexName: aws.String(IndexBySlotList),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S(gpk)},
		ScanIndexForward:          aws.Bool(false), Limit: aws.Int32(int32(limit)),
	}, cursor, "gsi1pk", gpk)
	return items, next, fault.Wrap("auctions.advertiserFlights", err)
}
