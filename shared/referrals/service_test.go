package referrals_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	rf "github.com/souqhq/souq/shared/referrals"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/storetest"
	"github.com/souqhq/souq/shared/topology"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// t0 is a fixed day far in the future: DynamoDB Local expires items by TTL against the
// real clock, and outbox items carry one computed from the fake clock.
var t0 = time.Date(2039, time.January, 31, 12, 0, 0, 0, time.UTC)

// fakeScheduler keeps the clearing schedules; due runs those whose time
// has come, as the platform's scheduler would.
type fakeScheduler struct {
	mu   sync.Mutex
	jobs map[string]job
}

type job struct {
	at      time.Time
	payload json.RawMessage
}

func (f *fakeScheduler) Once(_ context.Context, name string, at time.Time, _ string, payload json.RawMessage) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.jobs[name]; !ok {
		f.jobs[name] = job{at, payload}
	}
	return nil
}
func (f *fakeScheduler) Cancel(context.Context, string) error { return nil }

// world is a community (USD, 10,000 deposited) owned by usr_owner, with a
// program, and an influencer; over fresh tables.
type world struct {
	t          testing.TB
	db         *store.DB
	svc        *rf.Service
	ledger     *ledger.Ledger
	clock      *clock.Fake
	sched      *fakeScheduler
	owner      auth.Principal
	key        auth.Principal // the community's API key
	influencer auth.Principal
	program    rf.ProgramView
}

func newWorld(t testing.TB, budget int64, terms rf.CommissionInput, holdDays int) *world {
	t.Helper()
	db := storetest.New(t)
	w := &world{t: t, db: db, ledger: ledger.New(db), clock: clock.NewFake(t0), sched: &fakeScheduler{jobs: map[string]job{}},
		owner:      auth.Principal{Kind: auth.KindUser, UserID: "usr_owner"},
		key:        auth.Principal{Kind: auth.KindClient, AccountKind: auth.AccountCommunity, AccountID: "com_1"},
		influencer: auth.Principal{Kind: auth.KindUser, UserID: "usr_inf"}}
	w.svc = rf.NewService(rf.NewRepository(db), w.ledger, w.sched, w.clock, rf.Config{Self: "referrals", VisitorKey: []byte("0123456789abcdef0123456789abcdef"), PublicURL: "https://souq.test"})
	d, _ := json.Marshal(&events.CommunityCreated{Meta: events.Meta{EventID: "evt_c"}, CommunityID: "com_1", OwnerID: "usr_owner", Currency: "USD", URL: "https://gophers.example/join?lang=en"})
	if err := w.svc.HandleEvent(context.Background(), lambdaevents.EventBridgeEvent{DetailType: "CommunityCreated", Detail: d}); err != nil {
		t.Fatal(err)
	}
	op, _ := w.ledger.Prepare(ledger.Transfer{ID: "txf_dep_com_1", Kind: "deposit", Currency: "USD", At: t0,
		Legs: []ledger.Leg{{Account: ledger.ExternalDeposits, Available: -10_000}, {Account: ledger.Community("com_1"), Available: 10_000}}})
	if err := w.ledger.Apply(context.Background(), op); err != nil {
		t.Fatal(err)
	}
	var err error
	w.program, err = w.svc.CreateProgram(context.Background(), w.owner, "com_1", rf.ProgramInput{
		Name: ptr("Bring a gopher"), Currency: ptr("USD"), Commission: &terms, AttributionDays: ptr(30), HoldDays: ptr(holdDays),
		MinimumPayout: &money.Amount{Minor: 1_000, Currency: "USD"}, Budget: &money.Amount{Minor: budget, Currency: "USD"}})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func ptr[T any](v T) *T { return &v }

var pct20 = rf.CommissionInput{Type: "percent", Bps: 2000}

// deal applies as the influencer and approves as the owner.
func (w *world) deal(inf auth.Principal, code string) rf.DealView {
	w.t.Helper()
	d, err := w.svc.Apply(context.Background(), inf, w.program.ID, rf.DealInput{Pitch: "I run a Go newsletter"})
	if err != nil {
		w.t.Fatal(err)
	}
	a, err := w.svc.DecideDeal(context.Background(), w.owner, d.ID, "approve", rf.ApproveInput{Code: code}, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

func (w *world) convert(code, clickID, ext, customer string, amount int64) (rf.ConversionView, bool, error) {
	return w.svc.RecordConversion(context.Background(), w.key, rf.ConversionInput{Code: code, ClickID: clickID, ExternalID: ext, Amount: ptr(amount), Currency: "USD", CustomerID: customer})
}

func (w *world) bal(a ledger.Account) ledger.Balance {
	w.t.Helper()
	b, err := w.ledger.Balance(context.Background(), a, "USD")
	if err != nil {
		w.t.Fatal(err)
	}
	return b
}

// runDue fires every schedule whose time has come, twice over (a
// duplicated delivery changes nothing).
func (w *world) runDue() {
	w.t.Helper()
	w.sched.mu.Lock()
	var due []json.RawMessage
	for _, j := range w.sched.jobs {
		if !w.clock.Now().Before(j.at) {
			due = append(due, j.payload, j.payload)
		}
	}
	w.sched.mu.Unlock()
	for _, p := range due {
		if err := w.svc.HandleScheduled(context.Background(), p); err != nil {
			w.t.Fatal(err)
		}
	}
}

func (w *world) verify() {
	w.t.Helper()
	r, err := w.ledger.Verify(context.Background())
	if err != nil || !r.OK {
		w.t.Fatalf("ledger verify: %v %v", err, r.Violations)
	}
}

func (w *world) budget() rf.BudgetView {
	w.t.Helper()
	r, err := w.svc.Report(context.Background(), w.owner, w.program.ID, "", 10, "", "")
	if err != nil {
		w.t.Fatal(err)
	}
	return *r.Program.Budget
}

func TestProgram_BudgetHeldToppedUpAndReleasedOnClose(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3_000, pct20, 7)
	com := ledger.Community("com_1")
	if b := w.bal(com); b.Available != 7_000 || b.Held != 3_000 {
		t.Fatalf("the budget is held: %+v", b)
	}
	ctx := context.Background()
	if _, err := w.svc.CreateProgram(ctx, w.owner, "com_1", rf.ProgramInput{Name: ptr("Too big"), Currency: ptr("USD"), Commission: &pct20,
		AttributionDays: ptr(30), HoldDays: ptr(7), Budget: &money.Amount{Minor: 7_001, Currency: "USD"}}); fault.KindOf(err) != fault.InsufficientFunds {
		t.Fatalf("a budget beyond the balance: %v", err)
	}
	if _, err := w.svc.CreateProgram(ctx, w.owner, "com_1", rf.ProgramInput{Name: ptr(""), Currency: ptr("USD"), Commission: &rf.CommissionInput{Type: "percent", Bps: 20_000},
		AttributionDays: ptr(0), HoldDays: ptr(7), Budget: &money.Amount{Minor: 1, Currency: "EUR"}}); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("bad fields: %v", err)
	}
	if _, err := w.svc.CreateProgram(ctx, auth.Principal{Kind: auth.KindUser, UserID: "usr_x"}, "com_1", rf.ProgramInput{}); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("another person's community: %v", err)
	}
	if _, err := w.svc.TopUp(ctx, w.owner, w.program.ID, money.Amount{Minor: 2_000, Currency: "USD"}); err != nil {
		t.Fatal(err)
	}
	d := w.deal(w.influencer, "")
	if _, _, err := w.convert(d.Code, "", "order-1", "cust-1", 10_000); err != nil { // 2,000 committed
		t.Fatal(err)
	}
	if b := w.budget(); b.Funded.Minor != 5_000 || b.Remaining.Minor != 3_000 || b.Committed.Minor != 2_000 {
		t.Fatalf("budget: %+v", b)
	}
	closed, err := w.svc.CloseProgram(ctx, w.owner, w.program.ID)
	if err != nil || closed.Status != rf.ProgramClosed || closed.Budget.Remaining.Minor != 0 {
		t.Fatalf("closed: %+v %v", closed, err)
	}
	// What is unspent and uncommitted is back; the accrued commission is not.
	if b := w.bal(com); b.Available != 8_000 || b.Held != 0 {
		t.Fatalf("after close: %+v", b)
	}
	if _, err := w.svc.TopUp(ctx, w.owner, w.program.ID, money.Amount{Minor: 1, Currency: "USD"}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("top up a closed program: %v", err)
	}
	// The accrued commission still clears; a reversal now goes to available.
	c2, _, _ := w.convert(d.Code, "", "order-2", "cust-2", 10_000)
	if c2.Status != rf.NoCommission || c2.Reason != string(rf.ReasonProgramInactive) {
		t.Fatalf("a conversion on a closed program: %+v", c2)
	}
	w.clock.Advance(7 * 24 * time.Hour)
	w.runDue()
	if b := w.bal(ledger.Influencer("usr_inf")); b.Available != 2_000 || b.Pending != 0 {
		t.Fatalf("cleared after close: %+v", b)
	}
	w.verify()
}

func TestDeals_ApplyApproveCodesInviteDeclineEnd(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1_000, pct20, 7)
	ctx := context.Background()
	d := w.deal(w.influencer, "GoGopher")
	if d.Status != rf.DealApproved || d.Code != "gogopher" || d.Link != "https://souq.test/r/gogopher" || d.Terms == nil || d.Terms.Bps != 2000 {
		t.Fatalf("approved: %+v", d)
	}
	// The program changes; the approved deal keeps its terms.
	if _, err := w.svc.UpdateProgram(ctx, w.owner, w.program.ID, rf.ProgramInput{Commission: &rf.CommissionInput{Type: "flat", Amount: 50}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := w.svc.GetDeal(ctx, w.influencer, d.ID, ""); got.Terms.Type != rf.Percent || got.Terms.Bps != 2000 {
		t.Fatalf("frozen terms moved: %+v", got.Terms)
	}
	// A second application, and a taken vanity code in another case.
	if _, err := w.svc.Apply(ctx, w.influencer, w.program.ID, rf.DealInput{}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("applying twice: %v", err)
	}
	other := auth.Principal{Kind: auth.KindUser, UserID: "usr_other"}
	d2, err := w.svc.Apply(ctx, other, w.program.ID, rf.DealInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.DecideDeal(ctx, w.owner, d2.ID, "approve", rf.ApproveInput{Code: "GOGOPHER"}, ""); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("a taken code: %v", err)
	}
	if _, err := w.svc.DecideDeal(ctx, other, d2.ID, "approve", rf.ApproveInput{}, ""); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("an influencer approving itself: %v", err)
	}
	if g, err := w.svc.DecideDeal(ctx, w.owner, d2.ID, "approve", rf.ApproveInput{}, ""); err != nil || len(g.Code) != 12 || g.Terms.Type != rf.Flat {
		t.Fatalf("a generated code, the new terms: %+v %v", g, err)
	}
	// The owner cannot apply to its own program; invitations are accepted by the invited.
	if _, err := w.svc.Apply(ctx, w.owner, w.program.ID, rf.DealInput{}); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("the owner applies: %v", err)
	}
	inv, err := w.svc.Invite(ctx, w.owner, w.program.ID, rf.DealInput{InfluencerID: "usr_star"})
	if err != nil || inv.Status != rf.DealInvited {
		t.Fatalf("invite: %+v %v", inv, err)
	}
	if _, err := w.svc.DecideDeal(ctx, w.owner, inv.ID, "accept", rf.ApproveInput{}, ""); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("the owner accepts its own invitation: %v", err)
	}
	star := auth.Principal{Kind: auth.KindUser, UserID: "usr_star"}
	if a, err := w.svc.DecideDeal(ctx, star, inv.ID, "accept", rf.ApproveInput{}, ""); err != nil || a.Status != rf.DealApproved || a.Code == "" {
		t.Fatalf("accepted: %+v %v", a, err)
	}
	// Declined applications; a stranger sees nothing.
	d3, _ := w.svc.Apply(ctx, auth.Principal{Kind: auth.KindUser, UserID: "usr_meh"}, w.program.ID, rf.DealInput{})
	if dec, err := w.svc.DecideDeal(ctx, w.owner, d3.ID, "decline", rf.ApproveInput{}, ""); err != nil || dec.Status != rf.DealDeclined {
		t.Fatalf("declined: %+v %v", dec, err)
	}
	if _, err := w.svc.GetDeal(ctx, auth.Principal{Kind: auth.KindUser, UserID: "usr_nosy"}, d.ID, ""); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("a stranger reads a deal: %v", err)
	}
	// Ending: no new attribution, what accrued stays.
	c, _, _ := w.convert("gogopher", "", "o-1", "cust-1", 1_000)
	if _, err := w.svc.DecideDeal(ctx, w.owner, d.ID, "end", rf.ApproveInput{}, ""); err != nil {
		t.Fatal(err)
	}
	late, _, _ := w.convert("gogopher", "", "o-2", "cust-2", 1_000)
	if c.Status != rf.Pending || late.Status != rf.NoCommission || late.Reason != string(rf.ReasonDealEnded) {
		t.Fatalf("before and after the end: %+v / %+v", c, late)
	}
	if got := w.bal(ledger.Influencer("usr_inf")); got.Pending != 200 {
		t.Fatalf("what accrued stays: %+v", got)
	}
	mine, _, err := w.svc.MyDeals(ctx, w.influencer, 10, "", "")
	if err != nil || len(mine) != 1 || mine[0].Stats.Conversions != 2 || mine[0].Stats.CommissionPending != 200 {
		t.Fatalf("my deals: %+v %v", mine, err)
	}
	w.verify()
}

func TestClicks_RedirectHashedBotsApartFloodOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1_000, pct20, 7)
	ctx := context.Background()
	d := w.deal(w.influencer, "gophers")
	to, err := w.svc.Click(ctx, "GOPHERS", "203.0.113.9", "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0", "")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(to)
	if u.Host != "gophers.example" || u.Query().Get("ref") != "gophers" || !strings.HasPrefix(u.Query().Get("click"), "clk_") || u.Query().Get("lang") != "en" {
		t.Fatalf("redirect: %s", to)
	}
	// The same source within the minute: the same click, counted once.
	again, _ := w.svc.Click(ctx, "gophers", "203.0.113.9", "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0", "")
	if again != to {
		t.Fatalf("a flood got a new click: %s vs %s", again, to)
	}
	w.clock.Advance(time.Minute)
	next, _ := w.svc.Click(ctx, "gophers", "203.0.113.9", "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0", "")
	if next == to {
		t.Fatal("a minute later is a new click")
	}
	bot, _ := w.svc.Click(ctx, "gophers", "203.0.113.10", "Googlebot/2.1", "")
	if b, _ := url.Parse(bot); b.Query().Get("click") != "" {
		t.Fatalf("a bot got a click id: %s", bot)
	}
	if _, err := w.svc.Click(ctx, "nope-nope", "203.0.113.9", "Mozilla/5.0", ""); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("unknown code: %v", err)
	}
	got, _ := w.svc.GetDeal(ctx, w.owner, d.ID, "")
	if got.Stats.Clicks != 2 || got.Stats.BotClicks != 1 {
		t.Fatalf("stats: %+v", got.Stats)
	}
	// No raw address is stored anywhere in the table.
	raw, err := w.db.Client.Scan(ctx, scanInput(w.db))
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprint(raw.Items); strings.Contains(s, "203.0.113") || strings.Contains(s, "Firefox") {
		t.Fatal("a raw IP address or user agent was stored")
	}
	// A conversion through the click, and one outside the window.
	click := u.Query().Get("click")
	if c, _, err := w.convert("", click, "o-1", "cust-1", 1_000); err != nil || c.Status != rf.Pending || c.ClickID != click || c.Commission.Minor != 200 {
		t.Fatalf("by click: %+v %v", c, err)
	}
	w.clock.Advance(30 * 24 * time.Hour)
	nu, _ := url.Parse(next)
	if c, _, err := w.convert("", nu.Query().Get("click"), "o-2", "cust-2", 1_000); err != nil || c.Status != rf.NoCommission || c.Reason != string(rf.ReasonAttributionWindow) || c.Commission.Minor != 0 {
		t.Fatalf("outside the window: %+v %v", c, err)
	}
}

func TestConversions_IdempotentSelfRepeatAndRefusals(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 5_000, rf.CommissionInput{Type: "percent", Bps: 1000, Cap: 300}, 7)
	d := w.deal(w.influencer, "fren")
	c, created, err := w.convert("fren", "", "order-1", "cust-1", 5_000)
	if err != nil || !created || c.Commission.Minor != 300 || c.Status != rf.Pending {
		t.Fatalf("capped: %+v %v", c, err)
	}
	again, created, err := w.convert("FREN", "", "order-1", "cust-1", 5_000)
	if err != nil || created || again.ID != c.ID {
		t.Fatalf("the same report: %+v %v %v", again, created, err)
	}
	if _, _, err := w.convert("fren", "", "order-1", "cust-1", 5_001); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("a changed body under the same externalId: %v", err)
	}
	self, _, _ := w.convert("fren", "", "order-2", "USR_INF", 5_000)
	repeat, _, _ := w.convert("fren", "", "order-3", "cust-1", 5_000)
	if self.Reason != string(rf.ReasonSelfReferral) || repeat.Reason != string(rf.ReasonRepeatCustomer) || self.Commission.Minor != 0 || repeat.Commission.Minor != 0 {
		t.Fatalf("self %+v, repeat %+v", self, repeat)
	}
	ctx := context.Background()
	for name, in := range map[string]rf.ConversionInput{
		"both code and click": {Code: "fren", ClickID: "clk_x", ExternalID: "x", Amount: ptr(int64(1)), Currency: "USD", CustomerID: "c"},
		"neither":             {ExternalID: "x", Amount: ptr(int64(1)), Currency: "USD", CustomerID: "c"},
		"zero amount":         {Code: "fren", ExternalID: "x", Amount: ptr(int64(0)), Currency: "USD", CustomerID: "c"},
		"bad currency":        {Code: "fren", ExternalID: "x", Amount: ptr(int64(1)), Currency: "XXX", CustomerID: "c"},
		"other currency":      {Code: "fren", ExternalID: "x", Amount: ptr(int64(1)), Currency: "EUR", CustomerID: "c"},
	} {
		if _, _, err := w.svc.RecordConversion(ctx, w.key, in); fault.KindOf(err) != fault.Invalid {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, _, err := w.convert("unknown-code", "", "x", "c", 1); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("unknown code: %v", err)
	}
	otherKey := auth.Principal{Kind: auth.KindClient, AccountKind: auth.AccountCommunity, AccountID: "com_2"}
	if _, _, err := w.svc.RecordConversion(ctx, otherKey, rf.ConversionInput{Code: "fren", ExternalID: "y", Amount: ptr(int64(1)), Currency: "USD", CustomerID: "c"}); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("another community's key: %v", err)
	}
	advKey := auth.Principal{Kind: auth.KindClient, AccountKind: auth.AccountAdvertiser, AccountID: "adv_1"}
	if _, _, err := w.svc.RecordConversion(ctx, advKey, rf.ConversionInput{Code: "fren", ExternalID: "y", Amount: ptr(int64(1)), Currency: "USD", CustomerID: "c"}); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("an advertiser's key: %v", err)
	}
	if got, _ := w.svc.GetDeal(ctx, w.owner, d.ID, ""); got.Stats.Conversions != 3 || got.Stats.CommissionPending != 300 {
		t.Fatalf("stats: %+v", got.Stats)
	}
	if b := w.bal(ledger.Influencer("usr_inf")); b.Pending != 300 {
		t.Fatalf("pending: %+v", b)
	}
	w.verify()
}

// 100 conversions at once against a budget that covers 30: exactly 30
// earn, the rest are recorded with nothing and the reason, and the owner
// is told once.
func TestConversions_HundredConcurrentAgainstABudgetForThirty(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3_000, rf.CommissionInput{Type: "flat", Amount: 100}, 7)
	w.deal(w.influencer, "burst")
	var wg sync.WaitGroup
	var mu sync.Mutex
	earned, short := 0, 0
	sem := make(chan struct{}, 16)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, _, err := w.convert("burst", "", fmt.Sprint("o-", i), fmt.Sprint("c-", i), 1_000)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Errorf("conversion %d: %v", i, err)
			case c.Commission.Minor == 100:
				earned++
			case c.Reason == string(rf.ReasonBudgetExhausted):
				short++
			default:
				t.Errorf("conversion %d: %+v", i, c)
			}
		}()
	}
	wg.Wait()
	if earned != 30 || short != 70 {
		t.Fatalf("%d earned, %d short; want 30 and 70", earned, short)
	}
	if n := storetest.OutboxCount(t, w.db, "ProgramBudgetExhausted"); n != 1 {
		t.Fatalf("the owner was told %d times that the budget ran out, want once", n)
	}
	if n, m := storetest.OutboxCount(t, w.db, "CommissionAccrued"), storetest.OutboxCount(t, w.db, "ConversionRecorded"); n != 30 || m != 100 {
		t.Fatalf("%d CommissionAccrued, %d ConversionRecorded; want 30 and 100", n, m)
	}
	if b := w.budget(); b.Remaining.Minor != 0 || b.Committed.Minor != 3_000 {
		t.Fatalf("budget: %+v", b)
	}
	if b := w.bal(ledger.Influencer("usr_inf")); b.Pending != 3_000 {
		t.Fatalf("pending: %+v", b)
	}
	w.verify()
}

// The same externalId reported concurrently: one conversion.
func TestConversions_ConcurrentDuplicatesRecordOne(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3_000, pct20, 7)
	w.deal(w.influencer, "dupe")
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids, created := map[string]bool{}, 0
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, first, err := w.convert("dupe", "", "order-77", "cust-77", 1_000)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("duplicate %d: %v", i, err)
				return
			}
			ids[c.ID] = true
			if first {
				created++
			}
		}()
	}
	wg.Wait()
	if len(ids) != 1 || created != 1 {
		t.Fatalf("%d conversions, %d created; want one", len(ids), created)
	}
	if b := w.bal(ledger.Influencer("usr_inf")); b.Pending != 200 {
		t.Fatalf("accrued once: %+v", b)
	}
	w.verify()
}

// Reversal within the hold period goes back to the budget; clearing at
// the end of it; after clearing, a reversal is a clawback, owed and taken
// from the next clearing, never from the balance.
func TestCommissions_ReverseClearClawback(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 5_000, pct20, 7)
	ctx := context.Background()
	w.deal(w.influencer, "clawme")
	inf := ledger.Influencer("usr_inf")
	a, _, _ := w.convert("clawme", "", "o-1", "c-1", 10_000) // 2,000
	b, _, _ := w.convert("clawme", "", "o-2", "c-2", 5_000)  // 1,000
	// Partial reversal of a within the hold: 1/4 of the amount → 500 back.
	r, err := w.svc.Reverse(ctx, w.key, a.ID, rf.ReverseInput{Amount: ptr(int64(2_500))})
	if err != nil || r.CommissionReversed.Minor != 500 || r.Status != rf.Pending {
		t.Fatalf("partial: %+v %v", r, err)
	}
	if bal := w.bal(inf); bal.Pending != 2_500 {
		t.Fatalf("pending after a partial reversal: %+v", bal)
	}
	if bg := w.budget(); bg.Remaining.Minor != 5_000-3_000+500 {
		t.Fatalf("back to the budget: %+v", bg)
	}
	if _, err := w.svc.Reverse(ctx, w.key, a.ID, rf.ReverseInput{Amount: ptr(int64(7_501))}); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("reversing more than is left: %v", err)
	}
	// The hold period ends: both clear (each schedule delivered twice).
	w.clock.Advance(7 * 24 * time.Hour)
	w.runDue()
	if bal := w.bal(inf); bal.Pending != 0 || bal.Available != 2_500 {
		t.Fatalf("cleared: %+v", bal)
	}
	// b is refunded in full after clearing: a clawback of 1,000, owed.
	cb, err := w.svc.Reverse(ctx, w.key, b.ID, rf.ReverseInput{})
	if err != nil || cb.Status != rf.Reversed || cb.Clawback.Minor != 1_000 {
		t.Fatalf("clawback: %+v %v", cb, err)
	}
	if bal := w.bal(inf); bal.Available != 2_500 {
		t.Fatalf("a clawback never takes from the balance: %+v", bal)
	}
	if e, _ := w.svc.Earnings(ctx, w.influencer); len(e) != 1 || e[0].Owed != 1_000 || e[0].Available != 2_500 {
		t.Fatalf("earnings: %+v", e)
	}
	if _, err := w.svc.Reverse(ctx, w.key, b.ID, rf.ReverseInput{}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("reversing twice: %v", err)
	}
	// The next clearing (600) is kept back towards the 1,000 owed, and the
	// one after (1,600) pays 1,200 of itself.
	c1, _, _ := w.convert("clawme", "", "o-3", "c-3", 3_000)
	c2, _, _ := w.convert("clawme", "", "o-4", "c-4", 8_000)
	w.clock.Advance(7 * 24 * time.Hour)
	if err := w.svc.HandleScheduled(ctx, clearPayload(c1.ID)); err != nil {
		t.Fatal(err)
	}
	if e, _ := w.svc.Earnings(ctx, w.influencer); e[0].Owed != 400 || e[0].Available != 2_500 {
		t.Fatalf("after the first clearing: %+v", e)
	}
	if err := w.svc.HandleScheduled(ctx, clearPayload(c2.ID)); err != nil {
		t.Fatal(err)
	}
	if e, _ := w.svc.Earnings(ctx, w.influencer); e[0].Owed != 0 || e[0].Available != 2_500+1_200 || e[0].Pending != 0 {
		t.Fatalf("after the second clearing: %+v", e)
	}
	// The community got the 1,000 back as available.
	if bal := w.bal(ledger.Community("com_1")); bal.Available != 5_000+1_000 {
		t.Fatalf("community: %+v", bal)
	}
	w.verify()
}

func clearPayload(id string) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"job": rf.JobClear, "conversionId": id})
	return b
}

// A second conversion from one click is flagged: it does not clear until
// the owner approves it; a declined one returns to the budget.
func TestCommissions_FlaggedWaitForTheOwner(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 5_000, pct20, 7)
	ctx := context.Background()
	w.deal(w.influencer, "flagme")
	to, _ := w.svc.Click(ctx, "flagme", "198.51.100.7", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15", "")
	u, _ := url.Parse(to)
	click := u.Query().Get("click")
	first, _, _ := w.convert("", click, "o-1", "c-1", 1_000)
	second, _, _ := w.convert("", click, "o-2", "c-2", 1_000)
	third, _, _ := w.convert("", click, "o-3", "c-3", 1_000)
	if first.Status != rf.Pending || second.Status != rf.Flagged || second.Reason != string(rf.ReasonClickBurst) || third.Status != rf.Flagged {
		t.Fatalf("flags: %s / %s %s / %s", first.Status, second.Status, second.Reason, third.Status)
	}
	queue, _, err := w.svc.FlaggedConversions(ctx, w.owner, "com_1", 10, "")
	ids := []string{}
	for _, c := range queue {
		ids = append(ids, c.ID)
	}
	sort.Strings(ids)
	if err != nil || len(ids) != 2 {
		t.Fatalf("queue: %v %v", ids, err)
	}
	w.clock.Advance(8 * 24 * time.Hour)
	w.runDue()
	if bal := w.bal(ledger.Influencer("usr_inf")); bal.Available != 200 || bal.Pending != 400 {
		t.Fatalf("only the unflagged one cleared: %+v", bal)
	}
	if _, err := w.svc.Review(ctx, w.key, second.ID, true); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("a key reviews: %v", err)
	}
	ok, err := w.svc.Review(ctx, w.owner, second.ID, true)
	if err != nil || ok.Status != rf.Cleared {
		t.Fatalf("approved past its hold: %+v %v", ok, err)
	}
	no, err := w.svc.Review(ctx, w.owner, third.ID, false)
	if err != nil || no.Status != rf.Declined {
		t.Fatalf("declined: %+v %v", no, err)
	}
	if _, err := w.svc.Review(ctx, w.owner, third.ID, true); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("reviewing twice: %v", err)
	}
	if bal := w.bal(ledger.Influencer("usr_inf")); bal.Available != 400 || bal.Pending != 0 {
		t.Fatalf("after review: %+v", bal)
	}
	if bg := w.budget(); bg.Remaining.Minor != 5_000-400 {
		t.Fatalf("the declined commission is back in the budget: %+v", bg)
	}
	w.verify()
}

// A hold period of zero clears at once.
func TestCommissions_NoHoldClearsAtOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1_000, pct20, 0)
	w.deal(w.influencer, "nohold")
	c, _, err := w.convert("nohold", "", "o-1", "c-1", 1_000)
	if err != nil || c.Status != rf.Cleared {
		t.Fatalf("%+v %v", c, err)
	}
	if bal := w.bal(ledger.Influencer("usr_inf")); bal.Available != 200 {
		t.Fatalf("%+v", bal)
	}
	w.verify()
}

// scanInput reads the whole referrals table (tests only: no request path scans).
func scanInput(db *store.DB) *dynamodb.ScanInput {
	return &dynamodb.ScanInput{TableName: aws.String(db.Table(topology.TableReferrals))}
}

// Earnings show what payouts paid, once per PayoutPaid however often it
// is delivered; community payouts are not an influencer's.
func TestEarnings_PaidFromPayoutPaidOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1_000, pct20, 0)
	w.deal(w.influencer, "paidme")
	if _, _, err := w.convert("paidme", "", "o-1", "c-1", 1_000); err != nil {
		t.Fatal(err)
	}
	paid := func(id, kind, owner string) {
		d, _ := json.Marshal(&events.PayoutPaid{Payout: events.Payout{Meta: events.Meta{EventID: "evt_" + id}, PayoutID: id, OwnerKind: kind, OwnerID: owner,
			Amount: money.Amount{Minor: 150, Currency: "USD"}}})
		for i := 0; i < 2; i++ {
			if err := w.svc.HandleEvent(context.Background(), lambdaevents.EventBridgeEvent{DetailType: "PayoutPaid", Detail: d}); err != nil {
				t.Fatal(err)
			}
		}
	}
	paid("po_1", "influencer", "usr_inf")
	paid("po_2", "community", "com_1")
	e, err := w.svc.Earnings(context.Background(), w.influencer)
	if err != nil || len(e) != 1 || e[0].Paid != 150 || e[0].Available != 200 || e[0].InTransit != 0 {
		t.Fatalf("earnings: %+v %v", e, err)
	}
	// A claim the bank has not had yet is in transit: no longer
	// available, not yet paid (the payouts context's claim transfer).
	op, err := w.ledger.Prepare(ledger.Transfer{ID: "txf_po_3_claim", Kind: "payout_claim", Currency: "USD", At: t0,
		Legs: []ledger.Leg{{Account: ledger.Influencer("usr_inf"), Available: -120}, {Account: ledger.InTransit(ledger.Influencer("usr_inf")), Available: 120}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.ledger.Apply(context.Background(), op); err != nil {
		t.Fatal(err)
	}
	if e, err := w.svc.Earnings(context.Background(), w.influencer); err != nil || e[0].Available != 80 || e[0].InTransit != 120 || e[0].Paid != 150 {
		t.Fatalf("earnings with a claim in transit: %+v %v", e, err)
	}
}

// Five partial reversals of one conversion at once, each of a fifth:
// together they reverse it exactly, its commission goes back to the
// budget once, and a sixth finds nothing left.
func TestCommissions_ConcurrentPartialReversalsReturnTheCommissionOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 5_000, pct20, 7)
	w.deal(w.influencer, "revrace")
	c, _, err := w.convert("revrace", "", "o-1", "c-1", 10_000) // 2,000
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = w.svc.Reverse(context.Background(), w.key, c.ID, rf.ReverseInput{Amount: ptr(int64(2_000))})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("reversal %d: %v", i, err)
		}
	}
	got, _ := w.svc.GetConversion(context.Background(), w.key, c.ID)
	if got.Status != rf.Reversed || got.Reversed != 10_000 || got.CommissionReversed.Minor != 2_000 {
		t.Fatalf("after five fifths: %+v", got)
	}
	if _, err := w.svc.Reverse(context.Background(), w.key, c.ID, rf.ReverseInput{Amount: ptr(int64(1))}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("a sixth: %v", err)
	}
	if b := w.bal(ledger.Influencer("usr_inf")); b.Pending != 0 {
		t.Fatalf("influencer: %+v", b)
	}
	if bg := w.budget(); bg.Remaining.Minor != 5_000 || bg.Committed.Minor != 0 {
		t.Fatalf("the budget: %+v", bg)
	}
	w.verify()
}

// Top-ups and conversions racing the close: the budget never commits
// more than was funded, the close releases exactly what is left, and
// every top-up either lands before the close or is refused.
func TestProgram_TopUpsAndConversionsRacingTheClose(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1_000, rf.CommissionInput{Type: "flat", Amount: 100}, 7)
	w.deal(w.influencer, "closerace")
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	toppedUp, earned := int64(0), int64(0)
	for i := 0; i < 4; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := w.svc.TopUp(ctx, w.owner, w.program.ID, money.Amount{Minor: 500, Currency: "USD"}); err == nil {
				mu.Lock()
				toppedUp += 500
				mu.Unlock()
			} else if k := fault.KindOf(err); k != fault.Conflict {
				t.Errorf("top-up: %v", err)
			}
		}()
		go func() {
			defer wg.Done()
			for k := 0; k < 5; k++ {
				c, _, err := w.convert("closerace", "", fmt.Sprintf("o-%d-%d", i, k), fmt.Sprintf("c-%d-%d", i, k), 1_000)
				if err != nil {
					t.Errorf("conversion: %v", err)
					continue
				}
				mu.Lock()
				earned += c.Commission.Minor
				mu.Unlock()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := w.svc.CloseProgram(ctx, w.owner, w.program.ID); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	wg.Wait()
	bg := w.budget()
	if !bg.Closed || bg.Remaining.Minor != 0 || bg.Funded.Minor != 1_000+toppedUp || bg.Committed.Minor != earned {
		t.Fatalf("budget %+v: topped up %d, earned %d", bg, toppedUp, earned)
	}
	// What the community has: the deposit less what was committed.
	if b := w.bal(ledger.Community("com_1")); b.Available != 10_000-earned || b.Held != 0 {
		t.Fatalf("community: %+v, earned %d", b, earned)
	}
	if b := w.bal(ledger.Influencer("usr_inf")); b.Pending != earned {
		t.Fatalf("influencer: %+v, earned %d", b, earned)
	}
	w.verify()
}
