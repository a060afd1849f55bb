package stripelocal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stripe/stripe-go/v83"
)

// maxAPIBody bounds an API request's form body.
const maxAPIBody = 1 << 20

// Config configures the stand-in.
type Config struct {
	// PublicURL is where the platform's gateway serves the pages
	// (Server.Pages): Checkout's url and Connect's links point there.
	PublicURL string
	// WebhookURL receives the events; PublicURL + "/v1/stripe/events"
	// when empty.
	WebhookURL string
	// WebhookSecret signs the events (whsec_…).
	WebhookSecret string
	// StripeMockURL is stripe-mock, which checks every request's shape.
	StripeMockURL string
	// Now is the platform's clock (objects' and events' created); the
	// signatures use the wall clock, as the receiver checks them against
	// its own. time.Now when nil.
	Now func() time.Time
	// Log receives delivery failures; nothing when nil.
	Log *slog.Logger
	// HTTPClient sends to stripe-mock and delivers events.
	HTTPClient *http.Client
}

// Server is the stand-in: its state, its API and pages, its events.
type Server struct {
	// requests counts the API requests answered (Requests).
	requests atomic.Int64
	cfg      Config
	mu       sync.Mutex // guards st
	st       *state
	replay   *replays
	events   *eventLog
	api      *http.ServeMux
	log      *slog.Logger

	listener net.Listener
	server   *http.Server
	// URL is the API's base URL once Start has run.
	URL string
}

// New builds a stand-in; Start serves its API.
func New(cfg Config) (*Server, error) {
	if cfg.PublicURL == "" || cfg.StripeMockURL == "" || cfg.WebhookSecret == "" {
		return nil, errors.New("stripelocal: PublicURL, StripeMockURL and WebhookSecret are required")
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.WebhookURL == "" {
		cfg.WebhookURL = cfg.PublicURL + "/v1/stripe/events"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	s := &Server{cfg: cfg, st: newState(cfg.Now, cfg.PublicURL), replay: newReplays(), log: cfg.Log}
	s.events = newEventLog(cfg.WebhookURL, cfg.WebhookSecret, cfg.HTTPClient, cfg.Now, cfg.Log)
	s.api = s.apiRoutes()
	return s, nil
}

// Requests counts the API requests the stand-in answered (benchmarks:
// Stripe API calls per deposit, per charge, per refund).
func (s *Server) Requests() int64 { return s.requests.Load() }

// Start serves the API on a free loopback port (Server.URL).
func (s *Server) Start() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("stripelocal: listen: %w", err)
	}
	s.listener = l
	s.URL = "http://" + l.Addr().String()
	s.server = &http.Server{Handler: s.API(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 2 * time.Minute}
	go func() { _ = s.server.Serve(l) }()
	return nil
}

// Close stops the API's listener.
func (s *Server) Close() {
	if s.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = s.server.Shutdown(ctx)
	}
}

// API is Stripe's API: every request's shape checked by stripe-mock, then
// answered from the state (or, for what the stand-in does not play, with
// stripe-mock's fixture).
func (s *Server) API() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		body, err := io.ReadAll(io.LimitReader(r.Body, maxAPIBody+1))
		if err != nil || len(body) > maxAPIBody {
			writeAPIError(w, invalid("", "The request body could not be read or is over %d bytes.", maxAPIBody))
			return
		}
		mock, err := s.checkShape(r, body)
		if err != nil {
			s.log.Error("stripe-mock did not answer", "err", err)
			writeAPIError(w, &apiError{Status: http.StatusBadGateway, Type: errAPI, Message: "The local Stripe could not check the request with stripe-mock."})
			return
		}
		_, pattern := s.api.Handler(r)
		// …/search is Stripe's search, not an object id: not played.
		played := pattern != "" && !strings.HasSuffix(r.URL.Path, "/search")
		if (mock.status >= 400 && mock.status < 500) || !played {
			// A request stripe-mock refuses is malformed: Stripe would
			// refuse it too. What the stand-in does not play is
			// stripe-mock's to answer.
			for _, h := range []string{"Content-Type", "Request-Id", "Stripe-Version"} {
				if v := mock.header.Get(h); v != "" {
					w.Header().Set(h, v)
				}
			}
			w.WriteHeader(mock.status)
			_, _ = w.Write(mock.body)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.api.ServeHTTP(w, r)
	})
}

// apiRoutes are the endpoints the stand-in plays; stripe-mock answers the
// rest.
func (s *Server) apiRoutes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /v1/customers", s.op(s.createCustomer))
	m.HandleFunc("GET /v1/customers/{id}", s.op(s.getCustomer))
	m.HandleFunc("POST /v1/customers/{id}", s.op(s.updateCustomer))
	m.HandleFunc("GET /v1/customers/{id}/payment_methods", s.op(s.listCustomerMethods))
	m.HandleFunc("GET /v1/payment_methods", s.op(s.listMethods))
	m.HandleFunc("GET /v1/payment_methods/{id}", s.op(s.getMethod))
	m.HandleFunc("POST /v1/payment_methods/{id}/detach", s.op(s.detachMethod))
	m.HandleFunc("POST /v1/payment_intents", s.op(s.createIntent))
	m.HandleFunc("GET /v1/payment_intents/{id}", s.op(s.getIntent))
	m.HandleFunc("GET /v1/charges/{id}", s.op(s.getCharge))
	m.HandleFunc("POST /v1/checkout/sessions", s.op(s.createSession))
	m.HandleFunc("GET /v1/checkout/sessions/{id}", s.op(s.getSession))
	m.HandleFunc("POST /v1/checkout/sessions/{id}/expire", s.op(s.expireSession))
	m.HandleFunc("GET /v1/setup_intents/{id}", s.op(s.getSetup))
	m.HandleFunc("POST /v1/refunds", s.op(s.createRefund))
	m.HandleFunc("GET /v1/refunds/{id}", s.op(s.getRefund))
	m.HandleFunc("POST /v1/accounts", s.op(s.createAccount))
	m.HandleFunc("GET /v1/accounts/{id}", s.op(s.getAccount))
	m.HandleFunc("POST /v1/account_links", s.op(s.createAccountLink))
	m.HandleFunc("POST /v1/accounts/{id}/login_links", s.op(s.createLoginLink))
	m.HandleFunc("GET /v1/transfers", s.op(s.listTransfers))
	m.HandleFunc("POST /v1/transfers", s.op(s.createTransfer))
	m.HandleFunc("GET /v1/transfers/{id}", s.op(s.getTransfer))
	m.HandleFunc("GET /v1/disputes/{id}", s.op(s.getDispute))
	return m
}

type mockAnswer struct {
	status int
	header http.Header
	body   []byte
}

// checkShape sends the request to stripe-mock as it came (but for its
// Idempotency-Key: stripe-mock keeps no state to replay).
func (s *Server) checkShape(r *http.Request, body []byte) (mockAnswer, error) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, s.cfg.StripeMockURL+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return mockAnswer{}, err
	}
	for _, h := range []string{"Authorization", "Stripe-Version", "Content-Type", "Stripe-Account"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return mockAnswer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return mockAnswer{}, err
	}
	return mockAnswer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// apiCall is one API request being answered: its parameters, its
// expansion, and the events its state change sends once the lock is let go.
type apiCall struct {
	r      *http.Request
	p      params
	expand expansion
	out    outbox
}

// apiFunc changes and reads the state under Server.mu, and returns the
// object to answer or an *apiError.
type apiFunc func(c *apiCall) (any, error)

// op serves one API endpoint: Idempotency-Key replays, the state change
// under the lock, then its events (without the lock: the receiver calls
// back), then the answer.
func (s *Server) op(f apiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		values := r.URL.Query()
		if r.Method == http.MethodPost {
			form, err := url.ParseQuery(string(body))
			if err != nil {
				writeAPIError(w, invalid("", "The request body is not a valid form."))
				return
			}
			values = form
		}
		c := &apiCall{r: r, p: params{values}}
		c.expand = c.p.list("expand")

		key := r.Header.Get("Idempotency-Key")
		var rp *replay
		if r.Method == http.MethodPost && key != "" {
			scope := r.Method + " " + r.URL.Path + " " + key
			var first bool
			if rp, first = s.replay.begin(scope, body); !first {
				s.answerReplay(w, rp, body)
				return
			}
			finished := false
			defer func() {
				if !finished {
					s.replay.abandon(scope, rp)
				}
			}()
			status, answer := s.run(c, f)
			rp.finish(status, answer)
			finished = true
			s.events.emit(c.out)
			writeAPI(w, status, answer, false)
			return
		}
		status, answer := s.run(c, f)
		s.events.emit(c.out)
		writeAPI(w, status, answer, false)
	}
}

func (s *Server) run(c *apiCall, f apiFunc) (int, []byte) {
	s.mu.Lock()
	v, err := f(c)
	s.mu.Unlock()
	status := http.StatusOK
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = &apiError{Status: http.StatusInternalServerError, Type: errAPI, Message: "The local Stripe failed: " + err.Error()}
		}
		status, v = ae.Status, ae.body()
	}
	b, merr := json.Marshal(v)
	if merr != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"type":"api_error","message":"The local Stripe could not encode its answer."}}`)
	}
	return status, b
}

func (s *Server) answerReplay(w http.ResponseWriter, rp *replay, body []byte) {
	<-rp.done
	switch {
	case rp.status == 0:
		writeAPIError(w, &apiError{Status: http.StatusConflict, Type: errIdempotency, Code: "idempotency_key_in_use",
			Message: "There is currently another in-progress request using this Idempotent Key. Please try again later."})
	case !rp.sameRequest(body):
		writeAPIError(w, &apiError{Status: http.StatusBadRequest, Type: errIdempotency,
			Message: "Keys for idempotent requests can only be used with the same parameters they were first used with."})
	default:
		writeAPI(w, rp.status, rp.body, true)
	}
}

func writeAPI(w http.ResponseWriter, status int, body []byte, replayed bool) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", newID("req_", 14))
	w.Header().Set("Stripe-Version", stripe.APIVersion)
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeAPIError(w http.ResponseWriter, e *apiError) {
	b, _ := json.Marshal(e.body())
	writeAPI(w, e.Status, b, false)
}
