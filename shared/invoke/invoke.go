// Package invoke lets one Lambda function take the kinds of payload its
// topology entry says it receives (HTTP from API Gateway, events from
// EventBridge), dispatching on the payload's shape. It owns no rules.
package invoke

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/aws/aws-lambda-go/events"
)

// Mux dispatches a raw Lambda payload to the handler for its kind.
type Mux struct {
	HTTP  func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
	Event func(context.Context, events.EventBridgeEvent) error
	// Scheduled takes the payloads of schedules the function made itself
	// ({"job": …}).
	Scheduled func(context.Context, json.RawMessage) error
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
		return []byte("null"), m.Event(ctx, ev)
	case probe.Job != "" && m.Scheduled != nil:
		return []byte("null"), m.Scheduled(ctx, payload)
	}
	return nil, errors.New("invoke: a payload this function does not take")
}
