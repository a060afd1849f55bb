package serving

// Key design of the serving table (pk, sk strings; expiresAt is its TTL).
// Serving reads no other context's table: what it knows of slots and
// flights it keeps here, from the auctions context's events.
//
//	pk                 sk                     item
//	SLOT#<slotId>      META                   a slot (SlotChanged): community, size, currency, archived, house ad,
//	                                          campaign setting, version
//	SLOT#<slotId>      RUN#<end>#<flightId>   a booked flight of the slot (FlightBooked): window, creative;
//	                                          expires a day after its end
//	FLT#<flightId>     META                   the flight (FlightBooked): slot, community, advertiser, click URL
//	FLT#<flightId>     STAT#<day>#<shard>     served, impressions, clicks, inv_<reason> counters
//	CAMPAIGNS          <campaignId>           a campaign (CampaignChanged): terms, creative, state, version; one
//	                                          partition, read whole every CampaignsRefresh by each instance
//	CAMPAIGNS          <campaignId>#spent     what its settlements charged (CampaignCharged): in all, on a day, seq
//	CMP#<campaignId>   STAT#<day>#<communityId>#<shard>   the campaign's counters on a community's slots
//	CMP#<campaignId>   METERED                the last CampaignMetered sent: its seq and counts
//	ACCEPTING          <slotId>               a slot's campaign setting (SlotChanged): size, currency, floor,
//	                                          keywords, whether it takes campaigns; one partition, read whole
//	                                          by GET /v1/reach (the campaign form's count), never by a decision
//	OFFER#<id>#<v|c>   ONCE                   an offer's view (v) or click (c) happened; expires with the offer
//	COM#/ADV#<id>      META, PAGES            the owners projection (shared/owners): who owns what, a
//	EVT#<eventId>      EVT                    community's page allowlist, the account events applied
//	COM#<communityId>  RULES                  what a community lets run on its pages; REVIEW#<communityId>
//	                                          <campaignId>: its decisions on campaigns (review.go has both)
//	DIRECTORY, AUD#…, AUDV#…                   the directory's listings and the measured audience: see
//	                                          directory_dynamo.go
//
// Access patterns: a placement is one Query of the slot's partition
// (META and its flights, ordered by end) and one GetItem of its
// community's pages, both eventually consistent, cached in process; a
// click's destination one GetItem of FLT# (cached: a booked flight never
// changes); counters one ADD per flight-day per flush into the instance's
// shard; a view's or click's once-record one conditional put.

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/owners"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/targeting"
	"github.com/souqhq/souq/shared/topology"
)

// Store is serving's own table: the projection every decision is made
// from (Source), the once-per-offer records (Once) and the counters
// (Tally). It is kept by the events Listen handles.
type Store struct {
	db     *dynamodb.Client
	table  string
	outbox string
	owners *owners.Projection
}

// NewStore is the serving table of db.
func NewStore(db *store.DB, c clock.Clock) *Store {
	table := db.Table(topology.TableServing)
	return &Store{db: db.Client, table: table, outbox: db.Table(topology.TableOutbox), owners: owners.New(db.Client, table, c)}
}

// Owners is the projection of who owns which community and advertiser
// (who may read a flight's stats).
func (s *Store) Owners() *owners.Projection { return s.owners }

type slotItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	CommunityID string `dynamodbav:"communityId"`
	Width       int    `dynamodbav:"width"`
	Height      int    `dynamodbav:"height"`
	Archived    bool   `dynamodbav:"archived"`
	HouseImage  string `dynamodbav:"houseImageUrl,omitempty"`
	HouseClick  string `dynamodbav:"houseClickUrl,omitempty"`
	HouseAlt    string `dynamodbav:"houseAltText,omitempty"`
	Currency    string `dynamodbav:"currency,omitempty"`
	Campaigns   bool   `dynamodbav:"campaigns,omitempty"`
	FloorCPM    int64  `dynamodbav:"floorCpm,omitempty"`
	// Keywords are the slot's own topics (normalised).
	Keywords []string `dynamodbav:"keywords,omitempty"`
	Version  int      `dynamodbav:"version"`
}

type flightItem struct {
	PK           string `dynamodbav:"pk"`
	SK           string `dynamodbav:"sk"`
	FlightID     string `dynamodbav:"flightId"`
	SlotID       string `dynamodbav:"slotId"`
	CommunityID  string `dynamodbav:"communityId"`
	AdvertiserID string `dynamodbav:"advertiserId"`
	FlightStart  string `dynamodbav:"flightStart"`
	FlightEnd    string `dynamodbav:"flightEnd"`
	ImageURL     string `dynamodbav:"imageUrl"`
	ClickURL     string `dynamodbav:"clickUrl"`
	AltText      string `dynamodbav:"altText"`
	ExpiresAt    int64  `dynamodbav:"expiresAt,omitempty"`
}

// placementRow is any item of a slot's partition: its META or a run.
type placementRow struct {
	slotItem
	FlightID    string `dynamodbav:"flightId"`
	FlightStart string `dynamodbav:"flightStart"`
	FlightEnd   string `dynamodbav:"flightEnd"`
	ImageURL    string `dynamodbav:"imageUrl"`
	ClickURL    string `dynamodbav:"clickUrl"`
	AltText     string `dynamodbav:"altText"`
}

// runKeep is how long a flight's run stays in its slot's partition after
// its end (then the TTL removes it; until then the read skips it).
const runKeep = 24 * time.Hour

// Listen has mux keep the projection: slots and flights from the auctions
// context, communities' pages and the owners of accounts from accounts.
// Delivery is at least once and in any order: a slot's older version
// never replaces a newer one, and a booked flight is written whole, the
// same every time.
func (s *Store) Listen(mux *events.Mux) {
	s.listenAccounts(mux) // the owners projection, and the directory's listings (directory_dynamo.go)
	events.On(mux, s.slotChanged)
	events.On(mux, s.flightBooked)
	events.On(mux, s.campaignChanged)
	events.On(mux, s.campaignCharged)
	events.On(mux, s.campaignReviewed)
}

// campaignCharged keeps what a campaign's settlements charged, so that
// every instance's belief of its spend starts from the truth; a later
// settlement never gives way to an earlier one.
func (s *Store) campaignCharged(ctx context.Context, e events.CampaignCharged) error {
	const op = "serving.campaignCharged"
	if e.CampaignID == "" || e.Seq < 1 {
		return fault.New(fault.Invalid, op, "a charge without its campaign or seq")
	}
	item, err := attributevalue.MarshalMap(campaignItem{PK: campaignsPK, SK: e.CampaignID + spentSuffix, Spent: e.Spent.Minor,
		SpentToday: e.SpentToday.Minor, SpentDay: e.Day, Seq: e.Seq})
	if err != nil {
		return fault.Wrap(op, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR seq < :s"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": store.N(e.Seq)}})
	if err = store.Classify(err); store.IsConditionFailed(err) {
		return nil
	}
	return fault.Wrap(op, err)
}

type campaignItem struct {
	PK           string `dynamodbav:"pk"`
	SK           string `dynamodbav:"sk"`
	AdvertiserID string `dynamodbav:"advertiserId"`
	Currency     string `dynamodbav:"currency"`
	Model        string `dynamodbav:"model"`
	Bid          int64  `dynamodbav:"bid"`
	Budget       int64  `dynamodbav:"budget"`
	DailyCap     int64  `dynamodbav:"dailyCap"`
	Start        string `dynamodbav:"start"`
	End          string `dynamodbav:"end"`
	Pacing       string `dynamodbav:"pacing"`
	State        string `dynamodbav:"state"`
	ImageURL     string `dynamodbav:"imageUrl"`
	ClickURL     string `dynamodbav:"clickUrl"`
	AltText      string `dynamodbav:"altText"`
	Width        int    `dynamodbav:"width"`
	Height       int    `dynamodbav:"height"`
	Version      int    `dynamodbav:"version"`
	ExpiresAt    int64  `dynamodbav:"expiresAt,omitempty"`
	// CreativeVersion numbers its creatives (communities review each).
	CreativeVersion int `dynamodbav:"creativeVersion,omitempty"`
	// Targeting is what it asks of a decision (nil: untargeted).
	Targeting *events.CampaignTargeting `dynamodbav:"targeting,omitempty"`
	// On its <id>#spent item: what settlements charged.
	Spent      int64  `dynamodbav:"spent,omitempty"`
	SpentToday int64  `dynamodbav:"spentToday,omitempty"`
	SpentDay   string `dynamodbav:"spentDay,omitempty"`
	Seq        int64  `dynamodbav:"seq,omitempty"`
}

// spentSuffix marks a campaign's settled-spend item in CAMPAIGNS.
const spentSuffix = "#spent"

// campaignsPK is the one partition of every campaign serving knows.
const campaignsPK = "CAMPAIGNS"

func (s *Store) campaignChanged(ctx context.Context, e events.CampaignChanged) error {
	const op = "serving.campaignChanged"
	end := clock.Parse(e.End)
	if e.CampaignID == "" || e.Version < 1 || end.IsZero() {
		return fault.New(fault.Invalid, op, "a campaign event without its campaign, version or end")
	}
	it := campaignItem{PK: campaignsPK, SK: e.CampaignID, AdvertiserID: e.AdvertiserID, Currency: e.Currency, Model: e.Model,
		Bid: e.Bid.Minor, Budget: e.Budget.Minor, Start: e.Start, End: e.End, Pacing: e.Pacing, State: e.State,
		ImageURL: e.Creative.ImageURL, ClickURL: e.Creative.ClickURL, AltText: e.Creative.AltText, Width: e.Creative.Width, Height: e.Creative.Height,
		Version: e.Version, ExpiresAt: end.Add(OfferTTL + 24*time.Hour).Unix(), Targeting: e.Targeting, CreativeVersion: max(e.CreativeVersion, 1)}
	if e.DailyCap != nil {
		it.DailyCap = e.DailyCap.Minor
	}
	return s.putNewer(ctx, op, it, e.Version)
}

// putNewer writes a projected item unless the one stored is as new or
// newer: the bus may deliver changes in any order, and more than once.
func (s *Store) putNewer(ctx context.Context, op string, it any, version int) error {
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fault.Wrap(op, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR version < :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": store.N(int64(version))}})
	if err = store.Classify(err); store.IsConditionFailed(err) {
		return nil // an older (or the same) change: the newer one stands
	}
	return fault.Wrap(op, err)
}

// Campaigns reads every campaign that may still run at now: not ended and
// not past its end. Ended ones stay readable (a click on one still goes
// to its page) until the TTL takes them, a day after their offers expire.
func (s *Store) Campaigns(ctx context.Context, now time.Time) ([]Campaign, error) {
	items, err := store.QueryAll[campaignItem](ctx, s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S(campaignsPK)},
	}, 1000)
	if err != nil {
		return nil, fault.Wrap("serving.Campaigns", err)
	}
	spent := map[string]campaignItem{}
	for _, it := range items {
		if id, ok := strings.CutSuffix(it.SK, spentSuffix); ok {
			spent[id] = it
		}
	}
	out := make([]Campaign, 0, len(items))
	for _, it := range items {
		if strings.HasSuffix(it.SK, spentSuffix) {
			continue
		}
		end := clock.Parse(it.End)
		if !now.Before(end.Add(OfferTTL)) {
			continue // over, and so are its offers
		}
		out = append(out, Campaign{ID: it.SK, AdvertiserID: it.AdvertiserID, Currency: it.Currency, Model: it.Model, Bid: it.Bid,
			Budget: it.Budget, DailyCap: it.DailyCap, Start: clock.Parse(it.Start), End: end, Pacing: it.Pacing, Live: it.State == "live",
			Creative: Creative{ImageURL: it.ImageURL, ClickURL: it.ClickURL, AltText: it.AltText}, Width: it.Width, Height: it.Height, CreativeVersion: max(it.CreativeVersion, 1),
			Settled:   Settled{Seq: spent[it.SK].Seq, Total: spent[it.SK].Spent, Today: spent[it.SK].SpentToday, Day: spent[it.SK].SpentDay},
			Targeting: targetingOf(it.Targeting)})
	}
	return out, nil
}

// campaignShards reads a campaign's counter shards (its days on each
// community), strongly consistent: the meter sums them.
func (s *Store) campaignShards(ctx context.Context, campaignID string) ([]campaignShard, error) {
	items, err := store.QueryAll[map[string]any](ctx, s.db, &dynamodb.QueryInput{
		TableName: aws.String(s.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :p AND begins_with(sk, :s)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("CMP#" + campaignID), ":s": store.S("STAT#")},
	}, 1000)
	if err != nil {
		return nil, fault.Wrap("serving.campaignShards", err)
	}
	out := make([]campaignShard, 0, len(items))
	for _, it := range items {
		parts := strings.Split(it["sk"].(string), "#") // STAT, day, community, shard
		if len(parts) != 4 {
			continue
		}
		sh := campaignShard{Day: parts[1], CommunityID: parts[2], Counts: make(map[string]int64, len(it))}
		for k, v := range it {
			if n, ok := v.(float64); ok {
				sh.Counts[k] = int64(n)
			}
		}
		out = append(out, sh)
	}
	return out, nil
}

type meteredItem struct {
	PK          string                  `dynamodbav:"pk"`
	SK          string                  `dynamodbav:"sk"`
	Seq         int64                   `dynamodbav:"seq"`
	Communities []events.CommunityUnits `dynamodbav:"communities"`
}

// Meter sends, for every campaign whose offers may still count, its
// counts since its start as CampaignMetered when they moved since the
// last one: the event and the record of it in one transaction, numbered,
// so that the campaigns context settles each count once. It runs every
// minute (the serve-meter schedule) and tries every campaign, returning
// the first error.
func (s *Store) Meter(ctx context.Context, now time.Time) error {
	cs, err := s.Campaigns(ctx, now)
	if err != nil {
		return err
	}
	var first error
	for _, c := range cs {
		if err := s.meter(ctx, c.ID, now); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (s *Store) meter(ctx context.Context, campaignID string, now time.Time) error {
	const op = "serving.meter"
	shards, err := s.campaignShards(ctx, campaignID)
	if err != nil {
		return err
	}
	units := meterUnits(shards, now)
	if len(units) == 0 {
		return nil
	}
	last, found, err := store.Get[meteredItem](ctx, s.db, s.table, "CMP#"+campaignID, "METERED")
	if err != nil {
		return fault.Wrap(op, err)
	}
	next, ok := nextMeter(units, last.Seq, last.Communities, found)
	if !ok {
		return nil
	}
	item, err := attributevalue.MarshalMap(meteredItem{PK: "CMP#" + campaignID, SK: "METERED", Seq: next.Seq, Communities: next.Kept})
	if err != nil {
		return fault.Wrap(op, err)
	}
	evt, err := events.OutboxPut(s.outbox, &events.CampaignMetered{CampaignID: campaignID, Seq: next.Seq, Communities: next.Communities}, now)
	if err != nil {
		return fault.Wrap(op, err)
	}
	cond := &types.Put{TableName: aws.String(s.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if found {
		cond.ConditionExpression = aws.String("seq = :s")
		cond.ExpressionAttributeValues = map[string]types.AttributeValue{":s": store.N(last.Seq)}
	}
	err = store.NewTx().Add("metered", types.TransactWriteItem{Put: cond}).Add("event", evt).Write(ctx, s.db)
	if store.Failed(err, "metered") {
		return nil // another run sent it
	}
	return fault.Wrap(op, err)
}

func (s *Store) slotChanged(ctx context.Context, e events.SlotChanged) error {
	const op = "serving.slotChanged"
	if e.SlotID == "" || e.CommunityID == "" || e.Version < 1 {
		return fault.New(fault.Invalid, op, "a slot event without its slot, community or version")
	}
	it := slotItem{PK: "SLOT#" + e.SlotID, SK: "META", CommunityID: e.CommunityID, Width: e.Width, Height: e.Height,
		Archived: e.Archived, Version: e.Version, Currency: e.Currency, Campaigns: e.Campaigns.Accept, FloorCPM: e.Campaigns.FloorCPM.Minor, Keywords: e.Keywords}
	if h := e.HouseAd; h != nil {
		it.HouseImage, it.HouseClick, it.HouseAlt = h.ImageURL, h.ClickURL, h.AltText
	}
	if err := s.putNewer(ctx, op, it, e.Version); err != nil {
		return err
	}
	if err := s.putNewer(ctx, op, acceptingItem{PK: "ACCEPTING", SK: e.SlotID, Accepting: e.Campaigns.Accept && !e.Archived, Width: e.Width, Height: e.Height,
		Currency: e.Currency, FloorCPM: e.Campaigns.FloorCPM.Minor, Keywords: e.Keywords, Version: e.Version}, e.Version); err != nil {
		return err
	}
	return s.directorySlotChanged(ctx, e) // what the community sells, in the directory
}

type acceptingItem struct {
	PK        string   `dynamodbav:"pk"`
	SK        string   `dynamodbav:"sk"`
	Accepting bool     `dynamodbav:"accepting"`
	Width     int      `dynamodbav:"width"`
	Height    int      `dynamodbav:"height"`
	Currency  string   `dynamodbav:"currency"`
	FloorCPM  int64    `dynamodbav:"floorCpm"`
	Keywords  []string `dynamodbav:"keywords,omitempty"`
	Version   int      `dynamodbav:"version"`
}

// Reach is how many slots of a size and currency take campaigns; of them,
// how many a bid's eCPM meets the floor of; and of those, how many name
// one of a campaign's keywords themselves (pages' own keywords can match
// more, so this is the least a keyword-targeted campaign reaches).
type Reach struct {
	Accepting    int `json:"accepting"`
	AtBid        int `json:"atBid"`
	KeywordMatch int `json:"keywordMatch"`
}

// Reach counts the slots a campaign of that size, currency, eCPM (minor
// units per 1,000) and keywords could run on.
func (s *Store) Reach(ctx context.Context, width, height int, currency string, ecpm int64, keywords []string) (Reach, error) {
	items, err := store.QueryAll[acceptingItem](ctx, s.db, &dynamodb.QueryInput{TableName: aws.String(s.table),
		KeyConditionExpression:    aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("ACCEPTING")}}, 1000)
	if err != nil {
		return Reach{}, fault.Wrap("serving.Reach", err)
	}
	var r Reach
	for _, it := range items {
		if !it.Accepting || it.Width != width || it.Height != height || it.Currency != currency {
			continue
		}
		r.Accepting++
		if ecpm < it.FloorCPM {
			continue
		}
		r.AtBid++
		if len(keywords) == 0 || slices.ContainsFunc(it.Keywords, func(k string) bool { return slices.Contains(keywords, k) }) {
			r.KeywordMatch++
		}
	}
	return r, nil
}

func (s *Store) flightBooked(ctx context.Context, e events.FlightBooked) error {
	const op = "serving.flightBooked"
	end := clock.Parse(e.FlightEnd)
	if e.FlightID == "" || e.SlotID == "" || end.IsZero() || clock.Parse(e.FlightStart).IsZero() {
		return fault.New(fault.Invalid, op, "a flight event without its flight, slot or window")
	}
	f := flightItem{FlightID: e.FlightID, SlotID: e.SlotID, CommunityID: e.CommunityID, AdvertiserID: e.AdvertiserID,
		FlightStart: e.FlightStart, FlightEnd: e.FlightEnd, ImageURL: e.Creative.ImageURL, ClickURL: e.Creative.ClickURL, AltText: e.Creative.AltText}
	meta, run := f, f
	meta.PK, meta.SK = "FLT#"+e.FlightID, "META"
	run.PK, run.SK, run.ExpiresAt = "SLOT#"+e.SlotID, "RUN#"+e.FlightEnd+"#"+e.FlightID, end.Add(runKeep).Unix()
	// Two plain puts of what never changes: a redelivery writes the same.
	for _, it := range []flightItem{meta, run} {
		item, err := attributevalue.MarshalMap(it)
		if err != nil {
			return fault.Wrap(op, err)
		}
		if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
			return fault.Wrap(op, store.Classify(err))
		}
	}
	return nil
}

// Placement reads a slot, its flight that ends first after now (flights
// of a slot never overlap: the running one or the next) and its
// community's pages.
func (s *Store) Placement(ctx context.Context, slotID string, now time.Time) (Placement, error) {
	const op = "serving.Placement"
	rows, err := store.QueryAll[placementRow](ctx, s.db, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("pk = :p AND sk BETWEEN :meta AND :runs"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":p": store.S("SLOT#" + slotID), ":meta": store.S("META"), ":runs": store.S("RUN#~"),
		},
	}, 100)
	if err != nil {
		return Placement{}, fault.Wrap(op, err)
	}
	var p Placement
	after := "RUN#" + clock.Format(now) + "~" // the first run ending after now
	for _, r := range rows {                  // META, then the runs by end
		switch {
		case r.SK == "META":
			p.Found, p.Archived, p.CommunityID, p.Width, p.Height, p.Currency = true, r.Archived, r.CommunityID, r.Width, r.Height, r.Currency
			if r.Campaigns {
				p.Campaigns = &SlotCampaigns{FloorCPM: r.FloorCPM, Keywords: r.Keywords}
			}
			if r.HouseImage != "" {
				p.House = &Creative{ImageURL: r.HouseImage, ClickURL: r.HouseClick, AltText: r.HouseAlt}
			}
		case p.Flight == nil && r.SK > after:
			p.Flight = &Run{FlightID: r.FlightID, Start: clock.Parse(r.FlightStart), End: clock.Parse(r.FlightEnd),
				Creative: Creative{ImageURL: r.ImageURL, ClickURL: r.ClickURL, AltText: r.AltText}}
		}
	}
	if !p.Found {
		return Placement{}, nil
	}
	if p.AllowedDomains, err = s.owners.Pages(ctx, p.CommunityID); err != nil {
		return Placement{}, err
	}
	if p.Campaigns != nil && !p.Archived {
		if p.Rules, err = s.rules(ctx, p.CommunityID); err != nil {
			return Placement{}, err
		}
	}
	return p, nil
}

// flight reads a booked flight.
func (s *Store) flight(ctx context.Context, flightID string) (flightItem, bool, error) {
	f, found, err := store.Get[flightItem](ctx, s.db, s.table, "FLT#"+flightID, "META")
	return f, found, fault.Wrap("serving.flight", err)
}

// FlightClickURL is where a click on a flight goes.
func (s *Store) FlightClickURL(ctx context.Context, flightID string) (string, bool, error) {
	f, found, err := s.flight(ctx, flightID)
	return f.ClickURL, found, err
}

// First records key once: true the first time, false after, on any
// instance (a conditional put). The record expires with its offer.
func (s *Store) First(ctx context.Context, key string, expires time.Time, token string) (bool, error) {
	err := store.PutItemAs(ctx, s.db, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{"pk": store.S(key), "sk": store.S("ONCE"),
			"expiresAt": store.N(expires.Unix())},
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}, token)
	err = store.Classify(err)
	if store.IsConditionFailed(err) {
		return false, nil
	}
	return err == nil, fault.Wrap("serving.First", err)
}

// Seen reports whether key was recorded by First (strongly consistent).
func (s *Store) Seen(ctx context.Context, key string) (bool, error) {
	_, found, err := store.Get[struct {
		PK string `dynamodbav:"pk"`
	}](ctx, s.db, s.table, key, "ONCE")
	return found, fault.Wrap("serving.Seen", err)
}

// AddCounts adds buffered increments to one shard of a flight's day, or
// of a campaign's day on a community (ref CampaignRef).
func (s *Store) AddCounts(ctx context.Context, ref, day string, shard int, counts map[string]int64, token string) error {
	r, ok := ParseRef(ref)
	if !ok {
		return fault.New(fault.Invalid, "serving.AddCounts", "no such counter ref")
	}
	flightID := r.Flight // the flight's or campaign's id
	key := map[string]types.AttributeValue{"pk": store.S("FLT#" + r.Flight), "sk": store.S(fmt.Sprintf("STAT#%s#%02d", day, shard))}
	if r.Campaign != "" {
		flightID = r.Campaign
		key = map[string]types.AttributeValue{"pk": store.S("CMP#" + r.Campaign), "sk": store.S(fmt.Sprintf("STAT#%s#%s#%02d", day, r.Community, shard))}
	}
	kinds := make([]string, 0, len(counts))
	for k, n := range counts {
		if n != 0 {
			kinds = append(kinds, k)
		}
	}
	// The events' own kinds first (a handful), then their dims
	// (kind|dim|value): the first update holds every count that is billed.
	sort.Slice(kinds, func(i, j int) bool {
		ki, _ := ParseCountKey(kinds[i])
		kj, _ := ParseCountKey(kinds[j])
		di, dj := ki.Dim != "", kj.Dim != ""
		if di != dj {
			return dj
		}
		return kinds[i] < kinds[j]
	})
	for part := 0; len(kinds) > 0; part++ {
		first := part == 0
		// At most countTerms ADDs an update (DynamoDB allows 300
		// operators and 4 KB an expression): a wide breakdown is written
		// in more than one.
		chunk := kinds[:min(countTerms, len(kinds))]
		kinds = kinds[len(chunk):]
		expr := "SET #r = :f, #d = :day ADD "
		vals := map[string]types.AttributeValue{":f": store.S(flightID), ":day": store.S(day)}
		names := map[string]string{"#d": "day", "#r": "ref"}
		for i, k := range chunk {
			if i > 0 {
				expr += ", "
			}
			p := strconv.FormatInt(int64(i), 36)
			expr += "#k" + p + " :k" + p
			names["#k"+p] = k
			vals[":k"+p] = store.N(counts[k])
		}
		// Once under the SDK's retries: these counts are what campaigns are
		// charged for.
		err := store.AddOnce(ctx, s.db, &dynamodb.UpdateItemInput{
			TableName:                 aws.String(s.table),
			Key:                       key,
			UpdateExpression:          aws.String(expr),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: vals,
		}, token+"."+strconv.Itoa(part)) // the same kinds in the same parts when sent again (sorted)
		if err != nil && first {
			return fault.Wrap("serving.AddCounts", err) // maybe not written: the caller sends it all again, with token
		}
		if err != nil {
			// The counts are written; only some breakdown weights are
			// not (a report's breakdown apportions its line by them):
			// they are dropped rather than counting the rest twice.
			slog.Default().Warn("breakdown counts dropped", "ref", ref, "day", day, "kinds", len(kinds)+len(chunk), "error", err.Error())
			return nil
		}
	}
	return nil
}

// countTerms is the most counts one update adds.
const countTerms = 100

// flightDays sums a flight's counter shards per day (a flight lasts at
// most a year: at most 366 × 16 small items).
func (s *Store) flightDays(ctx context.Context, flightID string) ([]DayStats, error) {
	shards, err := store.QueryAll[map[string]any](ctx, s.db, &dynamodb.QueryInput{
		TableName: aws.String(s.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :p AND begins_with(sk, :s)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("FLT#" + flightID), ":s": store.S("STAT#")},
	}, 100)
	if err != nil {
		return nil, fault.Wrap("serving.flightDays", err)
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
			case k == CountServed:
				d.Served += int64(n)
			case k == CountImpressions:
				d.Impressions += int64(n)
			case k == CountClicks:
				d.Clicks += int64(n)
			case strings.HasPrefix(k, CountInvalid):
				d.Invalid[strings.TrimPrefix(k, CountInvalid)] += int64(n)
			}
		}
	}
	return days, nil
}

// targetingOf is a projected campaign's targeting, normalised again (the
// event's lists are sorted already; Matches relies on it).
func targetingOf(t *events.CampaignTargeting) targeting.Targeting {
	if t == nil {
		return targeting.Targeting{}
	}
	in := targeting.Targeting{Keywords: t.Keywords, Countries: t.Countries, Devices: t.Devices, Hours: t.Hours}
	if f := t.Frequency; f != nil {
		in.Frequency = &targeting.Frequency{Impressions: f.Impressions, Hours: f.Hours}
	}
	out, _ := targeting.Normalize(in, "targeting")
	return out
}
