package ledger_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/ledger"
)

// The daily job publishes the violation count in CloudWatch's Embedded
// Metric Format, which the stack's alarm watches.
func TestVerifyJob_PublishesTheViolationCount(t *testing.T) {
	t.Parallel()
	l, _ := newLedger(t)
	deposit(t, l, "dep_ops", ledger.Advertiser("adv_ops"), 100)
	var out bytes.Buffer
	job := &ledger.VerifyJob{Ledger: l, Stage: "dev", Out: &out, Now: func() time.Time { return t0 }}
	r, err := job.Handle(context.Background(), nil)
	if err != nil || !r.OK || r.Transfers != 1 {
		t.Fatalf("report %+v %v", r, err)
	}
	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("not one JSON line: %s", out.String())
	}
	aws := line["_aws"].(map[string]any)
	metric := aws["CloudWatchMetrics"].([]any)[0].(map[string]any)
	if metric["Namespace"] != ledger.MetricNamespace || line[ledger.MetricViolations] != float64(0) || line["Stage"] != "dev" {
		t.Fatalf("EMF line %s", out.String())
	}
}
