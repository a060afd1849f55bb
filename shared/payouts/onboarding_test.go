package payouts_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/payments"
	po "github.com/souqhq/souq/shared/payouts"
)

func (w *world) account(p auth.Principal) po.AccountView {
	w.t.Helper()
	v, err := w.svc.GetAccount(context.Background(), p)
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

// refusal is the Conflict a claim or a dashboard link was refused with.
func refusal(t *testing.T, err error) *fault.Error {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.Conflict {
		t.Fatalf("want a Conflict, got %v", err)
	}
	return fe
}

func TestSetUpAccount_TwoConcurrentCallsMakeOneAccount(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 0)
	ctx := context.Background()
	if v := w.account(w.influencer); v.Status != po.AccountNone || v.AccountID != "" || len(v.Requirements) != 0 {
		t.Fatalf("before: %+v", v)
	}
	var wg sync.WaitGroup
	urls := make([]string, 2)
	for i := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := w.svc.SetUpAccount(ctx, w.influencer, po.AccountInput{})
			if err != nil {
				t.Error(err)
				return
			}
			if v.Status != po.AccountPending || !slices.Equal(v.Requirements, expressRequirements) {
				t.Errorf("set up: %+v", v)
			}
			urls[i] = v.OnboardingURL
		}()
	}
	wg.Wait()
	if n := w.stripe.accountsMade(); n != 1 || urls[0] != urls[1] {
		t.Fatalf("%d accounts made; links %v", n, urls)
	}
	acct := strings.TrimPrefix(urls[0], "https://connect.stripe.test/setup/")
	if w.stripe.accounts[acct].Payee != "user:usr_inf" {
		t.Fatalf("payee: %+v", w.stripe.accounts[acct])
	}
	for _, l := range w.stripe.links {
		if l != acct+" "+publicURL+"/console/payouts?onboarding=refresh "+publicURL+"/console/payouts?onboarding=done" {
			t.Fatalf("link: %s", l)
		}
	}
	v := w.account(w.influencer)
	if v.AccountID != po.Mask(acct) || v.Status != po.AccountPending || !slices.Equal(v.Requirements, expressRequirements) || v.UpdatedAt == "" {
		t.Fatalf("read back: %+v", v)
	}
	// A day later Stripe has forgotten the idempotency key: Souq has not,
	// and makes a new link to the same account. So after a typed
	// destination: onboarding again goes back to the person's account.
	w.stripe.forgetKeys()
	if got := w.setUp(w.influencer); got != acct {
		t.Fatalf("a second call: %s, want %s", got, acct)
	}
	if _, err := w.svc.SetDestination(ctx, w.influencer, po.DestinationInput{Type: "stripe", AccountID: "acct_1Typed00000001"}); err != nil {
		t.Fatal(err)
	}
	if got := w.setUp(w.influencer); got != acct || w.stripe.accountsMade() != 1 || len(w.stripe.links) != 4 {
		t.Fatalf("after a typed destination: %s; %d accounts, %d links", got, w.stripe.accountsMade(), len(w.stripe.links))
	}
	if _, err := w.svc.SetUpAccount(ctx, w.influencer, po.AccountInput{Country: "usa"}); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("a bad country: %v", err)
	}
	if _, err := w.svc.SetUpAccount(ctx, auth.Principal{Kind: auth.KindClient, AccountID: "com_1"}, po.AccountInput{}); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("an API key: %v", err)
	}
}

// Without Stripe's answer to a read, GET shows what the events said.
func TestGetAccount_ReflectsEvents(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 0)
	acct := w.setUp(w.influencer)
	w.stripe.readErr = payments.Unknown("fake", errors.New("timeout"))
	v0 := w.clock.Now().Unix()
	w.accountEvent(w.influencer, w.stripe.onboard(acct, false), v0+1)
	if v := w.account(w.influencer); v.Status != po.AccountPending || !slices.Equal(v.Requirements, expressRequirements[1:]) {
		t.Fatalf("after an incomplete onboarding: %+v", v)
	}
	w.accountEvent(w.influencer, w.stripe.onboard(acct, true), v0+2)
	if v := w.account(w.influencer); v.Status != po.AccountEnabled || len(v.Requirements) != 0 || v.AccountID != po.Mask(acct) {
		t.Fatalf("after a complete onboarding: %+v", v)
	}
	restricted := payments.ConnectAccount{ID: acct, DetailsSubmitted: true, DisabledReason: "requirements.past_due", Requirements: []string{"individual.id_number"}}
	w.accountEvent(w.influencer, restricted, v0+3)
	if v := w.account(w.influencer); v.Status != po.AccountRestricted || !slices.Equal(v.Requirements, []string{"individual.id_number"}) {
		t.Fatalf("restricted: %+v", v)
	}
	// Another account's event, or another person's, changes nothing.
	w.event(&events.PayoutAccountUpdated{Meta: events.Meta{EventID: "evt_other_acct"}, UserID: "usr_inf", AccountID: "acct_1SomeoneElse99", Status: "enabled", Requirements: []string{}, Version: v0 + 10})
	w.event(&events.PayoutAccountUpdated{Meta: events.Meta{EventID: "evt_other_user"}, UserID: "usr_owner", AccountID: acct, Status: "enabled", Requirements: []string{}, Version: v0 + 10})
	if v := w.account(w.influencer); v.Status != po.AccountRestricted {
		t.Fatalf("a stranger's event applied: %+v", v)
	}
	if v := w.account(w.owner); v.Status != po.AccountNone {
		t.Fatalf("an event made the owner an account: %+v", v)
	}
	// A malformed event is refused (it dead-letters).
	for _, bad := range []events.PayoutAccountUpdated{
		{Meta: events.Meta{EventID: "evt_bad1"}, UserID: "usr_inf", AccountID: acct, Status: "lovely", Version: v0 + 20},
		{Meta: events.Meta{EventID: "evt_bad2"}, AccountID: acct, Status: "enabled", Version: v0 + 20},
	} {
		if err := w.handle(&bad); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}

// GET reads Stripe when Souq does not know the account enabled: the
// person is back from onboarding before the event. What it read holds.
func TestGetAccount_ReadsStripeBeforeTheEventComes(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3_000)
	acct := w.setUp(w.influencer)
	before := w.clock.Now().Unix()
	w.stripe.onboard(acct, true)
	w.clock.Advance(time.Minute)
	if v := w.account(w.influencer); v.Status != po.AccountEnabled || len(v.Requirements) != 0 {
		t.Fatalf("after onboarding: %+v", v)
	}
	// The event of an earlier state, late, does not undo it.
	w.accountEvent(w.influencer, payments.ConnectAccount{ID: acct, Requirements: expressRequirements}, before)
	if _, err := w.claim("k", 2_000); err != nil {
		t.Fatalf("a claim after GET saw it enabled: %v", err)
	}
}

func TestAccountUpdated_OlderEventNeverOverwritesNewer(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 0)
	acct := w.setUp(w.influencer)
	w.stripe.readErr = payments.Unknown("fake", errors.New("timeout")) // GET shows what the events made
	v0 := w.clock.Now().Unix()
	pending := payments.ConnectAccount{ID: acct, Requirements: []string{"external_account"}}
	enabled := payments.ConnectAccount{ID: acct, PayoutsEnabled: true, DetailsSubmitted: true}
	newer := w.accountEvent(w.influencer, enabled, v0+200)
	w.accountEvent(w.influencer, pending, v0+100) // older, late
	if v := w.account(w.influencer); v.Status != po.AccountEnabled {
		t.Fatalf("an older event overwrote a newer one: %+v", v)
	}
	// The same version saying the same is a no-op; saying something else
	// is taken (Stripe's times are whole seconds).
	before := w.account(w.influencer)
	w.clock.Advance(time.Minute)
	w.accountEvent(w.influencer, enabled, v0+200)
	if v := w.account(w.influencer); v.UpdatedAt != before.UpdatedAt {
		t.Fatalf("the same state again was written: %+v then %+v", before, v)
	}
	w.accountEvent(w.influencer, pending, v0+200)
	if v := w.account(w.influencer); v.Status != po.AccountPending {
		t.Fatalf("a different state at the same version: %+v", v)
	}
	// A redelivered event is applied once: the enabled one above, again,
	// finds its dedupe item and writes nothing, though it would be taken.
	d := &events.PayoutAccountUpdated{Meta: events.Meta{EventID: newer}, UserID: "usr_inf", AccountID: acct, Status: "enabled", Requirements: []string{}, Version: v0 + 300}
	w.event(d)
	if v := w.account(w.influencer); v.Status != po.AccountPending {
		t.Fatalf("a redelivered event applied twice: %+v", v)
	}
	// Any number of updates at once, in any order: the newest wins.
	var wg sync.WaitGroup
	for i := 1; i <= 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := "pending"
			if i == 8 {
				st = "enabled"
			}
			if err := w.handle(&events.PayoutAccountUpdated{Meta: events.Meta{EventID: "evt_race_" + string(rune('a'+i))}, UserID: "usr_inf", AccountID: acct,
				Status: st, Requirements: []string{}, Version: v0 + 1000 + int64(i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if v := w.account(w.influencer); v.Status != po.AccountEnabled {
		t.Fatalf("after concurrent updates: %+v", v)
	}
}

// Claims wait until Stripe enables payouts, and say what it still needs;
// then the claim passes and is paid, to the account Stripe enabled.
func TestClaim_BeforePayoutsAreEnabled_ConflictNamesTheRequirement(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3_000)
	ctx := context.Background()
	_, err := w.claim("k", 2_000)
	if fe := refusal(t, err); fe.Code != po.CodeNoPayoutAccount || fe.State != "none" {
		t.Fatalf("never started: %+v", fe)
	}
	acct := w.setUp(w.influencer)
	_, err = w.claim("k", 2_000)
	if fe := refusal(t, err); fe.Code != "external_account" || fe.State != "pending" ||
		!strings.Contains(fe.Message, "Stripe still needs external_account, individual.verification.document, tos_acceptance.date") {
		t.Fatalf("just started: %+v", fe)
	}
	w.stripe.readErr = payments.Unknown("fake", errors.New("timeout"))
	w.accountEvent(w.influencer, w.stripe.onboard(acct, false), w.clock.Now().Unix()+1)
	_, err = w.claim("k", 2_000)
	if fe := refusal(t, err); fe.Code != "individual.verification.document" {
		t.Fatalf("left incomplete: %+v", fe)
	}
	w.accountEvent(w.influencer, payments.ConnectAccount{ID: acct, DetailsSubmitted: true, DisabledReason: "under_review"}, w.clock.Now().Unix()+2)
	_, err = w.claim("k", 2_000)
	if fe := refusal(t, err); fe.Code != po.CodePayoutsNotEnabled || fe.State != "restricted" {
		t.Fatalf("restricted, nothing listed: %+v", fe)
	}
	// A typed id is pending too, however payable it looks.
	if _, err := w.svc.SetDestination(ctx, w.owner, po.DestinationInput{Type: "stripe", AccountID: "acct_1Typed00000002"}); err != nil {
		t.Fatal(err)
	}
	_, _, err = w.svc.Claim(ctx, w.owner, "com_1", po.ClaimInput{Amount: 1_000, Currency: "USD"}, "typed")
	if fe := refusal(t, err); fe.Code != po.CodePayoutsNotEnabled || fe.State != "pending" {
		t.Fatalf("a typed id: %+v", fe)
	}
	if v := w.account(w.owner); v.Status != po.AccountPending || v.AccountID != "acct_••••0002" {
		t.Fatalf("a typed id reads: %+v", v)
	}
	if b := w.bal(ledger.Influencer("usr_inf")); b.Available != 3_000 {
		t.Fatalf("refused claims moved money: %+v", b)
	}
	if n := w.outbox("PayoutRequested"); n != 0 {
		t.Fatalf("%d PayoutRequested for refused claims", n)
	}
	// Enabled: the same key now claims, and the worker pays that account.
	w.accountEvent(w.influencer, w.stripe.onboard(acct, true), w.clock.Now().Unix()+3)
	p, err := w.claim("k", 2_000)
	if err != nil || p.Destination != po.Mask(acct) {
		t.Fatalf("enabled: %+v %v", p, err)
	}
	if err := w.svc.Process(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if got := w.read(p.ID); got.Status != po.Paid {
		t.Fatalf("paid: %+v", got)
	}
	if tr := w.stripe.transfers[p.ID]; tr.Destination != acct || tr.Amount.Minor != 2_000 {
		t.Fatalf("transfer: %+v", tr)
	}
	// Restricted after the claim: the next claim waits; the payout made
	// stays paid.
	w.accountEvent(w.influencer, payments.ConnectAccount{ID: acct, DetailsSubmitted: true, DisabledReason: "requirements.past_due", Requirements: []string{"individual.id_number"}}, w.clock.Now().Unix()+4)
	_, err = w.claim("k2", 1_000)
	if fe := refusal(t, err); fe.Code != "individual.id_number" {
		t.Fatalf("restricted later: %+v", fe)
	}
	if again, err := w.claim("k", 2_000); err != nil || again.ID != p.ID {
		t.Fatalf("the first claim, replayed: %+v %v", again, err)
	}
	w.verify()
}

// A typed id Souq made for this person is enabled by Stripe's word (an
// event, or a read); one it made for someone else never is.
func TestSetDestination_TypedAccountWaitsForStripe(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3_000)
	ctx := context.Background()
	mine := w.setUp(w.influencer)
	theirs := w.setUp(w.owner)
	w.stripe.onboard(mine, true)
	w.stripe.onboard(theirs, true)
	if _, err := w.svc.SetDestination(ctx, w.influencer, po.DestinationInput{Type: "stripe", AccountID: theirs}); err != nil {
		t.Fatal(err)
	}
	if v := w.account(w.influencer); v.Status != po.AccountPending {
		t.Fatalf("someone else's account, read from Stripe: %+v", v)
	}
	w.event(&events.PayoutAccountUpdated{Meta: events.Meta{EventID: "evt_theirs"}, UserID: "usr_owner", AccountID: theirs, Status: "enabled", Requirements: []string{}, Version: w.clock.Now().Unix() + 5})
	if _, err := w.claim("k", 2_000); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("a claim to someone else's account: %v", err)
	}
	if _, err := w.svc.SetDestination(ctx, w.influencer, po.DestinationInput{Type: "stripe", AccountID: mine}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.claim("k", 2_000); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("before Stripe's word: %v", err)
	}
	w.clock.Advance(time.Minute)
	if v := w.account(w.influencer); v.Status != po.AccountEnabled {
		t.Fatalf("the person's own account, read from Stripe: %+v", v)
	}
	if p, err := w.claim("k", 2_000); err != nil || p.Destination != po.Mask(mine) {
		t.Fatalf("claim: %+v %v", p, err)
	}
	w.verify()
}

func TestDashboardLink_OnlyOnceOnboardingWasSubmitted(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 0)
	ctx := context.Background()
	_, err := w.svc.DashboardLink(ctx, w.influencer)
	if fe := refusal(t, err); fe.Code != po.CodeNoPayoutAccount {
		t.Fatalf("no account: %+v", fe)
	}
	acct := w.setUp(w.influencer)
	w.stripe.onboard(acct, false)
	_, err = w.svc.DashboardLink(ctx, w.influencer)
	if fe := refusal(t, err); fe.Code != po.CodeOnboardingIncomplete || !strings.Contains(fe.Message, "onboarding") {
		t.Fatalf("not submitted: %+v", fe)
	}
	// Submitted, before its event came: Stripe's read says so.
	w.stripe.onboard(acct, true)
	d, err := w.svc.DashboardLink(ctx, w.influencer)
	if err != nil || d.URL != "https://connect.stripe.test/express/"+acct {
		t.Fatalf("dashboard: %+v %v", d, err)
	}
	// A typed id has no dashboard from Souq.
	if _, err := w.svc.SetDestination(ctx, w.influencer, po.DestinationInput{Type: "stripe", AccountID: "acct_1Typed00000003"}); err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.DashboardLink(ctx, w.influencer)
	if fe := refusal(t, err); fe.Code != po.CodeNoPayoutAccount {
		t.Fatalf("a typed id: %+v", fe)
	}
}

// Without Stripe, onboarding is unavailable rather than broken.
func TestSetUpAccount_NoStripeIsUnavailable(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 0)
	svc := po.NewService(po.NewRepository(w.db), w.ledger, nil, w.clock, po.Config{MinimumPayout: po.DefaultMinimumPayout})
	ctx := context.Background()
	if _, err := svc.SetUpAccount(ctx, w.influencer, po.AccountInput{}); fault.KindOf(err) != fault.Unavailable {
		t.Fatalf("set up: %v", err)
	}
	if _, err := svc.DashboardLink(ctx, w.influencer); fault.KindOf(err) != fault.Unavailable {
		t.Fatalf("dashboard: %v", err)
	}
	if v, err := svc.GetAccount(ctx, w.influencer); err != nil || v.Status != po.AccountNone {
		t.Fatalf("read: %+v %v", v, err)
	}
}

func TestAccountState_Takes(t *testing.T) {
	on := po.AccountState{Status: po.AccountEnabled, Requirements: []string{}, Version: 10}
	for name, c := range map[string]struct {
		next po.AccountState
		want bool
	}{
		"newer, the same":                {po.AccountState{Status: po.AccountEnabled, Requirements: []string{}, Version: 11}, true},
		"newer, another status":          {po.AccountState{Status: po.AccountPending, Requirements: []string{}, Version: 11}, true},
		"older":                          {po.AccountState{Status: po.AccountPending, Requirements: []string{"x"}, Version: 9}, false},
		"as old, the same":               {on, false},
		"as old, another status":         {po.AccountState{Status: po.AccountRestricted, Requirements: []string{}, Version: 10}, true},
		"as old, other requirements":     {po.AccountState{Status: po.AccountEnabled, Requirements: []string{"x"}, Version: 10}, true},
		"as old, none listed either way": {po.AccountState{Status: po.AccountEnabled, Requirements: nil, Version: 10}, false},
	} {
		if got := on.Takes(c.next); got != c.want {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
}

func TestPayable_SaysWhatIsMissing(t *testing.T) {
	many := []string{"a", "b", "c", "d", "e", "f", "g"}
	for name, c := range map[string]struct {
		found       bool
		st          po.AccountState
		code, state string
		says        string
	}{
		"never started":        {false, po.AccountState{}, "no_payout_account", "none", "POST /v1/me/payout-account"},
		"pending, with needs":  {true, po.AccountState{Status: po.AccountPending, Requirements: []string{"external_account"}}, "external_account", "pending", "Stripe still needs external_account"},
		"pending, none listed": {true, po.AccountState{Status: po.AccountPending}, "payouts_not_enabled", "pending", "not enabled"},
		"restricted":           {true, po.AccountState{Status: po.AccountRestricted}, "payouts_not_enabled", "restricted", "dashboard"},
		"many needs":           {true, po.AccountState{Status: po.AccountPending, Requirements: many}, "a", "pending", "a, b, c, d, e and 2 more"},
	} {
		fe, ok := fault.As(po.Payable("op", c.found, c.st))
		if !ok || fe.Kind != fault.Conflict || fe.Code != c.code || fe.State != c.state || !strings.Contains(fe.Message, c.says) {
			t.Errorf("%s: %+v", name, fe)
		}
	}
	if err := po.Payable("op", true, po.AccountState{Status: po.AccountEnabled, Requirements: []string{"eventually_due_thing"}}); err != nil {
		t.Fatalf("enabled: %v", err)
	}
}
