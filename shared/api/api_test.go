package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/topology"
)

type createThing struct {
	Name   string `json:"name" validate:"required,max=10"`
	Amount int64  `json:"amount" validate:"gte=0"`
}

func testRouter() *Router {
	routes := []topology.Route{
		{Method: "POST", Path: "/v1/things", Function: "t", Auth: []topology.AuthKind{topology.User}},
		{Method: "GET", Path: "/v1/things/{thingId}", Function: "t", Auth: []topology.AuthKind{topology.User, topology.Client}},
		{Method: "GET", Path: "/v1/public", Function: "t", Auth: []topology.AuthKind{topology.Public}},
		{Method: "GET", Path: "/v1/panic", Function: "t", Auth: []topology.AuthKind{topology.Public}},
	}
	rt := NewRouter(routes, nil, nil, nil)
	rt.Handle("POST /v1/things", func(_ context.Context, r *Request) (Response, error) {
		var in createThing
		if err := Decode(r, &in); err != nil {
			return Response{}, err
		}
		return JSON(http.StatusCreated, map[string]any{"name": in.Name, "by": r.Principal.UserID}), nil
	}, NoIdempotency)
	rt.Handle("GET /v1/things/{thingId}", func(_ context.Context, r *Request) (Response, error) {
		if r.Path("thingId") != "thg_1" {
			return Response{}, fault.New(fault.NotFound, "t.Get", "no such thing")
		}
		return JSON(200, map[string]string{"id": "thg_1"}), nil
	}, NoIdempotency)
	rt.Handle("GET /v1/public", func(context.Context, *Request) (Response, error) {
		return Response{}, errors.New("dynamodb: connection reset by peer 10.0.0.7")
	}, NoIdempotency)
	rt.Handle("GET /v1/panic", func(context.Context, *Request) (Response, error) {
		panic("nil map")
	}, NoIdempotency)
	return rt
}

// Golden fixtures: real payload-2.0 requests and the responses they must
// produce (testdata/*.json).
func TestRouter_GoldenFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	rt := testRouter()
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var fx struct {
				Request  events.APIGatewayV2HTTPRequest `json:"request"`
				Response struct {
					Status      int               `json:"status"`
					ContentType string            `json:"contentType"`
					Body        map[string]any    `json:"body"`
					Headers     map[string]string `json:"headers"`
				} `json:"response"`
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &fx); err != nil {
				t.Fatal(err)
			}
			resp, err := rt.Serve(context.Background(), fx.Request)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != fx.Response.Status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, fx.Response.Status, resp.Body)
			}
			if ct := resp.Headers["Content-Type"]; ct != fx.Response.ContentType {
				t.Fatalf("content type %q, want %q", ct, fx.Response.ContentType)
			}
			for k, v := range fx.Response.Headers {
				if resp.Headers[k] != v {
					t.Fatalf("header %s = %q, want %q", k, resp.Headers[k], v)
				}
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
				t.Fatalf("body is not JSON: %s", resp.Body)
			}
			for k, want := range fx.Response.Body {
				wb, _ := json.Marshal(want)
				gb, _ := json.Marshal(got[k])
				if string(wb) != string(gb) {
					t.Fatalf("body.%s = %s, want %s (body %s)", k, gb, wb, resp.Body)
				}
			}
		})
	}
}

// Internal errors and panics are a 500 that says nothing of the cause.
func TestRouter_InternalErrorsNeverLeakTheirCause(t *testing.T) {
	rt := testRouter()
	for _, path := range []string{"/v1/public", "/v1/panic"} {
		resp, _ := rt.Serve(context.Background(), events.APIGatewayV2HTTPRequest{RouteKey: "GET " + path, RawPath: path})
		if resp.StatusCode != 500 || strings.Contains(resp.Body, "10.0.0.7") || strings.Contains(resp.Body, "nil map") {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, resp.Body)
		}
		var p Problem
		_ = json.Unmarshal([]byte(resp.Body), &p)
		if p.RequestID == "" || p.Type != ProblemBase+"internal" {
			t.Fatalf("%s: problem %+v", path, p)
		}
	}
}

func TestRouter_HandlingAnUndeclaredRoutePanicsAtStartup(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("registering an undeclared route must panic")
		}
	}()
	NewRouter(nil, nil, nil, nil).Handle("GET /v1/ghost", nil, NoIdempotency)
}

func TestStatus_EveryKindHasAStatus(t *testing.T) {
	for k := fault.Internal; k <= fault.UnsupportedMediaType; k++ {
		s := Status(k)
		if k == fault.Internal && s != 500 || k != fault.Internal && (s < 400 || s == 500) {
			t.Errorf("kind %s → %d", k, s)
		}
	}
}

func userReq(body string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		RouteKey: "POST /v1/things", RawPath: "/v1/things", Body: body,
		Headers: map[string]string{"content-type": "application/json"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				Lambda: auth.Principal{Kind: auth.KindUser, UserID: "usr_f"}.Context(),
			},
		},
	}
}

// No body, however malformed, makes the decoder panic or answer 5xx.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"name":"ok","amount":1}`, `{}`, `[]`, `null`, `{"name":1}`, `{"name":"x","amount":1.5}`,
		`{"name":"x","amount":99999999999999999999999}`, `{"name":"x"}{"name":"y"}`, `{"name":"\ud800"}`,
		`{"name":"x","extra":true}`, `{"name":"` + strings.Repeat("a", 100) + `"}`, "\x00\xff", `{"name":{"a":[1,2,{"b":null}]}}`,
	} {
		f.Add(seed)
	}
	rt := testRouter()
	f.Fuzz(func(t *testing.T, body string) {
		resp, err := rt.Serve(context.Background(), userReq(body))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode >= 500 {
			t.Fatalf("body %q → %d %s", body, resp.StatusCode, resp.Body)
		}
		if resp.StatusCode >= 400 && resp.Headers["Content-Type"] != "application/problem+json" {
			t.Fatalf("error without problem+json: %q", body)
		}
	})
}

func TestValidate_AZeroNumberSaysItsRule(t *testing.T) {
	type in struct {
		Amount int64  `json:"amount" validate:"required,gt=0"`
		Height int    `json:"height" validate:"required,min=10"`
		Name   string `json:"name" validate:"required"`
	}
	err := Validate(&in{})
	fe, ok := fault.As(err)
	if !ok || len(fe.Fields) != 3 {
		t.Fatalf("errors: %v", err)
	}
	got := map[string]string{}
	for _, f := range fe.Fields {
		got[f.Field] = f.Message
	}
	if got["amount"] != "must be greater than 0" || got["height"] != "must be at least 10" || got["name"] != "is required" {
		t.Fatalf("messages: %v", got)
	}
}

// Behind CloudFront the connection is CloudFront's: the viewer's address
// is the one CloudFront names (IPv4 or IPv6, with its port); a header
// that is not an address is ignored, never trusted as one.
func TestRequest_ClientIPIsTheViewersBehindCloudFront(t *testing.T) {
	for _, tc := range []struct{ header, want string }{
		{"", "130.176.1.1"},
		{"198.51.100.10:46532", "198.51.100.10"},
		{"2001:db8::17:46532", "2001:db8::17"},
		{"[2001:db8::17]:46532", "2001:db8::17"},
		{"not an address", "130.176.1.1"},
		{"198.51.100.10", "130.176.1.1"}, // no port: not CloudFront's format
	} {
		r := &Request{Raw: events.APIGatewayV2HTTPRequest{Headers: map[string]string{"cloudfront-viewer-address": tc.header},
			RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{SourceIP: "130.176.1.1"}}}}
		if tc.header == "" {
			r.Raw.Headers = nil
		}
		if got := r.ClientIP(); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.header, got, tc.want)
		}
	}
}
