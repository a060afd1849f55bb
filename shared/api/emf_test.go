package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/shared/topology"
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

// A sampled route logs one success line per SampleEvery, whose requests
// metric counts them all; its errors are each logged.
func TestServe_SampledRouteLogsOneLinePerHundredAndEveryError(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	rt := NewRouter([]topology.Route{{Method: "GET", Path: "/v1/hot/{id}", Function: "things", Auth: []topology.AuthKind{topology.Public}}}, nil, log, time.Now)
	rt.Handle("GET /v1/hot/{id}", func(_ context.Context, r *Request) (Response, error) {
		if r.Path("id") == "bad" {
			return Response{}, errors.New("boom")
		}
		return JSON(200, map[string]int{"ok": 1}), nil
	}, NoIdempotency)
	rt.Sample("GET /v1/hot/{id}")
	call := func(id string) {
		rt.Serve(context.Background(), events.APIGatewayV2HTTPRequest{RouteKey: "GET /v1/hot/{id}", RawPath: "/v1/hot/" + id, PathParameters: map[string]string{"id": id}})
	}
	for i := 0; i < 250; i++ {
		call("ok")
	}
	call("bad")
	call("bad")
	var lines, requests, errs int
	for _, l := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var line struct {
			Msg      string
			Outcome  string
			Requests int
		}
		if err := json.Unmarshal(l, &line); err != nil {
			t.Fatal(err)
		}
		if line.Msg != "request" {
			continue // the error's own line, with its cause
		}
		lines++
		if line.Outcome == "ok" {
			requests += line.Requests
		} else {
			errs++
		}
	}
	// 250 successes: two lines of 100 (the last 50 wait for the next);
	// two errors, each its own line.
	if lines != 4 || requests != 200 || errs != 2 {
		t.Fatalf("%d lines, %d successes counted, %d errors", lines, requests, errs)
	}
}
