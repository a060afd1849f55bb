package campaigns_test

// Integration tests of a lowered budget against DynamoDB Local: the
// difference given back from the hold to the wallet with the change and
// its CampaignChanged, never below what was spent and what the last meter
// may still bill, once however often it is asked, and never what a
// settlement racing it draws.

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/campaigns"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/store/storetest"
)

// lastChanged is the budget of the newest CampaignChanged of a campaign:
// what serving knows of it.
func (w *world) lastChanged(campaignID string) int64 {
	w.t.Helper()
	version, budget := -1, int64(-1)
	for _, ev := range storetest.Outbox(w.t, w.db) {
		if ev.DetailType != "CampaignChanged" {
			continue
		}
		var e events.CampaignChanged
		if err := json.Unmarshal(ev.Detail, &e); err != nil {
			w.t.Fatal(err)
		}
		if e.CampaignID == campaignID && e.Version > version {
			version, budget = e.Version, e.Budget.Minor
		}
	}
	return budget
}

func (w *world) drawdown(campaignID string) ledger.Drawdown {
	w.t.Helper()
	d, found, err := w.ledger.GetDrawdown(context.Background(), campaignID)
	if err != nil || !found {
		w.t.Fatalf("the hold of %s: %v %v", campaignID, found, err)
	}
	return d
}

// A lowered budget gives exactly the difference back to the wallet, in
// the transaction of the change and its CampaignChanged (serving hears the
// new budget as it hears a raise); down to what was spent plus the
// busiest settlement so far, and not a cent below (422 naming budget,
// saying the least in the currency's words, and nothing changed); the
// same budget again, or four of the same lowering at once, give back once;
// a raise after it holds again; the end releases the rest; the ledger
// verifies.
func TestUpdate_LowersTheBudgetDownToWhatTheLastMeterMayStillBill(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	v, err := w.svc.Create(ctx, w.owner, "adv_a", input(5_000)) // CPM 2.50
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.svc.Update(ctx, w.key, v.ID, campaigns.UpdateInput{Budget: usd(4_000)})
	if err != nil || got.Budget.Minor != 4_000 || got.Remaining.Minor != 4_000 || got.Spent.Minor != 0 || got.Released.Minor != 0 {
		t.Fatalf("lowered before any settlement: %+v %v", got, err)
	}
	if b := w.balance(); b.Available != 6_000 || b.Held != 4_000 {
		t.Fatalf("the wallet after lowering 5,000 to 4,000: %+v", b)
	}
	if d := w.drawdown(v.ID); d.Amount != 4_000 || d.Remaining != 4_000 || d.Adjustments != 1 {
		t.Fatalf("the hold: %+v", d)
	}
	if b := w.lastChanged(v.ID); b != 4_000 {
		t.Fatalf("serving knows a budget of %d", b)
	}

	// A settlement of 4,000 impressions draws 1,000: the floor is then
	// 1,000 spent + 1,000 the last meter may still bill.
	if err := w.meter(v.ID, 1, map[string][2]int64{"com_a": {4_000, 0}}); err != nil {
		t.Fatal(err)
	}
	changed := w.outbox("CampaignChanged")
	_, err = w.svc.Update(ctx, w.owner, v.ID, campaigns.UpdateInput{Budget: usd(1_999)})
	if fe, ok := fault.As(err); !ok || fe.Kind != fault.InsufficientFunds || fields(err) != "budget" ||
		fe.Fields[0].Message != "must be at least 20.00 USD (spent 10.00 and up to 10.00 the last meter may still bill)" {
		t.Fatalf("below the floor: %v", err)
	}
	if b := w.balance(); b.Available != 6_000 || b.Held != 3_000 {
		t.Fatalf("a refused lowering moved money: %+v", b)
	}
	if got, _ := w.svc.Get(ctx, w.key, v.ID); got.Budget.Minor != 4_000 || w.outbox("CampaignChanged") != changed {
		t.Fatalf("a refused lowering changed the campaign: %+v", got)
	}

	// Four of the same lowering at once, to the floor: given back once.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = w.svc.Update(ctx, w.owner, v.ID, campaigns.UpdateInput{Budget: usd(2_000)})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("a lowering to the floor: %v", err)
		}
	}
	got, _ = w.svc.Get(ctx, w.key, v.ID)
	if got.Budget.Minor != 2_000 || got.Spent.Minor != 1_000 || got.Remaining.Minor != 1_000 {
		t.Fatalf("lowered to the floor: %+v", got)
	}
	if b := w.balance(); b.Available != 8_000 || b.Held != 1_000 {
		t.Fatalf("the wallet after lowering 4,000 to 2,000 four times at once: %+v", b)
	}
	if n := w.outbox("CampaignChanged"); n != changed+1 || w.lastChanged(v.ID) != 2_000 {
		t.Fatalf("%d CampaignChanged after one lowering (was %d); serving knows %d", n, changed, w.lastChanged(v.ID))
	}
	if _, err := w.svc.Update(ctx, w.owner, v.ID, campaigns.UpdateInput{Budget: usd(2_000)}); err != nil || w.outbox("CampaignChanged") != changed+1 {
		t.Fatalf("the same budget again: %v (%d CampaignChanged)", err, w.outbox("CampaignChanged"))
	}
	w.verify()

	// The next meter bills what the hold has left, the rest free.
	if err := w.meter(v.ID, 2, map[string][2]int64{"com_a": {12_000, 0}}); err != nil {
		t.Fatal(err)
	}
	got, _ = w.svc.Get(ctx, w.key, v.ID)
	if got.Spent.Minor != 2_000 || got.Remaining.Minor != 0 || got.Billed != 8_003 || got.Free != 3_997 {
		t.Fatalf("the meter after the lowering: %+v", got)
	}
	// A raise holds again; the end releases what it left.
	if got, err := w.svc.Update(ctx, w.owner, v.ID, campaigns.UpdateInput{Budget: usd(3_000)}); err != nil || got.Remaining.Minor != 1_000 {
		t.Fatalf("a raise after lowering: %+v %v", got, err)
	}
	ended, err := w.svc.End(ctx, w.owner, v.ID)
	if err != nil || ended.Released.Minor != 1_000 || ended.Spent.Minor != 2_000 || ended.Budget.Minor != 3_000 {
		t.Fatalf("ended: %+v %v", ended, err)
	}
	if _, err := w.svc.Update(ctx, w.owner, v.ID, campaigns.UpdateInput{Budget: usd(2_500)}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("lowering an ended campaign: %v", err)
	}
	if b := w.balance(); b.Available != 8_000 || b.Held != 0 {
		t.Fatalf("the wallet after the end: %+v", b)
	}
	w.verify()
}

// Eight lowerings to different amounts and a settlement at once (and an
// end after them): whatever order they land in, the settlement draws what
// it counted (the floor left room for it), the hold is what the campaign
// says, the wallet, the hold and what was spent add up to the deposit to
// the cent, the communities and the platform got what was spent, and the
// ledger verifies. A lowering either lands or is refused whole.
func TestUpdate_LoweringsRacingASettlementNeverGiveBackWhatItDraws(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	v, err := w.svc.Create(ctx, w.owner, "adv_a", input(10_000))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.meter(v.ID, 1, map[string][2]int64{"com_a": {4_000, 0}}); err != nil { // draws 1,000
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 9)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 8 { // 4,000 more impressions: 1,000 more, delivered until settled, as the bus would
				for attempt := 0; attempt < 5; attempt++ {
					if errs[i] = w.meter(v.ID, 2, map[string][2]int64{"com_a": {8_000, 0}}); errs[i] == nil {
						return
					}
				}
				return
			}
			_, errs[i] = w.svc.Update(ctx, w.owner, v.ID, campaigns.UpdateInput{Budget: usd(2_000 + int64(i)*500)})
		}()
	}
	wg.Wait()
	landed := map[int64]bool{}
	for i, err := range errs {
		switch k := fault.KindOf(err); {
		case err == nil && i < 8:
			landed[2_000+int64(i)*500] = true
		case err == nil:
		case i < 8 && (k == fault.InsufficientFunds || k == fault.Conflict): // below the floor the settlement raised, or too many races
		default:
			t.Fatalf("racer %d: %v", i, err)
		}
	}
	got, _ := w.svc.Get(ctx, w.key, v.ID)
	t.Logf("lowerings that landed: %v; the budget they left: %d", landed, got.Budget.Minor)
	d := w.drawdown(v.ID)
	if got.Spent.Minor != 2_000 || got.Billed != 8_000 || got.Free != 0 {
		t.Fatalf("the settlement did not draw what it counted: %+v", got)
	}
	if !landed[got.Budget.Minor] || d.Amount != got.Budget.Minor || d.Remaining != got.Budget.Minor-2_000 || d.Remaining < 0 || w.lastChanged(v.ID) != got.Budget.Minor {
		t.Fatalf("budget %d (lowerings landed: %v), hold %+v, serving knows %d", got.Budget.Minor, landed, d, w.lastChanged(v.ID))
	}
	if b := w.balance(); b.Available != 10_000-got.Budget.Minor || b.Held != got.Budget.Minor-2_000 || b.Available+b.Held+got.Spent.Minor != 10_000 {
		t.Fatalf("the wallet %+v with a budget of %d and 2,000 spent", b, got.Budget.Minor)
	}
	if com, fees := w.balanceOf(ledger.Community("com_a")), w.balanceOf(ledger.PlatformFees); com.Available != 1_400 || fees.Available != 600 {
		t.Fatalf("the community got %d and the platform %d of 2,000", com.Available, fees.Available)
	}
	w.verify()

	// Lowerings racing the end: the end releases exactly what they left.
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 8 {
				_, errs[i] = w.svc.End(ctx, w.owner, v.ID)
				return
			}
			_, errs[i] = w.svc.Update(ctx, w.owner, v.ID, campaigns.UpdateInput{Budget: usd(3_000 + int64(i)*100)})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if k := fault.KindOf(err); err != nil && (i == 8 || (k != fault.Conflict && k != fault.InsufficientFunds)) {
			t.Fatalf("racer %d: %v", i, fmt.Sprint(err))
		}
	}
	ended, _ := w.svc.Get(ctx, w.key, v.ID)
	if ended.Status != campaigns.StatusEnded || ended.Spent.Minor+ended.Released.Minor != ended.Budget.Minor || ended.Remaining.Minor != 0 {
		t.Fatalf("ended while lowering: %+v", ended)
	}
	if b := w.balance(); b.Available != 8_000 || b.Held != 0 {
		t.Fatalf("the wallet after the end: %+v", b)
	}
	w.verify()
}
