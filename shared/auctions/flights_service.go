package auctions

import (
	"context"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/money"
)

// FlightView is a booked flight as its advertiser or community reads it:
// where it runs, when, and at what price.
type FlightView struct {
	ID          string `json:"id"`
	AuctionID   string `json:"auctionId"`
	CommunityID string `json:"communityId"`
	SlotID      string `json:"slotId"`
	// Where it runs, by name: the community, the slot and its size.
	CommunityName string       `json:"communityName"`
	SlotName      string       `json:"slotName"`
	SlotSize      string       `json:"slotSize"`
	AdvertiserID  string       `json:"advertiserId"`
	FlightStart   string       `json:"flightStart"`
	FlightEnd     string       `json:"flightEnd"`
	Price         money.Amount `json:"price"`
	Creative      Creative     `json:"creative"`
}

func flightView(f flightItem) FlightView {
	return FlightView{ID: f.ID, AuctionID: f.AuctionID, CommunityID: f.CommunityID, SlotID: f.SlotID, AdvertiserID: f.AdvertiserID,
		FlightStart: f.FlightStart, FlightEnd: f.FlightEnd, Price: money.Amount{Minor: f.Price, Currency: f.Currency},
		Creative: Creative{ImageURL: f.ImageURL, ClickURL: f.ClickURL, AltText: f.AltText}}
}

// ListAdvertiserFlights pages through an advertiser's flights, newest first.
func (s *Service) ListAdvertiserFlights(ctx context.Context, p auth.Principal, advertiserID string, limit int, cursor string) ([]FlightView, string, error) {
	const op = "auctions.ListAdvertiserFlights"
	byKey, err := p.ActsForAdvertiser(op, advertiserID)
	if err != nil {
		return nil, "", err
	}
	if !byKey { // a person: the advertiser must be theirs
		if _, err := s.bidder(ctx, op, p, advertiserID); err != nil {
			return nil, "", err
		}
	}
	items, next, err := s.repo.advertiserFlights(ctx, advertiserID, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]FlightView, 0, len(items))
	n := s.namer()
	for _, f := range items {
		v, err := n.flight(ctx, flightView(f))
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	return out, next, nil
}
