package local

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"html/template"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The local platform's OpenID Connect issuer: the stand-in for Cognito's
// hosted sign-in, so that the console runs the same OIDC code (discovery,
// authorization code with PKCE, token, JWKS, refresh, sign-out) against
// both. Its sign-in page asks for a user id, the stand-in for sign-up: any
// new id is a new person.
//
// It is a small one of our own rather than mockoidc or zitadel's provider:
// mockoidc serves on a listener of its own and signs in a queued user with
// no page to type an id on, and zitadel's provider needs a storage layer
// and a dependency tree larger than the rest of the platform, for the five
// endpoints the console uses. The access tokens it hands out are the
// platform's own API tokens (auth.HMACKeys), on the platform's clock, so
// that a session outlives a jump of the clock only by refreshing them, as
// Cognito's one-hour tokens must be refreshed in AWS.

// ConsoleClientID is the console's client at the local issuer.
const ConsoleClientID = "souq-console"

const (
	oidcPath           = "/local/oidc"
	oidcCodeTTL        = time.Minute
	oidcAccessTTL      = time.Hour
	oidcIDTokenTTL     = 5 * time.Minute
	oidcRefreshTTL     = 30 * 24 * time.Hour
	oidcMaxOutstanding = 10_000
)

var localUserID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,60}$`)

type oidcCode struct {
	clientID, redirectURI, challenge, nonce, userID string
	expires                                         time.Time
}

type oidcRefresh struct {
	clientID, userID string
	expires          time.Time
}

// issuer is the local OIDC provider.
type issuer struct {
	p   *Platform
	key *rsa.PrivateKey
	kid string

	mu       sync.Mutex
	codes    map[string]oidcCode
	refreshs map[string]oidcRefresh
}

func newIssuer(p *Platform) (*issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return &issuer{p: p, key: key, kid: "local-" + randomToken(6), codes: map[string]oidcCode{}, refreshs: map[string]oidcRefresh{}}, nil
}

// IssuerURL is the issuer's identifier (and the base of its endpoints).
func (p *Platform) IssuerURL() string { return p.BaseURL + oidcPath }

// ConsoleURL is where the console is.
func (p *Platform) ConsoleURL() string { return p.BaseURL + "/console/" }

func (o *issuer) callback() string    { return o.p.BaseURL + "/console/callback" }
func (o *issuer) afterLogout() string { return o.p.BaseURL + "/console/signed-out" }

func (o *issuer) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+oidcPath+"/.well-known/openid-configuration", o.discovery)
	mux.HandleFunc("GET "+oidcPath+"/authorize", o.authorizePage)
	mux.HandleFunc("POST "+oidcPath+"/authorize", o.authorize)
	mux.HandleFunc("POST "+oidcPath+"/token", o.token)
	mux.HandleFunc("GET "+oidcPath+"/jwks", o.jwks)
	mux.HandleFunc("GET "+oidcPath+"/logout", o.logout)
}

func (o *issuer) discovery(w http.ResponseWriter, r *http.Request) {
	base := o.p.IssuerURL()
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                base,
		"authorization_endpoint":                base + "/authorize",
		"token_endpoint":                        base + "/token",
		"jwks_uri":                              base + "/jwks",
		"end_session_endpoint":                  base + "/logout",
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "profile"},
		"token_endpoint_auth_methods_supported": []string{"none"},
	})
}

func (o *issuer) jwks(w http.ResponseWriter, r *http.Request) {
	pub := o.key.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": o.kid,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// authParams are what an authorization request carries, checked: a page
// never redirects to a URI it does not know.
type authParams struct {
	ClientID, RedirectURI, State, Nonce, Challenge, Scope string
}

func (o *issuer) params(v url.Values) (authParams, string) {
	a := authParams{ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"), State: v.Get("state"),
		Nonce: v.Get("nonce"), Challenge: v.Get("code_challenge"), Scope: v.Get("scope")}
	switch {
	case a.ClientID != ConsoleClientID:
		return a, "unknown client_id: the local issuer knows only " + ConsoleClientID
	case a.RedirectURI != o.callback():
		return a, "redirect_uri must be " + o.callback()
	case v.Get("response_type") != "code":
		return a, "response_type must be code"
	case v.Get("code_challenge_method") != "S256" || len(a.Challenge) < 43:
		return a, "PKCE is required: code_challenge with code_challenge_method=S256"
	case a.State == "":
		return a, "state is required"
	}
	return a, ""
}

var signInPage = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Souq (local)</title><link rel="icon" href="/console/static/favicon.svg"><link rel="stylesheet" href="/console/static/console.css"></head>
<body class="signin"><main id="main"><h1>Sign in to Souq</h1>
<p>This is the local platform's sign-in: type any user id. A new id is a new person.</p>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
{{if .Form}}<form method="post" action="/local/oidc/authorize">
<input type="hidden" name="client_id" value="{{.Form.ClientID}}"><input type="hidden" name="redirect_uri" value="{{.Form.RedirectURI}}">
<input type="hidden" name="state" value="{{.Form.State}}"><input type="hidden" name="nonce" value="{{.Form.Nonce}}">
<input type="hidden" name="code_challenge" value="{{.Form.Challenge}}"><input type="hidden" name="code_challenge_method" value="S256">
<input type="hidden" name="response_type" value="code"><input type="hidden" name="scope" value="{{.Form.Scope}}">
<div class="field"><label for="user_id">User id</label>
<input id="user_id" name="user_id" value="{{.UserID}}" required maxlength="64" autocomplete="username" autofocus
 aria-describedby="user_id_help"{{if .Error}} aria-invalid="true"{{end}}>
<p id="user_id_help" class="help">Letters, digits, _ and -, for example usr_alice.</p></div>
<button type="submit">Sign in</button></form>{{end}}
</main></body></html>`))

type signInView struct {
	Form   *authParams
	UserID string
	Error  string
}

func (o *issuer) page(w http.ResponseWriter, status int, v signInView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = signInPage.Execute(w, v)
}

func (o *issuer) authorizePage(w http.ResponseWriter, r *http.Request) {
	a, problem := o.params(r.URL.Query())
	if problem != "" {
		o.page(w, http.StatusBadRequest, signInView{Error: problem})
		return
	}
	o.page(w, http.StatusOK, signInView{Form: &a})
}

func (o *issuer) authorize(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		o.page(w, http.StatusBadRequest, signInView{Error: "the form could not be read"})
		return
	}
	a, problem := o.params(r.PostForm)
	if problem != "" {
		o.page(w, http.StatusBadRequest, signInView{Error: problem})
		return
	}
	uid := strings.TrimSpace(r.PostForm.Get("user_id"))
	if !strings.HasPrefix(uid, "usr_") {
		uid = "usr_" + uid
	}
	if !localUserID.MatchString(strings.TrimPrefix(uid, "usr_")) {
		o.page(w, http.StatusUnprocessableEntity, signInView{Form: &a, UserID: r.PostForm.Get("user_id"),
			Error: "User id must be 1 to 60 letters, digits, _ or -, for example usr_alice."})
		return
	}
	code := randomToken(32)
	o.mu.Lock()
	o.sweep()
	o.codes[code] = oidcCode{clientID: a.ClientID, redirectURI: a.RedirectURI, challenge: a.Challenge, nonce: a.Nonce,
		userID: uid, expires: time.Now().Add(oidcCodeTTL)}
	o.mu.Unlock()
	q := url.Values{"code": {code}, "state": {a.State}}
	http.Redirect(w, r, a.RedirectURI+"?"+q.Encode(), http.StatusFound)
}

// sweep forgets expired codes and refresh tokens; the caller holds mu.
func (o *issuer) sweep() {
	now := time.Now()
	if len(o.codes)+len(o.refreshs) < oidcMaxOutstanding {
		return
	}
	for k, c := range o.codes {
		if now.After(c.expires) {
			delete(o.codes, k)
		}
	}
	for k, rt := range o.refreshs {
		if now.After(rt.expires) {
			delete(o.refreshs, k)
		}
	}
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func (o *issuer) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the form could not be read")
		return
	}
	f := r.PostForm
	if id, _, ok := r.BasicAuth(); ok && f.Get("client_id") == "" {
		f.Set("client_id", id)
	}
	if f.Get("client_id") != ConsoleClientID {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client")
		return
	}
	var userID, nonce string
	switch f.Get("grant_type") {
	case "authorization_code":
		o.mu.Lock()
		c, ok := o.codes[f.Get("code")]
		delete(o.codes, f.Get("code")) // single use, even when the rest is wrong
		o.mu.Unlock()
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		challenge := base64.RawURLEncoding.EncodeToString(sum[:])
		switch {
		case !ok || time.Now().After(c.expires):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the code is unknown, used or expired")
			return
		case c.redirectURI != f.Get("redirect_uri") || c.clientID != f.Get("client_id"):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the code was issued for another client or redirect_uri")
			return
		case subtle.ConstantTimeCompare([]byte(challenge), []byte(c.challenge)) != 1:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
			return
		}
		userID, nonce = c.userID, c.nonce
	case "refresh_token":
		o.mu.Lock()
		rt, ok := o.refreshs[f.Get("refresh_token")]
		o.mu.Unlock()
		if !ok || time.Now().After(rt.expires) || rt.clientID != f.Get("client_id") {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token is unknown or expired")
			return
		}
		userID = rt.userID
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "authorization_code or refresh_token")
		return
	}
	access, err := o.p.Tokens.Issue(userID, oidcAccessTTL)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "")
		return
	}
	// The ID token says who signed in, now: on the wall clock, which the
	// console checks it by. The access token is for the API, which runs on
	// the platform's clock.
	now := time.Now()
	claims := jwt.MapClaims{"iss": o.p.IssuerURL(), "sub": userID, "aud": ConsoleClientID,
		"iat": now.Unix(), "exp": now.Add(oidcIDTokenTTL).Unix(), "auth_time": now.Unix()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = o.kid
	idToken, err := tok.SignedString(o.key)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "")
		return
	}
	out := map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": int(oidcAccessTTL.Seconds()), "id_token": idToken}
	if f.Get("grant_type") == "authorization_code" {
		refresh := randomToken(32)
		o.mu.Lock()
		o.refreshs[refresh] = oidcRefresh{clientID: ConsoleClientID, userID: userID, expires: now.Add(oidcRefreshTTL)}
		o.mu.Unlock()
		out["refresh_token"] = refresh
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

// logout ends the issuer's side (it keeps no session of its own: every
// sign-in asks for the id) and returns to the console's signed-out page.
func (o *issuer) logout(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("post_logout_redirect_uri") == o.afterLogout() {
		http.Redirect(w, r, o.afterLogout(), http.StatusFound)
		return
	}
	o.page(w, http.StatusOK, signInView{Error: "You are signed out."})
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
