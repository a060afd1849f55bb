package sponsorships

import (
	"context"

	"github.com/souqhq/souq/shared/owners"
)

// namer names the parties on one response's sponsorships (DESIGN §16),
// from this context's own projection of the accounts, each account read
// once. A name not known (yet) is "".
type namer struct {
	communities *owners.Names
	advertisers *owners.Names
}

func (s *Service) namer() namer {
	return namer{communities: s.owners.Names(owners.Community), advertisers: s.owners.Names(owners.Advertiser)}
}

func (n namer) name(ctx context.Context, v SponsorshipView) (SponsorshipView, error) {
	var err error
	if v.CommunityName, err = n.communities.Of(ctx, v.CommunityID); err != nil {
		return SponsorshipView{}, err
	}
	if v.AdvertiserName, err = n.advertisers.Of(ctx, v.AdvertiserID); err != nil {
		return SponsorshipView{}, err
	}
	return v, nil
}

// named is one sponsorship view with its parties' names.
func (s *Service) named(ctx context.Context, v SponsorshipView) (SponsorshipView, error) {
	return s.namer().name(ctx, v)
}
