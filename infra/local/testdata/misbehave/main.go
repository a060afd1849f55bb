// Command misbehave is a test-only Lambda that fails on request, so that
// the RIE suite can see how a function error, a panic and a timeout come
// back through the emulator. It reads its orders from the payload, or
// from the body of a payload-2.0 HTTP request, or from the detail of an
// EventBridge event: {"panic":"why"} panics,
// {"error":"why"} returns an error, {"sleepMs":n} sleeps n ms first;
// then it answers the payload back (an HTTP request with 200 and its
// body).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

type orders struct {
	Panic   string `json:"panic"`
	Error   string `json:"error"`
	SleepMs int    `json:"sleepMs"`
}

func main() {
	lambda.Start(func(ctx context.Context, raw json.RawMessage) (json.RawMessage, error) {
		var http events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &http); err != nil {
			return nil, err
		}
		in := raw
		if http.RouteKey != "" {
			in = json.RawMessage(http.Body)
		}
		var ev events.EventBridgeEvent
		if err := json.Unmarshal(raw, &ev); err == nil && ev.DetailType != "" {
			in = ev.Detail
		}
		var o orders
		if err := json.Unmarshal(in, &o); err != nil {
			return nil, err
		}
		switch {
		case o.Panic != "":
			panic(o.Panic)
		case o.Error != "":
			return nil, errors.New(o.Error)
		case o.SleepMs > 0:
			select {
			case <-time.After(time.Duration(o.SleepMs) * time.Millisecond):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if http.RouteKey != "" {
			return json.Marshal(events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: http.Body})
		}
		return raw, nil
	})
}
