package local

import (
	"crypto/rand"
	"io"
	"log/slog"
	mathrand "math/rand/v2"

	"github.com/souqhq/souq/infra/wire"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/creatives"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/topology"
)

// Function is one topology function's real handlers, by trigger: the
// same constructor its functions/<name>/main.go calls (infra/wire).
type Function = wire.Function

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
	// payments is Stripe (the local Stripe), nil without stripe-mock;
	// stripeSecrets verify its events.
	payments      payments.Gateway
	stripeSecrets []string
	// env, when set, is read for the settings (Options.Env).
	env func(string) string
	// creatives keeps hosted creatives' bytes, for the function that
	// uploads them (the gateway serves them at /creatives/).
	creatives creatives.Store
	// lottery draws serving's campaign lottery (Options.Lottery).
	lottery *mathrand.Rand
}

// wireAll builds every function with the constructors its
// functions/<name>/main.go calls (infra/wire), over the local pieces: each
// function sees only its own tables, the platform's clock, scheduler, bus
// and rail.
func wireAll(d deps) (map[string]*Function, error) {
	fns := map[string]*Function{}
	settings := wire.DefaultSettings()
	if d.env != nil {
		var err error
		if settings, err = wire.SettingsFromEnv(d.env); err != nil {
			return nil, err
		}
	}
	settings.Stage, settings.Live, settings.PublicURL, settings.Secret, settings.VerifyOut = "local", false, d.baseURL, d.clickKey, io.Discard
	// Locally, http and loopback receivers are allowed (the AWS build refuses them).
	settings.InsecureWebhooks = true
	settings.OIDCIssuer, settings.ConsoleClientID = d.baseURL+oidcPath, ConsoleClientID
	settings.StripeWebhookSecrets = d.stripeSecrets
	for _, f := range d.top.Functions {
		names := map[string]string{}
		for _, t := range f.TablesOf() {
			names[t] = d.db.Table(t)
		}
		e := wire.Env{DB: store.NewDB(d.db.Client, names), Clock: d.clock, Log: d.log.With("function", f.Name),
			Sched: d.sched, Rail: d.rail, Payments: d.payments, Tokens: d.tokens, Bus: d.bus, Settings: settings, Lottery: d.lottery}
		if f.HostsCreatives {
			e.Creatives = d.creatives
		}
		if f.Name == topology.FnWebhooks && len(e.Secret) < 16 {
			// Endpoint secrets are sealed under the run's own random key.
			e.Secret = make([]byte, 32)
			_, _ = rand.Read(e.Secret) // crypto/rand.Read never fails (Go 1.24+)
		}
		fn, err := wire.Build(f.Name, e)
		if err != nil {
			return nil, err
		}
		fns[f.Name] = fn
	}
	return fns, nil
}
