package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// A page that cannot be made (a template's error, an API that failed)
// answers 502 with a page of its own: a reference of ten characters that
// the log line carries too, with the cause, which the page never shows;
// the console's navigation; and, for a GET, a link that tries the same
// page again.
func TestFail_InternalErrorAnswers502WithItsReferenceInTheLog(t *testing.T) {
	var logged bytes.Buffer
	c := &Console{cfg: Config{Log: slog.New(slog.NewJSONHandler(&logged, nil))}, version: "v123"}
	nav := []string{"/console/", "/console/communities", "/console/advertisers", "/console/market", "/console/auctions", "/console/deals", "/console/payouts", "/console/webhooks"}
	for _, tc := range []struct {
		name, method, target string
		err                  error
		again                string // the Try again link, or none
	}{
		{"a template's error", http.MethodGet, "/console/campaigns/cmp_1?by=device", errors.New(`render campaign: template: "content" at <title $>: secret cause`), "/console/campaigns/cmp_1?by=device"},
		{"the API's 500", http.MethodGet, "/console/payouts", &Problem{Status: http.StatusInternalServerError, Title: "Internal Server Error", Detail: "secret cause"}, "/console/payouts"},
		{"a form", http.MethodPost, "/console/campaigns/cmp_1/pause", errors.New("secret cause"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logged.Reset()
			w := httptest.NewRecorder()
			c.fail(w, httptest.NewRequest(tc.method, tc.target, nil), tc.err)
			page := w.Body.String()
			if w.Code != http.StatusBadGateway || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") || w.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("answered %d %v", w.Code, w.Header())
			}
			m := regexp.MustCompile(`<code>([^<]*)</code>`).FindStringSubmatch(page)
			if m == nil || !regexp.MustCompile(`^[0-9A-F]{10}$`).MatchString(m[1]) {
				t.Fatalf("no reference of ten characters on the page:\n%s", page)
			}
			var line struct{ Level, Msg, Path, Ref, Error string }
			if err := json.Unmarshal(logged.Bytes(), &line); err != nil {
				t.Fatalf("the log line %q: %v", logged.String(), err)
			}
			if line.Level != "ERROR" || line.Ref != m[1] || line.Path != strings.SplitN(tc.target, "?", 2)[0] || !strings.Contains(line.Error, "secret cause") {
				t.Errorf("the log line %+v does not carry the page's reference %s and the cause", line, m[1])
			}
			if strings.Contains(page, "secret cause") {
				t.Error("the page shows the cause")
			}
			for _, href := range nav {
				if !strings.Contains(page, `<a href="`+href+`">`) {
					t.Errorf("no link to %s in the navigation", href)
				}
			}
			if !strings.Contains(page, `<nav aria-label="Main">`) || !strings.Contains(page, `<main id="main">`) || strings.Count(page, "<h1>") != 1 {
				t.Errorf("the page lacks its landmarks:\n%s", page)
			}
			again := regexp.MustCompile(`<a href="([^"]*)">Try again</a>`).FindStringSubmatch(page)
			switch {
			case tc.again == "" && again != nil:
				t.Errorf("a form's failure offers to send it again: %s", again[0])
			case tc.again != "" && (again == nil || again[1] != tc.again):
				t.Errorf("Try again links to %v, want %s", again, tc.again)
			}
		})
	}
	// Two failures are two references.
	w1, w2 := httptest.NewRecorder(), httptest.NewRecorder()
	c.fail(w1, httptest.NewRequest(http.MethodGet, "/console/", nil), errors.New("x"))
	c.fail(w2, httptest.NewRequest(http.MethodGet, "/console/", nil), errors.New("x"))
	if w1.Body.String() == w2.Body.String() {
		t.Error("two failures share a reference")
	}
}

func TestCount_SaysOneThingInTheSingular(t *testing.T) {
	for n, want := range map[int]string{0: "0 bids", 1: "1 bid", 2: "2 bids", 1000: "1000 bids"} {
		if got := count(n, "bid", "bids"); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}
