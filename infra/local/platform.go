package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/souqhq/souq/infra/local/stripelocal"
	"github.com/souqhq/souq/shared/accounts"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/child"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/creatives"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/dynamolocal"
	"github.com/souqhq/souq/shared/topology"
)

// Options configure a platform.
type Options struct {
	// Addr is the gateway's listen address; it must be on loopback.
	// "127.0.0.1:0" picks a free port.
	Addr string
	// DynamoEndpoint uses a running DynamoDB Local instead of starting one.
	DynamoEndpoint string
	// TablePrefix names this platform's tables; tests use a unique one.
	TablePrefix string
	// StripeMock starts stripe-mock and, over it, the local Stripe
	// (stripelocal): the payment rail, Checkout, cards, Connect and
	// Stripe's events.
	StripeMock bool
	// Seed creates the demo owner, advertiser, influencer and their accounts.
	Seed bool
	// RateLimits gives every principal its own token bucket per route (the
	// route's throttle, or topology.DefaultThrottle): a flood gets 429 with
	// Retry-After. make run turns it on; the black-box suite, which
	// measures concurrency, leaves it off.
	RateLimits bool
	// WrapDB, when set, wraps the DynamoDB access every function uses (the
	// capacity suite meters it).
	WrapDB func(*store.DB) *store.DB
	// WrapRelay, when set, wraps the relay's stream handler (the fault
	// suite kills it between PutEvents and its checkpoint).
	WrapRelay func(RelayHandler) RelayHandler
	// WrapGateway, when set, wraps the platform's HTTP handler (the
	// simulation marks a request whose function it stops mid-way).
	WrapGateway func(http.Handler) http.Handler
	// WrapInvoke, when set, gives the context of each event delivery and
	// scheduled invocation of a target function (the simulation marks
	// some to stop mid-way).
	WrapInvoke func(ctx context.Context, target string) context.Context
	// StateDir receives local.json and env when seeding ("" writes nothing).
	StateDir string
	// JWTKey signs local tokens; random when empty.
	JWTKey []byte
	// Log receives the functions' JSON logs; ChildLog the helpers' output.
	Log      *slog.Logger
	ChildLog io.Writer
	// BusAttempts and BusBackoff shape event delivery retries.
	BusAttempts int
	BusBackoff  time.Duration
	// Env, when set, is read for the functions' settings as the stack's
	// environment is in AWS (wire.SettingsFromEnv), before the local ones
	// (stage, URLs, keys) are laid over it: a suite sets a small
	// SOUQ_MAX_VIEWS_PER_SOURCE_DAY through it.
	Env func(string) string
	// Lottery, when set, draws serving's campaign lottery: a simulation
	// seeds it, so that which campaign a slot shows is the seed's.
	Lottery *mathrand.Rand
	// Start, when set, is where the platform's clock starts (it then runs
	// on and moves forward as usual): suites whose pages or figures depend
	// on the date run at fixed dates, never on today's.
	Start time.Time
	// Runtime is how the functions run: RuntimeInProcess ("", the
	// default) or RuntimeRIE, each function's real bootstrap under the
	// Lambda Runtime Interface Emulator (SOUQ_RUNTIME=rie; rieplatform.go).
	Runtime string
	// RIEDir is where RuntimeRIE builds the bootstraps (<name>/bootstrap);
	// empty: a temporary directory, removed on Close.
	RIEDir string
	// RIEBootstraps, when set, are the functions' bootstraps by name,
	// already built (BuildBootstraps): a suite builds them once for every
	// platform it starts.
	RIEBootstraps map[string]string
}

// Platform is a running local Souq.
type Platform struct {
	gateway       *Gateway
	BaseURL       string
	StripeMockURL string
	Demo          *Demo
	Clock         *clock.Offset
	Bus           *Bus
	Scheduler     *Scheduler
	Tokens        auth.HMACKeys
	Functions     map[string]*Function
	DB            *store.DB
	// Rail is Stripe as the functions use it (payments.Stripe on the
	// local Stripe), behind a switch that fails on command: the functions'
	// Rail and Payments both. Nil without stripe-mock.
	Rail *payments.Switchable
	// Stripe is the local Stripe (DESIGN §15): its API on its own loopback
	// listener (StripeURL, where stripe-go points), its hosted pages and
	// test controls on the gateway (/local/checkout/, /local/connect/,
	// /local/stripe/). It signs the events it sends to
	// BaseURL/v1/stripe/events with StripeWebhookSecret, which the
	// functions verify them with. Nil without stripe-mock.
	Stripe              *stripelocal.Server
	StripeURL           string
	StripeWebhookSecret string
	// Creatives are the hosted creatives' bytes, which the gateway serves
	// at /creatives/ as CloudFront serves the bucket in AWS.
	Creatives *creatives.Memory

	// RIE runs the functions' binaries (RuntimeRIE only; nil otherwise).
	RIE *RIE
	// aws serves the AWS APIs the binaries call (RuntimeRIE only), and
	// originSecret is what the gateway sends them as CloudFront would.
	aws          *awsStandIn
	originSecret string
	rieTemp      string
	// rieClock is the file the platform's clock is told in for the
	// binaries (clock.Follow), in rieClockDir.
	rieClock, rieClockDir string

	poller     *StreamPoller
	server     *http.Server
	listener   net.Listener
	ddb        *dynamolocal.Server
	stripeMock *child.Process
	cancel     context.CancelFunc
	done       chan struct{}
	accounts   *accounts.Service
	ledger     *ledger.Ledger
	oidc       *issuer
	// houseAdvertiserID is the demo owner's advertiser account, whose
	// creative the demo slot's house ad is.
	houseAdvertiserID string
}

// ErrAddrInUse is returned when the gateway's address is taken.
var ErrAddrInUse = errors.New("address in use")

// Listen opens the gateway's socket, refusing non-loopback addresses.
func Listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("SOUQ_ADDR %q: %w", addr, err)
	}
	if host != "localhost" {
		ip := net.ParseIP(host)
		if ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("SOUQ_ADDR %q: the local platform listens on loopback only (127.0.0.1)", addr)
		}
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, errAddrInUseSyscall) {
			return nil, fmt.Errorf("%w: %s", ErrAddrInUse, addr)
		}
		return nil, err
	}
	return l, nil
}

// Start brings the platform up. On error everything already started is
// stopped again.
func Start(ctx context.Context, opts Options) (p *Platform, err error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:8080"
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.ChildLog == nil {
		opts.ChildLog = io.Discard
	}
	if opts.BusAttempts == 0 {
		opts.BusAttempts = 3
	}
	if opts.BusBackoff == 0 {
		opts.BusBackoff = 20 * time.Millisecond
	}
	if opts.TablePrefix == "" {
		opts.TablePrefix = "souq_"
	}
	if opts.Runtime != "" && opts.Runtime != RuntimeInProcess && opts.Runtime != RuntimeRIE {
		return nil, fmt.Errorf("runtime %q: it is %q or %q", opts.Runtime, RuntimeInProcess, RuntimeRIE)
	}
	if len(opts.JWTKey) == 0 {
		opts.JWTKey = make([]byte, 32)
		_, _ = rand.Read(opts.JWTKey)
	}
	p = &Platform{Clock: clock.StartingAt(opts.Start), done: make(chan struct{})}
	started := p.Clock.Now() // recurring schedules count from here, not from when set-up ends
	defer func() {
		if err != nil {
			p.Close()
			p = nil
		}
	}()
	p.listener, err = Listen(opts.Addr)
	if err != nil {
		return p, err
	}
	p.BaseURL = "http://" + p.listener.Addr().String()
	if p.oidc, err = newIssuer(p); err != nil {
		return p, err
	}

	endpoint := opts.DynamoEndpoint
	if endpoint == "" {
		p.ddb, err = dynamolocal.Start(ctx, opts.ChildLog)
		if err != nil {
			return p, err
		}
		endpoint = p.ddb.Endpoint
	}
	if opts.StripeMock {
		if err = p.startStripeMock(ctx, opts.ChildLog); err != nil {
			return p, err
		}
		if err = p.startStripe(opts.Log); err != nil {
			return p, err
		}
	}

	top := topology.Souq()
	client, err := store.NewClient(ctx, store.ClientConfig{Endpoint: endpoint})
	if err != nil {
		return p, err
	}
	names := store.PrefixedNames(opts.TablePrefix, top.TableNames())
	if err = store.CreateTables(ctx, client, top.Tables, names); err != nil {
		return p, fmt.Errorf("create tables (is another Souq using prefix %q on this DynamoDB?): %w", opts.TablePrefix, err)
	}
	p.DB = store.NewDB(client, names)
	if opts.WrapDB != nil {
		p.DB = opts.WrapDB(p.DB) // e.g. a capacity meter around every function's client
	}

	p.Tokens = auth.HMACKeys{Key: opts.JWTKey, Issuer: auth.LocalIssuer, Now: p.Clock.Now}
	if p.Bus, err = NewBus(top.Rules, p.Clock, opts.Log.With("component", "bus"), opts.BusAttempts, opts.BusBackoff); err != nil {
		return p, err
	}
	if p.Scheduler, err = NewScheduler(p.Clock, started, top.Schedules, opts.Log.With("component", "scheduler")); err != nil {
		return p, err
	}
	// The functions' Rail and Payments are one object (as in AWS, one
	// *payments.Stripe), so that FailNext and the counts see every call.
	// Left nil (not a nil *Switchable) without stripe-mock: money routes
	// then answer 503.
	var rail payments.Rail
	var gateway payments.Gateway
	var stripeSecrets []string
	if p.Stripe != nil {
		// The local Stripe answers with real statuses, not fixtures.
		p.Rail = &payments.Switchable{Gateway: payments.NewStripe(payments.StripeConfig{
			SecretKey: "sk_test_souqlocalplatform", BaseURL: p.StripeURL, StripeMock: false,
		})}
		rail, gateway, stripeSecrets = p.Rail, p.Rail, []string{p.StripeWebhookSecret}
	}
	p.ledger = ledger.New(p.DB)
	clickKey := make([]byte, 32)
	if _, err := rand.Read(clickKey); err != nil {
		return p, err
	}
	rie := opts.Runtime == RuntimeRIE
	if rie {
		// The binaries read it from Secrets Manager, as text.
		clickKey = []byte(hex.EncodeToString(clickKey))
	}
	p.Creatives = &creatives.Memory{Base: p.BaseURL + "/" + creatives.Prefix}
	if p.Functions, err = wireAll(deps{top: top, db: p.DB, clock: p.Clock, log: opts.Log, tokens: p.Tokens, bus: p.Bus, sched: p.Scheduler, rail: rail,
		payments: gateway, stripeSecrets: stripeSecrets, baseURL: p.BaseURL, clickKey: clickKey, env: opts.Env, creatives: p.Creatives, lottery: opts.Lottery}); err != nil {
		return p, err
	}
	if rie {
		if err = p.startRIE(ctx, opts, top, endpoint, names, string(clickKey)); err != nil {
			return p, fmt.Errorf("run the functions under the Lambda emulator: %w", err)
		}
	}
	// The seed creates the demo accounts through the accounts service
	// itself, over the accounts function's tables, as a request would.
	accFn, _ := top.Function(topology.FnAccounts)
	accTables := map[string]string{}
	for _, t := range accFn.TablesOf() {
		accTables[t] = p.DB.Table(t)
	}
	p.accounts = accounts.NewService(accounts.NewRepository(store.NewDB(p.DB.Client, accTables)), p.Clock, false)
	invokeCtx := func(ctx context.Context, target string) context.Context {
		if opts.WrapInvoke != nil {
			return opts.WrapInvoke(ctx, target)
		}
		return ctx
	}
	p.Bus.SetTargets(func(name string) func(context.Context, lambdaevents.EventBridgeEvent) error {
		if f := p.Functions[name]; f != nil && f.Event != nil {
			return func(ctx context.Context, ev lambdaevents.EventBridgeEvent) error {
				return f.Event(invokeCtx(ctx, name), ev)
			}
		}
		return nil
	})
	p.Scheduler.invoke = func(ctx context.Context, target string, payload json.RawMessage) error {
		f := p.Functions[target]
		if f == nil || f.Scheduled == nil {
			return fmt.Errorf("function %s takes no scheduled invocations", target)
		}
		// A panic is the invocation's error, as Lambda's runtime reports
		// it; Scheduler retries it.
		return invokeSafely(func() error { return f.Scheduled(invokeCtx(ctx, target), payload) })
	}

	streams := dynamodbstreams.New(dynamodbstreams.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	relay := p.Functions[topology.FnRelay].Stream
	if opts.WrapRelay != nil {
		relay = opts.WrapRelay(relay)
	}
	p.poller, err = NewStreamPoller(ctx, client, streams, names[topology.TableOutbox], relay, opts.Log.With("component", "relay"))
	if err != nil {
		return p, err
	}

	runCtx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go func() {
		defer close(p.done)
		go p.poller.Run(runCtx)
		for _, f := range p.Functions {
			if f.Counter != nil {
				go f.Counter.Run(runCtx, opts.Log.With("component", "counter"))
			}
		}
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
				p.Scheduler.Fire(runCtx)
			}
		}
	}()

	gw := &Gateway{top: top, functions: p.Functions, clock: p.Clock, creatives: p.Creatives}
	gw.local = p.localRoutes()
	p.gateway = gw
	p.RateLimit(opts.RateLimits)

	// Seed and write the credentials before serving: whoever sees /healthz
	// answer may read .souq/local.json at once and must find this run's.
	if opts.Seed {
		if p.Demo, err = p.seed(ctx); err != nil {
			return p, fmt.Errorf("seed demo data: %w", err)
		}
		// Let the seed's events reach their consumers (auctions learns of
		// the demo community) before anyone can use it.
		if err = p.Settle(ctx); err != nil {
			return p, fmt.Errorf("seed demo data: %w", err)
		}
		if err = p.seedSlot(); err != nil {
			return p, fmt.Errorf("seed the demo slot: %w", err)
		}
		if opts.StateDir != "" {
			if err = p.writeState(opts.StateDir); err != nil {
				return p, err
			}
		}
	}
	var handler http.Handler = gw
	if opts.WrapGateway != nil {
		handler = opts.WrapGateway(gw)
	}
	p.server = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second}
	go func() { _ = p.server.Serve(p.listener) }()
	if opts.Seed {
		// Saving the demo cards makes Stripe's events, which the local
		// Stripe delivers to the gateway: only now that it serves.
		if err = p.seedCards(); err != nil {
			return p, fmt.Errorf("seed the demo cards: %w", err)
		}
		if err = p.seedMembership(); err != nil {
			return p, fmt.Errorf("seed the demo membership: %w", err)
		}
		if opts.StateDir != "" {
			if err = p.writeState(opts.StateDir); err != nil { // again: with the demo tier
				return p, err
			}
		}
	}
	return p, nil
}

func (p *Platform) startStripeMock(ctx context.Context, logw io.Writer) error {
	bin := os.Getenv("SOUQ_STRIPE_MOCK")
	if bin == "" {
		if wd, err := os.Getwd(); err == nil {
			for dir := wd; ; dir = filepath.Dir(dir) {
				if cand := filepath.Join(dir, "bin", "stripe-mock"); fileExists(cand) {
					bin = cand
					break
				}
				if filepath.Dir(dir) == dir {
					break
				}
			}
		}
	}
	if bin == "" {
		if found, err := exec.LookPath("stripe-mock"); err == nil {
			bin = found
		}
	}
	if bin == "" {
		return errors.New("stripe-mock not found: `make run` builds it into bin/ (go build -o bin/stripe-mock github.com/stripe/stripe-mock), or set SOUQ_STRIPE_MOCK")
	}
	port, err := child.FreePort()
	if err != nil {
		return err
	}
	tlsPort, err := child.FreePort()
	if err != nil {
		return err
	}
	// Both addresses explicitly: with -http-addr alone, stripe-mock v0.203.0
	// still opens HTTPS on :12112 on every interface.
	proc, err := child.Start("stripe-mock", logw, bin, "-http-addr", child.Addr(port), "-https-addr", child.Addr(tlsPort))
	if err != nil {
		return err
	}
	p.stripeMock = proc
	p.StripeMockURL = "http://" + child.Addr(port)
	return proc.WaitHTTP(ctx, p.StripeMockURL+"/v1/balance", 30*time.Second)
}

// LedgerBalance is a ledger account's balance (the simulation reads Souq's
// external accounts to hold them to the local Stripe's records).
func (p *Platform) LedgerBalance(ctx context.Context, a ledger.Account, currency string) (ledger.Balance, error) {
	return p.ledger.Balance(ctx, a, currency)
}

// startStripe starts the local Stripe over stripe-mock, with a webhook
// secret of this run's own. Its pages are on the gateway (localRoutes) and
// its events go to the gateway's /v1/stripe/events, over loopback HTTP as
// Stripe's would: a call that makes an event must come once the gateway
// serves, since the event is delivered before the call is answered.
func (p *Platform) startStripe(log *slog.Logger) error {
	secret := make([]byte, 24)
	_, _ = rand.Read(secret) // crypto/rand.Read never fails (Go 1.24+)
	p.StripeWebhookSecret = "whsec_" + hex.EncodeToString(secret)
	s, err := stripelocal.New(stripelocal.Config{PublicURL: p.BaseURL, WebhookSecret: p.StripeWebhookSecret,
		StripeMockURL: p.StripeMockURL, Now: p.Clock.Now, Log: log.With("component", "stripe")})
	if err != nil {
		return err
	}
	if err := s.Start(); err != nil {
		return err
	}
	p.Stripe, p.StripeURL = s, s.URL
	return nil
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// Settle waits until everything committed so far has been relayed and
// delivered, and every schedule due has run, repeating while any of them
// produced more work.
func (p *Platform) Settle(ctx context.Context) error {
	// What was counted before the clock moved is written before anything
	// falls due: the meter that fires next reads it, however long the
	// counters' own wall-clock flush would have taken on a loaded machine.
	if err := p.flushCounters(ctx); err != nil {
		return err
	}
	for round := 0; round < 100; round++ {
		if err := p.poller.Drain(ctx); err != nil {
			return err
		}
		p.Bus.WaitIdle()
		fired := p.Scheduler.Fire(ctx)
		n, err := p.poller.Poll(ctx)
		if err != nil {
			return err
		}
		if fired == 0 && n == 0 {
			p.Bus.WaitIdle()
			// Settled also means counted: buffered impressions and clicks
			// are written, so stats read right after are exact.
			return p.flushCounters(ctx)
		}
	}
	return errors.New("the platform did not settle after 100 rounds")
}

// flushCounters writes every function's buffered counts.
func (p *Platform) flushCounters(ctx context.Context) error {
	for _, f := range p.Functions {
		if f.Counter != nil {
			if err := f.Counter.Flush(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// Advance moves the clock, runs what fell due, and settles.
func (p *Platform) Advance(ctx context.Context, d time.Duration) (time.Time, error) {
	now := p.Clock.Advance(d)
	return now, p.Settle(ctx)
}

// ChildPids lists the helper processes this platform started.
func (p *Platform) ChildPids() []int {
	var out []int
	if p.ddb != nil {
		out = append(out, p.ddb.Pid())
	}
	if p.stripeMock != nil {
		out = append(out, p.stripeMock.Pid())
	}
	return out
}

// Close stops everything Start started, in reverse order.
func (p *Platform) Close() {
	if p.server != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = p.server.Shutdown(sctx)
		cancel()
	} else if p.listener != nil {
		p.listener.Close()
	}
	if p.cancel != nil {
		p.cancel()
		<-p.done
	}
	if p.Bus != nil {
		p.Bus.WaitIdle()
	}
	p.closeRIE()
	if p.Stripe != nil {
		p.Stripe.Close()
	}
	if p.stripeMock != nil {
		p.stripeMock.Stop(2 * time.Second)
	}
	if p.ddb != nil {
		p.ddb.Stop()
	}
}

// RateLimit turns the gateway's per-principal rate limits on or off.
func (p *Platform) RateLimit(on bool) {
	if !on {
		p.gateway.limits.Store(nil)
		return
	}
	p.gateway.limits.Store(newLimiter())
}

// RelayHandler is the relay function's stream handler.
type RelayHandler = func(context.Context, lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error)
