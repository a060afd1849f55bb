package local

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/infra/topology"
	"github.com/souqhq/souq/shared/accounts"
	"github.com/souqhq/souq/shared/auctions"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/idempotency"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/payouts"
	"github.com/souqhq/souq/shared/referrals"
	"github.com/souqhq/souq/shared/relay"
	"github.com/souqhq/souq/shared/sponsorships"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/webhooks"
)

// Function is one topology function's real handlers, by trigger.
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
	// Counter is the serve function's buffered counts: the platform runs
	// its flush ticker and flushes it when settling.
	Counter *auctions.Counter
}

// deps is what the local platform hands every function.
type deps struct {
	top    topology.Topology
	db     *store.DB // names every table; each function only uses its own
	clock  clock.Clock
	log    *slog.Logger
	tokens auth.TokenVerifier
	bus    *Bus
	sched  *Scheduler
	// baseURL prefixes served click URLs; clickKey signs them.
	baseURL  string
	clickKey []byte
	rail     payments.Rail // nil without stripe-mock: deposits answer 503
}

// wire builds every function with the same constructors its
// functions/<name>/main.go uses.
func wire(d deps) (map[string]*Function, *accounts.Service) {
	fns := map[string]*Function{}
	scoped := func(fn string) *store.DB {
		f, _ := d.top.Function(fn)
		names := map[string]string{}
		for _, t := range f.TablesOf() {
			names[t] = d.db.Table(t)
		}
		return store.NewDB(d.db.Client, names)
	}

	accDB := scoped(topology.FnAccounts)
	accSvc := accounts.NewService(accounts.NewRepository(accDB), d.clock, false).WithMoney(ledger.New(accDB), d.rail)
	idem := idempotency.New(accDB.Client, accDB.Table(topology.TableIdempotency), d.clock)
	accRouter := accounts.NewRouter(accSvc, idem, d.log.With("function", topology.FnAccounts), d.clock.Now)
	fns[topology.FnAccounts] = &Function{HTTP: accRouter.Serve, Routes: accRouter.Handled()}

	aucDB := scoped(topology.FnAuctions)
	aucSvc := auctions.NewService(auctions.NewRepository(aucDB), ledger.New(aucDB), d.sched, d.clock,
		auctions.Config{FeeBps: auctions.DefaultFeeBps, Self: topology.FnAuctions})
	aucIdem := idempotency.New(aucDB.Client, aucDB.Table(topology.TableIdempotency), d.clock)
	aucRouter := auctions.NewRouter(aucSvc, aucIdem, d.log.With("function", topology.FnAuctions), d.clock.Now)
	fns[topology.FnAuctions] = &Function{HTTP: aucRouter.Serve, Event: aucSvc.HandleEvent, Events: aucSvc.Events(), Scheduled: aucSvc.HandleScheduled, Routes: aucRouter.Handled()}

	spnDB := scoped(topology.FnSponsorships)
	spnSvc := sponsorships.NewService(sponsorships.NewRepository(spnDB), ledger.New(spnDB), d.sched, d.clock,
		sponsorships.Config{FeeBps: sponsorships.DefaultFeeBps, Self: topology.FnSponsorships})
	spnRouter := sponsorships.NewRouter(spnSvc, idempotency.New(spnDB.Client, spnDB.Table(topology.TableIdempotency), d.clock), d.log.With("function", topology.FnSponsorships), d.clock.Now)
	fns[topology.FnSponsorships] = &Function{HTTP: spnRouter.Serve, Event: spnSvc.HandleEvent, Events: spnSvc.Events(), Scheduled: spnSvc.HandleScheduled, Routes: spnRouter.Handled()}

	refDB := scoped(topology.FnReferrals)
	refSvc := referrals.NewService(referrals.NewRepository(refDB), ledger.New(refDB), d.sched, d.clock,
		referrals.Config{Self: topology.FnReferrals, VisitorKey: d.clickKey, PublicURL: d.baseURL})
	refRouter := referrals.NewRouter(refSvc, idempotency.New(refDB.Client, refDB.Table(topology.TableIdempotency), d.clock), d.log.With("function", topology.FnReferrals), d.clock.Now)
	fns[topology.FnReferrals] = &Function{HTTP: refRouter.Serve, Event: refSvc.HandleEvent, Events: refSvc.Events(), Scheduled: refSvc.HandleScheduled, Routes: refRouter.Handled()}

	poDB := scoped(topology.FnPayouts)
	poSvc := payouts.NewService(payouts.NewRepository(poDB), ledger.New(poDB), d.rail, d.clock, payouts.Config{MinimumPayout: payouts.DefaultMinimumPayout})
	poRouter := payouts.NewRouter(poSvc, idempotency.New(poDB.Client, poDB.Table(topology.TableIdempotency), d.clock), d.log.With("function", topology.FnPayouts), d.clock.Now)
	fns[topology.FnPayouts] = &Function{HTTP: poRouter.Serve, Event: poSvc.HandleEvent, Events: poSvc.Events(), Scheduled: poSvc.HandleScheduled, Routes: poRouter.Handled()}

	whDB := scoped(topology.FnWebhooks)
	// Endpoint secrets are sealed under the run's own random key.
	sealing := d.clickKey
	if len(sealing) < 16 {
		sealing = make([]byte, 32)
		_, _ = rand.Read(sealing) // crypto/rand.Read never fails (Go 1.24+)
	}
	vault, err := webhooks.NewVault(sealing)
	if err != nil {
		panic("local: the webhooks vault: " + err.Error()) // cannot happen: the key is 32 bytes
	}
	// Locally, http and loopback receivers are allowed (the AWS build refuses them).
	whSvc := webhooks.NewService(webhooks.NewRepository(whDB), vault, d.sched, d.clock, webhooks.Policy{AllowInsecure: true},
		webhooks.Config{Self: topology.FnWebhooks, Jitter: 0.1})
	whRouter := webhooks.NewRouter(whSvc, idempotency.New(whDB.Client, whDB.Table(topology.TableIdempotency), d.clock), d.log.With("function", topology.FnWebhooks), d.clock.Now)
	fns[topology.FnWebhooks] = &Function{HTTP: whRouter.Serve, Event: whSvc.HandleEvent, Events: whSvc.Events(), Scheduled: whSvc.HandleScheduled, Routes: whRouter.Handled()}

	srv := auctions.NewServer(auctions.NewServingRepository(scoped(topology.FnServe)), d.clock, auctions.ClickSigner{Key: d.clickKey}, d.baseURL, d.log.With("function", topology.FnServe))
	srvRouter := auctions.NewServeRouter(srv, d.log.With("function", topology.FnServe), d.clock.Now)
	fns[topology.FnServe] = &Function{HTTP: srvRouter.Serve, Routes: srvRouter.Handled(), Counter: srv.Counts}

	authz := &auth.Authorizer{
		Tokens: d.tokens,
		Keys:   accounts.NewKeyLookup(scoped(topology.FnAuthorizer)),
		Log:    d.log.With("function", topology.FnAuthorizer),
	}
	fns[topology.FnAuthorizer] = &Function{Authorizer: authz.Handle}

	job := &ledger.VerifyJob{Ledger: ledger.NewReader(scoped(topology.FnOps)), Stage: "local", Out: io.Discard, Now: d.clock.Now}
	fns[topology.FnOps] = &Function{Scheduled: func(ctx context.Context, payload json.RawMessage) error {
		_, err := job.Handle(ctx, payload)
		return err
	}}

	rl := &relay.Handler{Bus: d.bus, Log: d.log.With("function", topology.FnRelay)}
	fns[topology.FnRelay] = &Function{Stream: rl.Handle}
	return fns, accSvc
}
