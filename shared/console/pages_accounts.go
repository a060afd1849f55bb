package console

import (
	"net/http"
	"sync"
)

// known is a list's error, except that a product which has not yet
// heard of a new account (its event is on the way) has nothing to list.
func known(err error) error {
	if IsStatus(err, http.StatusNotFound) {
		return nil
	}
	return err
}

// parallel runs a page's API calls at once and returns the first error.
func parallel(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, f := range fns {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = f() }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *Console) communities(q *req, f *formState) {
	me, err := q.api.Me(q.r.Context())
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	c.show(q, "communities", view{Title: "Communities", Nav: "communities", Data: me, Form: f})
}

func (c *Console) createCommunity(q *req) {
	com, err := q.api.CreateCommunity(q.r.Context(), parseCommunityForm(q.r).Request())
	if err != nil {
		c.again(q, "community", err, c.communities)
		return
	}
	c.addRole(q.w, q.r, 'c')
	c.done(q.w, q.r, "/console/communities/"+com.ID, "Community created.")
}

type communityData struct {
	Community Community
	Balance   Balance
	Slots     []Slot
	Offerings []Offering
	Programs  []Program
}

func (c *Console) community(q *req, f *formState) {
	ctx, id := q.r.Context(), q.r.PathValue("id")
	if f == nil && fromStripe(q.r) {
		http.Redirect(q.w, q.r, walletPath("communities", id, q.r.URL.RawQuery), http.StatusSeeOther)
		return
	}
	var d communityData
	err := parallel(
		func() (err error) { d.Community, err = q.api.Community(ctx, id); return },
		func() (err error) { d.Balance, err = q.api.Balance(ctx, "communities", id); return },
		func() error { l, err := q.api.Slots(ctx, id); d.Slots = l.Data; return known(err) },
		func() error { l, err := q.api.Offerings(ctx, id); d.Offerings = l.Data; return known(err) },
		func() error { l, err := q.api.Programs(ctx, id); d.Programs = l.Data; return known(err) },
	)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	c.show(q, "community", view{Title: d.Community.Name, Nav: "communities", Data: d, Form: f})
}

func (c *Console) advertisers(q *req, f *formState) {
	me, err := q.api.Me(q.r.Context())
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	c.show(q, "advertisers", view{Title: "Advertisers", Nav: "advertisers", Data: me, Form: f})
}

func (c *Console) createAdvertiser(q *req) {
	adv, err := q.api.CreateAdvertiser(q.r.Context(), parseAdvertiserForm(q.r).Request())
	if err != nil {
		c.again(q, "advertiser", err, c.advertisers)
		return
	}
	c.addRole(q.w, q.r, 'a')
	c.done(q.w, q.r, "/console/advertisers/"+adv.ID, "Advertiser created.")
}

func (c *Console) setDomains(q *req) {
	id := q.r.PathValue("id")
	if _, err := q.api.UpdateCommunity(q.r.Context(), id, parseDomainsForm(q.r).Request()); err != nil {
		c.again(q, "domains", err, c.community)
		return
	}
	c.done(q.w, q.r, "/console/communities/"+id, "Domains saved: views from other pages are refused.")
}

type advertiserData struct {
	Advertiser Advertiser
	Balance    Balance
	Statement  []Posting
	Flights    []Flight
	Bookings   []Sponsorship
	Month      string
	Spent      int64
	Chart      Chart
}

func (c *Console) advertiser(q *req, f *formState) {
	ctx, id, loc := q.r.Context(), q.r.PathValue("id"), c.location(q.r)
	if f == nil && fromStripe(q.r) {
		http.Redirect(q.w, q.r, walletPath("advertisers", id, q.r.URL.RawQuery), http.StatusSeeOther)
		return
	}
	now := c.cfg.Today()
	since := monthStart(now, loc)
	var d advertiserData
	err := parallel(
		func() (err error) { d.Advertiser, err = q.api.Advertiser(ctx, id); return },
		func() (err error) { d.Balance, err = q.api.Balance(ctx, "advertisers", id); return },
		func() error {
			l, err := q.api.Statement(ctx, id, since, statementPage)
			d.Statement = l.Data
			return err
		},
		func() error { l, err := q.api.Flights(ctx, id); d.Flights = l.Data; return known(err) },
		func() error { l, err := q.api.Bookings(ctx, id); d.Bookings = l.Data; return known(err) },
	)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	for _, p := range d.Statement {
		d.Spent += spent(p)
	}
	d.Month = since.Format("January 2006")
	d.Chart = barChart("Spend per day, "+d.Month, perDay(d.Statement, spent, since, now, loc), d.Advertiser.Currency)
	c.show(q, "advertiser", view{Title: d.Advertiser.Name, Nav: "advertisers", Data: d, Form: f})
}

type keysData struct {
	Kind, ID, Name string
	Keys           []APIKey
	Created        *APIKey
}

// accountKind is a keys URL's kind, checked: only the two the API has.
func accountKind(kind string) bool { return kind == "communities" || kind == "advertisers" }

func (c *Console) keys(q *req, f *formState) { c.keysPage(q, f, nil) }

func (c *Console) keysPage(q *req, f *formState, created *APIKey) {
	ctx, kind, id := q.r.Context(), q.r.PathValue("kind"), q.r.PathValue("id")
	if !accountKind(kind) {
		c.refuse(q.w, q.r, http.StatusNotFound, "There is no such page.")
		return
	}
	d := keysData{Kind: kind, ID: id, Created: created}
	err := parallel(
		func() error { l, err := q.api.APIKeys(ctx, kind, id); d.Keys = l.Data; return err },
		func() error {
			if kind == "communities" {
				com, err := q.api.Community(ctx, id)
				d.Name = com.Name
				return err
			}
			adv, err := q.api.Advertiser(ctx, id)
			d.Name = adv.Name
			return err
		},
	)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	nav := "communities"
	if kind == "advertisers" {
		nav = "advertisers"
	}
	c.show(q, "keys", view{Title: "API keys · " + d.Name, Nav: nav, Data: d, Form: f})
}

// createKey shows the new key's secret on the answer itself, once: it is
// never stored by the console, nor put in a redirect.
func (c *Console) createKey(q *req) {
	kind, id := q.r.PathValue("kind"), q.r.PathValue("id")
	if !accountKind(kind) {
		c.refuse(q.w, q.r, http.StatusNotFound, "There is no such page.")
		return
	}
	key, err := q.api.CreateAPIKey(q.r.Context(), kind, id, parseKeyForm(q.r).Request())
	if err != nil {
		c.again(q, "key", err, c.keys)
		return
	}
	c.keysPage(q, nil, &key)
}

func (c *Console) revokeKey(q *req) {
	kind, id := q.r.PathValue("kind"), q.r.PathValue("id")
	if !accountKind(kind) {
		c.refuse(q.w, q.r, http.StatusNotFound, "There is no such page.")
		return
	}
	if err := q.api.RevokeAPIKey(q.r.Context(), kind, id, q.r.PathValue("keyId")); err != nil {
		c.again(q, "revoke", err, c.keys)
		return
	}
	c.done(q.w, q.r, "/console/"+kind+"/"+id+"/keys", "Key revoked.")
}
