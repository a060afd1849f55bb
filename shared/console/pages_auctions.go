package console

import (
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
		b, err := q.api.MyBid(ctx, id, d.Advertiser)
		switch {
		case err == nil:
			d.Bid = &b
		case !IsStatus(err, http.StatusNotFound):
			c.fail(q.w, q.r, err)
			return
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
