package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
)

func drawdown(t *testing.T, l *ledger.Ledger, id string) ledger.Drawdown {
	t.Helper()
	d, found, err := l.GetDrawdown(context.Background(), id)
	if err != nil || !found {
		t.Fatalf("drawdown %s: %v %v", id, found, err)
	}
	return d
}

// A draw-down hold is opened, topped up, drawn from many times (a retried
// draw is a no-op), given money back, and released exactly once; the
// account and Verify agree at every step.
func TestDrawdown_OpenTopUpDrawReturnRelease(t *testing.T) {
	t.Parallel()
	l, _ := newLedger(t)
	ctx := context.Background()
	com, inf := ledger.Community("com_dd"), ledger.Influencer("usr_dd")
	deposit(t, l, "dep_dd", com, 10_000)

	open, err := l.PrepareOpenDrawdown("prg_1_budget", com, "USD", 3_000, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Apply(ctx, open); err != nil {
		t.Fatal(err)
	}
	d := drawdown(t, l, "prg_1_budget")
	top, err := l.PrepareTopUp(d, 1_000, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Apply(ctx, top); err != nil {
		t.Fatal(err)
	}
	// A top-up prepared from a stale read is refused, not applied twice.
	if stale, _ := l.PrepareTopUp(d, 500, t0); fault.KindOf(l.Apply(ctx, stale)) != fault.Conflict {
		t.Fatal("a top-up from a stale read was applied")
	}
	draw, err := l.PrepareDraw(d, "cnv_1", []ledger.Credit{{Account: inf, Bucket: ledger.Pending, Amount: 1_200}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Apply(ctx, draw); err != nil {
		t.Fatal(err)
	}
	if err := l.Apply(ctx, draw); !errors.Is(err, ledger.ErrAlreadyApplied) {
		t.Fatalf("a retried draw: %v, want ErrAlreadyApplied", err)
	}
	// More than remains is refused whole.
	big, _ := l.PrepareDraw(d, "cnv_2", []ledger.Credit{{Account: inf, Bucket: ledger.Pending, Amount: 2_801}}, t0)
	if err := l.Apply(ctx, big); fault.KindOf(err) != fault.InsufficientFunds {
		t.Fatalf("an overdraw: %v, want InsufficientFunds", err)
	}
	ret, err := l.PrepareReturn(d, "cnv_1_rev_1", inf, ledger.Pending, 200, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Apply(ctx, ret); err != nil {
		t.Fatal(err)
	}
	d = drawdown(t, l, "prg_1_budget")
	if d.Amount != 4_000 || d.Drawn != 1_000 || d.Remaining != 3_000 || d.State != ledger.HoldHeld {
		t.Fatalf("after the draws: %+v", d)
	}
	verifyClean(t, l)

	rel, err := l.PrepareReleaseRest(d, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Apply(ctx, rel); err != nil {
		t.Fatal(err)
	}
	if err := l.Apply(ctx, rel); err == nil {
		t.Fatal("a second release applied")
	}
	if b := balance(t, l, com); b.Available != 9_000 || b.Held != 0 {
		t.Fatalf("the community after the release: %+v", b)
	}
	// A released hold takes no more draws or returns.
	late, _ := l.PrepareDraw(d, "cnv_3", []ledger.Credit{{Account: inf, Bucket: ledger.Pending, Amount: 1}}, t0)
	if err := l.Apply(ctx, late); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("a draw after the release: %v", err)
	}
	lateRet, _ := l.PrepareReturn(d, "cnv_1_rev_2", inf, ledger.Pending, 100, t0)
	if err := l.Apply(ctx, lateRet); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("a return after the release: %v", err)
	}
	d = drawdown(t, l, "prg_1_budget")
	if d.State != ledger.HoldReleased || d.Released != 3_000 || d.Remaining != 0 {
		t.Fatalf("released: %+v", d)
	}
	verifyClean(t, l)
}

// Many draws at once never take more than the hold: exactly as many as
// fit succeed, the rest are refused, and each retried draw is a no-op.
func TestDrawdown_ConcurrentDrawsNeverOverdraw(t *testing.T) {
	t.Parallel()
	l, _ := newLedger(t)
	ctx := context.Background()
	adv := ledger.Advertiser("adv_dd")
	deposit(t, l, "dep_dd2", adv, 1_000)
	open, _ := l.PrepareOpenDrawdown("cmp_1", adv, "USD", 1_000, t0)
	if err := l.Apply(ctx, open); err != nil {
		t.Fatal(err)
	}
	d := drawdown(t, l, "cmp_1")
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, short := 0, 0
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			op, err := l.PrepareDraw(d, fmt.Sprintf("s%d", i%15), []ledger.Credit{{Account: ledger.PlatformFees, Amount: 100}}, t0)
			if err != nil {
				t.Error(err)
				return
			}
			for {
				err = l.Apply(ctx, op)
				if fault.KindOf(err) != fault.Conflict || errors.Is(err, ledger.ErrAlreadyApplied) {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case fault.KindOf(err) == fault.InsufficientFunds, errors.Is(err, ledger.ErrAlreadyApplied):
				short++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	d = drawdown(t, l, "cmp_1")
	if ok != 10 || d.Drawn != 1_000 || d.Remaining != 0 {
		t.Fatalf("%d draws of 100 from 1,000 succeeded (%d refused); hold %+v", ok, short, d)
	}
	verifyClean(t, l)
}

// A partial release gives part of a held draw-down hold back to available
// and makes the hold that much smaller, once: a retry or a release
// prepared from a stale read applies nothing, one for more than remains
// moves nothing, and after it the hold is topped up, drawn from and
// released as before; the account and Verify agree at every step.
func TestDrawdown_ReleasePartShrinksTheHoldOnce(t *testing.T) {
	t.Parallel()
	l, _ := newLedger(t)
	ctx := context.Background()
	adv := ledger.Advertiser("adv_part")
	deposit(t, l, "dep_part", adv, 10_000)
	open, _ := l.PrepareOpenDrawdown("cmp_part", adv, "USD", 5_000, t0)
	if err := l.Apply(ctx, open); err != nil {
		t.Fatal(err)
	}
	draw, _ := l.PrepareDraw(drawdown(t, l, "cmp_part"), "m1", []ledger.Credit{{Account: ledger.PlatformFees, Amount: 1_000}}, t0)
	if err := l.Apply(ctx, draw); err != nil {
		t.Fatal(err)
	}
	if _, err := l.PrepareReleasePart(drawdown(t, l, "cmp_part"), 0, "", t0); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("a release of nothing: %v", err)
	}
	d := drawdown(t, l, "cmp_part")
	part, err := l.PrepareReleasePart(d, 1_500, "budget lowered", t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Apply(ctx, part); err != nil {
		t.Fatal(err)
	}
	if err := l.Apply(ctx, part); !errors.Is(err, ledger.ErrAlreadyApplied) {
		t.Fatalf("a retried partial release: %v, want ErrAlreadyApplied", err)
	}
	if stale, _ := l.PrepareReleasePart(d, 700, "", t0); fault.KindOf(l.Apply(ctx, stale)) != fault.Conflict {
		t.Fatal("a partial release from a stale read was applied")
	}
	if b := balance(t, l, adv); b.Available != 6_500 || b.Held != 2_500 {
		t.Fatalf("the advertiser after the partial release: %+v", b)
	}
	d = drawdown(t, l, "cmp_part")
	if d.Amount != 3_500 || d.Drawn != 1_000 || d.Remaining != 2_500 || d.Released != 0 || d.Adjustments != 1 || d.State != ledger.HoldHeld {
		t.Fatalf("after the partial release: %+v", d)
	}
	if tooMuch, _ := l.PrepareReleasePart(d, 2_501, "", t0); fault.KindOf(l.Apply(ctx, tooMuch)) != fault.Conflict {
		t.Fatal("a partial release of more than remains was applied")
	}
	verifyClean(t, l)

	top, _ := l.PrepareTopUp(d, 500, t0)
	if err := l.Apply(ctx, top); err != nil {
		t.Fatal(err)
	}
	all, _ := l.PrepareReleasePart(drawdown(t, l, "cmp_part"), 3_000, "", t0)
	if err := l.Apply(ctx, all); err != nil {
		t.Fatal(err)
	}
	d = drawdown(t, l, "cmp_part")
	if d.Amount != 1_000 || d.Remaining != 0 || d.Drawn != 1_000 || d.State != ledger.HoldHeld {
		t.Fatalf("after releasing all that remained: %+v", d)
	}
	rel, _ := l.PrepareReleaseRest(d, t0)
	if err := l.Apply(ctx, rel); err != nil {
		t.Fatal(err)
	}
	if late, _ := l.PrepareReleasePart(drawdown(t, l, "cmp_part"), 1, "", t0); fault.KindOf(l.Apply(ctx, late)) != fault.Conflict {
		t.Fatal("a partial release of a released hold was applied")
	}
	if b := balance(t, l, adv); b.Available != 9_000 || b.Held != 0 {
		t.Fatalf("the advertiser after the release: %+v", b)
	}
	verifyClean(t, l)
}

// Partial releases racing draws never take what a draw took: the hold's
// remaining never goes below zero, every partial release that applied
// shrank the hold by exactly its amount, and Verify agrees.
func TestDrawdown_ReleasePartsRacingDrawsNeverOverdraw(t *testing.T) {
	t.Parallel()
	l, _ := newLedger(t)
	ctx := context.Background()
	adv := ledger.Advertiser("adv_race")
	deposit(t, l, "dep_race", adv, 2_000)
	open, _ := l.PrepareOpenDrawdown("cmp_race", adv, "USD", 2_000, t0)
	if err := l.Apply(ctx, open); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var drawn, given int64
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for attempt := 0; attempt < 50; attempt++ {
				d := drawdown(t, l, "cmp_race")
				if i%2 == 1 && d.Remaining < 250 {
					return // too little left to give back
				}
				var op ledger.Op
				var err error
				if i%2 == 0 {
					op, err = l.PrepareDraw(d, fmt.Sprintf("m%d", i), []ledger.Credit{{Account: ledger.PlatformFees, Amount: 150}}, t0)
				} else {
					op, err = l.PrepareReleasePart(d, 250, "", t0)
				}
				if err != nil {
					t.Error(err)
					return
				}
				err = l.Apply(ctx, op)
				mu.Lock()
				switch {
				case err == nil && i%2 == 0:
					drawn += 150
				case err == nil:
					given += 250
				}
				mu.Unlock()
				if err == nil || fault.KindOf(err) == fault.InsufficientFunds || (i%2 == 0 && errors.Is(err, ledger.ErrAlreadyApplied)) {
					return
				}
				if fault.KindOf(err) != fault.Conflict {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	d := drawdown(t, l, "cmp_race")
	if d.Remaining < 0 || d.Drawn != drawn || d.Amount != 2_000-given || d.Drawn+d.Remaining != d.Amount || d.Adjustments != int(given/250) {
		t.Fatalf("drew %d and gave back %d: hold %+v", drawn, given, d)
	}
	if b := balance(t, l, adv); b.Available != given || b.Held != d.Remaining {
		t.Fatalf("the advertiser: %+v (hold %+v)", b, d)
	}
	verifyClean(t, l)
}
