package tests

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/souqhq/souq/shared/auth"
)

// Every way of presenting bad credentials is a 401 problem, on user routes
// and client routes alike, and changes nothing.
func TestAuth_BadCredentialsAre401(t *testing.T) {
	t.Parallel()
	expired := signHS256(t, []byte("not-the-key"), time.Now().Add(-time.Hour))
	parts := strings.Split(demo.Users["owner"].Token, ".")
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	algNone := noneHeader + "." + parts[1] + "."
	hs512 := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims{"sub": "usr_x", "iss": "souq-local", "exp": time.Now().Add(time.Hour).Unix()})
	hs512Token, _ := hs512.SignedString([]byte("whatever"))
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"usr_demo_advertiser","iss":"souq-local","exp":9999999999}`)) + "." + parts[2]

	cases := []struct {
		name, header string
	}{
		{"no header", ""},
		{"not bearer", "Basic dXNlcjpwYXNz"},
		{"bearer without credential", "Bearer "},
		{"garbage token", "Bearer not.a.jwt"},
		{"wrong signing key", "Bearer " + signHS256(t, []byte("not-the-key"), time.Now().Add(time.Hour))},
		{"expired and foreign", "Bearer " + expired},
		{"alg none", "Bearer " + algNone},
		{"other algorithm", "Bearer " + hs512Token},
		{"tampered claims", "Bearer " + tampered},
		{"unknown API key", "Bearer sk_test_0000000000000000000000000000000000000000000000000000"},
		{"live key in test mode", "Bearer sk_live_0000000000000000000000000000000000000000000000000000"},
		{"malformed key", "Bearer sk_nope"},
	}
	for _, c := range cases {
		for _, path := range []string{"/v1/me", "/v1/advertisers/" + demo.AdvertiserID} {
			t.Run(c.name+" "+path, func(t *testing.T) {
				req, _ := http.NewRequest("GET", base+path, nil)
				if c.header != "" {
					req.Header.Set("Authorization", c.header)
				}
				resp, err := hc.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 401 || resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Fatalf("status %d (%s), want a 401 problem", resp.StatusCode, resp.Header.Get("Content-Type"))
				}
				if resp.Header.Get("WWW-Authenticate") == "" {
					t.Fatal("401 without WWW-Authenticate")
				}
			})
		}
	}
}

// An expired token signed with the platform's own key is refused as
// expired (not as forged).
func TestAuth_ExpiredTokenIs401(t *testing.T) {
	t.Parallel()
	old := auth.HMACKeys{Key: plat.Tokens.Key, Issuer: auth.LocalIssuer, Now: func() time.Time { return plat.Clock.Now().Add(-48 * time.Hour) }}
	token, err := old.Issue("usr_demo_owner", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	r := expect(t, do(t, call{method: "GET", path: "/v1/me", auth: token}), 401)
	if r.problem.Detail != "token expired" {
		t.Fatalf("detail = %q, want the reason: token expired", r.problem.Detail)
	}
	// Tokens are judged by the platform's clock, which other tests move.
	fresh, _ := auth.HMACKeys{Key: plat.Tokens.Key, Issuer: auth.LocalIssuer, Now: plat.Clock.Now}.Issue("usr_demo_owner", time.Hour)
	expect(t, do(t, call{method: "GET", path: "/v1/me", auth: fresh}), 200)
}

func TestAuth_RevokedKeyIs401AtOnce(t *testing.T) {
	t.Parallel()
	_, token := newUser(t)
	adv := createAdvertiser(t, token)
	k := createKey(t, token, "/v1/advertisers/"+adv)
	expect(t, do(t, call{method: "GET", path: "/v1/advertisers/" + adv, auth: k.Secret}), 200)
	expect(t, do(t, call{method: "DELETE", path: "/v1/advertisers/" + adv + "/api-keys/" + k.ID, auth: token}), 204)
	expect(t, do(t, call{method: "GET", path: "/v1/advertisers/" + adv, auth: k.Secret}), 401)
	// Revoking again changes nothing and still answers 204.
	expect(t, do(t, call{method: "DELETE", path: "/v1/advertisers/" + adv + "/api-keys/" + k.ID, auth: token}), 204)
	if got := countEventsFor(t, "APIKeyRevoked", "keyId", k.ID); got != 1 {
		t.Fatalf("APIKeyRevoked published %d times, want 1", got)
	}
}

// A principal of the wrong kind gets 403: an API key cannot manage keys,
// and a user's token is not an API key.
func TestAuth_WrongPrincipalKindIs403(t *testing.T) {
	t.Parallel()
	expect(t, do(t, call{method: "POST", path: "/v1/advertisers/" + demo.AdvertiserID + "/api-keys", auth: demo.APIKeys["advertiser"], body: `{"name":"x"}`}), 403)
	expect(t, do(t, call{method: "GET", path: "/v1/me", auth: demo.APIKeys["community"]}), 403)
}

func signHS256(t *testing.T, key []byte, exp time.Time) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "usr_demo_owner", "iss": "souq-local", "aud": "souq-api", "exp": exp.Unix()})
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func countEventsFor(t *testing.T, detailType, field, value string) int {
	t.Helper()
	n := 0
	for _, e := range events(t, detailType) {
		if d, ok := e["detail"].(map[string]any); ok && d[field] == value {
			n++
		}
	}
	return n
}
