package console

import (
	"net/http"
	"strconv"
	"strings"
)

func (c *Console) createOffering(q *req) {
	id := q.r.PathValue("id")
	f, bad := parseOfferingForm(q.r)
	if len(bad) > 0 {
		c.community(q, invalid(q, "offering", bad))
		return
	}
	off, err := q.api.CreateOffering(q.r.Context(), id, f.Request())
	if err != nil {
		c.again(q, "offering", err, c.community)
		return
	}
	c.done(q.w, q.r, "/console/offerings/"+off.ID, "Offering created.")
}

// atoiOr reads a whole number a person typed; what is not one goes to the
// API as def, whose refusal names the field.
func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return def
	}
	return n
}

type offeringData struct {
	Offering     Offering
	Availability Availability
	Me           Me
	Owner        bool
}

func (c *Console) offering(q *req, f *formState) {
	ctx, id := q.r.Context(), q.r.PathValue("id")
	var d offeringData
	err := parallel(
		func() (err error) { d.Offering, err = q.api.Offering(ctx, id); return },
		func() (err error) { d.Availability, err = q.api.Availability(ctx, id); return },
		func() (err error) { d.Me, err = q.api.Me(ctx); return },
	)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	d.Owner = owns(d.Me.Communities, d.Offering.CommunityID)
	c.show(q, "offering", view{Title: d.Offering.Title, Nav: "communities", Data: d, Form: f})
}

func owns(list []Owned, id string) bool {
	for _, o := range list {
		if o.ID == id {
			return true
		}
	}
	return false
}

// splitList splits a list a person typed (dates, event types), one per line
// or between commas or spaces.
func splitList(s string) []string {
	return append([]string{}, strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' })...)
}

func (c *Console) offeringDates(q *req) {
	id := q.r.PathValue("id")
	if _, err := q.api.UpdateOffering(q.r.Context(), id, parseDatesForm(q.r).Request()); err != nil {
		c.again(q, "dates", err, c.offering)
		return
	}
	c.done(q.w, q.r, "/console/offerings/"+id, "Dates saved.")
}

func (c *Console) book(q *req) {
	id := q.r.PathValue("id")
	s, err := q.api.Book(q.r.Context(), id, parseBookForm(q.r).Request(), q.r.PostForm.Get("idem"))
	if err != nil {
		c.again(q, "book", err, c.offering)
		return
	}
	c.done(q.w, q.r, "/console/sponsorships/"+s.ID, "Booked: the price is held until the community decides.")
}

type sponsorshipData struct {
	S        Sponsorship
	Owner    bool // the person owns its community
	Sponsor  bool // the person owns its advertiser
	Current  *Version
	Previous *Version
}

func (c *Console) sponsorship(q *req, f *formState) {
	ctx, id := q.r.Context(), q.r.PathValue("id")
	var d sponsorshipData
	var me Me
	err := parallel(
		func() (err error) { d.S, err = q.api.Sponsorship(ctx, id); return },
		func() (err error) { me, err = q.api.Me(ctx); return },
	)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	d.Owner, d.Sponsor = owns(me.Communities, d.S.CommunityID), owns(me.Advertisers, d.S.AdvertiserID)
	if n := len(d.S.Versions); n > 0 {
		d.Current = &d.S.Versions[n-1]
		if n > 1 {
			d.Previous = &d.S.Versions[n-2]
		}
	}
	title := "Sponsorship"
	if d.Current != nil {
		title = d.Current.Title
	}
	c.show(q, "sponsorship", view{Title: title, Nav: "communities", Data: d, Form: f})
}

// sponsorshipAction is one of the buttons of a sponsorship's page.
func (c *Console) sponsorshipAction(action string) func(*req) {
	return func(q *req) {
		id := q.r.PathValue("id")
		f, bad, ok := parseStepForm(q.r, action)
		if !ok {
			c.refuse(q.w, q.r, http.StatusNotFound, "There is no such page.")
			return
		}
		if len(bad) > 0 {
			c.sponsorship(q, invalid(q, action, bad))
			return
		}
		if _, err := q.api.Act(q.r.Context(), id, f.Step, f.Body); err != nil {
			c.again(q, action, err, c.sponsorship)
			return
		}
		c.done(q.w, q.r, "/console/sponsorships/"+id, f.Done)
	}
}

type reviewsData struct {
	Community Community
	Status    string
	Items     []Sponsorship
	Statuses  []string
}

var reviewStatuses = []string{"pending_review", "changes_requested", "countered", "approved", "published", "rejected", "cancelled", "expired"}

func (c *Console) reviews(q *req, _ *formState) {
	ctx, id := q.r.Context(), q.r.PathValue("id")
	status := q.r.URL.Query().Get("status")
	if status == "" {
		status = "pending_review"
	}
	known := false
	for _, s := range reviewStatuses {
		known = known || s == status
	}
	if !known {
		c.refuse(q.w, q.r, http.StatusBadRequest, "There is no such status.")
		return
	}
	d := reviewsData{Status: status, Statuses: reviewStatuses}
	err := parallel(
		func() (err error) { d.Community, err = q.api.Community(ctx, id); return },
		func() error { l, err := q.api.ReviewQueue(ctx, id, status); d.Items = l.Data; return err },
	)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	c.show(q, "reviews", view{Title: "Review queue · " + d.Community.Name, Nav: "communities", Data: d})
}
