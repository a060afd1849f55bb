// Package harness is what every suite in tests/ stands on: one local
// platform per test binary (on the DynamoDB Local that make test starts,
// under a table prefix of its own), an HTTP client that speaks to it as a
// customer's would, and, where a suite asks, every response held to
// docs/openapi.yaml. Suites read results only through the API and the
// local routes.
package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/souqhq/souq/infra/local"
)

// Platform is the suite's running local platform.
var Platform *local.Platform

// Client speaks to it; it never follows redirects (a 302 is an answer).
var Client = &http.Client{Timeout: 60 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// document is docs/openapi.yaml, wherever the suite runs from.
var document = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "docs", "openapi.yaml")
}()

// Start is where every suite's platform clock starts, unless the suite
// names another: a fixed instant, so that nothing a test asserts depends
// on the day it runs. It is a 31st, the day a month's pages are longest;
// TestCalendar (tests/browser) walks on to a 1st, 29 February and
// 31 December. Far in the future, so that what the platform stores with a
// time to live (idempotency keys, markers) is never already past.
var Start = time.Date(2039, time.January, 31, 9, 0, 0, 0, time.UTC)

// Options say what a suite needs beyond the shared platform.
type Options struct {
	// Name prefixes the suite's tables ("bb", "sec", …).
	Name string
	// Platform is passed through (its Addr, DynamoEndpoint, TablePrefix,
	// StripeMock and Seed are the harness's).
	Platform local.Options
	// Contract holds every response to docs/openapi.yaml and fails the run
	// on one it does not describe.
	Contract bool
	// Ready runs once the platform is up, before the tests (a suite keeps
	// what it needs of it).
	Ready func(*local.Platform)
	// Done runs after the tests, before the process exits (a suite stops
	// what it started itself, such as a browser).
	Done func()
}

// Main is a suite's TestMain: it starts the platform, runs the tests,
// stops the platform, and reports what the document does not describe.
func Main(m *testing.M, o Options) {
	opts := o.Platform
	if opts.Start.IsZero() {
		opts.Start = Start
	}
	opts.Addr = "127.0.0.1:0"
	opts.DynamoEndpoint = os.Getenv("SOUQ_DYNAMODB_ENDPOINT")
	opts.TablePrefix = fmt.Sprintf("%s%d_", o.Name, os.Getpid())
	opts.StripeMock, opts.Seed = true, true
	p, err := local.Start(context.Background(), opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start local platform:", err)
		os.Exit(1)
	}
	Platform = p
	var docs *contract
	if o.Contract {
		if docs, err = newContract(http.DefaultTransport); err != nil {
			fmt.Fprintln(os.Stderr, "the OpenAPI document:", err)
			p.Close()
			os.Exit(1)
		}
		Client.Transport = docs
	}
	if o.Ready != nil {
		o.Ready(p)
	}
	code := m.Run()
	if o.Done != nil {
		o.Done()
	}
	p.Close()
	if docs != nil {
		if v := docs.violations(); len(v) > 0 {
			fmt.Fprintf(os.Stderr, "%d live responses that docs/openapi.yaml does not describe:\n  %s\n", len(v), strings.Join(v, "\n  "))
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// Reply is one HTTP answer.
type Reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// Send makes one request as a client would: JSON when there is a body,
// the bearer credential when there is one, and the headers given (which
// replace any set here).
func Send(t testing.TB, method, path, auth string, body []byte, headers map[string][]string) Reply {
	t.Helper()
	req, err := http.NewRequest(method, Platform.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return Reply{Status: 400} // a path a client cannot even send
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	for k, vs := range headers {
		req.Header.Del(k)
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return Reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// BrowserAgent is a person's browser (desktop Chrome): serving takes a
// tool's own agent (curl, Go-http-client, …) for a bot, so a suite that
// sends views or clicks as a person sends this.
const BrowserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/148.0.0.0 Safari/537.36"

// ViewerAddressHeader is where CloudFront names the viewer's address; the
// local gateway passes it through as a client sends it.
const ViewerAddressHeader = "CloudFront-Viewer-Address"

// ViewerAddress is person n's address as CloudFront names it ("ip:port"):
// serving's per-person rules key on the address alone, never the agent,
// so a suite that plays many people gives each an address of its own.
// They are in 198.18.0.0/15 (RFC 2544, for tests): one per n below
// 131,072.
func ViewerAddress(n int) string {
	return fmt.Sprintf("198.%d.%d.%d:443", 18+(n>>16)&1, (n>>8)&0xff, n&0xff)
}

var keys atomic.Int64

// NewKey is a fresh Idempotency-Key.
func NewKey() string {
	return fmt.Sprintf("k-%d-%d-%d", os.Getpid(), time.Now().UnixNano(), keys.Add(1))
}

// Call makes a request with a fresh Idempotency-Key, fails the test on
// another status than want, and decodes a JSON object answer.
func Call(t testing.TB, method, path, auth, body string, want int) map[string]any {
	t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	r := Send(t, method, path, auth, b, map[string][]string{"Idempotency-Key": {NewKey()}})
	if r.Status != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	var out map[string]any
	_ = json.Unmarshal(r.Body, &out)
	return out
}

// Test cards of the local Stripe stand-in (DESIGN §15).
const (
	CardVisa            = "4242424242424242" // succeeds
	CardAuthenticate    = "4000002500003155" // needs authentication on Checkout
	CardDeclined        = "4000000000000002" // declined on Checkout
	CardOffSessionAuth  = "4000002760003184" // saved: always needs authentication off-session
	CardInsufficientFun = "4000000000009995" // saved: insufficient funds off-session
)

// SaveCard saves a test card for a payer as its owner would: Checkout in
// setup mode (POST <payer>/payment-methods, then the stand-in's page paid
// with the card). payerPath is /v1/advertisers/adv_…, /v1/communities/com_…
// or /v1/me. The first card saved becomes the default.
func SaveCard(t testing.TB, token, payerPath, card string) {
	t.Helper()
	setup := Call(t, "POST", payerPath+"/payment-methods", token, "", 201)
	u, _ := setup["setupUrl"].(string)
	i := strings.Index(u, "/local/checkout/")
	if i < 0 {
		t.Fatalf("setupUrl %q is not the local Checkout", u)
	}
	r := Send(t, "POST", u[i:], "", []byte(`{"card":"`+card+`"}`), nil)
	if r.Status != 200 {
		t.Fatalf("paying the setup Checkout: %d %s", r.Status, r.Body)
	}
}

// OnboardPayouts sets up the person's payouts as they would: a Connect
// Express account, its onboarding completed on the local Stripe's page
// (which sends account.updated), and the bus settled so that payouts has
// heard it.
func OnboardPayouts(t testing.TB, token string) {
	t.Helper()
	out := Call(t, "POST", "/v1/me/payout-account", token, "", 201)
	u, _ := out["onboardingUrl"].(string)
	i := strings.Index(u, "/local/connect/")
	if i < 0 {
		t.Fatalf("onboardingUrl %q is not the local Connect page", u)
	}
	if r := Send(t, "POST", u[i:], "", []byte(`{"result":"complete"}`), nil); r.Status != 200 {
		t.Fatalf("completing onboarding: %d %s", r.Status, r.Body)
	}
	if r := Send(t, "GET", "/local/events?detailType=PayoutAccountUpdated", "", nil, nil); r.Status != 200 {
		t.Fatalf("settling: %d %s", r.Status, r.Body)
	}
}
