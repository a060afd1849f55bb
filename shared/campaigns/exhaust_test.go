package campaigns_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/serving"
	"github.com/souqhq/souq/shared/store/storetest"
	"github.com/souqhq/souq/shared/targeting"
)

// pump delivers each outbox event once, as the bus would: serving's
// projection hears what it listens to, the campaigns context what it does
// (the meters).
type pump struct {
	w    *world
	mux  *events.Mux
	seen map[string]bool
}

func (p *pump) run() {
	p.w.t.Helper()
	for {
		moved := false
		for _, ev := range storetest.Outbox(p.w.t, p.w.db) {
			if p.seen[ev.ID] {
				continue
			}
			p.seen[ev.ID], moved = true, true
			if err := p.mux.Handle(context.Background(), ev); err != nil {
				p.w.t.Fatalf("serving on %s: %v", ev.DetailType, err)
			}
			if err := p.w.svc.HandleEvent(context.Background(), ev); err != nil {
				p.w.t.Fatalf("campaigns on %s: %v", ev.DetailType, err)
			}
		}
		if !moved {
			return
		}
	}
}

func deliverTo(t testing.TB, mux *events.Mux, e events.Event) {
	t.Helper()
	m := e.Base()
	m.EventID, m.OccurredAt, m.SchemaVersion = "evt_"+fmt.Sprint(time.Now().UnixNano()), clock.Format(t0), 1
	d, _ := json.Marshal(e)
	if err := mux.Handle(context.Background(), lambdaevents.EventBridgeEvent{ID: m.EventID, DetailType: e.DetailType(), Source: e.Source(), Detail: d}); err != nil {
		t.Fatal(err)
	}
}

// Four serving instances, each believing only its own views and the
// settlements it hears, serve one campaign at 1,000 viewable impressions
// a minute over three communities' slots until its budget runs out:
// offers stop on every instance once the settlement says so; spent is
// exactly the budget, never more; every view past it is free and earns
// nothing; the communities' shares and the fees add up to the spend; and
// the ledger verifies. The overshoot stays under a tenth of a minute's
// traffic and is printed as a figure.
func TestExhaustion_FourServingInstancesNeverOverspend(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	st := serving.NewStore(w.db, w.clock)
	mux := events.NewMux("serve")
	st.Listen(mux)
	p := &pump{w: w, mux: mux, seen: map[string]bool{}}
	deliverTo(t, mux, &events.AdvertiserCreated{AdvertiserID: "adv_a", OwnerID: "usr_a", Currency: "USD"})
	slots := []string{}
	for i := 1; i <= 3; i++ {
		com := fmt.Sprintf("com_%d", i)
		deliverTo(t, mux, &events.CommunityCreated{CommunityID: com, OwnerID: "usr_o" + com, Currency: "USD"})
		slot := fmt.Sprintf("slot_01jd3k4m5n6p7q8r9s0t1v2w%02d", i)
		deliverTo(t, mux, &events.SlotChanged{SlotID: slot, CommunityID: com, Width: 300, Height: 250, Currency: "USD", Version: 1,
			Campaigns: events.SlotCampaigns{Accept: true}})
		slots = append(slots, slot)
	}

	const budget = 380 // cents: 1,523 impressions at 2.50 per thousand (floor(1,523 × 250 / 1000) = 380), a minute and a half of traffic
	in := input(budget)
	in.Pacing = "asap"
	c, err := w.svc.Create(ctx, w.owner, "adv_a", in)
	if err != nil {
		t.Fatal(err)
	}
	p.run() // CampaignChanged → serving

	const instances, perMinute, steps = 4, 1_000, 10
	servers := make([]*serving.Server, instances)
	for i := range servers {
		servers[i] = serving.NewServer(st, st, st, w.clock, serving.Config{Key: []byte("0123456789abcdef0123456789abcdef"), BaseURL: "http://souq.test"},
			slog.New(slog.DiscardHandler))
	}
	var views, person atomic.Int64
	minutes, quietMinutes := 0, 0
	for ; minutes < 30 && quietMinutes < 2; minutes++ {
		var offered atomic.Int64
		for step := 0; step < steps; step++ {
			var wg sync.WaitGroup
			for i, srv := range servers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n := 0; n < perMinute/steps/instances; n++ {
						ad, ok, err := srv.Decide(ctx, slots[(i+n)%len(slots)], "")
						if err != nil {
							t.Error(err)
							return
						}
						if !ok || ad.Kind != serving.KindCampaign {
							continue
						}
						offered.Add(1)
						k := person.Add(1)
						ev := serving.Event{UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", SourceIP: fmt.Sprintf("198.%d.%d.%d", k/65536%256, k/256%256, k%256)}
						if err := srv.View(ctx, strings.TrimPrefix(ad.ViewURL, "http://souq.test/v/"), ev); err != nil {
							t.Error(err)
							return
						}
						views.Add(1)
					}
				}()
			}
			wg.Wait()
			for _, srv := range servers {
				if err := srv.Counts.Flush(ctx); err != nil {
					t.Fatal(err)
				}
			}
			w.clock.Advance(6 * time.Second)
		}
		w.clock.Advance(time.Second)
		if err := st.Meter(ctx, w.clock.Now()); err != nil { // the platform's minute
			t.Fatal(err)
		}
		p.run() // meter → settlement → CampaignCharged → serving
		if offered.Load() == 0 {
			quietMinutes++
		}
	}
	got, err := w.svc.Get(ctx, w.owner, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if quietMinutes < 2 {
		t.Fatalf("offers did not stop in %d minutes: %+v", minutes, got)
	}
	if got.Spent.Minor != budget || got.Remaining.Minor != 0 {
		t.Fatalf("spent %d of %d (remaining %d)", got.Spent.Minor, budget, got.Remaining.Minor)
	}
	if got.Impressions != views.Load() || got.Billed != 1_523 || got.Billed+got.Free != views.Load() {
		t.Fatalf("views %d: settled %d impressions, %d billed, %d free", views.Load(), got.Impressions, got.Billed, got.Free)
	}
	// Each instance scales its own count by its part of the traffic in the
	// last settlement (about a quarter here): without that, each believes
	// only its own views, and the four together showed about half a
	// minute's traffic past the budget (477 of 1,000).
	if got.Free*10 > perMinute {
		t.Errorf("%d impressions free past the budget: more than a tenth of a minute's %d", got.Free, perMinute)
	}
	if n := w.outbox("CampaignBudgetExhausted"); n != 1 {
		t.Fatalf("%d CampaignBudgetExhausted, want 1", n)
	}
	var shares, fees int64
	for _, ev := range storetest.Outbox(t, w.db) {
		if ev.DetailType != "CampaignCharged" {
			continue
		}
		var ch events.CampaignCharged
		if err := json.Unmarshal(ev.Detail, &ch); err != nil {
			t.Fatal(err)
		}
		for _, cc := range ch.Communities {
			shares += cc.Share.Minor
			fees += cc.Amount.Minor - cc.Share.Minor
		}
	}
	if shares+fees != budget || shares < budget*7/10-3 || shares > budget*7/10+3 {
		t.Fatalf("the communities earned %d and the platform %d of %d", shares, fees, budget)
	}
	w.verify()
	t.Logf("figure: overshoot at %d viewable impressions a minute over %d serving instances: %d impressions shown free past the budget (%.1f %% of a minute's traffic; %.1f %% of the %d it bought), in %d minutes",
		perMinute, instances, got.Free, 100*float64(got.Free)/perMinute, 100*float64(got.Free)/float64(got.Billed), got.Billed, minutes)
}

// The most communities one meter moves (serving.MeterCommunities) settle
// in one transaction, within DynamoDB's 100 items, with premium and all:
// a targeted campaign's meter of 20 communities charges each its share.
func TestSettle_TheMostCommunitiesAMeterMoves(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	in := input(5_000)
	in.Targeting = &targeting.Targeting{Countries: []string{"SA"}}
	c, err := w.svc.Create(ctx, w.owner, "adv_a", in)
	if err != nil {
		t.Fatal(err)
	}
	units := map[string][2]int64{}
	for i := 0; i < serving.MeterCommunities; i++ {
		units[fmt.Sprintf("com_%02d", i)] = [2]int64{1_000, 0}
	}
	if err := w.meter(c.ID, 1, units); err != nil {
		t.Fatalf("a meter of %d communities: %v", serving.MeterCommunities, err)
	}
	got, err := w.svc.Get(ctx, w.owner, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	// 20,000 impressions at 2.50 would spend 5,000, past the budget with
	// the premium: the most that fits is billed, the rest free.
	if got.Spent.Minor == 0 || got.Spent.Minor > 5_000 || got.Billed+got.Free != 20_000 || got.Premium.Minor == 0 {
		t.Fatalf("settled: %+v", got)
	}
	for i := 0; i < serving.MeterCommunities; i++ {
		if b := w.balanceOf(ledger.Community(fmt.Sprintf("com_%02d", i))); b.Available == 0 {
			t.Fatalf("com_%02d earned nothing", i)
		}
	}
	w.verify()
}
