package accounts_test

import (
	"fmt"
	"testing"

	"github.com/souqhq/souq/shared/accounts"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/store/storetest"
)

// BenchmarkCapacity_Deposit: what one saved-card deposit costs, from the
// request to the credit (the deposit written, the payer read, the debt
// read, the credit's transaction with its ledger transfer, index items
// and DepositSucceeded), from a metered client; and the Stripe calls it
// makes (the goal: one, the PaymentIntent). Then a refund of part of it
// on one deposit: its Stripe calls (one Refund per deposit it draws on)
// and capacity units.
func BenchmarkCapacity_Deposit(b *testing.B) {
	for i := 0; i < b.N; i++ {
		w := newMoneyWorld(b)
		w.saveCard("pm_4242", "succeeded")
		mdb, meter := storetest.Metered(w.db)
		w.svc = accounts.NewService(accounts.NewRepository(mdb), w.clk, false).WithMoney(ledger.New(mdb), w.fake, accounts.MoneyConfig{PublicURL: "https://souq.test"})
		calls := w.fake.chargeCalls
		meter.Reset()
		if _, err := w.deposit(fmt.Sprint("bench-", i), 5000, ""); err != nil {
			b.Fatal(err)
		}
		t := meter.Total()
		b.ReportMetric(t.RCU, "RCU/deposit")
		b.ReportMetric(t.WCU, "WCU/deposit")
		b.ReportMetric(float64(w.fake.chargeCalls-calls), "stripe-charges/deposit")
		meter.Reset()
		refunds := len(w.fake.refunds)
		if _, err := w.svc.RefundUnspent(w.ctx, w.owner, auth.AccountAdvertiser, w.adv.ID, "bench-refund", accounts.RefundInput{Amount: 1000, Currency: "USD"}); err != nil {
			b.Fatal(err)
		}
		t = meter.Total()
		b.ReportMetric(t.RCU, "RCU/refund")
		b.ReportMetric(t.WCU, "WCU/refund")
		b.ReportMetric(float64(len(w.fake.refunds)-refunds), "stripe-refunds/refund")
	}
}
