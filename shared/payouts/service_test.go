package payouts_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/payments"
	po "github.com/souqhq/souq/shared/payouts"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// t0 is a fixed day far in the future: DynamoDB Local expires items by TTL against the
// real clock, and outbox items carry one computed from the fake clock.
var t0 = time.Date(2039, time.January, 31, 12, 0, 0, 0, time.UTC)

// fakeStripe behaves as Stripe does for what payouts asks of it.
// Transfers: one per idempotency key, whatever is retried; it can be told
// to answer the next calls with errors, and to run a hook after a
// transfer is made. Connect: one Express account per idempotency key
// (until the keys are forgotten, as Stripe forgets them after 24 hours),
// onboarding that a test finishes or leaves, Account Links and login
// links.
type fakeStripe struct {
	// Gateway is nil: the calls payouts never makes (customers, cards,
	// Checkout, refunds) panic.
	payments.Gateway

	mu        sync.Mutex
	transfers map[string]payments.Transfer
	calls     int
	errs      []error
	after     func()

	accounts map[string]*payments.ConnectAccount
	keys     map[string]string // idempotency key → account
	created  int
	links    []string // "<account> <refresh_url> <return_url>"
	readErr  error    // GetConnectAccount answers it when set
}

func newFakeStripe() *fakeStripe {
	return &fakeStripe{transfers: map[string]payments.Transfer{}, accounts: map[string]*payments.ConnectAccount{}, keys: map[string]string{}}
}

func (f *fakeStripe) Payout(_ context.Context, t payments.Transfer) (payments.Receipt, error) {
	f.mu.Lock()
	f.calls++
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		f.mu.Unlock()
		return payments.Receipt{}, err
	}
	if _, ok := f.transfers[t.ID]; !ok {
		f.transfers[t.ID] = t
	}
	after := f.after
	f.mu.Unlock()
	if after != nil {
		after()
	}
	return payments.Receipt{Reference: "tr_" + t.ID[3:15]}, nil
}

func (f *fakeStripe) count() (transfers, calls int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.transfers), f.calls
}

// expressRequirements are what a new Express account must give Stripe.
var expressRequirements = []string{"external_account", "individual.verification.document", "tos_acceptance.date"}

func (f *fakeStripe) CreateConnectAccount(_ context.Context, a payments.ConnectRequest) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id, ok := f.keys[a.Key]; ok {
		return id, nil
	}
	f.created++
	id := fmt.Sprintf("acct_1Fake%08d", f.created)
	f.accounts[id] = &payments.ConnectAccount{ID: id, Requirements: slices.Clone(expressRequirements), Payee: a.Payee}
	f.keys[a.Key] = id
	return id, nil
}

func (f *fakeStripe) GetConnectAccount(_ context.Context, id string) (payments.ConnectAccount, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readErr != nil {
		return payments.ConnectAccount{}, f.readErr
	}
	a := f.accounts[id]
	if a == nil {
		return payments.ConnectAccount{}, payments.Declined("fake", "No such account: "+id)
	}
	out := *a
	out.Requirements = slices.Clone(a.Requirements)
	return out, nil
}

func (f *fakeStripe) OnboardingLink(_ context.Context, id, refreshURL, returnURL string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.accounts[id] == nil {
		return "", payments.Declined("fake", "No such account: "+id)
	}
	f.links = append(f.links, id+" "+refreshURL+" "+returnURL)
	return "https://connect.stripe.test/setup/" + id, nil
}

func (f *fakeStripe) DashboardLink(_ context.Context, id string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.accounts[id]; a == nil || !a.DetailsSubmitted {
		return "", payments.Declined("fake", "Cannot create a login link for an account that has not completed onboarding.")
	}
	return "https://connect.stripe.test/express/" + id, nil
}

// onboard is the payee on Stripe's onboarding page: complete enables
// payouts with nothing due; incomplete gives some of it (the bank
// account) and leaves the rest due.
func (f *fakeStripe) onboard(id string, complete bool) payments.ConnectAccount {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[id]
	if complete {
		a.PayoutsEnabled, a.DetailsSubmitted, a.Requirements = true, true, nil
	} else if len(a.Requirements) > 0 && a.Requirements[0] == "external_account" {
		a.Requirements = a.Requirements[1:]
	}
	out := *a
	out.Requirements = slices.Clone(a.Requirements)
	return out
}

// forgetKeys is Stripe after 24 hours: an idempotency key makes a new
// account again.
func (f *fakeStripe) forgetKeys() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys = map[string]string{}
}

func (f *fakeStripe) accountsMade() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.created
}

var (
	unknown  = payments.Unknown("fake", errors.New("timeout"))
	declined = payments.Declined("fake", "the account cannot receive transfers")
)

type world struct {
	t          testing.TB
	db         *store.DB
	svc        *po.Service
	ledger     *ledger.Ledger
	clock      *clock.Fake
	stripe     *fakeStripe
	influencer auth.Principal
	owner      auth.Principal
	events     int // account events sent, for their ids
}

// publicURL is where the console is, in these tests.
const publicURL = "https://souq.test"

// newWorld: an influencer with `available` cleared commissions in USD and
// a deal whose program's minimum payout is 1,000; a community (USD, owned
// by usr_owner) with 5,000 of earnings.
func newWorld(t testing.TB, available int64) *world {
	t.Helper()
	db := storetest.New(t)
	w := &world{t: t, db: db, ledger: ledger.New(db), clock: clock.NewFake(t0), stripe: newFakeStripe(),
		influencer: auth.Principal{Kind: auth.KindUser, UserID: "usr_inf"}, owner: auth.Principal{Kind: auth.KindUser, UserID: "usr_owner"}}
	w.svc = po.NewService(po.NewRepository(db), w.ledger, w.stripe, w.clock, po.Config{MinimumPayout: po.DefaultMinimumPayout, Sleep: func(time.Duration) {}, PublicURL: publicURL + "/"})
	w.event(&events.DealApproved{Meta: events.Meta{EventID: "evt_d1"}, DealID: "deal_1", InfluencerID: "usr_inf", MinimumPayout: money.Amount{Minor: 1_000, Currency: "USD"}})
	w.event(&events.DealApproved{Meta: events.Meta{EventID: "evt_d2"}, DealID: "deal_2", InfluencerID: "usr_inf", MinimumPayout: money.Amount{Minor: 5_000, Currency: "USD"}})
	w.event(&events.CommunityCreated{Meta: events.Meta{EventID: "evt_c"}, CommunityID: "com_1", OwnerID: "usr_owner", Currency: "USD"})
	w.fund(ledger.Influencer("usr_inf"), available)
	w.fund(ledger.Community("com_1"), 5_000)
	return w
}

func (w *world) event(ev events.Event) {
	w.t.Helper()
	if err := w.handle(ev); err != nil {
		w.t.Fatal(err)
	}
}

// handle delivers an event as the bus does.
func (w *world) handle(ev events.Event) error {
	d, _ := json.Marshal(ev)
	return w.svc.HandleEvent(context.Background(), lambdaevents.EventBridgeEvent{DetailType: ev.DetailType(), Detail: d})
}

func (w *world) fund(a ledger.Account, n int64) {
	w.t.Helper()
	if n == 0 {
		return
	}
	op, _ := w.ledger.Prepare(ledger.Transfer{ID: "txf_fund_" + string(a[len(a)-5:]), Kind: "test_funds", Currency: "USD", At: t0,
		Legs: []ledger.Leg{{Account: ledger.ExternalDeposits, Available: -n}, {Account: a, Available: n}}})
	if err := w.ledger.Apply(context.Background(), op); err != nil {
		w.t.Fatal(err)
	}
}

// onboard: p sets up payouts, finishes Stripe's onboarding, and Stripe's
// account.updated arrives. It returns the account.
func (w *world) onboard(p auth.Principal) string {
	w.t.Helper()
	acct := w.setUp(p)
	w.accountEvent(p, w.stripe.onboard(acct, true), w.clock.Now().Unix())
	return acct
}

// setUp is POST /v1/me/payout-account: the account its link leads to.
func (w *world) setUp(p auth.Principal) string {
	w.t.Helper()
	v, err := w.svc.SetUpAccount(context.Background(), p, po.AccountInput{})
	if err != nil {
		w.t.Fatal(err)
	}
	acct, ok := strings.CutPrefix(v.OnboardingURL, "https://connect.stripe.test/setup/")
	if !ok {
		w.t.Fatalf("onboarding: %+v", v)
	}
	return acct
}

// accountEvent delivers PayoutAccountUpdated as the accounts context
// publishes it from Stripe's account.updated created at version.
func (w *world) accountEvent(p auth.Principal, a payments.ConnectAccount, version int64) string {
	w.t.Helper()
	w.events++
	id := fmt.Sprintf("evt_acct_%d", w.events)
	st := po.StateOf(a, version)
	w.event(&events.PayoutAccountUpdated{Meta: events.Meta{EventID: id}, UserID: p.UserID, AccountID: a.ID, Status: string(st.Status), Requirements: st.Requirements, Version: version})
	return id
}

func (w *world) claim(key string, amount int64) (po.PayoutView, error) {
	v, _, err := w.svc.Claim(context.Background(), w.influencer, "", po.ClaimInput{Amount: amount, Currency: "USD"}, key)
	return v, err
}

func (w *world) bal(a ledger.Account) ledger.Balance {
	w.t.Helper()
	b, err := w.ledger.Balance(context.Background(), a, "USD")
	if err != nil {
		w.t.Fatal(err)
	}
	return b
}

func (w *world) read(id string) po.PayoutView {
	w.t.Helper()
	v, err := w.svc.GetPayout(context.Background(), w.influencer, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

func (w *world) verify() {
	w.t.Helper()
	r, err := w.ledger.Verify(context.Background())
	if err != nil || !r.OK {
		w.t.Fatalf("ledger verify: %v %v", err, r.Violations)
	}
}

func (w *world) outbox(detailType string) int { return storetest.OutboxCount(w.t, w.db, detailType) }

func TestClaim_RulesRefuseWithNoChange(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3_000)
	inf := ledger.Influencer("usr_inf")
	ctx := context.Background()
	if _, err := w.claim("k1", 2_000); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("no payout account: %v", err)
	}
	acct := w.onboard(w.influencer)
	for name, c := range map[string]struct {
		amount   int64
		currency string
		key      string
		kind     fault.Kind
	}{
		"below the program's minimum (the smaller of the two deals')": {999, "USD", "k2", fault.Invalid},
		"above available":                 {3_001, "USD", "k3", fault.InsufficientFunds},
		"a currency with no deal":         {2_000, "EUR", "k4", fault.Invalid},
		"no Idempotency-Key":              {2_000, "USD", "", fault.Invalid},
		"an unknown currency":             {2_000, "XYZ", "k5", fault.Invalid},
		"more than any amount Souq takes": {money.MaxMinor + 1, "USD", "k6", fault.Invalid},
	} {
		if _, _, err := w.svc.Claim(ctx, w.influencer, "", po.ClaimInput{Amount: c.amount, Currency: c.currency}, c.key); fault.KindOf(err) != c.kind {
			t.Errorf("%s: %v, want %v", name, err, c.kind)
		}
	}
	if b := w.bal(inf); b.Available != 3_000 {
		t.Fatalf("refused claims moved money: %+v", b)
	}
	// A good claim; the same key again is the same payout, claimed once.
	p, err := w.claim("payday-1", 2_000)
	if err != nil || p.Status != po.Pending || p.Destination != po.Mask(acct) {
		t.Fatalf("claim: %+v %v", p, err)
	}
	again, err := w.claim("payday-1", 2_000)
	if err != nil || again.ID != p.ID {
		t.Fatalf("the same key: %+v %v", again, err)
	}
	if b := w.bal(inf); b.Available != 1_000 {
		t.Fatalf("claimed once: %+v", b)
	}
	if b := w.bal(ledger.InTransit(inf)); b.Available != 2_000 {
		t.Fatalf("in transit: %+v", b)
	}
	// Changing the destination does not redirect the payout in flight.
	if _, err := w.svc.SetDestination(ctx, w.influencer, po.DestinationInput{Type: "stripe", AccountID: "acct_Elsewhere9999"}); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Process(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	for _, tr := range w.stripe.transfers {
		if tr.Destination != acct {
			t.Fatalf("paid to %s, the destination at the claim was %s", tr.Destination, acct)
		}
	}
	// Bad destinations; a stranger's reads.
	for _, d := range []po.DestinationInput{{Type: "paypal", AccountID: "acct_1Gophers2026"}, {Type: "stripe", AccountID: "ba_123456"}, {Type: "stripe", AccountID: "acct_x"}} {
		if _, err := w.svc.SetDestination(ctx, w.influencer, d); fault.KindOf(err) != fault.Invalid {
			t.Errorf("destination %+v: %v", d, err)
		}
	}
	if got, _ := w.svc.GetDestination(ctx, w.influencer); got.AccountID != "acct_••••9999" {
		t.Fatalf("masked: %+v", got)
	}
	if _, err := w.svc.GetPayout(ctx, w.owner, p.ID); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("a stranger reads the payout: %v", err)
	}
	// The community's owner claims its earnings, in its currency only.
	w.onboard(w.owner)
	if _, _, err := w.svc.Claim(ctx, w.owner, "com_1", po.ClaimInput{Amount: 1_000, Currency: "EUR"}, "c1"); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("the wrong currency: %v", err)
	}
	if _, _, err := w.svc.Claim(ctx, w.influencer, "com_1", po.ClaimInput{Amount: 1_000, Currency: "USD"}, "c2"); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("not the owner: %v", err)
	}
	cp, _, err := w.svc.Claim(ctx, w.owner, "com_1", po.ClaimInput{Amount: 4_000, Currency: "USD"}, "c3")
	if err != nil || cp.OwnerKind != po.Community {
		t.Fatalf("community claim: %+v %v", cp, err)
	}
	if b := w.bal(ledger.Community("com_1")); b.Available != 1_000 {
		t.Fatalf("community after the claim: %+v", b)
	}
	list, _, err := w.svc.ListPayouts(ctx, w.owner, 10, "")
	if err != nil || len(list) != 1 || list[0].ID != cp.ID {
		t.Fatalf("the owner's payouts: %+v %v", list, err)
	}
	w.verify()
}

func TestWorker_PaysOnceAndRecordsEachStep(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3_000)
	w.onboard(w.influencer)
	ctx := context.Background()
	p, _ := w.claim("k", 2_500)
	if err := w.svc.Process(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	got := w.read(p.ID)
	if got.Status != po.Paid || got.Reference == "" || got.PaidAt == "" || got.Attempts != 1 {
		t.Fatalf("paid: %+v", got)
	}
	for i := 0; i < 3; i++ { // redelivered later: nothing more
		if err := w.svc.Process(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	if tr, calls := w.stripe.count(); tr != 1 || calls != 1 {
		t.Fatalf("%d transfers in %d rail calls, want 1 and 1", tr, calls)
	}
	if b := w.bal(ledger.InTransit(ledger.Influencer(w.influencer.UserID))); b.Available != 0 {
		t.Fatalf("in transit: %+v", b)
	}
	if b := w.bal(ledger.ExternalPayouts); b.Available != 2_500 {
		t.Fatalf("paid out: %+v", b)
	}
	if n := w.outbox("PayoutPaid"); n != 1 {
		t.Fatalf("PayoutPaid %d times", n)
	}
	w.verify()
}

func TestWorker_DeclineReturnsTheFunds(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3_000)
	w.onboard(w.influencer)
	w.stripe.errs = []error{declined}
	p, _ := w.claim("k", 3_000)
	if err := w.svc.Process(context.Background(), p.ID); err != nil {
		t.Fatal(err)
	}
	got := w.read(p.ID)
	if got.Status != po.Failed || got.Reason == "" {
		t.Fatalf("failed: %+v", got)
	}
	if b := w.bal(ledger.Influencer("usr_inf")); b.Available != 3_000 {
		t.Fatalf("the funds are back: %+v", b)
	}
	if n := w.outbox("PayoutFailed"); n != 1 {
		t.Fatalf("PayoutFailed %d times", n)
	}
	// They can be claimed again.
	if _, err := w.claim("k2", 3_000); err != nil {
		t.Fatal(err)
	}
	w.verify()
}

func TestWorker_TimesOutTwiceThenSucceeds_OneTransfer(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3_000)
	w.onboard(w.influencer)
	w.stripe.errs = []error{unknown, unknown}
	p, _ := w.claim("k", 2_000)
	if err := w.svc.Process(context.Background(), p.ID); err != nil {
		t.Fatal(err)
	}
	if got := w.read(p.ID); got.Status != po.Paid {
		t.Fatalf("paid: %+v", got)
	}
	if tr, calls := w.stripe.count(); tr != 1 || calls != 3 {
		t.Fatalf("%d transfers in %d calls, want 1 in 3", tr, calls)
	}
	w.verify()
}

// An outcome that stays unknown is never a failure: the payout stays in
// transit, and the sweep pays it later with the same idempotency key.
func TestWorker_UnknownOutcomeStaysInTransitUntilTheSweep(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3_000)
	w.onboard(w.influencer)
	w.stripe.errs = []error{unknown, unknown, unknown}
	p, _ := w.claim("k", 2_000)
	ctx := context.Background()
	if err := w.svc.Process(ctx, p.ID); !errors.Is(err, po.ErrOutcomeUnknown) {
		t.Fatalf("an unknown outcome: %v", err)
	}
	if got := w.read(p.ID); got.Status != po.Processing {
		t.Fatalf("still in transit: %+v", got)
	}
	if b := w.bal(ledger.Influencer("usr_inf")); b.Available != 1_000 {
		t.Fatalf("no funds came back on an unknown outcome: %+v", b)
	}
	w.clock.Advance(time.Second)
	sweep, _ := json.Marshal(map[string]string{"job": po.JobSweep})
	if err := w.svc.HandleScheduled(ctx, sweep); err != nil {
		t.Fatal(err)
	}
	if got := w.read(p.ID); got.Status != po.Paid || got.Attempts != 2 {
		t.Fatalf("paid by the sweep: %+v", got)
	}
	if tr, _ := w.stripe.count(); tr != 1 {
		t.Fatalf("%d transfers", tr)
	}
	w.verify()
}

// The same PayoutRequested delivered three times at once: one worker
// holds the payout; one transfer.
func TestWorker_ConcurrentRedeliveries_OneTransfer(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 10_000)
	w.onboard(w.influencer)
	for round := 0; round < 3; round++ {
		p, err := w.claim(fmt.Sprint("k", round), 2_000)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := json.Marshal(&events.PayoutRequested{Payout: events.Payout{Meta: events.Meta{EventID: "evt_" + p.ID}, PayoutID: p.ID}})
		var wg sync.WaitGroup
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := w.svc.HandleEvent(context.Background(), lambdaevents.EventBridgeEvent{DetailType: "PayoutRequested", Detail: d}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if got := w.read(p.ID); got.Status != po.Paid {
			t.Fatalf("round %d: %+v", round, got)
		}
	}
	if tr, calls := w.stripe.count(); tr != 3 || calls != 3 {
		t.Fatalf("%d transfers in %d calls, want 3 in 3", tr, calls)
	}
	if n := w.outbox("PayoutPaid"); n != 3 {
		t.Fatalf("PayoutPaid %d times, want 3", n)
	}
	w.verify()
}

// The worker dies after the rail paid but before recording it: the
// retry, once the lease runs out, finds the transfer by the payout id and
// records paid; no second transfer.
func TestWorker_CrashAfterTheRailPaid_RetryRecordsPaidOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3_000)
	w.onboard(w.influencer)
	p, _ := w.claim("k", 2_000)
	ctx, crash := context.WithCancel(context.Background())
	w.stripe.after = crash // the process is gone before it can write
	if err := w.svc.Process(ctx, p.ID); err == nil {
		t.Fatal("the crashed worker recorded its outcome")
	}
	w.stripe.after = nil
	if got := w.read(p.ID); got.Status != po.Processing {
		t.Fatalf("after the crash: %+v", got)
	}
	// A redelivery within the lease leaves it to the (dead) holder ...
	if err := w.svc.Process(context.Background(), p.ID); err != nil {
		t.Fatal(err)
	}
	if _, calls := w.stripe.count(); calls != 1 {
		t.Fatalf("a redelivery within the lease called the rail: %d calls", calls)
	}
	// ... and the sweep, past it, finishes.
	w.clock.Advance(po.Lease + time.Second)
	sweep, _ := json.Marshal(map[string]string{"job": po.JobSweep})
	if err := w.svc.HandleScheduled(context.Background(), sweep); err != nil {
		t.Fatal(err)
	}
	if got := w.read(p.ID); got.Status != po.Paid {
		t.Fatalf("after the sweep: %+v", got)
	}
	if tr, calls := w.stripe.count(); tr != 1 || calls != 2 {
		t.Fatalf("%d transfers in %d calls, want 1 in 2", tr, calls)
	}
	if b := w.bal(ledger.ExternalPayouts); b.Available != 2_000 {
		t.Fatalf("paid once: %+v", b)
	}
	w.verify()
}

// Five claims at once against funds for two: exactly two are accepted.
func TestClaims_FiveConcurrentAgainstFundsForTwo(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2_000)
	w.onboard(w.influencer)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, short := 0, 0
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.claim(fmt.Sprint("claim-", i), 1_000)
			mu.Lock()
			defer mu.Unlock()
			switch fault.KindOf(err) {
			case fault.Internal:
				if err == nil {
					ok++
				} else {
					t.Errorf("claim %d: %v", i, err)
				}
			case fault.InsufficientFunds:
				short++
			default:
				t.Errorf("claim %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if ok != 2 || short != 3 {
		t.Fatalf("%d accepted, %d refused; want 2 and 3", ok, short)
	}
	if b := w.bal(ledger.Influencer("usr_inf")); b.Available != 0 {
		t.Fatalf("available: %+v", b)
	}
	w.verify()
}

func TestPayoutID_DerivedFromOwnerAndKey(t *testing.T) {
	a := po.PayoutID(po.Influencer, "usr_1", "key")
	if a != po.PayoutID(po.Influencer, "usr_1", "key") || a == po.PayoutID(po.Influencer, "usr_2", "key") ||
		a == po.PayoutID(po.Community, "usr_1", "key") || a == po.PayoutID(po.Influencer, "usr_1", "key2") || len(a) != 29 {
		t.Fatalf("payout ids: %s", a)
	}
	if po.Mask("acct_1Gophers2026") != "acct_••••2026" || po.Mask("acct_") != "acct_••••" {
		t.Fatal("mask")
	}
	if po.Backoff(1) != 200*time.Millisecond || po.Backoff(3) != 800*time.Millisecond || po.Backoff(50) != po.Backoff(7) {
		t.Fatal("backoff")
	}
}
