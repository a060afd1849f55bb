package stripelocal

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v83"
	"github.com/stripe/stripe-go/v83/webhook"

	"github.com/souqhq/souq/shared/child"
)

// stripeMockURL is the one stripe-mock this test run starts.
var stripeMockURL string

// TestMain starts a real stripe-mock (bin/stripe-mock, built by make deps)
// for the whole run: the stand-in checks every request's shape with it.
func TestMain(m *testing.M) {
	bin := os.Getenv("SOUQ_STRIPE_MOCK")
	if bin == "" {
		bin = findUp(filepath.Join("bin", "stripe-mock"))
	}
	if bin == "" {
		fmt.Fprintln(os.Stderr, "stripe-mock not found in bin/: run make deps (or set SOUQ_STRIPE_MOCK)")
		os.Exit(1)
	}
	port, err := child.FreePort()
	if err == nil {
		var tls int
		if tls, err = child.FreePort(); err == nil {
			var proc *child.Process
			if proc, err = child.Start("stripe-mock", io.Discard, bin, "-http-addr", child.Addr(port), "-https-addr", child.Addr(tls)); err == nil {
				stripeMockURL = "http://" + child.Addr(port)
				if err = proc.WaitHTTP(context.Background(), stripeMockURL+"/v1/balance", 30*time.Second); err == nil {
					code := m.Run()
					proc.Stop(2 * time.Second)
					os.Exit(code)
				}
				proc.Stop(2 * time.Second)
			}
		}
	}
	fmt.Fprintln(os.Stderr, "start stripe-mock (run make deps):", err)
	os.Exit(1)
}

func findUp(rel string) string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if st, err := os.Stat(filepath.Join(dir, rel)); err == nil && !st.IsDir() {
			return filepath.Join(dir, rel)
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}

const testSecret = "whsec_stripelocaltest"

// received is an event as the receiver verified it.
type received struct {
	ID, Type string
	Object   map[string]any
}

// receiver is Souq's webhook endpoint as a test sees it: it checks each
// event's signature with stripe-go (as production does) and records it.
type receiver struct {
	mu     sync.Mutex
	events []received
	bad    []string
	status int // what it answers; 200 when 0
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ev, err := webhook.ConstructEvent(body, r.Header.Get("Stripe-Signature"), testSecret)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err != nil {
		rc.bad = append(rc.bad, err.Error())
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var obj map[string]any
	_ = json.Unmarshal(ev.Data.Raw, &obj)
	rc.events = append(rc.events, received{ID: ev.ID, Type: string(ev.Type), Object: obj})
	if rc.status != 0 {
		w.WriteHeader(rc.status)
	}
}

func (rc *receiver) types() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, e := range rc.events {
		out = append(out, e.Type)
	}
	return out
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.events...)
}

func (rc *receiver) answer(status int) {
	rc.mu.Lock()
	rc.status = status
	rc.mu.Unlock()
}

// standIn is a running stand-in: its API on its own listener, its pages
// served as the gateway would (pages), events to rc.
type standIn struct {
	*Server
	pages string
	rc    *receiver
	sc    *stripe.Client
}

func start(t *testing.T, now func() time.Time) *standIn {
	t.Helper()
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)
	mux := http.NewServeMux()
	pages := httptest.NewServer(mux)
	t.Cleanup(pages.Close)
	s, err := New(Config{PublicURL: pages.URL, WebhookURL: hook.URL, WebhookSecret: testSecret, StripeMockURL: stripeMockURL, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/local/", s.Pages())
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return &standIn{Server: s, pages: pages.URL, rc: rc, sc: stripeClient(s.URL)}
}

func stripeClient(url string) *stripe.Client {
	retries := int64(0)
	return stripe.NewClient("sk_test_stripelocal", stripe.WithBackends(stripe.NewBackendsWithConfig(&stripe.BackendConfig{
		URL: stripe.String(url), MaxNetworkRetries: &retries, EnableTelemetry: stripe.Bool(false),
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	})))
}

// call sends a request to the pages; body is JSON unless form is set.
func (si *standIn) call(t *testing.T, method, path, body string, form bool) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, si.pages+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if form {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// mustCall is call expecting a status, decoding a JSON answer into out.
func (si *standIn) mustCall(t *testing.T, method, path, body string, want int, out any) {
	t.Helper()
	status, _, b := si.call(t, method, path, body, false)
	if status != want {
		t.Fatalf("%s %s = %d %s, want %d", method, path, status, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

func (si *standIn) customer(t *testing.T) string {
	t.Helper()
	c, err := si.sc.V1Customers.Create(context.Background(), &stripe.CustomerCreateParams{Name: stripe.String("Acme Ads")})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// saveCard saves a test card to the customer through setup-mode Checkout
// (authenticating when the card asks) and returns its PaymentMethod.
func (si *standIn) saveCard(t *testing.T, customer, number string) string {
	t.Helper()
	ctx := context.Background()
	p := &stripe.CheckoutSessionCreateParams{Mode: stripe.String("setup"), Customer: stripe.String(customer), Currency: stripe.String("usd"),
		SuccessURL: stripe.String("https://souq.example/done?session={CHECKOUT_SESSION_ID}")}
	se, err := si.sc.V1CheckoutSessions.Create(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Status string }
	si.mustCall(t, "POST", "/local/checkout/"+se.ID, `{"card":"`+number+`"}`, 200, &out)
	if out.Status == "requires_action" {
		si.mustCall(t, "POST", "/local/checkout/"+se.ID+"/authenticate", `{"result":"pass"}`, 200, &out)
	}
	g := &stripe.CheckoutSessionRetrieveParams{}
	g.AddExpand("setup_intent")
	se, err = si.sc.V1CheckoutSessions.Retrieve(ctx, se.ID, g)
	if err != nil {
		t.Fatal(err)
	}
	if se.Status != stripe.CheckoutSessionStatusComplete || se.SetupIntent == nil || se.SetupIntent.PaymentMethod == nil {
		t.Fatalf("card %s not saved: %+v", number, se)
	}
	return se.SetupIntent.PaymentMethod.ID
}

// expectTypes checks the events received so far. Deliveries are
// synchronous (an event is delivered before the request that made it is
// answered), so there is nothing to wait for.
func (rc *receiver) expectTypes(t *testing.T, want ...string) {
	t.Helper()
	got := rc.types()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		rc.mu.Lock()
		bad := rc.bad
		rc.mu.Unlock()
		t.Fatalf("events = %v, want %v (refused signatures: %v)", got, want, bad)
	}
}
