package referrals_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"pgregory.net/rapid"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	rf "github.com/souqhq/souq/shared/referrals"
	"github.com/souqhq/souq/shared/store/storetest"
)

// newMemberWorld is a world whose program pays on memberships: terms, a
// budget, a hold and the months that earn (nil: as long as it lasts).
func newMemberWorld(t testing.TB, budget int64, terms rf.CommissionInput, holdDays int, months *int) *world {
	t.Helper()
	w := newWorld(t, 0, terms, holdDays)
	// Enough in the community for any budget.
	op, _ := w.ledger.Prepare(ledger.Transfer{ID: "txf_dep_more", Kind: "deposit", Currency: "USD", At: t0,
		Legs: []ledger.Leg{{Account: ledger.ExternalDeposits, Available: -budget}, {Account: ledger.Community("com_1"), Available: budget}}})
	if err := w.ledger.Apply(context.Background(), op); err != nil {
		t.Fatal(err)
	}
	in := rf.ProgramInput{Name: ptr("Bring a member"), Currency: ptr("USD"), Commission: &terms, AttributionDays: ptr(30), HoldDays: ptr(holdDays),
		MinimumPayout: &money.Amount{Minor: 1_000, Currency: "USD"}, Budget: &money.Amount{Minor: budget, Currency: "USD"}, On: ptr("membership"),
		Months: rf.OptionalInt{Set: true, Value: months}}
	p, err := w.svc.CreateProgram(context.Background(), w.owner, "com_1", in)
	if err != nil {
		t.Fatal(err)
	}
	w.program = p
	return w
}

// joiner is a person's membership as memberships' events describe it.
type joiner struct {
	w       *world
	m       events.Membership
	version int
	seq     int
}

func (w *world) joiner(userID, code string, joined time.Time, trialDays int) *joiner {
	paidFrom := joined.AddDate(0, 0, trialDays)
	return &joiner{w: w, m: events.Membership{MembershipID: "mem_" + userID, CommunityID: "com_1", OwnerID: "usr_owner", UserID: userID,
		TierID: "tier_supporter", TierName: "Supporter", Interval: "month", Amount: 500, Currency: "USD", Status: "trialing",
		CurrentPeriodEnd: clock.Format(paidFrom), JoinedAt: clock.Format(joined), PaidFrom: clock.Format(paidFrom), ReferralCode: code}}
}

func (j *joiner) meta() events.Meta {
	j.seq++
	return events.Meta{EventID: fmt.Sprintf("evt_%s_%d", j.m.MembershipID, j.seq)}
}

func (j *joiner) next(status string) events.Membership {
	j.version++
	m := j.m
	m.Status, m.Version = status, j.version
	return m
}

// payment is the nth payment (from 0) of a monthly membership: its period.
func (j *joiner) payment(n int, kind string, amount int64) events.MembershipPayment {
	from := clock.Parse(j.m.PaidFrom)
	return events.MembershipPayment{PaymentID: fmt.Sprintf("mpay_%s_%d_%s", j.m.MembershipID, n, kind), Kind: kind, Amount: amount,
		Share: amount * 95 / 100, Fee: amount - amount*95/100, PeriodStart: clock.Format(from.AddDate(0, n, 0)), PeriodEnd: clock.Format(from.AddDate(0, n+1, 0))}
}

func (j *joiner) started() events.Event {
	return &events.MembershipStarted{Meta: j.meta(), Membership: j.next("trialing")}
}

func (j *joiner) renewed(p events.MembershipPayment) events.Event {
	return &events.MembershipRenewed{Meta: j.meta(), Membership: j.next("active"), Payment: p}
}

func (j *joiner) upgraded(p events.MembershipPayment) events.Event {
	return &events.MembershipChanged{Meta: j.meta(), Membership: j.next("active"), FromTierID: "tier_supporter", ToTierID: "tier_patron", Payment: &p}
}

func (j *joiner) refunded(p events.MembershipPayment, refundID string, amount int64) events.Event {
	return &events.MembershipPaymentRefunded{Meta: j.meta(), Membership: j.next("active"), PaymentID: p.PaymentID, RefundID: refundID, Amount: amount, Payment: p}
}

func (j *joiner) ended() events.Event {
	return &events.MembershipEnded{Meta: j.meta(), Membership: j.next("ended"), Reason: "canceled"}
}

// deliver hands an event to referrals as the bus would.
func (w *world) deliver(ev events.Event) error {
	d, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return w.svc.HandleEvent(context.Background(), lambdaevents.EventBridgeEvent{DetailType: ev.DetailType(), Source: ev.Source(), Detail: d})
}

func (w *world) mustDeliver(evs ...events.Event) {
	w.t.Helper()
	for _, ev := range evs {
		if err := w.deliver(ev); err != nil {
			w.t.Fatalf("%s: %v", ev.DetailType(), err)
		}
	}
}

func (w *world) conversions(dealID string) []rf.ConversionView {
	w.t.Helper()
	var out []rf.ConversionView
	cursor := ""
	for {
		page, next, err := w.svc.DealConversions(context.Background(), w.influencer, dealID, 100, cursor)
		if err != nil {
			w.t.Fatal(err)
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		cursor = next
	}
}

func (w *world) members(dealID string) []rf.MemberView {
	w.t.Helper()
	ms, _, err := w.svc.Members(context.Background(), w.influencer, dealID, 100, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return ms
}

// A member who joined through the deal: each payment is a conversion,
// once however often its event comes; the months that earn end; a refund
// within the hold takes its commission back to the budget, and after
// clearing it is owed; the influencer sees a pseudonym, never the person.
func TestMemberReferrals_EveryPaymentEarnsWithinTheMonths(t *testing.T) {
	t.Parallel()
	w := newMemberWorld(t, 100_000, pct20, 30, ptr(3))
	d := w.deal(w.influencer, "gophers")
	if d.Terms == nil || d.Terms.On != rf.OnMembership || d.Terms.Months == nil || *d.Terms.Months != 3 {
		t.Fatalf("the deal's terms: %+v", d.Terms)
	}
	// The deal's link lands on the community's join page, carrying the code.
	to, err := w.svc.Click(context.Background(), "gophers", "203.0.113.9", "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0", "")
	if u, _ := url.Parse(to); err != nil || u.Host != "souq.test" || u.Path != "/console/c/com_1/join" || u.Query().Get("ref") != "gophers" ||
		u.Query().Get("click") == "" {
		t.Fatalf("the link lands on %s (%v)", to, err)
	}
	// The code's public facts, for the join page.
	cv, err := w.svc.LookupCode(context.Background(), " Gophers")
	if err != nil || cv != (rf.CodeView{Code: "gophers", CommunityID: "com_1", On: rf.OnMembership, AttributionDays: 30, Active: true}) {
		t.Fatalf("the code: %+v %v", cv, err)
	}
	if _, err := w.svc.LookupCode(context.Background(), "nosuchcode"); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("an unknown code: %v", err)
	}
	j := w.joiner("usr_ann", "GOPHERS", t0, 14)
	p0, p1, p2, p3 := j.payment(0, "renewal", 500), j.payment(1, "renewal", 500), j.payment(2, "renewal", 500), j.payment(3, "renewal", 500)
	w.mustDeliver(j.started(), j.renewed(p0), j.renewed(p0), j.renewed(p1))
	up := j.payment(1, "upgrade", 250)
	w.mustDeliver(j.upgraded(up), j.renewed(p2), j.renewed(p3), j.renewed(p3))
	cs := w.conversions(d.ID)
	if len(cs) != 5 {
		t.Fatalf("%d conversions, want 5 (four renewals and an upgrade, each once): %+v", len(cs), cs)
	}
	earned := map[string]rf.ConversionView{}
	for _, c := range cs {
		earned[c.ExternalID] = c
		if c.Source != rf.SourceMembership || c.Payment == nil || c.CustomerID == "usr_ann" || c.CustomerID[:4] != "mbr_" {
			t.Fatalf("a member's payment as the influencer sees it: %+v", c)
		}
	}
	for pay, want := range map[string]int64{p0.PaymentID: 100, p1.PaymentID: 100, up.PaymentID: 50, p2.PaymentID: 100, p3.PaymentID: 0} {
		if got := earned[pay].Commission.Minor; got != want {
			t.Fatalf("%s earned %d, want %d", pay, got, want)
		}
	}
	if c := earned[p3.PaymentID]; c.Status != rf.NoCommission || c.Reason != string(rf.ReasonMonthsPassed) {
		t.Fatalf("the fourth month: %+v", c)
	}
	// A refund of half of the second month, within the hold, twice.
	half := j.refunded(p1, "mrf_1", 250)
	w.mustDeliver(half, half)
	if got := w.bal(ledger.Influencer("usr_inf")); got.Pending != 300 {
		t.Fatalf("pending after the refund: %+v, want 350-50", got)
	}
	// Cleared after 30 days; then a refund of the first month is owed back.
	w.clock.Advance(31 * 24 * time.Hour)
	w.runDue()
	if got := w.bal(ledger.Influencer("usr_inf")); got.Pending != 0 || got.Available != 300 {
		t.Fatalf("cleared: %+v", got)
	}
	w.mustDeliver(j.refunded(p0, "mrf_2", 500))
	es, err := w.svc.Earnings(context.Background(), w.influencer)
	if err != nil || len(es) != 1 || es[0].Owed != 100 || es[0].Available != 300 {
		t.Fatalf("earnings after a clawback: %+v %v", es, err)
	}
	ms := w.members(d.ID)
	if len(ms) != 1 || ms[0].Member != cs[0].CustomerID || ms[0].Payments != 5 || ms[0].Paid.Minor != 2_250 || ms[0].Refunded.Minor != 750 ||
		ms[0].Commission.Minor != 350 || ms[0].CommissionReversed.Minor != 150 || ms[0].Status != "active" || ms[0].TierName != "Supporter" ||
		ms[0].EarnsUntil == nil || *ms[0].EarnsUntil != clock.Format(clock.Parse(j.m.PaidFrom).AddDate(0, 3, 0)) {
		t.Fatalf("the deal's member: %+v", ms)
	}
	got, _ := w.svc.GetDeal(context.Background(), w.owner, d.ID, "")
	if got.Stats.Members != 1 || got.Stats.Conversions != 5 {
		t.Fatalf("the deal's counts: %+v", got.Stats)
	}
	// Its conversions follow the membership's refunds, not the API's.
	if _, err := w.svc.Reverse(context.Background(), w.key, cs[0].ID, rf.ReverseInput{}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("reversing a member's payment by hand: %v", err)
	}
	if _, _, err := w.convert("gophers", "", "order-1", "cust-1", 1_000); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("a reported conversion on a membership deal: %v", err)
	}
	w.mustDeliver(j.ended())
	if ms := w.members(d.ID); ms[0].Status != "ended" {
		t.Fatalf("ended: %+v", ms[0])
	}
	w.verify()
}

// Attribution is at joining and first touch: a person already seen in the
// community is not a new referral; unknown codes, another community's or
// a conversion program's code, a deal not approved yet, the owner and the
// influencer themself earn nothing.
func TestMemberReferrals_AttributionAtJoiningFirstTouch(t *testing.T) {
	t.Parallel()
	w := newMemberWorld(t, 100_000, pct20, 30, nil)
	ctx := context.Background()
	d := w.deal(w.influencer, "gophers")
	other := auth.Principal{Kind: auth.KindUser, UserID: "usr_rival"}
	d2 := w.deal(other, "rivals")
	// A conversion program's deal.
	conv, err := w.svc.CreateProgram(ctx, w.owner, "com_1", rf.ProgramInput{Name: ptr("Sales"), Currency: ptr("USD"), Commission: &pct20,
		AttributionDays: ptr(30), HoldDays: ptr(30), Budget: &money.Amount{Minor: 1_000, Currency: "USD"}})
	if err != nil {
		t.Fatal(err)
	}
	cd, _ := w.svc.Apply(ctx, auth.Principal{Kind: auth.KindUser, UserID: "usr_sales"}, conv.ID, rf.DealInput{})
	if _, err := w.svc.DecideDeal(ctx, w.owner, cd.ID, "approve", rf.ApproveInput{Code: "sales"}, ""); err != nil {
		t.Fatal(err)
	}
	pay := func(j *joiner) events.MembershipPayment {
		p := j.payment(0, "first", 1_000)
		w.mustDeliver(&events.MembershipStarted{Meta: j.meta(), Membership: j.next("active"), Payment: &p})
		return p
	}
	// Bea joins through gophers, ends, and rejoins through rivals: still gophers'.
	bea := w.joiner("usr_bea", "gophers", t0, 0)
	pay(bea)
	w.mustDeliver(bea.ended())
	again := w.joiner("usr_bea", "rivals", t0.AddDate(0, 2, 0), 0)
	again.m.MembershipID = "mem_usr_bea_2"
	pay(again)
	// Cal joined with no code, later with gophers: never attributed.
	cal := w.joiner("usr_cal", "", t0, 0)
	pay(cal)
	cal2 := w.joiner("usr_cal", "gophers", t0.AddDate(0, 1, 0), 0)
	cal2.m.MembershipID = "mem_usr_cal_2"
	pay(cal2)
	// Unknown, a conversion program's, and the influencer's own.
	pay(w.joiner("usr_dee", "nosuchcode", t0, 0))
	pay(w.joiner("usr_eve", "sales", t0, 0))
	self := w.joiner("usr_inf", "gophers", t0, 0)
	pay(self)
	owner := w.joiner("usr_owner", "gophers", t0, 0)
	pay(owner)
	// Before the deal was approved.
	early := w.joiner("usr_fay", "gophers", t0.Add(-24*time.Hour), 0)
	pay(early)

	cs := w.conversions(d.ID)
	byMember := map[string][]rf.ConversionView{}
	for _, c := range cs {
		byMember[c.CustomerID] = append(byMember[c.CustomerID], c)
	}
	ms := w.members(d.ID)
	if len(ms) != 3 {
		t.Fatalf("gophers' members: %+v, want bea, the influencer and the owner", ms)
	}
	var earning, selfs int
	for _, m := range ms {
		switch m.Reason {
		case "":
			earning++
			if m.Payments != 2 || m.Commission.Minor != 400 {
				t.Fatalf("bea's two memberships: %+v", m)
			}
		case string(rf.ReasonSelfReferral):
			selfs++
			if m.Commission.Minor != 0 || len(byMember[m.Member]) != 1 || byMember[m.Member][0].Reason != string(rf.ReasonSelfReferral) {
				t.Fatalf("a self-referral: %+v %+v", m, byMember[m.Member])
			}
		}
	}
	if earning != 1 || selfs != 2 {
		t.Fatalf("members: %+v", ms)
	}
	if rs, _, err := w.svc.Members(context.Background(), w.owner, d2.ID, 10, ""); err != nil || len(rs) != 0 {
		t.Fatalf("rivals' members: %+v", rs)
	}
	if got := w.bal(ledger.Influencer("usr_inf")); got.Pending != 400 {
		t.Fatalf("the influencer's pending: %+v", got)
	}
	w.verify()
}

// The budget runs out between two renewals: the later ones earn nothing,
// say why, and the owner is told once; a top-up earns again.
func TestMemberReferrals_TheBudgetRunsOutBetweenRenewals(t *testing.T) {
	t.Parallel()
	w := newMemberWorld(t, 250, pct20, 30, nil)
	d := w.deal(w.influencer, "gophers")
	j := w.joiner("usr_gus", "gophers", t0, 0)
	w.mustDeliver(j.started())
	var pays []events.MembershipPayment
	for n := 0; n < 4; n++ {
		p := j.payment(n, "renewal", 500)
		pays = append(pays, p)
		w.mustDeliver(j.renewed(p))
	}
	earned := map[string]rf.ConversionView{}
	for _, c := range w.conversions(d.ID) {
		earned[c.ExternalID] = c
	}
	for n, want := range []int64{100, 100, 0, 0} {
		c := earned[pays[n].PaymentID]
		if c.Commission.Minor != want || (want == 0) != (c.Reason == string(rf.ReasonBudgetExhausted)) {
			t.Fatalf("payment %d: %+v, want %d", n, c, want)
		}
	}
	if b := w.budget(); b.Remaining.Minor != 50 || b.Committed.Minor != 200 {
		t.Fatalf("the budget: %+v", b)
	}
	if n := storetest.OutboxCount(t, w.db, "ProgramBudgetExhausted"); n != 1 {
		t.Fatalf("%d ProgramBudgetExhausted, want 1", n)
	}
	if _, err := w.svc.TopUp(context.Background(), w.owner, w.program.ID, money.Amount{Minor: 1_000, Currency: "USD"}); err != nil {
		t.Fatal(err)
	}
	p := j.payment(4, "renewal", 500)
	w.mustDeliver(j.renewed(p))
	for _, c := range w.conversions(d.ID) {
		if c.ExternalID == p.PaymentID && c.Commission.Minor != 100 {
			t.Fatalf("after the top-up: %+v", c)
		}
	}
	w.verify()
}

// A renewal, its refund and the clearing race, each delivered twice: the
// commission is accrued once and taken back once, whichever wins, and
// nothing is created or lost.
func TestMemberReferrals_ARenewalAndItsRefundRacingTheClearing(t *testing.T) {
	t.Parallel()
	for round := 0; round < 8; round++ {
		w := newMemberWorld(t, 100_000, pct20, 0, nil) // a hold of 0 days: the clearing runs in the accrual
		d := w.deal(w.influencer, fmt.Sprintf("race%d", round))
		j := w.joiner("usr_hal", d.Code, t0, 0)
		w.mustDeliver(j.started())
		p := j.payment(0, "renewal", 1_000)
		evs := []events.Event{j.renewed(p), j.renewed(p), j.refunded(p, "mrf_1", 400), j.refunded(p, "mrf_1", 400)}
		var wg sync.WaitGroup
		errs := make(chan error, len(evs)+2)
		for _, ev := range evs {
			wg.Add(1)
			go func() { defer wg.Done(); errs <- w.deliver(ev) }()
		}
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.sched.mu.Lock()
				var due []json.RawMessage
				for _, j := range w.sched.jobs {
					due = append(due, j.payload)
				}
				w.sched.mu.Unlock()
				for _, pl := range due {
					if err := w.svc.HandleScheduled(context.Background(), pl); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil && fault.KindOf(err) != fault.Conflict {
				t.Fatal(err)
			}
		}
		w.mustDeliver(evs...) // the bus retries whatever failed
		w.runDue()
		cs := w.conversions(d.ID)
		if len(cs) != 1 || cs[0].Commission.Minor != 200 || cs[0].CommissionReversed.Minor != 80 || cs[0].Reversed != 400 {
			t.Fatalf("round %d: %+v", round, cs)
		}
		inf := w.bal(ledger.Influencer("usr_inf"))
		es, _ := w.svc.Earnings(context.Background(), w.influencer)
		// Cleared first: 200 available, 80 owed; reversed first: 120 cleared.
		if inf.Pending != 0 || inf.Available-es[0].Owed != 120 {
			t.Fatalf("round %d: the influencer has %+v owing %d, want 120 net", round, inf, es[0].Owed)
		}
		w.verify()
	}
}

// The property: over random histories of a referred membership (a trial or
// not, months of renewals, an upgrade, refunds of any part of any payment,
// its events duplicated and in any order), what the deal earned is the
// percent of each payment within the months that earn, less the share its
// refunds took back, to the cent; and the influencer's pending balance
// moved by exactly that.
func TestMemberReferrals_PropertyCommissionIsThePercentOfWhatWasKept(t *testing.T) {
	t.Parallel()
	w := newMemberWorld(t, 1_000_000_000, rf.CommissionInput{Type: "percent", Bps: 1_750}, 30, ptr(6))
	d := w.deal(w.influencer, "prop")
	// 40 histories unless -rapid.checks says otherwise: each drives
	// DynamoDB Local through a dozen events (the only rapid test here).
	passed := false
	flag.Visit(func(f *flag.Flag) { passed = passed || f.Name == "rapid.checks" })
	if f := flag.Lookup("rapid.checks"); f != nil && !passed {
		_ = f.Value.Set("40")
	}
	n := 0
	rapid.Check(t, func(rt *rapid.T) {
		n++
		user := fmt.Sprintf("usr_p%d", n)
		// Each joins a minute after the last: the deal's list is newest first.
		j := w.joiner(user, "prop", t0.Add(time.Duration(n)*time.Minute), rapid.SampledFrom([]int{0, 7, 14}).Draw(rt, "trial"))
		payments := rapid.IntRange(1, 9).Draw(rt, "payments")
		var evs []events.Event
		want := int64(0)
		evs = append(evs, j.started())
		for k := 0; k < payments; k++ {
			amount := rapid.Int64Range(1, 99_999).Draw(rt, "amount")
			kind := "renewal"
			if k > 0 && rapid.Bool().Draw(rt, "upgrade") {
				kind = "upgrade"
			}
			p := j.payment(k, kind, amount)
			if kind == "upgrade" {
				evs = append(evs, j.upgraded(p))
			} else {
				evs = append(evs, j.renewed(p))
			}
			c := halfEven(amount*1_750, 10_000)
			if k >= 6 {
				c = 0 // past the months that earn
			}
			refunded := int64(0)
			for r := 0; r < rapid.IntRange(0, 2).Draw(rt, "refunds") && refunded < amount; r++ {
				x := rapid.Int64Range(1, amount-refunded).Draw(rt, "refund")
				refunded += x
				evs = append(evs, j.refunded(p, fmt.Sprintf("mrf_%d_%d", k, r), x))
			}
			want += c - rf.ReversedShare(c, refunded, amount)
		}
		// Delivered in any order, some twice.
		order := rapid.Permutation(evs).Draw(rt, "order")
		for _, i := range rapid.SliceOfN(rapid.IntRange(0, len(evs)-1), 0, 3).Draw(rt, "again") {
			order = append(order, evs[i])
		}
		before := w.bal(ledger.Influencer("usr_inf")).Pending
		for _, ev := range order {
			if err := w.deliver(ev); err != nil {
				rt.Fatalf("%s: %v", ev.DetailType(), err)
			}
		}
		ms, _, err := w.svc.Members(context.Background(), w.influencer, d.ID, 1, "")
		if err != nil || len(ms) != 1 || ms[0].JoinedAt != j.m.JoinedAt {
			rt.Fatalf("the newest member: %+v %v", ms, err)
		}
		if m := ms[0]; m.Payments != int64(payments) || m.Commission.Minor-m.CommissionReversed.Minor != want {
			rt.Fatalf("the member earned %d of %d payments, want %d of %d", m.Commission.Minor-m.CommissionReversed.Minor, m.Payments, want, payments)
		}
		if moved := w.bal(ledger.Influencer("usr_inf")).Pending - before; moved != want {
			rt.Fatalf("pending moved %d, want %d", moved, want)
		}
	})
	w.verify()
}

// halfEven is num ÷ den rounded half to even (num, den > 0).
func halfEven(num, den int64) int64 {
	q, r := num/den, num%den
	if 2*r > den || 2*r == den && q%2 == 1 {
		q++
	}
	return q
}

// What a program on memberships takes, and what it refuses.
func TestMemberReferrals_ProgramFields(t *testing.T) {
	t.Parallel()
	w := newMemberWorld(t, 1_000, pct20, 30, nil)
	ctx := context.Background()
	if w.program.On != rf.OnMembership || w.program.Months != nil {
		t.Fatalf("a program on memberships for as long as they last: %+v", w.program)
	}
	base := func() rf.ProgramInput {
		return rf.ProgramInput{Name: ptr("P"), Currency: ptr("USD"), Commission: &pct20, AttributionDays: ptr(30), HoldDays: ptr(30),
			Budget: &money.Amount{Minor: 0, Currency: "USD"}}
	}
	for name, c := range map[string]struct {
		mod   func(*rf.ProgramInput)
		field string
	}{
		"months on conversions": {func(in *rf.ProgramInput) { in.Months = rf.OptionalInt{Set: true, Value: ptr(3)} }, "months"},
		"no months": {func(in *rf.ProgramInput) {
			in.On, in.Months = ptr("membership"), rf.OptionalInt{Set: true, Value: ptr(0)}
		}, "months"},
		"too many months": {func(in *rf.ProgramInput) {
			in.On, in.Months = ptr("membership"), rf.OptionalInt{Set: true, Value: ptr(121)}
		}, "months"},
		"recurring members": {func(in *rf.ProgramInput) { in.On, in.Recurring = ptr("membership"), ptr(true) }, "recurring"},
		"on what":           {func(in *rf.ProgramInput) { in.On = ptr("clicks") }, "on"},
	} {
		in := base()
		c.mod(&in)
		_, err := w.svc.CreateProgram(ctx, w.owner, "com_1", in)
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Kind != fault.Invalid || len(fe.Fields) != 1 || fe.Fields[0].Field != c.field {
			t.Fatalf("%s: %v", name, err)
		}
	}
	in := base()
	in.On, in.Months = ptr("membership"), rf.OptionalInt{Set: true, Value: ptr(12)}
	p, err := w.svc.CreateProgram(ctx, w.owner, "com_1", in)
	if err != nil || p.Months == nil || *p.Months != 12 {
		t.Fatalf("twelve months: %+v %v", p, err)
	}
	if _, err := w.svc.UpdateProgram(ctx, w.owner, p.ID, rf.ProgramInput{On: ptr("conversion")}); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("changing what a program pays on: %v", err)
	}
	u, err := w.svc.UpdateProgram(ctx, w.owner, p.ID, rf.ProgramInput{Months: rf.OptionalInt{Set: true}})
	if err != nil || u.Months != nil {
		t.Fatalf("months set to null: %+v %v", u, err)
	}
	var o rf.ProgramInput
	if err := json.Unmarshal([]byte(`{"months":null}`), &o); err != nil || !o.Months.Set || o.Months.Value != nil {
		t.Fatalf("null months: %+v %v", o, err)
	}
	if err := json.Unmarshal([]byte(`{"months":"six"}`), &o); err == nil {
		t.Fatal("months as words")
	}
}

// A community's reported conversion cannot take a member's payment's
// place, even under the payment's own id: the two are kept apart.
func TestMemberReferrals_AReportedConversionCannotTakeAPaymentsPlace(t *testing.T) {
	t.Parallel()
	w := newMemberWorld(t, 100_000, pct20, 30, nil)
	ctx := context.Background()
	d := w.deal(w.influencer, "gophers")
	conv, err := w.svc.CreateProgram(ctx, w.owner, "com_1", rf.ProgramInput{Name: ptr("Sales"), Currency: ptr("USD"), Commission: &rf.CommissionInput{Type: "percent", Bps: 1},
		AttributionDays: ptr(30), HoldDays: ptr(30), Budget: &money.Amount{Minor: 1_000, Currency: "USD"}})
	if err != nil {
		t.Fatal(err)
	}
	sd, _ := w.svc.Apply(ctx, auth.Principal{Kind: auth.KindUser, UserID: "usr_owners_friend"}, conv.ID, rf.DealInput{})
	if _, err := w.svc.DecideDeal(ctx, w.owner, sd.ID, "approve", rf.ApproveInput{Code: "friend"}, ""); err != nil {
		t.Fatal(err)
	}
	j := w.joiner("usr_ida", "gophers", t0, 0)
	p := j.payment(0, "first", 1_500)
	if _, _, err := w.convert("friend", "", p.PaymentID, "cust-1", 1); err != nil {
		t.Fatalf("a conversion under the payment's id: %v", err)
	}
	w.mustDeliver(&events.MembershipStarted{Meta: j.meta(), Membership: j.next("active"), Payment: &p}, j.refunded(p, "mrf_1", 750))
	cs := w.conversions(d.ID)
	if len(cs) != 1 || cs[0].Commission.Minor != 300 || cs[0].CommissionReversed.Minor != 150 {
		t.Fatalf("the member's payment: %+v", cs)
	}
	w.verify()
}
