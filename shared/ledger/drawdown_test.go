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
