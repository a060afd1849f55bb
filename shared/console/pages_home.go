package console

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Home is a person's start (DESIGN §16): everything waiting for them, a
// checklist for each role they have, and their money. What they have
// (communities, advertisers, deals) also decides the navigation, which
// the roles cookie carries to the other pages.

// Home reads the to-dos, checklist and money of the person's first
// community and first advertiser (the others are linked: each account's
// page has its own), in one round of API calls at once after /v1/me, and
// the applications of at most homePrograms of the community's open
// programs (a round after their list). HomeCalls is the most it makes:
// the console's budget of five calls a page is Home's alone to pass,
// since it is the one page that gathers every product's to-dos.
const (
	homePrograms = 2
	HomeCalls    = 1 + 3 + 6 + homePrograms + 4
)

// todo is one thing waiting for the person: a link, and what it is.
type todo struct {
	Href, Text, Detail string
	By                 *time.Time // a deadline, when it has one
}

// step is one line of a role's checklist.
type step struct {
	Text, Href, Why string
	Done            bool
}

// checklist is a role's steps to its first money.
type checklist struct {
	Role  string
	Steps []step
}

// Done counts the steps done.
func (c checklist) Done() int {
	n := 0
	for _, s := range c.Steps {
		if s.Done {
			n++
		}
	}
	return n
}

type homeData struct {
	Me         Me
	Earnings   Earnings
	Todo       []todo
	Checklists []checklist
	Community  *Owned // the first: its balance is shown
	Balance    Balance
	Advertiser *Owned
	AdBalance  Balance
	// Others are the person's other communities, linked.
	Others []Owned
}

// home reads, at once: the person, their earnings, deals and payout
// account; for each of their first communities its sponsorships and
// campaign creatives to review and its programs' applications; for each
// of their first advertisers the bookings that wait for it; and what the
// checklists ask of the first community and advertiser.
func (c *Console) home(q *req, _ *formState) {
	ctx := q.r.Context()
	me, err := q.api.Me(ctx)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	d := homeData{Me: me}
	var (
		mu       sync.Mutex
		deals    []Deal
		payouts  PayoutAccount
		com      Community
		slots    int
		creative int
		camps    int
	)
	add := func(t todo) { mu.Lock(); d.Todo = append(d.Todo, t); mu.Unlock() }
	calls := []func() error{
		func() (err error) { d.Earnings, err = q.api.Earnings(ctx); return },
		func() error { l, err := q.api.MyDeals(ctx); deals = l.Data; return known(err) },
		func() error { a, err := q.api.PayoutAccount(ctx); payouts = a; return known(err) },
	}
	if len(me.Communities) > 0 {
		o := me.Communities[0]
		d.Community = &me.Communities[0]
		calls = append(calls,
			func() error {
				l, err := q.api.ReviewQueue(ctx, o.ID, "pending_review")
				for _, s := range l.Data {
					by := s.ReviewDeadline
					t := todo{Href: "/console/sponsorships/" + s.ID, Text: "Review “" + firstOf(s.Content.Title, s.OfferingTitle) + " (" + s.DesiredDate + ")”",
						Detail: "a sponsored post for " + o.Name + " · " + FormatMoney(s.Amount, s.Currency), By: &by}
					if s.AdvertiserName != "" {
						t.Detail = "from " + s.AdvertiserName + " · " + t.Detail
					}
					add(t)
				}
				return known(err)
			},
			func() error {
				l, err := q.api.CampaignReviews(ctx, o.ID)
				if n := len(l.Data); n > 0 {
					add(todo{Href: "/console/communities/" + o.ID + "/campaign-reviews", Text: plural(n, "campaign creative", "campaign creatives") + " to review in " + o.Name,
						Detail: "they run on your slots once you approve them"})
				}
				return known(err)
			},
			func() error {
				l, err := q.api.Programs(ctx, o.ID)
				if err = known(err); err != nil {
					return err
				}
				var inner []func() error
				for _, p := range l.Data {
					if p.Status == "closed" {
						continue
					}
					if len(inner) == homePrograms {
						add(todo{Href: "/console/communities/" + o.ID + "#programs", Text: "Applications to " + o.Name + "'s other programs",
							Detail: "open each program to see who applied"})
						break
					}
					inner = append(inner, func() error {
						rep, err := q.api.ProgramReport(ctx, p.ID)
						for _, dl := range rep.Deals {
							if dl.Status == "pending" {
								add(todo{Href: "/console/deals/" + dl.ID, Text: firstOf(dl.InfluencerName, "An influencer") + " applied to " + p.Name,
									Detail: "a referral deal for " + o.Name + "; approve or decline"})
							}
						}
						return known(err)
					})
				}
				return parallel(inner...)
			},
			func() (err error) { d.Balance, err = q.api.Balance(ctx, "communities", o.ID); return },
			func() (err error) { com, err = q.api.Community(ctx, o.ID); return },
			func() error { l, err := q.api.Slots(ctx, o.ID); slots = len(l.Data); return known(err) })
		d.Others = append(d.Others, me.Communities[1:]...)
	}
	if len(me.Advertisers) > 0 {
		o := me.Advertisers[0]
		d.Advertiser = &me.Advertisers[0]
		calls = append(calls,
			func() error {
				l, err := q.api.Bookings(ctx, o.ID)
				for _, s := range l.Data {
					switch s.Status {
					case "changes_requested", "countered":
						add(todo{Href: "/console/sponsorships/" + s.ID, Text: humanize(s.Status) + ": “" + firstOf(s.Content.Title, s.OfferingTitle) + " (" + s.DesiredDate + ")”",
							Detail: firstOf(s.CommunityName, "the community") + " answered " + o.Name + "'s booking · " + FormatMoney(s.Amount, s.Currency)})
					}
				}
				return known(err)
			},
			func() (err error) { d.AdBalance, err = q.api.Balance(ctx, "advertisers", o.ID); return },
			func() error { l, err := q.api.Creatives(ctx, o.ID); creative = len(l.Data); return known(err) },
			func() error { l, err := q.api.Campaigns(ctx, o.ID); camps = len(l.Data); return known(err) })
	}
	if err := parallel(calls...); err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	for _, dl := range deals {
		if dl.Status == "invited" {
			d.Todo = append(d.Todo, todo{Href: "/console/deals/" + dl.ID, Text: firstOf(dl.CommunityName, "A community") + " invited you to its referral program",
				Detail: "accept to get your link and code"})
		}
	}
	// Deadlines first, soonest first; then the rest in a stable order.
	sort.SliceStable(d.Todo, func(i, j int) bool {
		a, b := d.Todo[i].By, d.Todo[j].By
		switch {
		case a != nil && b != nil:
			return a.Before(*b)
		case a != nil || b != nil:
			return a != nil
		}
		return d.Todo[i].Text < d.Todo[j].Text
	})

	payoutsReady := payouts.Status == "enabled"
	if d.Community != nil {
		o := d.Community
		d.Checklists = append(d.Checklists, checklist{Role: "Community owner", Steps: []step{
			{Text: "Create your community", Href: "/console/communities/" + o.ID, Done: true},
			{Text: "Add a slot for banners", Href: "/console/communities/" + o.ID + "#slots", Done: slots > 0,
				Why: "a slot is a place on your pages that shows an ad; the tag fills it"},
			{Text: "Name the sites the tag runs on", Href: "/console/communities/" + o.ID + "#pages", Done: len(com.AllowedDomains) > 0,
				Why: "views counted on other sites are refused, so nobody bills advertisers from your slots"},
			{Text: "List it in the directory", Href: "/console/communities/" + o.ID + "#listing", Done: com.Listed,
				Why: "advertisers find listed communities in the Market, with the audience Souq measured"},
			{Text: "Set up payouts", Href: "/console/payouts", Done: payoutsReady, Why: "Stripe pays what you earn into your bank"},
		}})
	}
	if d.Advertiser != nil {
		o := d.Advertiser
		d.Checklists = append(d.Checklists, checklist{Role: "Advertiser", Steps: []step{
			{Text: "Create your advertiser", Href: "/console/advertisers/" + o.ID, Done: true},
			{Text: "Add a card and funds", Href: "/console/advertisers/" + o.ID + "/wallet", Done: d.AdBalance.Available+d.AdBalance.Held > 0,
				Why: "bids, bookings and campaigns are paid from your balance"},
			{Text: "Upload a creative", Href: "/console/advertisers/" + o.ID + "/campaigns#creatives", Done: creative > 0,
				Why: "your banner, hosted by Souq and checked for type and size"},
			{Text: "Find a community in the Market", Href: "/console/market", Done: camps > 0,
				Why: "each lists its audience as Souq measured it, and what it sells"},
			{Text: "Start a campaign", Href: "/console/advertisers/" + o.ID + "/campaigns/new", Done: camps > 0,
				Why: "pay as you go: only for ads people saw"},
		}})
	}
	if len(deals) > 0 || len(d.Earnings.Balances) > 0 {
		d.Checklists = append(d.Checklists, checklist{Role: "Influencer", Steps: []step{
			{Text: "Say who you are", Href: "/console/profile", Done: me.DisplayName != "",
				Why: "communities see your name and bio when you apply"},
			{Text: "Join a referral program", Href: "/console/market", Done: len(deals) > 0,
				Why: "you earn a commission on each sale your link or code brings"},
			{Text: "Set up payouts", Href: "/console/payouts", Done: payoutsReady, Why: "Stripe pays your commissions into your bank"},
		}})
	}
	roles := rolesOf(me, len(deals) > 0 || len(d.Earnings.Balances) > 0)
	c.setRoles(q.w, roles)
	c.show(q, "home", view{Title: "Home", Nav: "home", Data: d, Roles: roles})
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}

// Roles are what a person has, as the navigation shows it: a hint kept
// in a cookie (the pages that read the person set it), never a check of
// access, which is the API's.
type Roles struct {
	Known                               bool
	Communities, Advertisers, Influence bool
	// Current is the section of the page shown, which the navigation
	// always shows.
	Current string
}

const rolesCookie = "souq_roles"

func rolesOf(me Me, influencer bool) Roles {
	return Roles{Known: true, Communities: len(me.Communities) > 0, Advertisers: len(me.Advertisers) > 0, Influence: influencer}
}

// Show says whether the navigation shows a section: all of them while
// nothing is known; otherwise those of what the person has, and to a
// person with nothing yet, where they make a community or an advertiser.
func (r Roles) Show(section string) bool {
	if !r.Known || section == r.Current {
		return true
	}
	none := !r.Communities && !r.Advertisers
	switch section {
	case "communities":
		return r.Communities || none
	case "advertisers":
		return r.Advertisers || none
	case "auctions", "webhooks":
		return r.Communities || r.Advertisers
	case "deals":
		return r.Influence
	case "payouts":
		return r.Communities || r.Influence
	}
	return true
}

func (r Roles) String() string {
	s := "-"
	if r.Communities {
		s += "c"
	}
	if r.Advertisers {
		s += "a"
	}
	if r.Influence {
		s += "i"
	}
	return s
}

// setRoles keeps what the person has for the navigation of later pages.
func (c *Console) setRoles(w http.ResponseWriter, r Roles) {
	http.SetCookie(w, c.cookie(rolesCookie, url.QueryEscape(r.String()), 30*24*3600))
}

// addRole adds a role the person just gained (a community created, a
// deal applied for) to what the cookie says.
func (c *Console) addRole(w http.ResponseWriter, r *http.Request, role byte) {
	have := rolesFrom(r)
	if !have.Known {
		return // the next Home learns them all
	}
	switch role {
	case 'c':
		have.Communities = true
	case 'a':
		have.Advertisers = true
	case 'i':
		have.Influence = true
	}
	c.setRoles(w, have)
}

// rolesFrom reads the cookie; without one nothing is known and the
// navigation shows every section.
func rolesFrom(r *http.Request) Roles {
	ck, err := r.Cookie(rolesCookie)
	if err != nil {
		return Roles{}
	}
	v, err := url.QueryUnescape(ck.Value)
	if err != nil || !strings.HasPrefix(v, "-") || len(v) > 4 {
		return Roles{}
	}
	return Roles{Known: true, Communities: strings.Contains(v, "c"), Advertisers: strings.Contains(v, "a"), Influence: strings.Contains(v, "i")}
}
