package serving

// What a community lets run on its pages (DESIGN §16), as serving keeps it
// in its table, from the bus:
//
//	pk                 sk             item
//	COM#<communityId>  RULES          its review setting and blocked advertisers, version (CommunityUpdated)
//	REVIEW#<comId>     <campaignId>   its latest decision on a campaign: creative version, approved, version (CampaignReviewed)
//
// A placement reads both with its slot (one GetItem, one Query of the
// community's decisions, when the slot takes campaigns), cached with it.

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/store"
)

// CommunityRules are what a community lets run on its slots: with Approve,
// only campaigns whose current creative it approved; never a blocked
// advertiser's campaign; never a creative it rejected. Flights were sold
// in the community's own auctions (bids of blocked advertisers are
// refused there), so they run as booked.
type CommunityRules struct {
	Approve bool
	Blocked []string
	// Decisions are its latest decision on each campaign it reviewed.
	Decisions map[string]Reviewed
}

// Reviewed is a community's decision on one creative version of a
// campaign.
type Reviewed struct {
	CreativeVersion int
	Approved        bool
}

// restricts reports whether the rules can keep any campaign off the
// community's slots (a community with none shares its draws with others).
func (r CommunityRules) restricts() bool {
	return r.Approve || len(r.Blocked) > 0 || len(r.Decisions) > 0
}

// Allows reports whether c may run on the community's slots: not of a
// blocked advertiser, its current creative not rejected, and approved
// where the community approves campaigns first.
func (r CommunityRules) Allows(c Campaign) bool {
	if slices.Contains(r.Blocked, c.AdvertiserID) {
		return false
	}
	d, decided := r.Decisions[c.ID]
	current := decided && d.CreativeVersion == max(c.CreativeVersion, 1)
	if current && !d.Approved {
		return false
	}
	return !r.Approve || current
}

type rulesItem struct {
	PK      string   `dynamodbav:"pk"`
	SK      string   `dynamodbav:"sk"`
	Review  string   `dynamodbav:"review"`
	Blocked []string `dynamodbav:"blocked"`
	Version int      `dynamodbav:"version"`
}

type reviewItem struct {
	PK              string `dynamodbav:"pk"`
	SK              string `dynamodbav:"sk"`
	CreativeVersion int    `dynamodbav:"creativeVersion"`
	Approved        bool   `dynamodbav:"approved"`
	Version         int    `dynamodbav:"version"`
}

// communityRules keeps what a community lets run on its pages
// (CommunityUpdated, whose handler is listenAccounts'), a later version
// never replaced by an earlier one.
func (s *Store) communityRules(ctx context.Context, e events.CommunityUpdated) error {
	const op = "serving.communityRules"
	if e.CommunityID == "" || e.Version < 1 {
		return fault.New(fault.Invalid, op, "a community event without its id or version")
	}
	blocked := e.BlockedAdvertisers
	if blocked == nil {
		blocked = []string{}
	}
	return s.putNewer(ctx, op, rulesItem{PK: "COM#" + e.CommunityID, SK: "RULES", Review: e.CampaignReview, Blocked: blocked, Version: e.Version}, e.Version)
}

// campaignReviewed keeps a community's latest decision on a campaign.
func (s *Store) campaignReviewed(ctx context.Context, e events.CampaignReviewed) error {
	const op = "serving.campaignReviewed"
	if e.CampaignID == "" || e.CommunityID == "" || e.Version < 1 || e.CreativeVersion < 1 {
		return fault.New(fault.Invalid, op, "a review without its campaign, community, creative or version")
	}
	return s.putNewer(ctx, op, reviewItem{PK: "REVIEW#" + e.CommunityID, SK: e.CampaignID, CreativeVersion: e.CreativeVersion,
		Approved: e.Decision == "approve", Version: e.Version}, e.Version)
}

// maxReviewPages bounds the read of a community's decisions.
const maxReviewPages = 10

// rules reads what a community lets run on its slots (zero: every
// campaign that fits).
func (s *Store) rules(ctx context.Context, communityID string) (CommunityRules, error) {
	const op = "serving.rules"
	it, _, err := store.Get[rulesItem](ctx, s.db, s.table, "COM#"+communityID, "RULES")
	if err != nil {
		return CommunityRules{}, fault.Wrap(op, err)
	}
	reviews, err := store.QueryAll[reviewItem](ctx, s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("REVIEW#" + communityID)},
	}, maxReviewPages)
	if err != nil {
		return CommunityRules{}, fault.Wrap(op, err)
	}
	r := CommunityRules{Approve: it.Review == "approve", Blocked: it.Blocked}
	if len(reviews) > 0 {
		r.Decisions = make(map[string]Reviewed, len(reviews))
		for _, rv := range reviews {
			r.Decisions[rv.SK] = Reviewed{CreativeVersion: rv.CreativeVersion, Approved: rv.Approved}
		}
	}
	return r, nil
}
