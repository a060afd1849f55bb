package ledger_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
)

// A payer's debt goes below zero (what it owes) and is repaid, never
// overpaid: of eight repayments racing for a debt of 3.00 at 1.00 each,
// three land; the rest are refused as a conflict, and verify passes.
func TestDebt_RepaidNeverOverpaid(t *testing.T) {
	t.Parallel()
	l, _ := newLedger(t)
	ctx := context.Background()
	adv := ledger.Advertiser("adv_debtor")
	debt := ledger.Debt(adv)
	deposit(t, l, "d1", adv, 1000)
	// A dispute of 4.00: 1.00 from available, 3.00 as debt.
	op, err := l.Prepare(ledger.Transfer{ID: "txf_du_opened", Kind: "dispute", Currency: "USD", At: t0, ShardKey: "du",
		Legs: []ledger.Leg{{Account: ledger.PlatformDisputes, Available: 4000}, {Account: adv, Available: -1000}, {Account: debt, Available: -3000}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Apply(ctx, op); err != nil {
		t.Fatal(err)
	}
	if err := l.RefuseInDebt(ctx, adv, "USD", "test"); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("in debt: %v", err)
	}
	var ok atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			op, err := l.Prepare(ledger.Transfer{ID: "txf_repay_" + string(rune('a'+i)), Kind: "deposit", Currency: "USD", At: t0,
				Legs: []ledger.Leg{{Account: ledger.ExternalDeposits, Available: -1000}, {Account: debt, Available: 1000}}})
			if err != nil {
				t.Error(err)
				return
			}
			switch err := l.Apply(ctx, op); {
			case err == nil:
				ok.Add(1)
			case fault.KindOf(err) != fault.Conflict:
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if ok.Load() != 3 {
		t.Fatalf("%d repayments landed, want 3", ok.Load())
	}
	if b, _ := l.Balance(ctx, debt, "USD"); b.Available != 0 {
		t.Fatalf("debt %d", b.Available)
	}
	if err := l.RefuseInDebt(ctx, adv, "USD", "test"); err != nil {
		t.Fatalf("repaid: %v", err)
	}
	verifyClean(t, l)
	// A debt account holds nothing but available.
	if _, err := l.Prepare(ledger.Transfer{ID: "txf_bad", Kind: "x", Currency: "USD", At: t0,
		Legs: []ledger.Leg{{Account: debt, Held: 1}, {Account: adv, Available: -1}}}); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("held on a debt: %v", err)
	}
	if _, err := l.Prepare(ledger.Transfer{ID: "txf_bad2", Kind: "x", Currency: "USD", At: t0,
		Legs: []ledger.Leg{{Account: ledger.Debt(debt), Available: 1}, {Account: adv, Available: -1}}}); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("debt of a debt: %v", err)
	}
}
