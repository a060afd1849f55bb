package auctions

// Auction items, added to the key design in dynamo.go:
//
//	pk                    sk                 gsi1pk / gsi2pk                      item
//	AUC#<auctionId>       META               COM#<cid>#AUCS / STATUS#<status>     the auction (gsi*sk = auctionId)
//	SLOT#<slotId>         AUC#<auctionId>    -                                    the slot's flight: window, status,
//	                                                                              and the auction's view for slot lists
//
// Opening an auction reads the slot's flights, refuses an overlap with any
// that is not cancelled, and writes in one transaction conditional on the
// slot's version: two opens racing for one window cannot both pass (the
// loser re-reads and finds the overlap). Listing by community uses gsi1, by
// status gsi2 (newest first; with no filter, the open ones), by slot the
// flight items.

import (
	"context"
	"strconv"
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

// IndexByStatus lists auctions by status.
const IndexByStatus = topology.IndexGSI2

type auctionItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	GSI1PK      string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK      string `dynamodbav:"gsi1sk,omitempty"`
	GSI2PK      string `dynamodbav:"gsi2pk,omitempty"`
	GSI2SK      string `dynamodbav:"gsi2sk,omitempty"`
	ID          string `dynamodbav:"id"`
	SlotID      string `dynamodbav:"slotId"`
	CommunityID string `dynamodbav:"communityId"`
	FlightStart string `dynamodbav:"flightStart"`
	FlightEnd   string `dynamodbav:"flightEnd"`
	ClosesAt    string `dynamodbav:"closesAt"`
	Status      string `dynamodbav:"status"`
	Reserve     int64  `dynamodbav:"reserve"`
	Currency    string `dynamodbav:"currency"`
	Format      string `dynamodbav:"format"`
	CreatedAt   string `dynamodbav:"createdAt"`
	// Bids counts active bids (changed in each bid's transaction).
	Bids int `dynamodbav:"bids"`
	// Set by the close once the winner is decided (and the winner's hold
	// captured, in the same transaction).
	Decided            bool   `dynamodbav:"decided,omitempty"`
	WinnerBidID        string `dynamodbav:"winnerBidId,omitempty"`
	WinnerAdvertiserID string `dynamodbav:"winnerAdvertiserId,omitempty"`
	Price              int64  `dynamodbav:"price,omitempty"`
	FlightID           string `dynamodbav:"flightId,omitempty"`
	ClosedAt           string `dynamodbav:"closedAt,omitempty"`
}

func (it auctionItem) auction() Auction {
	return Auction{ID: it.ID, SlotID: it.SlotID, CommunityID: it.CommunityID,
		Flight: Flight{Start: clock.Parse(it.FlightStart), End: clock.Parse(it.FlightEnd)}, ClosesAt: clock.Parse(it.ClosesAt),
		Status: Status(it.Status), Reserve: money.Amount{Minor: it.Reserve, Currency: it.Currency}, Format: Format(it.Format)}
}

// holdsWindow reports whether a slot's auction keeps its window from
// other auctions: not once cancelled, nor once closed unsold.
func (it auctionItem) holdsWindow() bool {
	return it.Status != string(Cancelled) && !(it.Status == string(Closed) && it.FlightID == "")
}

// asFlight is the copy kept under the slot.
func (it auctionItem) asFlight() auctionItem {
	f := it
	f.PK, f.SK = "SLOT#"+it.SlotID, "AUC#"+it.ID
	f.GSI1PK, f.GSI1SK, f.GSI2PK, f.GSI2SK = "", "", "", ""
	return f
}

func (r *Repository) slotFlights(ctx context.Context, slotID string) ([]auctionItem, error) {
	out, err := store.QueryAll[auctionItem](ctx, r.db, &dynamodb.QueryInput{
		TableName: aws.String(r.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :p AND begins_with(sk, :a)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("SLOT#" + slotID), ":a": store.S("AUC#")},
	}, 50)
	return out, fault.Wrap("auctions.slotFlights", err)
}

// errSlotChanged means the slot moved on since it was read: re-read, re-check.
var errSlotChanged = fault.New(fault.Conflict, "auctions.insertAuction", "the slot changed; retry")

// errKeyed: this very request (its Idempotency-Key) opened an auction
// already.
var errKeyed = fault.New(fault.Conflict, "auctions.insertAuction", "this request opened its auction already")

func (r *Repository) insertAuction(ctx context.Context, slotVersion int, it auctionItem, event types.TransactWriteItem, key ...types.TransactWriteItem) error {
	a, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fault.Wrap("auctions.insertAuction", err)
	}
	f, _ := attributevalue.MarshalMap(it.asFlight())
	tx := store.NewTx()
	for _, k := range key {
		tx.Add("key", k)
	}
	err = tx.
		Add("slot", types.TransactWriteItem{Update: &types.Update{
			TableName:                 aws.String(r.table),
			Key:                       map[string]types.AttributeValue{"pk": store.S("SLOT#" + it.SlotID), "sk": store.S("META")},
			UpdateExpression:          aws.String("SET version = version + :one"),
			ConditionExpression:       aws.String("version = :v AND archived = :f"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}, ":v": &types.AttributeValueMemberN{Value: strconv.Itoa(slotVersion)}, ":f": &types.AttributeValueMemberBOOL{Value: false}},
		}}).
		Add("auction", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: a, ConditionExpression: aws.String("attribute_not_exists(pk)")}}).
		Add("slot auction", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: f, ConditionExpression: aws.String("attribute_not_exists(pk)")}}).
		Add("event", event).
		AddParts(r.gatePuts(it.ID, it.ClosesAt)...).
		Write(ctx, r.db)
	if store.Failed(err, "key") {
		return errKeyed
	}
	if store.Failed(err, "slot") {
		return errSlotChanged
	}
	return fault.Wrap("auctions.insertAuction", err)
}

func (r *Repository) getAuction(ctx context.Context, id string) (auctionItem, bool, error) {
	it, found, err := store.Get[auctionItem](ctx, r.db, r.table, "AUC#"+id, "META")
	return it, found, fault.Wrap("auctions.getAuction", err)
}

// cancelAuction moves an open auction, and its flight, to cancelled.
func (r *Repository) cancelAuction(ctx context.Context, it auctionItem, now time.Time, event types.TransactWriteItem) error {
	const op = "auctions.cancelAuction"
	vals := map[string]types.AttributeValue{":c": store.S(string(Cancelled)), ":o": store.S(string(Open)), ":now": store.S(clock.Format(now))}
	err := store.NewTx().
		Add("auction", types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(r.table), Key: map[string]types.AttributeValue{"pk": store.S("AUC#" + it.ID), "sk": store.S("META")},
			UpdateExpression:         aws.String("SET #s = :c, gsi2pk = :g"),
			ConditionExpression:      aws.String("#s = :o AND closesAt > :now"),
			ExpressionAttributeNames: map[string]string{"#s": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":c": vals[":c"], ":o": vals[":o"], ":now": vals[":now"],
				":g": store.S("STATUS#" + string(Cancelled))},
		}}).
		Add("slot auction", types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(r.table), Key: map[string]types.AttributeValue{"pk": store.S("SLOT#" + it.SlotID), "sk": store.S("AUC#" + it.ID)},
			UpdateExpression: aws.String("SET #s = :c"), ExpressionAttributeNames: map[string]string{"#s": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":c": vals[":c"]},
		}}).
		Add("event", event).
		AddParts(r.gateFlips(it.ID, Cancelled)...).
		Write(ctx, r.db)
	if store.Failed(err, "auction") {
		return &fault.Error{Kind: fault.Conflict, Op: op, State: it.Status, Message: "only an open auction before its close can be cancelled"}
	}
	return fault.Wrap(op, err)
}

// listAuctions pages through auctions by the most selective filter given.
func (r *Repository) listAuctions(ctx context.Context, f ListFilter, limit int, cursor string) ([]auctionItem, string, error) {
	const op = "auctions.listAuctions"
	in := &dynamodb.QueryInput{TableName: aws.String(r.table), ScanIndexForward: aws.Bool(false), Limit: aws.Int32(int32(limit))}
	var filters []string
	vals := map[string]types.AttributeValue{}
	names := map[string]string{}
	keyAttr, keyVal := "", ""
	switch {
	case f.SlotID != "":
		in.KeyConditionExpression = aws.String("pk = :k AND begins_with(sk, :a)")
		vals[":a"] = store.S("AUC#")
		keyAttr, keyVal = "pk", "SLOT#"+f.SlotID
	case f.CommunityID != "":
		in.IndexName = aws.String(IndexBySlotList)
		in.KeyConditionExpression = aws.String("gsi1pk = :k")
		keyAttr, keyVal = "gsi1pk", "COM#"+f.CommunityID+"#AUCS"
	default:
		status := f.Status
		if status == "" {
			status = Open
		}
		in.IndexName = aws.String(IndexByStatus)
		in.KeyConditionExpression = aws.String("gsi2pk = :k")
		keyAttr, keyVal = "gsi2pk", "STATUS#"+string(status)
	}
	vals[":k"] = store.S(keyVal)
	if f.Status != "" && keyAttr != "gsi2pk" {
		filters = append(filters, "#s = :s")
		names["#s"] = "status"
		vals[":s"] = store.S(string(f.Status))
	}
	if f.CommunityID != "" && keyAttr != "gsi1pk" {
		filters = append(filters, "communityId = :c")
		vals[":c"] = store.S(f.CommunityID)
	}
	if len(filters) > 0 {
		expr := filters[0]
		for _, x := range filters[1:] {
			expr += " AND " + x
		}
		in.FilterExpression = aws.String(expr)
	}
	if len(names) > 0 {
		in.ExpressionAttributeNames = names
	}
	in.ExpressionAttributeValues = vals
	items, next, err := store.QueryPage[auctionItem](ctx, r.db, in, cursor, keyAttr, keyVal)
	return items, next, fault.Wrap(op, err)
}

func auctionKey(auctionID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": store.S("AUC#" + auctionID), "sk": store.S("META")}
}

// setStatus moves an auction (and its flight view under the slot) from one
// status to another, with an event when given; a failed condition means
// another writer moved it first (errStatusMoved).
func (r *Repository) setStatus(ctx context.Context, it auctionItem, from, to Status, now time.Time, event *types.TransactWriteItem) error {
	set := "SET #s = :to, gsi2pk = :g, updatedAt = :now"
	// The slot's copy learns whether the window sold: an unsold one is
	// free for another auction.
	slotSet, slotVals := "SET #s = :to", map[string]types.AttributeValue{":to": store.S(string(to))}
	if to == Closed {
		set += ", closedAt = :now"
		if it.FlightID != "" {
			slotSet += ", flightId = :f"
			slotVals[":f"] = store.S(it.FlightID)
		}
	}
	tx := store.NewTx().
		Add("auction", types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(r.table), Key: auctionKey(it.ID),
			UpdateExpression:         aws.String(set),
			ConditionExpression:      aws.String("#s = :from"),
			ExpressionAttributeNames: map[string]string{"#s": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":to": store.S(string(to)), ":from": store.S(string(from)),
				":g": store.S("STATUS#" + string(to)), ":now": store.S(clock.Format(now))},
		}}).
		Add("slot auction", types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(r.table), Key: map[string]types.AttributeValue{"pk": store.S("SLOT#" + it.SlotID), "sk": store.S("AUC#" + it.ID)},
			UpdateExpression: aws.String(slotSet), ExpressionAttributeNames: map[string]string{"#s": "status"},
			ExpressionAttributeValues: slotVals,
		}})
	if event != nil {
		tx.Add("event", *event)
	}
	if from == Open {
		tx.AddParts(r.gateFlips(it.ID, to)...) // no bid commits after this
	}
	err := tx.Write(ctx, r.db)
	if store.Failed(err, "auction") {
		return errStatusMoved
	}
	return fault.Wrap("auctions.setStatus", err)
}

// errStatusMoved: the auction was not in the expected status any more.
var errStatusMoved = fault.New(fault.Conflict, "auctions.setStatus", "the auction moved on")
