package console

import (
	"crypto/subtle"
	"errors"
	"io/fs"
	"net/http"
	"strings"
)

// routes are every page and form of the console, in one place. The deep
// links of DESIGN §14 (/console/, /console/sponsorships/{id},
// /console/auctions/{id}, /console/deals/{id}, /console/campaigns/{id},
// /console/payouts) never
// change: webhooks and e-mails link to them.
func (c *Console) routes() {
	m := c.mux
	m.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusMovedPermanently)
	})
	m.HandleFunc("GET /console/static/{file}", c.asset)
	m.HandleFunc("GET /console/signin", c.signIn)
	m.HandleFunc("GET /console/callback", c.callback)
	m.HandleFunc("GET /console/signed-out", c.signedOut)
	m.HandleFunc("POST /console/signout", c.form(func(q *req) { c.signOut(q.w, q.r, q.s) }))

	m.HandleFunc("GET /console/{$}", c.page(c.home))

	// Memberships (DESIGN §17): a community's own site asks for its
	// member's pass; the public join page; the member's and the owner's.
	m.HandleFunc("GET /m/{communityId}", c.memberRedirect)
	m.HandleFunc("GET /console/m/{communityId}", c.page(c.memberPass))
	m.HandleFunc("GET /console/c/{communityId}/join", c.joinPage)
	m.HandleFunc("POST /console/c/{communityId}/join", c.form(c.joinCommunity))
	m.HandleFunc("GET /console/memberships", c.page(c.memberships))
	m.HandleFunc("GET /console/memberships/{id}", c.page(c.membership))
	m.HandleFunc("POST /console/memberships/{id}/cancel", c.form(c.membershipAction("cancel")))
	m.HandleFunc("POST /console/memberships/{id}/resume", c.form(c.membershipAction("resume")))
	m.HandleFunc("POST /console/memberships/{id}/change", c.form(c.changeMembership))
	m.HandleFunc("POST /console/memberships/{id}/card", c.form(c.updateCard))
	m.HandleFunc("POST /console/memberships/{id}/payments/{paymentId}/refund", c.form(c.refundMembershipPayment))
	m.HandleFunc("GET /console/communities/{id}/memberships", c.page(c.members))
	m.HandleFunc("POST /console/communities/{id}/tiers", c.form(c.createTier))
	m.HandleFunc("POST /console/communities/{id}/tiers/{tierId}/archive", c.form(c.archiveTier))
	m.HandleFunc("GET /console/profile", c.page(c.profile))
	m.HandleFunc("POST /console/profile", c.form(c.saveProfile))

	// Communities, and what their owners sell.
	m.HandleFunc("GET /console/communities", c.page(c.communities))
	m.HandleFunc("POST /console/communities", c.form(c.createCommunity))
	m.HandleFunc("GET /console/communities/{id}", c.page(c.community))
	m.HandleFunc("POST /console/communities/{id}/slots", c.form(c.createSlot))
	m.HandleFunc("POST /console/communities/{id}/domains", c.form(c.setDomains))
	m.HandleFunc("POST /console/communities/{id}/offerings", c.form(c.createOffering))
	m.HandleFunc("POST /console/communities/{id}/programs", c.form(c.createProgram))
	m.HandleFunc("POST /console/communities/{id}/payouts", c.form(c.claimCommunityPayout))
	m.HandleFunc("POST /console/communities/{id}/listing", c.form(c.saveListing))
	m.HandleFunc("GET /console/communities/{id}/campaign-reviews", c.page(c.campaignReviews))
	m.HandleFunc("POST /console/communities/{id}/campaigns/{campaignId}/approve", c.form(c.campaignDecision("approve")))
	m.HandleFunc("POST /console/communities/{id}/campaigns/{campaignId}/reject", c.form(c.campaignDecision("reject")))
	m.HandleFunc("POST /console/communities/{id}/blocked", c.form(c.blocking(true)))
	m.HandleFunc("POST /console/communities/{id}/unblocked", c.form(c.blocking(false)))
	m.HandleFunc("GET /console/communities/{id}/reviews", c.page(c.reviews))
	m.HandleFunc("GET /console/communities/{id}/earnings", c.page(c.earnings))
	m.HandleFunc("GET /console/market", c.page(c.market))
	m.HandleFunc("GET /console/market/{id}", c.page(c.market))
	m.HandleFunc("GET /console/slots/{id}", c.page(c.slot))
	m.HandleFunc("POST /console/slots/{id}/reserve", c.form(c.updateSlot))
	m.HandleFunc("POST /console/slots/{id}/house-ad", c.form(c.setHouseAd))
	m.HandleFunc("POST /console/slots/{id}/house-ad/remove", c.form(c.removeHouseAd))
	m.HandleFunc("POST /console/slots/{id}/auctions", c.form(c.openAuction))
	m.HandleFunc("GET /console/offerings/{id}", c.page(c.offering))
	m.HandleFunc("POST /console/offerings/{id}/dates", c.form(c.offeringDates))
	m.HandleFunc("POST /console/offerings/{id}/book", c.form(c.book))

	// Sponsorships: the review and the sponsor's side.
	m.HandleFunc("GET /console/sponsorships/{id}", c.page(c.sponsorship))
	for _, action := range []string{"approve", "request-changes", "reject", "publish", "propose", "revise", "accept-proposal", "decline-proposal", "cancel"} {
		m.HandleFunc("POST /console/sponsorships/{id}/"+action, c.form(c.sponsorshipAction(action)))
	}

	// Auctions and flights.
	m.HandleFunc("GET /console/auctions", c.page(c.auctions))
	m.HandleFunc("GET /console/auctions/{id}", c.page(c.auction))
	m.HandleFunc("POST /console/auctions/{id}/bid", c.form(c.placeBid))
	m.HandleFunc("POST /console/auctions/{id}/withdraw", c.form(c.withdrawBid))
	m.HandleFunc("GET /console/flights/{id}", c.page(c.flight))

	// Advertisers and their wallets.
	m.HandleFunc("GET /console/advertisers", c.page(c.advertisers))
	m.HandleFunc("POST /console/advertisers", c.form(c.createAdvertiser))
	m.HandleFunc("GET /console/advertisers/{id}", c.page(c.advertiser))

	// Wallets (DESIGN §15): of an advertiser or a community. Stripe's pages
	// send people back to the account's page (?deposit=, ?cards=added),
	// which sends them on to the wallet.
	m.HandleFunc("GET /console/{kind}/{id}/wallet", c.page(c.wallet))
	m.HandleFunc("POST /console/{kind}/{id}/deposits", c.form(c.deposit))
	m.HandleFunc("POST /console/{kind}/{id}/cards", c.form(c.addCard))
	m.HandleFunc("POST /console/{kind}/{id}/cards/{pmId}/default", c.form(c.cardAction("default")))
	m.HandleFunc("POST /console/{kind}/{id}/cards/{pmId}/remove", c.form(c.cardAction("remove")))
	m.HandleFunc("POST /console/{kind}/{id}/refunds", c.form(c.refund))
	for _, setting := range []string{"recharge", "recharge-off", "alert", "alert-off"} {
		m.HandleFunc("POST /console/advertisers/{id}/"+setting, c.form(c.moneySetting(setting)))
	}
	m.HandleFunc("GET /console/deposits/{id}/receipt", c.page(c.receipt))

	// Campaigns: pay-as-you-go, and the slots that accept them.
	m.HandleFunc("GET /console/advertisers/{id}/campaigns", c.page(c.campaigns))
	m.HandleFunc("POST /console/advertisers/{id}/creatives", c.upload(c.uploadCreative))
	m.HandleFunc("GET /console/advertisers/{id}/campaigns/new", c.page(c.newCampaign))
	m.HandleFunc("POST /console/advertisers/{id}/campaigns/new", c.form(c.previewCampaign))
	m.HandleFunc("POST /console/advertisers/{id}/campaigns", c.form(c.createCampaign))
	m.HandleFunc("GET /console/campaigns/{id}", c.page(c.campaign))
	m.HandleFunc("GET /console/campaigns/{id}/report.csv", c.page(c.reportCSV("campaigns")))
	for _, action := range []string{"pause", "resume", "end"} {
		m.HandleFunc("POST /console/campaigns/{id}/"+action, c.form(c.campaignAction(action)))
	}
	m.HandleFunc("POST /console/campaigns/{id}/update", c.form(c.updateCampaign))
	m.HandleFunc("POST /console/campaigns/{id}/banner", c.form(c.updateBanner))
	m.HandleFunc("POST /console/slots/{id}/campaigns", c.form(c.setSlotCampaigns))
	m.HandleFunc("GET /console/communities/{id}/report.csv", c.page(c.reportCSV("communities")))

	// API keys, of either kind of account.
	m.HandleFunc("GET /console/{kind}/{id}/keys", c.page(c.keys))
	m.HandleFunc("POST /console/{kind}/{id}/keys", c.form(c.createKey))
	m.HandleFunc("POST /console/{kind}/{id}/keys/{keyId}/revoke", c.form(c.revokeKey))

	// Referral programs and deals.
	m.HandleFunc("GET /console/programs/{id}", c.page(c.program))
	for _, action := range []string{"budget", "pause", "resume", "close", "apply"} {
		m.HandleFunc("POST /console/programs/{id}/"+action, c.form(c.programAction(action)))
	}
	m.HandleFunc("GET /console/deals", c.page(c.deals))
	m.HandleFunc("GET /console/deals/{id}", c.page(c.deal))
	m.HandleFunc("POST /console/deals/{id}/approve", c.form(c.dealAction("approve")))
	m.HandleFunc("POST /console/deals/{id}/decline", c.form(c.dealAction("decline")))

	// Money out.
	m.HandleFunc("GET /console/payouts", c.page(c.payouts))
	m.HandleFunc("POST /console/payouts", c.form(c.claimPayout))
	m.HandleFunc("POST /console/payouts/setup", c.form(c.setUpPayouts))
	m.HandleFunc("POST /console/payouts/dashboard", c.form(c.payoutDashboard))

	// Webhooks.
	m.HandleFunc("GET /console/webhooks", c.page(c.webhooks))
	m.HandleFunc("POST /console/webhooks", c.form(c.createWebhook))
	m.HandleFunc("GET /console/webhooks/{id}", c.page(c.webhook))
	m.HandleFunc("POST /console/webhooks/{id}/delete", c.form(c.deleteWebhook))
	m.HandleFunc("POST /console/webhooks/{id}/deliveries/{deliveryId}/replay", c.form(c.replayDelivery))

	m.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		c.refuse(w, r, http.StatusNotFound, "There is no such page.")
	})
}

// req is one signed-in request: the person's session and the API as them.
type req struct {
	w   http.ResponseWriter
	r   *http.Request
	s   *Session
	api *Caller
}

// page is a GET that needs a session; signed out, it goes through sign-in
// and lands back here.
func (c *Console) page(h func(*req, *formState)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s := c.signedIn(w, r); s != nil {
			h(&req{w: w, r: r, s: s, api: c.caller(s)}, nil)
		}
	}
}

// signedIn is the request's session; without one it has answered (sign
// in, or the failure).
func (c *Console) signedIn(w http.ResponseWriter, r *http.Request) *Session {
	s, err := c.session(r)
	if err != nil {
		c.fail(w, r, err)
		return nil
	}
	if s == nil {
		c.toSignIn(w, r)
	}
	return s
}

// maxForm bounds a form's body.
const maxForm = 64 << 10

// form is a POST that needs a session and its CSRF token (cross-origin
// POSTs are refused before this, by http.CrossOriginProtection).
func (c *Console) form(h func(*req)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := c.signedIn(w, r)
		if s == nil {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				c.refuse(w, r, http.StatusRequestEntityTooLarge, "The form is too large to send.")
				return
			}
			c.refuse(w, r, http.StatusBadRequest, "The form could not be read.")
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(s.CSRF())) != 1 {
			c.refuse(w, r, http.StatusForbidden, "This form has expired or was not sent from the console, so nothing was done. Go back, reload the page and try again.")
			return
		}
		h(&req{w: w, r: r, s: s, api: c.caller(s)})
	}
}

// maxUpload bounds an upload's body: the API's 150 KB image and the form
// around it.
const maxUpload = 256 << 10

// upload is a multipart POST (a file) that needs a session and its CSRF
// token, as form does.
func (c *Console) upload(h func(*req)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := c.signedIn(w, r)
		if s == nil {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
		if err := r.ParseMultipartForm(maxUpload); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				c.refuse(w, r, http.StatusRequestEntityTooLarge, "The image is too large to send: at most 150 KB.")
				return
			}
			c.refuse(w, r, http.StatusBadRequest, "The form could not be read.")
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(s.CSRF())) != 1 {
			c.refuse(w, r, http.StatusForbidden, "This form has expired or was not sent from the console, so nothing was done. Go back, reload the page and try again.")
			return
		}
		h(&req{w: w, r: r, s: s, api: c.caller(s)})
	}
}

func (c *Console) asset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := fs.ReadFile(c.static, name)
	if err != nil || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	switch {
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".svg"):
		w.Header().Set("Content-Type", "image/svg+xml")
	}
	if r.URL.Query().Get("v") == c.version {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=300")
	}
	_, _ = w.Write(b)
}

func (c *Console) signedOut(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, "signedout", view{Title: "Signed out"})
}
