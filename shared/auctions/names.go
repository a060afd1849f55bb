package auctions

import (
	"context"
	"strconv"

	"github.com/souqhq/souq/shared/owners"
)

// Names on views (DESIGN §16): a view names the other party, the community
// and the slot beside their ids, from this context's own projection of the
// accounts and its own slots. A name not known (yet) is "".

// SlotSize is a slot's size as people write it: "300×250".
func SlotSize(width, height int) string {
	if width <= 0 || height <= 0 {
		return ""
	}
	return strconv.Itoa(width) + "×" + strconv.Itoa(height)
}

// namer fills the names of one response's views, reading each account and
// slot once.
type namer struct {
	s           *Service
	communities *owners.Names
	advertisers *owners.Names
	slots       map[string]slotItem
}

func (s *Service) namer() *namer {
	return &namer{s: s, communities: s.owners.Names(owners.Community), advertisers: s.owners.Names(owners.Advertiser), slots: map[string]slotItem{}}
}

func (n *namer) slot(ctx context.Context, slotID string) (name, size string, err error) {
	sl, ok := n.slots[slotID]
	if !ok && len(n.slots) < owners.MaxNames {
		if sl, _, err = n.s.repo.getSlot(ctx, slotID); err != nil {
			return "", "", err
		}
		n.slots[slotID] = sl
	}
	return sl.Name, SlotSize(sl.Width, sl.Height), nil
}

func (n *namer) auction(ctx context.Context, v AuctionView) (AuctionView, error) {
	var err error
	if v.CommunityName, err = n.communities.Of(ctx, v.CommunityID); err != nil {
		return AuctionView{}, err
	}
	if v.SlotName, v.SlotSize, err = n.slot(ctx, v.SlotID); err != nil {
		return AuctionView{}, err
	}
	if v.Winner != nil {
		w := *v.Winner
		if w.AdvertiserName, err = n.advertisers.Of(ctx, w.AdvertiserID); err != nil {
			return AuctionView{}, err
		}
		v.Winner = &w
	}
	return v, nil
}

func (n *namer) flight(ctx context.Context, v FlightView) (FlightView, error) {
	var err error
	if v.CommunityName, err = n.communities.Of(ctx, v.CommunityID); err != nil {
		return FlightView{}, err
	}
	if v.SlotName, v.SlotSize, err = n.slot(ctx, v.SlotID); err != nil {
		return FlightView{}, err
	}
	return v, nil
}

func (n *namer) bid(ctx context.Context, v BidView) (BidView, error) {
	var err error
	v.AdvertiserName, err = n.advertisers.Of(ctx, v.AdvertiserID)
	return v, err
}

// named is one auction view with its names.
func (s *Service) named(ctx context.Context, v AuctionView) (AuctionView, error) {
	return s.namer().auction(ctx, v)
}

// namedBid is one bid view with its advertiser's name.
func (s *Service) namedBid(ctx context.Context, v BidView) (BidView, error) {
	return s.namer().bid(ctx, v)
}
