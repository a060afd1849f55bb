package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // people's time zones, wherever the console runs

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

//go:embed templates static
var assets embed.FS

// Config is the console's configuration: where it is, where the API and
// the issuer are.
type Config struct {
	// BaseURL is the origin the console is served on
	// (https://api.example.com); its pages are under /console/.
	BaseURL string
	// APIURL is the base of the API it calls (usually BaseURL).
	APIURL string
	// Issuer is the OpenID Connect issuer; ClientID the console's client
	// there (a public client: PKCE, no secret).
	Issuer   string
	ClientID string
	// LogoutURL is the issuer's sign-out endpoint when its discovery
	// document names none (Cognito's https://<domain>/logout).
	LogoutURL string
	// Idle and Max bound a session (defaults: 2 hours idle, 12 hours in all).
	Idle, Max time.Duration
	// HTTP calls the API and the issuer.
	HTTP *http.Client
	// Now is the wall clock sessions expire by.
	Now func() time.Time
	// Today is the marketplace's clock (the API's): which day and month a
	// page shows. Locally it is the platform's, which tests move; it is
	// Now when unset.
	Today func() time.Time
	Log   *slog.Logger
}

// Console is the web application.
type Console struct {
	cfg      Config
	api      *API
	sessions *Sessions
	pages    map[string]*template.Template
	static   fs.FS
	version  string
	mux      *http.ServeMux
	handler  http.Handler
	secure   bool
	prefix   string // the session cookie's name

	provMu   sync.Mutex
	provider *oidc.Provider
	endURL   string
}

// New builds the console; templates are parsed and checked here, so a
// broken one fails the start, not a person's page.
func New(cfg Config, sessions *Sessions) (*Console, error) {
	if cfg.BaseURL == "" || cfg.Issuer == "" || cfg.ClientID == "" {
		return nil, errors.New("console: BaseURL, Issuer and ClientID are required")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = cfg.BaseURL
	}
	if cfg.Idle == 0 {
		cfg.Idle = 2 * time.Hour
	}
	if cfg.Max == 0 {
		cfg.Max = 12 * time.Hour
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Today == nil {
		cfg.Today = cfg.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	sessions.Idle, sessions.Max = cfg.Idle, cfg.Max
	c := &Console{cfg: cfg, api: NewAPI(cfg.APIURL, cfg.HTTP), sessions: sessions, secure: strings.HasPrefix(cfg.BaseURL, "https://")}
	c.prefix = "souq_session"
	if c.secure {
		// __Host-: only ever set by this origin, over HTTPS, for all paths.
		c.prefix = "__Host-souq_session"
	}
	var err error
	if c.static, err = fs.Sub(assets, "static"); err != nil {
		return nil, err
	}
	if c.version, err = assetVersion(c.static); err != nil {
		return nil, err
	}
	if c.pages, err = parsePages(c.version); err != nil {
		return nil, err
	}
	c.mux = http.NewServeMux()
	c.routes()
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.refuse(w, r, http.StatusForbidden, "This form was sent from another site, so nothing was done.")
	}))
	c.handler = c.headers(cop.Handler(c.mux))
	return c, nil
}

// ServeHTTP serves the console's pages.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.handler.ServeHTTP(w, r) }

// headers are every answer's: a strict CSP (nothing inline, nothing from
// elsewhere but creatives' https images), no framing, no sniffing, no
// caching of pages.
func (c *Console) headers(next http.Handler) http.Handler {
	formAction := "'self'"
	if u, err := url.Parse(c.cfg.Issuer); err == nil && !strings.HasPrefix(c.cfg.Issuer, c.cfg.BaseURL) {
		formAction += " " + u.Scheme + "://" + u.Host
	}
	if u, err := url.Parse(c.cfg.LogoutURL); err == nil && c.cfg.LogoutURL != "" {
		formAction += " " + u.Scheme + "://" + u.Host
	}
	// Forms may lead to Stripe's hosted pages (Checkout, Connect's
	// onboarding and Express dashboard): a redirect after a form is held
	// to form-action too.
	formAction += " " + stripePages
	csp := "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https:; connect-src 'self'; " +
		"form-action " + formAction + "; frame-ancestors 'none'; base-uri 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if c.secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if !strings.HasPrefix(r.URL.Path, "/console/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// stripePages are the origins of Stripe's hosted pages the console sends
// people to after a form (locally the platform's stand-in serves them on
// the console's own origin).
const stripePages = "https://checkout.stripe.com https://connect.stripe.com"

// provider discovers the issuer once it answers (the local platform's
// starts serving after the console is built).
func (c *Console) oidcProvider(ctx context.Context) (*oidc.Provider, error) {
	c.provMu.Lock()
	defer c.provMu.Unlock()
	if c.provider != nil {
		return c.provider, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, c.cfg.HTTP), c.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("console: discover %s: %w", c.cfg.Issuer, err)
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = p.Claims(&extra)
	c.provider, c.endURL = p, extra.EndSession
	return p, nil
}

func (c *Console) oauth(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: c.cfg.ClientID, Endpoint: p.Endpoint(), RedirectURL: c.cfg.BaseURL + "/console/callback",
		Scopes: []string{oidc.ScopeOpenID, "profile"}}
}
