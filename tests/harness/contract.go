package harness

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/helpers"
)

// contract holds every live response of a suite to
// docs/openapi.yaml: the status must be documented for the operation, and
// the body must match its schema. Paths the document does not describe
// (the deliberate 404s and 405s of routing tests, /local/) are the
// gateway's, not an operation's, and are left out.
type contract struct {
	base http.RoundTripper
	v    validator.Validator
	mu   sync.Mutex
	seen map[string]int // violations, by a line that names them
	ops  map[string]bool
}

// StopHeader marks a request whose function the simulation stops after
// one of its writes (tests/sim); its 500 is Lambda's, not the document's.
const StopHeader = "Souq-Sim-Stop"

func newContract(base http.RoundTripper) (*contract, error) {
	raw, err := os.ReadFile(document)
	if err != nil {
		return nil, err
	}
	doc, err := libopenapi.NewDocument(raw)
	if err != nil {
		return nil, fmt.Errorf("docs/openapi.yaml: %w", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		return nil, fmt.Errorf("docs/openapi.yaml: %v", errs)
	}
	return &contract{base: base, v: v, seen: map[string]int{}, ops: map[string]bool{}}, nil
}

func (c *contract) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err != nil || strings.HasPrefix(req.URL.Path, "/local/") || !operationPath(req.URL.EscapedPath()) {
		return resp, err
	}
	if resp.StatusCode == http.StatusInternalServerError && req.Header.Get(StopHeader) != "" {
		return resp, nil // the simulation stopped its function mid-way: Lambda's 500, not the API's answer
	}
	body, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	if rerr != nil {
		return nil, rerr
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	check := *resp
	check.Body = io.NopCloser(bytes.NewReader(body))
	ok, errs := c.v.ValidateHttpResponse(req, &check)
	c.mu.Lock()
	defer c.mu.Unlock()
	if ok {
		c.ops[req.Method+" "+req.URL.Path] = true
		return resp, nil
	}
	for _, e := range errs {
		if e.ValidationType == helpers.PathValidation || e.ValidationSubType == helpers.ValidationMissingOperation ||
			e.ValidationSubType == helpers.ValidationMissing && resp.StatusCode == http.StatusMethodNotAllowed {
			continue // not an operation of the document: the gateway's own 404 or 405
		}
		what := e.Reason
		if len(e.SchemaValidationErrors) > 0 {
			var parts []string
			for _, f := range e.SchemaValidationErrors {
				parts = append(parts, f.FieldPath+": "+f.Reason)
			}
			sort.Strings(parts)
			what = strings.Join(parts, "; ")
		}
		path := e.SpecPath
		if path == "" {
			path = req.URL.Path
		}
		c.seen[fmt.Sprintf("%s %s → %d: %s", req.Method, path, resp.StatusCode, what)]++
	}
	return resp, nil
}

// operationPath reports whether a raw path could be an operation's as API
// Gateway matches them: a trailing or doubled slash, or an encoded slash,
// is another path (the gateway's 404), whatever a lenient matcher thinks.
func operationPath(raw string) bool {
	return !strings.Contains(raw, "//") && (raw == "/" || !strings.HasSuffix(raw, "/")) && !strings.Contains(strings.ToLower(raw), "%2f")
}

// violations lists what the document did not describe, once each.
func (c *contract) violations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.seen))
	for k, n := range c.seen {
		out = append(out, fmt.Sprintf("%s [×%d]", k, n))
	}
	sort.Strings(out)
	return out
}
