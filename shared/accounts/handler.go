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
	rt.Handle("PATCH /v1/me", h.updateMe, api.NoIdempotency)
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
		rt.Handle("GET "+a.base+"/deposits", h.listDeposits(a.kind, a.param), api.NoIdempotency)
		rt.Handle("GET "+a.base+"/balance", h.balance(a.kind, a.param), api.NoIdempotency)
		rt.Handle("POST "+a.base+"/payment-methods", h.addCard(payerKindOf(a.kind), a.param), api.IdempotencyOptional)
		rt.Handle("GET "+a.base+"/payment-methods", h.listCards(payerKindOf(a.kind), a.param), api.NoIdempotency)
		rt.Handle("POST "+a.base+"/refunds", h.refund(a.kind, a.param), api.IdempotencyRequired)
	}
	rt.Handle("PATCH /v1/advertisers/{advertiserId}", h.updateAdvertiser, api.NoIdempotency)
	rt.Handle("POST /v1/me/payment-methods", h.addCard(PayerPerson, ""), api.IdempotencyOptional)
	rt.Handle("GET /v1/me/payment-methods", h.listCards(PayerPerson, ""), api.NoIdempotency)
	rt.Handle("POST /v1/payment-methods/{paymentMethodId}/default", h.makeDefault, api.NoIdempotency)
	rt.Handle("DELETE /v1/payment-methods/{paymentMethodId}", h.removeCard, api.NoIdempotency)
	rt.Handle("GET /v1/deposits/{depositId}", h.getDeposit, api.NoIdempotency)
	rt.Handle("GET /v1/deposits/{depositId}/receipt", h.receipt, api.NoIdempotency)
	rt.Handle("GET /v1/refunds/{refundId}", h.getRefund, api.NoIdempotency)
	rt.Handle("POST /v1/stripe/events", h.stripeEvent, api.NoIdempotency)
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

func (h handler) updateMe(ctx context.Context, r *api.Request) (api.Response, error) {
	var in UpdateProfileInput
	if err := api.Decode(r, &in); err != nil {
		return api.Response{}, err
	}
	if _, err := h.svc.UpdateProfile(ctx, *r.Principal, in); err != nil {
		return api.Response{}, err
	}
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

func payerKindOf(accountKind string) string {
	if accountKind == auth.AccountCommunity {
		return PayerCommunity
	}
	return PayerAdvertiser
}

func (h handler) listDeposits(kind, param string) api.HandlerFunc {
	return func(ctx context.Context, r *api.Request) (api.Response, error) {
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		ds, next, err := h.svc.ListDeposits(ctx, *r.Principal, kind, r.Path(param), limit, cursor)
		return api.JSON(http.StatusOK, api.List[Deposit]{Data: ds, NextCursor: next}), err
	}
}

func (h handler) addCard(kind, param string) api.HandlerFunc {
	return func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := h.svc.AddCard(ctx, *r.Principal, kind, r.Path(param), r.Header("idempotency-key"))
		return api.JSON(http.StatusCreated, v), err
	}
}

func (h handler) listCards(kind, param string) api.HandlerFunc {
	return func(ctx context.Context, r *api.Request) (api.Response, error) {
		cards, err := h.svc.ListCards(ctx, *r.Principal, kind, r.Path(param))
		return api.JSON(http.StatusOK, api.List[SavedCard]{Data: cards}), err
	}
}

func (h handler) makeDefault(ctx context.Context, r *api.Request) (api.Response, error) {
	c, err := h.svc.MakeDefaultCard(ctx, *r.Principal, r.Path("paymentMethodId"))
	return api.JSON(http.StatusOK, c), err
}

func (h handler) removeCard(ctx context.Context, r *api.Request) (api.Response, error) {
	err := h.svc.RemoveCard(ctx, *r.Principal, r.Path("paymentMethodId"))
	return api.Response{Status: http.StatusNoContent}, err
}

func (h handler) refund(kind, param string) api.HandlerFunc {
	return func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in RefundInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := h.svc.RefundUnspent(ctx, *r.Principal, kind, r.Path(param), r.Header("idempotency-key"), in)
		return api.JSON(http.StatusCreated, v), err
	}
}

func (h handler) updateAdvertiser(ctx context.Context, r *api.Request) (api.Response, error) {
	var in UpdateAdvertiserInput
	if err := api.Decode(r, &in); err != nil {
		return api.Response{}, err
	}
	v, err := h.svc.UpdateAdvertiser(ctx, *r.Principal, r.Path("advertiserId"), in)
	return api.JSON(http.StatusOK, v), err
}

func (h handler) getDeposit(ctx context.Context, r *api.Request) (api.Response, error) {
	d, err := h.svc.GetDeposit(ctx, *r.Principal, r.Path("depositId"))
	return api.JSON(http.StatusOK, d), err
}

func (h handler) receipt(ctx context.Context, r *api.Request) (api.Response, error) {
	page, err := h.svc.Receipt(ctx, *r.Principal, r.Path("depositId"))
	if err != nil {
		return api.Response{}, err
	}
	// A page of people's names: nothing runs in it, nothing is cached.
	return api.Response{Status: http.StatusOK, Body: api.Raw{ContentType: "text/html; charset=utf-8", Body: page}, Headers: map[string]string{
		"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "private, no-store",
		"Referrer-Policy":         "no-referrer",
	}}, nil
}

func (h handler) getRefund(ctx context.Context, r *api.Request) (api.Response, error) {
	v, err := h.svc.GetRefund(ctx, *r.Principal, r.Path("refundId"))
	return api.JSON(http.StatusOK, v), err
}

func (h handler) stripeEvent(ctx context.Context, r *api.Request) (api.Response, error) {
	body, err := r.RawBody()
	if err != nil {
		return api.Response{}, err
	}
	if err := h.svc.StripeEvent(ctx, body, r.Header("Stripe-Signature")); err != nil {
		return api.Response{}, err
	}
	return api.JSON(http.StatusOK, map[string]bool{"received": true}), nil
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
