package campaigns

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/report"
	"github.com/souqhq/souq/shared/targeting"
	"github.com/souqhq/souq/shared/topology"
)

// NewRouter builds the campaigns function's HTTP handler.
func NewRouter(svc *Service, idem api.Idempotency, log *slog.Logger, now func() time.Time) *api.Router {
	rt := api.NewRouter(topology.Souq().RoutesOf(topology.FnCampaigns), idem, log, now)
	rt.Handle("POST /v1/advertisers/{advertiserId}/campaigns", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var in CreateInput
		if err := api.Decode(r, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.Create(ctx, *r.Principal, r.Path("advertiserId"), in)
		return api.JSON(http.StatusCreated, v), err
	}, api.IdempotencyRequired) // the budget is held at once: a retry must not hold it twice
	rt.Handle("GET /v1/advertisers/{advertiserId}/campaigns", func(ctx context.Context, r *api.Request) (api.Response, error) {
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		vs, next, err := svc.List(ctx, *r.Principal, r.Path("advertiserId"), limit, cursor)
		return api.JSON(http.StatusOK, api.List[View]{Data: vs, NextCursor: next}), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/campaigns/{campaignId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.Get(ctx, *r.Principal, r.Path("campaignId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("PATCH /v1/campaigns/{campaignId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var body updateBody
		if err := api.Decode(r, &body); err != nil {
			return api.Response{}, err
		}
		v, err := svc.Update(ctx, *r.Principal, r.Path("campaignId"), body.input())
		return api.JSON(http.StatusOK, v), err
	}, api.IdempotencyOptional) // a raised budget holds more: a retry with its key holds once
	for path, paused := range map[string]bool{"pause": true, "resume": false} {
		rt.Handle("POST /v1/campaigns/{campaignId}/"+path, func(ctx context.Context, r *api.Request) (api.Response, error) {
			v, err := svc.SetPaused(ctx, *r.Principal, r.Path("campaignId"), paused)
			return api.JSON(http.StatusOK, v), err
		}, api.NoIdempotency)
	}
	rt.Handle("POST /v1/campaigns/{campaignId}/end", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := svc.End(ctx, *r.Principal, r.Path("campaignId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/campaigns/{campaignId}/report", func(ctx context.Context, r *api.Request) (api.Response, error) {
		if by := r.Query("by"); by != "" {
			b, err := svc.Breakdown(ctx, *r.Principal, r.Path("campaignId"), r.Query("from"), r.Query("to"), by)
			if err != nil || !report.WantsCSV(r) {
				return api.JSON(http.StatusOK, b), err
			}
			header, rows := b.CSVRows()
			return report.CSV("souq-"+b.CampaignID+"-by-"+b.By+"-"+b.From+"-"+b.To+".csv", header, rows), nil
		}
		rep, err := svc.Report(ctx, *r.Principal, r.Path("campaignId"), r.Query("from"), r.Query("to"))
		if err != nil || !report.WantsCSV(r) {
			return api.JSON(http.StatusOK, rep), err
		}
		header, rows := rep.CSVRows()
		return report.CSV("souq-"+rep.CampaignID+"-"+rep.From+"-"+rep.To+".csv", header, rows), nil
	}, api.NoIdempotency)
	rt.Handle("GET /v1/communities/{communityId}/campaign-reviews", func(ctx context.Context, r *api.Request) (api.Response, error) {
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		qs, next, err := svc.Queue(ctx, *r.Principal, r.Path("communityId"), limit, cursor)
		if err != nil {
			return api.Response{}, err
		}
		blocked, err := svc.Blocked(ctx, *r.Principal, r.Path("communityId"))
		return api.JSON(http.StatusOK, struct {
			api.List[QueueItem]
			Blocked []BlockedAdvertiser `json:"blocked"`
		}{api.List[QueueItem]{Data: qs, NextCursor: next}, blocked}), err
	}, api.NoIdempotency)
	rt.Handle("POST /v1/communities/{communityId}/campaigns/{campaignId}/approve", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var body struct {
			CreativeVersion int `json:"creativeVersion"`
		}
		if err := api.DecodeOptional(r, &body); err != nil {
			return api.Response{}, err
		}
		v, err := svc.Review(ctx, *r.Principal, r.Path("communityId"), r.Path("campaignId"), Approve, "", body.CreativeVersion)
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency) // one decision per creative: the same one again answers it
	rt.Handle("POST /v1/communities/{communityId}/campaigns/{campaignId}/reject", func(ctx context.Context, r *api.Request) (api.Response, error) {
		var body struct {
			Reason          string `json:"reason"`
			CreativeVersion int    `json:"creativeVersion"`
		}
		if err := api.Decode(r, &body); err != nil {
			return api.Response{}, err
		}
		v, err := svc.Review(ctx, *r.Principal, r.Path("communityId"), r.Path("campaignId"), Reject, body.Reason, body.CreativeVersion)
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	routeCreatives(rt, svc)
	return rt
}

// updateBody is the body of PATCH /v1/campaigns/{campaignId}. Its
// dailyCap says three things (absent: unchanged; null: removed; a money
// object: the new cap), so it is read raw and parsed here.
type updateBody struct {
	Bid       *MoneyInput          `json:"bid"`
	DailyCap  json.RawMessage      `json:"dailyCap"`
	End       *time.Time           `json:"end"`
	Budget    *MoneyInput          `json:"budget"`
	Targeting *targeting.Targeting `json:"targeting"`
	Creative  *Creative            `json:"creative"`
}

// input is the body as the service takes it. A dailyCap that is not a
// money object reaches it without an amount, and the service names the
// field with the others it refuses.
func (b updateBody) input() UpdateInput {
	in := UpdateInput{Bid: b.Bid, End: b.End, Budget: b.Budget, Targeting: b.Targeting, Creative: b.Creative}
	switch string(b.DailyCap) {
	case "":
	case "null":
		in.DailyCap = &CapChange{Remove: true}
	default:
		var m MoneyInput
		if json.Unmarshal(b.DailyCap, &m) != nil {
			m = MoneyInput{}
		}
		in.DailyCap = &CapChange{Cap: m}
	}
	return in
}
