package api

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/infra/topology"
)

// Every request's log line is also an Embedded Metric Format record:
// latency and outcome, per function and route.
func TestServe_LogsEachRequestAsAnEMFRecord(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil)).With("function", "things")
	rt := NewRouter([]topology.Route{{Method: "GET", Path: "/v1/public", Function: "things", Auth: []topology.AuthKind{topology.Public}}}, nil, log,
		func() time.Time { return time.Unix(1_700_000_000, 0) })
	rt.Handle("GET /v1/public", func(context.Context, *Request) (Response, error) { return JSON(200, map[string]int{"ok": 1}), nil }, NoIdempotency)
	rt.Serve(context.Background(), events.APIGatewayV2HTTPRequest{RouteKey: "GET /v1/public", RawPath: "/v1/public"})
	var line struct {
		Function, Route, Outcome string
		Requests, ServerErrors   int
		LatencyMs                *int64 `json:"latencyMs"`
		AWS                      struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("%v: %s", err, buf.Bytes())
	}
	cw := line.AWS.CloudWatchMetrics
	if line.Function != "things" || line.Route != "GET /v1/public" || line.Outcome != "ok" || line.Requests != 1 || line.LatencyMs == nil ||
		line.AWS.Timestamp != 1_700_000_000_000 || len(cw) != 1 || cw[0].Namespace != MetricNamespace || len(cw[0].Metrics) != 4 ||
		len(cw[0].Dimensions) != 1 || cw[0].Dimensions[0][0] != "function" || cw[0].Dimensions[0][1] != "route" {
		t.Fatalf("the EMF record: %s", buf.Bytes())
	}
}
