package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
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
