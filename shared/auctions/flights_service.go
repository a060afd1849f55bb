package auctions

import (
	"context"
	"math"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/owners"
)

// FlightView is a booked flight as its advertiser or community reads it:
// where it runs, when, and at what price.
type FlightView struct {
	ID           string       `json:"id"`
	AuctionID    string       `json:"auctionId"`
	CommunityID  string       `json:"communityId"`
	SlotID       string       `json:"slotId"`
	AdvertiserID string       `json:"advertiserId"`
	FlightStart  string       `json:"flightStart"`
	FlightEnd    string       `json:"flightEnd"`
	Price        money.Amount `json:"price"`
	Creative     Creative     `json:"creative"`
}

func flightView(f flightItem) FlightView {
	return FlightView{ID: f.ID, AuctionID: f.AuctionID, CommunityID: f.CommunityID, SlotID: f.SlotID, AdvertiserID: f.AdvertiserID,
		FlightStart: f.FlightStart, FlightEnd: f.FlightEnd, Price: money.Amount{Minor: f.Price, Currency: f.Currency},
		Creative: Creative{ImageURL: f.ImageURL, ClickURL: f.ClickURL, AltText: f.AltText}}
}

// FlightStats is a flight's delivery: totals and per-day rows.
//
// Served offers are decisions; impressions are viewable ones (the tag's
// view beacon), clicks those of valid offers, once each; every refused
// view or click is counted under its reason (shared/traffic).
type FlightStats struct {
	FlightID    string           `json:"flightId"`
	Served      int64            `json:"served"`
	Impressions int64            `json:"impressions"`
	Clicks      int64            `json:"clicks"`
	CTR         float64          `json:"ctr"`
	Invalid     map[string]int64 `json:"invalid"`
	Days        []DayStats       `json:"days"`
}

// mayReadFlight: the winning advertiser (its key, or a person owning it)
// and the community (its key, or its owner). Anyone else gets 404.
func (s *Service) mayReadFlight(ctx context.Context, p auth.Principal, f flightItem) (bool, error) {
	switch {
	case p.Kind == auth.KindClient && p.AccountKind == auth.AccountAdvertiser:
		return p.AccountID == f.AdvertiserID, nil
	case p.Kind == auth.KindClient && p.AccountKind == auth.AccountCommunity:
		return p.AccountID == f.CommunityID, nil
	case p.Kind == auth.KindUser:
		a, found, err := s.owners.Get(ctx, owners.Advertiser, f.AdvertiserID)
		if err != nil {
			return false, err
		}
		if found && a.OwnerID == p.UserID {
			return true, nil
		}
		c, found, err := s.owners.Get(ctx, owners.Community, f.CommunityID)
		if err != nil {
			return false, err
		}
		return found && c.OwnerID == p.UserID, nil
	}
	return false, nil
}

// GetFlightStats reads a flight's impressions, clicks and CTR.
func (s *Service) GetFlightStats(ctx context.Context, p auth.Principal, flightID string) (FlightStats, error) {
	const op = "auctions.GetFlightStats"
	if !id.HasPrefix(flightID, "flt") {
		return FlightStats{}, fault.New(fault.NotFound, op, "no such flight")
	}
	f, found, err := s.repo.getFlight(ctx, flightID)
	if err != nil {
		return FlightStats{}, err
	}
	if !found {
		return FlightStats{}, fault.New(fault.NotFound, op, "no such flight")
	}
	if ok, err := s.mayReadFlight(ctx, p, f); err != nil {
		return FlightStats{}, err
	} else if !ok {
		return FlightStats{}, fault.New(fault.NotFound, op, "no such flight")
	}
	days, err := s.repo.flightStats(ctx, flightID)
	if err != nil {
		return FlightStats{}, err
	}
	st := FlightStats{FlightID: flightID, Days: []DayStats{}, Invalid: map[string]int64{}}
	for _, d := range days {
		st.Served += d.Served
		st.Impressions += d.Impressions
		st.Clicks += d.Clicks
		for k, n := range d.Invalid {
			st.Invalid[k] += n
		}
		st.Days = append(st.Days, d)
	}
	st.CTR = ctr(st.Clicks, st.Impressions)
	return st, nil
}

// ctr is clicks per impression, rounded to 4 decimals; 0 with none.
func ctr(clicks, impressions int64) float64 {
	if impressions == 0 {
		return 0
	}
	return math.Round(float64(clicks)/float64(impressions)*10_000) / 10_000
}

// ListAdvertiserFlights pages through an advertiser's flights, newest first.
func (s *Service) ListAdvertiserFlights(ctx context.Context, p auth.Principal, advertiserID string, limit int, cursor string) ([]FlightView, string, error) {
	const op = "auctions.ListAdvertiserFlights"
	if p.Kind == auth.KindClient && (p.AccountKind != auth.AccountAdvertiser || p.AccountID != advertiserID) {
		return nil, "", fault.New(fault.NotFound, op, "no such advertiser")
	}
	if p.Kind == auth.KindUser {
		if _, err := s.bidder(ctx, op, p, advertiserID); err != nil {
			return nil, "", err
		}
	}
	items, next, err := s.repo.advertiserFlights(ctx, advertiserID, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]FlightView, 0, len(items))
	for _, f := range items {
		out = append(out, flightView(f))
	}
	return out, next, nil
}
