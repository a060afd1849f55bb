package stripelocal

import "time"

// Connect: payees' Express accounts, onboarded on Stripe's hosted pages
// (pages_connect.go) through Account Links; account.updated tells Souq.

// accountLinkLifetime is how long Stripe keeps an Account Link usable.
const accountLinkLifetime = 5 * time.Minute

func (st *state) onboardingURL(id string) string { return st.publicURL + "/local/connect/" + id }

func (s *Server) createAccount(c *apiCall) (any, error) {
	st := s.st
	typ := c.p.str("type")
	if typ == "" {
		typ = "express"
	}
	if typ != "express" {
		return nil, invalid("type", "The local Stripe plays Express accounts only, not %q.", typ)
	}
	country := c.p.str("country")
	if country == "" {
		country = "US"
	}
	a := &account{ID: newID("acct_1", 15), Type: typ, Country: country, Email: c.p.str("email"), Metadata: c.p.hash("metadata"),
		CurrentlyDue: append([]string{}, expressRequirements...), Created: st.unix()}
	st.accounts[a.ID] = a
	return renderAccount(a), nil
}

func (s *Server) getAccount(c *apiCall) (any, error) {
	a := s.st.accounts[c.r.PathValue("id")]
	if a == nil {
		return nil, noSuch("account", c.r.PathValue("id"), "")
	}
	return renderAccount(a), nil
}

type accountLinkJSON struct {
	Object    string `json:"object"`
	Created   int64  `json:"created"`
	ExpiresAt int64  `json:"expires_at"`
	URL       string `json:"url"`
}

func (s *Server) createAccountLink(c *apiCall) (any, error) {
	st := s.st
	id := c.p.str("account")
	a := st.accounts[id]
	if a == nil {
		return nil, noSuch("account", id, "account")
	}
	a.RefreshURL, a.ReturnURL = c.p.str("refresh_url"), c.p.str("return_url")
	now := st.now()
	return accountLinkJSON{Object: "account_link", Created: now.Unix(), ExpiresAt: now.Add(accountLinkLifetime).Unix(), URL: st.onboardingURL(id)}, nil
}

type loginLinkJSON struct {
	Object  string `json:"object"`
	Created int64  `json:"created"`
	URL     string `json:"url"`
}

func (s *Server) createLoginLink(c *apiCall) (any, error) {
	st := s.st
	id := c.r.PathValue("id")
	if st.accounts[id] == nil {
		return nil, noSuch("account", id, "")
	}
	return loginLinkJSON{Object: "login_link", Created: st.unix(), URL: st.onboardingURL(id) + "/dashboard"}, nil
}

// onboard is the payee's answer on the onboarding page: complete enables
// payouts with nothing due; incomplete leaves payouts off and what is due
// as it was. Either way Stripe sends account.updated.
func (st *state) onboard(a *account, complete bool, out *outbox) {
	if complete {
		a.PayoutsEnabled, a.DetailsSubmitted, a.CurrentlyDue = true, true, nil
	} else {
		a.PayoutsEnabled = false
	}
	out.add("account.updated", a.ID, renderAccount(a))
}
