package auctions

// Bid items, added to the key design in dynamo.go:
//
//	pk                 sk                  lsi1sk                          item
//	AUC#<auctionId>    BID#<advertiserId>  R#<inverse amount>#<ms>#<bid>   an advertiser's one bid on the auction
//	ADV#<advId>        META                -                               projection of the advertiser (owner,
//	                                                                       currency), from AdvertiserCreated
//
// lsi1 (a local secondary index on the auctions table) ranks the ACTIVE
// bids of an auction: the highest amount first, then the earliest
// placement, then the bid id. Only active bids carry lsi1sk (a sparse
// index), so the close reads its winner and runner-up with one strongly
// consistent Query of Limit 2, whatever the number of bids.
//
// A bid's hold in the ledger has the bid's id; the bid item keeps the
// hold's amount and adjustment count, changed in the same transaction, so
// settling a bid needs no read of the ledger.

import (
	"context"
	"fmt"
	"hash/fnv"

	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/topology"
)

// IndexByRank ranks an auction's active bids.
const IndexByRank = topology.IndexLSI1

// BidStatus is where a bid is.
type BidStatus string

// Bid states: active until withdrawn, or settled by the close (won or
// lost) or by a cancellation (released).
const (
	BidActive    BidStatus = "active"
	BidWithdrawn BidStatus = "withdrawn"
	BidWon       BidStatus = "won"
	BidLost      BidStatus = "lost"
	BidReleased  BidStatus = "released"
)

type bidItem struct {
	PK           string `dynamodbav:"pk"`
	SK           string `dynamodbav:"sk"`
	LSI1SK       string `dynamodbav:"lsi1sk,omitempty"`
	ID           string `dynamodbav:"id"`
	AuctionID    string `dynamodbav:"auctionId"`
	AdvertiserID string `dynamodbav:"advertiserId"`
	Amount       int64  `dynamodbav:"amount"`
	Currency     string `dynamodbav:"currency"`
	ImageURL     string `dynamodbav:"imageUrl"`
	// CreativeID names the hosted creative ImageURL is ("" for the
	// advertiser's own URL).
	CreativeID      string `dynamodbav:"creativeId,omitempty"`
	ClickURL        string `dynamodbav:"clickUrl"`
	AltText         string `dynamodbav:"altText"`
	PlacedAt        string `dynamodbav:"placedAt"`
	UpdatedAt       string `dynamodbav:"updatedAt"`
	Status          string `dynamodbav:"status"`
	HoldAdjustments int    `dynamodbav:"holdAdjustments"`
	Version         int    `dynamodbav:"version"`
}

func (it bidItem) bid() Bid {
	return Bid{ID: it.ID, AuctionID: it.AuctionID, AdvertiserID: it.AdvertiserID,
		Amount:   money.Amount{Minor: it.Amount, Currency: it.Currency},
		Creative: Creative{CreativeID: it.CreativeID, resolved: it.CreativeID != "", ImageURL: it.ImageURL, ClickURL: it.ClickURL, AltText: it.AltText}, PlacedAt: clock.Parse(it.PlacedAt)}
}

// rankKey orders bids for lsi1: ascending keys are descending amounts,
// then ascending placement times.
func rankKey(amount int64, placedAt time.Time, bidID string) string {
	return fmt.Sprintf("R#%020d#%015d#%s", money.MaxMinor-amount, placedAt.UnixMilli(), bidID)
}

func bidKey(auctionID, advertiserID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": store.S("AUC#" + auctionID), "sk": store.S("BID#" + advertiserID)}
}

func (r *Repository) getBid(ctx context.Context, auctionID, advertiserID string) (bidItem, bool, error) {
	it, found, err := store.Get[bidItem](ctx, r.db, r.table, "AUC#"+auctionID, "BID#"+advertiserID)
	return it, found, fault.Wrap("auctions.getBid", err)
}

// Gates: an auction's open/closed state, copied over GateShards items
//
//	AUC#<auctionId>    GATE#<nn>     status, closesAt, bids (active bids of this shard)
//
// Every bid transaction updates its advertiser's gate (condition: open and
// before closesAt; ADD bids), never the auction item: fifty advertisers
// bidding at once contend on sixteen items, not one. Whatever moves the
// auction out of open (the close's first step, a cancel) flips every gate
// in the same transaction, so a bid either commits before it or not at all.
const GateShards = 16

func gateOf(advertiserID string) string {
	h := fnv.New32a()
	h.Write([]byte(advertiserID))
	return fmt.Sprintf("GATE#%02d", h.Sum32()%GateShards)
}

// gatePuts are an opening auction's gates.
func (r *Repository) gatePuts(auctionID, closesAt string) []store.Part {
	out := make([]store.Part, GateShards)
	for i := range out {
		out[i] = store.Part{Name: fmt.Sprintf("gate %02d", i), Item: types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: map[string]types.AttributeValue{
			"pk": store.S("AUC#" + auctionID), "sk": store.S(fmt.Sprintf("GATE#%02d", i)),
			"status": store.S(string(Open)), "closesAt": store.S(closesAt), "bids": store.N(0),
		}}}}
	}
	return out
}

// gateFlips move every gate of an auction to status to.
func (r *Repository) gateFlips(auctionID string, to Status) []store.Part {
	out := make([]store.Part, GateShards)
	for i := range out {
		out[i] = store.Part{Name: fmt.Sprintf("gate %02d", i), Item: types.TransactWriteItem{Update: &types.Update{
			TableName:        aws.String(r.table),
			Key:              map[string]types.AttributeValue{"pk": store.S("AUC#" + auctionID), "sk": store.S(fmt.Sprintf("GATE#%02d", i))},
			UpdateExpression: aws.String("SET #s = :to"), ExpressionAttributeNames: map[string]string{"#s": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":to": store.S(string(to))},
		}}}
	}
	return out
}

// auctionOpenCheck is the "auction" part of every bid transaction: the
// bidder's gate is open and before its close, and counts the bid.
func (r *Repository) auctionOpenCheck(auctionID, advertiserID string, now time.Time, countDelta int64) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                aws.String(r.table),
		Key:                      map[string]types.AttributeValue{"pk": store.S("AUC#" + auctionID), "sk": store.S(gateOf(advertiserID))},
		UpdateExpression:         aws.String("ADD bids :d"),
		ConditionExpression:      aws.String("#s = :open AND closesAt > :now"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":d": store.N(countDelta), ":open": store.S(string(Open)), ":now": store.S(clock.Format(now)),
		},
	}}
}

// countBids sums the gates: the auction's active bids (read at the close,
// once no bid can commit).
func (r *Repository) countBids(ctx context.Context, auctionID string) (int, error) {
	gates, err := store.QueryAll[struct {
		Bids int `dynamodbav:"bids"`
	}](ctx, r.db, &dynamodb.QueryInput{
		TableName: aws.String(r.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :p AND begins_with(sk, :g)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("AUC#" + auctionID), ":g": store.S("GATE#")},
	}, 2)
	n := 0
	for _, g := range gates {
		n += g.Bids
	}
	return n, fault.Wrap("auctions.countBids", err)
}

// bidPut writes a bid over what was read: nothing (readVersion 0), or the
// same version.
func (r *Repository) bidPut(it bidItem, readVersion int) (types.TransactWriteItem, error) {
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return types.TransactWriteItem{}, fault.Wrap("auctions.bidPut", err)
	}
	put := &types.Put{TableName: aws.String(r.table), Item: item}
	if readVersion == 0 {
		put.ConditionExpression = aws.String("attribute_not_exists(pk)")
	} else {
		put.ConditionExpression = aws.String("version = :v")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": store.N(int64(readVersion))}
	}
	return types.TransactWriteItem{Put: put}, nil
}

// settleBid moves an active bid to a final status and out of the ranking.
func (r *Repository) settleBid(it bidItem, to BidStatus, now time.Time) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                aws.String(r.table),
		Key:                      bidKey(it.AuctionID, it.AdvertiserID),
		UpdateExpression:         aws.String("SET #s = :to, updatedAt = :now, version = version + :one REMOVE lsi1sk"),
		ConditionExpression:      aws.String("#s = :active AND version = :v"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":to": store.S(string(to)), ":now": store.S(clock.Format(now)), ":one": store.N(1),
			":active": store.S(string(BidActive)), ":v": store.N(int64(it.Version)),
		},
	}}
}

// topBids reads the two best active bids, strongly consistent: O(1) items
// whatever the number of bids.
func (r *Repository) topBids(ctx context.Context, auctionID string) ([]bidItem, error) {
	res, err := r.db.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(r.table), IndexName: aws.String(IndexByRank), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :p AND begins_with(lsi1sk, :r)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("AUC#" + auctionID), ":r": store.S("R#")},
		Limit:                     aws.Int32(2),
	})
	if err != nil {
		return nil, fault.Wrap("auctions.topBids", store.Classify(err))
	}
	var out []bidItem
	if err := attributevalue.UnmarshalListOfMaps(res.Items, &out); err != nil {
		return nil, fault.Wrap("auctions.topBids", err)
	}
	return out, nil
}

// bidsPage reads one page of an auction's bids (any status), strongly
// consistent, for the close's settlement pass.
func (r *Repository) bidsPage(ctx context.Context, auctionID string, start map[string]types.AttributeValue, limit int32) ([]bidItem, map[string]types.AttributeValue, error) {
	res, err := r.db.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(r.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :p AND begins_with(sk, :b)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("AUC#" + auctionID), ":b": store.S("BID#")},
		ExclusiveStartKey:         start, Limit: aws.Int32(limit),
	})
	if err != nil {
		return nil, nil, fault.Wrap("auctions.bidsPage", store.Classify(err))
	}
	var out []bidItem
	if err := attributevalue.UnmarshalListOfMaps(res.Items, &out); err != nil {
		return nil, nil, fault.Wrap("auctions.bidsPage", err)
	}
	return out, res.LastEvaluatedKey, nil
}
