package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
)

// API is the public API, as the console calls it.
type API struct {
	base string
	http *http.Client
}

// NewAPI calls the API at base (https://api.example.com, no trailing slash).
func NewAPI(base string, hc *http.Client) *API {
	return &API{base: strings.TrimSuffix(base, "/"), http: hc}
}

// Problem is the API's refusal (application/problem+json), kept whole so
// that a page can put each field's message next to that field.
type Problem struct {
	Status int    `json:"status"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	State  string `json:"state"`
	// Code is why, for a program: a card's decline code (402), or what
	// Stripe still needs before payouts (409).
	Code   string `json:"code"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (p *Problem) Error() string {
	if p.Detail != "" {
		return p.Detail
	}
	return p.Title
}

// Fields maps the problem's field names to their messages.
func (p *Problem) Fields() map[string]string {
	out := map[string]string{}
	for _, e := range p.Errors {
		if _, dup := out[e.Field]; !dup {
			out[e.Field] = e.Message
		}
	}
	return out
}

// IsStatus reports whether err is the API's answer with that status.
func IsStatus(err error, status int) bool {
	var p *Problem
	return errors.As(err, &p) && p.Status == status
}

// Caller is the API as one signed-in person: every call carries their
// access token, and one the API no longer takes (401) is renewed once
// through refresh and the call repeated.
type Caller struct {
	api *API
	// refresh renews the access token; a page's parallel calls that are
	// all refused renew it once (mu), the others retry with the new one.
	refresh func(context.Context) (string, error)
	mu      sync.Mutex
	token   string
	// calls counts the API calls this page made (the console's budget is
	// five a page).
	calls atomic.Int32
}

func (c *Caller) current() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}

// renew replaces the token used, unless another call already did.
func (c *Caller) renew(ctx context.Context, used string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != used {
		return nil
	}
	if c.refresh == nil {
		return errSignedOut // nobody's: nothing to renew
	}
	tok, err := c.refresh(ctx)
	if err != nil {
		return err
	}
	c.token = tok
	return nil
}

// Calls is the number of API calls made so far.
func (c *Caller) Calls() int { return int(c.calls.Load()) }

// call is one request. body is JSON-encoded unless nil; out, when not nil,
// receives the JSON answer. An answer of 4xx or 5xx is a *Problem.
func (c *Caller) call(ctx context.Context, method, path string, query url.Values, body any, idemKey string, out any) error {
	return c.do(ctx, "application/json", method, path, query, body, idemKey, out)
}

// callAccept is a GET of another media type: out (a *[]byte) receives the
// body as it is.
func (c *Caller) callAccept(ctx context.Context, accept, method, path string, query url.Values, out *[]byte) error {
	return c.do(ctx, accept, method, path, query, nil, "", out)
}

func (c *Caller) do(ctx context.Context, accept, method, path string, query url.Values, body any, idemKey string, out any) error {
	var payload []byte
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		payload = b
	}
	return c.doRaw(ctx, accept, "application/json", method, path, query, payload, idemKey, out)
}

// doRaw sends payload as it is, of the type ctype (a multipart upload).
func (c *Caller) doRaw(ctx context.Context, accept, ctype, method, path string, query url.Values, payload []byte, idemKey string, out any) error {
	for attempt := 0; ; attempt++ {
		tok := c.current()
		err := c.once(ctx, tok, accept, ctype, method, path, query, payload, idemKey, out)
		if attempt == 0 && IsStatus(err, http.StatusUnauthorized) && c.refresh != nil {
			if rerr := c.renew(ctx, tok); rerr != nil {
				return err
			}
			continue
		}
		return err
	}
}

func (c *Caller) once(ctx context.Context, token, accept, ctype, method, path string, query url.Values, payload []byte, idemKey string, out any) error {
	c.calls.Add(1)
	u := c.api.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if token != "" { // none: a public route, asked by nobody in particular
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept", accept)
	if payload != nil {
		req.Header.Set("Content-Type", ctype)
	}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := c.api.http.Do(req)
	if err != nil {
		return fmt.Errorf("console: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("console: %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 400 {
		p := &Problem{Status: resp.StatusCode}
		if json.Unmarshal(b, p) != nil || p.Title == "" {
			p.Title = http.StatusText(resp.StatusCode)
		}
		p.Status = resp.StatusCode
		return p
	}
	if out == nil || resp.StatusCode == http.StatusNoContent || len(b) == 0 {
		return nil
	}
	if raw, ok := out.(*[]byte); ok {
		*raw = b
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("console: %s %s: decode: %w", method, path, err)
	}
	return nil
}

func get[T any](ctx context.Context, c *Caller, path string, query url.Values) (T, error) {
	var out T
	err := c.call(ctx, http.MethodGet, path, query, nil, "", &out)
	return out, err
}

func send[T any](ctx context.Context, c *Caller, method, path string, body any, idemKey string) (T, error) {
	var out T
	err := c.call(ctx, method, path, nil, body, idemKey, &out)
	return out, err
}

// p escapes one path segment.
func p(s string) string { return url.PathEscape(s) }

// List is a page of a list answer.
type List[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"nextCursor"`
}
