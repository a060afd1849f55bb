package referrals

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/topology"
)

// topUpBody is a budget top-up.
type topUpBody struct {
	Amount   int64  `json:"amount"` // TopUp says it must be more than zero
	Currency string `json:"currency" validate:"required,len=3"`
}

// ReportView is a program's report for its owner: the program with its
// budget, and a page of its deals with their counts and commissions.
type ReportView struct {
	Program    ProgramView `json:"program"`
	Deals      []DealView  `json:"deals"`
	NextCursor string      `json:"nextCursor,omitempty"`
}

// NewRouter builds the referrals function's HTTP handler.
func NewRouter(svc *Service, idem api.Idempotency, log *slog.Logger, now func() time.Time) *api.Router {
	rt := api.NewRouter(topology.Souq().RoutesOf(topology.FnReferrals), idem, log, now)
	domain := func(r *api.Request) string { return r.Raw.RequestContext.DomainName }

	rt.Handle("POST /v1/communities/{communityId}/programs", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in ProgramInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.CreateProgram(ctx, *r.Principal, r.Path("communityId"), in)
		return api.JSON(http.StatusCreated, v), err
	}, api.IdempotencyRequired) // the budget is held at once: a retry must not hold it twice
	rt.Handle("GET /v1/communities/{communityId}/programs", func(ctx context.Context, r *api.Request) (api.Response, error) {
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		vs, next, err := svc.ListPrograms(ctx, r.Path("communityId"), limit, cursor)
		return api.JSON(http.StatusOK, api.List[ProgramView]{Data: vs, NextCursor: next}), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/programs/{programId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.GetProgram(ctx, r.Path("programId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("PATCH /v1/programs/{programId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in ProgramInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.UpdateProgram(ctx, *r.Principal, r.Path("programId"), in)
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	for route, to := range map[string]ProgramStatus{"POST /v1/programs/{programId}/pause": ProgramPaused, "POST /v1/programs/{programId}/resume": ProgramActive} {
		rt.Handle(route, func(ctx context.Context, r *api.Request) (api.Response, error) {
			v, err := svc.SetProgramStatus(ctx, *r.Principal, r.Path("programId"), to)
			return api.JSON(http.StatusOK, v), err
		}, api.NoIdempotency)
	}
	rt.Handle("POST /v1/programs/{programId}/close", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.CloseProgram(ctx, *r.Principal, r.Path("programId"))
		return api.JSON(http.StatusOK, v), err
	}, api.IdempotencyOptional)
	rt.Handle("POST /v1/programs/{programId}/budget", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in topUpBody
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.TopUp(ctx, *r.Principal, r.Path("programId"), money.Amount{Minor: in.Amount, Currency: in.Currency})
		return api.JSON(http.StatusOK, v), err
	}, api.IdempotencyRequired)
	rt.Handle("GET /v1/programs/{programId}/report", func(ctx context.Context, r *api.Request) (api.Response, error) {
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		v, err := svc.Report(ctx, *r.Principal, r.Path("programId"), DealStatus(r.Query("status")), limit, cursor, domain(r))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)

	rt.Handle("POST /v1/programs/{programId}/deals", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in struct {
			Pitch string `json:"pitch"`
		}
		if err := api.DecodeOptional(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.Apply(ctx, *r.Principal, r.Path("programId"), DealInput{Pitch: in.Pitch})
		return api.JSON(http.StatusCreated, v), err
	}, api.IdempotencyOptional)
	rt.Handle("POST /v1/programs/{programId}/invitations", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in struct {
			InfluencerID string `json:"influencerId" validate:"required"`
			Note         string `json:"note"`
		}
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.Invite(ctx, *r.Principal, r.Path("programId"), DealInput{InfluencerID: in.InfluencerID, Pitch: in.Note})
		return api.JSON(http.StatusCreated, v), err
	}, api.IdempotencyOptional)
	rt.Handle("GET /v1/deals/{dealId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.GetDeal(ctx, *r.Principal, r.Path("dealId"), domain(r))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	for _, action := range []string{"approve", "decline", "accept", "end"} {
		rt.Handle("POST /v1/deals/{dealId}/"+action, func(ctx context.Context, r *api.Request) (api.Response, error) {
			var in ApproveInput
			if err := api.DecodeOptional(r, &in); err != nil {
				return api.Response{}, err
			}
			v, err := svc.DecideDeal(ctx, *r.Principal, r.Path("dealId"), action, in, domain(r))
			return api.JSON(http.StatusOK, v), err
		}, api.IdempotencyOptional)
	}
	rt.Handle("GET /v1/deals/{dealId}/conversions", func(ctx context.Context, r *api.Request) (api.Response, error) {
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		vs, next, err := svc.DealConversions(ctx, *r.Principal, r.Path("dealId"), limit, cursor)
		return api.JSON(http.StatusOK, api.List[ConversionView]{Data: vs, NextCursor: next}), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/deals/{dealId}/members", func(ctx context.Context, r *api.Request) (api.Response, error) {
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		vs, next, err := svc.Members(ctx, *r.Principal, r.Path("dealId"), limit, cursor)
		return api.JSON(http.StatusOK, api.List[MemberView]{Data: vs, NextCursor: next}), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/me/deals", func(ctx context.Context, r *api.Request) (api.Response, error) {
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		vs, next, err := svc.MyDeals(ctx, *r.Principal, limit, cursor, domain(r))
		return api.JSON(http.StatusOK, api.List[DealView]{Data: vs, NextCursor: next}), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/me/earnings", func(ctx context.Context, r *api.Request) (api.Response, error) {
		bs, err := svc.Earnings(ctx, *r.Principal)
		return api.JSON(http.StatusOK, struct {
			Balances []EarningsBalance `json:"balances"`
		}{bs}), err
	}, api.NoIdempotency)

	rt.Handle("GET /v1/referral-codes/{code}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.LookupCode(ctx, r.Path("code"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("GET /r/{code}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		to, err := svc.Click(ctx, r.Path("code"), r.ClientIP(), r.UserAgent(), domain(r))
		resp := api.Redirect(to)
		resp.Headers["Cache-Control"] = "no-store"
		return resp, err
	}, api.NoIdempotency)

	rt.Handle("POST /v1/conversions", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in ConversionInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, created, err := svc.RecordConversion(ctx, *r.Principal, in)
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		return api.JSON(status, v), err
	}, api.NoIdempotency) // idempotent on the body's own externalId
	rt.Handle("GET /v1/conversions/{conversionId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.GetConversion(ctx, *r.Principal, r.Path("conversionId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("POST /v1/conversions/{conversionId}/reverse", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in ReverseInput
		if err := api.DecodeOptional(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.Reverse(ctx, *r.Principal, r.Path("conversionId"), in)
		return api.JSON(http.StatusOK, v), err
	}, api.IdempotencyRequired) // a refund moves money: a retry after a timeout must not refund twice
	for action, approve := range map[string]bool{"approve": true, "decline": false} {
		rt.Handle("POST /v1/conversions/{conversionId}/"+action, func(ctx context.Context, r *api.Request) (api.Response, error) {
			v, err := svc.Review(ctx, *r.Principal, r.Path("conversionId"), approve)
			return api.JSON(http.StatusOK, v), err
		}, api.IdempotencyOptional)
	}
	rt.Handle("GET /v1/communities/{communityId}/conversions", func(ctx context.Context, r *api.Request) (api.Response, error) {
		if st := r.Query("status"); st != string(Flagged) {
			return api.Response{}, fault.InvalidFields("referrals.listConversions", "the query has invalid fields",
				fault.FieldError{Field: "status", Message: "must be flagged: the review queue (a deal's conversions are at /v1/deals/{dealId}/conversions)"})
		}
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		vs, next, err := svc.FlaggedConversions(ctx, *r.Principal, r.Path("communityId"), limit, cursor)
		return api.JSON(http.StatusOK, api.List[ConversionView]{Data: vs, NextCursor: next}), err
	}, api.NoIdempotency)
	return rt
}
