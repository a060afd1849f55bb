package accounts

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/report"
	"github.com/souqhq/souq/shared/topology"
)

// NewRouter builds the accounts function's HTTP handler: decode, call one
// service method, encode.
func NewRouter(svc *Service, idem api.Idempotency, log *slog.Logger, now func() time.Time) *api.Router {
	rt := api.NewRouter(topology.Souq().RoutesOf(topology.FnAccounts), idem, log, now)
	h := handler{svc: svc}
	rt.Handle("GET /healthz", h.health, api.NoIdempotency)
	rt.Handle("GET /v1/me", h.me, api.NoIdempotency)
	rt.Handle("POST /v1/communities", h.createCommunity, api.IdempotencyOptional)
	rt.Handle("GET /v1/communities/{communityId}", h.getCommunity, api.NoIdempotency)
	rt.Handle("PATCH /v1/communities/{communityId}", h.updateCommunity, api.NoIdempotency)
	rt.Handle("POST /v1/advertisers", h.createAdvertiser, api.IdempotencyOptional)
	rt.Handle("GET /v1/advertisers/{advertiserId}", h.getAdvertiser, api.NoIdempotency)
	for _, a := range []struct{ kind, param, base string }{
		{auth.AccountAdvertiser, "advertiserId", "/v1/advertisers/{advertiserId}"},
		{auth.AccountCommunity, "communityId", "/v1/communities/{communityId}"},
	} {
		rt.Handle("POST "+a.base+"/api-keys", h.createKey(a.kind, a.param), api.IdempotencyOptional)
		rt.Handle("GET "+a.base+"/api-keys", h.listKeys(a.kind, a.param), api.NoIdempotency)
		rt.Handle("DELETE "+a.base+"/api-keys/{keyId}", h.revokeKey(a.kind, a.param), api.NoIdempotency)
		rt.Handle("POST "+a.base+"/deposits", h.deposit(a.kind, a.param), api.IdempotencyRequired)
		rt.Handle("GET "+a.base+"/balance", h.balance(a.kind, a.param), api.NoIdempotency)
	}
	rt.Handle("GET /v1/ledger/statement", h.statement, api.NoIdempotency)
	rt.Handle("GET /v1/communities/{communityId}/report", h.communityReport, api.NoIdempotency)
	return rt
}

type handler struct{ svc *Service }

func (h handler) health(context.Context, *api.Request) (api.Response, error) {
	return api.JSON(http.StatusOK, map[string]string{"status": "ok"}), nil
}

func (h handler) me(ctx context.Context, r *api.Request) (api.Response, error) {
	me, err := h.svc.WhoAmI(ctx, *r.Principal)
	return api.JSON(http.StatusOK, me), err
}

func (h handler) createCommunity(ctx context.Context, r *api.Request) (api.Response, error) {
	var in CreateCommunityInput
	if err := api.Decode(r, &in); err != nil {
		return api.Response{}, err
	}
	c, err := h.svc.CreateCommunity(ctx, *r.Principal, in)
	return api.JSON(http.StatusCreated, c), err
}

func (h handler) getCommunity(ctx context.Context, r *api.Request) (api.Response, error) {
	c, err := h.svc.GetCommunity(ctx, *r.Principal, r.Path("communityId"))
	return api.JSON(http.StatusOK, c), err
}

func (h handler) updateCommunity(ctx context.Context, r *api.Request) (api.Response, error) {
	var in UpdateCommunityInput
	if err := api.Decode(r, &in); err != nil {
		return api.Response{}, err
	}
	c, err := h.svc.UpdateCommunity(ctx, *r.Principal, r.Path("communityId"), in)
	return api.JSON(http.StatusOK, c), err
}

func (h handler) createAdvertiser(ctx context.Context, r *api.Request) (api.Response, error) {
	var in CreateAdvertiserInput
	if err := api.Decode(r, &in); err != nil {
		return api.Response{}, err
	}
	a, err := h.svc.CreateAdvertiser(ctx, *r.Principal, in)
	return api.JSON(http.StatusCreated, a), err
}

func (h handler) getAdvertiser(ctx context.Context, r *api.Request) (api.Response, error) {
	a, err := h.svc.GetAdvertiser(ctx, *r.Principal, r.Path("advertiserId"))
	return api.JSON(http.StatusOK, a), err
}

func (h handler) createKey(kind, param string) api.HandlerFunc {
	return func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in CreateAPIKeyInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		k, err := h.svc.CreateAPIKey(ctx, *r.Principal, kind, r.Path(param), in)
		return api.JSON(http.StatusCreated, k), err
	}
}

func (h handler) listKeys(kind, param string) api.HandlerFunc {
	return func(ctx context.Context, r *api.Request) (api.Response, error) {
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		keys, next, err := h.svc.ListAPIKeys(ctx, *r.Principal, kind, r.Path(param), limit, cursor)
		return api.JSON(http.StatusOK, api.List[APIKey]{Data: keys, NextCursor: next}), err
	}
}

func (h handler) revokeKey(kind, param string) api.HandlerFunc {
	return func(ctx context.Context, r *api.Request) (api.Response, error) {
		err := h.svc.RevokeAPIKey(ctx, *r.Principal, kind, r.Path(param), r.Path("keyId"))
		return api.Response{Status: http.StatusNoContent}, err
	}
}

func (h handler) deposit(kind, param string) api.HandlerFunc {
	return func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in DepositInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		d, err := h.svc.Deposit(ctx, *r.Principal, kind, r.Path(param), r.Header("idempotency-key"), in)
		return api.JSON(http.StatusCreated, d), err
	}
}

func (h handler) balance(kind, param string) api.HandlerFunc {
	return func(ctx context.Context, r *api.Request) (api.Response, error) {
		b, err := h.svc.Balance(ctx, *r.Principal, kind, r.Path(param))
		return api.JSON(http.StatusOK, b), err
	}
}

func (h handler) statement(ctx context.Context, r *api.Request) (api.Response, error) {
	limit, cursor, err := api.Page(r)
	if err != nil {
		return api.Response{}, err
	}
	ps, next, err := h.svc.Statement(ctx, *r.Principal, StatementInput{
		AccountID: r.Query("accountId"), Currency: r.Query("currency"), From: r.Query("from"), To: r.Query("to"),
		Limit: limit, Cursor: cursor,
	})
	return api.JSON(http.StatusOK, api.List[ledger.Posting]{Data: ps, NextCursor: next}), err
}

func (h handler) communityReport(ctx context.Context, r *api.Request) (api.Response, error) {
	if by := r.Query("by"); by != "" {
		b, err := h.svc.CommunityBreakdown(ctx, *r.Principal, r.Path("communityId"), r.Query("from"), r.Query("to"), by)
		if err != nil || !report.WantsCSV(r) {
			return api.JSON(http.StatusOK, b), err
		}
		header, rows := b.CSVRows()
		return report.CSV("souq-"+b.CommunityID+"-by-"+b.By+"-"+b.From+"-"+b.To+".csv", header, rows), nil
	}
	rep, err := h.svc.CommunityReport(ctx, *r.Principal, r.Path("communityId"), r.Query("from"), r.Query("to"))
	if err != nil || !report.WantsCSV(r) {
		return api.JSON(http.StatusOK, rep), err
	}
	header, rows := rep.CSVRows()
	return report.CSV("souq-"+rep.CommunityID+"-"+rep.From+"-"+rep.To+".csv", header, rows), nil
}
