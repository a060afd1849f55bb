package memberships

import (
	"context"
	"net/http"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/pass"
)

// Register adds the memberships routes to the accounts function's router
// (topology: their Function is FnAccounts).
func Register(rt *api.Router, svc *Service, keys *pass.Keys) {
	rt.Handle("GET /.well-known/jwks.json", func(ctx context.Context, r *api.Request) (api.Response, error) {
		if keys == nil {
			return api.Response{}, fault.New(fault.Unavailable, "memberships.JWKS", "the pass's keys are not configured")
		}
		// Cached an hour: a new key is added a day before it signs.
		return api.Response{Status: http.StatusOK, Body: keys.JWKS(), Headers: map[string]string{"Cache-Control": "public, max-age=3600"}}, nil
	}, api.NoIdempotency)
	rt.Handle("POST /v1/communities/{communityId}/tiers", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in TierInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.CreateTier(ctx, *r.Principal, r.Path("communityId"), in)
		return api.JSON(http.StatusCreated, v), err
	}, api.IdempotencyOptional) // a retry with its key answers the tier it made
	rt.Handle("GET /v1/communities/{communityId}/tiers", func(ctx context.Context, r *api.Request) (api.Response, error) {
		vs, err := svc.Tiers(ctx, r.Path("communityId"), r.Query("status"))
		return api.JSON(http.StatusOK, api.List[TierView]{Data: vs}), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/tiers/{tierId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.Tier(ctx, r.Path("tierId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("PATCH /v1/tiers/{tierId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in TierPatch
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.UpdateTier(ctx, *r.Principal, r.Path("tierId"), in)
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency) // a change to fields: the same one again changes nothing
	rt.Handle("POST /v1/tiers/{tierId}/archive", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.ArchiveTier(ctx, *r.Principal, r.Path("tierId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency) // archiving an archived tier answers it as it is
}
