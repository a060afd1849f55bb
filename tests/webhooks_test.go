package tests

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// hookReceiver is a customer's server on loopback: it verifies every
// delivery's signature itself, with the standard library, and answers 500
// to the first `fail` of them.
type hookReceiver struct {
	srv    *httptest.Server
	secret string
	mu     sync.Mutex
	ids    []string
	types  []string
	valid  []bool
	fail   int
}

func newHookReceiver(t *testing.T, fail int) *hookReceiver {
	h := &hookReceiver{fail: fail}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(h.secret, "whsec_"))
		m := hmac.New(sha256.New, key)
		m.Write([]byte(r.Header.Get("webhook-id") + "." + r.Header.Get("webhook-timestamp") + "." + string(body)))
		want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
		ok := false
		for _, s := range strings.Fields(r.Header.Get("webhook-signature")) {
			ok = ok || hmac.Equal([]byte(s), []byte(want))
		}
		var env struct{ Type string }
		_ = json.Unmarshal(body, &env)
		h.ids, h.types, h.valid = append(h.ids, r.Header.Get("webhook-id")), append(h.types, env.Type), append(h.valid, ok)
		if h.fail > 0 {
			h.fail--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) seen() ([]string, []string, []bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string{}, h.ids...), append([]string{}, h.types...), append([]bool{}, h.valid...)
}

type endpointView struct {
	ID, URL, Secret string
	Events          []string
	Enabled         bool
}

type deliveryView struct {
	ID, EventType, Status string
	Attempts, LastStatus  int
}

// An endpoint hears the events of what its owner owns, signed; a failing
// receiver is retried with the same webhook-id on the platform's clock;
// the deliveries API tells the story; another person's objects are never
// heard.
func TestWebhooks_SignedDeliveriesRetriesAndOwnership(t *testing.T) {
	_, token := newUser(t)
	recv := newHookReceiver(t, 1)
	// Bad endpoints are 400 and create nothing.
	for _, bad := range []string{
		`{"url":"ftp://127.0.0.1/x","events":["*"]}`, `{"url":"` + recv.srv.URL + `","events":[]}`,
		`{"url":"` + recv.srv.URL + `","events":["NoSuchEvent"]}`, `{"url":"` + recv.srv.URL + `","events":["LedgerTransferPosted"]}`,
		`{"events":["*"]}`, `{"url":"https://u:p@example.com/","events":["*"]}`,
	} {
		expect(t, do(t, call{method: "POST", path: "/v1/webhooks", auth: token, body: bad}), 400)
	}
	e := decode[endpointView](t, expect(t, do(t, call{method: "POST", path: "/v1/webhooks", auth: token,
		body: `{"url":"` + recv.srv.URL + `/souq","events":["CommunityCreated","AdvertiserCreated"],"description":"our CRM"}`}), 201))
	if !strings.HasPrefix(e.Secret, "whsec_") || !e.Enabled {
		t.Fatalf("created: %+v", e)
	}
	recv.mu.Lock()
	recv.secret = e.Secret
	recv.mu.Unlock()
	if got := decode[endpointView](t, expect(t, do(t, call{method: "GET", path: "/v1/webhooks/" + e.ID, auth: token}), 200)); got.Secret != "" {
		t.Fatal("a read shows the secret")
	}

	// The owner creates a community: delivered, signed; the first answer
	// is a 503, so it is retried 5 s later with the same webhook-id.
	createCommunity(t, token)
	events(t, "CommunityCreated")
	ids, types, valid := recv.seen()
	if len(ids) != 1 || types[0] != "CommunityCreated" || !valid[0] {
		t.Fatalf("first attempt: %v %v %v", ids, types, valid)
	}
	advance(t, 6*time.Second)
	ids, _, valid = recv.seen()
	if len(ids) != 2 || ids[1] != ids[0] || !valid[1] {
		t.Fatalf("the retry: %v %v", ids, valid)
	}
	ds := decode[struct{ Data []deliveryView }](t, expect(t, do(t, call{method: "GET", path: "/v1/webhooks/" + e.ID + "/deliveries", auth: token}), 200))
	if len(ds.Data) != 1 || ds.Data[0].Status != "succeeded" || ds.Data[0].Attempts != 2 || ds.Data[0].LastStatus != 204 || ds.Data[0].ID != ids[0] {
		t.Fatalf("deliveries: %+v", ds)
	}
	// Replay it: the same webhook-id once more.
	expect(t, do(t, call{method: "POST", path: "/v1/webhooks/" + e.ID + "/deliveries/" + ids[0] + "/replay", auth: token}), 200)
	if ids, _, _ = recv.seen(); len(ids) != 3 || ids[2] != ids[0] {
		t.Fatalf("replay: %v", ids)
	}

	// Another person's community and an unsubscribed event: nothing.
	_, other := newUser(t)
	createCommunity(t, other)
	createKey(t, token, "/v1/advertisers/"+createAdvertiser(t, token))
	events(t, "APIKeyCreated")
	_, types, _ = recv.seen()
	if len(types) != 4 || types[3] != "AdvertiserCreated" {
		t.Fatalf("heard: %v", types)
	}
	// Strangers cannot see, change or replay the endpoint.
	expect(t, do(t, call{method: "GET", path: "/v1/webhooks/" + e.ID, auth: other}), 404)
	expect(t, do(t, call{method: "GET", path: "/v1/webhooks/" + e.ID + "/deliveries", auth: other}), 404)
	expect(t, do(t, call{method: "POST", path: "/v1/webhooks/" + e.ID + "/deliveries/" + ids[0] + "/replay", auth: other}), 404)
	expect(t, do(t, call{method: "DELETE", path: "/v1/webhooks/" + e.ID, auth: other}), 404)
	// Rotation: the next delivery carries two signatures.
	rot := decode[endpointView](t, expect(t, do(t, call{method: "POST", path: "/v1/webhooks/" + e.ID + "/rotate-secret", auth: token}), 200))
	if rot.Secret == "" || rot.Secret == e.Secret {
		t.Fatalf("rotated: %+v", rot)
	}
	createAdvertiser(t, token)
	events(t, "AdvertiserCreated")
	if _, _, valid = recv.seen(); !valid[len(valid)-1] {
		t.Fatal("a delivery during the overlap must verify with the old secret")
	}
	expect(t, do(t, call{method: "POST", path: "/v1/webhooks/" + e.ID + "/disable", auth: token}), 200)
	before := len(valid)
	createAdvertiser(t, token)
	events(t, "AdvertiserCreated")
	if ids, _, _ = recv.seen(); len(ids) != before {
		t.Fatal("a disabled endpoint got a delivery")
	}
	expect(t, do(t, call{method: "DELETE", path: "/v1/webhooks/" + e.ID, auth: token}), 204)
	expect(t, do(t, call{method: "GET", path: "/v1/webhooks/" + e.ID, auth: token}), 404)
}

// The 20-endpoint limit holds under concurrency: it is counted in each
// registration's own transaction, and a deletion frees a place.
func TestWebhooks_TheLimitHoldsUnderConcurrentRegistrations(t *testing.T) {
	t.Parallel()
	_, token := newUser(t)
	body := `{"url":"https://hooks.example.com/souq","events":["*"]}`
	var first endpointView
	for i := 0; i < 10; i++ {
		first = decode[endpointView](t, expect(t, do(t, call{method: "POST", path: "/v1/webhooks", auth: token, body: body}), 201))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := do(t, call{method: "POST", path: "/v1/webhooks", auth: token, body: body})
			mu.Lock()
			codes[r.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	list := decode[struct{ Data []endpointView }](t, expect(t, do(t, call{method: "GET", path: "/v1/webhooks?limit=100", auth: token}), 200))
	if len(list.Data) != 20 || codes[201] != 10 || codes[409]+codes[201] != 20 {
		t.Fatalf("%d endpoints after 20 concurrent registrations on top of 10 (answers %v)", len(list.Data), codes)
	}
	expect(t, do(t, call{method: "POST", path: "/v1/webhooks", auth: token, body: body}), 409)
	expect(t, do(t, call{method: "DELETE", path: "/v1/webhooks/" + first.ID, auth: token}), 204)
	expect(t, do(t, call{method: "POST", path: "/v1/webhooks", auth: token, body: body}), 201)
	expect(t, do(t, call{method: "POST", path: "/v1/webhooks", auth: token, body: body}), 409)
}

// A receiver that verifies with the official Standard Webhooks library
// (five minutes of tolerance) accepts every delivery, even after the
// platform's clock was moved on by days: the webhook-timestamp is the
// wall-clock time of the attempt. The retries still run on the
// platform's clock.
func TestWebhooks_TheOfficialLibraryVerifiesAfterTheClockMoves(t *testing.T) {
	_, token := newUser(t)
	var mu sync.Mutex
	var verdicts []error
	var wh *standardwebhooks.Webhook
	fail := 1
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		err := wh.Verify(body, r.Header)
		verdicts = append(verdicts, err)
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if fail > 0 {
			fail--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	e := decode[endpointView](t, expect(t, do(t, call{method: "POST", path: "/v1/webhooks", auth: token,
		body: `{"url":"` + srv.URL + `/souq","events":["CommunityCreated"]}`}), 201))
	lib, err := standardwebhooks.NewWebhook(e.Secret)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	wh = lib
	mu.Unlock()
	advance(t, 3*24*time.Hour)
	createCommunity(t, token)
	events(t, "CommunityCreated")
	advance(t, 6*time.Second) // the retry after the 503, on the platform's clock
	ds := decode[struct{ Data []deliveryView }](t, expect(t, do(t, call{method: "GET", path: "/v1/webhooks/" + e.ID + "/deliveries", auth: token}), 200))
	mu.Lock()
	defer mu.Unlock()
	if len(verdicts) != 2 || verdicts[0] != nil || verdicts[1] != nil {
		t.Fatalf("the library's verdicts: %v", verdicts)
	}
	if len(ds.Data) != 1 || ds.Data[0].Status != "succeeded" || ds.Data[0].Attempts != 2 {
		t.Fatalf("deliveries: %+v", ds.Data)
	}
}
