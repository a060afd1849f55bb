package console

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// A page's parallel calls that the API refuses with an expired token
// renew it once, and all of them go through with the new one.
func TestCaller_ParallelRefusalsRenewOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer new" {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"title":"Unauthorized","status":401,"detail":"token expired"}`))
			return
		}
		_, _ = w.Write([]byte(`{"userId":"usr_a","communities":[],"advertisers":[]}`))
	}))
	defer srv.Close()
	var renewals atomic.Int32
	c := &Caller{api: NewAPI(srv.URL, srv.Client()), token: "old", refresh: func(context.Context) (string, error) {
		renewals.Add(1)
		return "new", nil
	}}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = c.Me(context.Background()) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := renewals.Load(); n != 1 {
		t.Fatalf("%d renewals, want 1", n)
	}
	// A token that cannot be renewed leaves the API's 401 as the answer.
	bad := &Caller{api: NewAPI(srv.URL, srv.Client()), token: "old", refresh: func(context.Context) (string, error) { return "", errSignedOut }}
	if _, err := bad.Me(context.Background()); !IsStatus(err, http.StatusUnauthorized) {
		t.Fatalf("unrenewable: %v", err)
	}
}

// The Lambda adapter gives the console the request API Gateway got
// (cookies, query, a base64 body) and the gateway the cookies it sets.
func TestLambda_RequestAndCookiesRoundTrip(t *testing.T) {
	c := &Console{}
	c.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ck, _ := r.Cookie("souq_session")
		_ = r.ParseForm()
		http.SetCookie(w, &http.Cookie{Name: "a", Value: "1"})
		http.SetCookie(w, &http.Cookie{Name: "b", Value: "2"})
		w.Header().Set("X-Echo", r.Method+" "+r.URL.Path+" "+r.URL.Query().Get("q")+" "+ck.Value+" "+r.PostForm.Get("f")+" "+r.Host)
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte("ok"))
	})
	out, err := c.Lambda(context.Background(), events.APIGatewayV2HTTPRequest{
		RawPath: "/console/x", RawQueryString: "q=1", Cookies: []string{"souq_session=s3", "other=o"},
		Headers: map[string]string{"content-type": "application/x-www-form-urlencoded", "host": "api.example"},
		Body:    base64.StdEncoding.EncodeToString([]byte("f=v")), IsBase64Encoded: true,
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", SourceIP: "1.2.3.4"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.StatusCode != http.StatusTeapot || out.Headers["X-Echo"] != "POST /console/x 1 s3 v api.example" || out.Body != "ok" {
		t.Fatalf("%+v", out)
	}
	if strings.Join(out.Cookies, ";") != "a=1;b=2" {
		t.Fatalf("cookies %v", out.Cookies)
	}
}
