package webhooks_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/store/storetest"
	wh "github.com/souqhq/souq/shared/webhooks"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// t0 is a fixed day far in the future: DynamoDB Local expires items by TTL against the
// real clock.
var t0 = time.Date(2039, time.January, 31, 12, 0, 0, 0, time.UTC)

// The Standard Webhooks specification's published test vector.
func TestSign_KnownVector(t *testing.T) {
	got, err := wh.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil || got != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Fatalf("signature %q %v", got, err)
	}
	if _, err := wh.Sign("m", 1, nil, "whsec_not base64!"); err == nil {
		t.Fatal("a bad secret signs")
	}
	s := wh.NewSecret()
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
	if !strings.HasPrefix(s, "whsec_") || err != nil || len(raw) != 24 || s == wh.NewSecret() {
		t.Fatalf("secret %q", s)
	}
}

func TestVault_SealsBoundToTheEndpoint(t *testing.T) {
	v, err := wh.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	sealed := v.Seal("wh_1", "whsec_abc")
	if strings.Contains(sealed, "whsec_abc") {
		t.Fatal("sealed in the clear")
	}
	if got, err := v.Open("wh_1", sealed); err != nil || got != "whsec_abc" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := v.Open("wh_2", sealed); err == nil {
		t.Fatal("a secret opened on another endpoint")
	}
}

// resolver answers from a table, as DNS would.
type resolver map[string][]netip.Addr

func (r resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	return r[host], nil
}

// The AWS setting refuses every address a delivery must not reach, by URL
// and at the moment of the delivery (a hostname that resolves to one).
func TestPolicy_RefusesPrivateLoopbackLinkLocalAndMetadata(t *testing.T) {
	aws := wh.Policy{}
	for _, u := range []string{
		"http://example.com/hook", "ftp://example.com/", "https://user:pw@example.com/", "https://localhost/hook",
		"https://127.0.0.1/", "https://10.0.0.8/", "https://172.16.4.2/", "https://192.168.1.1/", "https://169.254.169.254/latest/meta-data",
		"https://0.0.0.0/", "https://100.64.0.1/", "https://[::1]/", "https://[fe80::1]/", "https://[fc00::1]/", "https://[fd00:ec2::254]/",
		"https://[::ffff:127.0.0.1]/", "https://[::ffff:10.0.0.1]/", "https://[64:ff9b::a00:1]/", "https://[::]/", "/relative", "https://",
	} {
		if err := aws.CheckURL(u); fault.KindOf(err) != fault.Invalid {
			t.Errorf("%s: %v, want refused", u, err)
		}
	}
	for _, u := range []string{"https://hooks.example.com/souq", "https://93.184.216.34/x", "https://[2606:4700::1111]/"} {
		if err := aws.CheckURL(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	local := wh.Policy{AllowInsecure: true}
	if err := local.CheckURL("http://127.0.0.1:9999/hook"); err != nil {
		t.Fatalf("locally, loopback is allowed: %v", err)
	}
	// At delivery: a public-looking name that resolves to a private
	// address is refused, and nothing is sent.
	var hits atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer recv.Close()
	_, port, _ := strings.Cut(strings.TrimPrefix(recv.URL, "http://"), ":")
	for name, ips := range map[string][]netip.Addr{
		"rebind.example": {netip.MustParseAddr("127.0.0.1")},
		"mixed.example":  {netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("10.1.2.3")},
		"v6.example":     {netip.MustParseAddr("::1")},
	} {
		p := wh.Policy{Resolver: resolver{name: ips}}
		_, err := p.Client().Get("http://" + name + ":" + port + "/")
		if err == nil || !strings.Contains(err.Error(), "may not reach") {
			t.Errorf("%s → %v: %v", name, ips, err)
		}
	}
	if hits.Load() != 0 {
		t.Fatal("a refused address was reached")
	}
}

// scheduler keeps retry schedules; due runs those whose time has come.
type scheduler struct {
	mu   sync.Mutex
	jobs map[string]job
}

type job struct {
	at      time.Time
	payload json.RawMessage
}

func (f *scheduler) Once(_ context.Context, name string, at time.Time, _ string, payload json.RawMessage) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.jobs[name]; !ok {
		f.jobs[name] = job{at, payload}
	}
	return nil
}
func (f *scheduler) Cancel(context.Context, string) error { return nil }

type world struct {
	t     *testing.T
	svc   *wh.Service
	clock *clock.Fake
	sched *scheduler
	alice auth.Principal // owns com_a and adv_a, and is the influencer usr_alice
	bob   auth.Principal // owns com_b and adv_b
	seq   int
}

func newWorld(t *testing.T) *world {
	t.Helper()
	db := storetest.New(t)
	vault, _ := wh.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	w := &world{t: t, clock: clock.NewFake(t0), sched: &scheduler{jobs: map[string]job{}},
		alice: auth.Principal{Kind: auth.KindUser, UserID: "usr_alice"}, bob: auth.Principal{Kind: auth.KindUser, UserID: "usr_bob"}}
	w.svc = wh.NewService(wh.NewRepository(db), vault, w.sched, w.clock, wh.Policy{AllowInsecure: true}, wh.Config{Self: "webhooks"})
	w.publish(&events.CommunityCreated{CommunityID: "com_a", OwnerID: "usr_alice", Currency: "USD"})
	w.publish(&events.CommunityCreated{CommunityID: "com_b", OwnerID: "usr_bob", Currency: "USD"})
	w.publish(&events.AdvertiserCreated{AdvertiserID: "adv_a", OwnerID: "usr_alice", Currency: "USD"})
	w.publish(&events.AdvertiserCreated{AdvertiserID: "adv_b", OwnerID: "usr_bob", Currency: "USD"})
	return w
}

// publish delivers an event to the webhooks context as the bus would.
func (w *world) publish(ev events.Event) string {
	w.t.Helper()
	w.seq++
	m := ev.Base()
	if m.EventID == "" {
		m.EventID = "evt_" + strings.Repeat("0", 3) + string(rune('a'+w.seq%26)) + time.Duration(w.seq).String()
	}
	m.OccurredAt, m.SchemaVersion = clock.Format(w.clock.Now()), 1
	d, _ := json.Marshal(ev)
	if err := w.svc.HandleEvent(context.Background(), lambdaevents.EventBridgeEvent{DetailType: ev.DetailType(), Source: ev.Source(), Detail: d}); err != nil {
		w.t.Fatal(err)
	}
	return m.EventID
}

// receiver records deliveries; fail says how many to answer 500 first.
type receiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []http.Header
	body [][]byte
	fail int
	// hold, when set, keeps each answer until it is closed.
	hold chan struct{}
	// arrived has a value for each delivery received (recorded first).
	arrived chan struct{}
}

func newReceiver(t *testing.T, fail int, delay time.Duration) *receiver {
	r := &receiver{fail: fail, arrived: make(chan struct{}, 1024)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		time.Sleep(delay)
		if r.hold != nil {
			<-r.hold // answers only once the test lets it
		}
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got, r.body = append(r.got, req.Header.Clone()), append(r.body, b)
		select {
		case r.arrived <- struct{}{}:
		default:
		}
		if r.fail > 0 {
			r.fail--
			w.WriteHeader(500)
			return
		}
		w.WriteHeader(204)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func (w *world) endpoint(p auth.Principal, url string, evs ...string) wh.EndpointView {
	w.t.Helper()
	v, err := w.svc.CreateEndpoint(context.Background(), p, wh.EndpointInput{URL: &url, Events: evs})
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

// verify checks a delivery's signature with the standard library alone,
// as a receiver would.
func verify(secret string, h http.Header, body []byte) bool {
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	m := hmac.New(sha256.New, key)
	m.Write([]byte(h.Get("webhook-id") + "." + h.Get("webhook-timestamp") + "." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return true
		}
	}
	return false
}

// runDue fires every retry whose time has come.
func (w *world) runDue() {
	w.t.Helper()
	w.sched.mu.Lock()
	var due []json.RawMessage
	for name, j := range w.sched.jobs {
		if !w.clock.Now().Before(j.at) {
			due = append(due, j.payload)
			delete(w.sched.jobs, name)
		}
	}
	w.sched.mu.Unlock()
	for _, p := range due {
		if err := w.svc.HandleScheduled(context.Background(), p); err != nil {
			w.t.Fatal(err)
		}
	}
}

// Delivery, retries with a failing receiver (the same webhook-id every
// time, each signed), the dead letter, and replay.
func TestDelivery_RetryDeadLetterReplay(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	r := newReceiver(t, 100, 0)
	e := w.endpoint(w.alice, r.srv.URL+"/hook", "AuctionOpened")
	w.publish(&events.AuctionOpened{AuctionID: "auc_1", CommunityID: "com_a"})
	for i := range wh.Retries {
		w.clock.Advance(wh.Retries[i] + wh.Retries[i]/5) // past any jitter
		w.runDue()
	}
	if r.count() != len(wh.Retries)+1 {
		t.Fatalf("%d attempts, want %d", r.count(), len(wh.Retries)+1)
	}
	id := r.got[0].Get("webhook-id")
	for i, h := range r.got {
		if h.Get("webhook-id") != id || !verify(e.Secret, h, r.body[i]) {
			t.Fatalf("attempt %d: id %q, signature valid %v", i, h.Get("webhook-id"), verify(e.Secret, h, r.body[i]))
		}
	}
	var env wh.Envelope
	if err := json.Unmarshal(r.body[0], &env); err != nil || env.Type != "AuctionOpened" || !strings.Contains(string(env.Data), `"auc_1"`) || env.Timestamp == "" {
		t.Fatalf("envelope: %s", r.body[0])
	}
	ds, _, err := w.svc.Deliveries(ctx, w.alice, e.ID, 10, "")
	if err != nil || len(ds) != 1 || ds[0].Status != wh.Dead || ds[0].Attempts != 8 || ds[0].LastStatus != 500 {
		t.Fatalf("dead-lettered: %+v %v", ds, err)
	}
	// The receiver is fixed: replay the one, then all dead since.
	r.mu.Lock()
	r.fail = 0
	r.mu.Unlock()
	got, err := w.svc.Replay(ctx, w.alice, e.ID, ds[0].ID)
	if err != nil || got.Status != wh.Succeeded {
		t.Fatalf("replay: %+v %v", got, err)
	}
	if r.got[len(r.got)-1].Get("webhook-id") != id {
		t.Fatal("a replay keeps the webhook-id")
	}
	if _, err := w.svc.Replay(ctx, w.bob, e.ID, ds[0].ID); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("another person replays: %v", err)
	}
	r.mu.Lock()
	r.fail = 100
	r.mu.Unlock()
	w.publish(&events.AuctionOpened{AuctionID: "auc_2", CommunityID: "com_a"})
	w.publish(&events.AuctionOpened{AuctionID: "auc_3", CommunityID: "com_a"})
	for i := range wh.Retries {
		w.clock.Advance(wh.Retries[i] + wh.Retries[i]/5)
		w.runDue()
	}
	r.mu.Lock()
	r.fail = 0
	r.mu.Unlock()
	n, err := w.svc.ReplayDead(ctx, w.alice, e.ID, t0)
	if err != nil || n != 2 {
		t.Fatalf("replayed %d: %v", n, err)
	}
	ds, _, _ = w.svc.Deliveries(ctx, w.alice, e.ID, 10, "")
	for _, d := range ds {
		if d.Status != wh.Succeeded {
			t.Fatalf("after replay: %+v", d)
		}
	}
}

// A redelivered event is not sent again; a success needs no retry.
func TestDelivery_OnceForARedeliveredEvent(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := newReceiver(t, 0, 0)
	w.endpoint(w.alice, r.srv.URL, "*")
	ev := &events.AuctionCancelled{Meta: events.Meta{EventID: "evt_same"}, AuctionID: "auc_1", CommunityID: "com_a"}
	w.publish(ev)
	w.publish(ev)
	if r.count() != 1 || len(w.sched.jobs) != 0 {
		t.Fatalf("%d deliveries, %d retries scheduled", r.count(), len(w.sched.jobs))
	}
}

// An endpoint hears what happened after it was made, however late the
// event comes (a retry, a redriven dead letter, an archive's replay): the
// simulation found a new endpoint receiving a community's creation five
// weeks old.
func TestDelivery_NothingFromBeforeTheEndpointExisted(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := newReceiver(t, 0, 0)
	w.endpoint(w.alice, r.srv.URL, "*")
	send := func(id string, at time.Time) {
		ev := &events.AuctionCancelled{Meta: events.Meta{EventID: id, OccurredAt: clock.Format(at), SchemaVersion: 1}, AuctionID: "auc_1", CommunityID: "com_a"}
		d, _ := json.Marshal(ev)
		if err := w.svc.HandleEvent(context.Background(), lambdaevents.EventBridgeEvent{DetailType: ev.DetailType(), Source: ev.Source(), Detail: d}); err != nil {
			t.Fatal(err)
		}
	}
	send("evt_before", w.clock.Now().Add(-time.Hour))
	if r.count() != 0 {
		t.Fatalf("an event from an hour before the endpoint existed was delivered to it")
	}
	send("evt_same_instant", w.clock.Now())
	if r.count() != 1 {
		t.Fatalf("%d deliveries of an event of the endpoint's own instant, want 1", r.count())
	}
}

// Who hears what, for every event type of the contract: alice's endpoint
// hears events about her objects and never bob's.
func TestAudience_EveryEventTypeGoesOnlyToItsOwners(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := newReceiver(t, 0, 0)
	w.endpoint(w.alice, r.srv.URL, "*")
	samples, err := filepath.Glob("../../events/samples/*.json")
	if err != nil || len(samples) < 30 {
		t.Fatalf("samples: %d %v", len(samples), err)
	}
	// alice's ids in place of the samples' ids; then bob's.
	as := func(who, dt string, raw []byte) []byte {
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		for k, v := range m {
			s, _ := v.(string)
			switch {
			case k == "communityId" || k == "ownerId" && m["ownerKind"] == "community":
				m[k] = "com_" + who[:1]
			case k == "advertiserId" || k == "winnerAdvertiserId" || k == "payerId" && m["payerKind"] == "advertiser":
				m[k] = "adv_" + who[:1]
			case k == "payerId" && m["payerKind"] == "community":
				m[k] = "com_" + who[:1]
			case k == "ownerId" || k == "influencerId" || k == "userId" || k == "payerId":
				m[k] = "usr_" + who
			case k == "eventId":
				m[k] = s + dt + who
			case k == "occurredAt":
				m[k] = clock.Format(w.clock.Now()) // after the endpoint was made
			}
		}
		b, _ := json.Marshal(m)
		return b
	}
	heard := map[string]bool{}
	for _, f := range samples {
		dt := strings.TrimSuffix(filepath.Base(f), ".json")
		raw, _ := os.ReadFile(f)
		for _, who := range []string{"bob", "alice"} {
			before := r.count()
			if err := w.svc.HandleEvent(context.Background(), lambdaevents.EventBridgeEvent{DetailType: dt, Detail: as(who, dt, raw)}); err != nil {
				t.Fatal(err)
			}
			got := r.count() > before
			if who == "bob" && got {
				t.Errorf("%s about bob's objects reached alice", dt)
			}
			if who == "alice" {
				heard[dt] = got
			}
		}
	}
	for dt, got := range heard {
		want := dt != "LedgerTransferPosted" && dt != "CampaignMetered" // postings, and serving's counts for billing: nobody's
		if got != want {
			t.Errorf("%s about alice's objects: delivered %v, want %v", dt, got, want)
		}
	}
	// Bids are sealed: a bid on alice's community's auction by bob's
	// advertiser goes to bob, not to alice.
	before := r.count()
	w.publish(&events.BidPlaced{AuctionID: "auc_1", BidID: "bid_1", AdvertiserID: "adv_b", CommunityID: "com_a"})
	if r.count() != before {
		t.Fatal("a community's owner heard another advertiser's sealed bid")
	}
}

// Rotation: during the overlap, deliveries carry both signatures; after
// it, only the new secret signs.
func TestRotation_BothSecretsSignDuringTheOverlap(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	r := newReceiver(t, 0, 0)
	e := w.endpoint(w.alice, r.srv.URL, "AuctionOpened")
	rot, err := w.svc.RotateSecret(ctx, w.alice, e.ID)
	if err != nil || rot.Secret == "" || rot.Secret == e.Secret {
		t.Fatalf("rotate: %+v %v", rot, err)
	}
	if got, _ := w.svc.GetEndpoint(ctx, w.alice, e.ID); got.Secret != "" {
		t.Fatal("a read shows the secret")
	}
	w.publish(&events.AuctionOpened{AuctionID: "auc_1", CommunityID: "com_a"})
	h, b := r.got[0], r.body[0]
	if len(strings.Fields(h.Get("webhook-signature"))) != 2 || !verify(e.Secret, h, b) || !verify(rot.Secret, h, b) {
		t.Fatalf("during the overlap: %q", h.Get("webhook-signature"))
	}
	w.clock.Advance(wh.RotationOverlap)
	w.publish(&events.AuctionOpened{AuctionID: "auc_2", CommunityID: "com_a"})
	h, b = r.got[1], r.body[1]
	if len(strings.Fields(h.Get("webhook-signature"))) != 1 || verify(e.Secret, h, b) || !verify(rot.Secret, h, b) {
		t.Fatalf("after the overlap: %q", h.Get("webhook-signature"))
	}
}

// A slow endpoint does not delay the others.
func TestDelivery_ASlowEndpointDelaysNoOther(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// The slow endpoint answers only when the test lets it: the fast one
	// must have its delivery while the slow one still waits, however
	// slow the machine.
	slow, fast := newReceiver(t, 0, 0), newReceiver(t, 0, 0)
	slow.hold = make(chan struct{})
	w.endpoint(w.alice, slow.srv.URL, "AuctionOpened")
	w.endpoint(w.alice, fast.srv.URL, "AuctionOpened")
	done := make(chan struct{})
	go func() { w.publish(&events.AuctionOpened{AuctionID: "auc_1", CommunityID: "com_a"}); close(done) }()
	select {
	case <-fast.arrived:
	case <-time.After(30 * time.Second): // a bound on waiting, not a figure under test
	}
	if fast.count() != 1 || slow.count() != 0 {
		t.Fatalf("while the slow endpoint waits: fast %d, slow %d", fast.count(), slow.count())
	}
	close(slow.hold)
	<-done
	if slow.count() != 1 {
		t.Fatal("the slow endpoint got its delivery too")
	}
}

// An endpoint failing every delivery for 5 days is disabled, and its
// owner is told on its other endpoints.
func TestEndpoint_DisabledAfterFiveDaysOfFailures(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	broken, ok := newReceiver(t, 1_000, 0), newReceiver(t, 0, 0)
	e := w.endpoint(w.alice, broken.srv.URL, "AuctionOpened")
	w.endpoint(w.alice, ok.srv.URL, "WebhookEndpointDisabled")
	for day := 0; day <= 5; day++ {
		w.publish(&events.AuctionOpened{AuctionID: "auc_x", CommunityID: "com_a", Meta: events.Meta{EventID: "evt_day" + string(rune('0'+day))}})
		w.clock.Advance(24 * time.Hour)
	}
	got, _ := w.svc.GetEndpoint(ctx, w.alice, e.ID)
	if got.Enabled || got.DisabledReason == "" {
		t.Fatalf("after 5 days of failures: %+v", got)
	}
	// The outbox has the event; the bus would bring it back here.
	w.publish(&events.WebhookEndpointDisabled{EndpointID: e.ID, OwnerID: "usr_alice", URL: e.URL, Reason: got.DisabledReason})
	if ok.count() != 1 {
		t.Fatal("the owner was not told")
	}
	before := broken.count()
	w.publish(&events.AuctionOpened{AuctionID: "auc_y", CommunityID: "com_a"})
	if broken.count() != before {
		t.Fatal("a disabled endpoint got a delivery")
	}
	if e2, _ := w.svc.SetEnabled(ctx, w.alice, e.ID, true); !e2.Enabled || e2.FailingSince != "" {
		t.Fatalf("enabled again: %+v", e2)
	}
}

func TestEndpoints_ValidationOwnershipAndLimits(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	awsPolicy := wh.NewService(nil, nil, nil, w.clock, wh.Policy{}, wh.Config{})
	bad := "http://127.0.0.1/hook"
	if _, err := awsPolicy.CreateEndpoint(ctx, w.alice, wh.EndpointInput{URL: &bad, Events: []string{"*"}}); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("the AWS setting took a loopback URL: %v", err)
	}
	u := "https://hooks.example.com/souq"
	for name, in := range map[string]wh.EndpointInput{
		"no url":          {Events: []string{"*"}},
		"no events":       {URL: &u},
		"unknown event":   {URL: &u, Events: []string{"AuctionExploded"}},
		"ledger postings": {URL: &u, Events: []string{"LedgerTransferPosted"}},
	} {
		if _, err := w.svc.CreateEndpoint(ctx, w.alice, in); fault.KindOf(err) != fault.Invalid {
			t.Errorf("%s: %v", name, err)
		}
	}
	e := w.endpoint(w.alice, u, "PayoutPaid", "PayoutPaid", "AuctionClosed")
	if len(e.Events) != 2 || !strings.HasPrefix(e.Secret, "whsec_") {
		t.Fatalf("created: %+v", e)
	}
	if _, err := w.svc.GetEndpoint(ctx, w.bob, e.ID); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("bob reads alice's endpoint: %v", err)
	}
	if _, err := w.svc.UpdateEndpoint(ctx, w.bob, e.ID, wh.EndpointInput{Events: []string{"*"}}); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("bob edits alice's endpoint: %v", err)
	}
	if err := w.svc.DeleteEndpoint(ctx, w.bob, e.ID); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("bob deletes alice's endpoint: %v", err)
	}
	if up, err := w.svc.UpdateEndpoint(ctx, w.alice, e.ID, wh.EndpointInput{Events: []string{"*"}}); err != nil || up.Events[0] != "*" {
		t.Fatalf("update: %+v %v", up, err)
	}
	key := auth.Principal{Kind: auth.KindClient, AccountKind: auth.AccountCommunity, AccountID: "com_a"}
	if _, err := w.svc.CreateEndpoint(ctx, key, wh.EndpointInput{URL: &u, Events: []string{"*"}}); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("an API key registers: %v", err)
	}
	if err := w.svc.DeleteEndpoint(ctx, w.alice, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.GetEndpoint(ctx, w.alice, e.ID); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("deleted: %v", err)
	}
}

// Redirects are not followed: a 3xx is a failed attempt, and its target
// is never reached.
func TestDelivery_RedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	target := newReceiver(t, 0, 0)
	redirect := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		http.Redirect(rw, r, target.srv.URL, http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	e := w.endpoint(w.alice, redirect.URL, "AuctionOpened")
	w.publish(&events.AuctionOpened{AuctionID: "auc_1", CommunityID: "com_a"})
	ds, _, err := w.svc.Deliveries(context.Background(), w.alice, e.ID, 10, "")
	if err != nil || len(ds) != 1 || ds[0].Status != wh.Pending || ds[0].LastStatus != 307 || target.count() != 0 {
		t.Fatalf("a redirect: %+v %v, target reached %d times", ds, err, target.count())
	}
}
