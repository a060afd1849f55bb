package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/topology"
)

// Request is one API call as a handler sees it.
type Request struct {
	Raw       events.APIGatewayV2HTTPRequest
	Route     topology.Route
	RequestID string
	// Principal is nil on public routes called without credentials.
	Principal *auth.Principal

	rawBody  []byte
	bodyErr  error
	bodyRead bool
}

// Path returns a path parameter.
func (r *Request) Path(name string) string { return r.Raw.PathParameters[name] }

// Query returns a query-string parameter.
func (r *Request) Query(name string) string { return r.Raw.QueryStringParameters[name] }

// Header returns a header by case-insensitive name.
func (r *Request) Header(name string) string {
	if v, ok := r.Raw.Headers[strings.ToLower(name)]; ok {
		return v
	}
	for k, v := range r.Raw.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// UserAgent is every User-Agent the request sent, as API Gateway joins
// repeated headers (with commas): a rule that judges the agent sees a
// tool's agent sent after a browser's.
func (r *Request) UserAgent() string { return r.Header("User-Agent") }

// ViewerAddressHeader is where CloudFront names the viewer's address
// ("ip:port"): behind it, the connection API Gateway sees, and so its
// sourceIp, is CloudFront's.
const ViewerAddressHeader = "CloudFront-Viewer-Address"

// ClientIP is the address of whoever made the request: the viewer's as
// CloudFront names it, else the connection's. Rules that count per
// person (serving's pace, referral flood guards) key on it.
func (r *Request) ClientIP() string {
	if v := r.Header(ViewerAddressHeader); v != "" {
		if i := strings.LastIndexByte(v, ':'); i > 0 {
			if a, err := netip.ParseAddr(strings.Trim(v[:i], "[]")); err == nil {
				return a.String()
			}
		}
	}
	return r.Raw.RequestContext.HTTP.SourceIP
}

// Response is what a handler answers on success.
type Response struct {
	Status  int
	Body    any // marshalled as JSON; nil for no body
	Headers map[string]string
}

// Raw is a body sent as it is, with its own content type (a script, a
// page), where a handler's answer is not JSON.
type Raw struct {
	ContentType string
	Body        []byte
}

// JSON is a response with a status and a JSON body.
func JSON(status int, body any) Response { return Response{Status: status, Body: body} }

// Redirect is a 302 to location.
func Redirect(location string) Response {
	return Response{Status: http.StatusFound, Headers: map[string]string{"Location": location}}
}

// HandlerFunc serves one route. Business errors are returned as *fault.Error
// and rendered by the router; handlers never choose error statuses.
type HandlerFunc func(ctx context.Context, r *Request) (Response, error)

// Idempotency is how the router applies Idempotency-Key (implemented by
// shared/idempotency over DynamoDB).
type Idempotency interface {
	// Begin claims key within scope for a request with fingerprint. It
	// returns a stored response to replay, or nil when the caller owns the
	// key and must run the request.
	Begin(ctx context.Context, scope, key, fingerprint string) (*StoredResponse, error)
	// Complete stores the response of the request that owned the key.
	Complete(ctx context.Context, scope, key, fingerprint string, resp StoredResponse) error
	// Release gives the key back after a failure that must not be replayed.
	Release(ctx context.Context, scope, key, fingerprint string) error
}

// StoredResponse is a response kept for replay.
type StoredResponse struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body"`
}

// IdempotencyMode says whether a route takes Idempotency-Key.
type IdempotencyMode int

// Idempotency modes.
const (
	NoIdempotency IdempotencyMode = iota
	IdempotencyOptional
	IdempotencyRequired
)

type route struct {
	topology.Route
	handler HandlerFunc
	idem    IdempotencyMode
}

// Router dispatches by route key. Build it with NewRouter from the routes
// the topology gives one function, then Handle each of them.
type Router struct {
	declared map[string]topology.Route
	// viaURL are the declared routes behind the function's URL, matched
	// by raw path: a function URL's event names no route.
	viaURL topology.Topology
	routes map[string]route
	log    *slog.Logger
	idem   Idempotency
	now    func() time.Time
	// sampled are the hot routes whose successful requests are logged one
	// line per SampleEvery (or per SampleWithin), the line counting them
	// all; errors are always logged.
	sampled map[string]*sampler
}

// The log sampling of hot routes: one success line per this many
// requests, or per this long, whichever comes first.
const (
	SampleEvery  = 100
	SampleWithin = 10 * time.Second
)

type sampler struct {
	mu    sync.Mutex
	n     int
	since time.Time
}

// take counts a successful request and reports how many the line about to
// be written stands for (0: write none).
func (s *sampler) take(now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == 0 {
		s.since = now
	}
	s.n++
	if s.n < SampleEvery && now.Sub(s.since) < SampleWithin {
		return 0
	}
	n := s.n
	s.n = 0
	return n
}

// Sample logs the successful requests of these routes one line per
// SampleEvery: on a hot path a line per request costs about a fifth of
// the CPU, and in AWS its ingestion costs more than the request. The
// line's requests field (an EMF metric) counts every request it stands
// for, so the metric stays exact; its latency is the sampled request's.
func (rt *Router) Sample(routeKeys ...string) {
	if rt.sampled == nil {
		rt.sampled = map[string]*sampler{}
	}
	for _, k := range routeKeys {
		rt.sampled[k] = &sampler{}
	}
}

// NewRouter prepares a router for a function's routes.
func NewRouter(routes []topology.Route, idem Idempotency, log *slog.Logger, now func() time.Time) *Router {
	rt := &Router{declared: map[string]topology.Route{}, routes: map[string]route{}, log: log, idem: idem, now: now}
	for _, r := range routes {
		rt.declared[r.Key()] = r
		if r.FunctionURL {
			rt.viaURL.Routes = append(rt.viaURL.Routes, r)
		}
	}
	if rt.log == nil {
		rt.log = slog.New(slog.DiscardHandler)
	}
	if rt.now == nil {
		rt.now = time.Now
	}
	return rt
}

// Handle registers the handler of a declared route. Registering a route the
// topology does not declare is a wiring bug and panics at start-up.
func (rt *Router) Handle(routeKey string, h HandlerFunc, mode IdempotencyMode) {
	decl, ok := rt.declared[routeKey]
	if !ok {
		panic(fmt.Sprintf("api: route %q is not declared in the topology for this function", routeKey))
	}
	if mode != NoIdempotency && rt.idem == nil {
		panic(fmt.Sprintf("api: route %q takes Idempotency-Key but the router has no idempotency store", routeKey))
	}
	rt.routes[routeKey] = route{Route: decl, handler: h, idem: mode}
}

// Handled lists the route keys that have a handler.
func (rt *Router) Handled() []string {
	out := make([]string, 0, len(rt.routes))
	for k := range rt.routes {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// FunctionURLRouteKey is the route key of every function URL event (and
// of an HTTP API's catch-all route, which Souq does not declare).
const FunctionURLRouteKey = "$default"

// Serve is the Lambda handler for payload-2.0 HTTP events. It never returns
// an error: every failure is a problem+json response.
func (rt *Router) Serve(ctx context.Context, raw events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, _ error) {
	start := time.Now()
	reqID := raw.RequestContext.RequestID
	if reqID == "" {
		reqID = id.New("req", rt.now())
	}
	req := &Request{Raw: raw, RequestID: reqID}
	defer func() {
		if p := recover(); p != nil {
			rt.log.ErrorContext(ctx, "handler panicked", "requestId", reqID, "route", raw.RouteKey,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			resp = rt.problem(req, fault.New(fault.Internal, "api.Serve", ""))
		}
		principal := ""
		if req.Principal != nil {
			principal = req.Principal.ID()
		}
		if !rt.log.Enabled(ctx, slog.LevelInfo) {
			return
		}
		status, outcome := resp.StatusCode, "ok"
		switch {
		case status >= 500:
			outcome = "server_error"
		case status >= 400:
			outcome = "client_error"
		}
		requests := 1
		if smp := rt.sampled[raw.RouteKey]; smp != nil && outcome == "ok" {
			if requests = smp.take(time.Now()); requests == 0 {
				return
			}
		}
		rt.log.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("requestId", reqID), slog.String("route", raw.RouteKey), slog.String("path", raw.RawPath),
			slog.String("principal", principal), slog.Int("status", status), slog.String("outcome", outcome), slog.Int64("latencyMs", time.Since(start).Milliseconds()),
			// The same line is a CloudWatch Embedded Metric Format record: the
			// request's latency and outcome per function and route (on a
			// sampled route, requests counts every one the line stands for).
			slog.Int("requests", requests), slog.Int("clientErrors", b2i(outcome == "client_error")), slog.Int("serverErrors", b2i(outcome == "server_error")),
			slog.Group("_aws", slog.Int64("Timestamp", rt.now().UnixMilli()), slog.Any("CloudWatchMetrics", emfDirective)))
	}()

	if raw.RouteKey == FunctionURLRouteKey {
		// A function URL sends every request as "$default", with no path
		// parameters: the route is the one behind the URL its raw path and
		// method match. Only routes marked FunctionURL are found so, so a
		// URL reaches nothing API Gateway alone should.
		if m, params, _ := rt.viaURL.Match(raw.RequestContext.HTTP.Method, raw.RawPath); m.Function != "" {
			raw.RouteKey, raw.PathParameters = m.Key(), params
			req.Raw = raw
		}
	}
	r, ok := rt.routes[raw.RouteKey]
	if !ok {
		return rt.problem(req, fault.New(fault.NotFound, "api.Serve", "no such route: "+raw.RouteKey)), nil
	}
	req.Route = r.Route
	if err := rt.authorize(req); err != nil {
		return rt.problem(req, err), nil
	}
	if r.idem == NoIdempotency {
		return rt.run(ctx, r, req), nil
	}
	return rt.runIdempotent(ctx, r, req), nil
}

func (rt *Router) authorize(req *Request) error {
	var lambdaCtx map[string]any
	if a := req.Raw.RequestContext.Authorizer; a != nil {
		lambdaCtx = a.Lambda
	}
	if req.Route.IsPublic() {
		return nil
	}
	p, err := auth.FromContext(lambdaCtx)
	if err != nil {
		return err
	}
	if !req.Route.Allows(topology.AuthKind(p.Kind)) {
		if p.Kind == auth.KindClient {
			return fault.New(fault.Forbidden, "api.authorize", "this route needs a user's token, not an API key")
		}
		return fault.New(fault.Forbidden, "api.authorize", "this route needs an API key, not a user's token")
	}
	req.Principal = &p
	return nil
}

func (rt *Router) run(ctx context.Context, r route, req *Request) events.APIGatewayV2HTTPResponse {
	out, err := r.handler(ctx, req)
	if err != nil {
		return rt.problem(req, err)
	}
	return rt.encode(req, out)
}

// MaxIdempotencyKey bounds the Idempotency-Key header.
const MaxIdempotencyKey = 255

func (rt *Router) runIdempotent(ctx context.Context, r route, req *Request) events.APIGatewayV2HTTPResponse {
	const op = "api.Idempotency"
	key := req.Header("idempotency-key")
	if key == "" {
		if r.idem == IdempotencyRequired {
			return rt.problem(req, fault.InvalidFields(op, "this request moves money: send an Idempotency-Key header",
				fault.FieldError{Field: "Idempotency-Key", Message: "is required"}))
		}
		return rt.run(ctx, r, req)
	}
	if len(key) > MaxIdempotencyKey || !printable(key) {
		return rt.problem(req, fault.InvalidFields(op, "Idempotency-Key is malformed",
			fault.FieldError{Field: "Idempotency-Key", Message: "must be 1 to 255 printable ASCII characters"}))
	}
	// Oversized bodies are refused before a key is claimed, so that a 413
	// never occupies a key.
	if _, err := req.body(); err != nil {
		return rt.problem(req, err)
	}
	scope := req.Principal.ID() + " " + r.Key()
	fp := fingerprint(req)
	stored, err := rt.idem.Begin(ctx, scope, key, fp)
	if err != nil {
		return rt.problem(req, err)
	}
	if stored != nil {
		resp := events.APIGatewayV2HTTPResponse{StatusCode: stored.Status, Headers: map[string]string{}, Body: stored.Body}
		for k, v := range stored.Headers {
			resp.Headers[k] = v
		}
		resp.Headers["Idempotent-Replayed"] = "true"
		resp.Headers["X-Request-Id"] = req.RequestID
		return resp
	}
	resp := rt.run(WithRequestKey(ctx, scope, key, fp), r, req)
	if retryable(resp.StatusCode) {
		// The request did not take effect (or may be retried safely):
		// give the key back so that the client's retry runs it again.
		if err := rt.idem.Release(ctx, scope, key, fp); err != nil {
			rt.log.ErrorContext(ctx, "idempotency release failed", "requestId", req.RequestID, "error", err.Error())
		}
		return resp
	}
	keep := StoredResponse{Status: resp.StatusCode, Headers: map[string]string{}, Body: resp.Body}
	for k, v := range resp.Headers {
		if k != "X-Request-Id" {
			keep.Headers[k] = v
		}
	}
	if err := rt.idem.Complete(ctx, scope, key, fp, keep); err != nil {
		// The work is done; only the replay record failed. The key stays
		// claimed until its lease ends, then a retry runs again and relies
		// on the operation's own deterministic ids to be a no-op.
		rt.log.ErrorContext(ctx, "idempotency complete failed", "requestId", req.RequestID, "error", err.Error())
	}
	return resp
}

// retryable statuses are not stored for replay.
func retryable(status int) bool {
	return status >= 500 || status == http.StatusConflict || status == http.StatusTooManyRequests
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// fingerprint identifies "the same request": method, concrete path and body.
func fingerprint(req *Request) string {
	h := sha256.New()
	h.Write([]byte(req.Raw.RequestContext.HTTP.Method))
	h.Write([]byte{0})
	h.Write([]byte(req.Raw.RawPath))
	h.Write([]byte{0})
	b, _ := req.body()
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

func (rt *Router) encode(req *Request, out Response) events.APIGatewayV2HTTPResponse {
	resp := events.APIGatewayV2HTTPResponse{StatusCode: out.Status, Headers: map[string]string{}}
	if resp.StatusCode == 0 {
		resp.StatusCode = http.StatusOK
	}
	for k, v := range out.Headers {
		resp.Headers[k] = v
	}
	if raw, ok := out.Body.(Raw); ok {
		resp.Body = string(raw.Body)
		resp.Headers["Content-Type"] = raw.ContentType
		out.Body = nil
	}
	if out.Body != nil {
		b, err := json.Marshal(out.Body)
		if err != nil {
			rt.log.Error("response encoding failed", "requestId", req.RequestID, "error", err.Error())
			return rt.problem(req, fault.New(fault.Internal, "api.encode", ""))
		}
		resp.Body = string(b) + "\n"
		resp.Headers["Content-Type"] = "application/json"
	}
	resp.Headers["X-Request-Id"] = req.RequestID
	return resp
}

func (rt *Router) problem(req *Request, err error) events.APIGatewayV2HTTPResponse {
	p := ProblemFor(err, req.RequestID, req.Raw.RawPath)
	if p.Status >= 500 {
		rt.log.Error("request failed", "requestId", req.RequestID, "route", req.Raw.RouteKey, "error", err.Error())
	}
	return problemEvent(p, req.RequestID)
}

// problemEvent is a problem as a payload-2.0 response, with the headers
// its status calls for.
func problemEvent(p Problem, requestID string) events.APIGatewayV2HTTPResponse {
	headers := map[string]string{"Content-Type": "application/problem+json", "X-Request-Id": requestID}
	if p.Status == http.StatusUnauthorized {
		headers["WWW-Authenticate"] = `Bearer realm="souq"`
	}
	if p.Status == http.StatusServiceUnavailable {
		headers["Retry-After"] = strconv.Itoa(1)
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: p.Status, Headers: headers, Body: p.body()}
}

// ProblemResponse renders err for callers outside a router (the local
// gateway's own 404s and 413s), so that every error has one shape.
func ProblemResponse(err error, requestID, instance string) (int, string) {
	p := ProblemFor(err, requestID, instance)
	return p.Status, p.body()
}

// MetricNamespace is where the routers' request metrics go.
const MetricNamespace = "Souq/API"

// emfDirective is the Embedded Metric Format directive of a request log
// line, the same for every request: its latencyMs, requests, clientErrors
// and serverErrors are metrics with the function and route as dimensions.
var emfDirective = []map[string]any{{
	"Namespace":  MetricNamespace,
	"Dimensions": [][]string{{"function", "route"}},
	"Metrics": []map[string]string{
		{"Name": "latencyMs", "Unit": "Milliseconds"}, {"Name": "requests", "Unit": "Count"},
		{"Name": "clientErrors", "Unit": "Count"}, {"Name": "serverErrors", "Unit": "Count"},
	},
}}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
