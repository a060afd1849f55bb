package serving

// Key design of the directory and the measured audience, in the serving
// table (see dynamo.go for the rest):
//
//	pk                                sk             item
//	DIRECTORY                         <communityId>  a community's directory item: its listing (CommunityCreated,
//	                                                 CommunityUpdated, ordered by listingVersion), what it sells
//	                                                 (slots.<slotId>, from SlotChanged, each ordered by its version)
//	                                                 and its audience's days of the window (audDays, the rollup)
//	AUD#<communityId>                 DAY#<day>      a UTC day's audience: v (viewable impressions), c (clicks),
//	                                                 u (distinct viewers), ADDed by each instance's flush;
//	                                                 expires AudienceKeep after the day
//	AUDV#<communityId>#<day>#<source> V              a viewer (a keyed source hash, never an address) counted on a
//	                                                 community's day; one conditional put; expires with the day
//
// Access patterns: the listing is one Query of the DIRECTORY partition
// (every community serving knows, one item each), made by each instance
// every DirectoryRefresh, never per request; a rollup is one strongly
// consistent Query of at most AudienceWindow days of AUD#<communityId> and
// one conditional update of the community's directory item, at most every
// RollupEvery per community and instance. Viewer records are spread over
// one partition each, so a busy community's new viewers never meet on one
// key; its day's item takes one ADD per flush per instance.
//
// Why the rollup: the directory must show every listed community's 30
// days without reading 30 days of each community per request. The
// directory item carries the days themselves (not one total), so a quiet
// community's figure still ages out day by day: the reader sums the days
// within the window at its own now.

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/owners"
	"github.com/souqhq/souq/shared/store"
)

const directoryPK = "DIRECTORY"

type directoryItem struct {
	PK             string                   `dynamodbav:"pk"`
	SK             string                   `dynamodbav:"sk"`
	CommunityID    string                   `dynamodbav:"communityId"`
	Name           string                   `dynamodbav:"name,omitempty"`
	URL            string                   `dynamodbav:"url,omitempty"`
	CreatedAt      string                   `dynamodbav:"createdAt,omitempty"`
	Listed         bool                     `dynamodbav:"listed,omitempty"`
	Description    string                   `dynamodbav:"description,omitempty"`
	Topics         []string                 `dynamodbav:"topics,omitempty"`
	Languages      []string                 `dynamodbav:"languages,omitempty"`
	Country        string                   `dynamodbav:"country,omitempty"`
	ListingVersion int                      `dynamodbav:"listingVersion,omitempty"`
	Slots          map[string]directorySlot `dynamodbav:"slots,omitempty"`
	Tiers          map[string]directoryTier `dynamodbav:"tiers,omitempty"`
	// AudDays are the window's days as the rollup wrote them, in one
	// string (encodeDays): a thousand communities' thirty days are read
	// every DirectoryRefresh, and one string is far less to read and
	// decode than thirty maps.
	AudDays string `dynamodbav:"audDays,omitempty"`
}

// encodeDays writes days as "day v c u;day v c u".
func encodeDays(days []AudienceDay) string {
	var b strings.Builder
	for i, d := range days {
		if i > 0 {
			b.WriteByte(';')
		}
		fmt.Fprintf(&b, "%s %d %d %d", d.Day, d.ViewableImpressions, d.Clicks, d.DistinctViewers)
	}
	return b.String()
}

// decodeDays reads what encodeDays wrote; a day it cannot read is left
// out.
func decodeDays(s string) []AudienceDay {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ";")
	out := make([]AudienceDay, 0, len(parts))
	for _, p := range parts {
		f := strings.Fields(p)
		if len(f) != 4 {
			continue
		}
		v, err1 := strconv.ParseInt(f[1], 10, 64)
		c, err2 := strconv.ParseInt(f[2], 10, 64)
		u, err3 := strconv.ParseInt(f[3], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		out = append(out, AudienceDay{Day: f[0], ViewableImpressions: v, Clicks: c, DistinctViewers: u})
	}
	return out
}

type directorySlot struct {
	Width    int    `dynamodbav:"w"`
	Height   int    `dynamodbav:"h"`
	Currency string `dynamodbav:"cur"`
	Accept   bool   `dynamodbav:"acc"`
	FloorCPM int64  `dynamodbav:"floor"`
	Archived bool   `dynamodbav:"arch"`
	Version  int    `dynamodbav:"version"`
}

// directoryTier is what one membership tier sells (TierCreated,
// TierChanged), ordered by its version.
type directoryTier struct {
	Name      string      `dynamodbav:"n"`
	Benefits  []string    `dynamodbav:"b"`
	Prices    []tierPrice `dynamodbav:"p"`
	TrialDays int         `dynamodbav:"trial"`
	Archived  bool        `dynamodbav:"arch"`
	Version   int         `dynamodbav:"version"`
}

type tierPrice struct {
	Interval string `dynamodbav:"i"`
	Amount   int64  `dynamodbav:"a"`
	Currency string `dynamodbav:"c"`
}

// listenAccounts has mux keep the owners projection of communities and
// advertisers (with their page allowlists) and, from the same events, the
// communities' directory items. A mux takes one handler per detail-type,
// so the owners' handlers are reached through a mux of their own.
func (s *Store) listenAccounts(mux *events.Mux) {
	inner := events.NewMux("serve-owners")
	s.owners.Listen(inner, owners.Community)
	s.owners.ListenPages(inner)
	s.owners.Listen(mux, owners.Advertiser)
	events.On(mux, func(ctx context.Context, e events.CommunityCreated) error {
		if err := relay(ctx, inner, &e); err != nil {
			return err
		}
		return s.directoryCommunityCreated(ctx, e)
	})
	events.On(mux, func(ctx context.Context, e events.TierCreated) error { return s.directoryTier(ctx, e.Tier) })
	events.On(mux, func(ctx context.Context, e events.TierChanged) error { return s.directoryTier(ctx, e.Tier) })
	events.On(mux, func(ctx context.Context, e events.CommunityUpdated) error {
		if err := relay(ctx, inner, &e); err != nil {
			return err
		}
		if err := s.communityRules(ctx, e); err != nil { // what may run on its pages (review.go)
			return err
		}
		return s.directoryCommunityUpdated(ctx, e)
	})
}

// relay hands a typed event to another mux as the bus delivered it.
func relay(ctx context.Context, mux *events.Mux, e events.Event) error {
	detail, err := json.Marshal(e)
	if err != nil {
		return fault.Wrap("serving.relay", err)
	}
	return mux.Handle(ctx, lambdaevents.EventBridgeEvent{ID: e.Base().EventID, DetailType: e.DetailType(), Source: e.Source(), Detail: detail})
}

func (s *Store) directoryKey(communityID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": store.S(directoryPK), "sk": store.S(communityID)}
}

// directoryCommunityCreated names the community and where it lives. A
// community is created once; its name may have been set by a newer
// CommunityUpdated already, which stands.
func (s *Store) directoryCommunityCreated(ctx context.Context, e events.CommunityCreated) error {
	const op = "serving.directoryCommunityCreated"
	if e.CommunityID == "" {
		return fault.New(fault.Invalid, op, "a community event without its id")
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.table), Key: s.directoryKey(e.CommunityID),
		UpdateExpression:         aws.String("SET communityId = :id, #u = :u, createdAt = :c, #n = if_not_exists(#n, :n)"),
		ExpressionAttributeNames: map[string]string{"#n": "name", "#u": "url"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": store.S(e.CommunityID), ":u": store.S(e.URL),
			":c": store.S(e.OccurredAt), ":n": store.S(e.Name)}})
	return fault.Wrap(op, store.Classify(err))
}

// directoryCommunityUpdated keeps the listing, whole, unless a newer one
// is stored (the bus delivers in any order, and more than once).
func (s *Store) directoryCommunityUpdated(ctx context.Context, e events.CommunityUpdated) error {
	const op = "serving.directoryCommunityUpdated"
	if e.CommunityID == "" || e.Version < 1 {
		return fault.New(fault.Invalid, op, "a community event without its id or version")
	}
	topics, err := attributevalue.Marshal(nonNilStrings(e.Topics))
	if err != nil {
		return fault.Wrap(op, err)
	}
	langs, err := attributevalue.Marshal(nonNilStrings(e.Languages))
	if err != nil {
		return fault.Wrap(op, err)
	}
	expr := "SET communityId = :id, listed = :l, description = :d, topics = :t, languages = :g, country = :c, listingVersion = :v"
	vals := map[string]types.AttributeValue{":id": store.S(e.CommunityID), ":l": &types.AttributeValueMemberBOOL{Value: e.Listed},
		":d": store.S(e.Description), ":t": topics, ":g": langs, ":c": store.S(e.Country), ":v": store.N(int64(e.Version))}
	names := map[string]string{}
	if e.Name != "" {
		expr += ", #n = :n"
		names["#n"] = "name"
		vals[":n"] = store.S(e.Name)
	}
	in := &dynamodb.UpdateItemInput{TableName: aws.String(s.table), Key: s.directoryKey(e.CommunityID),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String("attribute_not_exists(listingVersion) OR listingVersion < :v"),
		ExpressionAttributeValues: vals}
	if len(names) > 0 {
		in.ExpressionAttributeNames = names
	}
	_, err = s.db.UpdateItem(ctx, in)
	if err = store.Classify(err); store.IsConditionFailed(err) {
		return nil // an older (or the same) listing: the newer one stands
	}
	return fault.Wrap(op, err)
}

// directorySlotChanged keeps what a slot sells on its community's
// directory item: its size, currency, whether it takes campaigns and
// their floor, whether it is archived; a slot's older version never
// replaces a newer one. Two updates: the slots map must exist before one
// of its entries can be conditioned on.
func (s *Store) directorySlotChanged(ctx context.Context, e events.SlotChanged) error {
	const op = "serving.directorySlotChanged"
	key := s.directoryKey(e.CommunityID)
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.table), Key: key,
		UpdateExpression:          aws.String("SET communityId = :id, slots = if_not_exists(slots, :empty)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": store.S(e.CommunityID), ":empty": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}}})
	if err != nil {
		return fault.Wrap(op, store.Classify(err))
	}
	slot, err := attributevalue.Marshal(directorySlot{Width: e.Width, Height: e.Height, Currency: e.Currency, Accept: e.Campaigns.Accept,
		FloorCPM: e.Campaigns.FloorCPM.Minor, Archived: e.Archived, Version: e.Version})
	if err != nil {
		return fault.Wrap(op, err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.table), Key: key,
		UpdateExpression:          aws.String("SET slots.#s = :slot"),
		ConditionExpression:       aws.String("attribute_not_exists(slots.#s) OR slots.#s.version < :v"),
		ExpressionAttributeNames:  map[string]string{"#s": e.SlotID},
		ExpressionAttributeValues: map[string]types.AttributeValue{":slot": slot, ":v": store.N(int64(e.Version))}})
	if err = store.Classify(err); store.IsConditionFailed(err) {
		return nil
	}
	return fault.Wrap(op, err)
}

// directoryTier keeps what a membership tier sells on its community's
// directory item; an older version never replaces a newer one (as
// directorySlotChanged, in two updates).
func (s *Store) directoryTier(ctx context.Context, t events.Tier) error {
	const op = "serving.directoryTier"
	if t.CommunityID == "" || t.TierID == "" || t.Version < 1 {
		return fault.New(fault.Invalid, op, "a tier event without its community, id or version")
	}
	key := s.directoryKey(t.CommunityID)
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.table), Key: key,
		UpdateExpression:          aws.String("SET communityId = :id, tiers = if_not_exists(tiers, :empty)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": store.S(t.CommunityID), ":empty": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}}})
	if err != nil {
		return fault.Wrap(op, store.Classify(err))
	}
	dt := directoryTier{Name: t.Name, Benefits: nonNilStrings(t.Benefits), TrialDays: t.TrialDays, Archived: t.Status == "archived", Version: t.Version, Prices: []tierPrice{}}
	for _, p := range t.Prices {
		dt.Prices = append(dt.Prices, tierPrice{Interval: p.Interval, Amount: p.Amount, Currency: p.Currency})
	}
	tier, err := attributevalue.Marshal(dt)
	if err != nil {
		return fault.Wrap(op, err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.table), Key: key,
		UpdateExpression:          aws.String("SET tiers.#t = :tier"),
		ConditionExpression:       aws.String("attribute_not_exists(tiers.#t) OR tiers.#t.version < :v"),
		ExpressionAttributeNames:  map[string]string{"#t": t.TierID},
		ExpressionAttributeValues: map[string]types.AttributeValue{":tier": tier, ":v": store.N(int64(t.Version))}})
	if err = store.Classify(err); store.IsConditionFailed(err) {
		return nil
	}
	return fault.Wrap(op, err)
}

// FirstViewer records a source on a community's day once (a conditional
// put): true only for the put that created it.
func (s *Store) FirstViewer(ctx context.Context, communityID, day, source string) (bool, error) {
	err := store.PutItem(ctx, s.db, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{"pk": store.S("AUDV#" + communityID + "#" + day + "#" + source), "sk": store.S("V"),
			"expiresAt": store.N(audienceExpiry(day))},
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	err = store.Classify(err)
	if store.IsConditionFailed(err) {
		return false, nil
	}
	return err == nil, fault.Wrap("serving.FirstViewer", err)
}

// audienceExpiry is when a day's audience records go: AudienceKeep after
// the day began.
func audienceExpiry(day string) int64 {
	d, err := time.Parse(clock.DayLayout, day)
	if err != nil {
		return 0
	}
	return d.Add(AudienceKeep).Unix()
}

// AddAudience adds a day's increments to a community's day.
func (s *Store) AddAudience(ctx context.Context, communityID string, d AudienceDay) error {
	err := store.AddOnce(ctx, s.db, &dynamodb.UpdateItemInput{TableName: aws.String(s.table),
		Key:                      map[string]types.AttributeValue{"pk": store.S("AUD#" + communityID), "sk": store.S("DAY#" + d.Day)},
		UpdateExpression:         aws.String("SET #d = :d, expiresAt = :x ADD v :v, c :c, u :u"),
		ExpressionAttributeNames: map[string]string{"#d": "d"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": store.S(d.Day), ":x": store.N(audienceExpiry(d.Day)),
			":v": store.N(d.ViewableImpressions), ":c": store.N(d.Clicks), ":u": store.N(d.DistinctViewers)}},
		// Once under the SDK's retries; a failed call's days are merged into
		// the next (audience figures, not money: a call that failed after
		// its write is counted again).
		store.NewAddToken())
	return fault.Wrap("serving.AddAudience", err)
}

// AudienceDays reads a community's days of the window ending at now,
// strongly consistent, oldest first.
func (s *Store) AudienceDays(ctx context.Context, communityID string, now time.Time) ([]AudienceDay, error) {
	today := now.UTC().Truncate(24 * time.Hour)
	items, err := store.QueryAll[AudienceDay](ctx, s.db, &dynamodb.QueryInput{TableName: aws.String(s.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression: aws.String("pk = :p AND sk BETWEEN :a AND :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("AUD#" + communityID),
			":a": store.S("DAY#" + today.AddDate(0, 0, -(AudienceWindow-1)).Format(clock.DayLayout)), ":b": store.S("DAY#" + today.Format(clock.DayLayout))}}, 2)
	return items, fault.Wrap("serving.AudienceDays", err)
}

// RollupAudience writes a community's days of the window onto its
// directory item. Two instances may roll up at once: within a day the
// window's sum only grows, so a rollup with a smaller sum than the stored
// one of the same day is older, and is dropped.
func (s *Store) RollupAudience(ctx context.Context, communityID string, now time.Time) error {
	const op = "serving.RollupAudience"
	days, err := s.AudienceDays(ctx, communityID, now)
	if err != nil {
		return err
	}
	var sum int64
	for _, d := range days {
		sum += d.ViewableImpressions + d.Clicks + d.DistinctViewers
	}
	today := now.UTC().Format(clock.DayLayout)
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.table), Key: s.directoryKey(communityID),
		UpdateExpression:    aws.String("SET communityId = :id, audDays = :days, audDay = :today, audSum = :sum"),
		ConditionExpression: aws.String("attribute_not_exists(audDay) OR audDay < :today OR audSum <= :sum"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": store.S(communityID), ":days": store.S(encodeDays(days)),
			":today": store.S(today), ":sum": store.N(sum)}})
	if err = store.Classify(err); store.IsConditionFailed(err) {
		return nil // a newer rollup stands
	}
	return fault.Wrap(op, err)
}

// DirectoryListings reads every listed community's directory item (one
// Query of the DIRECTORY partition), with its audience over the window
// ending at now.
func (s *Store) DirectoryListings(ctx context.Context, now time.Time) ([]Listing, error) {
	items, err := store.QueryAll[directoryItem](ctx, s.db, &dynamodb.QueryInput{TableName: aws.String(s.table),
		KeyConditionExpression:    aws.String("pk = :p"),
		FilterExpression:          aws.String("listed = :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S(directoryPK), ":t": &types.AttributeValueMemberBOOL{Value: true}},
	}, 1000)
	if err != nil {
		return nil, fault.Wrap("serving.DirectoryListings", err)
	}
	out := make([]Listing, 0, len(items))
	for _, it := range items {
		if !it.Listed {
			continue
		}
		out = append(out, listingOf(it, now))
	}
	return out, nil
}

func listingOf(it directoryItem, now time.Time) Listing {
	l := Listing{CommunityID: it.SK, Name: it.Name, Description: it.Description, Topics: nonNilStrings(it.Topics),
		Languages: nonNilStrings(it.Languages), Country: it.Country, URL: it.URL, CreatedAt: it.CreatedAt,
		Audience: AudienceOver(decodeDays(it.AudDays), now), Slots: []ListedSlot{}}
	for id, sl := range it.Slots {
		if sl.Archived {
			continue
		}
		ls := ListedSlot{SlotID: id, Width: sl.Width, Height: sl.Height, Currency: sl.Currency, TakesCampaigns: sl.Accept}
		if sl.Accept {
			ls.FloorCPM = &money.Amount{Minor: sl.FloorCPM, Currency: sl.Currency}
			l.TakesCampaigns = true
		}
		l.Slots = append(l.Slots, ls)
	}
	sort.Slice(l.Slots, func(i, j int) bool { return l.Slots[i].SlotID < l.Slots[j].SlotID })
	l.Tiers = []ListedTier{}
	for id, t := range it.Tiers {
		if t.Archived {
			continue
		}
		lt := ListedTier{TierID: id, Name: t.Name, Benefits: nonNilStrings(t.Benefits), TrialDays: t.TrialDays, Prices: []ListedPrice{}}
		for _, p := range t.Prices {
			lt.Prices = append(lt.Prices, ListedPrice{Interval: p.Interval, Amount: money.Amount{Minor: p.Amount, Currency: p.Currency}})
		}
		l.Tiers = append(l.Tiers, lt)
	}
	sort.Slice(l.Tiers, func(i, j int) bool { return l.Tiers[i].TierID < l.Tiers[j].TierID })
	return l
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
