// Package wire is the one constructor of each Lambda function: its
// handlers built from what the platform gives it. A function's main
// (functions/<name>/main.go) builds the AWS pieces (the DynamoDB client,
// EventBridge Scheduler, Stripe, secrets) and calls it; the local platform
// calls the very same constructor with its own pieces. Neither repeats how
// a service, its repository, router and idempotency store fit together.
package wire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/accounts"
	"github.com/souqhq/souq/shared/auctions"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/campaigns"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/console"
	"github.com/souqhq/souq/shared/creatives"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/idempotency"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/memberships"
	"github.com/souqhq/souq/shared/pass"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/payouts"
	"github.com/souqhq/souq/shared/referrals"
	"github.com/souqhq/souq/shared/relay"
	"github.com/souqhq/souq/shared/schedule"
	"github.com/souqhq/souq/shared/serving"
	"github.com/souqhq/souq/shared/sponsorships"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/topology"
	"github.com/souqhq/souq/shared/webhooks"
)

// Function is one topology function's handlers, by trigger.
type Function struct {
	HTTP       func(context.Context, lambdaevents.APIGatewayV2HTTPRequest) (lambdaevents.APIGatewayV2HTTPResponse, error)
	Authorizer func(context.Context, lambdaevents.APIGatewayV2CustomAuthorizerV2Request) (lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse, error)
	Stream     func(context.Context, lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error)
	Event      func(context.Context, lambdaevents.EventBridgeEvent) error
	// Events is the event handler's mux: the detail-types it handles.
	Events    *events.Mux
	Scheduled func(context.Context, json.RawMessage) error
	// Routes are the route keys the HTTP handler serves.
	Routes []string
	// Counter is the serve function's buffered counts: whoever runs it
	// runs its flush loop and flushes it at the end.
	Counter *serving.Counter
	// Verify is the ops function's job, which answers its invoker with
	// the report.
	Verify *ledger.VerifyJob
}

// Env is what the platform gives a function.
type Env struct {
	DB    *store.DB // the function's own tables, as the topology grants them
	Clock clock.Clock
	Log   *slog.Logger // already naming the function
	Sched schedule.Scheduler
	Rail  payments.Rail // nil where there is none: deposits answer 503
	// Payments is Stripe (DESIGN §15): customers, cards, Checkout,
	// refunds, Connect. Nil where there is none: money routes answer 503.
	Payments payments.Gateway
	// Tokens verify people's JWTs (the authorizer).
	Tokens auth.TokenVerifier
	// Bus is where the relay publishes.
	Bus events.Bus
	// Creatives is where hosted creatives' bytes go (S3 in AWS, memory
	// locally), for the function that uploads them; nil elsewhere.
	Creatives creatives.Store
	// Lottery, when set, draws serving's campaign lottery (the
	// simulation seeds it); nil: a generator of its own.
	Lottery *rand.Rand
	Settings
}

// Settings are a function's configuration, the same in AWS (from the
// environment, SettingsFromEnv) and locally.
type Settings struct {
	Stage             string
	Live              bool // prod: sk_live_ keys only
	AuctionFeeBps     int64
	SponsorshipFeeBps int64
	CampaignShareBps  int64
	// MembershipShareBps is SOUQ_MEMBERSHIP_SHARE_BPS.
	MembershipShareBps int64
	// TargetingPremiumBps is SOUQ_TARGETING_PREMIUM_BPS.
	TargetingPremiumBps int64
	MinimumPayout       int64
	PublicURL           string
	// Secret signs click tokens, keys visitor hashes and seals webhook
	// secrets (at least 32 bytes).
	Secret []byte
	// InsecureWebhooks allows http and private receivers (locally only).
	InsecureWebhooks bool
	// VerifyOut is where the ops function writes its report.
	VerifyOut io.Writer
	// The console's sign-in: the OpenID Connect issuer, the console's
	// client there, and the issuer's sign-out endpoint when its discovery
	// names none (Cognito's). The console is served on PublicURL.
	OIDCIssuer       string
	ConsoleClientID  string
	ConsoleLogoutURL string
	// MaxViewsPerSourceDay and MaxClicksPerSourceDay are serve's caps of
	// one address's valid views and clicks on a slot in a UTC day
	// (SOUQ_MAX_VIEWS_PER_SOURCE_DAY, SOUQ_MAX_CLICKS_PER_SOURCE_DAY).
	MaxViewsPerSourceDay, MaxClicksPerSourceDay int64
	// StripeWebhookSecrets verify Stripe's events (whsec_…): more than one
	// while an endpoint secret is rotated (docs/operations.md).
	StripeWebhookSecrets []string
	// MinDeposit is SOUQ_MIN_DEPOSIT, the smallest deposit in minor units.
	MinDeposit int64
	// PassKeys are SOUQ_PASS_KEYS: the membership pass's key generations,
	// newest first.
	PassKeys []string
}

// DefaultSettings are the products' defaults.
func DefaultSettings() Settings {
	return Settings{Stage: "dev", AuctionFeeBps: auctions.DefaultFeeBps, SponsorshipFeeBps: sponsorships.DefaultFeeBps, CampaignShareBps: campaigns.DefaultShareBps, MembershipShareBps: memberships.DefaultShareBps, TargetingPremiumBps: campaigns.DefaultPremiumBps,
		MinimumPayout: payouts.DefaultMinimumPayout, MinDeposit: accounts.DefaultMinDeposit, MaxViewsPerSourceDay: serving.DefaultMaxViewsPerSourceDay, MaxClicksPerSourceDay: serving.DefaultMaxClicksPerSourceDay,
		VerifyOut: os.Stdout, PassKeys: []string{"1"}}
}

// SettingsFromEnv reads the settings the stack passes (topology.Env*),
// over the defaults; a malformed value is an error, never a silent
// default.
func SettingsFromEnv(getenv func(string) string) (Settings, error) {
	s := DefaultSettings()
	if v := getenv(topology.EnvStage); v != "" {
		s.Stage = v
	}
	s.Live = s.Stage == "prod"
	s.PublicURL = getenv(topology.EnvPublicURL)
	s.OIDCIssuer = getenv(topology.EnvJWTIssuer)
	s.ConsoleClientID = getenv(topology.EnvConsoleClientID)
	s.ConsoleLogoutURL = getenv(topology.EnvConsoleLogoutURL)
	if v := getenv(topology.EnvPassKeys); v != "" {
		s.PassKeys = strings.Split(v, ",")
		for _, g := range s.PassKeys {
			if !passGeneration.MatchString(g) {
				return Settings{}, fmt.Errorf("%s must be key generations separated by commas (letters and digits), not %q", topology.EnvPassKeys, v)
			}
		}
	}
	for _, n := range []struct {
		name     string
		dst      *int64
		min, max int64
		what     string
	}{
		{topology.EnvAuctionFeeBps, &s.AuctionFeeBps, 0, 10_000, "0 to 10000 basis points"},
		{topology.EnvSponsorshipFeeBps, &s.SponsorshipFeeBps, 0, 10_000, "0 to 10000 basis points"},
		{topology.EnvCampaignShareBps, &s.CampaignShareBps, 0, 10_000, "0 to 10000 basis points"},
		{topology.EnvTargetingPremiumBps, &s.TargetingPremiumBps, 0, 10_000, "0 to 10000 basis points"},
		{topology.EnvMembershipShareBps, &s.MembershipShareBps, 1, 10_000, "1 to 10000 basis points"},
		{topology.EnvPayoutMinimum, &s.MinimumPayout, 1, 1 << 53, "a positive number of minor units"},
		{topology.EnvMinDeposit, &s.MinDeposit, 1, accounts.MaxDeposit, "a positive number of minor units, at most 100000000"},
		{topology.EnvMaxViewsPerSourceDay, &s.MaxViewsPerSourceDay, 1, 1_000_000, "a whole number of views from 1 to 1000000"},
		{topology.EnvMaxClicksPerSourceDay, &s.MaxClicksPerSourceDay, 1, 1_000_000, "a whole number of clicks from 1 to 1000000"},
	} {
		v := getenv(n.name)
		if v == "" {
			continue
		}
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil || x < n.min || x > n.max {
			return Settings{}, fmt.Errorf("%s must be %s, not %q", n.name, n.what, v)
		}
		*n.dst = x
	}
	return s, nil
}

var passGeneration = regexp.MustCompile(`^[a-z0-9]{1,16}$`)

// passes are the membership pass's keys, from the generated secret: nil
// without one (then no pass is issued, and serving shows every ad).
func passes(e Env) *pass.Keys {
	if len(e.Secret) < 32 {
		return nil
	}
	k, err := pass.Derive(e.Secret, e.PublicURL, e.PassKeys...)
	if err != nil {
		return nil
	}
	return k
}

// Build is the constructor of the topology function name.
func Build(name string, e Env) (*Function, error) {
	switch name {
	case topology.FnAccounts:
		return Accounts(e), nil
	case topology.FnAuctions:
		return Auctions(e), nil
	case topology.FnSponsorships:
		return Sponsorships(e), nil
	case topology.FnReferrals:
		return Referrals(e), nil
	case topology.FnPayouts:
		return Payouts(e), nil
	case topology.FnWebhooks:
		return Webhooks(e)
	case topology.FnServe:
		return Serve(e), nil
	case topology.FnAuthorizer:
		return Authorizer(e), nil
	case topology.FnOps:
		return Ops(e), nil
	case topology.FnRelay:
		return Relay(e), nil
	case topology.FnConsole:
		return Console(e)
	case topology.FnCampaigns:
		return Campaigns(e), nil
	}
	return nil, fmt.Errorf("wire: no function %q", name)
}

func idem(e Env) *idempotency.Store {
	return idempotency.New(e.DB.Client, e.DB.Table(topology.TableIdempotency), e.Clock)
}

// Accounts: communities, advertisers, API keys and money in.
func Accounts(e Env) *Function {
	svc := accounts.NewService(accounts.NewRepository(e.DB), e.Clock, e.Live).WithMoney(ledger.New(e.DB), e.Payments,
		accounts.MoneyConfig{PublicURL: e.PublicURL, MinDeposit: e.MinDeposit, WebhookSecrets: e.StripeWebhookSecrets})
	r := accounts.NewRouter(svc, idem(e), e.Log, e.Clock.Now)
	keys := passes(e)
	members := memberships.NewService(memberships.NewRepository(e.DB), communities{svc}, e.Clock)
	if e.Payments != nil {
		members.WithMoney(svc, e.Payments, ledger.New(e.DB), e.Sched, keys,
			memberships.Config{Self: topology.FnAccounts, ShareBps: int(e.MembershipShareBps), PublicURL: e.PublicURL})
		svc.WithMemberships(members)
	} else {
		members.WithMoney(nil, nil, nil, e.Sched, keys, memberships.Config{Self: topology.FnAccounts, PublicURL: e.PublicURL})
	}
	memberships.Register(r, members, keys)
	return &Function{HTTP: r.Serve, Event: svc.HandleEvent, Events: svc.Events(), Scheduled: members.HandleScheduled, Routes: r.Handled()}
}

// communities is the accounts context as memberships reads communities.
type communities struct{ svc *accounts.Service }

func (c communities) Owned(ctx context.Context, op string, p auth.Principal, id string) (memberships.Community, error) {
	com, err := c.svc.GetCommunity(ctx, p, id)
	if err != nil || p.Kind != auth.KindUser || p.UserID != com.OwnerID {
		// Not the owner's (a client key reads, and does not sell): no such
		// community, to strangers as to keys.
		return memberships.Community{}, fault.New(fault.NotFound, op, "no such community")
	}
	return memberships.Community{ID: com.ID, OwnerID: com.OwnerID, Currency: com.Currency, Name: com.Name, Domains: siteDomains(com)}, nil
}

// siteDomains are a community's own sites: its allowed domains and its
// URL's host.
func siteDomains(com accounts.Community) []string {
	out := append([]string{}, com.AllowedDomains...)
	if u, err := url.Parse(com.URL); err == nil && u.Hostname() != "" {
		out = append(out, strings.ToLower(u.Hostname()))
	}
	return out
}

func (c communities) Find(ctx context.Context, op, id string) (memberships.Community, error) {
	com, err := c.svc.FindCommunity(ctx, id)
	if err != nil {
		return memberships.Community{}, fault.New(fault.NotFound, op, "no such community")
	}
	return memberships.Community{ID: com.ID, OwnerID: com.OwnerID, Currency: com.Currency, Name: com.Name, Domains: siteDomains(com)}, nil
}

// Auctions: slots, auctions, bids and the closes it schedules.
func Auctions(e Env) *Function {
	svc := auctions.NewService(auctions.NewRepository(e.DB), ledger.New(e.DB), e.Sched, e.Clock,
		auctions.Config{FeeBps: e.AuctionFeeBps, Self: topology.FnAuctions}).
		WithCreatives(creatives.NewLibrary(creatives.NewRepository(e.DB), nil, e.Clock))
	r := auctions.NewRouter(svc, idem(e), e.Log, e.Clock.Now)
	return &Function{HTTP: r.Serve, Event: svc.HandleEvent, Events: svc.Events(), Scheduled: svc.HandleScheduled, Routes: r.Handled()}
}

// Sponsorships: rate cards, bookings and their review.
func Sponsorships(e Env) *Function {
	svc := sponsorships.NewService(sponsorships.NewRepository(e.DB), ledger.New(e.DB), e.Sched, e.Clock,
		sponsorships.Config{FeeBps: e.SponsorshipFeeBps, Self: topology.FnSponsorships})
	r := sponsorships.NewRouter(svc, idem(e), e.Log, e.Clock.Now)
	return &Function{HTTP: r.Serve, Event: svc.HandleEvent, Events: svc.Events(), Scheduled: svc.HandleScheduled, Routes: r.Handled()}
}

// Referrals: programs, deals, clicks, conversions and commissions.
func Referrals(e Env) *Function {
	svc := referrals.NewService(referrals.NewRepository(e.DB), ledger.New(e.DB), e.Sched, e.Clock,
		referrals.Config{Self: topology.FnReferrals, VisitorKey: e.Secret, PublicURL: e.PublicURL})
	r := referrals.NewRouter(svc, idem(e), e.Log, e.Clock.Now)
	return &Function{HTTP: r.Serve, Event: svc.HandleEvent, Events: svc.Events(), Scheduled: svc.HandleScheduled, Routes: r.Handled()}
}

// Campaigns: pay-as-you-go campaigns, their budgets and their ends.
func Campaigns(e Env) *Function {
	svc := campaigns.NewService(campaigns.NewRepository(e.DB), ledger.New(e.DB), e.Sched, e.Clock, campaigns.Config{Self: topology.FnCampaigns, ShareBps: e.CampaignShareBps, PremiumBps: e.TargetingPremiumBps}).
		WithCreatives(creatives.NewLibrary(creatives.NewRepository(e.DB), e.Creatives, e.Clock))
	r := campaigns.NewRouter(svc, idem(e), e.Log, e.Clock.Now)
	return &Function{HTTP: r.Serve, Event: svc.HandleEvent, Events: svc.Events(), Scheduled: svc.HandleScheduled, Routes: r.Handled()}
}

// Payouts: payout accounts (Stripe Connect onboarding), claims and the
// worker that pays them, all through Stripe (e.Payments).
func Payouts(e Env) *Function {
	svc := payouts.NewService(payouts.NewRepository(e.DB), ledger.New(e.DB), e.Payments, e.Clock,
		payouts.Config{MinimumPayout: e.MinimumPayout, PublicURL: e.PublicURL})
	r := payouts.NewRouter(svc, idem(e), e.Log, e.Clock.Now)
	return &Function{HTTP: r.Serve, Event: svc.HandleEvent, Events: svc.Events(), Scheduled: svc.HandleScheduled, Routes: r.Handled()}
}

// Webhooks: endpoints, and deliveries of every product event.
func Webhooks(e Env) (*Function, error) {
	vault, err := webhooks.NewVault(e.Secret)
	if err != nil {
		return nil, fmt.Errorf("wire: the webhooks vault: %w", err)
	}
	svc := webhooks.NewService(webhooks.NewRepository(e.DB), vault, e.Sched, e.Clock, webhooks.Policy{AllowInsecure: e.InsecureWebhooks},
		webhooks.Config{Self: topology.FnWebhooks, Jitter: 0.1})
	r := webhooks.NewRouter(svc, idem(e), e.Log, e.Clock.Now)
	return &Function{HTTP: r.Serve, Event: svc.HandleEvent, Events: svc.Events(), Scheduled: svc.HandleScheduled, Routes: r.Handled()}, nil
}

// Serve: what a slot shows, its views and clicks, and flights' stats,
// from serving's own projection (kept by the events it hears).
func Serve(e Env) *Function {
	st := serving.NewStore(e.DB, e.Clock)
	srv := serving.NewServer(st, st, st, e.Clock, serving.Config{Key: e.Secret, BaseURL: e.PublicURL, Passes: passes(e), Rand: e.Lottery,
		MaxViewsPerSourceDay: int(e.MaxViewsPerSourceDay), MaxClicksPerSourceDay: int(e.MaxClicksPerSourceDay)}, e.Log)
	mux := events.NewMux(topology.FnServe)
	st.Listen(mux)
	r := serving.NewRouter(srv, st, e.Log, e.Clock.Now)
	meter := schedule.Handle("serve", func(ctx context.Context, _ meterJob) error {
		// What is buffered here is counted first (locally the platform
		// flushes every instance before its schedules run).
		if err := srv.Counts.Flush(ctx); err != nil {
			return err
		}
		return st.Meter(ctx, e.Clock.Now())
	})
	return &Function{HTTP: r.Serve, Event: mux.Handle, Events: mux, Scheduled: meter, Routes: r.Handled(), Counter: srv.Counts}
}

// Authorizer: people's JWTs and API keys.
func Authorizer(e Env) *Function {
	a := &auth.Authorizer{Tokens: e.Tokens, Keys: accounts.NewKeyLookup(e.DB), Log: e.Log, LiveKeys: e.Live}
	return &Function{Authorizer: a.Handle}
}

// VerifyJob is the ops function's work: it answers its invoker with the
// report (and publishes the violation count).
func VerifyJob(e Env) *ledger.VerifyJob {
	return &ledger.VerifyJob{Ledger: ledger.NewReader(e.DB), Stage: e.Stage, Out: e.VerifyOut, Now: e.Clock.Now}
}

// Ops: the daily ledger verification.
func Ops(e Env) *Function {
	job := VerifyJob(e)
	return &Function{Verify: job, Scheduled: schedule.Handle("ops", func(ctx context.Context, _ verifyJob) error {
		_, err := job.Handle(ctx, nil)
		return err
	})}
}

// meterJob is serve's recurring schedule (topology.JobInput(JobMeter)).
type meterJob struct {
	Job string `json:"job"`
}

// Check implements schedule.Checker.
func (j meterJob) Check() error {
	if j.Job != topology.JobMeter {
		return errors.New("not the meter")
	}
	return nil
}

// verifyJob is the ledger verification's schedule: the topology sends it
// no input, which Scheduler sends as {}.
type verifyJob struct{}

// Console: the pages people sign in to, a client of the API on the same
// domain. Its sessions expire on the wall clock (time.Now), not the
// platform's: moving a local clock by weeks must not sign everyone out.
func Console(e Env) (*Function, error) {
	sessions := console.NewSessions(e.DB, topology.TableSessions, 0, 0, time.Now)
	c, err := console.New(console.Config{BaseURL: e.PublicURL, APIURL: e.PublicURL, Issuer: e.OIDCIssuer,
		ClientID: e.ConsoleClientID, LogoutURL: e.ConsoleLogoutURL, Log: e.Log, Today: e.Clock.Now}, sessions)
	if err != nil {
		return nil, fmt.Errorf("wire: the console: %w", err)
	}
	var routes []string
	for _, r := range topology.Souq().RoutesOf(topology.FnConsole) {
		routes = append(routes, r.Key())
	}
	return &Function{HTTP: c.Lambda, Routes: routes}, nil
}

// Relay: committed outbox events onto the bus.
func Relay(e Env) *Function {
	h := &relay.Handler{Bus: e.Bus, Log: e.Log}
	return &Function{Stream: h.Handle}
}
