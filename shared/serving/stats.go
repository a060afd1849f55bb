package serving

import (
	"context"
	"math"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/owners"
)

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

// DayStats is one day of a flight's counters: served offers, viewable
// impressions, clicks, and refused events by reason.
type DayStats struct {
	Day         string           `json:"day"`
	Served      int64            `json:"served"`
	Impressions int64            `json:"impressions"`
	Clicks      int64            `json:"clicks"`
	Invalid     map[string]int64 `json:"invalid"`
}

// mayRead: the flight's advertiser (its key, or a person owning it) and
// its community (its key, or its owner). Anyone else gets 404.
func (s *Store) mayRead(ctx context.Context, p auth.Principal, f flightItem) (bool, error) {
	switch {
	case p.Kind == auth.KindClient && p.AccountKind == auth.AccountAdvertiser:
		return p.AccountID == f.AdvertiserID, nil
	case p.Kind == auth.KindClient && p.AccountKind == auth.AccountCommunity:
		return p.AccountID == f.CommunityID, nil
	case p.Kind == auth.KindUser:
		for _, acc := range []struct {
			kind owners.Kind
			id   string
		}{{owners.Advertiser, f.AdvertiserID}, {owners.Community, f.CommunityID}} {
			a, found, err := s.owners.Get(ctx, acc.kind, acc.id)
			if err != nil {
				return false, err
			}
			if found && a.OwnerID == p.UserID {
				return true, nil
			}
		}
	}
	return false, nil
}

// FlightStats reads a flight's served offers, impressions, clicks, CTR and
// refused events, per day (the counters are as fresh as the last flush of
// each serving instance: seconds).
func (s *Store) FlightStats(ctx context.Context, p auth.Principal, flightID string) (FlightStats, error) {
	const op = "serving.FlightStats"
	notFound := fault.New(fault.NotFound, op, "no such flight")
	if !id.HasPrefix(flightID, "flt") {
		return FlightStats{}, notFound
	}
	f, found, err := s.flight(ctx, flightID)
	if err != nil {
		return FlightStats{}, err
	}
	if !found {
		return FlightStats{}, notFound
	}
	if ok, err := s.mayRead(ctx, p, f); err != nil {
		return FlightStats{}, err
	} else if !ok {
		return FlightStats{}, notFound
	}
	days, err := s.flightDays(ctx, flightID)
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
