package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/shared/topology"
)

// A function URL's event names no route ("$default") and has no path
// parameters: the router finds the route behind the URL by method and
// raw path, and never one that is not behind it.
func TestRouter_FunctionURLEventsFindTheirRouteByRawPath(t *testing.T) {
	routes := []topology.Route{
		{Method: "GET", Path: "/v/{token}", Function: "serve", Auth: []topology.AuthKind{topology.Public}, FunctionURL: true},
		{Method: "POST", Path: "/v/{token}", Function: "serve", Auth: []topology.AuthKind{topology.Public}},
		{Method: "GET", Path: "/v1/directory", Function: "serve", Auth: []topology.AuthKind{topology.Public}},
	}
	rt := NewRouter(routes, nil, nil, nil)
	var gotRoute, gotToken string
	handler := func(_ context.Context, r *Request) (Response, error) {
		gotRoute, gotToken = r.Route.Key(), r.Path("token")
		return Response{Status: http.StatusNoContent}, nil
	}
	for _, rk := range []string{"GET /v/{token}", "POST /v/{token}", "GET /v1/directory"} {
		rt.Handle(rk, handler, NoIdempotency)
	}
	urlEvent := func(method, rawPath string) events.APIGatewayV2HTTPRequest {
		return events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: FunctionURLRouteKey, RawPath: rawPath,
			RequestContext: events.APIGatewayV2HTTPRequestContext{RouteKey: FunctionURLRouteKey, Stage: "$default", RequestID: "req_1",
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: rawPath}}}
	}
	cases := []struct {
		method, rawPath string
		status          int
		route, token    string
	}{
		{"GET", "/v/tok_1", http.StatusNoContent, "GET /v/{token}", "tok_1"},
		{"GET", "/v/a%20b", http.StatusNoContent, "GET /v/{token}", "a b"},
		{"GET", "/v/a%2Fb", http.StatusNotFound, "", ""},      // as the gateway: a parameter never holds a slash
		{"POST", "/v/tok_1", http.StatusNotFound, "", ""},     // on the API, not the URL
		{"GET", "/v1/directory", http.StatusNotFound, "", ""}, // the same
		{"GET", "/v/tok_1/more", http.StatusNotFound, "", ""},
	}
	for _, c := range cases {
		gotRoute, gotToken = "", ""
		resp, err := rt.Serve(context.Background(), urlEvent(c.method, c.rawPath))
		if err != nil || resp.StatusCode != c.status || gotRoute != c.route || gotToken != c.token {
			t.Errorf("%s %s: status %d (err %v), route %q, token %q; want %d, %q, %q", c.method, c.rawPath, resp.StatusCode, err, gotRoute, gotToken, c.status, c.route, c.token)
		}
	}
}
