package sim

import (
	"fmt"
	"strings"
	"time"

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
	for _, c := range s.communities {
		r := s.send("GET", "/v1/communities/"+c.id+"/balance", c.token, "", "")
		s.record("balance %s %s", c.handle, money(r.json))
	}
	for _, a := range s.advertisers {
		r := s.send("GET", "/v1/advertisers/"+a.id+"/balance", a.token, "", "")
		s.record("balance %s %s", a.handle, money(r.json))
	}
	for _, i := range s.influencers {
		r := s.send("GET", "/v1/me/earnings", i.token, "", "")
		s.record("earnings %s %s", i.handle, strings.TrimSpace(string(r.body)))
	}
	for _, m := range s.members {
		if m.membership == "" {
			continue
		}
		r := s.send("GET", "/v1/memberships/"+m.membership, m.token, "", "")
		pays, _ := r.json["payments"].([]any)
		s.record("membership %s %s %s payments %d", m.handle, r.str("status"), r.str("endedReason"), len(pays))
	}
}

// referralsSeeEveryPayment: each deal lists exactly the members who
// first joined with its code, and as many payments of theirs as
// memberships took (every payment of an attributed membership is a
// conversion, earning or not): referrals' view of the members converges
// with memberships' own, however the events came.
func (s *Sim) referralsSeeEveryPayment() {
	for _, c := range s.communities {
		for _, d := range c.deals {
			var members, payments int64
			for _, m := range s.members {
				if m.com != c || !m.joined || m.firstCode != d.code {
					continue
				}
				members++
				for _, id := range m.memberships {
					r := s.send("GET", "/v1/memberships/"+id, m.token, "", "")
					pays, _ := r.json["payments"].([]any)
					payments += int64(len(pays))
				}
			}
			r := s.send("GET", "/v1/deals/"+d.id+"/members?limit=100", c.token, "", "")
			list, _ := r.json["data"].([]any)
			var seen int64
			for _, x := range list {
				mv, _ := x.(map[string]any)
				n, _ := mv["payments"].(float64)
				seen += int64(n)
			}
			if int64(len(list)) != members || seen != payments {
				s.fail("deal %s of %s lists %d members and %d payments; %d members joined with its code first, and paid %d times: %s",
					d.code, c.handle, len(list), seen, members, payments, r.body)
			}
			if s.step > s.steps {
				s.record("deal %s of %s: %d members, %d payments", d.influencer, c.handle, members, payments)
			}
		}
	}
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
