package local

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/payments"
)

// Local tokens are checked against the platform's clock, which a session
// moves by weeks to reach review deadlines, publish graces and hold
// periods, and by months to renew memberships (a test suite moves it more
// than a year): the demo credentials must outlive that. They exist only on the
// local platform, which listens on loopback.
const localTokenTTL = 10 * 366 * 24 * time.Hour

// maxAdvance bounds one clock jump (ten years).
const maxAdvance = 10 * 365 * 24 * time.Hour

// localRoutes serves the local-only routes of DESIGN §9, which stand in for
// Cognito sign-up and Stripe-style test clocks and are absent from AWS.
func (p *Platform) localRoutes() http.Handler {
	mux := http.NewServeMux()
	p.oidc.routes(mux)
	mux.HandleFunc("GET /local/demo", p.demoPage)
	mux.HandleFunc("POST /local/tokens", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			UserID string `json:"userId"`
		}
		if err := decodeLocal(r, &in); err != nil {
			writeProblem(w, err, "", r.URL.Path)
			return
		}
		if in.UserID == "" {
			in.UserID = id.New("usr", p.Clock.Now())
		}
		if !id.HasPrefix(in.UserID, "usr") {
			writeProblem(w, fault.InvalidFields("local.tokens", "the request has invalid fields",
				fault.FieldError{Field: "userId", Message: "must look like usr_<letters, digits, _ or ->"}), "", r.URL.Path)
			return
		}
		tok, err := p.Tokens.Issue(in.UserID, localTokenTTL)
		if err != nil {
			writeProblem(w, err, "", r.URL.Path)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"userId": in.UserID, "token": tok})
	})
	mux.HandleFunc("POST /local/clock/hold", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Hold *bool `json:"hold"`
		}
		if err := decodeLocal(r, &in); err != nil || in.Hold == nil {
			if err == nil {
				err = fault.InvalidFields("local.hold", "the request has invalid fields", fault.FieldError{Field: "hold", Message: "is required: true stops the clock, false lets it run on"})
			}
			writeProblem(w, err, "", r.URL.Path)
			return
		}
		now := p.Clock.Release()
		if *in.Hold {
			now = p.Clock.Hold()
		}
		writeJSON(w, http.StatusOK, map[string]any{"now": now, "held": *in.Hold})
	})
	mux.HandleFunc("POST /local/clock/advance", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Seconds *int64 `json:"seconds"`
		}
		if err := decodeLocal(r, &in); err != nil {
			writeProblem(w, err, "", r.URL.Path)
			return
		}
		if in.Seconds == nil || *in.Seconds < 0 || time.Duration(*in.Seconds)*time.Second > maxAdvance {
			writeProblem(w, fault.InvalidFields("local.advance", "the request has invalid fields",
				fault.FieldError{Field: "seconds", Message: "is required: a whole number of seconds from 0 to 315360000"}), "", r.URL.Path)
			return
		}
		now, err := p.Advance(r.Context(), time.Duration(*in.Seconds)*time.Second)
		if err != nil {
			writeProblem(w, fault.Wrap("local.advance", err), "", r.URL.Path)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"now": clock.Format(now)})
	})
	mux.HandleFunc("GET /local/clock", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"now": clock.Format(p.Clock.Now())})
	})
	mux.HandleFunc("GET /local/ledger/verify", func(w http.ResponseWriter, r *http.Request) {
		report, err := p.ledger.Verify(r.Context())
		if err != nil {
			writeProblem(w, fault.Wrap("local.verify", err), "", r.URL.Path)
			return
		}
		writeJSON(w, http.StatusOK, report)
	})
	mux.HandleFunc("POST /local/rail/fail", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Count int    `json:"count"`
			Mode  string `json:"mode"`
		}
		if err := decodeLocal(r, &in); err != nil {
			writeProblem(w, err, "", r.URL.Path)
			return
		}
		if in.Count < 0 || in.Count > 1000 || (in.Mode != payments.FailDecline && in.Mode != payments.FailTimeout && in.Mode != payments.FailLost) {
			writeProblem(w, fault.InvalidFields("local.rail", "the request has invalid fields",
				fault.FieldError{Field: "mode", Message: "must be decline, timeout (not made) or lost (made, its answer lost), with count from 0 to 1000"}), "", r.URL.Path)
			return
		}
		if p.Rail == nil {
			writeProblem(w, fault.New(fault.Unavailable, "local.rail", "no payment rail: the platform runs without stripe-mock"), "", r.URL.Path)
			return
		}
		p.Rail.FailNext(in.Count, in.Mode)
		writeJSON(w, http.StatusOK, map[string]any{"failNext": in.Count, "mode": in.Mode})
	})
	mux.HandleFunc("GET /local/events", func(w http.ResponseWriter, r *http.Request) {
		// Settle first, so that an event committed before this call is in
		// the answer: tests and people need not poll.
		if err := p.Settle(r.Context()); err != nil {
			writeProblem(w, fault.Wrap("local.events", err), "", r.URL.Path)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": p.Bus.Published(r.URL.Query().Get("detailType"))})
	})
	mux.HandleFunc("GET /local/dead-letters", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"data": p.Bus.DeadLetters()})
	})
	if p.Stripe != nil {
		// Stripe's hosted pages and the local Stripe's test controls,
		// on the origin its links name (DESIGN §15).
		pages := p.Stripe.Pages()
		for _, prefix := range []string{"/local/checkout/", "/local/connect/", "/local/stripe/"} {
			mux.Handle(prefix, pages)
		}
	}
	mux.HandleFunc("/local/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, fault.New(fault.NotFound, "local", "no local route "+r.Method+" "+r.URL.Path), "", r.URL.Path)
	})
	return mux
}

func decodeLocal(r *http.Request, v any) error {
	const op = "local.decode"
	b, err := io.ReadAll(io.LimitReader(r.Body, 64<<10+1))
	if err != nil {
		return fault.New(fault.Invalid, op, "the body could not be read")
	}
	if len(b) > 64<<10 {
		return fault.New(fault.TooLarge, op, "request body is over 65536 bytes")
	}
	if len(bytes.TrimSpace(b)) == 0 {
		b = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field != "" {
			return fault.InvalidFields(op, "the request has invalid fields", fault.FieldError{Field: typ.Field, Message: "has the wrong type"})
		}
		return fault.New(fault.Invalid, op, "the body must be one JSON object with known fields: "+err.Error())
	}
	if dec.More() {
		return fault.New(fault.Invalid, op, "the body must hold exactly one JSON object")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
