package auctions

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/topology"
)

// NewRouter builds the auctions function's HTTP handler.
func NewRouter(svc *Service, idem api.Idempotency, log *slog.Logger, now func() time.Time) *api.Router {
	rt := api.NewRouter(topology.Souq().RoutesOf(topology.FnAuctions), idem, log, now)
	rt.Handle("POST /v1/communities/{communityId}/slots", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in CreateSlotInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.CreateSlot(ctx, *r.Principal, r.Path("communityId"), in)
		return api.JSON(http.StatusCreated, v), err
	}, api.IdempotencyOptional)
	rt.Handle("GET /v1/communities/{communityId}/slots", func(ctx context.Context, r *api.Request) (api.Response, error) {
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		vs, next, err := svc.ListSlots(ctx, r.Path("communityId"), limit, cursor)
		return api.JSON(http.StatusOK, api.List[SlotView]{Data: vs, NextCursor: next}), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/slots/{slotId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.GetSlot(ctx, r.Path("slotId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("PATCH /v1/slots/{slotId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in UpdateSlotInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.UpdateSlot(ctx, *r.Principal, r.Path("slotId"), in)
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("POST /v1/slots/{slotId}/archive", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.ArchiveSlot(ctx, *r.Principal, r.Path("slotId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("POST /v1/slots/{slotId}/auctions", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in OpenAuctionInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.OpenAuction(ctx, *r.Principal, r.Path("slotId"), in)
		return api.JSON(http.StatusCreated, v), err
	}, api.IdempotencyOptional)
	rt.Handle("GET /v1/auctions", func(ctx context.Context, r *api.Request) (api.Response, error) {
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		vs, next, err := svc.ListAuctions(ctx, ListFilter{Status: Status(r.Query("status")), CommunityID: r.Query("communityId"), SlotID: r.Query("slotId")}, limit, cursor)
		return api.JSON(http.StatusOK, api.List[AuctionView]{Data: vs, NextCursor: next}), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/auctions/{auctionId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.GetAuction(ctx, r.Path("auctionId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("POST /v1/auctions/{auctionId}/cancel", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.CancelAuction(ctx, *r.Principal, r.Path("auctionId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("PUT /v1/auctions/{auctionId}/bid", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in PlaceBidInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.PlaceBid(ctx, *r.Principal, r.Path("auctionId"), in)
		return api.JSON(http.StatusOK, v), err
	}, api.IdempotencyOptional)
	rt.Handle("GET /v1/auctions/{auctionId}/bid", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.GetBid(ctx, *r.Principal, r.Path("auctionId"), r.Query("advertiserId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("DELETE /v1/auctions/{auctionId}/bid", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.WithdrawBid(ctx, *r.Principal, r.Path("auctionId"), r.Query("advertiserId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("PUT /v1/slots/{slotId}/house-ad", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in Creative
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.SetHouseAd(ctx, *r.Principal, r.Path("slotId"), &in)
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("DELETE /v1/slots/{slotId}/house-ad", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.SetHouseAd(ctx, *r.Principal, r.Path("slotId"), nil)
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/advertisers/{advertiserId}/flights", func(ctx context.Context, r *api.Request) (api.Response, error) {
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		vs, next, err := svc.ListAdvertiserFlights(ctx, *r.Principal, r.Path("advertiserId"), limit, cursor)
		return api.JSON(http.StatusOK, api.List[FlightView]{Data: vs, NextCursor: next}), err
	}, api.NoIdempotency)
	return rt
}
