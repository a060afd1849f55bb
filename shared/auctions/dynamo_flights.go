package auctions

// Flight items, added to the key design in dynamo.go:
//
//	pk                 sk                          gsi1pk                  item
//	FLT#<flightId>     META                        ADV#<advId>#FLIGHTS     a booked flight: window, creative, price
//	SLOT#<slotId>      RUN#<flightEnd>#<flightId>  -                       the flight as the serve path reads it
//	FLT#<flightId>     STAT#<day>#<shard>          -                       served, impression, click and refused-event counters
//
// The serve path finds the slot's current flight with one Query: the
// first RUN# item whose end is after now (flights of a slot never
// overlap, so it is the running one or the next). Counters are sharded
// and written in buffered increments (serve.go), never one write per
// impression on one item.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/clock"
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

// flightPuts are the flight and its serve-path copy, created once.
func (r *Repository) flightPuts(f flightItem) ([]store.Part, error) {
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
	return []store.Part{
		{Name: "flight", Item: types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: meta, ConditionExpression: cond}}},
		{Name: "flight run", Item: types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: runItem, ConditionExpression: cond}}},
	}, nil
}

func (r *Repository) getFlight(ctx context.Context, id string) (flightItem, bool, error) {
	it, found, err := store.Get[flightItem](ctx, r.db, r.table, "FLT#"+id, "META")
	return it, found, fault.Wrap("auctions.getFlight", err)
}

// currentRun reads the slot's flight that ends first after now (eventually
// consistent: a flight is booked well before it starts).
func (r *Repository) currentRun(ctx context.Context, slotID string, now time.Time) (flightItem, bool, error) {
	res, err := r.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(r.table),
		KeyConditionExpression: aws.String("pk = :p AND sk BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":p": store.S("SLOT#" + slotID), ":from": store.S("RUN#" + clock.Format(now) + "~"), ":to": store.S("RUN#~"),
		},
		Limit: aws.Int32(1),
	})
	if err != nil {
		return flightItem{}, false, fault.Wrap("auctions.currentRun", store.Classify(err))
	}
	if len(res.Items) == 0 {
		return flightItem{}, false, nil
	}
	var f flightItem
	if err := attributevalue.UnmarshalMap(res.Items[0], &f); err != nil {
		return flightItem{}, false, fault.Wrap("auctions.currentRun", err)
	}
	return f, true, nil
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

// addCounts adds buffered increments to one shard of a flight's day.
func (r *Repository) addCounts(ctx context.Context, flightID, day string, shard int, counts map[string]int64) error {
	expr := "SET flightId = :f, #d = :day"
	vals := map[string]types.AttributeValue{":f": store.S(flightID), ":day": store.S(day)}
	names := map[string]string{"#d": "day"}
	add := ""
	for k, n := range counts {
		if n == 0 {
			continue
		}
		if add != "" {
			add += ", "
		}
		add += fmt.Sprintf("#%s :%s", k, k)
		names["#"+k] = k
		vals[":"+k] = store.N(n)
	}
	if add == "" {
		return nil
	}
	_, err := r.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(r.table),
		Key:                       map[string]types.AttributeValue{"pk": store.S("FLT#" + flightID), "sk": store.S(fmt.Sprintf("STAT#%s#%02d", day, shard))},
		UpdateExpression:          aws.String(expr + " ADD " + add),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: vals,
	})
	return fault.Wrap("auctions.addCounts", store.Classify(err))
}

// DayStats is one day of a flight's counters: served offers, viewable
// impressions, clicks, and refused events by reason.
type DayStats struct {
	Day         string           `json:"day"`
	Served      int64            `json:"served"`
	Impressions int64            `json:"impressions"`
	Clicks      int64            `json:"clicks"`
	Invalid     map[string]int64 `json:"invalid"`
}

// invalidPrefix marks a refused event's counter: inv_<reason>.
const invalidPrefix = "inv_"

// flightStats sums a flight's counter shards per day (a flight lasts at
// most a year: at most 366 × 16 small items).
func (r *Repository) flightStats(ctx context.Context, flightID string) ([]DayStats, error) {
	shards, err := store.QueryAll[map[string]any](ctx, r.db, &dynamodb.QueryInput{
		TableName: aws.String(r.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :p AND begins_with(sk, :s)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("FLT#" + flightID), ":s": store.S("STAT#")},
	}, 100)
	if err != nil {
		return nil, fault.Wrap("auctions.flightStats", err)
	}
	var days []DayStats
	for _, sh := range shards { // sorted by day, then shard
		day, _ := sh["day"].(string)
		if len(days) == 0 || days[len(days)-1].Day != day {
			days = append(days, DayStats{Day: day, Invalid: map[string]int64{}})
		}
		d := &days[len(days)-1]
		for k, v := range sh {
			n, ok := v.(float64)
			if !ok {
				continue
			}
			switch {
			case k == "served":
				d.Served += int64(n)
			case k == "impressions":
				d.Impressions += int64(n)
			case k == "clicks":
				d.Clicks += int64(n)
			case strings.HasPrefix(k, invalidPrefix):
				d.Invalid[strings.TrimPrefix(k, invalidPrefix)] += int64(n)
			}
		}
	}
	return days, nil
}
