package stripelocal

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/fault"
)

// maxPageBody bounds a page's or a test control's request body.
const maxPageBody = 64 << 10

//go:embed templates/*.html
var templateFS embed.FS

// pageTemplates are Stripe's hosted pages, parsed (and so checked) when
// the program starts.
var pageTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"join":   strings.Join,
	"spaced": spaced,
}).ParseFS(templateFS, "templates/*.html"))

// Pages is Stripe's hosted pages and the local test controls, which the
// platform mounts on its gateway (the same origin as the links the API
// hands out): /local/checkout/, /local/connect/ and /local/stripe/.
func (s *Server) Pages() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /local/checkout/{id}", s.checkoutPage)
	m.HandleFunc("POST /local/checkout/{id}", s.checkoutPay)
	m.HandleFunc("POST /local/checkout/{id}/authenticate", s.checkoutAuthenticate)
	m.HandleFunc("GET /local/connect/{id}", s.connectPage)
	m.HandleFunc("POST /local/connect/{id}", s.connectAnswer)
	m.HandleFunc("GET /local/connect/{id}/dashboard", s.dashboardPage)
	m.HandleFunc("GET /local/stripe/events", s.listEvents)
	m.HandleFunc("POST /local/stripe/events/{id}/resend", s.resendEvent)
	m.HandleFunc("POST /local/stripe/delivery", s.setDelivery)
	m.HandleFunc("POST /local/stripe/disputes", s.openDisputeControl)
	m.HandleFunc("POST /local/stripe/disputes/{id}/close", s.closeDisputeControl)
	m.HandleFunc("POST /local/stripe/refunds", s.dashboardRefund)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, fault.New(fault.NotFound, "stripelocal", "no local Stripe route "+r.Method+" "+r.URL.Path))
	})
	return m
}

// wantsJSON says the request is a program's (a JSON body), not a form
// posted from a page: it is answered in JSON.
func wantsJSON(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/json"
}

// readInput decodes a page's form or a JSON body into dst (its json
// tags name the fields, all strings in a form). Unknown fields are
// refused.
func readInput(w http.ResponseWriter, r *http.Request, dst any) error {
	const op = "stripelocal.read"
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPageBody))
	if err != nil {
		return fault.New(fault.TooLarge, op, "the request body is over 65536 bytes or could not be read")
	}
	if !wantsJSON(r) {
		form, err := url.ParseQuery(string(b))
		if err != nil {
			return fault.New(fault.Invalid, op, "the form could not be read")
		}
		fields := map[string]string{}
		for k, vs := range form {
			fields[k] = vs[0]
		}
		b, _ = json.Marshal(fields)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		b = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field != "" {
			return fault.InvalidFields(op, "the request has invalid fields", fault.FieldError{Field: typ.Field, Message: "has the wrong type"})
		}
		return fault.New(fault.Invalid, op, "the body must be one JSON object (or form) with known fields: "+err.Error())
	}
	if dec.More() {
		return fault.New(fault.Invalid, op, "the body must hold exactly one JSON object")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	status, body := api.ProblemResponse(err, "", r.URL.Path)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// writePage renders a hosted page. Its forms post to itself; Stripe's
// pages then redirect to the merchant's URLs, which the CSP's form-action
// must name too (browsers hold redirects after a post to it).
func writePage(w http.ResponseWriter, status int, name string, data any, redirects ...string) {
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	formAction := "'self'"
	for _, to := range redirects {
		if u, err := url.Parse(to); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			formAction += " " + u.Scheme + "://" + u.Host
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}
