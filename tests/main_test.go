// Package tests holds Souq's black-box tests: they start the local platform
// once and speak HTTP to it exactly as a client would, reading results only
// through the API and the local routes.
package tests

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/souqhq/souq/infra/local"
	"github.com/souqhq/souq/tests/harness"
)

var (
	base string
	demo *local.Demo
	plat *local.Platform
	hc   = harness.Client
)

// TestMain starts the shared harness; every response of this suite is
// held to docs/openapi.yaml.
func TestMain(m *testing.M) {
	harness.Main(m, harness.Options{Name: "bb", Contract: true, Ready: func(p *local.Platform) {
		base, demo, plat = p.BaseURL, p.Demo, p
	}})
}

// call is one HTTP exchange.
type call struct {
	method, path, auth, body string
	headers                  map[string]string
	// saveCard: a deposit that saves the payer's test card first.
	saveCard bool
}

type reply struct {
	status  int
	header  http.Header
	body    []byte
	problem problem
}

type problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	RequestID string `json:"requestId"`
	Code      string `json:"code"`
	Errors    []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func do(t *testing.T, c call) reply {
	t.Helper()
	var body []byte
	if c.body != "" {
		body = []byte(c.body)
	}
	headers := map[string][]string{}
	for k, v := range c.headers {
		headers[k] = []string{v}
	}
	if c.saveCard && c.method == "POST" && strings.HasSuffix(c.path, "/deposits") {
		ensureCard(t, c.auth, strings.TrimSuffix(c.path, "/deposits"))
	}
	r := harness.Send(t, c.method, c.path, c.auth, body, headers)
	out := reply{status: r.Status, header: r.Header, body: r.Body}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		if err := json.Unmarshal(r.Body, &out.problem); err != nil {
			t.Fatalf("problem body is not JSON: %s", r.Body)
		}
	}
	return out
}

// expect checks the status and, for errors, that the body is a complete
// problem+json document.
func expect(t *testing.T, r reply, status int) reply {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.status, status, r.body)
	}
	if status >= 400 {
		if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("error Content-Type = %q, want application/problem+json", ct)
		}
		p := r.problem
		if p.Status != status || p.Title == "" || !strings.HasPrefix(p.Type, "https://") || p.Detail == "" && status != 500 {
			t.Fatalf("incomplete problem: %s", r.body)
		}
	}
	return r
}

func decode[T any](t *testing.T, r reply) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %T: %v in %s", v, err, r.body)
	}
	return v
}

// newUser gets a token for a fresh user through the local token route.
func newUser(t *testing.T) (userID, token string) {
	t.Helper()
	r := expect(t, do(t, call{method: "POST", path: "/local/tokens", body: `{}`}), 200)
	out := decode[struct{ UserID, Token string }](t, r)
	return out.UserID, out.Token
}

type community struct {
	ID, OwnerID, Name, URL, Currency string
}

func createCommunity(t *testing.T, token string) community {
	t.Helper()
	r := expect(t, do(t, call{method: "POST", path: "/v1/communities", auth: token,
		body: `{"name":"Rustaceans","url":"https://rust.example/join","currency":"EUR"}`}), 201)
	return decode[community](t, r)
}

func createAdvertiser(t *testing.T, token string) string {
	t.Helper()
	r := expect(t, do(t, call{method: "POST", path: "/v1/advertisers", auth: token, body: `{"name":"Widgets Inc","currency":"USD"}`}), 201)
	return decode[struct{ ID string }](t, r).ID
}

type apiKey struct {
	ID, Secret, Prefix, AccountKind, AccountID string
	RevokedAt                                  *time.Time
}

func createKey(t *testing.T, token, accountPath string) apiKey {
	t.Helper()
	r := expect(t, do(t, call{method: "POST", path: accountPath + "/api-keys", auth: token, body: `{"name":"server"}`}), 201)
	return decode[apiKey](t, r)
}

// events returns the bus's published events of a type (the local route
// settles the outbox and bus first).
func events(t *testing.T, detailType string) []map[string]any {
	t.Helper()
	r := expect(t, do(t, call{method: "GET", path: "/local/events?detailType=" + detailType}), 200)
	return decode[struct{ Data []map[string]any }](t, r).Data
}

func big(n int) string {
	return `{"name":"` + string(bytes.Repeat([]byte("a"), n)) + `","currency":"USD"}`
}

// hasFieldError reports whether a problem names the field.
func hasFieldError(r reply, field string) bool {
	for _, e := range r.problem.Errors {
		if e.Field == field && e.Message != "" {
			return true
		}
	}
	return false
}

// idemKey is the Idempotency-Key header, for the routes that move money.
func idemKey(k string) map[string]string { return map[string]string{"Idempotency-Key": k} }

// freshKey is a new Idempotency-Key, for a request the test means to make
// once.
func freshKey() map[string]string { return idemKey(harness.NewKey()) }
