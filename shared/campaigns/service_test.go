package campaigns_test

// Integration tests of the campaigns context against DynamoDB Local: the
// budget held once, changes over the version read, and the end releasing
// exactly what is left once, whoever ends it and however often.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/campaigns"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var t0 = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

type fakeScheduler struct {
	mu   sync.Mutex
	once map[string]json.RawMessage
}

func (f *fakeScheduler) Once(_ context.Context, name string, _ time.Time, _ string, payload json.RawMessage) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.once == nil {
		f.once = map[string]json.RawMessage{}
	}
	if _, ok := f.once[name]; !ok {
		f.once[name] = payload
	}
	return nil
}

func (f *fakeScheduler) Cancel(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.once, name)
	return nil
}

func (f *fakeScheduler) names() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for n := range f.once {
		out = append(out, n)
	}
	return out
}

// world is an advertiser (adv_a, owned by usr_a) with 10,000 in its
// wallet, and another (adv_b, usr_b).
type world struct {
	t      testing.TB
	db     *store.DB
	svc    *campaigns.Service
	ledger *ledger.Ledger
	clock  *clock.Fake
	sched  *fakeScheduler
	owner  auth.Principal
	key    auth.Principal
}

func newWorld(t testing.TB) *world {
	t.Helper()
	db := storetest.New(t)
	w := &world{t: t, db: db, ledger: ledger.New(db), clock: clock.NewFake(t0), sched: &fakeScheduler{},
		owner: auth.Principal{Kind: auth.KindUser, UserID: "usr_a"},
		key:   auth.Principal{Kind: auth.KindClient, AccountKind: auth.AccountAdvertiser, AccountID: "adv_a", KeyID: "key_a"}}
	w.svc = campaigns.NewService(campaigns.NewRepository(db), w.ledger, w.sched, w.clock, campaigns.Config{Self: "campaigns", ShareBps: campaigns.DefaultShareBps, PremiumBps: campaigns.DefaultPremiumBps})
	for _, a := range []string{"a", "b"} {
		d, _ := json.Marshal(events.AdvertiserCreated{Meta: events.Meta{EventID: "evt_adv_" + a, OccurredAt: clock.Format(t0), SchemaVersion: 1},
			AdvertiserID: "adv_" + a, OwnerID: "usr_" + a, Currency: "USD"})
		if err := w.svc.HandleEvent(context.Background(), lambdaevents.EventBridgeEvent{DetailType: "AdvertiserCreated", Detail: d}); err != nil {
			t.Fatal(err)
		}
	}
	op, err := w.ledger.Prepare(ledger.Transfer{ID: "txf_dep_a", Kind: "deposit", Currency: "USD", At: t0,
		Legs: []ledger.Leg{{Account: ledger.ExternalDeposits, Available: -10_000}, {Account: ledger.Advertiser("adv_a"), Available: 10_000}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.ledger.Apply(context.Background(), op); err != nil {
		t.Fatal(err)
	}
	return w
}

func usd(n int64) *campaigns.MoneyInput { return &campaigns.MoneyInput{Amount: &n, Currency: "USD"} }

// input is a valid CPM campaign of budget minor units over three days.
func input(budget int64) campaigns.CreateInput {
	end := t0.Add(72 * time.Hour)
	return campaigns.CreateInput{Name: "Winter sale", Currency: "USD", Pricing: &campaigns.PricingInput{Model: "cpm", Bid: usd(250)},
		Budget: usd(budget), End: &end, Creative: &campaigns.Creative{ImageURL: "https://cdn.example/winter.png",
			ClickURL: "https://shop.example/winter", AltText: "Winter sale", Width: 300, Height: 250}}
}

func (w *world) balance() ledger.Balance {
	w.t.Helper()
	b, err := w.ledger.Balance(context.Background(), ledger.Advertiser("adv_a"), "USD")
	if err != nil {
		w.t.Fatal(err)
	}
	return b
}

func (w *world) verify() {
	w.t.Helper()
	r, err := w.ledger.Verify(context.Background())
	if err != nil || !r.OK {
		w.t.Fatalf("ledger verify: %v %v", err, r.Violations)
	}
}

func (w *world) outbox(detailType string) int { return storetest.OutboxCount(w.t, w.db, detailType) }

func fields(err error) string {
	fe, ok := fault.As(err)
	if !ok {
		return fmt.Sprint(err)
	}
	var out []string
	for _, f := range fe.Fields {
		out = append(out, f.Field)
	}
	return strings.Join(out, ",")
}

// Creating holds the whole budget at once, with CampaignCreated; a budget
// the wallet cannot cover, bad fields, another's advertiser or another
// currency hold nothing and create nothing.
func TestCreate_HoldsTheBudgetOrNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	v, err := w.svc.Create(ctx, w.key, "adv_a", input(6_000))
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != campaigns.Active || v.Spent.Minor != 0 || v.Remaining.Minor != 6_000 || v.Budget.Minor != 6_000 || v.Pacing != campaigns.Even ||
		v.Pricing.Model != campaigns.CPM || v.Pricing.Bid.Minor != 250 || !strings.HasPrefix(v.ID, "cmp_") || v.DailyCap != nil {
		t.Fatalf("created: %+v", v)
	}
	if b := w.balance(); b.Available != 4_000 || b.Held != 6_000 {
		t.Fatalf("balance after the hold: %+v", b)
	}
	if n := w.outbox("CampaignCreated"); n != 1 {
		t.Fatalf("%d CampaignCreated", n)
	}
	if len(w.sched.names()) != 1 || !strings.HasPrefix(w.sched.names()[0], "end-"+v.ID+"-") {
		t.Fatalf("end schedules: %v", w.sched.names())
	}
	if _, err := w.svc.Create(ctx, w.owner, "adv_a", input(4_001)); fault.KindOf(err) != fault.InsufficientFunds {
		t.Fatalf("a budget past the wallet: %v", err)
	}
	for name, tc := range map[string]struct {
		change func(*campaigns.CreateInput)
		want   string
	}{
		"no pricing":       {func(in *campaigns.CreateInput) { in.Pricing = nil }, "pricing"},
		"a model unknown":  {func(in *campaigns.CreateInput) { in.Pricing.Model = "cpa" }, "pricing.model"},
		"a zero bid":       {func(in *campaigns.CreateInput) { in.Pricing.Bid = usd(0) }, "pricing.bid"},
		"no budget":        {func(in *campaigns.CreateInput) { in.Budget = nil }, "budget"},
		"a bid in EUR":     {func(in *campaigns.CreateInput) { in.Pricing.Bid.Currency = "EUR" }, "pricing.bid"},
		"a cap of zero":    {func(in *campaigns.CreateInput) { in.DailyCap = usd(0) }, "dailyCap"},
		"pacing unknown":   {func(in *campaigns.CreateInput) { in.Pacing = "fast" }, "pacing"},
		"no end":           {func(in *campaigns.CreateInput) { in.End = nil }, "end"},
		"an end in a past": {func(in *campaigns.CreateInput) { e := t0.Add(-time.Hour); in.End = &e }, "end"},
		"two years":        {func(in *campaigns.CreateInput) { e := t0.Add(800 * 24 * time.Hour); in.End = &e }, "end"},
		"an http image":    {func(in *campaigns.CreateInput) { in.Creative.ImageURL = "http://cdn.example/a.png" }, "creative.imageUrl"},
		"no alt text":      {func(in *campaigns.CreateInput) { in.Creative.AltText = " " }, "creative.altText"},
		"a tiny creative":  {func(in *campaigns.CreateInput) { in.Creative.Width = 2 }, "creative.width"},
		"no creative":      {func(in *campaigns.CreateInput) { in.Creative = nil }, "creative"},
		"no name":          {func(in *campaigns.CreateInput) { in.Name = "" }, "name"},
		"a cpc bid > budget": {func(in *campaigns.CreateInput) {
			in.Pricing.Model, in.Pricing.Bid = "cpc", usd(2_000)
			in.Budget = usd(1_000)
		}, "budget"},
		"a currency of another": {func(in *campaigns.CreateInput) {
			in.Currency, in.Pricing.Bid.Currency, in.Budget.Currency = "EUR", "EUR", "EUR"
		}, "currency"},
	} {
		in := input(100)
		tc.change(&in)
		_, err := w.svc.Create(ctx, w.owner, "adv_a", in)
		if fault.KindOf(err) != fault.Invalid || !strings.Contains(","+fields(err)+",", ","+tc.want+",") {
			t.Errorf("%s: %v (fields %s), want %s named", name, err, fields(err), tc.want)
		}
	}
	for name, p := range map[string]auth.Principal{
		"another person":         {Kind: auth.KindUser, UserID: "usr_b"},
		"another advertiser key": {Kind: auth.KindClient, AccountKind: auth.AccountAdvertiser, AccountID: "adv_b"},
		"a community key":        {Kind: auth.KindClient, AccountKind: auth.AccountCommunity, AccountID: "adv_a"},
	} {
		if _, err := w.svc.Create(ctx, p, "adv_a", input(100)); fault.KindOf(err) != fault.NotFound {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := w.svc.Get(ctx, p, v.ID); fault.KindOf(err) != fault.NotFound {
			t.Errorf("%s reads it: %v", name, err)
		}
	}
	if b := w.balance(); b.Available != 4_000 || b.Held != 6_000 {
		t.Fatalf("refused creations moved money: %+v", b)
	}
	list, _, err := w.svc.List(ctx, w.owner, "adv_a", 10, "")
	if err != nil || len(list) != 1 || list[0].ID != v.ID {
		t.Fatalf("list: %v %v", list, err)
	}
	// One that starts later is scheduled.
	in := input(1_000)
	start := t0.Add(24 * time.Hour)
	in.Start = &start
	if v, err := w.svc.Create(ctx, w.owner, "adv_a", in); err != nil || v.Status != campaigns.Scheduled || !v.Start.Equal(start) {
		t.Fatalf("a later start: %+v %v", v, err)
	}
	w.verify()
}

// A raised budget holds the difference, with the change, over the version
// read: raises racing from one read are held once (a raise that lost the
// race is decided again on what won), and the hold is what the campaign
// says; a lowered one gives the difference back (budget_test.go has the
// rest); a moved end gets its own schedule; an ended campaign changes no
// more.
func TestUpdate_RaisesTheBudgetOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	v, err := w.svc.Create(ctx, w.owner, "adv_a", input(2_000))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = w.svc.Update(ctx, w.owner, v.ID, campaigns.UpdateInput{Budget: usd(3_000)})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case fault.KindOf(err) != fault.Conflict:
			t.Fatalf("a raise: %v", err)
		}
	}
	got, err := w.svc.Get(ctx, w.owner, v.ID)
	if err != nil || ok < 1 || got.Budget.Minor != 3_000 || got.Remaining.Minor != 3_000 {
		t.Fatalf("after %d raises won: %+v %v", ok, got, err)
	}
	if b := w.balance(); b.Held != 3_000 || b.Available != 7_000 {
		t.Fatalf("held %+v, want the raised budget once", b)
	}
	if got, err := w.svc.Update(ctx, w.owner, v.ID, campaigns.UpdateInput{Budget: usd(2_500)}); err != nil || got.Budget.Minor != 2_500 || got.Remaining.Minor != 2_500 {
		t.Fatalf("a lower budget: %+v %v", got, err)
	}
	if b := w.balance(); b.Held != 2_500 || b.Available != 7_500 {
		t.Fatalf("held %+v, want the lowered budget", b)
	}
	if _, err := w.svc.Update(ctx, w.owner, v.ID, campaigns.UpdateInput{Budget: usd(50_000)}); fault.KindOf(err) != fault.InsufficientFunds {
		t.Fatalf("a budget past the wallet: %v", err)
	}
	if _, err := w.svc.Update(ctx, w.owner, v.ID, campaigns.UpdateInput{Bid: usd(0)}); fields(err) != "bid" {
		t.Fatalf("a zero bid: %v", err)
	}
	if _, err := w.svc.Update(ctx, w.owner, v.ID, campaigns.UpdateInput{}); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("nothing to change: %v", err)
	}
	end := t0.Add(96 * time.Hour)
	u, err := w.svc.Update(ctx, w.key, v.ID, campaigns.UpdateInput{Bid: usd(300), DailyCap: &campaigns.CapChange{Cap: *usd(500)}, End: &end})
	if err != nil || u.Pricing.Bid.Minor != 300 || u.DailyCap == nil || u.DailyCap.Minor != 500 || !u.End.Equal(end) {
		t.Fatalf("bid, cap and end: %+v %v", u, err)
	}
	if len(w.sched.names()) != 2 {
		t.Fatalf("schedules after a moved end: %v", w.sched.names())
	}
	if u, err := w.svc.Update(ctx, w.key, v.ID, campaigns.UpdateInput{DailyCap: &campaigns.CapChange{Remove: true}}); err != nil || u.DailyCap != nil {
		t.Fatalf("removing the cap: %+v %v", u, err)
	}
	if _, err := w.svc.End(ctx, w.owner, v.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Update(ctx, w.owner, v.ID, campaigns.UpdateInput{Budget: usd(4_000)}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("raising an ended campaign: %v", err)
	}
	if b := w.balance(); b.Held != 0 || b.Available != 10_000 {
		t.Fatalf("after the end: %+v", b)
	}
	w.verify()
}

// Pause and resume move a live campaign and back, twice is fine; an ended
// one is a conflict.
func TestPauseResume(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	v, err := w.svc.Create(ctx, w.owner, "adv_a", input(1_000))
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		paused bool
		want   campaigns.Status
	}{{true, campaigns.StatusPaused}, {true, campaigns.StatusPaused}, {false, campaigns.Active}, {false, campaigns.Active}} {
		if got, err := w.svc.SetPaused(ctx, w.key, v.ID, step.paused); err != nil || got.Status != step.want {
			t.Fatalf("paused=%v: %+v %v", step.paused, got, err)
		}
	}
	if _, err := w.svc.End(ctx, w.key, v.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.SetPaused(ctx, w.key, v.ID, false); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("resuming an ended campaign: %v", err)
	}
}

// Two changes of one campaign at once both land: the one that loses the
// race reads again and decides on what the other wrote (no 409), and each
// sends its CampaignChanged.
func TestUpdate_ConcurrentChangesBothLand(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	v, err := w.svc.Create(ctx, w.owner, "adv_a", input(1_000))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(2)
	go func() { defer wg.Done(); _, errs[0] = w.svc.SetPaused(ctx, w.key, v.ID, true) }()
	go func() {
		defer wg.Done()
		_, errs[1] = w.svc.Update(ctx, w.owner, v.ID, campaigns.UpdateInput{Bid: usd(300)})
	}()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("a change: %v", err)
		}
	}
	got, err := w.svc.Get(ctx, w.owner, v.ID)
	if err != nil || got.Status != campaigns.StatusPaused || got.Pricing.Bid.Minor != 300 {
		t.Fatalf("after both: %+v %v", got, err)
	}
	if n := w.outbox("CampaignChanged"); n != 3 { // its creation's, and one per change
		t.Fatalf("%d CampaignChanged, want 3", n)
	}
}

// The end releases exactly what the hold has left, once, with one
// CampaignEnded: the advertiser's end and the end schedule racing, eight
// at a time and then again, release once and agree on the reason.
func TestEnd_ReleasesWhatIsLeftOnceWhoeverEndsIt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	v, err := w.svc.Create(ctx, w.owner, "adv_a", input(5_000))
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(72 * time.Hour) // its end
	job, _ := json.Marshal(campaigns.Job{Job: campaigns.JobEnd, CampaignID: v.ID})
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				errs[i] = w.svc.HandleScheduled(ctx, job)
			} else {
				_, errs[i] = w.svc.End(ctx, w.owner, v.ID)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("an end: %v", err)
		}
	}
	if err := w.svc.HandleScheduled(ctx, job); err != nil { // Scheduler's retry, later
		t.Fatal(err)
	}
	got, err := w.svc.Get(ctx, w.owner, v.ID)
	if err != nil || got.Status != campaigns.StatusEnded || got.Remaining.Minor != 0 || got.Released.Minor != 5_000 || got.Spent.Minor != 0 {
		t.Fatalf("ended: %+v %v", got, err)
	}
	if b := w.balance(); b.Available != 10_000 || b.Held != 0 {
		t.Fatalf("balance after the end: %+v", b)
	}
	if n := w.outbox("CampaignEnded"); n != 1 {
		t.Fatalf("%d CampaignEnded, want 1", n)
	}
	w.verify()
}

// An end schedule fires at the campaign's end; one left from an end that
// was moved later finds the campaign running and does nothing; a job it
// does not know is an error (dead-lettered), one for a campaign never
// written is nothing.
func TestHandleScheduled_EndsAtTheEndOnly(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	v, err := w.svc.Create(ctx, w.owner, "adv_a", input(1_000))
	if err != nil {
		t.Fatal(err)
	}
	later := t0.Add(100 * time.Hour)
	if _, err := w.svc.Update(ctx, w.owner, v.ID, campaigns.UpdateInput{End: &later}); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(72 * time.Hour) // the old end
	job, _ := json.Marshal(campaigns.Job{Job: campaigns.JobEnd, CampaignID: v.ID})
	if err := w.svc.HandleScheduled(ctx, job); err != nil {
		t.Fatal(err)
	}
	if got, _ := w.svc.Get(ctx, w.owner, v.ID); got.Status != campaigns.Active || got.Remaining.Minor != 1_000 {
		t.Fatalf("the old schedule ended it: %+v", got)
	}
	w.clock.Advance(28 * time.Hour) // the new end
	if err := w.svc.HandleScheduled(ctx, job); err != nil {
		t.Fatal(err)
	}
	if got, _ := w.svc.Get(ctx, w.owner, v.ID); got.Status != campaigns.StatusEnded || got.Released.Minor != 1_000 {
		t.Fatalf("at its end: %+v", got)
	}
	if err := w.svc.HandleScheduled(ctx, json.RawMessage(`{"job":"what"}`)); err == nil {
		t.Fatal("an unknown job must fail")
	}
	if err := w.svc.HandleScheduled(ctx, json.RawMessage(`{"job":"end","campaignId":"cmp_never"}`)); err != nil {
		t.Fatalf("a campaign never written: %v", err)
	}

}

func (w *world) meter(campaignID string, seq int64, units map[string][2]int64) error {
	e := events.CampaignMetered{Meta: events.Meta{EventID: fmt.Sprintf("evt_m_%s_%d", campaignID, seq), OccurredAt: clock.Format(w.clock.Now()), SchemaVersion: 1},
		CampaignID: campaignID, Seq: seq}
	for id, u := range units {
		e.Communities = append(e.Communities, events.CommunityUnits{CommunityID: id, Impressions: u[0], Clicks: u[1]})
	}
	d, _ := json.Marshal(e)
	return w.svc.HandleEvent(context.Background(), lambdaevents.EventBridgeEvent{DetailType: "CampaignMetered", Source: events.SourceServing, Detail: d})
}

func (w *world) balanceOf(a ledger.Account) ledger.Balance {
	w.t.Helper()
	b, err := w.ledger.Balance(context.Background(), a, "USD")
	if err != nil {
		w.t.Fatal(err)
	}
	return b
}

// A meter is settled once however often and in whatever order it is
// delivered, eight copies at once included: one draw on the hold, the
// communities paid their 70 % (half-even), the platform the rest, one
// CampaignCharged; the next meter charges what its counts add, the CPM
// fraction carried (the worked example of docs/campaigns.md).
func TestSettle_EachMeterChargesOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	v, err := w.svc.Create(ctx, w.key, "adv_a", input(10_000)) // CPM 2.50
	if err != nil {
		t.Fatal(err)
	}
	first := map[string][2]int64{"com_a": {1_000, 3}, "com_b": {234, 0}}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = w.meter(v.ID, 1, first) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("a delivery: %v", err)
		}
	}
	got, _ := w.svc.Get(ctx, w.key, v.ID)
	if got.Spent.Minor != 308 || got.Remaining.Minor != 9_692 || got.Impressions != 1_234 || got.Clicks != 3 || got.Billed != 1_234 || got.Free != 0 {
		t.Fatalf("after the first meter: %+v", got)
	}
	if a, b, fees := w.balanceOf(ledger.Community("com_a")), w.balanceOf(ledger.Community("com_b")), w.balanceOf(ledger.PlatformFees); a.Available != 175 || b.Available != 41 || fees.Available != 92 {
		t.Fatalf("paid: com_a %+v, com_b %+v, fees %+v", a, b, fees)
	}
	if adv := w.balance(); adv.Held != 9_692 || adv.Available != 0 {
		t.Fatalf("the advertiser: %+v", adv)
	}
	if err := w.meter(v.ID, 2, map[string][2]int64{"com_a": {1_766, 3}, "com_b": {234, 0}}); err != nil {
		t.Fatal(err)
	}
	if err := w.meter(v.ID, 1, first); err != nil { // late
		t.Fatal(err)
	}
	got, _ = w.svc.Get(ctx, w.key, v.ID)
	if got.Spent.Minor != 500 || got.Impressions != 2_000 {
		t.Fatalf("after the second: %+v", got)
	}
	if n := w.outbox("CampaignCharged"); n != 2 {
		t.Fatalf("%d CampaignCharged, want 2", n)
	}
	w.verify()
}

// Spent never passes the budget: the settlement that reaches it takes
// exactly what is left, says CampaignBudgetExhausted once, and what was
// shown past it is free; an end racing settlements releases exactly what
// they left, and everything adds up to the budget.
func TestSettle_NeverPastTheBudgetAndEndRacingReleasesTheRest(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	v, err := w.svc.Create(ctx, w.key, "adv_a", input(1_000))
	if err != nil {
		t.Fatal(err)
	}
	for seq := int64(1); seq <= 3; seq++ {
		if err := w.meter(v.ID, seq, map[string][2]int64{"com_a": {seq * 3_000, 0}}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := w.svc.Get(ctx, w.key, v.ID)
	if got.Spent.Minor != 1_000 || got.Remaining.Minor != 0 || got.Billed != 4_003 || got.Free != 9_000-4_003 {
		t.Fatalf("at the budget: %+v", got)
	}
	if n := w.outbox("CampaignBudgetExhausted"); n != 1 {
		t.Fatalf("%d CampaignBudgetExhausted", n)
	}

	// Another campaign: settlements and the end at once.
	v2, err := w.svc.Create(ctx, w.key, "adv_a", input(5_000))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 9)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 4 {
				_, errs[i] = w.svc.End(ctx, w.key, v2.ID)
				return
			}
			errs[i] = w.meter(v2.ID, int64(i+1), map[string][2]int64{"com_a": {int64(i+1) * 1_000, 0}})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("racing: %v", err)
		}
	}
	got, _ = w.svc.Get(ctx, w.key, v2.ID)
	if got.Status != campaigns.StatusEnded || got.Spent.Minor+got.Released.Minor != 5_000 || got.Remaining.Minor != 0 ||
		got.Spent.Minor != got.Billed*250/1000 {
		t.Fatalf("ended while settling: %+v", got)
	}
	if b := w.balance(); b.Held != 0 || b.Available != 10_000-1_000-got.Spent.Minor {
		t.Fatalf("the advertiser after all: %+v (spent %d)", b, got.Spent.Minor)
	}
	w.verify()
}
