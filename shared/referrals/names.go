package referrals

import (
	"context"

	"github.com/souqhq/souq/shared/owners"
)

// dealNamer names the parties on one response's deals (DESIGN §16): the
// community, and the influencer by the display name they chose ("" when
// they chose none), from this context's own projections, each read once.
type dealNamer struct {
	communities *owners.Names
	people      *owners.People
}

func (s *Service) dealNamer() dealNamer {
	return dealNamer{communities: s.owners.Names(owners.Community), people: s.owners.People()}
}

func (n dealNamer) name(ctx context.Context, v DealView) (DealView, error) {
	var err error
	if v.CommunityName, err = n.communities.Of(ctx, v.CommunityID); err != nil {
		return DealView{}, err
	}
	if v.InfluencerName, err = n.people.Of(ctx, v.InfluencerID); err != nil {
		return DealView{}, err
	}
	return v, nil
}

// namedDeal is one deal view with its parties' names.
func (s *Service) namedDeal(ctx context.Context, v DealView) (DealView, error) {
	return s.dealNamer().name(ctx, v)
}
