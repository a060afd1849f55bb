package campaigns

// Key design of the campaigns table (pk, sk strings; gsi1pk/gsi1sk for
// lists; expiresAt is its TTL):
//
//	pk              sk     gsi1pk                   gsi1sk        item
//	CMP#<id>        META   ADV#<advId>#CAMPAIGNS    <campaignId>  a campaign: terms, state, version, billed counts
//	                                                              (gsi2: the slots it fits; dynamo_reviews.go has the review's items)
//	CMP#<id>        DAY#<day>#<communityId>  -      -             its report's line: what the day's settlements added
//	ADV#<advId>     META   -                        -             the owners projection (shared/owners)
//	EVT#<eventId>   EVT    -                        -             an account event applied, kept 7 days
//
// The budget is the ledger's draw-down hold of the same id as the
// campaign: what is spent is what was drawn from it, what remains is what
// it still holds. Access patterns: read a campaign (GetItem, strongly
// consistent); list an advertiser's (Query gsi1, newest first); its
// report (Query of its DAY# lines, each ADDed by the settlement that
// counted it, in the settlement's transaction). Every
// change is conditional on the version read (update): a lost race reads
// again, a bounded number of times, then is 409.

import (
	"context"
	"encoding/json"
	"errors"
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
	"github.com/souqhq/souq/shared/targeting"
	"github.com/souqhq/souq/shared/topology"
)

// Repository loads and saves campaigns.
type Repository struct {
	db     *dynamodb.Client
	table  string
	outbox string
}

// NewRepository is the repository over the campaigns table.
func NewRepository(db *store.DB) *Repository {
	return &Repository{db: db.Client, table: db.Table(topology.TableCampaigns), outbox: db.Table(topology.TableOutbox)}
}

type campaignItem struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	GSI1PK string `dynamodbav:"gsi1pk"`
	GSI1SK string `dynamodbav:"gsi1sk"`
	// GSI2PK is the slots the campaign fits (fitKey): communities'
	// review queues read campaigns by it.
	GSI2PK       string `dynamodbav:"gsi2pk"`
	GSI2SK       string `dynamodbav:"gsi2sk"`
	ID           string `dynamodbav:"id"`
	AdvertiserID string `dynamodbav:"advertiserId"`
	Name         string `dynamodbav:"name"`
	Currency     string `dynamodbav:"currency"`
	Model        string `dynamodbav:"model"`
	Bid          int64  `dynamodbav:"bid"`
	Budget       int64  `dynamodbav:"budget"`
	DailyCap     int64  `dynamodbav:"dailyCap"` // 0: none
	Start        string `dynamodbav:"start"`
	End          string `dynamodbav:"end"`
	Pacing       string `dynamodbav:"pacing"`
	ImageURL     string `dynamodbav:"imageUrl"`
	// CreativeID names the hosted creative the image is ("" for an
	// image the advertiser hosts).
	CreativeID string `dynamodbav:"creativeId,omitempty"`
	ClickURL   string `dynamodbav:"clickUrl"`
	AltText    string `dynamodbav:"altText"`
	Width      int    `dynamodbav:"width"`
	Height     int    `dynamodbav:"height"`
	// CreativeVersion numbers its creatives (from 1): a changed creative
	// is reviewed again by the communities that review campaigns.
	CreativeVersion int    `dynamodbav:"creativeVersion"`
	State           string `dynamodbav:"state"`
	// Targeting is the campaign's targeting as JSON ("" untargeted).
	Targeting string `dynamodbav:"targeting,omitempty"`
	// EndReason says who ended it: "advertiser" or "end" (its window).
	EndReason string `dynamodbav:"endReason,omitempty"`
	// PausedFor is "debt" for a campaign Souq paused because its
	// advertiser owes a disputed payment: it resumes when that is repaid.
	PausedFor string `dynamodbav:"pausedFor,omitempty"`
	// Books are what its settlements did; Exhausted says its budget ran
	// out (CampaignBudgetExhausted was sent).
	Books     Books  `dynamodbav:"books"`
	Exhausted bool   `dynamodbav:"exhausted,omitempty"`
	CreatedAt string `dynamodbav:"createdAt"`
	UpdatedAt string `dynamodbav:"updatedAt"`
	Version   int    `dynamodbav:"version"`
}

func (it campaignItem) campaign() Campaign {
	cur := func(n int64) money.Amount { return money.Amount{Minor: n, Currency: it.Currency} }
	c := Campaign{ID: it.ID, AdvertiserID: it.AdvertiserID, Name: it.Name, Currency: it.Currency,
		Pricing: Pricing{Model: Model(it.Model), Bid: cur(it.Bid)}, Budget: cur(it.Budget),
		Start: clock.Parse(it.Start), End: clock.Parse(it.End), Pacing: Pacing(it.Pacing),
		Creative: Creative{CreativeID: it.CreativeID, ImageURL: it.ImageURL, ClickURL: it.ClickURL, AltText: it.AltText, Width: it.Width, Height: it.Height},
		State:    State(it.State)}
	if it.DailyCap > 0 {
		d := cur(it.DailyCap)
		c.DailyCap = &d
	}
	if it.Targeting != "" {
		_ = json.Unmarshal([]byte(it.Targeting), &c.Targeting) // written by itemOf
	}
	return c
}

// itemOf is the stored form of c (keys, terms and state).
func itemOf(c Campaign, it campaignItem) campaignItem {
	it.PK, it.SK, it.GSI1PK, it.GSI1SK = "CMP#"+c.ID, "META", "ADV#"+c.AdvertiserID+"#CAMPAIGNS", c.ID
	it.GSI2PK, it.GSI2SK = fitKey(c.Creative.Width, c.Creative.Height, c.Currency), c.ID
	if it.CreativeVersion < 1 {
		it.CreativeVersion = 1 // a campaign made before creatives were numbered shows its first
	}
	it.ID, it.AdvertiserID, it.Name, it.Currency = c.ID, c.AdvertiserID, c.Name, c.Currency
	it.Model, it.Bid, it.Budget, it.DailyCap = string(c.Pricing.Model), c.Pricing.Bid.Minor, c.Budget.Minor, 0
	if c.DailyCap != nil {
		it.DailyCap = c.DailyCap.Minor
	}
	it.Start, it.End, it.Pacing = clock.Format(c.Start), clock.Format(c.End), string(c.Pacing)
	it.ImageURL, it.ClickURL, it.AltText, it.Width, it.Height = c.Creative.ImageURL, c.Creative.ClickURL, c.Creative.AltText, c.Creative.Width, c.Creative.Height
	it.CreativeID = c.Creative.CreativeID
	it.State = string(c.State)
	it.Targeting = ""
	if !c.Targeting.IsZero() {
		b, _ := json.Marshal(c.Targeting)
		it.Targeting = string(b)
	}
	return it
}

func (r *Repository) get(ctx context.Context, id string) (campaignItem, bool, error) {
	it, found, err := store.Get[campaignItem](ctx, r.db, r.table, "CMP#"+id, "META")
	return it, found, fault.Wrap("campaigns.get", err)
}

// create is the put of a new campaign, for a transaction.
func (r *Repository) create(it campaignItem) (types.TransactWriteItem, error) {
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return types.TransactWriteItem{}, fault.Wrap("campaigns.create", err)
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}}, nil
}

// replace is the put of a changed campaign over the version read, for a
// transaction: it.Version is the new version.
func (r *Repository) replace(it campaignItem, readVersion int) (types.TransactWriteItem, error) {
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return types.TransactWriteItem{}, fault.Wrap("campaigns.replace", err)
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: item,
		ConditionExpression:       aws.String("version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.Itoa(readVersion)}}}}, nil
}

func (r *Repository) list(ctx context.Context, advertiserID string, limit int, cursor string) ([]campaignItem, string, error) {
	gpk := "ADV#" + advertiserID + "#CAMPAIGNS"
	items, next, err := store.QueryPage[campaignItem](ctx, r.db, &dynamodb.QueryInput{
		TableName: aws.String(r.table), IndexName: aws.String(topology.IndexGSI1),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S(gpk)},
		ScanIndexForward:          aws.Bool(false), Limit: aws.Int32(int32(limit)),
	}, cursor, "gsi1pk", gpk)
	return items, next, fault.Wrap("campaigns.list", err)
}

// changed is the event of a campaign as it now is: serving keeps its own
// copy of what it needs from it.
func (r *Repository) changed(it campaignItem, now time.Time) (types.TransactWriteItem, error) {
	c := it.campaign()
	e := &events.CampaignChanged{CampaignID: c.ID, AdvertiserID: c.AdvertiserID, Currency: c.Currency, Model: string(c.Pricing.Model),
		Bid: c.Pricing.Bid, Budget: c.Budget, DailyCap: c.DailyCap, Start: clock.Format(c.Start), End: clock.Format(c.End),
		Pacing: string(c.Pacing), State: string(c.State), Version: it.Version, Targeting: targetingEvent(c.Targeting), CreativeVersion: max(it.CreativeVersion, 1),
		Creative: events.SizedCreative{ImageURL: c.Creative.ImageURL, ClickURL: c.Creative.ClickURL, AltText: c.Creative.AltText, Width: c.Creative.Width, Height: c.Creative.Height}}
	return events.OutboxPut(r.outbox, e, now)
}

// targetingEvent is a targeting as CampaignChanged carries it (nil when
// untargeted).
func targetingEvent(t targeting.Targeting) *events.CampaignTargeting {
	if t.IsZero() {
		return nil
	}
	e := &events.CampaignTargeting{Keywords: t.Keywords, Countries: t.Countries, Devices: t.Devices, Hours: t.Hours}
	if f := t.Frequency; f != nil {
		e.Frequency = &events.CampaignFrequency{Impressions: f.Impressions, Hours: f.Hours}
	}
	return e
}

// maxUpdateAttempts bounds how often update reads again after losing a
// race: past it, the caller gets 409.
const maxUpdateAttempts = 5

// errNoChange is what an update's change returns when the campaign is
// already as asked: nothing is written, and update returns it as read.
var errNoChange = errors.New("campaigns: no change")

// update is every change of a campaign by its advertiser or its end: it
// reads the campaign, lets change decide on it (change edits the item and
// may add its own parts to tx, such as a top-up of the hold), and writes
// it back over the version read, with CampaignChanged of the new version,
// in one transaction. A lost race (the campaign moved on since the read)
// reads again and decides again, at most maxUpdateAttempts times; an error
// from change is returned as it is, and so is any other failure of the
// write (unwrapped, for the caller to explain its own parts' failures).
func (r *Repository) update(ctx context.Context, id string, now time.Time, change func(it *campaignItem, tx *store.Tx) error) (campaignItem, error) {
	const op = "campaigns.update"
	for attempt := 0; attempt < maxUpdateAttempts; attempt++ {
		it, found, err := r.get(ctx, id)
		if err != nil {
			return campaignItem{}, err
		}
		if !found {
			return campaignItem{}, fault.New(fault.NotFound, op, "no such campaign")
		}
		read := it.Version
		tx := store.NewTx()
		if err := change(&it, tx); errors.Is(err, errNoChange) {
			return it, nil
		} else if err != nil {
			return campaignItem{}, err
		}
		it.Version = read // the version is update's, whatever change did
		stamp(&it, now)
		put, err := r.replace(it, read)
		if err != nil {
			return campaignItem{}, err
		}
		chg, err := r.changed(it, now)
		if err != nil {
			return campaignItem{}, fault.Wrap(op, err)
		}
		err = tx.Add("campaign", put).Add("changed", chg).Write(ctx, r.db)
		if store.Failed(err, "campaign") {
			continue // another change moved it on: read again, decide again
		}
		if err != nil {
			return campaignItem{}, err
		}
		return it, nil
	}
	return campaignItem{}, fault.New(fault.Conflict, op, "the campaign is changing too fast; read it again and retry")
}

// stamp sets a change's new version and time on it.
func stamp(it *campaignItem, now time.Time) {
	it.Version++
	it.UpdatedAt = clock.Format(now)
}

// reportAdd adds a settlement's row to its community's line of the day.
func (r *Repository) reportAdd(campaignID, day string, row Row) types.TransactWriteItem {
	adds := store.Adds{Names: map[string]string{"#d": "day"}, Values: map[string]types.AttributeValue{":day": store.S(day), ":com": store.S(row.CommunityID)}}
	adds.Add("impressions", row.Impressions)
	adds.Add("clicks", row.Clicks)
	adds.Add("billed", row.Billed)
	adds.Add("free", row.Free)
	adds.Add("spend", row.Amount)
	adds.Add("earned", row.Share)
	if row.Premium != 0 {
		adds.Add("premium", row.Premium)
	}
	adds.AddEach(invalidPrefix, row.Invalid)
	vals := adds.Values
	set := "SET #d = :day, communityId = :com"
	if row.Dims != nil {
		// The day's breakdown weights, as serving last counted them (a
		// JSON string: compact, and read whole).
		b, err := json.Marshal(row.Dims)
		if err == nil {
			set += ", dims = :dims"
			vals[":dims"] = store.S(string(b))
		}
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 aws.String(r.table),
		Key:                       map[string]types.AttributeValue{"pk": store.S("CMP#" + campaignID), "sk": store.S("DAY#" + day + "#" + row.CommunityID)},
		UpdateExpression:          aws.String(set + " " + adds.Clause()),
		ExpressionAttributeNames:  adds.Names,
		ExpressionAttributeValues: vals,
	}}
}

// invalidPrefix is a report line's refused count by reason, named as the
// event contract names it.
const invalidPrefix = events.InvalidPrefix

// reportLines reads a campaign's lines from the day from to the day to.
func (r *Repository) reportLines(ctx context.Context, campaignID, from, to string) ([]map[string]any, error) {
	out, err := store.QueryAll[map[string]any](ctx, r.db, &dynamodb.QueryInput{
		TableName:              aws.String(r.table),
		KeyConditionExpression: aws.String("pk = :p AND sk BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("CMP#" + campaignID),
			":lo": store.S("DAY#" + from), ":hi": store.S("DAY#" + to + "#\uffff")},
	}, 1000)
	return out, fault.Wrap("campaigns.reportLines", err)
}
