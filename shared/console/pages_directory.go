package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The pages of DESIGN §16: the Market (the directory, searchable, and each
// community's page), a community's listing and review queue, the profile.

// directoryParams are the directory's search, as the Market's form names
// them and the API takes them.
var directoryParams = []string{"q", "topic", "language", "country", "size", "sort"}

type marketData struct {
	// The search.
	Query    url.Values
	Searched bool
	Listings []DirectoryListing
	Next     string // the next page, when there is one
	Error    string
	// One community's page.
	CommunityID string
	Listing     *DirectoryListing
	Offerings   []Offering
	Programs    []Program
	Auctions    []Auction
	Tiers       []Tier // memberships on sale
}

// Q is a search parameter as it was asked.
func (d marketData) Q(name string) string { return d.Query.Get(name) }

// market is the directory, searchable (/console/market), and what one
// community sells (/console/market/{id}): its listing when it is listed,
// its rate card, open programs and open auctions (all public). A community
// typed by its id or link (?community=) goes to its page.
func (c *Console) market(q *req, _ *formState) {
	ctx := q.r.Context()
	id := q.r.PathValue("id")
	if id == "" {
		query := q.r.URL.Query()
		if typed := strings.TrimSpace(query.Get("community")); typed != "" {
			http.Redirect(q.w, q.r, "/console/market/"+p(marketID(typed)), http.StatusSeeOther)
			return
		}
		d := marketData{Query: url.Values{}}
		ask := url.Values{"limit": {"20"}}
		for _, k := range directoryParams {
			if v := strings.TrimSpace(query.Get(k)); v != "" {
				d.Query.Set(k, v)
				ask.Set(k, v)
				d.Searched = d.Searched || k != "sort"
			}
		}
		if v := query.Get("cursor"); v != "" {
			ask.Set("cursor", v)
		}
		l, err := q.api.Directory(ctx, ask)
		status := http.StatusOK
		if err != nil {
			fs, st, ok := refusal(q, "search", err)
			if !ok {
				c.fail(q.w, q.r, err)
				return
			}
			d.Error, status = fs.Error, st
			for f, m := range fs.Fields {
				d.Error += " " + f + ": " + m
			}
		}
		d.Listings = l.Data
		if l.NextCursor != "" {
			next := url.Values{"cursor": {l.NextCursor}}
			for k, v := range d.Query {
				next[k] = v
			}
			d.Next = "/console/market?" + next.Encode()
		}
		c.show(q, "market", view{Title: "Market", Nav: "market", Data: d, Status: status})
		return
	}
	d := marketData{CommunityID: id}
	err := parallel(
		func() error {
			l, err := q.api.DirectoryListing(ctx, id)
			if err == nil {
				d.Listing = &l
			}
			if IsStatus(err, http.StatusBadRequest) {
				return nil // an id the directory cannot hold: not listed
			}
			return known(err)
		},
		func() error { l, err := q.api.Offerings(ctx, id); d.Offerings = l.Data; return known(err) },
		func() error { l, err := q.api.Programs(ctx, id); d.Programs = l.Data; return known(err) },
		func() error {
			l, err := q.api.Auctions(ctx, map[string][]string{"communityId": {id}, "status": {"open"}})
			d.Auctions = l.Data
			return known(err)
		},
		func() error { j, err := q.api.JoinInfo(ctx, id, ""); d.Tiers = j.Tiers; return known(err) },
	)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	title := id
	if d.Listing != nil {
		title = d.Listing.Name
	}
	c.show(q, "market", view{Title: "Market · " + title, Nav: "market", Data: d})
}

// saveListing is the community's listing and what runs on its pages.
func (c *Console) saveListing(q *req) {
	id := q.r.PathValue("id")
	f, bad := parseListingForm(q.r)
	if len(bad) > 0 {
		c.community(q, invalid(q, "listing", bad))
		return
	}
	if _, err := q.api.UpdateListing(q.r.Context(), id, f.Request()); err != nil {
		c.again(q, "listing", err, c.community)
		return
	}
	msg := "Settings saved."
	if f.Listed {
		msg = "Settings saved: your community is listed in the Market."
	}
	c.done(q.w, q.r, "/console/communities/"+id+"#listing", msg)
}

// blocking blocks an advertiser by name from the review queue, or
// unblocks one: the community's list with it added or taken out.
func (c *Console) blocking(block bool) func(*req) {
	return func(q *req) {
		ctx, id, adv := q.r.Context(), q.r.PathValue("id"), q.r.PostForm.Get("advertiserId")
		name := q.r.PostForm.Get("name")
		if name == "" {
			name = "The advertiser"
		}
		com, err := q.api.Community(ctx, id)
		if err != nil {
			c.fail(q.w, q.r, err)
			return
		}
		list := slices.DeleteFunc(slices.Clone(com.BlockedAdvertisers), func(a string) bool { return a == adv })
		msg := name + " is unblocked: its campaigns may run on your slots again."
		if block {
			list = append(list, adv)
			msg = name + " is blocked: its campaigns never run on your pages."
		}
		if _, err := q.api.SetBlocked(ctx, id, BlockedAdvertisersRequest{BlockedAdvertisers: list}); err != nil {
			c.again(q, "blocked", err, c.campaignReviews)
			return
		}
		c.done(q.w, q.r, "/console/communities/"+id+"/campaign-reviews", msg)
	}
}

// campaignDecision approves or rejects a campaign's creative in the
// community's review queue.
func (c *Console) campaignDecision(action string) func(*req) {
	return func(q *req) {
		id, campaign := q.r.PathValue("id"), q.r.PathValue("campaignId")
		reject := action == "reject"
		f, bad := parseReviewForm(q.r, reject)
		form := "review-" + campaign
		if len(bad) > 0 {
			c.campaignReviews(q, invalid(q, form, bad))
			return
		}
		var err error
		if reject {
			_, err = q.api.RejectCampaign(q.r.Context(), id, campaign, f.Reject())
		} else {
			_, err = q.api.ApproveCampaign(q.r.Context(), id, campaign, f.Approve())
		}
		if err != nil {
			c.again(q, form, err, c.campaignReviews)
			return
		}
		msg := "Campaign approved: it runs on your slots within a minute."
		if reject {
			msg = "Campaign rejected: its advertiser sees your reason."
		}
		c.done(q.w, q.r, "/console/communities/"+id+"/campaign-reviews", msg)
	}
}

type campaignReviewsData struct {
	Community Community
	Campaigns []CampaignReviewItem
	Blocked   []Named
}

// Named is an id with the name Souq knows it by ("" when it does not).
type Named struct{ ID, Name string }

// campaignReviews is the community's review queue: the campaigns that
// could run on its slots whose current creative it has not decided, and
// its blocked advertisers, named when the queue knows their names.
func (c *Console) campaignReviews(q *req, f *formState) {
	ctx, id := q.r.Context(), q.r.PathValue("id")
	var d campaignReviewsData
	err := parallel(
		func() (err error) { d.Community, err = q.api.Community(ctx, id); return },
		func() error {
			l, err := q.api.CampaignReviews(ctx, id)
			d.Campaigns = l.Data
			for _, b := range l.Blocked {
				d.Blocked = append(d.Blocked, Named{ID: b.AdvertiserID, Name: b.AdvertiserName})
			}
			return known(err)
		},
	)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	c.show(q, "campaign_reviews", view{Title: "Campaigns to review · " + d.Community.Name, Nav: "communities", Data: d, Form: f})
}

type profileData struct {
	Me        Me
	Links     string
	TimeZones []string
}

// timeZones are the IANA names the profile offers, by region.
var timeZones = []string{
	"UTC",
	"Africa/Cairo", "Africa/Johannesburg", "Africa/Lagos", "Africa/Nairobi",
	"America/Anchorage", "America/Argentina/Buenos_Aires", "America/Bogota", "America/Chicago", "America/Denver",
	"America/Halifax", "America/Los_Angeles", "America/Mexico_City", "America/New_York", "America/Phoenix",
	"America/Santiago", "America/Sao_Paulo", "America/St_Johns", "America/Toronto", "America/Vancouver",
	"Asia/Bangkok", "Asia/Dhaka", "Asia/Dubai", "Asia/Hong_Kong", "Asia/Jakarta", "Asia/Jerusalem",
	"Asia/Karachi", "Asia/Kathmandu", "Asia/Kolkata", "Asia/Manila", "Asia/Seoul", "Asia/Shanghai",
	"Asia/Singapore", "Asia/Taipei", "Asia/Tehran", "Asia/Tokyo",
	"Atlantic/Azores", "Atlantic/Reykjavik",
	"Australia/Adelaide", "Australia/Brisbane", "Australia/Melbourne", "Australia/Perth", "Australia/Sydney",
	"Europe/Amsterdam", "Europe/Athens", "Europe/Berlin", "Europe/Brussels", "Europe/Bucharest", "Europe/Dublin",
	"Europe/Helsinki", "Europe/Istanbul", "Europe/Kyiv", "Europe/Lisbon", "Europe/London", "Europe/Madrid",
	"Europe/Moscow", "Europe/Oslo", "Europe/Paris", "Europe/Prague", "Europe/Rome", "Europe/Stockholm",
	"Europe/Vienna", "Europe/Warsaw", "Europe/Zurich",
	"Pacific/Auckland", "Pacific/Honolulu",
}

func (c *Console) profile(q *req, f *formState) {
	me, err := q.api.Me(q.r.Context())
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	d := profileData{Me: me, Links: strings.Join(me.Links, "\n"), TimeZones: timeZones}
	tz := me.TimeZone
	if f != nil {
		tz = f.Value("timeZone")
	}
	if tz != "" && validTimeZone(tz) && !contains(timeZones, tz) {
		d.TimeZones = append([]string{tz}, timeZones...)
	}
	c.show(q, "profile", view{Title: "Profile", Nav: "profile", Data: d, Form: f})
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// saveProfile changes the profile; its time zone becomes the one the
// console shows times in.
func (c *Console) saveProfile(q *req) {
	f, bad := parseProfileForm(q.r)
	if len(bad) > 0 {
		c.profile(q, invalid(q, "profile", bad))
		return
	}
	if _, err := q.api.UpdateProfile(q.r.Context(), f.Request()); err != nil {
		c.again(q, "profile", err, c.profile)
		return
	}
	tz := f.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	for _, ck := range []*http.Cookie{{Name: "souq_tz", Value: url.QueryEscape(tz)}, {Name: "souq_tz_chosen", Value: "1"}} {
		ck.Path, ck.MaxAge, ck.SameSite, ck.Secure = "/", 31536000, http.SameSiteLaxMode, c.secure
		http.SetCookie(q.w, ck)
	}
	c.done(q.w, q.r, "/console/profile", "Profile saved.")
}
