package serving

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/targeting"
	"github.com/souqhq/souq/shared/topology"
)

// Served ads, views and clicks are never cached, and any page may ask
// for them (no credentials: the tag's fetch sends none).
func headers() map[string]string {
	return map[string]string{"Cache-Control": "no-store", "Access-Control-Allow-Origin": "*"}
}

func event(r *api.Request) Event {
	return Event{UserAgent: r.UserAgent(), SourceIP: r.ClientIP(),
		Origin: r.Header("Origin"), Referer: r.Header("Referer")}
}

// CountryHeader is where CloudFront names the viewer's country (ISO
// 3166-1 alpha-2); the local gateway passes it through as sent.
const CountryHeader = "CloudFront-Viewer-Country"

// PassHeader carries a membership pass on a decision request: an ad-free
// member of the slot's community gets 204 (DESIGN §17).
const PassHeader = "Souq-Pass"

// Stats reads a flight's delivery for whoever may see it.
type Stats interface {
	FlightStats(ctx context.Context, p auth.Principal, flightID string) (FlightStats, error)
	Reach(ctx context.Context, width, height int, currency string, ecpm int64, keywords []string) (Reach, error)
}

// NewRouter is the serve function's HTTP handler: decisions, views,
// clicks, the tag, and flights' delivery stats.
func NewRouter(srv *Server, stats Stats, log *slog.Logger, now func() time.Time) *api.Router {
	rt := api.NewRouter(topology.Souq().RoutesOf(topology.FnServe), nil, log, now)
	// The hot paths log errors always and successes one line per hundred.
	rt.Sample("GET /v1/serve/{slotId}", "GET /v/{token}", "POST /v/{token}", "GET /c/{token}", "GET /tag.js")
	rt.Handle("GET /v1/serve/{slotId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		ad, ok, err := srv.DecideFor(ctx, r.Path("slotId"), r.Raw.RequestContext.DomainName, Viewer{
			Keywords: targeting.ParseKeywords(r.Query("keywords")), Country: strings.ToUpper(strings.TrimSpace(r.Header(CountryHeader))), UserAgent: r.Header("User-Agent"),
			Seen: ParseSeen(r.Query("f")), Pass: r.Header(PassHeader)})
		if err != nil || !ok {
			return api.Response{Status: http.StatusNoContent, Headers: headers()}, err
		}
		return api.Response{Status: http.StatusOK, Body: ad, Headers: headers()}, nil
	}, api.NoIdempotency)
	view := func(ctx context.Context, r *api.Request) (api.Response, error) {
		err := srv.View(ctx, r.Path("token"), event(r))
		return api.Response{Status: http.StatusNoContent, Headers: headers()}, err
	}
	rt.Handle("GET /v/{token}", view, api.NoIdempotency)
	rt.Handle("POST /v/{token}", view, api.NoIdempotency)
	if d, ok := stats.(DirectorySource); ok {
		handleDirectory(rt, d, log, now) // directory_handler.go
	}
	tag := NewTag(srv.passes)
	rt.Handle("GET /tag.js", func(ctx context.Context, r *api.Request) (api.Response, error) {
		h := map[string]string{"Cache-Control": fmt.Sprintf("public, max-age=%d, stale-while-revalidate=60", TagMaxAge),
			"ETag": tag.ETag, "Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff"}
		if r.Header("If-None-Match") == tag.ETag {
			return api.Response{Status: http.StatusNotModified, Headers: h}, nil
		}
		return api.Response{Status: http.StatusOK, Headers: h, Body: api.Raw{ContentType: "text/javascript; charset=utf-8", Body: tag.Body}}, nil
	}, api.NoIdempotency)
	rt.Handle("GET /c/{token}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		to, err := srv.Click(ctx, r.Path("token"), event(r))
		if err != nil {
			return api.Response{}, err
		}
		resp := api.Redirect(to)
		resp.Headers["Cache-Control"] = "no-store"
		return resp, nil
	}, api.NoIdempotency)
	rt.Handle("GET /v1/reach", func(ctx context.Context, r *api.Request) (api.Response, error) {
		q, err := parseReach(r)
		if err != nil {
			return api.Response{}, err
		}
		v, err := stats.Reach(ctx, q.width, q.height, q.currency, q.ecpm, q.keywords)
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	rt.Handle("GET /v1/flights/{flightId}/stats", func(ctx context.Context, r *api.Request) (api.Response, error) {
		v, err := stats.FlightStats(ctx, *r.Principal, r.Path("flightId"))
		return api.JSON(http.StatusOK, v), err
	}, api.NoIdempotency)
	return rt
}

// ParseSeen reads the tag's f=cmp_a:3,cmp_b:1: how often this browser was
// shown each capped campaign in its window. At most 50 entries are read;
// one it cannot read is skipped (the tag wrote it; a person may not have).
func ParseSeen(raw string) map[string]int {
	if raw == "" {
		return nil
	}
	out := map[string]int{}
	for _, e := range strings.Split(raw, ",") {
		id, n, ok := strings.Cut(e, ":")
		k, err := strconv.Atoi(n)
		if !ok || err != nil || k < 0 || !strings.HasPrefix(id, "cmp_") || len(id) > 64 {
			continue
		}
		out[id] = min(k, 1_000_000)
		if len(out) == 50 {
			break
		}
	}
	return out
}

type reachQuery struct {
	width, height int
	currency      string
	ecpm          int64
	keywords      []string
}

// parseReach reads GET /v1/reach's width, height, currency, model (cpm
// or cpc), bid (minor units) and keywords (comma-separated, normalised as
// a campaign's), naming every field it cannot read.
func parseReach(r *api.Request) (reachQuery, error) {
	var bad []fault.FieldError
	num := func(field string, lo, hi int64) int64 {
		n, err := strconv.ParseInt(r.Query(field), 10, 64)
		if err != nil || n < lo || n > hi {
			bad = append(bad, fault.FieldError{Field: field, Message: fmt.Sprintf("must be a whole number from %d to %d", lo, hi)})
		}
		return n
	}
	q := reachQuery{width: int(num("width", 1, 4000)), height: int(num("height", 1, 4000)), currency: strings.ToUpper(r.Query("currency"))}
	if !money.IsCurrency(q.currency) {
		bad = append(bad, fault.FieldError{Field: "currency", Message: "must be an ISO 4217 code such as USD"})
	}
	bid := num("bid", 1, 1_000_000_000)
	switch model := r.Query("model"); model {
	case "", ModelCPM:
		q.ecpm = bid
	case ModelCPC:
		q.ecpm = int64(float64(bid) * DefaultCTR * 1000)
	default:
		bad = append(bad, fault.FieldError{Field: "model", Message: "must be cpm or cpc"})
	}
	if raw := r.Query("keywords"); raw != "" {
		t, errs := targeting.Normalize(targeting.Targeting{Keywords: strings.Split(raw, ",")}, "")
		for _, e := range errs {
			e.Field = strings.TrimPrefix(e.Field, ".") // keywords[i]
			bad = append(bad, e)
		}
		q.keywords = t.Keywords
	}
	if len(bad) > 0 {
		return reachQuery{}, fault.InvalidFields("serving.Reach", "the request has invalid fields", bad...)
	}
	return q, nil
}
