package memberships

import (
	"context"
	"net/http"

	"github.com/souqhq/souq/shared/api"
)

// Register adds the memberships routes to the accounts function's router
// (topology: their Function is FnAccounts).
func Register(rt *api.Router, svc *Service) {
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
