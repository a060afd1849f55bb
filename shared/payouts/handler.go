package payouts

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/topology"
)

// NewRouter builds the payouts function's HTTP handler.
func NewRouter(svc *Service, idem api.Idempotency, log *slog.Logger, now func() time.Time) *api.Router {
	rt := api.NewRouter(topology.Souq().RoutesOf(topology.FnPayouts), idem, log, now)
	rt.Handle("POST /v1/me/payout-account", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in AccountInput
		if err := api.DecodeOptional(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.SetUpAccount(ctx, *r.Principal, in)
		return api.JSON(http.StatusCreated, v), err
	}, api.NoIdempotency) // idempotent by itself; a replayed link would have expired
	rt.Handle("GET /v1/me/payout-account", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.GetAccount(ctx, *r.Principal)
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("POST /v1/me/payout-account/dashboard", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.DashboardLink(ctx, *r.Principal)
		return api.JSON(http.StatusCreated, v), err
	}, api.NoIdempotency)
	rt.Handle("PUT /v1/me/payout-destination", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in DestinationInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.SetDestination(ctx, *r.Principal, in)
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/me/payout-destination", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.GetDestination(ctx, *r.Principal)
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	claim := func(ctx context.Context, r *api.Request, communityID string) (api.Response, error) {
		var in ClaimInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, _, err := svc.Claim(ctx, *r.Principal, communityID, in, r.Header("idempotency-key"))
		return api.JSON(http.StatusAccepted, v), err
	}
	rt.Handle("POST /v1/payouts", func(ctx context.Context, r *api.Request) (api.Response, error) {
		return claim(ctx, r, "")
	}, api.IdempotencyRequired)
	rt.Handle("POST /v1/communities/{communityId}/payouts", func(ctx context.Context, r *api.Request) (api.Response, error) {
		return claim(ctx, r, r.Path("communityId"))
	}, api.IdempotencyRequired)
	rt.Handle("GET /v1/payouts/{payoutId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.GetPayout(ctx, *r.Principal, r.Path("payoutId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/payouts", func(ctx context.Context, r *api.Request) (api.Response, error) {
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		vs, next, err := svc.ListPayouts(ctx, *r.Principal, limit, cursor)
		return api.JSON(http.StatusOK, api.List[PayoutView]{Data: vs, NextCursor: next}), err
	}, api.NoIdempotency)
	return rt
}
