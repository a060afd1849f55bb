package invoke

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// Events and schedules are dispatched to their handlers, and each is one
// log line that is also an EMF record, with its outcome.
func TestMux_DispatchesAndLogsWorkAsEMF(t *testing.T) {
	var buf bytes.Buffer
	var got []string
	m := Mux{
		Event: func(_ context.Context, ev events.EventBridgeEvent) error {
			got = append(got, ev.DetailType)
			return nil
		},
		Scheduled: func(context.Context, json.RawMessage) error { got = append(got, "job"); return errors.New("rail down") },
		Log:       slog.New(slog.NewJSONHandler(&buf, nil)).With("function", "payouts"),
	}
	if _, err := m.Invoke(context.Background(), []byte(`{"detail-type":"PayoutRequested","detail":{"eventId":"evt_1"}}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Invoke(context.Background(), []byte(`{"job":"sweep-payouts"}`)); err == nil {
		t.Fatal("a failing job's error must reach Lambda, which retries it")
	}
	if _, err := m.Invoke(context.Background(), []byte(`{"nothing":1}`)); err == nil {
		t.Fatal("an unknown payload is refused")
	}
	if len(got) != 2 || got[0] != "PayoutRequested" {
		t.Fatalf("dispatched %v", got)
	}
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("log: %s", buf.Bytes())
	}
	var ev, job struct {
		Function, Kind, Name, EventID, Outcome string
		Failures                               int
		AWS                                    struct{ CloudWatchMetrics []struct{ Namespace string } } `json:"_aws"`
	}
	_ = json.Unmarshal(lines[0], &ev)
	_ = json.Unmarshal(lines[1], &job)
	if ev.Function != "payouts" || ev.Kind != "event" || ev.Name != "PayoutRequested" || ev.EventID != "evt_1" || ev.Outcome != "ok" ||
		len(ev.AWS.CloudWatchMetrics) != 1 || ev.AWS.CloudWatchMetrics[0].Namespace != MetricNamespace {
		t.Fatalf("the event's line: %s", lines[0])
	}
	if job.Kind != "schedule" || job.Name != "sweep-payouts" || job.Outcome != "error" || job.Failures != 1 {
		t.Fatalf("the job's line: %s", lines[1])
	}
}
