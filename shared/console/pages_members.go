package console

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Memberships in the console (DESIGN §17): a community's public join page,
// the member's memberships (cancel, resume, change tier, update card, open
// the community's site as a member), and the owner's tiers, members and
// report with its MRR chart.

// joinData is the join page's.
type joinData struct {
	Info     MembershipJoinInfo
	SignedIn bool
	SignIn   string
	// Referral is the deal's code the visitor came with (first touch).
	Referral string
}

// referralCode is how a deal's code reads (DESIGN §5.3): 3–32 letters,
// digits, - or _, matched without case.
var referralCode = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{2,31}$`)

// referral is the deal's code a visitor of a community's join page came
// with (DESIGN §18): the first one, kept in a cookie of the community's
// pages, wins over later ones (first touch). A code is kept only when the
// API says it is an active deal of this community's program on
// memberships, and for the program's attribution days; a code the page
// was not opened with (the form's) is sent as it is, for the API to judge.
func (c *Console) referral(q *req, communityID string) string {
	r := q.r
	name := "souq_ref_" + communityID
	if ck, err := r.Cookie(name); err == nil && referralCode.MatchString(ck.Value) {
		return ck.Value
	}
	if r.Method == http.MethodPost {
		if code := strings.ToLower(strings.TrimSpace(r.PostForm.Get("referralCode"))); referralCode.MatchString(code) {
			return code
		}
		return ""
	}
	code := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("ref")))
	if !referralCode.MatchString(code) {
		return ""
	}
	v, err := q.api.ReferralCode(r.Context(), code)
	if err != nil || !v.Active || v.On != "membership" || v.CommunityID != communityID || v.AttributionDays < 1 {
		return ""
	}
	http.SetCookie(q.w, &http.Cookie{Name: name, Value: v.Code, Path: "/console/c/" + communityID + "/", MaxAge: min(v.AttributionDays, 365) * 24 * 3600,
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode})
	return v.Code
}

// joinPage is GET /console/c/{communityId}/join: public, signed in or not
// (a visitor sees the tiers and signs in to join).
func (c *Console) joinPage(w http.ResponseWriter, r *http.Request) {
	s, err := c.session(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	q := &req{w: w, r: r, s: s, api: &Caller{api: c.api}}
	if s != nil {
		q.api = c.caller(s)
	}
	c.join(q, nil)
}

func (c *Console) join(q *req, f *formState) {
	id := q.r.PathValue("communityId")
	info, err := q.api.JoinInfo(q.r.Context(), id, "")
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	d := joinData{Info: info, SignedIn: q.s != nil, Referral: c.referral(q, id),
		SignIn: "/console/signin?" + url.Values{"next": {"/console/c/" + id + "/join"}}.Encode()}
	c.show(q, "join", view{Title: "Join " + info.Name, Nav: "memberships", Data: d, Form: f})
}

// joinCommunity is the Join button: a trial or the first payment on the
// saved card, or Stripe's page.
func (c *Console) joinCommunity(q *req) {
	id := q.r.PathValue("communityId")
	in := JoinRequest{TierID: formValue(q.r, "tierId"), Interval: formValue(q.r, "interval"), ReferralCode: c.referral(q, id)}
	m, err := q.api.Join(q.r.Context(), id, in, q.r.PostForm.Get("idem"))
	if err != nil {
		c.again(q, "join-"+in.TierID+"-"+in.Interval, cardWords(err), c.join)
		return
	}
	if m.Status == "incomplete" && m.CheckoutURL != "" {
		c.toStripe(q, m.CheckoutURL)
		return
	}
	msg := "Welcome: you are a member of " + m.CommunityName + "."
	if m.Status == "trialing" && m.TrialEnd != nil {
		msg = "Welcome: your free trial of " + m.CommunityName + " runs until " + m.TrialEnd.In(c.location(q.r)).Format("2 Jan 2006") + "; nothing is charged before."
	}
	c.done(q.w, q.r, "/console/memberships/"+m.ID, msg)
}

// memberships is the person's memberships.
func (c *Console) memberships(q *req, _ *formState) {
	l, err := q.api.MyMemberships(q.r.Context())
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	c.show(q, "memberships", view{Title: "Memberships", Nav: "memberships", Data: l.Data})
}

// membershipData is one membership's page.
type membershipData struct {
	M       Membership
	Member  bool // the person is its member (else its community's owner)
	Choices []tierChoice
	// Site is the community's own site, opened with the member's pass.
	Site string
}

// tierChoice is a tier and interval the member may change to.
type tierChoice struct {
	Value, Label string
	Current      bool
}

// membership is one membership: its member's, or its community's owner's
// (who may refund its payments).
func (c *Console) membership(q *req, f *formState) {
	ctx := q.r.Context()
	m, err := q.api.Membership(ctx, q.r.PathValue("id"))
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	d := membershipData{M: m, Member: m.UserID == q.s.UserID}
	if d.Member && (m.Status == "active" || m.Status == "trialing") {
		info, err := q.api.JoinInfo(ctx, m.CommunityID, "")
		if err != nil {
			c.fail(q.w, q.r, err)
			return
		}
		if len(info.Sites) > 0 {
			d.Site = "/m/" + url.PathEscape(m.CommunityID) + "?" + url.Values{"return": {"https://" + info.Sites[len(info.Sites)-1] + "/"}}.Encode()
		}
		for _, t := range info.Tiers {
			for _, pr := range t.Prices {
				d.Choices = append(d.Choices, tierChoice{Value: t.ID + " " + pr.Interval, Label: t.Name + ", " + FormatMoney(pr.Amount.Amount, pr.Amount.Currency) + " a " + pr.Interval,
					Current: t.ID == m.TierID && pr.Interval == m.Interval})
			}
		}
	}
	c.show(q, "membership", view{Title: m.CommunityName + " membership", Nav: "memberships", Data: d, Form: f})
}

// membershipAction is Cancel membership and Resume.
func (c *Console) membershipAction(action string) func(*req) {
	done := map[string]string{"cancel": "Canceled: your membership ends at the end of the period you paid for, and nothing more is charged.",
		"resume": "Resumed: your membership goes on."}
	return func(q *req) {
		id := q.r.PathValue("id")
		if _, err := q.api.MembershipAction(q.r.Context(), id, action); err != nil {
			c.again(q, "state", err, c.membership)
			return
		}
		c.done(q.w, q.r, "/console/memberships/"+id, done[action])
	}
}

// changeMembership is Change tier.
func (c *Console) changeMembership(q *req) {
	id := q.r.PathValue("id")
	tier, interval, _ := strings.Cut(formValue(q.r, "choice"), " ")
	m, err := q.api.ChangeMembership(q.r.Context(), id, MembershipChangeRequest{TierID: tier, Interval: interval}, q.r.PostForm.Get("idem"))
	if err != nil {
		c.again(q, "change", cardWords(err), c.membership)
		return
	}
	msg := "Changed to " + m.TierName + "."
	switch {
	case m.Proration != nil && m.Proration.Charge > 0:
		msg = "Changed to " + m.TierName + " now: " + FormatMoney(m.Proration.Charge, m.Price.Currency) + " was charged for the rest of this period (" +
			FormatMoney(m.Proration.NewPart, m.Price.Currency) + " of the new price less " + FormatMoney(m.Proration.OldPart, m.Price.Currency) + " of the old)."
	case m.ScheduledChange != nil:
		msg = "From " + m.ScheduledChange.At.In(c.location(q.r)).Format("2 Jan 2006") + " your membership is " + m.ScheduledChange.TierName + ", at " +
			FormatMoney(m.ScheduledChange.Price.Amount, m.ScheduledChange.Price.Currency) + " a " + m.ScheduledChange.Interval + ". Until then nothing changes."
	}
	c.done(q.w, q.r, "/console/memberships/"+id, msg)
}

// updateCard sends the member to Stripe's page to save a new card: their
// memberships are charged on it from then, and a failed renewal is tried
// on it at once.
func (c *Console) updateCard(q *req) {
	cs, err := q.api.AddMyCard(q.r.Context(), q.r.PostForm.Get("idem"))
	if err != nil {
		c.again(q, "card", err, c.membership)
		return
	}
	c.toStripe(q, cs.SetupURL)
}

// refundMembershipPayment is the owner's Refund on a member's payment.
func (c *Console) refundMembershipPayment(q *req) {
	id, pay := q.r.PathValue("id"), q.r.PathValue("paymentId")
	form := "refund-" + pay
	cur := formValue(q.r, "currency")
	var amount int64
	bad := fieldErrors{}
	moneyField(q.r, "amount", cur, &amount, bad)
	if len(bad) > 0 {
		c.membership(q, invalid(q, form, bad))
		return
	}
	if err := q.api.RefundMembershipPayment(q.r.Context(), pay, MembershipRefundRequest{Amount: Money{Amount: amount, Currency: cur}}, q.r.PostForm.Get("idem")); err != nil {
		c.again(q, form, err, c.membership)
		return
	}
	c.done(q.w, q.r, "/console/memberships/"+id, FormatMoney(amount, cur)+" refunded to the member's card.")
}

// membersData is the owner's memberships page of a community.
type membersData struct {
	Community Community
	Tiers     []Tier
	Members   []Membership
	Report    MembersReport
	Chart     Chart
}

// members is a community's tiers, members and report (its owner).
func (c *Console) members(q *req, f *formState) {
	ctx, id := q.r.Context(), q.r.PathValue("id")
	var d membersData
	err := parallel(
		func() (err error) { d.Community, err = q.api.Community(ctx, id); return },
		func() error { l, err := q.api.AllTiers(ctx, id); d.Tiers = l.Data; return err },
		func() error { l, err := q.api.Members(ctx, id); d.Members = l.Data; return err },
		func() (err error) { d.Report, err = q.api.MembersReport(ctx, id); return },
	)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	var points []Point
	for _, day := range d.Report.Days {
		points = append(points, Point{Label: day.Day, Value: day.MRR.Amount})
	}
	d.Chart = barChart("Monthly recurring revenue (MRR), per day", points, d.Report.Currency)
	c.show(q, "members", view{Title: "Memberships · " + d.Community.Name, Nav: "communities", Data: d, Form: f})
}

// createTier is the owner's new tier: a name, words, benefits, a monthly
// and a yearly price (either may be empty) and trial days.
func (c *Console) createTier(q *req) {
	id := q.r.PathValue("id")
	cur := formValue(q.r, "currency")
	in := TierRequest{Name: formValue(q.r, "name"), Description: formValue(q.r, "description"), Benefits: splitList(q.r.PostForm.Get("benefits")), Prices: []TierPrice{}}
	if in.Benefits == nil {
		in.Benefits = []string{}
	}
	bad := fieldErrors{}
	for _, iv := range []string{"month", "year"} {
		if formValue(q.r, iv) == "" {
			continue
		}
		var n int64
		moneyField(q.r, iv, cur, &n, bad)
		in.Prices = append(in.Prices, TierPrice{Interval: iv, Amount: Money{Amount: n, Currency: cur}})
	}
	if len(in.Prices) == 0 {
		bad["month"] = "give a monthly price, a yearly price, or both"
	}
	if t := formValue(q.r, "trialDays"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 {
			bad["trialDays"] = "a whole number of days, 0 for none"
		}
		in.TrialDays = n
	}
	if len(bad) > 0 {
		c.members(q, invalid(q, "tier", bad))
		return
	}
	if _, err := q.api.CreateTier(q.r.Context(), id, in, q.r.PostForm.Get("idem")); err != nil {
		c.again(q, "tier", err, c.members)
		return
	}
	c.done(q.w, q.r, "/console/communities/"+id+"/memberships", "Tier "+in.Name+" is on sale: share your join page.")
}

// archiveTier stops a tier's new joins.
func (c *Console) archiveTier(q *req) {
	id := q.r.PathValue("id")
	t, err := q.api.ArchiveTier(q.r.Context(), q.r.PathValue("tierId"))
	if err != nil {
		c.again(q, "tiers", err, c.members)
		return
	}
	c.done(q.w, q.r, "/console/communities/"+id+"/memberships", "Tier "+t.Name+" is archived: nobody new joins it; its members keep it.")
}

// cardWords is a declined card's refusal in people's words.
func cardWords(err error) error {
	var p *Problem
	if errors.As(err, &p) && p.Status == http.StatusPaymentRequired {
		w := *p
		w.Detail = declined(p)
		return &w
	}
	return err
}
