package auctions

// Flight items, added to the key design in dynamo.go:
//
//	pk                 sk                          gsi1pk                  item
//	FLT#<flightId>     META                        ADV#<advId>#FLIGHTS     a booked flight: window, creative, price
//	SLOT#<slotId>      RUN#<flightEnd>#<flightId>  -                       the flight as the serve path reads it
//	FLT#<flightId>     STAT#<day>#<shard>          -                       impression and click counters
//
// The serve path finds the slot's current flight with one Query: the
// first RUN# item whose end is after now (flights of a slot never
// overlap, so it is the running one or the next). Counters are sharded
// and written in buffered increments (serve.go), never one write per
// impression on one item.

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/fault"
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

// flightPuts are the flight and its serve-path copy, created once.
func (r *Repository) flightPuts(f flightItem) ([]types.TransactWriteItem, error) {
	f.PK, f.SK, f.GSI1PK, f.GSI1SK = "FLT#"+f.ID, "META", "ADV#"+f.AdvertiserID+"#FLIGHTS", f.ID
	meta, err := attributevalue.MarshalMap(f)
	if err != nil {
		return nil, fault.Wrap("auctions.flightPuts", err)
	}
	run := f
	run.PK, run.SK, run.GSI1PK, run.GSI1SK = "SLOT#"+f.SlotID, "RUN#"+f.FlightEnd+"#"+f.ID, "", ""
	runItem, err := attributevalue.MarshalMap(run)
	if err != nil {
		return nil, fault.Wrap("auctions.flightPuts", err)
	}
	cond := aws.String("attribute_not_exists(pk)")
	return []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(r.table), Item: meta, ConditionExpression: cond}},
		{Put: &types.Put{TableName: aws.String(r.table), Item: runItem, ConditionExpression: cond}},
	}, nil
}
