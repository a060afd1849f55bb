package console

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// view is what every page template gets.
type view struct {
	Title   string
	Nav     string // the section the page belongs to
	Session *Session
	CSRF    string
	Version string
	Loc     *time.Location
	Flash   string
	// Form is the state of the form that was sent: its values to fill in
	// again, the API's message per field, and the rest of its refusal.
	Form *formState
	Data any
	// Status is the HTTP status to answer with.
	Status int
	// Roles are what the person has, for the navigation (from the roles
	// cookie unless the page knows them).
	Roles Roles
}

// formState is one sent form that the API refused.
type formState struct {
	Name   string // which form of the page
	Values url.Values
	Fields map[string]string
	Error  string
	status int
}

// Value is what the person typed in field, to fill in again.
func (f *formState) Value(field string) string {
	if f == nil {
		return ""
	}
	return f.Values.Get(field)
}

func parsePages(version string) (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"money":        FormatMoney,
		"amount":       FormatAmount,
		"percent":      Percent,
		"asset":        func(name string) string { return "/console/static/" + name + "?v=" + version },
		"link":         safeLink,
		"dict":         dict,
		"list":         func(s ...string) []string { return s },
		"title":        humanize,
		"join":         strings.Join,
		"idem":         newIdemKey,
		"pct":          func(f float64) string { return fmt.Sprintf("%.2f%%", f*100) },
		"count":        count,
		"what":         what,
		"card":         cardName,
		"deposit":      depositStatus,
		"refund":       refundLines,
		"refundStatus": refundStatus,
		"pagelink":     pageLink,
		"sentence":     sentence,
		"period":       period,
		"audience":     AudienceWords,
		"grouped":      Grouped,
		"sub":          func(a, b int64) int64 { return a - b },
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(assets, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		t, err := template.Must(layout.Clone()).ParseFS(assets, n)
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", n, err)
		}
		pages[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	if len(pages) == 0 {
		return nil, errors.New("console: no page templates")
	}
	return pages, nil
}

// assetVersion names this build's static files, so that their URLs change
// with them and can be cached for a year.
func assetVersion(static fs.FS) (string, error) {
	h := sha256.New()
	names, err := fs.Glob(static, "*")
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(static, n)
		if err != nil {
			return "", err
		}
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

func (c *Console) location(r *http.Request) *time.Location {
	if ck, err := r.Cookie("souq_tz"); err == nil {
		if name, err := url.QueryUnescape(ck.Value); err == nil && len(name) < 64 && name != "Local" {
			if loc, err := time.LoadLocation(name); err == nil {
				return loc
			}
		}
	}
	return time.UTC
}

// render answers with the page template name.
func (c *Console) render(w http.ResponseWriter, r *http.Request, name string, v view) {
	t, ok := c.pages[name]
	if !ok {
		c.fail(w, r, fmt.Errorf("console: no page %q", name))
		return
	}
	v.Version = c.version
	if v.Session != nil {
		v.CSRF = v.Session.CSRF()
	}
	if v.Loc == nil {
		v.Loc = c.location(r)
	}
	if !v.Roles.Known {
		v.Roles = rolesFrom(r)
	}
	v.Roles.Current = v.Nav
	if ck, err := r.Cookie("souq_flash"); err == nil && v.Flash == "" {
		if msg, err := url.QueryUnescape(ck.Value); err == nil {
			v.Flash = msg
		}
		http.SetCookie(w, c.cookie("souq_flash", "", -1))
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		c.fail(w, r, fmt.Errorf("console: render %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	status := v.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// done answers a form that worked: back to a page (POST, redirect, GET),
// with a message that the next page shows once.
func (c *Console) done(w http.ResponseWriter, r *http.Request, to, message string) {
	if message != "" {
		http.SetCookie(w, c.cookie("souq_flash", url.QueryEscape(message), 60))
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// refuse answers with a page that says what went wrong.
func (c *Console) refuse(w http.ResponseWriter, r *http.Request, status int, message string) {
	s, _ := c.session(r)
	c.render(w, r, "message", view{Title: http.StatusText(status), Session: s, Status: status, Data: message})
}

// fail is an error the person cannot fix: logged with its cause, shown
// without it. An API that no longer takes the person's token sends them
// to sign in again.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	if IsStatus(err, http.StatusUnauthorized) || errors.Is(err, errSignedOut) {
		if ck, e := r.Cookie(c.prefix); e == nil {
			_ = c.sessions.End(r.Context(), ck.Value)
		}
		c.toSignIn(w, r)
		return
	}
	var p *Problem
	if errors.As(err, &p) {
		switch p.Status {
		case http.StatusNotFound, http.StatusForbidden:
			c.refuse(w, r, http.StatusNotFound, "There is nothing here, or it is not yours to see.")
			return
		case http.StatusTooManyRequests:
			c.refuse(w, r, http.StatusTooManyRequests, "Too many requests: wait a moment and try again.")
			return
		}
		if p.Status < 500 {
			c.refuse(w, r, p.Status, p.Error())
			return
		}
	}
	ref := failureRef()
	c.cfg.Log.Error("console page failed", "path", r.URL.Path, "ref", ref, "error", err.Error())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusBadGateway)
	again := ""
	if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/console/") {
		again = r.URL.RequestURI()
	}
	_ = failedPage.Execute(w, failedView{Ref: ref, Version: c.version, Again: again})
}

// failureRef names one failure in the log and on the page it answers
// with: ten characters a person can read out to support.
func failureRef() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

type failedView struct {
	Ref, Version, Again string
}

// failedPage is what a page that could not be made answers: it stands
// alone (the layout may be what failed), with the console's navigation,
// the reference in the log, and a way to try again.
var failedPage = template.Must(template.New("failed").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Something failed · Souq</title><link rel="icon" href="/console/static/favicon.svg?v={{.Version}}" type="image/svg+xml">
<link rel="stylesheet" href="/console/static/console.css?v={{.Version}}"></head>
<body><a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="/console/">Souq</a>
<nav aria-label="Main"><ul><li><a href="/console/">Home</a></li><li><a href="/console/communities">Communities</a></li><li><a href="/console/advertisers">Advertisers</a></li><li><a href="/console/market">Market</a></li><li><a href="/console/auctions">Auctions</a></li><li><a href="/console/deals">Deals</a></li><li><a href="/console/payouts">Payouts</a></li><li><a href="/console/webhooks">Webhooks</a></li><li><a href="/console/profile">Profile</a></li></ul></nav></header>
<main id="main"><h1>Something failed</h1>
<p class="error" role="alert">This page could not be made. Try again in a moment.</p>
<p>If it happens again, tell us the reference <strong><code>{{.Ref}}</code></strong>.</p>
<p>{{with .Again}}<a href="{{.}}">Try again</a> · {{end}}<a href="/console/">Home</a></p></main></body></html>
`))

func (c *Console) toSignIn(w http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		next = "/console/"
	}
	http.Redirect(w, r, "/console/signin?"+url.Values{"next": {next}}.Encode(), http.StatusSeeOther)
}

// safeLink is a URL a person typed, as a link only when it is http(s);
// anything else (javascript:, data:) is shown as text by the template.
func safeLink(raw string) template.URL {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return template.URL(u.String())
}

// pageLink is a link the API gave to one of Stripe's pages: http(s), or
// a path of this origin (the local platform's stand-in).
func pageLink(raw string) template.URL {
	if strings.HasPrefix(raw, "/") && !strings.HasPrefix(raw, "//") && !strings.HasPrefix(raw, "/\\") {
		return template.URL(raw)
	}
	return safeLink(raw)
}

// sentence lists things as people write them: "a, b and c".
func sentence(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// period ends a message of someone else's (Stripe's) as a sentence.
func period(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: odd arguments")
	}
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, errors.New("dict: keys are strings")
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// humanize turns an API state (pending_review) into words (Pending review).
func humanize(s string) string {
	switch s {
	case "cpm", "cpc", "asap": // pricing models and a pacing: said as letters
		return strings.ToUpper(s)
	}
	s = strings.ReplaceAll(s, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// count is n things in words: "1 bid", "3 bids".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// newIdemKey is the Idempotency-Key a money form carries from the moment
// it is shown: sending it twice (a double click, a reload) moves money once.
func newIdemKey() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return "console-" + base64.RawURLEncoding.EncodeToString(b)
}
