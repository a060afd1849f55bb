package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
)

// MetricNamespace and MetricViolations name the CloudWatch metric the
// daily verification publishes; the stack alarms when it is ≥ 1.
const (
	MetricNamespace  = "Souq"
	MetricViolations = "LedgerViolations"
)

// VerifyJob is the ops function's work: verify the ledger and publish the
// number of violations as a CloudWatch metric (Embedded Metric Format on
// stdout), with the report for whoever invoked it.
type VerifyJob struct {
	Ledger *Ledger
	Stage  string
	Out    io.Writer
	Now    func() time.Time
}

// Handle runs one verification. Violations are not a failure of the job
// (the alarm reports them); only an unreadable ledger is.
func (j *VerifyJob) Handle(ctx context.Context, _ json.RawMessage) (Report, error) {
	r, err := j.Ledger.Verify(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("verify ledger: %w", err)
	}
	line := map[string]any{
		"_aws": map[string]any{
			"Timestamp": j.Now().UnixMilli(),
			"CloudWatchMetrics": []map[string]any{{
				"Namespace":  MetricNamespace,
				"Dimensions": [][]string{{"Stage"}},
				"Metrics":    []map[string]string{{"Name": MetricViolations, "Unit": "Count"}},
			}},
		},
		"Stage":          j.Stage,
		MetricViolations: len(r.Violations),
		"transfers":      r.Transfers,
		"accounts":       r.Accounts,
		"violations":     r.Violations,
	}
	b, _ := json.Marshal(line)
	fmt.Fprintln(j.Out, string(b))
	return r, nil
}

// RefuseInDebt is the answer to a payer in debt (DESIGN §15: an
// advertiser that owes Souq a dispute's shortfall cannot bid, book or
// fund a campaign until a deposit repays it), or nil when it owes
// nothing.
func (l *Ledger) RefuseInDebt(ctx context.Context, payer Account, currency, op string) error {
	b, err := l.Balance(ctx, Debt(payer), currency)
	if err != nil {
		return err
	}
	if b.Available >= 0 {
		return nil
	}
	owed := money.Amount{Minor: -b.Available, Currency: currency}
	return &fault.Error{Kind: fault.Conflict, Op: op, Code: "in_debt", State: "in_debt",
		Message: "the account owes " + owed.String() + " from a disputed payment; add funds to repay it first"}
}

// CardFundsDays is how long a card payment can still be disputed (card
// networks allow about 120 days).
const CardFundsDays = 120

// CardFunds is what of an owner's balance came from its card deposits of
// the last CardFundsDays and is not spent: the deposits, less what was
// refunded or disputed of them and what its referral budgets paid out
// (the day totals of those kinds). A community's payout leaves it in
// place (DESIGN §15): card money is spent or refunded, never paid out.
func (l *Ledger) CardFunds(ctx context.Context, a Account, currency string, now time.Time) (int64, error) {
	days, err := l.Days(ctx, a, currency, now.AddDate(0, 0, -CardFundsDays).Format(clock.DayLayout), now.Format(clock.DayLayout))
	if err != nil {
		return 0, err
	}
	var n int64
	for _, d := range days {
		switch d.Kind {
		case "deposit", "refund", "refund_sent", "refund_failed", "dispute", "dispute_won", "referral_commission", "referral_commission_return":
			n += d.Net
		}
	}
	return max(n, 0), nil
}
