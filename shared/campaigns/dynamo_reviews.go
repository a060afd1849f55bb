package campaigns

// Key design of the review's items in the campaigns table (DESIGN §16):
//
//	pk              sk                  gsi1pk                   gsi1sk        gsi2pk                 gsi2sk        item
//	CMP#<id>        META                (see dynamo.go)                        FIT#<w>x<h>#<cur>      <campaignId>  a campaign, by the slots it fits
//	CMP#<id>        REVIEW#<comId>      COM#<comId>#REVIEWS      <campaignId>  -                      -             a community's latest decision on it
//	COM#<comId>     RULES               -                        -             -                      -             a community's review setting and blocked advertisers (CommunityUpdated)
//	SLOT#<slotId>   META                COM#<comId>#SLOTS        <slotId>      -                      -             a slot's size, currency, whether it accepts campaigns (SlotChanged)
//
// Access patterns: a community's queue reads its slots (Query gsi1), the
// campaigns of each size and currency they accept (Query gsi2, oldest
// first) and its decisions (Query gsi1); a campaign's reviews are its
// REVIEW# items (Query). A decision is one transaction: the review over
// the version read, a check that the campaign's creative is still the one
// decided on, and CampaignReviewed. The projections are kept from events,
// a version never replaced by an older one.

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
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/topology"
)

// fitKey is the gsi2 partition of the campaigns that fit slots of a size
// and currency.
func fitKey(width, height int, currency string) string {
	return "FIT#" + strconv.Itoa(width) + "x" + strconv.Itoa(height) + "#" + currency
}

type reviewItem struct {
	PK              string `dynamodbav:"pk"`
	SK              string `dynamodbav:"sk"`
	GSI1PK          string `dynamodbav:"gsi1pk"`
	GSI1SK          string `dynamodbav:"gsi1sk"`
	CampaignID      string `dynamodbav:"campaignId"`
	CommunityID     string `dynamodbav:"communityId"`
	AdvertiserID    string `dynamodbav:"advertiserId"`
	CreativeVersion int    `dynamodbav:"creativeVersion"`
	Decision        string `dynamodbav:"decision"`
	Reason          string `dynamodbav:"reason,omitempty"`
	DecidedAt       string `dynamodbav:"decidedAt"`
	Version         int    `dynamodbav:"version"`
}

func (it reviewItem) review() Review {
	return Review{CampaignID: it.CampaignID, CommunityID: it.CommunityID, AdvertiserID: it.AdvertiserID, CreativeVersion: it.CreativeVersion,
		Decision: Decision(it.Decision), Reason: it.Reason, DecidedAt: clock.Parse(it.DecidedAt), Version: it.Version}
}

type rulesItem struct {
	PK      string   `dynamodbav:"pk"`
	SK      string   `dynamodbav:"sk"`
	Review  string   `dynamodbav:"review"`
	Blocked []string `dynamodbav:"blocked"`
	Version int      `dynamodbav:"version"`
}

type slotItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	GSI1PK      string `dynamodbav:"gsi1pk"`
	GSI1SK      string `dynamodbav:"gsi1sk"`
	SlotID      string `dynamodbav:"slotId"`
	CommunityID string `dynamodbav:"communityId"`
	Width       int    `dynamodbav:"width"`
	Height      int    `dynamodbav:"height"`
	Currency    string `dynamodbav:"currency"`
	Accepting   bool   `dynamodbav:"accepting"`
	Version     int    `dynamodbav:"version"`
}

// getReview reads a community's decision on a campaign (strongly
// consistent: a decision is made over it).
func (r *Repository) getReview(ctx context.Context, campaignID, communityID string) (reviewItem, bool, error) {
	it, found, err := store.Get[reviewItem](ctx, r.db, r.table, "CMP#"+campaignID, "REVIEW#"+communityID)
	return it, found, fault.Wrap("campaigns.getReview", err)
}

// decide writes a decision over the version of the review read (0: none),
// checking that the campaign still shows the creative decided on, with
// CampaignReviewed, in one transaction. A cancelled part is named
// "review" (another decision won) or "creative" (the creative changed).
func (r *Repository) decide(ctx context.Context, rv Review, readVersion int, now time.Time) error {
	const op = "campaigns.decide"
	it := reviewItem{PK: "CMP#" + rv.CampaignID, SK: "REVIEW#" + rv.CommunityID, GSI1PK: "COM#" + rv.CommunityID + "#REVIEWS", GSI1SK: rv.CampaignID,
		CampaignID: rv.CampaignID, CommunityID: rv.CommunityID, AdvertiserID: rv.AdvertiserID, CreativeVersion: rv.CreativeVersion,
		Decision: string(rv.Decision), Reason: rv.Reason, DecidedAt: clock.Format(rv.DecidedAt), Version: rv.Version}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fault.Wrap(op, err)
	}
	put := &types.Put{TableName: aws.String(r.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if readVersion > 0 {
		put.ConditionExpression = aws.String("version = :v")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": store.N(int64(readVersion))}
	}
	// A campaign made before creatives were numbered shows its first.
	creative := "creativeVersion = :cv"
	if rv.CreativeVersion == 1 {
		creative = "attribute_not_exists(creativeVersion) OR creativeVersion = :cv"
	}
	check := &types.ConditionCheck{TableName: aws.String(r.table),
		Key:                       map[string]types.AttributeValue{"pk": store.S("CMP#" + rv.CampaignID), "sk": store.S("META")},
		ConditionExpression:       aws.String(creative),
		ExpressionAttributeValues: map[string]types.AttributeValue{":cv": store.N(int64(rv.CreativeVersion))}}
	evt, err := events.OutboxPut(r.outbox, &events.CampaignReviewed{CampaignID: rv.CampaignID, CommunityID: rv.CommunityID, AdvertiserID: rv.AdvertiserID,
		CreativeVersion: rv.CreativeVersion, Decision: string(rv.Decision), Reason: rv.Reason, Version: rv.Version}, now)
	if err != nil {
		return fault.Wrap(op, err)
	}
	return store.NewTx().Add("review", types.TransactWriteItem{Put: put}).Add("creative", types.TransactWriteItem{ConditionCheck: check}).
		Add("event", evt).Write(ctx, r.db)
}

// campaignReviews reads every community's decision on a campaign.
func (r *Repository) campaignReviews(ctx context.Context, campaignID string) ([]reviewItem, error) {
	out, err := store.QueryAll[reviewItem](ctx, r.db, &dynamodb.QueryInput{
		TableName:                 aws.String(r.table),
		KeyConditionExpression:    aws.String("pk = :p AND begins_with(sk, :s)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("CMP#" + campaignID), ":s": store.S("REVIEW#")},
	}, 10)
	return out, fault.Wrap("campaigns.campaignReviews", err)
}

// communityIndex reads a community's partition of gsi1 whole (its slots,
// or its decisions), a bounded number of pages.
func communityIndex[T any](ctx context.Context, r *Repository, key string) ([]T, error) {
	out, err := store.QueryAll[T](ctx, r.db, &dynamodb.QueryInput{
		TableName: aws.String(r.table), IndexName: aws.String(topology.IndexGSI1),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S(key)},
	}, 20)
	return out, fault.Wrap("campaigns.communityIndex", err)
}

// communitySlots reads a community's slots as this context knows them.
func (r *Repository) communitySlots(ctx context.Context, communityID string) ([]slotItem, error) {
	return communityIndex[slotItem](ctx, r, "COM#"+communityID+"#SLOTS")
}

// communityReviews reads a community's decisions, by campaign.
func (r *Repository) communityReviews(ctx context.Context, communityID string) (map[string]reviewItem, error) {
	items, err := communityIndex[reviewItem](ctx, r, "COM#"+communityID+"#REVIEWS")
	if err != nil {
		return nil, err
	}
	out := make(map[string]reviewItem, len(items))
	for _, it := range items {
		out[it.CampaignID] = it
	}
	return out, nil
}

// fitting reads the campaigns that fit slots of a size and currency,
// oldest first (a bounded number of pages).
func (r *Repository) fitting(ctx context.Context, width, height int, currency string) ([]campaignItem, error) {
	out, err := store.QueryAll[campaignItem](ctx, r.db, &dynamodb.QueryInput{
		TableName: aws.String(r.table), IndexName: aws.String(topology.IndexGSI2),
		KeyConditionExpression:    aws.String("gsi2pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S(fitKey(width, height, currency))},
	}, 20)
	return out, fault.Wrap("campaigns.fitting", err)
}

// rules reads what a community says may run on its slots (zero: auto,
// nobody blocked).
func (r *Repository) rules(ctx context.Context, communityID string) (CommunityRules, error) {
	it, _, err := store.Get[rulesItem](ctx, r.db, r.table, "COM#"+communityID, "RULES")
	return CommunityRules{Review: it.Review, Blocked: it.Blocked}, fault.Wrap("campaigns.rules", err)
}

// putNewer writes a projected item unless the one stored is as new or
// newer: the bus delivers in any order, and more than once.
func (r *Repository) putNewer(ctx context.Context, op string, it any, version int) error {
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fault.Wrap(op, err)
	}
	_, err = r.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(r.table), Item: item,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR version < :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": store.N(int64(version))}})
	if err = store.Classify(err); store.IsConditionFailed(err) {
		return nil
	}
	return fault.Wrap(op, err)
}

// communityUpdated keeps a community's review setting and blocked
// advertisers.
func (r *Repository) communityUpdated(ctx context.Context, e events.CommunityUpdated) error {
	const op = "campaigns.communityUpdated"
	if e.CommunityID == "" || e.Version < 1 {
		return fault.New(fault.Invalid, op, "a community event without its id or version")
	}
	blocked := e.BlockedAdvertisers
	if blocked == nil {
		blocked = []string{}
	}
	return r.putNewer(ctx, op, rulesItem{PK: "COM#" + e.CommunityID, SK: "RULES", Review: e.CampaignReview, Blocked: blocked, Version: e.Version}, e.Version)
}

// slotChanged keeps a slot's size, currency and whether it accepts
// campaigns.
func (r *Repository) slotChanged(ctx context.Context, e events.SlotChanged) error {
	const op = "campaigns.slotChanged"
	if e.SlotID == "" || e.CommunityID == "" || e.Version < 1 {
		return fault.New(fault.Invalid, op, "a slot event without its slot, community or version")
	}
	return r.putNewer(ctx, op, slotItem{PK: "SLOT#" + e.SlotID, SK: "META", GSI1PK: "COM#" + e.CommunityID + "#SLOTS", GSI1SK: e.SlotID,
		SlotID: e.SlotID, CommunityID: e.CommunityID, Width: e.Width, Height: e.Height, Currency: e.Currency,
		Accepting: e.Campaigns.Accept && !e.Archived, Version: e.Version}, e.Version)
}
