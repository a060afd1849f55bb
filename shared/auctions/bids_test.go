package auctions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auctions"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/storetest"
)

// fakeScheduler records the schedules the service makes.
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

func (f *fakeScheduler) payload(name string) json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.once[name]
}

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// market is one community with a slot, an open auction, and a service
// over fresh tables.
type market struct {
	t       testing.TB
	svc     *auctions.Service
	ledger  *ledger.Ledger
	clock   *clock.Fake
	sched   *fakeScheduler
	owner   auth.Principal
	slot    auctions.SlotView
	auction auctions.AuctionView
	events  int
	db      *store.DB
}

func newMarket(t testing.TB, reserve int64, format auctions.Format) *market {
	t.Helper()
	db := storetest.New(t)
	m := &market{t: t, db: db, ledger: ledger.New(db), clock: clock.NewFake(t0), sched: &fakeScheduler{}, owner: auth.Principal{Kind: auth.KindUser, UserID: "usr_owner"}}
	m.svc = auctions.NewService(auctions.NewRepository(db), m.ledger, m.sched, m.clock, auctions.Config{FeeBps: 1000, Self: "auctions"})
	ctx := context.Background()
	if err := m.svc.HandleEvent(ctx, communityCreated(nil, "evt_com", "com_1", "usr_owner")); err != nil {
		t.Fatal(err)
	}
	var err error
	m.slot, err = m.svc.CreateSlot(ctx, m.owner, "com_1", auctions.CreateSlotInput{Name: "Sidebar", Width: 300, Height: 250,
		Reserve: &auctions.MoneyInput{Amount: &reserve, Currency: "USD"}, Format: string(format)})
	if err != nil {
		t.Fatal(err)
	}
	m.auction, err = m.svc.OpenAuction(ctx, m.owner, m.slot.ID, auctions.OpenAuctionInput{
		FlightStart: t0.Add(2 * time.Hour), FlightEnd: t0.Add(26 * time.Hour), ClosesAt: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// advertiser makes an advertiser owned by its own user, with funds.
func (m *market) advertiser(name string, funds int64) auth.Principal {
	m.t.Helper()
	m.events++
	advID, owner := "adv_"+name, "usr_"+name
	d, _ := json.Marshal(events.AdvertiserCreated{Meta: events.Meta{EventID: fmt.Sprintf("evt_adv_%s", name), OccurredAt: "2026-11-23T12:00:00.000Z", SchemaVersion: 1},
		AdvertiserID: advID, OwnerID: owner, Currency: "USD"})
	if err := m.svc.HandleEvent(context.Background(), lambdaevents.EventBridgeEvent{DetailType: "AdvertiserCreated", Detail: d}); err != nil {
		m.t.Fatal(err)
	}
	if funds > 0 {
		op, err := m.ledger.Prepare(ledger.Transfer{ID: "txf_dep_" + name, Kind: "deposit", Currency: "USD", At: t0,
			Legs: []ledger.Leg{{Account: ledger.ExternalDeposits, Available: -funds}, {Account: ledger.Advertiser(advID), Available: funds}}})
		if err != nil {
			m.t.Fatal(err)
		}
		if err := m.ledger.Apply(context.Background(), op); err != nil {
			m.t.Fatal(err)
		}
	}
	return auth.Principal{Kind: auth.KindClient, AccountKind: auth.AccountAdvertiser, AccountID: advID, KeyID: "key_" + name}
}

var creative = &auctions.Creative{ImageURL: "https://cdn.example/banner.png", ClickURL: "https://acme.example/landing", AltText: "Acme widgets"}

func (m *market) bid(p auth.Principal, amount int64) (auctions.BidView, error) {
	return m.svc.PlaceBid(context.Background(), p, m.auction.ID, auctions.PlaceBidInput{Amount: &amount, Currency: "USD", Creative: creative})
}

func (m *market) balance(a ledger.Account) ledger.Balance {
	m.t.Helper()
	b, err := m.ledger.Balance(context.Background(), a, "USD")
	if err != nil {
		m.t.Fatal(err)
	}
	return b
}

func (m *market) verify() {
	m.t.Helper()
	r, err := m.ledger.Verify(context.Background())
	if err != nil {
		m.t.Fatal(err)
	}
	if !r.OK {
		m.t.Fatalf("ledger verify: %v", r.Violations)
	}
}

// close fires the auction's close schedule at its time.
func (m *market) close() auctions.AuctionView {
	m.t.Helper()
	m.clock.Advance(time.Hour)
	if err := m.svc.HandleScheduled(context.Background(), m.sched.payload("close-"+m.auction.ID)); err != nil {
		m.t.Fatal(err)
	}
	v, err := m.svc.GetAuction(context.Background(), m.auction.ID)
	if err != nil {
		m.t.Fatal(err)
	}
	return v
}

func TestPlaceBid_HoldsReplacesByTheDifferenceAndWithdraws(t *testing.T) {
	t.Parallel()
	m := newMarket(t, 500, auctions.SecondPrice)
	acme := m.advertiser("acme", 10_000)
	adv := ledger.Advertiser("adv_acme")

	b, err := m.bid(acme, 1_500)
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != auctions.BidActive || b.AdvertiserID != "adv_acme" || b.Amount != 1_500 {
		t.Fatalf("placed: %+v", b)
	}
	if got := m.balance(adv); got.Available != 8_500 || got.Held != 1_500 {
		t.Fatalf("after a bid of 1500: %+v", got)
	}
	for _, amount := range []int64{4_000, 2_000} {
		r, err := m.bid(acme, amount)
		if err != nil {
			t.Fatal(err)
		}
		if r.ID != b.ID {
			t.Fatalf("a replacement keeps the bid: %s, then %s", b.ID, r.ID)
		}
		if got := m.balance(adv); got.Available != 10_000-amount || got.Held != amount {
			t.Fatalf("after replacing with %d: %+v", amount, got)
		}
	}
	got, err := m.svc.GetBid(context.Background(), acme, m.auction.ID, "")
	if err != nil || got.Amount != 2_000 {
		t.Fatalf("read back: %+v %v", got, err)
	}
	w, err := m.svc.WithdrawBid(context.Background(), acme, m.auction.ID, "")
	if err != nil || w.Status != auctions.BidWithdrawn {
		t.Fatalf("withdraw: %+v %v", w, err)
	}
	if _, err := m.svc.WithdrawBid(context.Background(), acme, m.auction.ID, ""); err != nil {
		t.Fatalf("withdrawing twice answers the withdrawn bid: %v", err)
	}
	if got := m.balance(adv); got.Available != 10_000 || got.Held != 0 {
		t.Fatalf("after withdrawing: %+v", got)
	}
	again, err := m.bid(acme, 700)
	if err != nil || again.ID == b.ID {
		t.Fatalf("a bid after a withdrawal is a new bid: %+v %v", again, err)
	}
	m.verify()
}

func TestPlaceBid_RefusalsChangeNothing(t *testing.T) {
	t.Parallel()
	m := newMarket(t, 500, auctions.SecondPrice)
	acme := m.advertiser("acme", 1_000)
	adv := ledger.Advertiser("adv_acme")
	ctx := context.Background()
	amount := func(n int64) *int64 { return &n }

	// The community's owner, bidding through an advertiser of their own.
	m.events++
	d, _ := json.Marshal(events.AdvertiserCreated{Meta: events.Meta{EventID: "evt_self"}, AdvertiserID: "adv_self", OwnerID: "usr_owner", Currency: "USD"})
	if err := m.svc.HandleEvent(ctx, lambdaevents.EventBridgeEvent{DetailType: "AdvertiserCreated", Detail: d}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		p    auth.Principal
		in   auctions.PlaceBidInput
		kind fault.Kind
	}{
		{"below reserve", acme, auctions.PlaceBidInput{Amount: amount(499), Currency: "USD", Creative: creative}, fault.Invalid},
		{"other currency", acme, auctions.PlaceBidInput{Amount: amount(600), Currency: "EUR", Creative: creative}, fault.Invalid},
		{"beyond funds", acme, auctions.PlaceBidInput{Amount: amount(1_001), Currency: "USD", Creative: creative}, fault.InsufficientFunds},
		{"http creative", acme, auctions.PlaceBidInput{Amount: amount(600), Currency: "USD", Creative: &auctions.Creative{ImageURL: "http://x.example/a.png", ClickURL: "https://x.example", AltText: "x"}}, fault.Invalid},
		{"a community's key", auth.Principal{Kind: auth.KindClient, AccountKind: auth.AccountCommunity, AccountID: "com_1"}, auctions.PlaceBidInput{Amount: amount(600), Currency: "USD", Creative: creative}, fault.Forbidden},
		{"another advertiser's id", acme, auctions.PlaceBidInput{AdvertiserID: "adv_other", Amount: amount(600), Currency: "USD", Creative: creative}, fault.NotFound},
		{"a person not owning it", auth.Principal{Kind: auth.KindUser, UserID: "usr_x"}, auctions.PlaceBidInput{AdvertiserID: "adv_acme", Amount: amount(600), Currency: "USD", Creative: creative}, fault.NotFound},
		{"the slot's own community", auth.Principal{Kind: auth.KindUser, UserID: "usr_owner"}, auctions.PlaceBidInput{AdvertiserID: "adv_self", Amount: amount(600), Currency: "USD", Creative: creative}, fault.Forbidden},
	}
	for _, c := range cases {
		if _, err := m.svc.PlaceBid(ctx, c.p, m.auction.ID, c.in); fault.KindOf(err) != c.kind {
			t.Errorf("%s: %v, want %s", c.name, err, c.kind)
		}
	}
	if got := m.balance(adv); got.Available != 1_000 || got.Held != 0 {
		t.Fatalf("refused bids moved money: %+v", got)
	}
	if _, err := m.svc.GetBid(ctx, acme, m.auction.ID, ""); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("a refused bid exists: %v", err)
	}
	// After the close time, and on a cancelled auction: 409.
	if _, err := m.bid(acme, 600); err != nil {
		t.Fatal(err)
	}
	if _, err := m.svc.CancelAuction(ctx, m.owner, m.auction.ID); err != nil {
		t.Fatal(err)
	}
	if got := m.balance(adv); got.Held != 0 || got.Available != 1_000 {
		t.Fatalf("a cancel must release every hold: %+v", got)
	}
	if _, err := m.bid(acme, 700); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("bid on a cancelled auction: %v", err)
	}
	m.verify()
}

func TestClose_SecondPriceFeeAndFlight(t *testing.T) {
	t.Parallel()
	m := newMarket(t, 500, auctions.SecondPrice)
	a, b, c := m.advertiser("a", 10_000), m.advertiser("b", 10_000), m.advertiser("c", 10_000)
	for p, amount := range map[*auth.Principal]int64{&a: 3_000, &b: 2_000, &c: 1_000} {
		if _, err := m.bid(*p, amount); err != nil {
			t.Fatal(err)
		}
	}
	v := m.close()
	if v.Status != auctions.Closed || v.Winner == nil || v.Winner.AdvertiserID != "adv_a" || v.ClearingPrice.Minor != 2_000 || *v.Bids != 3 || v.FlightID == "" {
		t.Fatalf("closed: %+v", v)
	}
	if got := m.balance(ledger.Advertiser("adv_a")); got.Available != 8_000 || got.Held != 0 {
		t.Fatalf("winner pays the second price: %+v", got)
	}
	for _, loser := range []string{"adv_b", "adv_c"} {
		if got := m.balance(ledger.Advertiser(loser)); got.Available != 10_000 || got.Held != 0 {
			t.Fatalf("%s released: %+v", loser, got)
		}
	}
	if got := m.balance(ledger.Community("com_1")); got.Available != 1_800 {
		t.Fatalf("community gets the price less 10%%: %+v", got)
	}
	if got := m.balance(ledger.PlatformFees); got.Available != 200 {
		t.Fatalf("platform fee: %+v", got)
	}
	// The schedule delivered again, late: nothing changes.
	if err := m.svc.HandleScheduled(context.Background(), m.sched.payload("close-"+m.auction.ID)); err != nil {
		t.Fatal(err)
	}
	if got := m.balance(ledger.Community("com_1")); got.Available != 1_800 {
		t.Fatalf("a second close paid again: %+v", got)
	}
	m.verify()
}

func TestClose_NoBidMeetsTheReserve_ClosesWithoutWinner(t *testing.T) {
	t.Parallel()
	m := newMarket(t, 500, auctions.SecondPrice)
	a := m.advertiser("a", 10_000)
	if _, err := m.bid(a, 600); err != nil {
		t.Fatal(err)
	}
	if _, err := m.svc.WithdrawBid(context.Background(), a, m.auction.ID, ""); err != nil {
		t.Fatal(err)
	}
	v := m.close()
	if v.Status != auctions.Closed || v.Winner != nil || v.ClearingPrice != nil || *v.Bids != 0 {
		t.Fatalf("closed: %+v", v)
	}
	m.verify()
}

// The schedule delivered many times at once settles once.
func TestClose_ConcurrentDeliveriesSettleOnce(t *testing.T) {
	t.Parallel()
	m := newMarket(t, 100, auctions.FirstPrice)
	for i := 0; i < 5; i++ {
		if _, err := m.bid(m.advertiser(fmt.Sprint("c", i), 10_000), int64(1_000+i*100)); err != nil {
			t.Fatal(err)
		}
	}
	m.clock.Advance(time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- m.svc.HandleScheduled(context.Background(), m.sched.payload("close-"+m.auction.ID))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil && fault.KindOf(err) != fault.Conflict && fault.KindOf(err) != fault.Unavailable {
			t.Fatal(err)
		}
	}
	// Whatever the racing closers left, one more run finishes (as the
	// scheduler's retry would).
	if err := m.svc.HandleScheduled(context.Background(), m.sched.payload("close-"+m.auction.ID)); err != nil {
		t.Fatal(err)
	}
	v, _ := m.svc.GetAuction(context.Background(), m.auction.ID)
	if v.Status != auctions.Closed || v.Winner.AdvertiserID != "adv_c4" || v.ClearingPrice.Minor != 1_400 {
		t.Fatalf("first price: the winner pays its bid: %+v", v)
	}
	if got := m.balance(ledger.Community("com_1")); got.Available != 1_260 {
		t.Fatalf("paid once: %+v", got)
	}
	m.verify()
}

// 50 advertisers bid at once, replace and withdraw; then the close: one
// winner, every other hold released.
func TestBids_FiftyConcurrentAdvertisersThenClose(t *testing.T) {
	t.Parallel()
	m := newMarket(t, 100, auctions.SecondPrice)
	const n = 50
	ps := make([]auth.Principal, n)
	for i := range ps {
		ps[i] = m.advertiser(fmt.Sprint("p", i), 100_000)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	final := map[int]int64{} // advertiser → its last accepted amount (0: withdrawn)
	for i := range ps {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for _, amount := range []int64{int64(1_000 + i), int64(2_000 + i*10)} {
				for try := 0; ; try++ {
					_, err := m.bid(ps[i], amount)
					if err == nil {
						break
					}
					if fault.KindOf(err) != fault.Conflict || try > 20 {
						t.Errorf("bid %d: %v", i, err)
						return
					}
				}
			}
			last := int64(2_000 + i*10)
			if i%5 == 0 {
				if _, err := m.svc.WithdrawBid(context.Background(), ps[i], m.auction.ID, ""); err != nil {
					t.Errorf("withdraw %d: %v", i, err)
					return
				}
				last = 0
			}
			mu.Lock()
			final[i] = last
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	v := m.close()
	// Highest: advertiser 49 (2490); 45 withdrew, so the runner-up is 48 (2480).
	if v.Winner == nil || v.Winner.AdvertiserID != "adv_p49" || v.ClearingPrice.Minor != 2_480 || *v.Bids != 40 {
		t.Fatalf("closed: %+v", v)
	}
	for i := range ps {
		got := m.balance(ledger.Advertiser(fmt.Sprint("adv_p", i)))
		want := int64(100_000)
		if i == 49 {
			want -= 2_480
		}
		if got.Held != 0 || got.Available != want {
			t.Fatalf("advertiser %d (last bid %d): %+v, want available %d", i, final[i], got, want)
		}
	}
	m.verify()
}

// 500 bids; the first close is cut off part-way (its context ends); the
// next run finishes: every loser's hold released, the winner paid once.
func TestClose_FiveHundredBidsResumesAfterAnInterruption(t *testing.T) {
	t.Parallel()
	m := newMarket(t, 100, auctions.SecondPrice)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := 0; i < 500; i++ {
		p := m.advertiser(fmt.Sprint("q", i), 10_000)
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			for try := 0; ; try++ {
				_, err := m.bid(p, int64(200+i))
				if err == nil || fault.KindOf(err) != fault.Conflict || try > 20 {
					if err != nil {
						t.Errorf("bid %d: %v", i, err)
					}
					return
				}
			}
		}(i)
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	m.clock.Advance(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	err := m.svc.HandleScheduled(ctx, m.sched.payload("close-"+m.auction.ID))
	cancel()
	t.Logf("first run: %v", err)
	// What finishes it: the periodic sweep when the close was left
	// closing (its schedule gave up), else the schedule's retry.
	job := m.sched.payload("close-" + m.auction.ID)
	if v, _ := m.svc.GetAuction(context.Background(), m.auction.ID); v.Status == auctions.Closing {
		job = []byte(`{"job":"sweep-closing"}`)
	}
	t.Logf("finished by %s", job)
	if err := m.svc.HandleScheduled(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	v, _ := m.svc.GetAuction(context.Background(), m.auction.ID)
	if v.Status != auctions.Closed || v.Winner.AdvertiserID != "adv_q499" || v.ClearingPrice.Minor != 698 || *v.Bids != 500 {
		t.Fatalf("closed: %+v", v)
	}
	for i := 0; i < 499; i++ {
		if got := m.balance(ledger.Advertiser(fmt.Sprint("adv_q", i))); got.Held != 0 || got.Available != 10_000 {
			t.Fatalf("loser %d: %+v", i, got)
		}
	}
	m.verify()
}

// Equal bids: the earlier one wins and, in a second-price auction, pays
// the equal amount; a replacement with a new amount is a new placement.
func TestClose_TiesGoToTheEarliestBid(t *testing.T) {
	t.Parallel()
	m := newMarket(t, 100, auctions.SecondPrice)
	early, late := m.advertiser("early", 10_000), m.advertiser("late", 10_000)
	if _, err := m.bid(early, 900); err != nil {
		t.Fatal(err)
	}
	m.clock.Advance(time.Millisecond)
	if _, err := m.bid(late, 1_000); err != nil {
		t.Fatal(err)
	}
	m.clock.Advance(time.Millisecond)
	if _, err := m.bid(early, 1_000); err != nil { // now equal, but placed later
		t.Fatal(err)
	}
	v := m.close()
	if v.Winner == nil || v.Winner.AdvertiserID != "adv_late" || v.ClearingPrice.Minor != 1_000 {
		t.Fatalf("closed: %+v", v)
	}
	m.verify()
}

// A window that closed unsold can be auctioned again; a sold one cannot.
func TestOpenAuction_UnsoldWindowIsFreeAgain(t *testing.T) {
	t.Parallel()
	m := newMarket(t, 500, auctions.SecondPrice)
	v := m.close() // no bids
	if v.Winner != nil {
		t.Fatalf("closed: %+v", v)
	}
	ctx := context.Background()
	now := m.clock.Now()
	again, err := m.svc.OpenAuction(ctx, m.owner, m.slot.ID, auctions.OpenAuctionInput{
		FlightStart: now.Add(time.Hour), FlightEnd: now.Add(25 * time.Hour), ClosesAt: now.Add(30 * time.Minute)})
	if err != nil {
		t.Fatalf("the unsold window: %v", err)
	}
	m.auction = again
	if _, err := m.bid(m.advertiser("s", 10_000), 600); err != nil {
		t.Fatal(err)
	}
	m.clock.Advance(30 * time.Minute)
	if err := m.svc.HandleScheduled(ctx, m.sched.payload("close-"+again.ID)); err != nil {
		t.Fatal(err)
	}
	now = m.clock.Now()
	if _, err := m.svc.OpenAuction(ctx, m.owner, m.slot.ID, auctions.OpenAuctionInput{
		FlightStart: now.Add(time.Hour), FlightEnd: now.Add(2 * time.Hour), ClosesAt: now.Add(30 * time.Minute)}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("a sold window: %v, want Conflict", err)
	}
	m.verify()
}
