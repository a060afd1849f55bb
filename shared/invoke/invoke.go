// Package invoke lets one Lambda function take the kinds of payload its
// topology entry says it receives (HTTP from API Gateway, events from
// EventBridge), dispatching on the payload's shape. It owns no rules.
package invoke

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Mux dispatches a raw Lambda payload to the handler for its kind.
type Mux struct {
	HTTP  func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
	Event func(context.Context, events.EventBridgeEvent) error
	// Scheduled takes the payloads of schedules the function made itself
	// ({"job": …}).
	Scheduled func(context.Context, json.RawMessage) error
	// Log, when set, gets one line per event or schedule handled (HTTP
	// requests are the router's to log): what, its outcome and latency,
	// also an Embedded Metric Format record in MetricNamespace.
	Log *slog.Logger
}

// MetricNamespace is where the workers' metrics go.
const MetricNamespace = "Souq/Workers"

// observe runs a worker's handler and logs it.
func (m Mux) observe(ctx context.Context, kind, name, eventID string, f func() error) error {
	start := time.Now()
	err := f()
	if m.Log == nil {
		return err
	}
	outcome, failed := "ok", 0
	if err != nil {
		outcome, failed = "error", 1
	}
	attrs := []any{"kind", kind, "name", name, "eventId", eventID, "outcome", outcome, "latencyMs", time.Since(start).Milliseconds(),
		"invocations", 1, "failures", failed,
		slog.Any("_aws", map[string]any{
			"Timestamp": time.Now().UnixMilli(),
			"CloudWatchMetrics": []map[string]any{{
				"Namespace": MetricNamespace, "Dimensions": [][]string{{"function", "kind", "name"}},
				"Metrics": []map[string]string{{"Name": "latencyMs", "Unit": "Milliseconds"}, {"Name": "invocations", "Unit": "Count"}, {"Name": "failures", "Unit": "Count"}},
			}},
		})}
	if err != nil {
		m.Log.ErrorContext(ctx, "work failed", append(attrs, "error", err.Error())...)
	} else {
		m.Log.InfoContext(ctx, "work", attrs...)
	}
	return err
}

// Invoke implements lambda.Handler.
func (m Mux) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var probe struct {
		RouteKey   string `json:"routeKey"`
		DetailType string `json:"detail-type"`
		Job        string `json:"job"`
	}
	if err := json.Unmarshal(payload, &probe); err != nil {
		return nil, err
	}
	switch {
	case probe.RouteKey != "" && m.HTTP != nil:
		var req events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(payload, &req); err != nil {
			return nil, err
		}
		resp, err := m.HTTP(ctx, req)
		if err != nil {
			return nil, err
		}
		return json.Marshal(resp)
	case probe.DetailType != "" && m.Event != nil:
		var ev events.EventBridgeEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		var meta struct {
			EventID string `json:"eventId"`
		}
		_ = json.Unmarshal(ev.Detail, &meta)
		return []byte("null"), m.observe(ctx, "event", ev.DetailType, meta.EventID, func() error { return m.Event(ctx, ev) })
	case probe.Job != "" && m.Scheduled != nil:
		return []byte("null"), m.observe(ctx, "schedule", probe.Job, "", func() error { return m.Scheduled(ctx, payload) })
	}
	return nil, errors.New("invoke: a payload this function does not take")
}
