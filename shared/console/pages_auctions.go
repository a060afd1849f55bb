package console

import (
	"fmt"
	"github.com/souqhq/souq/shared/clock"
	"net/http"
	"net/url"
	"time"
)

func (c *Console) createSlot(q *req) {
	id := q.r.PathValue("id")
	f, bad := parseSlotForm(q.r)
	if len(bad) > 0 {
		c.community(q, invalid(q, "slot", bad))
		return
	}
	s, err := q.api.CreateSlot(q.r.Context(), id, f.Request())
	if err != nil {
		c.again(q, "slot", err, c.community)
		return
	}
	c.done(q.w, q.r, "/console/slots/"+s.ID, "Slot created.")
}

type slotData struct {
	Slot     Slot
	Auctions []Auction
	Snippet  string
	Owner    bool
	// Results are the slot's own, this month (its owner's): what
	// campaigns showed and earned on it, and the flights sold on it.
	Results *slotResults
}

// slotResults are a slot's results over a month's UTC days.
type slotResults struct {
	From, To            string
	Impressions, Clicks int64
	Spend, Earned       int64 // campaigns': gross and the community's net
	FlightsSold         int
	FlightsGross        int64 // what the auctions won on it cleared at
	Currency            string
}

func (c *Console) slot(q *req, f *formState) {
	ctx, id := q.r.Context(), q.r.PathValue("id")
	var d slotData
	var me Me
	err := parallel(
		func() (err error) { d.Slot, err = q.api.Slot(ctx, id); return },
		func() error {
			l, err := q.api.Auctions(ctx, url.Values{"slotId": {id}})
			d.Auctions = l.Data
			return err
		},
		func() (err error) { me, err = q.api.Me(ctx); return },
	)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	d.Owner = owns(me.Communities, d.Slot.CommunityID)
	if d.Owner {
		// Its own results: the community's campaign earnings by slot,
		// this slot's part (a help: left out when they cannot be had).
		now, loc := c.cfg.Today(), c.location(q.r)
		r := slotResults{From: monthStart(now, loc).Format(clock.DayLayout), To: now.In(loc).Format(clock.DayLayout), Currency: d.Slot.Reserve.Currency}
		if b, err := q.api.CommunityBreakdown(ctx, d.Slot.CommunityID, url.Values{"from": {r.From}, "to": {r.To}, "by": {"slot"}}); err == nil {
			for _, row := range b.Rows {
				if row.Value == id {
					r.Impressions, r.Clicks, r.Spend, r.Earned = r.Impressions+row.Impressions, r.Clicks+row.Clicks, r.Spend+row.Spend.Amount, r.Earned+row.Earned.Amount
				}
			}
			for _, a := range d.Auctions {
				if a.Status == "closed" && a.ClearingPrice != nil && a.ClosesAt.Format(clock.DayLayout) >= r.From {
					r.FlightsSold++
					r.FlightsGross += a.ClearingPrice.Amount
				}
			}
			d.Results = &r
		}
	}
	d.Snippet = `<div data-souq-slot="` + d.Slot.ID + `"></div>` + "\n" + `<script async src="` + c.cfg.APIURL + `/tag.js"></script>`
	c.show(q, "slot", view{Title: d.Slot.Name, Nav: "communities", Data: d, Form: f})
}

func (c *Console) updateSlot(q *req) {
	id := q.r.PathValue("id")
	f, bad := parseReserveForm(q.r)
	if len(bad) > 0 {
		c.slot(q, invalid(q, "reserve", bad))
		return
	}
	if _, err := q.api.UpdateSlot(q.r.Context(), id, f.Request()); err != nil {
		c.again(q, "reserve", err, c.slot)
		return
	}
	c.done(q.w, q.r, "/console/slots/"+id, "Saved: future auctions use it.")
}

func (c *Console) setHouseAd(q *req) {
	id := q.r.PathValue("id")
	if _, err := q.api.SetHouseAd(q.r.Context(), id, parseCreative(q.r, "")); err != nil {
		c.again(q, "house", err, c.slot)
		return
	}
	c.done(q.w, q.r, "/console/slots/"+id, "House ad saved.")
}

func (c *Console) removeHouseAd(q *req) {
	id := q.r.PathValue("id")
	if err := q.api.RemoveHouseAd(q.r.Context(), id); err != nil {
		c.again(q, "house", err, c.slot)
		return
	}
	c.done(q.w, q.r, "/console/slots/"+id, "House ad removed.")
}

// localDateTime reads a datetime-local field in the person's zone.
func localDateTime(s string, loc *time.Location) string {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC().Format(time.RFC3339)
		}
	}
	return s // the API names what it cannot read
}

func (c *Console) openAuction(q *req) {
	id, loc := q.r.PathValue("id"), c.location(q.r)
	a, err := q.api.OpenAuction(q.r.Context(), id, parseAuctionForm(q.r, loc).Request())
	if err != nil {
		c.again(q, "auction", err, c.slot)
		return
	}
	c.done(q.w, q.r, "/console/auctions/"+a.ID, "Auction open.")
}

func (c *Console) auctions(q *req, _ *formState) {
	l, err := q.api.Auctions(q.r.Context(), url.Values{"status": {"open"}})
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	c.show(q, "auctions", view{Title: "Open auctions", Nav: "auctions", Data: l.Data})
}

type auctionData struct {
	A          Auction
	Advertiser string // whose bid the page shows
	Bid        *Bid
	Me         Me
	Owner      bool
	Stats      *FlightStats
	Charts     []Chart
	// Creatives are the advertiser's hosted images of the slot's size.
	Creatives []HostedCreative
}

func (c *Console) auction(q *req, f *formState) {
	ctx, id := q.r.Context(), q.r.PathValue("id")
	var d auctionData
	err := parallel(
		func() (err error) { d.A, err = q.api.Auction(ctx, id); return },
		func() (err error) { d.Me, err = q.api.Me(ctx); return },
	)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	// The bid of one of the person's advertisers: the one asked for, or
	// the first.
	if len(d.Me.Advertisers) > 0 {
		d.Advertiser = d.Me.Advertisers[0].ID
		if want := q.r.URL.Query().Get("advertiser"); owns(d.Me.Advertisers, want) {
			d.Advertiser = want
		}
		var hosted []HostedCreative
		err := parallel(
			func() error {
				b, err := q.api.MyBid(ctx, id, d.Advertiser)
				switch {
				case err == nil:
					d.Bid = &b
				case !IsStatus(err, http.StatusNotFound):
					return err
				}
				return nil
			},
			func() error { l, err := q.api.Creatives(ctx, d.Advertiser); hosted = l.Data; return known(err) },
		)
		if err != nil {
			c.fail(q.w, q.r, err)
			return
		}
		for _, h := range hosted {
			if fmt.Sprintf("%d×%d", h.Width, h.Height) == d.A.SlotSize {
				d.Creatives = append(d.Creatives, h)
			}
		}
	}
	d.Owner = owns(d.Me.Communities, d.A.CommunityID)
	if d.A.FlightID != "" && (d.Owner || (d.Bid != nil && d.Bid.Status == "won")) {
		if st, err := q.api.FlightStats(ctx, d.A.FlightID); err == nil {
			d.Stats = &st
			d.Charts = flightCharts(st)
		}
	}
	c.show(q, "auction", view{Title: "Auction", Nav: "auctions", Data: d, Form: f})
}

func flightCharts(st FlightStats) []Chart {
	var imp, clk []Point
	for _, day := range st.Days {
		imp = append(imp, Point{Label: day.Day, Value: day.Impressions})
		clk = append(clk, Point{Label: day.Day, Value: day.Clicks})
	}
	return []Chart{barChart("Impressions per day", imp, ""), barChart("Clicks per day", clk, "")}
}

func (c *Console) placeBid(q *req) {
	id := q.r.PathValue("id")
	f, bad := parseBidForm(q.r)
	if len(bad) > 0 {
		c.auction(q, invalid(q, "bid", bad))
		return
	}
	if _, err := q.api.PlaceBid(q.r.Context(), id, f.Request()); err != nil {
		c.again(q, "bid", err, c.auction)
		return
	}
	c.done(q.w, q.r, "/console/auctions/"+id+"?advertiser="+url.QueryEscape(f.AdvertiserID), "Bid placed: "+FormatMoney(f.Amount, f.Currency)+" is held until the auction closes.")
}

func (c *Console) withdrawBid(q *req) {
	id := q.r.PathValue("id")
	if err := q.api.WithdrawBid(q.r.Context(), id, trimmed(q, "advertiserId")); err != nil {
		c.again(q, "withdraw", err, c.auction)
		return
	}
	c.done(q.w, q.r, "/console/auctions/"+id, "Bid withdrawn: its hold is released.")
}

func (c *Console) flight(q *req, _ *formState) {
	st, err := q.api.FlightStats(q.r.Context(), q.r.PathValue("id"))
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	c.show(q, "flight", view{Title: "Flight", Nav: "advertisers", Data: struct {
		Stats  FlightStats
		Charts []Chart
	}{st, flightCharts(st)}})
}
