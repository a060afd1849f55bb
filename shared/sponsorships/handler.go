package sponsorships

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/topology"
)

// The bodies of the decisions: each action takes only its own fields.
type (
	approveBody struct {
		PublishDate string `json:"publishDate"`
	}
	rejectBody struct {
		Reason string `json:"reason"`
	}
	changesBody struct {
		Notes string `json:"notes"`
	}
	publishBody struct {
		URL string `json:"url"`
	}
	proposeBody struct {
		Amount *int64 `json:"amount"`
		Date   string `json:"date"`
		Notes  string `json:"notes"`
	}
	noteBody struct {
		Note string `json:"note"`
	}
)

// NewRouter builds the sponsorships function's HTTP handler.
func NewRouter(svc *Service, idem api.Idempotency, log *slog.Logger, now func() time.Time) *api.Router {
	rt := api.NewRouter(topology.Souq().RoutesOf(topology.FnSponsorships), idem, log, now)
	rt.Handle("POST /v1/communities/{communityId}/offerings", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in OfferingInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.CreateOffering(ctx, *r.Principal, r.Path("communityId"), in)
		return api.JSON(http.StatusCreated, v), err
	}, api.IdempotencyOptional)
	rt.Handle("GET /v1/communities/{communityId}/offerings", func(ctx context.Context, r *api.Request) (api.Response, error) {
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		vs, next, err := svc.ListOfferings(ctx, r.Path("communityId"), limit, cursor)
		return api.JSON(http.StatusOK, api.List[OfferingView]{Data: vs, NextCursor: next}), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/offerings/{offeringId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.GetOffering(ctx, r.Path("offeringId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("PATCH /v1/offerings/{offeringId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in OfferingInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.UpdateOffering(ctx, *r.Principal, r.Path("offeringId"), in)
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("POST /v1/offerings/{offeringId}/archive", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.ArchiveOffering(ctx, *r.Principal, r.Path("offeringId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/offerings/{offeringId}/availability", func(ctx context.Context, r *api.Request) (api.Response, error) {
		days := 30
		if d := r.Query("days"); d != "" {
			n, err := strconv.Atoi(d)
			if err != nil {
				n = -1
			}
			days = n
		}
		vs, err := svc.Availability(ctx, r.Path("offeringId"), r.Query("from"), days)
		return api.JSON(http.StatusOK, api.List[DateView]{Data: vs}), err
	}, api.NoIdempotency)
	rt.Handle("POST /v1/offerings/{offeringId}/sponsorships", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in BookInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.Book(ctx, *r.Principal, r.Path("offeringId"), in)
		return api.JSON(http.StatusCreated, v), err
	}, api.IdempotencyRequired) // a booking holds the price: a retry after a timeout must not hold it twice
	rt.Handle("GET /v1/sponsorships/{sponsorshipId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.GetSponsorship(ctx, *r.Principal, r.Path("sponsorshipId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/communities/{communityId}/sponsorships", func(ctx context.Context, r *api.Request) (api.Response, error) {
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		vs, next, err := svc.Queue(ctx, *r.Principal, r.Path("communityId"), Status(r.Query("status")), limit, cursor)
		return api.JSON(http.StatusOK, api.List[SponsorshipView]{Data: vs, NextCursor: next}), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/advertisers/{advertiserId}/sponsorships", func(ctx context.Context, r *api.Request) (api.Response, error) {
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		vs, next, err := svc.AdvertiserBookings(ctx, *r.Principal, r.Path("advertiserId"), limit, cursor)
		return api.JSON(http.StatusOK, api.List[SponsorshipView]{Data: vs, NextCursor: next}), err
	}, api.NoIdempotency)

	act := func(do Action, body func(*api.Request) (ActInput, error)) {
		rt.Handle(routeOf(do), func(ctx context.Context, r *api.Request) (api.Response, error) {
			in, err := body(r)
			if err != nil {
				return api.Response{}, err
			}
			v, err := svc.Act(ctx, r.Principal, r.Path("sponsorshipId"), do, in)
			return api.JSON(http.StatusOK, v), err
		}, api.IdempotencyOptional)
	}
	act(Approve, func(r *api.Request) (ActInput, error) {
		var b approveBody
		err := api.DecodeOptional(r, &b)
		return ActInput{PublishDate: b.PublishDate}, err
	})
	act(Reject, func(r *api.Request) (ActInput, error) {
		var b rejectBody
		err := api.Decode(r, &b)
		return ActInput{Reason: b.Reason}, err
	})
	act(RequestChanges, func(r *api.Request) (ActInput, error) {
		var b changesBody
		err := api.Decode(r, &b)
		return ActInput{Notes: b.Notes}, err
	})
	act(Publish, func(r *api.Request) (ActInput, error) {
		var b publishBody
		err := api.Decode(r, &b)
		return ActInput{URL: b.URL}, err
	})
	act(Propose, func(r *api.Request) (ActInput, error) {
		var b proposeBody
		err := api.Decode(r, &b)
		return ActInput{Amount: b.Amount, Date: b.Date, Notes: b.Notes}, err
	})
	act(Revise, func(r *api.Request) (ActInput, error) {
		var c Content
		err := api.Decode(r, &c)
		return ActInput{Content: &c}, err
	})
	for _, do := range []Action{Cancel, AcceptProposal, DeclineProposal} {
		act(do, func(r *api.Request) (ActInput, error) {
			var b noteBody
			err := api.DecodeOptional(r, &b)
			return ActInput{Note: b.Note}, err
		})
	}
	return rt
}

// routeOf is the route key of an action.
func routeOf(do Action) string {
	if do == Revise {
		return "PUT /v1/sponsorships/{sponsorshipId}/content"
	}
	return "POST /v1/sponsorships/{sponsorshipId}/" + string(do)
}
