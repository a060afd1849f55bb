package auctions

// A community's blocked advertisers (DESIGN §16), as auctions keeps them
// in its table from CommunityUpdated:
//
//	pk                  sk        item
//	COM#<communityId>   BLOCKED   the advertisers the community blocked, version
//
// A bid reads it (one GetItem) with its auction: a blocked advertiser's
// bid on the community's auctions is refused. Flights already booked run
// as sold.

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/store"
)

type blockedItem struct {
	PK      string   `dynamodbav:"pk"`
	SK      string   `dynamodbav:"sk"`
	Blocked []string `dynamodbav:"blocked"`
	Version int      `dynamodbav:"version"`
}

// communityUpdated keeps a community's blocked advertisers (and its
// name), a later version never replaced by an earlier one.
func (s *Service) communityUpdated(ctx context.Context, e events.CommunityUpdated) error {
	const op = "auctions.communityUpdated"
	if e.CommunityID == "" || e.Version < 1 {
		return fault.New(fault.Invalid, op, "a community event without its id or version")
	}
	if err := s.owners.KeepName(ctx, e); err != nil {
		return err
	}
	blocked := e.BlockedAdvertisers
	if blocked == nil {
		blocked = []string{}
	}
	item, err := attributevalue.MarshalMap(blockedItem{PK: "COM#" + e.CommunityID, SK: "BLOCKED", Blocked: blocked, Version: e.Version})
	if err != nil {
		return fault.Wrap(op, err)
	}
	_, err = s.repo.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.repo.table), Item: item,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR version < :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": store.N(int64(e.Version))}})
	if err = store.Classify(err); store.IsConditionFailed(err) {
		return nil // an older (or the same) update: the newer one stands
	}
	return fault.Wrap(op, err)
}

// refuseBlocked refuses a bid of an advertiser the auction's community
// blocked (403: the advertiser knows the auction, and may not bid on it).
func (s *Service) refuseBlocked(ctx context.Context, op, communityID, advertiserID string) error {
	it, _, err := store.Get[blockedItem](ctx, s.repo.db, s.repo.table, "COM#"+communityID, "BLOCKED")
	if err != nil {
		return fault.Wrap(op, err)
	}
	if slices.Contains(it.Blocked, advertiserID) {
		return fault.New(fault.Forbidden, op, "the community does not take bids from this advertiser")
	}
	return nil
}
