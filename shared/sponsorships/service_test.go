package sponsorships_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	sp "github.com/souqhq/souq/shared/sponsorships"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

type fakeScheduler struct {
	mu   sync.Mutex
	jobs []json.RawMessage
}

func (f *fakeScheduler) Once(_ context.Context, _ string, _ time.Time, _ string, payload json.RawMessage) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs = append(f.jobs, payload)
	return nil
}
func (f *fakeScheduler) Cancel(context.Context, string) error { return nil }

// world is a community with an offering (price 1000, 3 review days, 10%
// fee) and an advertiser with funds, over fresh tables.
type world struct {
	t        testing.TB
	db       *store.DB
	svc      *sp.Service
	ledger   *ledger.Ledger
	clock    *clock.Fake
	sched    *fakeScheduler
	owner    auth.Principal
	sponsor  auth.Principal
	offering sp.OfferingView
}

func project(t testing.TB, svc *sp.Service, ev events.Event, id string) {
	t.Helper()
	d, _ := json.Marshal(ev)
	if err := svc.HandleEvent(context.Background(), lambdaevents.EventBridgeEvent{ID: id, DetailType: ev.DetailType(), Detail: d}); err != nil {
		t.Fatal(err)
	}
}

func newWorld(t testing.TB, funds int64) *world {
	t.Helper()
	db := storetest.New(t)
	w := &world{t: t, db: db, ledger: ledger.New(db), clock: clock.NewFake(t0), sched: &fakeScheduler{},
		owner: auth.Principal{Kind: auth.KindUser, UserID: "usr_owner"}}
	w.svc = sp.NewService(sp.NewRepository(db), w.ledger, w.sched, w.clock, sp.Config{FeeBps: 1000, Self: "sponsorships"})
	project(t, w.svc, &events.CommunityCreated{Meta: events.Meta{EventID: "evt_c"}, CommunityID: "com_1", OwnerID: "usr_owner", Currency: "USD"}, "c")
	w.sponsor = w.advertiser("acme", funds)
	var err error
	w.offering, err = w.svc.CreateOffering(context.Background(), w.owner, "com_1", sp.OfferingInput{
		Title: ptr("Newsletter feature"), Format: ptr("newsletter"), Amount: ptr(int64(1000)), Currency: ptr("USD"), ReviewDays: ptr(3),
		Limits: &sp.ContentLimits{MaxTitle: 60, MaxBody: 500, LinkRequired: true}})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func ptr[T any](v T) *T { return &v }

func (w *world) advertiser(name string, funds int64) auth.Principal {
	w.t.Helper()
	project(w.t, w.svc, &events.AdvertiserCreated{Meta: events.Meta{EventID: "evt_" + name}, AdvertiserID: "adv_" + name, OwnerID: "usr_" + name, Currency: "USD"}, name)
	if funds > 0 {
		op, _ := w.ledger.Prepare(ledger.Transfer{ID: "txf_dep_" + name, Kind: "deposit", Currency: "USD", At: t0,
			Legs: []ledger.Leg{{Account: ledger.ExternalDeposits, Available: -funds}, {Account: ledger.Advertiser("adv_" + name), Available: funds}}})
		if err := w.ledger.Apply(context.Background(), op); err != nil {
			w.t.Fatal(err)
		}
	}
	return auth.Principal{Kind: auth.KindClient, AccountKind: auth.AccountAdvertiser, AccountID: "adv_" + name}
}

var content = &sp.Content{Title: "Try Acme", Body: "Acme makes widgets.", Link: "https://acme.example"}

func (w *world) book(p auth.Principal, date string) (sp.SponsorshipView, error) {
	return w.svc.Book(context.Background(), p, w.offering.ID, sp.BookInput{DesiredDate: date, Content: content})
}

func (w *world) act(p *auth.Principal, id string, do sp.Action, in sp.ActInput) (sp.SponsorshipView, error) {
	return w.svc.Act(context.Background(), p, id, do, in)
}

func (w *world) bal(a ledger.Account) ledger.Balance {
	w.t.Helper()
	b, err := w.ledger.Balance(context.Background(), a, "USD")
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

const day = "2026-12-01"

func TestFlow_BookApprovePublish_MovesTheMoneyOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 5_000)
	adv, com := ledger.Advertiser("adv_acme"), ledger.Community("com_1")
	s, err := w.book(w.sponsor, day)
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != sp.PendingReview || s.Version != 1 || s.Amount != 1000 || s.ReviewDeadline != "2026-11-26T12:00:00.000Z" {
		t.Fatalf("booked: %+v", s)
	}
	if b := w.bal(adv); b.Available != 4_000 || b.Held != 1_000 {
		t.Fatalf("held: %+v", b)
	}
	a, err := w.act(&w.owner, s.ID, sp.Approve, sp.ActInput{})
	if err != nil || a.Status != sp.Approved || a.PublishDate != day {
		t.Fatalf("approve: %+v %v", a, err)
	}
	if b := w.bal(com); b.Held != 1_000 || b.Available != 0 {
		t.Fatalf("captured into the community's held balance: %+v", b)
	}
	if _, err := w.act(&w.owner, s.ID, sp.Publish, sp.ActInput{}); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("publish without a URL: %v", err)
	}
	pub, err := w.act(&w.owner, s.ID, sp.Publish, sp.ActInput{URL: "https://community.example/posts/1"})
	if err != nil || pub.Status != sp.Published || pub.PublishedURL == "" {
		t.Fatalf("publish: %+v %v", pub, err)
	}
	if b := w.bal(com); b.Held != 0 || b.Available != 900 {
		t.Fatalf("paid less the fee: %+v", b)
	}
	if b := w.bal(ledger.PlatformFees); b.Available != 100 {
		t.Fatalf("fee: %+v", b)
	}
	if b := w.bal(adv); b.Available != 4_000 || b.Held != 0 {
		t.Fatalf("the sponsor paid once: %+v", b)
	}
	if _, err := w.act(&w.owner, s.ID, sp.Publish, sp.ActInput{URL: "https://community.example/posts/1"}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("publishing twice: %v", err)
	}
	got, _ := w.svc.GetSponsorship(context.Background(), w.sponsor, s.ID)
	if len(got.History) != 3 || got.History[2].From != "approved" || got.History[2].To != "published" || got.History[2].Actor != "usr_owner" {
		t.Fatalf("history: %+v", got.History)
	}
	w.verify()
}

func TestFlow_ChangesReviseApprove_KeepsEveryVersion(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 5_000)
	s, _ := w.book(w.sponsor, day)
	if _, err := w.act(&w.owner, s.ID, sp.RequestChanges, sp.ActInput{}); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("changes without notes: %v", err)
	}
	if _, err := w.act(&w.owner, s.ID, sp.RequestChanges, sp.ActInput{Notes: "Shorter title, please"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.act(&w.sponsor, s.ID, sp.Revise, sp.ActInput{Content: &sp.Content{Title: "Acme", Body: "b"}}); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("a revision without the required link: %v", err)
	}
	w.clock.Advance(24 * time.Hour)
	r, err := w.act(&w.sponsor, s.ID, sp.Revise, sp.ActInput{Content: &sp.Content{Title: "Acme", Body: "Widgets.", Link: "https://acme.example"}})
	if err != nil || r.Status != sp.PendingReview || r.Version != 2 || r.ReviewDeadline != "2026-11-27T12:00:00.000Z" {
		t.Fatalf("revised: %+v %v", r, err)
	}
	if len(r.Versions) != 2 || r.Versions[0].Title != "Try Acme" || r.Content.Title != "Acme" {
		t.Fatalf("versions: %+v", r.Versions)
	}
	if _, err := w.act(&w.owner, s.ID, sp.Approve, sp.ActInput{PublishDate: "2026-12-03"}); err != nil {
		t.Fatal(err)
	}
	w.verify()
}

func TestRejectCancelExpire_ReleaseAndFreeTheDate(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 5_000)
	adv := ledger.Advertiser("adv_acme")
	a, _ := w.book(w.sponsor, "2026-12-01")
	b, _ := w.book(w.sponsor, "2026-12-02")
	c, _ := w.book(w.sponsor, "2026-12-03")
	if got := w.bal(adv); got.Held != 3_000 {
		t.Fatalf("three holds: %+v", got)
	}
	if _, err := w.act(&w.owner, a.ID, sp.Reject, sp.ActInput{}); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("reject without a reason: %v", err)
	}
	if _, err := w.act(&w.owner, a.ID, sp.Reject, sp.ActInput{Reason: "Off topic"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.act(&w.sponsor, b.ID, sp.Cancel, sp.ActInput{}); err != nil {
		t.Fatal(err)
	}
	// The deadline: a schedule that fires early changes nothing.
	if err := w.svc.HandleScheduled(context.Background(), w.sched.jobs[2]); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(3 * 24 * time.Hour)
	for _, job := range w.sched.jobs { // every deadline fires, some twice: once each
		if err := w.svc.HandleScheduled(context.Background(), job); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := w.svc.GetSponsorship(context.Background(), w.owner, c.ID)
	if got.Status != sp.Expired || got.History[len(got.History)-1].Role != "system" {
		t.Fatalf("expired: %+v", got)
	}
	if got := w.bal(adv); got.Held != 0 || got.Available != 5_000 {
		t.Fatalf("all released: %+v", got)
	}
	// Their dates are free again.
	for _, d := range []string{"2026-12-01", "2026-12-02", "2026-12-03"} {
		if _, err := w.book(w.sponsor, d); err != nil {
			t.Fatalf("%s after release: %v", d, err)
		}
	}
	w.verify()
}

func TestBooking_RefusalsChangeNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1_500)
	ctx := context.Background()
	if _, err := w.svc.UpdateOffering(ctx, w.owner, w.offering.ID, sp.OfferingInput{BlockDates: []string{"2026-12-24"}}); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		in   sp.BookInput
		kind fault.Kind
	}{
		"blocked date":     {sp.BookInput{DesiredDate: "2026-12-24", Content: content}, fault.Conflict},
		"past date":        {sp.BookInput{DesiredDate: "2026-11-01", Content: content}, fault.Invalid},
		"bad date":         {sp.BookInput{DesiredDate: "12/01/2026", Content: content}, fault.Invalid},
		"no link":          {sp.BookInput{DesiredDate: day, Content: &sp.Content{Title: "t", Body: "b"}}, fault.Invalid},
		"long title":       {sp.BookInput{DesiredDate: day, Content: &sp.Content{Title: string(make([]byte, 61)), Body: "b", Link: "https://a.example"}}, fault.Invalid},
		"other advertiser": {sp.BookInput{AdvertiserID: "adv_other", DesiredDate: day, Content: content}, fault.NotFound},
	} {
		if _, err := w.svc.Book(ctx, w.sponsor, w.offering.ID, c.in); fault.KindOf(err) != c.kind {
			t.Errorf("%s: %v, want %s", name, err, c.kind)
		}
	}
	if _, err := w.book(w.sponsor, day); err != nil {
		t.Fatal(err)
	}
	if _, err := w.book(w.sponsor, "2026-12-05"); fault.KindOf(err) != fault.InsufficientFunds {
		t.Fatalf("beyond funds: %v", err)
	}
	// The owner cannot sponsor its own community.
	project(t, w.svc, &events.AdvertiserCreated{Meta: events.Meta{EventID: "evt_self"}, AdvertiserID: "adv_self", OwnerID: "usr_owner", Currency: "USD"}, "self")
	if _, err := w.svc.Book(ctx, w.owner, w.offering.ID, sp.BookInput{AdvertiserID: "adv_self", DesiredDate: "2026-12-06", Content: content}); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("self-sponsoring: %v", err)
	}
	if got := w.bal(ledger.Advertiser("adv_acme")); got.Held != 1_000 || got.Available != 500 {
		t.Fatalf("only the one booking holds: %+v", got)
	}
	avail, err := w.svc.Availability(ctx, w.offering.ID, "2026-12-01", 1)
	if err != nil || len(avail) != 1 || avail[0].Available || avail[0].Booked != 1 {
		t.Fatalf("availability: %+v %v", avail, err)
	}
	w.verify()
}

// Two sponsors race for the last opening: exactly one gets it.
func TestBooking_RaceForTheLastOpening(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 0)
	const n = 8
	ps := make([]auth.Principal, n)
	for i := range ps {
		ps[i] = w.advertiser(fmt.Sprint("r", i), 5_000)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, full := 0, 0
	for i := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.book(ps[i], day)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case fault.KindOf(err) == fault.Conflict:
				full++
			default:
				t.Errorf("booking %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if won != 1 || full != n-1 {
		t.Fatalf("%d booked, %d refused; want exactly one", won, full)
	}
	w.verify()
}

// Racing decisions: approve against cancel, and approve twice: exactly
// one wins, the others get 409 with the state; the money moves once.
func TestDecisions_RaceExactlyOneWins(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 50_000)
	for round := 0; round < 5; round++ {
		s, err := w.book(w.sponsor, fmt.Sprintf("2026-12-%02d", round+1))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := 0; i < 6; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				if i%2 == 0 {
					_, err = w.act(&w.owner, s.ID, sp.Approve, sp.ActInput{})
				} else {
					_, err = w.act(&w.sponsor, s.ID, sp.Cancel, sp.ActInput{})
				}
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					wins++
				} else if fe, ok := fault.As(err); !ok || fe.Kind != fault.Conflict {
					t.Errorf("loser: %v, want 409", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("round %d: %d decisions won", round, wins)
		}
	}
	w.verify()
}

func TestCounterProposal_AcceptMovesTheHoldDeclineKeepsTerms(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2_000)
	adv := ledger.Advertiser("adv_acme")
	s, _ := w.book(w.sponsor, day)
	if _, err := w.act(&w.owner, s.ID, sp.Propose, sp.ActInput{Amount: ptr(int64(1_500)), Date: "2026-12-02", Notes: "Busy week"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.act(&w.owner, s.ID, sp.Approve, sp.ActInput{}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("approve while countered: %v", err)
	}
	a, err := w.act(&w.sponsor, s.ID, sp.AcceptProposal, sp.ActInput{})
	if err != nil || a.Status != sp.PendingReview || a.Amount != 1_500 || a.DesiredDate != "2026-12-02" {
		t.Fatalf("accepted: %+v %v", a, err)
	}
	if got := w.bal(adv); got.Held != 1_500 || got.Available != 500 {
		t.Fatalf("the hold moved by the difference: %+v", got)
	}
	// Funds short: refused, nothing moves; decline keeps the terms.
	if _, err := w.act(&w.owner, s.ID, sp.Propose, sp.ActInput{Amount: ptr(int64(2_500))}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.act(&w.sponsor, s.ID, sp.AcceptProposal, sp.ActInput{}); fault.KindOf(err) != fault.InsufficientFunds {
		t.Fatalf("accept beyond funds: %v", err)
	}
	d, err := w.act(&w.sponsor, s.ID, sp.DeclineProposal, sp.ActInput{})
	if err != nil || d.Status != sp.PendingReview || d.Amount != 1_500 {
		t.Fatalf("declined: %+v %v", d, err)
	}
	// The old date is free, the new one taken.
	if _, err := w.book(w.advertiser("other", 5_000), day); err != nil {
		t.Fatalf("the old date: %v", err)
	}
	if _, err := w.act(&w.owner, s.ID, sp.Approve, sp.ActInput{}); err != nil {
		t.Fatal(err)
	}
	if got := w.bal(ledger.Community("com_1")); got.Held != 1_500 {
		t.Fatalf("captured at the agreed price: %+v", got)
	}
	w.verify()
}

func TestApprovedButUnpublished_SponsorRefundedAfterTheGrace(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 5_000)
	s, _ := w.book(w.sponsor, day)
	if _, err := w.act(&w.owner, s.ID, sp.Approve, sp.ActInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.act(&w.sponsor, s.ID, sp.Cancel, sp.ActInput{}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("cancel of an approved post within the grace: %v", err)
	}
	w.clock.Advance(8*24*time.Hour + 14*24*time.Hour) // past 2026-12-01 + 14 days
	c, err := w.act(&w.sponsor, s.ID, sp.Cancel, sp.ActInput{Note: "never ran"})
	if err != nil || c.Status != sp.Cancelled {
		t.Fatalf("refund: %+v %v", c, err)
	}
	if got := w.bal(ledger.Advertiser("adv_acme")); got.Available != 5_000 || got.Held != 0 {
		t.Fatalf("refunded: %+v", got)
	}
	if got := w.bal(ledger.Community("com_1")); got.Held != 0 || got.Available != 0 {
		t.Fatalf("community: %+v", got)
	}
	w.verify()
}

func TestAuthorization_PerObject(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 5_000)
	ctx := context.Background()
	s, _ := w.book(w.sponsor, day)
	project(t, w.svc, &events.CommunityCreated{Meta: events.Meta{EventID: "evt_c2"}, CommunityID: "com_2", OwnerID: "usr_other", Currency: "USD"}, "c2")
	other := auth.Principal{Kind: auth.KindUser, UserID: "usr_other"}
	otherAdv := w.advertiser("rival", 5_000)
	for name, p := range map[string]auth.Principal{"another owner": other, "another advertiser": otherAdv} {
		if _, err := w.svc.GetSponsorship(ctx, p, s.ID); fault.KindOf(err) != fault.NotFound {
			t.Errorf("%s reads: %v", name, err)
		}
		if _, err := w.act(&p, s.ID, sp.Approve, sp.ActInput{}); fault.KindOf(err) != fault.NotFound {
			t.Errorf("%s approves: %v", name, err)
		}
	}
	sponsorUser := auth.Principal{Kind: auth.KindUser, UserID: "usr_acme"}
	if _, err := w.act(&sponsorUser, s.ID, sp.Approve, sp.ActInput{}); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("the sponsor approves its own booking: %v", err)
	}
	if _, err := w.svc.UpdateOffering(ctx, other, w.offering.ID, sp.OfferingInput{Amount: ptr(int64(1))}); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("another owner edits the offering: %v", err)
	}
	if q, _, err := w.svc.Queue(ctx, w.owner, "com_1", "", 10, ""); err != nil || len(q) != 1 {
		t.Fatalf("queue: %+v %v", q, err)
	}
	if _, _, err := w.svc.Queue(ctx, other, "com_1", "", 10, ""); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("another owner's queue: %v", err)
	}
	if l, _, err := w.svc.AdvertiserBookings(ctx, w.sponsor, "adv_acme", 10, ""); err != nil || len(l) != 1 {
		t.Fatalf("bookings: %+v %v", l, err)
	}
	if _, _, err := w.svc.AdvertiserBookings(ctx, otherAdv, "adv_acme", 10, ""); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("another advertiser's bookings: %v", err)
	}
}

// The owner approving in the last millisecond races the deadline's
// schedule: two services whose clocks stand either side of the deadline,
// over the same tables, so that both pass their guards and only the
// conditional write decides. Exactly one wins; the money moves once.
func TestDecisions_ApproveRacingTheDeadline_ExactlyOneWins(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 50_000)
	at := func(c clock.Clock) *sp.Service {
		return sp.NewService(sp.NewRepository(w.db), ledger.New(w.db), w.sched, c, sp.Config{FeeBps: 1000, Self: "sponsorships"})
	}
	approved, expired := 0, 0
	for round := 0; round < 6; round++ {
		s, err := w.book(w.sponsor, fmt.Sprintf("2026-12-%02d", round+1))
		if err != nil {
			t.Fatal(err)
		}
		deadline, _ := time.Parse(time.RFC3339, s.ReviewDeadline)
		owner, scheduler := at(clock.NewFake(deadline.Add(-time.Millisecond))), at(clock.NewFake(deadline))
		job, _ := json.Marshal(map[string]string{"job": sp.JobExpire, "sponsorshipId": s.ID})
		var wg sync.WaitGroup
		var approveErr, expireErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, approveErr = owner.Act(context.Background(), &w.owner, s.ID, sp.Approve, sp.ActInput{})
		}()
		go func() { defer wg.Done(); expireErr = scheduler.HandleScheduled(context.Background(), job) }()
		wg.Wait()
		if expireErr != nil {
			t.Fatalf("round %d: the schedule failed: %v", round, expireErr)
		}
		got, _ := w.svc.GetSponsorship(context.Background(), w.owner, s.ID)
		switch {
		case approveErr == nil && got.Status == sp.Approved:
			approved++
		case fault.KindOf(approveErr) == fault.Conflict && got.Status == sp.Expired:
			if fe, _ := fault.As(approveErr); fe.State != string(sp.Expired) {
				t.Fatalf("round %d: the losing approval must carry the current state: %+v", round, fe)
			}
			expired++
		default:
			t.Fatalf("round %d: approve %v, status %s", round, approveErr, got.Status)
		}
	}
	t.Logf("%d approvals won, %d deadlines won", approved, expired)
	adv, com := w.bal(ledger.Advertiser("adv_acme")), w.bal(ledger.Community("com_1"))
	if com.Held != int64(approved)*1000 || adv.Held != 0 || adv.Available != 50_000-int64(approved)*1000 {
		t.Fatalf("%d approved, %d expired: advertiser %+v, community %+v", approved, expired, adv, com)
	}
	w.verify()
}

// Past the review deadline the owner can no longer decide, even before
// the schedule has run; the sponsor can still cancel.
func TestDecisions_AfterTheDeadlineOwnerIsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 5_000)
	s, _ := w.book(w.sponsor, day)
	w.clock.Advance(3 * 24 * time.Hour)
	for _, do := range []sp.Action{sp.Approve, sp.Reject, sp.RequestChanges, sp.Propose} {
		_, err := w.act(&w.owner, s.ID, do, sp.ActInput{Reason: "r", Notes: "n", Amount: ptr(int64(10))})
		if fe, ok := fault.As(err); !ok || fe.Kind != fault.Conflict || fe.State != string(sp.PendingReview) {
			t.Errorf("%s after the deadline: %v", do, err)
		}
	}
	if c, err := w.act(&w.sponsor, s.ID, sp.Cancel, sp.ActInput{}); err != nil || c.Status != sp.Cancelled {
		t.Fatalf("the sponsor cancels: %+v %v", c, err)
	}
	if got := w.bal(ledger.Advertiser("adv_acme")); got.Held != 0 || got.Available != 5_000 {
		t.Fatalf("released: %+v", got)
	}
	w.verify()
}
