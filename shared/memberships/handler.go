package memberships

import (
	"context"
	"net/http"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/pass"
	"github.com/souqhq/souq/shared/report"
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

	rt.Handle("POST /v1/communities/{communityId}/memberships", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in JoinInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.Join(ctx, *r.Principal, r.Path("communityId"), r.Header("idempotency-key"), in)
		return api.JSON(http.StatusCreated, v), err
	}, api.IdempotencyRequired)
	rt.Handle("GET /v1/communities/{communityId}/memberships", func(ctx context.Context, r *api.Request) (api.Response, error) {
		vs, err := svc.Members(ctx, *r.Principal, r.Path("communityId"), r.Query("status"), r.Query("tierId"))
		return api.JSON(http.StatusOK, api.List[MembershipView]{Data: vs}), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/communities/{communityId}/memberships/report", func(ctx context.Context, r *api.Request) (api.Response, error) {
		rp, err := svc.Report(ctx, *r.Principal, r.Path("communityId"), r.Query("from"), r.Query("to"))
		if err != nil || !report.WantsCSV(r) {
			return api.JSON(http.StatusOK, rp), err
		}
		header, rows := rp.CSVRows()
		return report.CSV("souq-"+rp.CommunityID+"-members-"+rp.From+"-"+rp.To+".csv", header, rows), nil
	}, api.NoIdempotency)
	rt.Handle("GET /v1/communities/{communityId}/pass", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.Pass(ctx, *r.Principal, r.Path("communityId"), r.Query("return"))
		return api.Response{Status: http.StatusOK, Body: v, Headers: map[string]string{"Cache-Control": "no-store"}}, err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/communities/{communityId}/join", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.JoinInfo(ctx, r.Path("communityId"), r.Query("return"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/me/memberships", func(ctx context.Context, r *api.Request) (api.Response, error) {
		vs, err := svc.Mine(ctx, *r.Principal)
		return api.JSON(http.StatusOK, api.List[MembershipView]{Data: vs}), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/memberships/{membershipId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.Get(ctx, *r.Principal, r.Path("membershipId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("PATCH /v1/memberships/{membershipId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in ChangeInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.Change(ctx, *r.Principal, r.Path("membershipId"), in)
		return api.JSON(http.StatusOK, v), err
	}, api.IdempotencyOptional) // an upgrade charges: a retry with its key answers the first
	rt.Handle("POST /v1/memberships/{membershipId}/cancel", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.Cancel(ctx, *r.Principal, r.Path("membershipId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency) // canceling a canceled membership answers it as it is
	rt.Handle("POST /v1/memberships/{membershipId}/resume", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.Resume(ctx, *r.Principal, r.Path("membershipId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("POST /v1/membership-payments/{paymentId}/refund", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in RefundInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.RefundPayment(ctx, *r.Principal, r.Path("paymentId"), r.Header("idempotency-key"), in)
		return api.JSON(http.StatusCreated, v), err
	}, api.IdempotencyRequired)
}
