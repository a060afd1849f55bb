package auctions

import (
	"context"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/creatives"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/owners"
)

// WithCreatives lets bids and house ads name a hosted creative by
// creativeId (DESIGN §16), read from the creatives table.
func (s *Service) WithCreatives(lib *creatives.Library) *Service {
	s.creatives = lib
	return s
}

// resolveCreative fills a creative that names a creativeId with its
// hosted imageUrl; the creative must be advertiserID's. field prefixes
// the fields it names ("creative." for a bid, "" for a house ad).
func (s *Service) resolveCreative(ctx context.Context, op, advertiserID string, c *Creative, field string) error {
	if c == nil || c.CreativeID == "" {
		return nil
	}
	if s.creatives == nil {
		return fault.InvalidFields(op, "the creative is refused", fault.FieldError{Field: field + "creativeId", Message: "cannot be used here: creatives are not hosted"})
	}
	hosted, err := s.creatives.Resolve(ctx, advertiserID, c.CreativeID, field+"creativeId")
	if err != nil {
		return err
	}
	c.ImageURL, c.resolved = hosted.ImageURL, true
	return nil
}

// resolveHouseCreative resolves a house ad's creativeId: a creative of an
// advertiser the person owns (a community's owner who advertises too
// shows its own images).
func (s *Service) resolveHouseCreative(ctx context.Context, op string, p auth.Principal, c *Creative) error {
	refuse := fault.InvalidFields(op, "the creative is refused", fault.FieldError{Field: "creativeId", Message: "names no creative of an advertiser you own"})
	if s.creatives == nil || p.Kind != auth.KindUser {
		return refuse
	}
	hosted, found, err := s.creatives.Get(ctx, c.CreativeID)
	if err != nil {
		return err
	}
	if !found {
		return refuse
	}
	a, found, err := s.owners.Get(ctx, owners.Advertiser, hosted.AdvertiserID)
	if err != nil {
		return err
	}
	if !found || a.OwnerID != p.UserID {
		return refuse
	}
	c.ImageURL, c.resolved = hosted.ImageURL, true
	return nil
}
