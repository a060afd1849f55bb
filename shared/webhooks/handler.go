package webhooks

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/topology"
)

// NewRouter builds the webhooks function's HTTP handler.
func NewRouter(svc *Service, idem api.Idempotency, log *slog.Logger, now func() time.Time) *api.Router {
	rt := api.NewRouter(topology.Souq().RoutesOf(topology.FnWebhooks), idem, log, now)
	rt.Handle("POST /v1/webhooks", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in EndpointInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.CreateEndpoint(ctx, *r.Principal, in)
		return api.JSON(http.StatusCreated, v), err
	}, api.IdempotencyOptional)
	rt.Handle("GET /v1/webhooks", func(ctx context.Context, r *api.Request) (api.Response, error) {
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		vs, next, err := svc.ListEndpoints(ctx, *r.Principal, limit, cursor)
		return api.JSON(http.StatusOK, api.List[EndpointView]{Data: vs, NextCursor: next}), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/webhooks/{webhookId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.GetEndpoint(ctx, *r.Principal, r.Path("webhookId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("PATCH /v1/webhooks/{webhookId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in EndpointInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.UpdateEndpoint(ctx, *r.Principal, r.Path("webhookId"), in)
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("DELETE /v1/webhooks/{webhookId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		err := svc.DeleteEndpoint(ctx, *r.Principal, r.Path("webhookId"))
		return api.Response{Status: http.StatusNoContent}, err
	}, api.NoIdempotency)
	for route, enabled := range map[string]bool{"POST /v1/webhooks/{webhookId}/enable": true, "POST /v1/webhooks/{webhookId}/disable": false} {
		rt.Handle(route, func(ctx context.Context, r *api.Request) (api.Response, error) {
			v, err := svc.SetEnabled(ctx, *r.Principal, r.Path("webhookId"), enabled)
			return api.JSON(http.StatusOK, v), err
		}, api.NoIdempotency)
	}
	rt.Handle("POST /v1/webhooks/{webhookId}/rotate-secret", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.RotateSecret(ctx, *r.Principal, r.Path("webhookId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/webhooks/{webhookId}/deliveries", func(ctx context.Context, r *api.Request) (api.Response, error) {
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		vs, next, err := svc.Deliveries(ctx, *r.Principal, r.Path("webhookId"), limit, cursor)
		return api.JSON(http.StatusOK, api.List[DeliveryView]{Data: vs, NextCursor: next}), err
	}, api.NoIdempotency)
	rt.Handle("POST /v1/webhooks/{webhookId}/deliveries/{deliveryId}/replay", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.Replay(ctx, *r.Principal, r.Path("webhookId"), r.Path("deliveryId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("POST /v1/webhooks/{webhookId}/replay", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in struct {
			Since string `json:"since" validate:"required"`
		}
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		since, err := time.Parse(time.RFC3339, in.Since)
		if err != nil {
			return api.Response{}, fault.InvalidFields("webhooks.replay", "the request has invalid fields", fault.FieldError{Field: "since", Message: "must be an RFC 3339 time"})
		}
		n, err := svc.ReplayDead(ctx, *r.Principal, r.Path("webhookId"), since)
		return api.JSON(http.StatusOK, struct {
			Replayed int `json:"replayed"`
		}{n}), err
	}, api.NoIdempotency)
	return rt
}
