package sim

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/tests/harness"
)

// check holds the invariants after a step:
//   - the ledger verifies (every transfer's legs sum to zero, so money in
//     from outside less money out is the sum of all balances; each balance
//     is its postings; no owner's balance is negative; each hold is held
//     or settled by exactly one capture or release);
//   - every ten steps, and at the end: each membership period is charged
//     at most once, and each deal lists the members who joined with its
//     code first and all their payments.
func (s *Sim) check() {
	s.t.Helper()
	r := s.send("GET", "/local/ledger/verify", "", "", "")
	if ok, _ := r.json["ok"].(bool); r.status != 200 || !ok {
		s.fail("the ledger does not verify: %s", r.body)
	}
	if s.step%10 == 0 {
		s.periodsChargedOnce()
		s.referralsSeeEveryPayment()
		s.campaignsWithinBudget()
		s.madeOnce()
		s.x.check(s)
	}
}

// periodsChargedOnce: no membership has two payments (first or renewal)
// for one period.
func (s *Sim) periodsChargedOnce() {
	for _, m := range s.members {
		if m.membership == "" {
			continue
		}
		r := s.send("GET", "/v1/memberships/"+m.membership, m.token, "", "")
		pays, _ := r.json["payments"].([]any)
		seen := map[string]bool{}
		for _, p := range pays {
			pm, _ := p.(map[string]any)
			if pm["kind"] == "upgrade" {
				continue
			}
			start, _ := pm["periodStart"].(string)
			if seen[start] {
				s.fail("membership of %s was charged twice for the period from %s: %s", m.handle, start, r.body)
			}
			seen[start] = true
		}
	}
}

// windDown ends the seed's workload as its people would: Stripe's last
// events arrive, the rail mends, every membership is canceled and runs
// out, a year and more passes (every hold clears, every retry is spent),
// dead letters are redriven; then the invariants hold once more, nothing
// is left dead, and the trace ends with every account's money.
func (s *Sim) windDown() {
	s.op = "wind-down"
	harness.Platform.Rail.FailNext(0, "decline")
	s.deliverStripe(true)
	s.settle()
	// A month more of renewals (trials end, referred members pay), then
	// everyone leaves.
	s.advance(35 * 24 * time.Hour)
	s.deliverStripe(true)
	s.settle()
	for _, m := range s.members {
		if m.live {
			s.send("POST", "/v1/memberships/"+m.membership+"/cancel", m.token, "", "")
		}
	}
	for i := 0; i < 4; i++ {
		s.advance(100 * 24 * time.Hour)
		s.deliverStripe(true)
		s.settle()
	}
	if n := harness.Platform.Bus.Redrive(); n > 0 {
		s.record("redrove %d dead letters", n)
		s.settle()
	}
	if dead := harness.Platform.Bus.DeadLetters(); len(dead) > 0 {
		var why []string
		for _, d := range dead {
			why = append(why, d.Rule+" "+d.Event.DetailType+": "+d.Error)
		}
		s.fail("%d events never reached their consumers, redriven once the rail mended:\n  %s", len(dead), strings.Join(why, "\n  "))
	}
	s.check()
	s.periodsChargedOnce()
	s.referralsSeeEveryPayment()
	s.campaignsWithinBudget()
	s.madeOnce()
	s.x.check(s)
	s.providerAgrees()
	before := s.state()
	s.consumersConverge(before)
	for _, line := range before {
		s.record("%s", line)
	}
}

// madeOnce: each request that made an object made one, however often it
// ran (asked again after its function stopped mid-way, or its answer was
// lost): each community lists the programs, each advertiser the campaigns
// and bookings, and the auctions list each community's auctions, that the
// model was told were made, and no more.
func (s *Sim) madeOnce() {
	count := func(path, token string) int {
		r := s.send("GET", path, token, "", "")
		list, _ := r.json["data"].([]any)
		if r.status != 200 {
			s.fail("listing %s: %d %s", path, r.status, r.body)
		}
		return len(list)
	}
	for _, c := range s.communities {
		if n := count("/v1/communities/"+c.id+"/programs?limit=100", c.token); n != c.programs {
			s.fail("%s lists %d programs; it made %d", c.handle, n, c.programs)
		}
		made := 0
		for _, a := range s.x.auctions {
			if a.com == c {
				made++
			}
		}
		if n := count("/v1/auctions?communityId="+c.id+"&limit=100", ""); n != made {
			s.fail("%s has %d auctions; it opened %d", c.handle, n, made)
		}
	}
	for _, a := range s.advertisers {
		if n := count("/v1/advertisers/"+a.id+"/campaigns?limit=100", a.token); n != len(a.campaigns) {
			s.fail("%s lists %d campaigns; it made %d", a.handle, n, len(a.campaigns))
		}
		booked := 0
		for _, sp := range s.x.spons {
			if sp.adv == a {
				booked++
			}
		}
		if n := count("/v1/advertisers/"+a.id+"/sponsorships?limit=100", a.token); n != booked {
			s.fail("%s lists %d bookings; it booked %d", a.handle, n, booked)
		}
	}
}

// providerAgrees: Souq's books agree with the payment provider's own
// records (the local Stripe's), once everything has settled: the money
// cards paid, less what was refunded to them and what disputes took back,
// is what Souq's books say came in from outside (external:deposits, less
// what it holds for open disputes), so that no deposit or membership
// payment was credited twice or not at all; and what Stripe transferred to
// connected accounts is what Souq's books say it paid out
// (external:payouts), so that no payout was paid twice or lost.
func (s *Sim) providerAgrees() {
	p := harness.Platform
	ctx := context.Background()
	t := p.Stripe.Totals("EUR")
	bal := func(a ledger.Account) int64 {
		b, err := p.LedgerBalance(ctx, a, "EUR")
		if err != nil {
			s.fail("the ledger's %s: %v", a, err)
		}
		return b.Available
	}
	in, disputed, out := -bal(ledger.ExternalDeposits), bal(ledger.PlatformDisputes), bal(ledger.ExternalPayouts)
	if stripe := t.Charged - t.Refunded - t.Disputed; stripe != in-disputed {
		s.fail("Stripe kept %d (charged %d, refunded %d, disputed %d); Souq's books say %d came in (external:deposits %d, open disputes %d)",
			stripe, t.Charged, t.Refunded, t.Disputed, in-disputed, in, disputed)
	}
	if t.Transferred != out {
		s.fail("Stripe transferred %d to connected accounts; Souq's books say %d was paid out", t.Transferred, out)
	}
}

// state is every account's money, every membership's status and
// payments, and what each deal saw, in a fixed order.
func (s *Sim) state() []string {
	var out []string
	for _, c := range s.communities {
		r := s.send("GET", "/v1/communities/"+c.id+"/balance", c.token, "", "")
		out = append(out, fmt.Sprintf("balance %s %s", c.handle, money(r.json)))
	}
	for _, a := range s.advertisers {
		r := s.send("GET", "/v1/advertisers/"+a.id+"/balance", a.token, "", "")
		out = append(out, fmt.Sprintf("balance %s %s", a.handle, money(r.json)))
	}
	for _, i := range s.influencers {
		r := s.send("GET", "/v1/me/earnings", i.token, "", "")
		out = append(out, fmt.Sprintf("earnings %s %s", i.handle, strings.TrimSpace(string(r.body))))
	}
	for _, m := range s.members {
		if m.membership == "" {
			continue
		}
		r := s.send("GET", "/v1/memberships/"+m.membership, m.token, "", "")
		pays, _ := r.json["payments"].([]any)
		out = append(out, fmt.Sprintf("membership %s %s %s payments %d", m.handle, r.str("status"), r.str("endedReason"), len(pays)))
	}
	for _, c := range s.communities {
		for _, d := range c.deals {
			// Each member as the deal sees them, without their pseudonym
			// or times (the trace has no ids or clock readings).
			r := s.send("GET", "/v1/deals/"+d.id+"/members?limit=100", c.token, "", "")
			list, _ := r.json["data"].([]any)
			var rows []string
			for _, x := range list {
				mv, _ := x.(map[string]any)
				rows = append(rows, fmt.Sprintf("%v %v %v payments %v paid %v refunded %v commission %v reversed %v", mv["status"], mv["tierName"], mv["interval"],
					mv["payments"], amountOf(mv["paid"]), amountOf(mv["refunded"]), amountOf(mv["commission"]), amountOf(mv["commissionReversed"])))
			}
			out = append(out, fmt.Sprintf("deal %s of %s: %s", d.influencer, c.handle, strings.Join(rows, "; ")))
		}
	}
	for _, a := range s.advertisers {
		for _, id := range a.campaigns {
			r := s.send("GET", "/v1/campaigns/"+id, a.token, "", "")
			out = append(out, fmt.Sprintf("campaign of %s: %s spent %v impressions %v clicks %v", a.handle, r.str("status"), amountOf(r.json["spent"]), r.json["impressions"], r.json["clicks"]))
		}
	}
	return append(out, s.x.state(s)...)
}

// consumersConverge: every event of the seed is delivered once more to
// every consumer (as an operator replays EventBridge's archive), and
// nothing changes: each consumer is idempotent, whatever the faults let
// through while the seed ran.
func (s *Sim) consumersConverge(before []string) {
	n := harness.Platform.Bus.Replay(s.mark)
	s.settle()
	s.check()
	after := s.state()
	for i := range before {
		if i >= len(after) || after[i] != before[i] {
			got := "(nothing)"
			if i < len(after) {
				got = after[i]
			}
			s.fail("the seed's %d events delivered once more changed what the consumers made:\n  before: %s\n  after:  %s", n, before[i], got)
		}
	}
	s.record("the seed's events replayed: nothing changed")
}

// referralsSeeEveryPayment: each deal lists exactly the members whose
// first membership referrals heard of (one that started, or ended at
// Checkout: a lead) was joined with its code, and as many payments of theirs as their
// memberships took (every payment of an attributed membership is a
// conversion, earning or not): referrals' view of the members converges
// with memberships' own, however the events came.
func (s *Sim) referralsSeeEveryPayment() {
	type seen struct {
		code     string
		payments int64
		joins    []string // each membership's id and status, for a failure's report
	}
	// Each member's attribution and payments, as memberships says.
	model := map[*member]seen{}
	for _, m := range s.members {
		var v seen
		started := false
		for _, j := range m.joins {
			r := s.send("GET", "/v1/memberships/"+j.id, m.token, "", "")
			pays, _ := r.json["payments"].([]any)
			v.payments += int64(len(pays))
			v.joins = append(v.joins, fmt.Sprintf("%s %s %q %d", j.id, r.str("status"), j.code, len(pays)))
			// Referrals hears of a membership from its first event: it
			// started, or its Checkout was declined or expired (a lead).
			if !started && r.str("status") != "incomplete" {
				started, v.code = true, j.code
			}
		}
		if started {
			model[m] = v
		}
	}
	// Reading a membership as its member is their return from Stripe's
	// page: it may start or end one whose Checkout completed or expired
	// while Stripe's own event is late. What that sets off reaches
	// referrals as events do.
	s.settle()
	for _, c := range s.communities {
		for _, d := range c.deals {
			var members, payments int64
			var who []string
			for _, m := range s.members {
				if v, ok := model[m]; ok && m.com == c && v.code == d.code {
					members++
					payments += v.payments
					who = append(who, m.handle+": "+strings.Join(v.joins, ", "))
				}
			}
			r := s.send("GET", "/v1/deals/"+d.id+"/members?limit=100", c.token, "", "")
			list, _ := r.json["data"].([]any)
			var listed int64
			for _, x := range list {
				mv, _ := x.(map[string]any)
				n, _ := mv["payments"].(float64)
				listed += int64(n)
			}
			if int64(len(list)) != members || listed != payments {
				s.fail("deal %s of %s lists %d members and %d payments; %d members' first membership past Checkout was joined with its code, and they paid %d times (%s): %s",
					d.code, c.handle, len(list), listed, members, payments, strings.Join(who, "; "), r.body)
			}
			if s.step > s.steps {
				s.record("deal %s of %s: %d members, %d payments", d.influencer, c.handle, members, payments)
			}
		}
	}
}

// campaignsWithinBudget: no campaign spent past its budget, and what
// remains is its budget less what it spent.
func (s *Sim) campaignsWithinBudget() {
	for _, a := range s.advertisers {
		for _, id := range a.campaigns {
			r := s.send("GET", "/v1/campaigns/"+id, a.token, "", "")
			amt := func(field string) int64 {
				m, _ := r.json[field].(map[string]any)
				v, _ := m["amount"].(float64)
				return int64(v)
			}
			budget, spent, remaining := amt("budget"), amt("spent"), amt("remaining")
			if spent > budget || spent < 0 || r.str("status") == "active" && remaining != budget-spent {
				s.fail("campaign of %s: budget %d, spent %d, remaining %d: %s", a.handle, budget, spent, remaining, r.body)
			}
			// Each UTC day's spend is within the day's cap, and the days
			// add up to what it spent.
			// (Campaigns here run at most ten days: the report's window,
			// at most 366 days, is the campaign's.)
			from, to := r.str("start"), r.str("end")
			rep := s.send("GET", "/v1/campaigns/"+id+"/report?from="+from[:min(10, len(from))]+"&to="+to[:min(10, len(to))], a.token, "", "")
			days := map[string]int64{}
			var sum int64
			rows, _ := rep.json["rows"].([]any)
			for _, x := range rows {
				row, _ := x.(map[string]any)
				day, _ := row["day"].(string)
				sp, _ := row["spend"].(map[string]any)
				v, _ := sp["amount"].(float64)
				days[day] += int64(v)
				sum += int64(v)
			}
			if rep.status != 200 || sum != spent {
				s.fail("campaign of %s: its report's days add up to %d, it spent %d: %d %s", a.handle, sum, spent, rep.status, rep.body)
			}
			// What was seen is counted once: never more than people sent
			// (a count written twice is an impression charged twice).
			seen, _ := r.json["impressions"].(float64)
			clicked, _ := r.json["clicks"].(float64)
			if b := s.beacons[id]; int64(seen) > 0 && (b == nil || int64(seen) > b[0]) || int64(clicked) > 0 && (b == nil || int64(clicked) > b[1]) {
				sent := [2]int64{}
				if b != nil {
					sent = *b
				}
				s.fail("campaign of %s counts %v impressions and %v clicks; people sent %d view beacons and %d clicks: %s", a.handle, seen, clicked, sent[0], sent[1], r.body)
			}
			if dayCap := a.caps[id]; dayCap > 0 {
				for day, v := range days {
					if v > dayCap {
						s.fail("campaign of %s spent %d on %s, past its day's cap of %d: %s", a.handle, v, day, dayCap, rep.body)
					}
				}
			}
		}
	}
}

// amountOf is a Money's amount.
func amountOf(v any) any {
	m, _ := v.(map[string]any)
	return m["amount"]
}

// money is a balance's figures in a fixed order.
func money(b map[string]any) string {
	var out []string
	for _, k := range []string{"available", "held", "inTransit", "debt"} {
		if v, ok := b[k]; ok {
			out = append(out, fmt.Sprintf("%s=%v", k, v))
		}
	}
	return strings.Join(out, " ")
}
