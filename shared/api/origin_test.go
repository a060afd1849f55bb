package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/shared/auth"
)

const (
	currentSecret  = "cur0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
	previousSecret = "pre0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
)

// stages plays Secrets Manager: the values of AWSCURRENT and AWSPREVIOUS,
// changed by a rotation, and a failure on command.
type stages struct {
	mu     sync.Mutex
	values []string
	fail   bool
	reads  int
}

func (s *stages) load(context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	if s.fail {
		return nil, errors.New("secretsmanager: throttled")
	}
	return append([]string(nil), s.values...), nil
}

func (s *stages) rotate(next string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values = []string{next, s.values[0]}
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// guarded is a handler behind FromEdgeOnly that records what it saw.
type guarded struct {
	calls   int
	headers map[string]string
}

func (g *guarded) serve(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	g.calls++
	g.headers = ev.Headers
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "ok"}, nil
}

func newGuard(t *testing.T, values ...string) (HTTPHandler, *guarded, *stages, *fakeClock, *bytes.Buffer) {
	t.Helper()
	st := &stages{values: values}
	clk := &fakeClock{t: time.Date(2026, 3, 31, 23, 59, 0, 0, time.UTC)}
	secrets, err := NewOriginSecrets(context.Background(), st.load, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	g := &guarded{}
	return FromEdgeOnly(secrets, slog.New(slog.NewJSONHandler(&logs, nil)), g.serve), g, st, clk, &logs
}

func edgeRequest(headers map[string]string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		RouteKey: "GET /v1/serve/{slotId}", RawPath: "/v1/serve/slt_1", Headers: headers,
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req_edge",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", SourceIP: "203.0.113.9"}},
	}
}

func wantForbiddenProblem(t *testing.T, resp events.APIGatewayV2HTTPResponse) {
	t.Helper()
	if resp.StatusCode != 403 || resp.Headers["Content-Type"] != "application/problem+json" || resp.Headers["X-Request-Id"] != "req_edge" {
		t.Fatalf("refusal: %d %v %s", resp.StatusCode, resp.Headers, resp.Body)
	}
	var p Problem
	if err := json.Unmarshal([]byte(resp.Body), &p); err != nil || p.Type != ProblemBase+"forbidden" || p.Status != 403 ||
		p.RequestID != "req_edge" || p.Instance != "/v1/serve/slt_1" {
		t.Fatalf("problem %+v (%v)", p, err)
	}
}

// A request sent around the edge (the execute-api URL) has no origin
// header, or a guess at it, however well it forges CloudFront's viewer
// headers: it is refused with 403 problem+json and the handler never runs.
func TestFromEdgeOnly_RefusesRequestsThatSkippedTheEdge(t *testing.T) {
	viewer := map[string]string{"cloudfront-viewer-address": "198.51.100.7:443", "cloudfront-viewer-country": "SA"}
	for name, origin := range map[string]map[string]string{
		"missing":         {},
		"empty":           {"x-souq-origin-verify": ""},
		"wrong":           {"x-souq-origin-verify": strings.Repeat("x", len(currentSecret))},
		"a prefix":        {"x-souq-origin-verify": currentSecret[:MinOriginSecret]},
		"longer":          {"x-souq-origin-verify": currentSecret + "0"},
		"a retired value": {"x-souq-origin-verify": "old0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"},
		"two values":      {"x-souq-origin-verify": currentSecret + "," + currentSecret},
		"two spellings":   {"x-souq-origin-verify": currentSecret, "X-Souq-Origin-Verify": currentSecret},
	} {
		t.Run(name, func(t *testing.T) {
			h, g, _, _, logs := newGuard(t, currentSecret, previousSecret)
			headers := map[string]string{}
			for k, v := range viewer {
				headers[k] = v
			}
			for k, v := range origin {
				headers[k] = v
			}
			resp, err := h(context.Background(), edgeRequest(headers))
			if err != nil {
				t.Fatal(err)
			}
			wantForbiddenProblem(t, resp)
			if g.calls != 0 {
				t.Fatal("the handler ran for a request that skipped the edge")
			}
			line := logs.String()
			if !strings.Contains(line, "not from the edge") || !strings.Contains(line, "req_edge") {
				t.Fatalf("the refusal is not logged: %q", line)
			}
			// Neither the secret nor what was sent in its place is logged.
			for _, secret := range []string{currentSecret, previousSecret, currentSecret[:MinOriginSecret], strings.Repeat("x", 16)} {
				if strings.Contains(line, secret) {
					t.Fatalf("the log holds a secret or a guess at it: %s", line)
				}
			}
		})
	}
}

// During a rotation CloudFront may send the new value or the old one:
// both pass, and the handler never sees the header (nothing behind the
// check can echo or log it).
func TestFromEdgeOnly_TakesTheCurrentAndThePreviousValueAndHidesThem(t *testing.T) {
	for _, value := range []string{currentSecret, previousSecret} {
		h, g, _, _, logs := newGuard(t, currentSecret, previousSecret)
		resp, err := h(context.Background(), edgeRequest(map[string]string{"x-souq-origin-verify": value, "user-agent": "Mozilla/5.0"}))
		if err != nil || resp.StatusCode != 200 || g.calls != 1 {
			t.Fatalf("%.3s…: %d %v, %d calls", value, resp.StatusCode, err, g.calls)
		}
		for k, v := range g.headers {
			if strings.EqualFold(k, OriginHeader) || v == value {
				t.Fatalf("the handler saw the origin header: %v", g.headers)
			}
		}
		if g.headers["user-agent"] != "Mozilla/5.0" {
			t.Fatalf("other headers lost: %v", g.headers)
		}
		if strings.Contains(logs.String(), value) {
			t.Fatalf("the secret is logged: %s", logs.String())
		}
	}
}

// The whole path as a product function has it: the refusal comes before
// the router, so a direct caller learns nothing from the authorizer's
// verdict (a valid key and a guessed one both get the same 403), and a
// request from the edge is routed as before.
func TestFromEdgeOnly_StandsBeforeTheRouter(t *testing.T) {
	st := &stages{values: []string{currentSecret}}
	secrets, err := NewOriginSecrets(context.Background(), st.load, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := FromEdgeOnly(secrets, nil, testRouter().Serve)
	valid := func(origin string) events.APIGatewayV2HTTPRequest {
		ev := events.APIGatewayV2HTTPRequest{RouteKey: "GET /v1/things/{thingId}", RawPath: "/v1/things/thg_1",
			PathParameters: map[string]string{"thingId": "thg_1"}, Headers: map[string]string{},
			RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req_edge", Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				Lambda: auth.Principal{Kind: auth.KindClient, AccountKind: "advertiser", AccountID: "adv_1", KeyID: "key_1"}.Context()}}}
		if origin != "" {
			ev.Headers["x-souq-origin-verify"] = origin
		}
		return ev
	}
	refused := valid("")
	refused.RequestContext.Authorizer.Lambda = map[string]any{"authError": "unknown API key"}
	for _, ev := range []events.APIGatewayV2HTTPRequest{valid(""), refused} {
		resp, _ := h(context.Background(), ev)
		if resp.StatusCode != 403 || !strings.Contains(resp.Body, ProblemBase+"forbidden") {
			t.Fatalf("around the edge: %d %s", resp.StatusCode, resp.Body)
		}
	}
	if resp, _ := h(context.Background(), valid(currentSecret)); resp.StatusCode != 200 || !strings.Contains(resp.Body, "thg_1") {
		t.Fatalf("through the edge: %d %s", resp.StatusCode, resp.Body)
	}
}

// A rotation: the new value becomes current and the old one previous.
// Within OriginSecretsTTL of the put, every instance takes the new value;
// the old one keeps working until the next rotation retires it.
func TestOriginSecrets_ARotationIsSeenWithinTheTTL(t *testing.T) {
	const next = "nxt0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
	h, g, st, clk, _ := newGuard(t, currentSecret)
	call := func(value string) int {
		resp, _ := h(context.Background(), edgeRequest(map[string]string{"x-souq-origin-verify": value}))
		return resp.StatusCode
	}
	if call(currentSecret) != 200 || call(next) != 403 {
		t.Fatal("before the rotation")
	}
	st.rotate(next)
	clk.advance(OriginSecretsTTL - time.Second)
	if call(next) != 403 || st.reads != 1 {
		t.Fatalf("read again before the TTL (%d reads)", st.reads)
	}
	clk.advance(time.Second)
	if call(next) != 200 || call(currentSecret) != 200 || st.reads != 2 {
		t.Fatalf("after the TTL: %d reads", st.reads)
	}
	st.rotate("rd30123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX")
	clk.advance(OriginSecretsTTL)
	if call(currentSecret) != 403 || call(next) != 200 {
		t.Fatal("the value two rotations old still passes")
	}
	if g.calls != 4 {
		t.Fatalf("%d calls", g.calls)
	}
}

// Secrets Manager failing does not lock the edge out: the values read
// before stay accepted, and the read is tried again after
// OriginSecretsRetry, not on every request.
func TestOriginSecrets_AFailedReadKeepsTheValuesItHas(t *testing.T) {
	h, _, st, clk, logs := newGuard(t, currentSecret)
	st.fail = true
	clk.advance(OriginSecretsTTL)
	for i := 0; i < 3; i++ {
		if resp, _ := h(context.Background(), edgeRequest(map[string]string{"x-souq-origin-verify": currentSecret})); resp.StatusCode != 200 {
			t.Fatalf("refused while Secrets Manager fails: %d", resp.StatusCode)
		}
	}
	if st.reads != 2 || !strings.Contains(logs.String(), "origin secret refresh failed") {
		t.Fatalf("%d reads, logs %s", st.reads, logs.String())
	}
	clk.advance(OriginSecretsRetry)
	st.fail = false
	h(context.Background(), edgeRequest(map[string]string{"x-souq-origin-verify": currentSecret}))
	if st.reads != 3 {
		t.Fatalf("not retried after OriginSecretsRetry: %d reads", st.reads)
	}
}

// A function whose secret cannot be read, is empty or is short does not
// start: it would otherwise refuse everything, or accept a guessable value.
func TestNewOriginSecrets_RefusesNoOrWeakValues(t *testing.T) {
	for name, st := range map[string]*stages{
		"unreadable": {values: []string{currentSecret}, fail: true},
		"none":       {},
		"empty":      {values: []string{""}},
		"short":      {values: []string{currentSecret, "hunter2"}},
	} {
		if _, err := NewOriginSecrets(context.Background(), st.load, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
