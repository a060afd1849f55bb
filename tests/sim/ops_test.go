package sim

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/souqhq/souq/tests/harness"
)

// The workload's actors, as the simulation knows them (by handle in the
// trace, never by id).
type community struct {
	handle, token, id string
	slots             []string
	tiers             []tier
	deals             []deal // approved deals of its programs on memberships
	programs          int    // programs it made
	onboarded         bool
}

type tier struct {
	id           string
	month, year  int64
	trial        int
	handle, name string
}

type deal struct{ id, code, influencer string }

type advertiser struct {
	handle, token, id string
	campaigns         []string
	caps              map[string]int64 // a campaign's day's cap, when it has one
}

type member struct {
	handle, token, userID string
	com                   *community
	membership            string
	live                  bool
	// All their memberships of the community, each with the code it was
	// joined with: referrals attributes them once (first touch), by the
	// first it heard of (past Checkout: started, declined or expired).
	joins []join
}

type join struct{ id, code string }

type influencer struct {
	handle, userID, token string
	onboarded             bool
}

// An op is one kind of step: its weight, and whether it can run now.
type op struct {
	name   string
	weight int
	can    func(s *Sim) bool
	run    func(s *Sim)
}

var ops = []op{
	{"community", 3, func(s *Sim) bool { return len(s.communities) < 4 }, (*Sim).newCommunity},
	{"advertiser", 2, func(s *Sim) bool { return len(s.advertisers) < 3 }, (*Sim).newAdvertiser},
	{"deposit", 6, func(s *Sim) bool { return len(s.advertisers)+len(s.communities) > 0 }, (*Sim).deposit},
	{"refund-deposit", 2, func(s *Sim) bool { return len(s.advertisers) > 0 }, (*Sim).refundDeposit},
	{"tier", 3, func(s *Sim) bool { return len(s.communities) > 0 }, (*Sim).newTier},
	{"program", 3, func(s *Sim) bool { return len(s.communities) > 0 }, (*Sim).newProgram},
	{"deal", 4, func(s *Sim) bool { return len(s.communities) > 0 }, (*Sim).newDeal},
	{"join", 10, func(s *Sim) bool { return s.anyTier() }, (*Sim).join},
	{"cancel", 2, func(s *Sim) bool { return s.anyLive() }, (*Sim).cancel},
	{"resume", 1, func(s *Sim) bool { return s.anyLive() }, (*Sim).resume},
	{"change", 3, func(s *Sim) bool { return s.anyLive() }, (*Sim).change},
	{"card-fails", 1, func(s *Sim) bool { return s.anyLive() }, (*Sim).cardFails},
	{"refund-payment", 3, func(s *Sim) bool { return s.anyLive() }, (*Sim).refundPayment},
	{"claim", 3, func(s *Sim) bool { return len(s.communities)+len(s.influencers) > 0 }, (*Sim).claim},
	{"rail", 2, func(s *Sim) bool { return s.faults.Rail }, (*Sim).railFails},
	{"replay", 4, func(s *Sim) bool { return len(s.fresh()) > 0 }, (*Sim).replay},
	{"slot", 2, func(s *Sim) bool { return len(s.communities) > 0 && s.slotCount() < 4 }, (*Sim).newSlot},
	{"campaign", 3, func(s *Sim) bool { return len(s.advertisers) > 0 && s.campaignCount() < 6 }, (*Sim).newCampaign},
	{"serve", 5, func(s *Sim) bool { return s.slotCount() > 0 && s.campaignCount() > 0 }, (*Sim).serve},
	{"end-campaign", 1, func(s *Sim) bool { return s.campaignCount() > 0 }, (*Sim).endCampaign},
	{"time", 5, func(*Sim) bool { return true }, (*Sim).passTime},
}

// pick chooses the step's op by weight among those that can run.
func (s *Sim) pick() op {
	var can []op
	total := 0
	for _, o := range ops {
		if o.can(s) {
			can = append(can, o)
			total += o.weight
		}
	}
	n := s.rng.IntN(total)
	for _, o := range can {
		if n < o.weight {
			return o
		}
		n -= o.weight
	}
	return can[len(can)-1]
}

// play runs an op after the clock creeps on a little (each step at its
// own instant: ids made in different steps sort by time).
func (s *Sim) play(o op) {
	s.op = o.name
	s.advance(time.Duration(1+s.rng.IntN(90)) * time.Second)
	o.run(s)
}

func pickOf[T any](s *Sim, v []T) T { return v[s.rng.IntN(len(v))] }

func (s *Sim) user(role string) (userID, token string) {
	s.users++
	r := s.send("POST", "/local/tokens", "", fmt.Sprintf(`{"userId":"usr_sim%s_%s%d"}`, s.nonce, role, s.users), "")
	if r.status != 200 {
		s.fail("a token: %d %s", r.status, r.body)
	}
	return r.str("userId"), r.str("token")
}

// saveCard saves a test card for a payer on the local Stripe's Checkout
// (its event reaches the platform when the seed delivers it).
func (s *Sim) saveCard(token, payerPath, card string) {
	r := s.send("POST", payerPath+"/payment-methods", token, "", s.key())
	u := r.str("setupUrl")
	i := strings.Index(u, "/local/checkout/")
	if r.status != 201 || i < 0 {
		s.fail("a card's Checkout: %d %s", r.status, r.body)
	}
	if p := s.send("POST", u[i:], "", `{"card":"`+card+`"}`, ""); p.status != 200 {
		s.fail("paying a setup Checkout: %d %s", p.status, p.body)
	}
}

func (s *Sim) newCommunity() {
	_, tok := s.user("own")
	r := s.send("POST", "/v1/communities", tok, fmt.Sprintf(`{"name":"Sim %d","url":"https://sim%d.example","currency":"EUR"}`, len(s.communities), len(s.communities)), "")
	s.record("community → %d", r.status)
	if r.status != 201 {
		return
	}
	c := &community{handle: fmt.Sprintf("c%d", len(s.communities)), token: tok, id: r.str("id")}
	s.communities = append(s.communities, c)
	s.saveCard(tok, "/v1/communities/"+c.id, "4242424242424242")
}

func (s *Sim) newAdvertiser() {
	_, tok := s.user("adv")
	r := s.send("POST", "/v1/advertisers", tok, `{"name":"Sim Ads","currency":"EUR"}`, "")
	s.record("advertiser → %d", r.status)
	if r.status != 201 {
		return
	}
	a := &advertiser{handle: fmt.Sprintf("a%d", len(s.advertisers)), token: tok, id: r.str("id")}
	s.advertisers = append(s.advertisers, a)
	s.saveCard(tok, "/v1/advertisers/"+a.id, "4242424242424242")
}

// payer is a random advertiser's or community's path and token.
func (s *Sim) payer() (handle, path, token string) {
	n := s.rng.IntN(len(s.advertisers) + len(s.communities))
	if n < len(s.advertisers) {
		a := s.advertisers[n]
		return a.handle, "/v1/advertisers/" + a.id, a.token
	}
	c := s.communities[n-len(s.advertisers)]
	return c.handle, "/v1/communities/" + c.id, c.token
}

func (s *Sim) deposit() {
	h, path, tok := s.payer()
	amount := int64(500 + s.rng.IntN(20)*500)
	r := s.money("POST", path+"/deposits", tok, fmt.Sprintf(`{"amount":%d,"currency":"EUR","method":"saved"}`, amount))
	s.record("deposit %s %d → %d %s%s", h, amount, r.status, r.str("status"), r.why())
}

func (s *Sim) refundDeposit() {
	a := pickOf(s, s.advertisers)
	amount := int64(100 + s.rng.IntN(30)*100)
	r := s.money("POST", "/v1/advertisers/"+a.id+"/refunds", a.token, fmt.Sprintf(`{"amount":%d,"currency":"EUR"}`, amount))
	s.record("refund-deposit %s %d → %d %s", a.handle, amount, r.status, r.why())
}

func (s *Sim) newTier() {
	c := pickOf(s, s.communities)
	month := int64(300 + s.rng.IntN(8)*100)
	trial := []int{0, 0, 7, 14}[s.rng.IntN(4)]
	prices := fmt.Sprintf(`{"interval":"month","amount":{"amount":%d,"currency":"EUR"}}`, month)
	year := int64(0)
	if s.rng.IntN(2) == 0 {
		year = month * 10
		prices += fmt.Sprintf(`,{"interval":"year","amount":{"amount":%d,"currency":"EUR"}}`, year)
	}
	name := fmt.Sprintf("Tier %d", len(c.tiers))
	r := s.send("POST", "/v1/communities/"+c.id+"/tiers", c.token, fmt.Sprintf(`{"name":%q,"benefits":["ad_free"],"prices":[%s],"trialDays":%d}`, name, prices, trial), "")
	s.record("tier %s %d/%d trial %d → %d", c.handle, month, year, trial, r.status)
	if r.status == 201 {
		c.tiers = append(c.tiers, tier{id: r.str("id"), month: month, year: year, trial: trial, handle: fmt.Sprintf("%s.t%d", c.handle, len(c.tiers)), name: name})
	}
}

func (s *Sim) newProgram() { s.programFor(pickOf(s, s.communities)) }

// programFor: the community's owner funds a referral program on
// memberships (depositing first when its balance cannot hold the budget).
func (s *Sim) programFor(c *community) {
	months := []string{"null", "1", "3", "12"}[s.rng.IntN(4)]
	budget := int64(100 + s.rng.IntN(10)*100)
	bps := 500 + s.rng.IntN(4)*1000
	hold := []int{0, 7, 30}[s.rng.IntN(3)]
	if avail := s.send("GET", "/v1/communities/"+c.id+"/balance", c.token, "", "").num("available"); avail < budget {
		r := s.money("POST", "/v1/communities/"+c.id+"/deposits", c.token, `{"amount":1000,"currency":"EUR","method":"saved"}`)
		s.record("program %s: deposit 1000 first → %d %s%s", c.handle, r.status, r.str("status"), r.why())
		if r.status != 201 {
			return
		}
	}
	r := s.money("POST", "/v1/communities/"+c.id+"/programs", c.token, fmt.Sprintf(`{"name":"Bring members","currency":"EUR","on":"membership","months":%s,`+
		`"commission":{"type":"percent","bps":%d},"attributionDays":30,"holdDays":%d,"budget":{"amount":%d,"currency":"EUR"}}`, months, bps, hold, budget))
	s.record("program %s months %s %d bps hold %d budget %d → %d %s", c.handle, months, bps, hold, budget, r.status, r.why())
	if r.status == 201 {
		c.programs++
	}
}

func (s *Sim) newDeal() {
	c := pickOf(s, s.communities)
	r := s.send("GET", "/v1/communities/"+c.id+"/programs", "", "", "")
	progs, _ := r.json["data"].([]any)
	if len(progs) == 0 {
		// An owner recruiting influencers starts a program first.
		s.programFor(c)
		r = s.send("GET", "/v1/communities/"+c.id+"/programs", "", "", "")
		if progs, _ = r.json["data"].([]any); len(progs) == 0 {
			s.record("deal %s: no program", c.handle)
			return
		}
	}
	prg, _ := progs[s.rng.IntN(len(progs))].(map[string]any)
	var inf *influencer
	if len(s.influencers) == 0 || s.rng.IntN(3) == 0 {
		id, tok := s.user("inf")
		inf = &influencer{handle: fmt.Sprintf("i%d", len(s.influencers)), userID: id, token: tok}
		s.influencers = append(s.influencers, inf)
	} else {
		inf = pickOf(s, s.influencers)
	}
	prgID, _ := prg["id"].(string)
	a := s.money("POST", "/v1/programs/"+prgID+"/deals", inf.token, `{"pitch":"members"}`)
	if a.status != 201 {
		s.record("deal %s %s → %d", c.handle, inf.handle, a.status)
		return
	}
	d := s.send("POST", "/v1/deals/"+a.str("id")+"/approve", c.token, "", "")
	s.record("deal %s %s → %d", c.handle, inf.handle, d.status)
	if d.status == 200 {
		c.deals = append(c.deals, deal{id: d.str("id"), code: d.str("code"), influencer: inf.handle})
	}
}

func (s *Sim) anyTier() bool {
	for _, c := range s.communities {
		if len(c.tiers) > 0 {
			return true
		}
	}
	return false
}

func (s *Sim) anyLive() bool {
	for _, m := range s.members {
		if m.live {
			return true
		}
	}
	return false
}

func (s *Sim) liveMember() *member {
	var live []*member
	for _, m := range s.members {
		if m.live {
			live = append(live, m)
		}
	}
	return pickOf(s, live)
}

// join: a new person (or one who was a member) joins a tier, on a saved
// card or on Stripe's Checkout, now and then through a deal's code (or a
// junk one).
func (s *Sim) join() {
	var withTiers []*community
	for _, c := range s.communities {
		if len(c.tiers) > 0 {
			withTiers = append(withTiers, c)
		}
	}
	c := pickOf(s, withTiers)
	t := pickOf(s, c.tiers)
	interval := "month"
	if t.year > 0 && s.rng.IntN(3) == 0 {
		interval = "year"
	}
	var m *member
	for _, old := range s.members {
		if old.com == c && !old.live && s.rng.IntN(2) == 0 {
			m = old // joins again
		}
	}
	checkout := false
	if m == nil {
		id, tok := s.user("mem")
		m = &member{handle: fmt.Sprintf("m%d", len(s.members)), token: tok, userID: id, com: c}
		s.members = append(s.members, m)
		if checkout = s.rng.IntN(4) == 0; !checkout {
			s.saveCard(tok, "/v1/me", "4242424242424242")
			// They wait for the page to say the card is saved (Stripe's
			// event, as late or early as the seed's faults make it).
			s.deliverStripe(false)
			s.settle()
		}
	}
	code := ""
	switch n := s.rng.IntN(6); {
	case n < 3 && len(c.deals) > 0:
		code = pickOf(s, c.deals).code
	case n == 3:
		code = "no-such-code"
	}
	body := fmt.Sprintf(`{"tierId":%q,"interval":%q`, t.id, interval)
	if code != "" {
		body += fmt.Sprintf(`,"referralCode":%q`, code)
	}
	if checkout {
		body += `,"method":"checkout"`
	}
	r := s.money("POST", "/v1/communities/"+c.id+"/memberships", m.token, body+"}")
	how := "referred"
	switch code {
	case "":
		how = "unreferred"
	case "no-such-code":
		how = "junk-code"
	}
	s.record("join %s %s %s %s → %d %s%s", m.handle, t.handle, interval, how, r.status, r.str("status"), r.why())
	if r.status != 201 {
		return
	}
	m.membership, m.live = r.str("id"), true
	m.joins = append(m.joins, join{id: m.membership, code: code})
	if u := r.str("checkoutUrl"); u != "" {
		i := strings.Index(u, "/local/checkout/")
		card := []string{"4242424242424242", "4242424242424242", "4000000000000002"}[s.rng.IntN(3)]
		if p := s.send("POST", u[i:], "", `{"card":"`+card+`"}`, ""); p.status != 200 && p.status != 402 {
			s.fail("paying a join's Checkout: %d %s", p.status, p.body)
		}
	}
}

func (s *Sim) cancel() {
	m := s.liveMember()
	r := s.send("POST", "/v1/memberships/"+m.membership+"/cancel", m.token, "", "")
	s.record("cancel %s → %d %s", m.handle, r.status, r.why())
}

func (s *Sim) resume() {
	m := s.liveMember()
	r := s.send("POST", "/v1/memberships/"+m.membership+"/resume", m.token, "", "")
	s.record("resume %s → %d %s", m.handle, r.status, r.why())
}

func (s *Sim) change() {
	m := s.liveMember()
	t := pickOf(s, m.com.tiers)
	interval := "month"
	if t.year > 0 && s.rng.IntN(2) == 0 {
		interval = "year"
	}
	r := s.send("PATCH", "/v1/memberships/"+m.membership, m.token, fmt.Sprintf(`{"tierId":%q,"interval":%q}`, t.id, interval), "")
	s.record("change %s %s %s → %d %s", m.handle, t.handle, interval, r.status, r.why())
}

// cardFails: the member's new default card is refused off-session from
// now on (their renewals fail, are retried, and end the membership).
func (s *Sim) cardFails() {
	m := s.liveMember()
	s.saveCard(m.token, "/v1/me", "4000000000009995")
	s.record("card-fails %s", m.handle)
}

func (s *Sim) refundPayment() {
	m := s.liveMember()
	r := s.send("GET", "/v1/memberships/"+m.membership, m.com.token, "", "")
	pays, _ := r.json["payments"].([]any)
	if len(pays) == 0 {
		s.record("refund-payment %s: none", m.handle)
		return
	}
	p, _ := pays[s.rng.IntN(len(pays))].(map[string]any)
	id, _ := p["id"].(string)
	amount := func(field string) int64 {
		a, _ := p[field].(map[string]any)
		v, _ := a["amount"].(float64)
		return int64(v)
	}
	paid, left := amount("amount"), amount("amount")-amount("refunded")
	if left < 1 {
		s.record("refund-payment %s: all refunded", m.handle)
		return
	}
	x := 1 + s.rng.Int64N(left)
	rf := s.money("POST", "/v1/membership-payments/"+id+"/refund", m.com.token, fmt.Sprintf(`{"amount":{"amount":%d,"currency":"EUR"}}`, x))
	s.record("refund-payment %s %d of %d → %d %s", m.handle, x, paid, rf.status, rf.why())
	// The model says it is a valid refund: within what is left, by its
	// owner. Only the provider may refuse it.
	if rf.status != 201 && rf.status != 502 && rf.status != 503 {
		s.fail("a refund of %d of the %d left of a payment was refused: %d %s", x, left, rf.status, rf.body)
	}
}

// claim: an owner or an influencer claims part of what is available.
func (s *Sim) claim() {
	n := s.rng.IntN(len(s.communities) + len(s.influencers))
	var path, tok, handle, bal string
	onboard := func(done *bool, token string) {
		if *done {
			return
		}
		out := s.send("POST", "/v1/me/payout-account", token, "", s.key())
		u := out.str("onboardingUrl")
		if i := strings.Index(u, "/local/connect/"); i >= 0 {
			s.send("POST", u[i:], "", `{"result":"complete"}`, "")
		}
		*done = true
	}
	if n < len(s.communities) {
		c := s.communities[n]
		onboard(&c.onboarded, c.token)
		path, tok, handle, bal = "/v1/communities/"+c.id+"/payouts", c.token, c.handle, "/v1/communities/"+c.id
	} else {
		i := s.influencers[n-len(s.communities)]
		onboard(&i.onboarded, i.token)
		path, tok, handle, bal = "/v1/payouts", i.token, i.handle, ""
	}
	s.settle()
	avail := int64(0)
	if bal != "" {
		avail = s.send("GET", bal+"/balance", tok, "", "").num("available")
	} else {
		e := s.send("GET", "/v1/me/earnings", tok, "", "")
		bs, _ := e.json["balances"].([]any)
		for _, x := range bs {
			if m, _ := x.(map[string]any); m["currency"] == "EUR" {
				v, _ := m["available"].(float64)
				avail = int64(v)
			}
		}
	}
	if avail < 1 {
		s.record("claim %s: nothing", handle)
		return
	}
	amount := avail // all of it, or (now and then) a part that may be below the minimum
	if s.rng.IntN(3) == 0 {
		amount = 1 + s.rng.Int64N(avail)
	}
	r := s.money("POST", path, tok, fmt.Sprintf(`{"amount":%d,"currency":"EUR"}`, amount))
	s.record("claim %s %d → %d %s", handle, amount, r.status, r.why())
}

// railFails arms the next money-moving calls to fail: declined, timed
// out before Stripe acts, or lost after it did.
func (s *Sim) railFails() {
	mode := []string{"decline", "timeout", "lost"}[s.rng.IntN(3)]
	n := 1 + s.rng.IntN(3)
	r := s.send("POST", "/local/rail/fail", "", fmt.Sprintf(`{"count":%d,"mode":%q}`, n, mode), "")
	s.record("rail %d %s → %d", n, mode, r.status)
}

// replay asks an answered money request again with its key: a success
// answers the same (status, and the same object), however much happened
// since; a refusal was not kept, and runs again.
func (s *Sim) replay() {
	fresh := s.fresh()
	// Mostly a recent one, as clients retry soon.
	rp := fresh[len(fresh)-1-s.rng.IntN(min(len(fresh), 3))]
	if s.rng.IntN(3) == 0 {
		rp = pickOf(s, fresh)
	}
	s.again(rp)
}

// again asks a request again with its key and holds the answer to the
// first.
func (s *Sim) again(rp replay) {
	r := s.send(rp.method, rp.path, rp.token, rp.body, rp.key)
	s.record("replay %s %s → %d", rp.method, routeOf(rp.path), r.status)
	if rp.status >= 400 {
		return // a refusal is not kept: asking again runs again (DESIGN §6)
	}
	if r.status != rp.status || rp.id != "" && r.str("id") != rp.id {
		s.fail("a replay of %s %s answered %d (id %q), first %d (id %q)", rp.method, rp.path, r.status, r.str("id"), rp.status, rp.id)
	}
}

// passTime moves the clock: minutes to days, or (with the jumps fault) a
// leap to a month's end, 29 February or the year's end.
func (s *Sim) passTime() {
	now := s.now()
	var to time.Time
	switch n := s.rng.IntN(10); {
	case s.faults.Jumps && n == 0:
		to = time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Duration(1+s.rng.IntN(120)) * time.Minute)
	case s.faults.Jumps && n == 1 && now.Month() <= time.February:
		to = time.Date(now.Year(), time.February, 29, 12, 0, 0, 0, time.UTC)
	case s.faults.Jumps && n == 2 && now.Month() == time.December:
		to = time.Date(now.Year(), time.December, 31, 23, 59, 0, 0, time.UTC)
	case n < 5:
		to = now.Add(time.Duration(1+s.rng.IntN(48)) * time.Hour)
	default:
		to = now.Add(time.Duration(1+s.rng.IntN(9)) * 24 * time.Hour)
	}
	if !to.After(now) {
		to = now.Add(time.Hour)
	}
	s.advance(to.Sub(now))
	s.record("time +%s", to.Sub(now).Round(time.Minute))
}

// fresh are the answered money requests whose keys still live (24 hours:
// after that the same key is a new request, DESIGN §6).
func (s *Sim) fresh() []replay {
	var out []replay
	for _, r := range s.replays {
		if s.at.Sub(r.at) < 23*time.Hour {
			out = append(out, r)
		}
	}
	return out
}

// routeOf is a path with its ids taken out, for the trace.
func routeOf(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.Contains(p, "_") {
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}

// Pay-as-you-go campaigns: slots that take them, campaigns with budgets
// held from the advertiser's balance, people who see and click them, and
// the meter that settles what was seen each minute.

var sizes = [][2]int{{300, 250}, {728, 90}}

func (s *Sim) slotCount() int {
	n := 0
	for _, c := range s.communities {
		n += len(c.slots)
	}
	return n
}

func (s *Sim) campaignCount() int {
	n := 0
	for _, a := range s.advertisers {
		n += len(a.campaigns)
	}
	return n
}

func (s *Sim) newSlot() {
	c := pickOf(s, s.communities)
	size := pickOf(s, sizes)
	r := s.send("POST", "/v1/communities/"+c.id+"/slots", c.token, fmt.Sprintf(`{"name":"Box","width":%d,"height":%d,"reserve":{"amount":100,"currency":"EUR"}}`, size[0], size[1]), "")
	if r.status != 201 {
		s.record("slot %s → %d %s", c.handle, r.status, r.why())
		return
	}
	p := s.send("PATCH", "/v1/slots/"+r.str("id"), c.token, `{"campaigns":{"accept":true,"floorCpm":{"amount":100,"currency":"EUR"}}}`, "")
	s.record("slot %s %dx%d → %d", c.handle, size[0], size[1], p.status)
	if p.status == 200 {
		c.slots = append(c.slots, r.str("id"))
	}
}

func (s *Sim) newCampaign() {
	a := pickOf(s, s.advertisers)
	size := pickOf(s, sizes)
	budget := int64(200 + s.rng.IntN(10)*200)
	// An advertiser budgets what they have (a budget is held from the
	// balance); without enough, they deposit first.
	avail := s.send("GET", "/v1/advertisers/"+a.id+"/balance", a.token, "", "").num("available")
	if avail < 200 {
		amount := (budget + 999) / 1000 * 1000 // deposits are at least €10
		r := s.money("POST", "/v1/advertisers/"+a.id+"/deposits", a.token, fmt.Sprintf(`{"amount":%d,"currency":"EUR","method":"saved"}`, amount))
		s.record("campaign %s: deposit %d first → %d %s%s", a.handle, amount, r.status, r.str("status"), r.why())
		return
	}
	budget = min(budget, avail/100*100)
	pricing := fmt.Sprintf(`{"model":"cpm","bid":{"amount":%d,"currency":"EUR"}}`, 2000+s.rng.IntN(4)*2000)
	if s.rng.IntN(3) == 0 {
		pricing = fmt.Sprintf(`{"model":"cpc","bid":{"amount":%d,"currency":"EUR"}}`, 20+s.rng.IntN(4)*10)
	}
	end := s.at.Add(time.Duration(1+s.rng.IntN(10)) * 24 * time.Hour).Truncate(time.Second).Format(time.RFC3339)
	dayCap, capField := int64(0), ""
	if s.rng.IntN(2) == 0 {
		dayCap = int64(1+s.rng.IntN(3)) * 50
		capField = fmt.Sprintf(`"dailyCap":{"amount":%d,"currency":"EUR"},`, dayCap)
	}
	body := fmt.Sprintf(`{"name":"Sim sale","currency":"EUR","pricing":%s,"budget":{"amount":%d,"currency":"EUR"},%s"pacing":"asap","end":%q,`+
		`"creative":{"imageUrl":"https://cdn.example/sim.png","clickUrl":"https://shop.example/sim","altText":"Sim sale","width":%d,"height":%d}}`,
		pricing, budget, capField, end, size[0], size[1])
	r := s.money("POST", "/v1/advertisers/"+a.id+"/campaigns", a.token, body)
	s.record("campaign %s %dx%d budget %d cap %d → %d %s", a.handle, size[0], size[1], budget, dayCap, r.status, r.why())
	if r.status == 201 {
		a.campaigns = append(a.campaigns, r.str("id"))
		if a.caps == nil {
			a.caps = map[string]int64{}
		}
		a.caps[r.str("id")] = dayCap
	}
}

// serve: people (each at an address of their own) ask a slot for an ad,
// most see it (the view beacon), a few click.
func (s *Sim) serve() {
	var slots []string
	for _, c := range s.communities {
		slots = append(slots, c.slots...)
	}
	slot := pickOf(s, slots)
	n := 1 + s.rng.IntN(24)
	campaigns, views, clicks := 0, 0, 0
	for i := 0; i < n; i++ {
		person := s.rng.IntN(40)
		h := map[string][]string{"User-Agent": {harness.BrowserAgent}, harness.ViewerAddressHeader: {harness.ViewerAddress(person)}}
		d := harness.Send(s.t, "GET", "/v1/serve/"+slot, "", nil, h)
		if d.Status >= 500 {
			s.fail("serving %s answered %d: %s", slot, d.Status, d.Body)
		}
		var ad map[string]any
		_ = json.Unmarshal(d.Body, &ad)
		if ad["kind"] != "campaign" {
			continue
		}
		campaigns++
		cid, _ := ad["campaignId"].(string)
		if s.beacons == nil {
			s.beacons = map[string]*[2]int64{}
		}
		if s.beacons[cid] == nil {
			s.beacons[cid] = &[2]int64{}
		}
		if view, _ := ad["viewUrl"].(string); view != "" && s.rng.IntN(5) != 0 {
			s.beacons[cid][0]++
			if v := harness.Send(s.t, "GET", strings.TrimPrefix(view, harness.Platform.BaseURL), "", nil, h); v.Status >= 500 {
				s.fail("a view beacon answered %d: %s", v.Status, v.Body)
			}
			views++
		}
		if click, _ := ad["clickUrl"].(string); click != "" && s.rng.IntN(8) == 0 {
			s.beacons[cid][1]++
			if c := harness.Send(s.t, "GET", strings.TrimPrefix(click, harness.Platform.BaseURL), "", nil, h); c.Status >= 500 {
				s.fail("a click answered %d: %s", c.Status, c.Body)
			}
			clicks++
		}
	}
	s.record("serve %d: %d campaigns, %d views, %d clicks", n, campaigns, views, clicks)
}

func (s *Sim) endCampaign() {
	var all [][2]string
	for _, a := range s.advertisers {
		for _, c := range a.campaigns {
			all = append(all, [2]string{a.token, c})
		}
	}
	c := pickOf(s, all)
	r := s.send("POST", "/v1/campaigns/"+c[1]+"/end", c[0], "", "")
	s.record("end-campaign → %d %s", r.status, r.why())
}
