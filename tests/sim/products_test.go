package sim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// extra is the workload's other products: auctions, sponsorships,
// reported conversions and their reversals, disputes and webhooks. Its
// model holds what the seed did (by handle in the trace); the invariants
// read what the platform says through the API and the owners' ledger
// statements, so that a refused request replayed later (which runs again,
// DESIGN §6) never makes the model lie.
type extra struct {
	slots     []slotRef // slots of its own (the slot op's are the communities')
	auctions  []*auction
	offerings []*offering
	spons     []*sponsorship
	shops     []*shop // communities that report conversions (their own: see newShop)
	convs     []*conversion
	disputes  []*dispute
	hooks     []*hook
	orders    int
}

type slotRef struct {
	com     *community
	id      string
	reserve int64
}

type auction struct {
	handle, id string
	com        *community
	reserve    int64
	closesAt   time.Time
	bidders    []*bidder
}

// bidder is an advertiser's bids on an auction: every bid id it was told
// (a withdrawal and a new bid make a new one), each its hold's id.
type bidder struct {
	adv *advertiser
	ids []string
}

type offering struct {
	id, handle string
	com        *community
}

type sponsorship struct {
	handle, id string
	off        *offering
	adv        *advertiser
	status     string // as last answered
}

// shop is a community whose server reports sales: its API key, its
// programs on conversions and their approved deals.
type shop struct {
	community
	userID string
	key    string
	deals  []convDeal
	orders []order
}

type convDeal struct {
	id, code string
	inf      *influencer
}

type order struct {
	ext, body string
	conv      *conversion
}

type conversion struct {
	handle, id string
	shop       *shop
	deal       convDeal
	amount     int64
}

type dispute struct {
	handle, id, deposit string
	payer               string // handle
	token, account      string // the payer's token and ledger account id
	amount              int64
	closed              string // won, lost or ""
}

// hook is a webhook endpoint, and whose it is.
type hook struct {
	handle, id, owner, token, path, secret string
	ids                                    []string  // the owner's account id and user id: what its events must name
	created                                time.Time // an endpoint hears what happens from then on
}

// productOps are their ops, appended to ops.
var productOps = []op{
	{"auction", 2, func(s *Sim) bool { return len(s.communities) > 0 }, (*Sim).auctionOp},
	{"bid", 3, func(s *Sim) bool { return len(s.x.auctions) > 0 && len(s.advertisers) > 0 }, (*Sim).bid},
	{"book", 2, func(s *Sim) bool { return len(s.communities) > 0 && len(s.advertisers) > 0 }, (*Sim).book},
	{"review", 3, func(s *Sim) bool { return len(s.x.spons) > 0 }, (*Sim).review},
	{"conv-program", 1, func(s *Sim) bool { return len(s.x.shops) < 3 }, (*Sim).convProgram},
	{"convert", 2, func(s *Sim) bool { return s.x.anyShopDeal() }, (*Sim).convert},
	{"dispute", 1, func(s *Sim) bool { return len(s.advertisers)+len(s.communities)+len(s.x.shops) > 0 }, (*Sim).disputeOp},
	{"webhook", 1, func(s *Sim) bool {
		return len(s.x.hooks) < 4 && len(s.advertisers)+len(s.communities)+len(s.x.shops) > 0
	}, (*Sim).webhook},
}

func init() { ops = append(ops, productOps...) }

// Auctions: an owner opens one on a slot (the slot op's, or one of its
// own), now and then cancels one; advertisers bid (some below the
// reserve, some beyond their funds), raise, withdraw; the close comes on
// the platform's clock.

func (s *Sim) auctionOp() {
	var open []*auction
	for _, a := range s.x.auctions {
		if s.at.Before(a.closesAt) {
			open = append(open, a)
		}
	}
	if len(open) > 0 && s.rng.IntN(5) == 0 {
		a := pickOf(s, open)
		r := s.send("POST", "/v1/auctions/"+a.id+"/cancel", a.com.token, "", "")
		s.record("auction-cancel %s → %d %s%s", a.handle, r.status, r.str("status"), r.why())
		return
	}
	var slots []slotRef
	for _, c := range s.communities {
		for _, id := range c.slots {
			slots = append(slots, slotRef{com: c, id: id, reserve: 100})
		}
	}
	slots = append(slots, s.x.slots...)
	if len(slots) == 0 || s.rng.IntN(4) == 0 {
		c := pickOf(s, s.communities)
		reserve := int64(100 + s.rng.IntN(5)*100)
		format := pickOf(s, []string{"second_price", "first_price"})
		r := s.send("POST", "/v1/communities/"+c.id+"/slots", c.token, fmt.Sprintf(`{"name":"Auctioned","width":300,"height":250,"reserve":{"amount":%d,"currency":"EUR"},"format":%q}`, reserve, format), "")
		s.record("auction-slot %s %s reserve %d → %d %s", c.handle, format, reserve, r.status, r.why())
		if r.status != 201 {
			return
		}
		s.x.slots = append(s.x.slots, slotRef{com: c, id: r.str("id"), reserve: reserve})
		slots = s.x.slots[len(s.x.slots)-1:]
	}
	sl := pickOf(s, slots)
	closes := s.at.Add(time.Duration(6+s.rng.IntN(190)) * time.Hour).Truncate(time.Second)
	start := closes.Add(time.Duration(s.rng.IntN(48)) * time.Hour)
	end := start.Add(time.Duration(1+s.rng.IntN(72)) * time.Hour)
	r := s.money("POST", "/v1/slots/"+sl.id+"/auctions", sl.com.token, fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q,"closesAt":%q}`,
		start.Format(time.RFC3339), end.Format(time.RFC3339), closes.Format(time.RFC3339)))
	h := fmt.Sprintf("u%d", len(s.x.auctions))
	s.record("auction %s %s closes +%s → %d %s%s", h, sl.com.handle, closes.Sub(s.at).Round(time.Minute), r.status, r.str("status"), r.why())
	if r.status == 201 {
		s.x.auctions = append(s.x.auctions, &auction{handle: h, id: r.str("id"), com: sl.com, reserve: sl.reserve, closesAt: closes})
	}
}

func (a *auction) bidderOf(adv *advertiser) *bidder {
	for _, b := range a.bidders {
		if b.adv == adv {
			return b
		}
	}
	b := &bidder{adv: adv}
	a.bidders = append(a.bidders, b)
	return b
}

func (b *bidder) saw(id string) {
	if id == "" {
		return
	}
	for _, x := range b.ids {
		if x == id {
			return
		}
	}
	b.ids = append(b.ids, id)
}

// bid: one to three advertisers bid on an auction (or withdraw).
func (s *Sim) bid() {
	// Mostly an auction still open; now and then one past its close.
	var open []*auction
	for _, a := range s.x.auctions {
		if s.at.Before(a.closesAt) {
			open = append(open, a)
		}
	}
	a := pickOf(s, s.x.auctions)
	if len(open) > 0 && s.rng.IntN(6) != 0 {
		a = pickOf(s, open)
	}
	for n := 1 + s.rng.IntN(3); n > 0; n-- {
		s.bidOn(a)
	}
}

func (s *Sim) bidOn(a *auction) {
	adv := pickOf(s, s.advertisers)
	b := a.bidderOf(adv)
	path := "/v1/auctions/" + a.id + "/bid"
	if len(b.ids) > 0 && s.rng.IntN(5) == 0 {
		r := s.send("DELETE", path+"?advertiserId="+adv.id, adv.token, "", "")
		b.saw(r.str("id"))
		s.record("withdraw %s on %s → %d %s%s", adv.handle, a.handle, r.status, r.str("status"), why(r))
		return
	}
	amount := a.reserve/2 + int64(s.rng.IntN(12))*a.reserve/2 // half the reserve to six times it
	if s.rng.IntN(8) == 0 {
		amount = 50_000 + int64(s.rng.IntN(5))*10_000 // beyond most wallets
	}
	r := s.money("PUT", path, adv.token, fmt.Sprintf(`{"advertiserId":%q,"amount":%d,"currency":"EUR","creative":{"imageUrl":"https://cdn.example/sim%d.png","clickUrl":"https://shop.example/sim","altText":"Sim"}}`,
		adv.id, amount, amount))
	b.saw(r.str("id"))
	s.record("bid %s on %s %d → %d %s%s", adv.handle, a.handle, amount, r.status, r.str("status"), why(r))
}

// Sponsorships: an owner's offering (made when the community has none,
// or now and then another); an advertiser books a date from the
// platform's clock; the owner and the sponsor take every decision.

func (s *Sim) book() {
	c := pickOf(s, s.communities)
	var offs []*offering
	for _, o := range s.x.offerings {
		if o.com == c {
			offs = append(offs, o)
		}
	}
	if len(offs) == 0 || len(offs) < 2 && s.rng.IntN(6) == 0 {
		amount := int64(500 + s.rng.IntN(10)*250)
		days := 3 + s.rng.IntN(8)
		capacity := 1 + s.rng.IntN(2)
		r := s.send("POST", "/v1/communities/"+c.id+"/offerings", c.token, fmt.Sprintf(`{"title":"Sim feature","format":%q,"amount":%d,"currency":"EUR","reviewDays":%d,"capacityPerDate":%d}`,
			pickOf(s, []string{"newsletter", "pinned_post", "dedicated_post"}), amount, days, capacity), "")
		h := fmt.Sprintf("%s.o%d", c.handle, len(offs))
		s.record("offering %s %d review %d days capacity %d → %d %s", h, amount, days, capacity, r.status, r.why())
		if r.status != 201 {
			return
		}
		o := &offering{id: r.str("id"), handle: h, com: c}
		s.x.offerings = append(s.x.offerings, o)
		offs = append(offs, o)
	}
	o := pickOf(s, offs)
	adv := pickOf(s, s.advertisers)
	date := s.at.AddDate(0, 0, 1+s.rng.IntN(14)).Format("2006-01-02")
	r := s.money("POST", "/v1/offerings/"+o.id+"/sponsorships", adv.token, fmt.Sprintf(`{"advertiserId":%q,"desiredDate":%q,"content":{"title":"Try Widgets","body":"Widgets make everything better.","link":"https://shop.example/w"}}`,
		adv.id, date))
	h := fmt.Sprintf("sp%d", len(s.x.spons))
	s.record("book %s %s by %s in %d days → %d %s%s", h, o.handle, adv.handle, dayDiff(s.at, date), r.status, r.str("status"), r.why())
	if r.status == 201 {
		sp := &sponsorship{handle: h, id: r.str("id"), off: o, adv: adv, status: r.str("status")}
		s.x.spons = append(s.x.spons, sp)
		// Owners often review a booking as it comes in (its review window
		// is days, and the clock moves in days).
		for n := s.rng.IntN(3); n > 0; n-- {
			s.decide(sp)
		}
	}
}

// why is a refusal's problem, with the state a 409 names.
func why(r reply) string {
	if st := r.str("state"); r.status == 409 && st != "" {
		return r.why() + " (" + st + ")"
	}
	return r.why()
}

// dayDiff is how many calendar days a date is after the clock's.
func dayDiff(at time.Time, date string) int {
	d, _ := time.Parse("2006-01-02", date)
	return int(d.Sub(time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)).Hours() / 24)
}

// review: the owner or the sponsor takes one to three decisions in a
// row, each one the sponsorship's state allows (now and then one it does
// not: 409 with the state).
func (s *Sim) review() {
	// Mostly one still in review or waiting to be published.
	var live []*sponsorship
	for _, sp := range s.x.spons {
		switch sp.status {
		case "pending_review", "changes_requested", "countered", "approved":
			live = append(live, sp)
		}
	}
	sp := pickOf(s, s.x.spons)
	if len(live) > 0 && s.rng.IntN(5) != 0 {
		sp = pickOf(s, live)
	}
	for n := 1 + s.rng.IntN(3); n > 0; n-- {
		s.decide(sp)
	}
}

func (s *Sim) decide(sp *sponsorship) {
	cur := s.send("GET", "/v1/sponsorships/"+sp.id, sp.adv.token, "", "")
	status := cur.str("status")
	sp.status = status
	owner, sponsor := sp.off.com.token, sp.adv.token
	type act struct{ name, token, body string }
	date := func() string { return s.at.AddDate(0, 0, 1+s.rng.IntN(14)).Format("2006-01-02") }
	var can []act
	switch status {
	case "pending_review":
		approve := ""
		if s.rng.IntN(3) == 0 {
			approve = fmt.Sprintf(`{"publishDate":%q}`, date())
		}
		can = []act{{"approve", owner, approve}, {"approve", owner, approve}, {"reject", owner, `{"reason":"Off topic for our readers"}`},
			{"request-changes", owner, `{"notes":"A shorter title, please"}`},
			{"propose", owner, fmt.Sprintf(`{"amount":%d,"date":%q,"notes":"That week is full"}`, 250+s.rng.IntN(12)*250, date())}, {"cancel", sponsor, ""}}
	case "changes_requested":
		can = []act{{"content", sponsor, `{"title":"Widgets","body":"Better widgets.","link":"https://shop.example/w2"}`}, {"cancel", sponsor, `{"note":"Never mind"}`}}
	case "countered":
		can = []act{{"accept-proposal", sponsor, ""}, {"accept-proposal", sponsor, ""}, {"decline-proposal", sponsor, `{"note":"Too much"}`}, {"cancel", sponsor, ""}}
	case "approved":
		can = []act{{"publish", owner, `{"url":"https://sim.example/posts/1"}`}, {"publish", owner, `{"url":"https://sim.example/posts/1"}`}, {"cancel", sponsor, ""}}
	}
	all := []act{{"approve", owner, ""}, {"reject", owner, `{"reason":"No"}`}, {"publish", owner, `{"url":"https://sim.example/posts/2"}`}, {"cancel", sponsor, ""},
		{"accept-proposal", sponsor, ""}, {"content", sponsor, `{"title":"Widgets","body":"Again.","link":"https://shop.example/w3"}`}}
	a := pickOf(s, all)
	if len(can) > 0 && s.rng.IntN(6) != 0 {
		a = pickOf(s, can)
	}
	method := "POST"
	if a.name == "content" {
		method = "PUT"
	}
	r := s.money(method, "/v1/sponsorships/"+sp.id+"/"+a.name, a.token, a.body)
	s.record("review %s %s %s → %d %s%s", sp.handle, status, a.name, r.status, r.str("status"), why(r))
	if r.status == 200 {
		sp.status = r.str("status")
	}
}

// Reported conversions: a shop (a community whose server reports its
// sales with its API key) funds a program on conversions, an influencer's
// deal is approved, sales are reported under its code (some twice, as a
// server retries), some refunded.

// newShop is a new community that reports sales. It is the products'
// own: the membership ops pick any program of s.communities for their
// deals, and a conversion program's code brings no member (referrals
// answers not_membership_deal), which their model does not expect.
func (s *Sim) newShop() *shop {
	uid, tok := s.user("shop")
	n := len(s.x.shops)
	r := s.send("POST", "/v1/communities", tok, fmt.Sprintf(`{"name":"Sim shop %d","url":"https://shop%d.example","currency":"EUR"}`, n, n), "")
	if r.status != 201 {
		s.record("shop → %d %s", r.status, r.why())
		return nil
	}
	sh := &shop{community: community{handle: fmt.Sprintf("s%d", n), token: tok, id: r.str("id")}, userID: uid}
	k := s.send("POST", "/v1/communities/"+sh.id+"/api-keys", tok, `{"name":"server"}`, "")
	if k.status != 201 {
		s.fail("a shop's API key: %d %s", k.status, k.body)
	}
	sh.key = k.str("secret")
	s.x.shops = append(s.x.shops, sh)
	s.saveCard(tok, "/v1/communities/"+sh.id, "4242424242424242")
	s.record("shop %s → %d", sh.handle, r.status)
	return sh
}

func (s *Sim) convProgram() {
	var sh *shop
	if len(s.x.shops) == 0 || s.rng.IntN(2) == 0 {
		if sh = s.newShop(); sh == nil {
			return
		}
	} else {
		sh = pickOf(s, s.x.shops)
	}
	path := "/v1/communities/" + sh.id
	// The budget comes from the shop's balance: a deposit first (on the
	// saved card, or on Checkout while Stripe has not said the card is
	// saved).
	amount := int64(5000 + s.rng.IntN(8)*1000)
	d := s.money("POST", path+"/deposits", sh.token, fmt.Sprintf(`{"amount":%d,"currency":"EUR"}`, amount))
	if u := d.str("checkoutUrl"); u != "" {
		if i := strings.Index(u, "/local/checkout/"); i >= 0 {
			if p := s.send("POST", u[i:], "", `{"card":"4242424242424242"}`, ""); p.status != 200 {
				s.fail("paying a deposit's Checkout: %d %s", p.status, p.body)
			}
			// The payer lands back on the deposit's page: it is credited.
			s.send("GET", "/v1/deposits/"+d.str("id"), sh.token, "", "")
		}
	}
	s.record("deposit %s %d → %d %s%s", sh.handle, amount, d.status, d.str("status"), d.why())
	budget := int64(2000 + s.rng.IntN(10)*500)
	bps := 500 + s.rng.IntN(4)*1000
	hold := []int{1, 3, 7}[s.rng.IntN(3)]
	p := s.money("POST", path+"/programs", sh.token, fmt.Sprintf(`{"name":"Sell widgets","currency":"EUR","on":"conversion","commission":{"type":"percent","bps":%d},`+
		`"attributionDays":30,"holdDays":%d,"budget":{"amount":%d,"currency":"EUR"}}`, bps, hold, budget))
	s.record("conv-program %s %d bps hold %d budget %d → %d %s", sh.handle, bps, hold, budget, p.status, p.why())
	if p.status != 201 {
		return
	}
	var inf *influencer
	if len(s.influencers) == 0 || s.rng.IntN(2) == 0 {
		id, tok := s.user("inf")
		inf = &influencer{handle: fmt.Sprintf("i%d", len(s.influencers)), userID: id, token: tok}
		s.influencers = append(s.influencers, inf)
	} else {
		inf = pickOf(s, s.influencers)
	}
	a := s.money("POST", "/v1/programs/"+p.str("id")+"/deals", inf.token, `{"pitch":"I review widgets"}`)
	if a.status != 201 {
		s.record("conv-deal %s %s → %d %s", sh.handle, inf.handle, a.status, a.why())
		return
	}
	ap := s.send("POST", "/v1/deals/"+a.str("id")+"/approve", sh.token, "", "")
	s.record("conv-deal %s %s → %d %s", sh.handle, inf.handle, ap.status, ap.why())
	if ap.status == 200 {
		sh.deals = append(sh.deals, convDeal{id: ap.str("id"), code: ap.str("code"), inf: inf})
	}
}

func (x *extra) anyShopDeal() bool {
	for _, sh := range x.shops {
		if len(sh.deals) > 0 {
			return true
		}
	}
	return false
}

// convert: the shop's server reports a sale under a deal's code (a new
// order, or one it reported before: the same answer, once); or refunds
// part or all of one (a reversal).
func (s *Sim) convert() {
	if len(s.x.convs) > 0 && s.rng.IntN(3) == 0 {
		s.reverse()
		return
	}
	var shops []*shop
	for _, sh := range s.x.shops {
		if len(sh.deals) > 0 {
			shops = append(shops, sh)
		}
	}
	sh := pickOf(s, shops)
	if len(sh.orders) > 0 && s.rng.IntN(5) == 0 {
		// The shop's server reports an order again (its answer was lost):
		// the same conversion, answered 200, nothing accrued twice.
		o := pickOf(s, sh.orders)
		r := s.send("POST", "/v1/conversions", sh.key, o.body, "")
		s.record("convert %s again %s → %d %s%s", sh.handle, o.conv.handle, r.status, r.str("status"), r.why())
		if r.status != 200 || r.str("id") != o.conv.id {
			s.fail("an order reported again answered %d (id %q), first 201 (id %q): %s", r.status, r.str("id"), o.conv.id, r.body)
		}
		return
	}
	d := pickOf(s, sh.deals)
	s.x.orders++
	ext := fmt.Sprintf("order-%s-%d", s.nonce, s.x.orders)
	amount := int64(1000 + s.rng.IntN(12)*500)
	customer := fmt.Sprintf("cust-%d", s.rng.IntN(12))
	code := d.code
	if s.rng.IntN(10) == 0 {
		code = "nosuchcode12"
	}
	body := fmt.Sprintf(`{"code":%q,"externalId":%q,"amount":%d,"currency":"EUR","customerId":%q}`, code, ext, amount, customer)
	r := s.send("POST", "/v1/conversions", sh.key, body, "")
	h := fmt.Sprintf("v%d", len(s.x.convs))
	s.record("convert %s %s %s %d %s → %d %s %s commission %d%s", h, sh.handle, d.inf.handle, amount, customer, r.status, r.str("status"), r.str("reason"), amt(r.json, "commission"), r.why())
	if r.status != 201 {
		return
	}
	c := &conversion{handle: h, id: r.str("id"), shop: sh, deal: d, amount: amount}
	s.x.convs = append(s.x.convs, c)
	sh.orders = append(sh.orders, order{ext: ext, body: body, conv: c})
}

func (s *Sim) reverse() {
	c := pickOf(s, s.x.convs)
	cur := s.send("GET", "/v1/conversions/"+c.id, c.shop.key, "", "")
	left := c.amount - cur.num("reversed")
	body := ""
	what := "all"
	if left > 1 && s.rng.IntN(2) == 0 {
		x := 1 + s.rng.Int64N(left)
		if s.rng.IntN(6) == 0 {
			x = left + 1 // more than is left: refused
		}
		body, what = fmt.Sprintf(`{"amount":%d}`, x), fmt.Sprint(x)
	}
	r := s.money("POST", "/v1/conversions/"+c.id+"/reverse", c.shop.key, body)
	s.record("reverse %s %s of %d (%s) → %d %s commission reversed %d clawback %d%s", c.handle, what, c.amount, cur.str("status"),
		r.status, r.str("status"), amt(r.json, "commissionReversed"), amt(r.json, "clawback"), r.why())
}

// amt is a money field's minor units.
func amt(j map[string]any, field string) int64 {
	m, _ := j[field].(map[string]any)
	v, _ := m["amount"].(float64)
	return int64(v)
}

// Disputes: a card holder disputes a deposit (its charge, on the local
// Stripe), and the dispute closes won or lost; Stripe's events come as the
// seed's faults say.

func (s *Sim) disputeOp() {
	var open []*dispute
	for _, d := range s.x.disputes {
		if d.closed == "" {
			open = append(open, d)
		}
	}
	if len(open) > 0 && s.rng.IntN(2) == 0 {
		d := pickOf(s, open)
		status := pickOf(s, []string{"won", "lost"})
		r := s.send("POST", "/local/stripe/disputes/"+d.id+"/close", "", fmt.Sprintf(`{"status":%q}`, status), "")
		s.record("dispute-close %s %s → %d %s", d.handle, status, r.status, r.why())
		if r.status == 200 {
			d.closed = status
		}
		return
	}
	n := s.rng.IntN(len(s.advertisers) + len(s.communities) + len(s.x.shops))
	var handle, path, token, account string
	switch {
	case n < len(s.advertisers):
		a := s.advertisers[n]
		handle, path, token, account = a.handle, "/v1/advertisers/"+a.id, a.token, a.id
	case n < len(s.advertisers)+len(s.communities):
		c := s.communities[n-len(s.advertisers)]
		handle, path, token, account = c.handle, "/v1/communities/"+c.id, c.token, c.id
	default:
		sh := s.x.shops[n-len(s.advertisers)-len(s.communities)]
		handle, path, token, account = sh.handle, "/v1/communities/"+sh.id, sh.token, sh.id
	}
	r := s.send("GET", path+"/deposits?limit=100", token, "", "")
	list, _ := r.json["data"].([]any)
	var deps []map[string]any
	for _, x := range list {
		if d, _ := x.(map[string]any); d["status"] == "succeeded" {
			deps = append(deps, d)
		}
	}
	if len(deps) == 0 {
		s.record("dispute %s: no deposit", handle)
		return
	}
	dep := deps[s.rng.IntN(len(deps))]
	depID, _ := dep["id"].(string)
	du := s.send("POST", "/local/stripe/disputes", "", fmt.Sprintf(`{"depositId":%q}`, depID), "")
	h := fmt.Sprintf("d%d", len(s.x.disputes))
	s.record("dispute %s %s %d → %d %s", h, handle, du.num("amount"), du.status, du.why())
	if du.status == 201 {
		s.x.disputes = append(s.x.disputes, &dispute{handle: h, id: du.str("id"), deposit: depID, payer: handle, token: token, account: account, amount: du.num("amount")})
	}
}

// Webhooks: an owner or an advertiser registers an endpoint for every
// event on the package's receiver, which keeps every delivery.

func (s *Sim) webhook() {
	type who struct{ handle, token, account string }
	var all []who
	for _, c := range s.communities {
		all = append(all, who{c.handle, c.token, c.id})
	}
	for _, a := range s.advertisers {
		all = append(all, who{a.handle, a.token, a.id})
	}
	for _, sh := range s.x.shops {
		all = append(all, who{sh.handle, sh.token, sh.id})
	}
	w := pickOf(s, all)
	for _, h := range s.x.hooks {
		if h.owner == w.handle {
			s.record("webhook %s: has one", w.handle)
			return
		}
	}
	h := &hook{handle: fmt.Sprintf("w%d", len(s.x.hooks)), owner: w.handle, token: w.token}
	h.path = fmt.Sprintf("/hooks/%s/%s", s.nonce, h.handle)
	r := s.money("POST", "/v1/webhooks", w.token, fmt.Sprintf(`{"url":%q,"events":["*"],"description":"sim"}`, receiver().url()+h.path))
	s.record("webhook %s %s → %d %s", h.handle, w.handle, r.status, r.why())
	if r.status != 201 {
		return
	}
	h.id, h.secret = r.str("id"), r.str("secret")
	h.created, _ = time.Parse(time.RFC3339Nano, r.str("createdAt"))
	// Whose events it may hear: the account's, and its owner's own.
	acc := "/v1/advertisers/"
	if strings.HasPrefix(w.account, "com_") {
		acc = "/v1/communities/"
	}
	own := s.send("GET", acc+w.account, w.token, "", "")
	h.ids = []string{w.account, own.str("ownerId")}
	s.x.hooks = append(s.x.hooks, h)
}

// hooks is the package's webhook receiver (one for every seed of the
// process: each endpoint has a path of its own), on loopback.
type hooks struct {
	srv *httptest.Server
	mu  sync.Mutex
	got map[string][]delivery // by path
}

type delivery struct {
	id, timestamp, signature string
	body                     []byte
}

var (
	recvOnce sync.Once
	recv     *hooks
)

func receiver() *hooks {
	recvOnce.Do(func() {
		recv = &hooks{got: map[string][]delivery{}}
		recv.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			recv.mu.Lock()
			recv.got[r.URL.Path] = append(recv.got[r.URL.Path], delivery{id: r.Header.Get("webhook-id"), timestamp: r.Header.Get("webhook-timestamp"),
				signature: r.Header.Get("webhook-signature"), body: body})
			recv.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}))
	})
	return recv
}

func (h *hooks) url() string { return h.srv.URL }

func (h *hooks) of(path string) []delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]delivery{}, h.got[path]...)
}

// signed says whether a delivery carries a Standard Webhooks signature
// by the secret.
func signed(d delivery, secret string) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(d.id + "." + d.timestamp + "." + string(d.body)))
	want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	for _, sig := range strings.Fields(d.signature) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return true
		}
	}
	return false
}

// eventIDs are the distinct events a hook received, checking each
// delivery: signed by its endpoint's secret, with a webhook-id, and about
// its owner (one of the ids its event names, by which the platform chose
// its audience, is the owner's account or the owner).
func (s *Sim) eventIDs(h *hook) map[string]bool {
	ids := map[string]bool{}
	for _, d := range receiver().of(h.path) {
		if d.id == "" || !signed(d, h.secret) {
			s.fail("webhook %s of %s: a delivery not signed by its secret (id %q, signature %q): %s", h.handle, h.owner, d.id, d.signature, d.body)
		}
		var env struct {
			Type      string          `json:"type"`
			Timestamp time.Time       `json:"timestamp"`
			Data      json.RawMessage `json:"data"`
		}
		var refs map[string]any
		if json.Unmarshal(d.body, &env) != nil || json.Unmarshal(env.Data, &refs) != nil {
			s.fail("webhook %s: a delivery that is not an event: %s", h.handle, d.body)
		}
		mine := false
		for _, k := range []string{"ownerId", "communityId", "advertiserId", "winnerAdvertiserId", "influencerId", "payerId", "userId"} {
			v, _ := refs[k].(string)
			for _, id := range h.ids {
				mine = mine || v != "" && v == id
			}
		}
		if k, _ := refs["communities"].([]any); len(k) > 0 {
			for _, x := range k {
				m, _ := x.(map[string]any)
				mine = mine || m["communityId"] == h.ids[0]
			}
		}
		if !mine {
			s.fail("webhook %s of %s heard an event of someone else's (%s): %s", h.handle, h.owner, env.Type, d.body)
		}
		if env.Timestamp.Before(h.created) {
			s.fail("webhook %s of %s (registered %s) heard %s, which occurred at %s, before it existed: %s",
				h.handle, h.owner, h.created.Format(time.RFC3339Nano), env.Type, env.Timestamp.Format(time.RFC3339Nano), d.body)
		}
		ev, _ := refs["eventId"].(string)
		if ev == "" {
			s.fail("webhook %s: an event without its eventId: %s", h.handle, d.body)
		}
		ids[ev] = true
	}
	return ids
}

// posting is one line of an account's ledger statement.
type posting struct {
	TransferID string `json:"transferId"`
	Kind       string `json:"kind"`
	Account    string `json:"account"`
	Available  int64  `json:"available"`
	Held       int64  `json:"held"`
	Pending    int64  `json:"pending"`
	Fee        int64  `json:"fee"`
}

// statement is all of an account's postings.
func (s *Sim) statement(token, accountID string) []posting {
	var out []posting
	cursor := ""
	for page := 0; page < 200; page++ {
		r := s.send("GET", "/v1/ledger/statement?limit=100&accountId="+accountID+"&cursor="+url.QueryEscape(cursor), token, "", "")
		if r.status != 200 {
			s.fail("the statement of %s: %d %s", accountID, r.status, r.body)
		}
		var p struct {
			Data       []posting `json:"data"`
			NextCursor string    `json:"nextCursor"`
		}
		if err := json.Unmarshal(r.body, &p); err != nil {
			s.fail("the statement of %s: %v", accountID, err)
		}
		out = append(out, p.Data...)
		if cursor = p.NextCursor; cursor == "" {
			return out
		}
	}
	s.fail("the statement of %s has more than 200 pages", accountID)
	return nil
}

// net is what a hold's (or a transfer family's) postings add up to: the
// postings whose transfer id is txf_<id>_…
type net struct {
	available, held, fee int64
	kinds                []string
}

func netOf(ps []posting, id string) net {
	var n net
	for _, p := range ps {
		if strings.HasPrefix(p.TransferID, "txf_"+id+"_") {
			n.available += p.Available
			n.held += p.Held
			n.fee += p.Fee
			n.kinds = append(n.kinds, strings.TrimPrefix(p.TransferID, "txf_"+id+"_"))
		}
	}
	return n
}

func (n net) count(suffix string) int {
	c := 0
	for _, k := range n.kinds {
		if k == suffix {
			c++
		}
	}
	return c
}

// check holds their invariants (every ten steps and at the end).
func (x *extra) check(s *Sim) {
	x.checkAuctions(s)
	x.checkSponsorships(s)
	x.checkConversions(s)
	x.checkDisputes(s)
	for _, h := range x.hooks {
		s.eventIDs(h)
	}
}

// checkAuctions: each bid's money is its hold while the auction is open
// (the current bid's, none of a withdrawn one's); at the close there is at
// most one winner, the one the auction names, and it alone paid: the
// clearing price, once (at least the reserve, at most its bid); every
// other hold came back whole; a cancelled auction took nothing.
func (x *extra) checkAuctions(s *Sim) {
	stmts := map[*advertiser][]posting{}
	for _, a := range x.auctions {
		r := s.send("GET", "/v1/auctions/"+a.id, "", "", "")
		status := r.str("status")
		winner := ""
		if w, ok := r.json["winner"].(map[string]any); ok {
			winner, _ = w["advertiserId"].(string)
		}
		price := amt(r.json, "clearingPrice")
		won := 0
		for _, b := range a.bidders {
			cur := s.send("GET", "/v1/auctions/"+a.id+"/bid?advertiserId="+b.adv.id, b.adv.token, "", "")
			if cur.status == 200 {
				b.saw(cur.str("id"))
			}
			if len(b.ids) == 0 {
				continue
			}
			if _, ok := stmts[b.adv]; !ok {
				stmts[b.adv] = s.statement(b.adv.token, b.adv.id)
			}
			var n net
			for _, id := range b.ids {
				m := netOf(stmts[b.adv], id)
				n.available, n.held = n.available+m.available, n.held+m.held
				n.kinds = append(n.kinds, m.kinds...)
			}
			bad := func(what string) {
				s.fail("auction %s (%s), bidder %s: %s: its bids' postings hold %d and took %d (%v); its bid %s; the auction %s",
					a.handle, status, b.adv.handle, what, n.held, -n.available, n.kinds, cur.body, r.body)
			}
			switch status {
			case "open", "closing":
				hold := amt(cur.json, "hold")
				if cur.str("status") != "active" {
					hold = 0
				}
				if n.held != hold || n.available != -hold {
					bad(fmt.Sprintf("an open auction's hold should be %d", hold))
				}
			case "closed":
				if cur.str("status") == "won" {
					won++
				}
				if b.adv.id == winner {
					if cur.str("status") != "won" || n.held != 0 || n.available != -price || price < a.reserve || price > cur.num("amount") {
						bad(fmt.Sprintf("the winner should have paid the clearing price %d once", price))
					}
				} else if n.held != 0 || n.available != 0 || cur.str("status") == "won" {
					bad("a loser should have been released whole")
				}
			case "cancelled":
				if n.held != 0 || n.available != 0 {
					bad("a cancelled auction should have released every hold")
				}
			default:
				bad("unknown status")
			}
		}
		if status == "closed" && (won > 1 || winner != "" && price <= 0) {
			s.fail("auction %s has %d winning bids: %s", a.handle, won, r.body)
		}
	}
}

// checkSponsorships: a sponsorship's price is held from its sponsor while
// it waits for a decision, captured once on approval (into the
// community's held balance, paid out less the fee on publication),
// released or refunded whole when it ends otherwise.
func (x *extra) checkSponsorships(s *Sim) {
	advs := map[*advertiser][]posting{}
	coms := map[*community][]posting{}
	for _, sp := range x.spons {
		r := s.send("GET", "/v1/sponsorships/"+sp.id, sp.adv.token, "", "")
		status, price := r.str("status"), r.num("amount")
		if _, ok := advs[sp.adv]; !ok {
			advs[sp.adv] = s.statement(sp.adv.token, sp.adv.id)
		}
		c := sp.off.com
		if _, ok := coms[c]; !ok {
			coms[c] = s.statement(c.token, c.id)
		}
		a, k := netOf(advs[sp.adv], sp.id), netOf(coms[c], sp.id)
		var wantHeld, wantPaid, comHeld, comGross int64
		switch status {
		case "pending_review", "changes_requested", "countered":
			wantHeld, wantPaid = price, price
		case "approved":
			wantPaid, comHeld = price, price
		case "published":
			wantPaid, comGross = price, price
		case "rejected", "cancelled", "expired":
		default:
			s.fail("sponsorship %s: status %q: %s", sp.handle, status, r.body)
		}
		if a.held != wantHeld || -a.available != wantPaid || k.held != comHeld || k.available+k.fee != comGross ||
			a.count("capture") > 1 || a.count("release") > 1 || a.count("capture")+a.count("release") > 1 {
			s.fail("sponsorship %s %s at %d: the sponsor's postings hold %d and took %d (%v), the community's hold %d and paid %d+%d fee (%v); want %d, %d, %d and %d",
				sp.handle, status, price, a.held, -a.available, a.kinds, k.held, k.available, k.fee, k.kinds, wantHeld, wantPaid, comHeld, comGross)
		}
	}
}

// checkConversions: a conversion's refunds never pass its amount, what its
// commission lost to them never passes the commission, and the budget got
// back, through the ledger, exactly what was reversed before it cleared
// (the rest is a clawback): a reversal is applied once.
func (x *extra) checkConversions(s *Sim) {
	shops := map[*shop][]posting{}
	for _, c := range x.convs {
		r := s.send("GET", "/v1/conversions/"+c.id, c.shop.key, "", "")
		if _, ok := shops[c.shop]; !ok {
			shops[c.shop] = s.statement(c.shop.token, c.shop.id)
		}
		var back int64
		for _, p := range shops[c.shop] {
			if strings.Contains(p.TransferID, "_"+c.id+"_rev_") || strings.HasPrefix(p.TransferID, "txf_"+c.id+"_rev_") {
				back += p.Available + p.Held
			}
		}
		commission, reversed := amt(r.json, "commission"), r.num("reversed")
		crev, claw := amt(r.json, "commissionReversed"), amt(r.json, "clawback")
		full := reversed == c.amount && r.str("status") == "reversed" || reversed < c.amount && r.str("status") != "reversed" || r.str("status") == "no_commission"
		if r.status != 200 || reversed > c.amount || crev > commission || claw > crev || back != crev-claw || !full {
			s.fail("conversion %s: amount %d, %d refunded; commission %d, %d reversed (%d clawed back); the budget got %d back through the ledger: %s",
				c.handle, c.amount, reversed, commission, crev, claw, back, r.body)
		}
	}
}

// checkDisputes: a dispute takes the money from its payer once (its
// opening) and, lost, never again; won, it gives back at most what it took.
func (x *extra) checkDisputes(s *Sim) {
	stmts := map[string][]posting{}
	for _, d := range x.disputes {
		if _, ok := stmts[d.account]; !ok {
			stmts[d.account] = s.statement(d.token, d.account)
		}
		n := netOf(stmts[d.account], d.id)
		opened, won, lost := n.count("opened"), n.count("won"), n.count("lost")
		var took, back int64
		for _, p := range stmts[d.account] {
			switch p.TransferID {
			case "txf_" + d.id + "_opened":
				took -= p.Available
			case "txf_" + d.id + "_won":
				back += p.Available
			}
		}
		if opened > 1 || won > 1 || lost > 0 || won > 0 && d.closed != "won" || took < 0 || took > d.amount || back < 0 || back > d.amount {
			s.fail("dispute %s of %s (%d, closed %q): the payer's postings %v took %d and gave back %d", d.handle, d.payer, d.amount, d.closed, n.kinds, took, back)
		}
	}
}

// state is what they made, in a fixed order, for the trace's end and for
// the replay of every event (consumersConverge).
func (x *extra) state(s *Sim) []string {
	var out []string
	for _, sh := range x.shops {
		r := s.send("GET", "/v1/communities/"+sh.id+"/balance", sh.token, "", "")
		out = append(out, fmt.Sprintf("balance %s %s", sh.handle, money(r.json)))
	}
	handle := func(advID string) string {
		for _, a := range s.advertisers {
			if a.id == advID {
				return a.handle
			}
		}
		if advID == "" {
			return "-"
		}
		return "?"
	}
	for _, a := range x.auctions {
		r := s.send("GET", "/v1/auctions/"+a.id, "", "", "")
		winner := ""
		if w, ok := r.json["winner"].(map[string]any); ok {
			winner, _ = w["advertiserId"].(string)
		}
		out = append(out, fmt.Sprintf("auction %s of %s: %s winner %s price %d bids %d", a.handle, a.com.handle, r.str("status"), handle(winner), amt(r.json, "clearingPrice"), r.num("bids")))
	}
	for _, sp := range x.spons {
		r := s.send("GET", "/v1/sponsorships/"+sp.id, sp.adv.token, "", "")
		h, _ := r.json["history"].([]any)
		out = append(out, fmt.Sprintf("sponsorship %s of %s by %s: %s %d version %d history %d", sp.handle, sp.off.handle, sp.adv.handle, r.str("status"), r.num("amount"), r.num("version"), len(h)))
	}
	for _, c := range x.convs {
		r := s.send("GET", "/v1/conversions/"+c.id, c.shop.key, "", "")
		out = append(out, fmt.Sprintf("conversion %s of %s by %s: %s %s %d commission %d reversed %d commission reversed %d clawback %d", c.handle, c.shop.handle, c.deal.inf.handle,
			r.str("status"), r.str("reason"), c.amount, amt(r.json, "commission"), r.num("reversed"), amt(r.json, "commissionReversed"), amt(r.json, "clawback")))
	}
	for _, d := range x.disputes {
		r := s.send("GET", "/v1/deposits/"+d.deposit, d.token, "", "")
		out = append(out, fmt.Sprintf("dispute %s of %s %d closed %q: deposit %s disputed %v", d.handle, d.payer, d.amount, d.closed, r.str("status"), r.json["disputed"]))
	}
	for _, h := range x.hooks {
		out = append(out, fmt.Sprintf("webhook %s of %s: %d events", h.handle, h.owner, len(s.eventIDs(h))))
	}
	return out
}
