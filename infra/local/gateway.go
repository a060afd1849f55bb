package local

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/creatives"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/topology"
)

// maxGatewayBody is API Gateway's own payload limit; the functions refuse
// anything over 64 KiB themselves.
const maxGatewayBody = 10 << 20

// Gateway plays API Gateway's HTTP API: it matches the topology's routes,
// runs the authorizer for routes that need credentials, and calls the
// function with a payload-2.0 event, exactly as AWS would.
//
// It plays CloudFront in front of it too. The CloudFront-Viewer-* headers
// a client sends are taken as CloudFront's (so that a test can be many
// viewers, from many addresses and countries), and nothing reaches a
// function but through the gateway, so the functions are wired without
// the origin check AWS puts before them (api.FromEdgeOnly, in
// wire.FromAWS): there is no way around this edge to close. The origin
// header a client sends is dropped, as CloudFront overwrites it, so no
// handler ever sees one.
type Gateway struct {
	top       topology.Topology
	functions map[string]*Function
	clock     clock.Clock
	// authCacheTTL mirrors the authorizer's result cache (keyed by the
	// Authorization header). Zero disables it, so that a revoked key stops
	// working at once locally.
	authCacheTTL time.Duration
	cacheMu      sync.Mutex
	cache        map[string]cachedAuth
	local        http.Handler // /local/* routes, absent from AWS
	// creatives serves /creatives/*, as CloudFront's behavior of that
	// path serves the creatives bucket in AWS (not an API route).
	creatives http.Handler
	// limits, when set, are per-principal token buckets (see ratelimit.go).
	limits atomic.Pointer[limiter]
}

type cachedAuth struct {
	ctx map[string]any
	exp time.Time
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := id.New("req", g.clock.Now())
	if g.local != nil && strings.HasPrefix(r.URL.Path, "/local/") {
		g.local.ServeHTTP(w, r)
		return
	}
	if g.creatives != nil && strings.HasPrefix(r.URL.Path, "/"+creatives.Prefix) {
		g.creatives.ServeHTTP(w, r)
		return
	}
	route, params, pathExists := g.top.Match(r.Method, r.URL.EscapedPath())
	if route.Function == "" {
		if pathExists {
			writeProblem(w, fault.New(fault.MethodNotAllowed, "gateway", r.Method+" is not allowed on "+r.URL.Path), reqID, r.URL.Path)
			return
		}
		writeProblem(w, fault.New(fault.NotFound, "gateway", "no route for "+r.Method+" "+r.URL.Path), reqID, r.URL.Path)
		return
	}
	fn := g.functions[route.Function]
	if fn == nil || fn.HTTP == nil {
		writeProblem(w, fault.New(fault.Internal, "gateway", ""), reqID, r.URL.Path)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxGatewayBody+1))
	if err != nil {
		writeProblem(w, fault.New(fault.Invalid, "gateway", "the request body could not be read"), reqID, r.URL.Path)
		return
	}
	if len(body) > maxGatewayBody {
		writeProblem(w, fault.New(fault.TooLarge, "gateway", "request body is over API Gateway's 10 MB limit"), reqID, r.URL.Path)
		return
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeProblem(w, fault.New(fault.Invalid, "gateway", "the query string is malformed"), reqID, r.URL.Path)
		return
	}
	event := g.event(r, route, params, query, body, reqID)
	if l := g.limits.Load(); l != nil {
		who := r.Header.Get("Authorization")
		if who == "" {
			who = "ip:" + event.RequestContext.HTTP.SourceIP
		}
		if ok, wait := l.allow(route, who); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			writeProblem(w, fault.New(fault.RateLimited, "gateway", "too many requests: slow down and retry after the Retry-After seconds"), reqID, r.URL.Path)
			return
		}
	}
	if !route.IsPublic() {
		header := r.Header.Get("Authorization")
		if header == "" {
			// API Gateway answers 401 itself when the identity source is
			// missing, without calling the authorizer.
			writeProblem(w, fault.New(fault.Unauthorized, "gateway", "missing credentials: send Authorization: Bearer <token or API key>"), reqID, r.URL.Path)
			return
		}
		authCtx, err := g.authorize(r.Context(), header, route, event)
		if err != nil {
			writeProblem(w, fault.New(fault.Internal, "gateway", ""), reqID, r.URL.Path)
			return
		}
		event.RequestContext.Authorizer = &lambdaevents.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: authCtx}
	}
	resp, err := invokeHTTP(r.Context(), fn.HTTP, event)
	if err != nil {
		writeProblem(w, fault.New(fault.Internal, "gateway", ""), reqID, r.URL.Path)
		return
	}
	writeResponse(w, resp)
}

func (g *Gateway) authorize(ctx context.Context, header string, route topology.Route, ev lambdaevents.APIGatewayV2HTTPRequest) (map[string]any, error) {
	if g.authCacheTTL > 0 {
		g.cacheMu.Lock()
		c, ok := g.cache[header]
		g.cacheMu.Unlock()
		if ok && g.clock.Now().Before(c.exp) {
			return c.ctx, nil
		}
	}
	authz := g.functions[topology.FnAuthorizer]
	out, err := authz.Authorizer(ctx, lambdaevents.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0", Type: "REQUEST",
		RouteArn: "arn:aws:execute-api:" + localRegion + ":" + ev.RequestContext.AccountID + ":" + ev.RequestContext.APIID + "/" +
			ev.RequestContext.Stage + "/" + route.Method + route.Path,
		IdentitySource: []string{header}, RouteKey: route.Key(), RawPath: ev.RawPath, RawQueryString: ev.RawQueryString,
		Cookies: ev.Cookies, Headers: ev.Headers, QueryStringParameters: ev.QueryStringParameters,
		PathParameters: ev.PathParameters,
		RequestContext: ev.RequestContext,
	})
	if err != nil {
		return nil, err
	}
	ctxMap := out.Context
	if !out.IsAuthorized {
		ctxMap = map[string]any{"authError": "not authorized"}
	}
	if g.authCacheTTL > 0 {
		g.cacheMu.Lock()
		if g.cache == nil || len(g.cache) > 10_000 {
			g.cache = map[string]cachedAuth{}
		}
		g.cache[header] = cachedAuth{ctx: ctxMap, exp: g.clock.Now().Add(g.authCacheTTL)}
		g.cacheMu.Unlock()
	}
	return ctxMap, nil
}

// The shapes AWS fixes in a payload-2.0 event.
const (
	// eventTimeLayout is requestContext.time's layout, always in UTC.
	eventTimeLayout = "02/Jan/2006:15:04:05 -0700"
	localAccount    = "000000000000"
	// localAPIID and localURLID stand for the HTTP API's id and the serve
	// function URL's id.
	localAPIID = "souqlocal"
	localURLID = "souqlocalserveurl"
)

// event builds the payload-2.0 request AWS would send the route's
// function: API Gateway's HTTP API event, or, for a route behind the
// function's URL (route.FunctionURL), the function URL's, which names no
// route ("$default") and has no path parameters, and carries the IAM
// identity that signed it (CloudFront's origin access control). Both are
// held to aws-lambda-go's samples by TestShapes_*.
func (g *Gateway) event(r *http.Request, route topology.Route, params map[string]string, q url.Values, body []byte, reqID string) lambdaevents.APIGatewayV2HTTPRequest {
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	headers := map[string]string{}
	for k, v := range r.Header {
		if strings.EqualFold(k, "Cookie") || strings.EqualFold(k, api.OriginHeader) {
			continue
		}
		headers[strings.ToLower(k)] = strings.Join(v, ",")
	}
	// What AWS adds to every request: Go's server keeps Host out of
	// r.Header, and API Gateway sets the body's length, the forwarding
	// headers (appending the caller to any X-Forwarded-For it sent) and a
	// trace id.
	headers["host"] = r.Host
	headers["content-length"] = strconv.Itoa(len(body))
	if xff := headers["x-forwarded-for"]; xff != "" {
		headers["x-forwarded-for"] = xff + ", " + ip
	} else {
		headers["x-forwarded-for"] = ip
	}
	headers["x-forwarded-proto"], headers["x-forwarded-port"] = forwardedProtoPort(r)
	now := g.clock.Now().UTC()
	if headers["x-amzn-trace-id"] == "" {
		headers["x-amzn-trace-id"] = traceID(now)
	}
	// AWS passes the Cookie header's cookies as sent, one string each.
	var cookies []string
	for _, line := range r.Header.Values("Cookie") {
		for _, c := range strings.Split(line, ";") {
			if c = strings.TrimSpace(c); c != "" {
				cookies = append(cookies, c)
			}
		}
	}
	var query map[string]string
	if len(q) > 0 {
		query = map[string]string{}
		for k, v := range q {
			query[k] = strings.Join(v, ",")
		}
	}
	routeKey, apiID := route.Key(), localAPIID
	if route.FunctionURL {
		routeKey, apiID, params = api.FunctionURLRouteKey, localURLID, nil
	}
	domain := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		domain = h
	}
	prefix, _, _ := strings.Cut(domain, ".")
	ev := lambdaevents.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: routeKey, RawPath: r.URL.EscapedPath(), RawQueryString: r.URL.RawQuery,
		Cookies: cookies, Headers: headers, QueryStringParameters: query, PathParameters: params,
		RequestContext: lambdaevents.APIGatewayV2HTTPRequestContext{
			RouteKey: routeKey, AccountID: localAccount, Stage: "$default", RequestID: reqID,
			APIID: apiID, DomainName: domain, DomainPrefix: prefix,
			Time: now.Format(eventTimeLayout), TimeEpoch: now.UnixMilli(),
			HTTP: lambdaevents.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto, SourceIP: ip, UserAgent: r.UserAgent(),
			},
		},
	}
	if route.FunctionURL {
		// The URL's auth type is AWS_IAM (origin access control): the
		// event names the identity whose signature Lambda checked.
		ev.RequestContext.Authorizer = &lambdaevents.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			IAM: &lambdaevents.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{
				AccessKey: "ASIALOCALCLOUDFRONT0", AccountID: localAccount, CallerID: "AROALOCALCLOUDFRONT0:cloudfront",
				UserARN: "arn:aws:sts::" + localAccount + ":assumed-role/souq-local-oac/cloudfront", UserID: "AROALOCALCLOUDFRONT0:cloudfront",
			},
		}
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return ev
}

// forwardedProtoPort are the scheme and port the client connected to.
func forwardedProtoPort(r *http.Request) (proto, port string) {
	proto, port = "http", "80"
	if r.TLS != nil {
		proto, port = "https", "443"
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, p, err := net.SplitHostPort(a.String()); err == nil {
			return proto, p
		}
	}
	if _, p, err := net.SplitHostPort(r.Host); err == nil {
		port = p
	}
	return proto, port
}

// traceID is an X-Ray trace header as API Gateway starts one:
// Root=1-<epoch seconds, 8 hex>-<96 random bits, 24 hex>.
func traceID(now time.Time) string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return fmt.Sprintf("Root=1-%08x-%s", now.Unix(), hex.EncodeToString(b[:]))
}

func writeResponse(w http.ResponseWriter, resp lambdaevents.APIGatewayV2HTTPResponse) {
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(resp.Body); err == nil {
			body = b
		}
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	if len(body) > 0 {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	_, _ = io.Copy(w, bytes.NewReader(body))
}

func writeProblem(w http.ResponseWriter, err error, reqID, instance string) {
	status, body := api.ProblemResponse(err, reqID, instance)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Request-Id", reqID)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="souq"`)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// invokeHTTP runs a function's HTTP handler as Lambda does: a panic, or a
// function that stopped before it answered, is the invocation's error
// (the runtime reports it, and API Gateway answers 500), never the
// platform's end.
func invokeHTTP(ctx context.Context, h func(context.Context, lambdaevents.APIGatewayV2HTTPRequest) (lambdaevents.APIGatewayV2HTTPResponse, error),
	ev lambdaevents.APIGatewayV2HTTPRequest) (resp lambdaevents.APIGatewayV2HTTPResponse, err error) {
	err = invokeSafely(func() error {
		var herr error
		resp, herr = h(ctx, ev)
		return herr
	})
	return resp, err
}
