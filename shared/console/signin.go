package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const signInCookie = "souq_signin"

// safeNext is where a sign-in may land: a console path, never another
// site (//evil.example, /\evil, https://…).
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") ||
		strings.HasPrefix(next, "/console/signin") || strings.HasPrefix(next, "/console/callback") {
		return "/console/"
	}
	return next
}

func (c *Console) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode}
}

// signIn starts the authorization code flow with PKCE: the state, nonce
// and verifier come from a fresh sign-in cookie's secret.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	prov, err := c.oidcProvider(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	g, err := c.sessions.BeginSignIn(r.Context(), safeNext(r.URL.Query().Get("next")))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	http.SetCookie(w, c.cookie(signInCookie, g.secret.cookie(), int(signInTTL.Seconds())))
	u := c.oauth(prov).AuthCodeURL(g.State(), oauth2.S256ChallengeOption(g.Verifier()), oidc.Nonce(g.Nonce()))
	http.Redirect(w, r, u, http.StatusFound)
}

// callback finishes it: the state must be this browser's, the code is
// exchanged with the verifier, the ID token must carry the nonce.
func (c *Console) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		c.refuse(w, r, http.StatusBadRequest, "Sign-in did not finish ("+e+"). Try again.")
		return
	}
	ck, err := r.Cookie(signInCookie)
	if err != nil {
		c.refuse(w, r, http.StatusBadRequest, "This sign-in was started elsewhere or has expired. Sign in again.")
		return
	}
	http.SetCookie(w, c.cookie(signInCookie, "", -1))
	g, err := c.sessions.FinishSignIn(ctx, ck.Value)
	if errors.Is(err, ErrNoSession) || (err == nil && subtle.ConstantTimeCompare([]byte(g.State()), []byte(q.Get("state"))) != 1) {
		c.refuse(w, r, http.StatusBadRequest, "This sign-in was started elsewhere or has expired. Sign in again.")
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	prov, err := c.oidcProvider(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	octx := oidc.ClientContext(ctx, c.cfg.HTTP)
	tok, err := c.oauth(prov).Exchange(octx, q.Get("code"), oauth2.VerifierOption(g.Verifier()))
	if err != nil {
		c.refuse(w, r, http.StatusBadRequest, "The sign-in code was refused. Sign in again.")
		return
	}
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := prov.Verifier(&oidc.Config{ClientID: c.cfg.ClientID, Now: c.cfg.Now}).Verify(octx, rawID)
	if err != nil || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(g.Nonce())) != 1 {
		c.refuse(w, r, http.StatusBadRequest, "The sign-in could not be verified. Sign in again.")
		return
	}
	sess, err := c.sessions.Create(ctx, userID(idt.Subject), Tokens{Access: tok.AccessToken, Refresh: tok.RefreshToken, IDToken: rawID})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	http.SetCookie(w, c.cookie(c.prefix, sess.secret.cookie(), int(c.cfg.Max.Seconds())))
	http.SetCookie(w, c.cookie(rolesCookie, "", -1)) // learnt afresh: a new session may be another person's
	http.Redirect(w, r, safeNext(g.Next), http.StatusSeeOther)
}

// userID is the API's name for the subject (the API prefixes usr_ too).
func userID(sub string) string {
	if strings.HasPrefix(sub, "usr_") {
		return sub
	}
	return "usr_" + sub
}

// signOut ends the session here, then at the issuer.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request, s *Session) {
	_ = c.sessions.End(r.Context(), s.secret.cookie())
	http.SetCookie(w, c.cookie(c.prefix, "", -1))
	http.SetCookie(w, c.cookie(rolesCookie, "", -1)) // the next person's navigation is their own
	after := c.cfg.BaseURL + "/console/signed-out"
	if _, err := c.oidcProvider(r.Context()); err == nil && c.endURL != "" {
		q := url.Values{"client_id": {c.cfg.ClientID}, "post_logout_redirect_uri": {after}, "id_token_hint": {s.Tokens.IDToken}}
		http.Redirect(w, r, c.endURL+"?"+q.Encode(), http.StatusSeeOther)
		return
	}
	if c.cfg.LogoutURL != "" {
		q := url.Values{"client_id": {c.cfg.ClientID}, "logout_uri": {after}}
		http.Redirect(w, r, c.cfg.LogoutURL+"?"+q.Encode(), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, after, http.StatusSeeOther)
}

// session is the request's live session, or nil.
func (c *Console) session(r *http.Request) (*Session, error) {
	ck, err := r.Cookie(c.prefix)
	if err != nil {
		return nil, nil
	}
	s, err := c.sessions.Get(r.Context(), ck.Value)
	if errors.Is(err, ErrNoSession) {
		return nil, nil
	}
	return s, err
}

// caller is the API as the session's person, renewing their access token
// when it has expired or the API refuses it.
func (c *Console) caller(s *Session) *Caller {
	call := &Caller{api: c.api, token: s.Tokens.Access}
	call.refresh = func(ctx context.Context) (string, error) {
		if s.Tokens.Refresh == "" {
			return "", errSignedOut
		}
		prov, err := c.oidcProvider(ctx)
		if err != nil {
			return "", err
		}
		octx := oidc.ClientContext(ctx, c.cfg.HTTP)
		old := &oauth2.Token{RefreshToken: s.Tokens.Refresh, Expiry: time.Unix(1, 0)}
		tok, err := c.oauth(prov).TokenSource(octx, old).Token()
		if err != nil {
			return "", errSignedOut
		}
		t := Tokens{Access: tok.AccessToken, Refresh: s.Tokens.Refresh, IDToken: s.Tokens.IDToken}
		if tok.RefreshToken != "" {
			t.Refresh = tok.RefreshToken // rotated
		}
		if err := c.sessions.SaveTokens(ctx, s, t); err != nil {
			return "", err
		}
		return t.Access, nil
	}
	return call
}

var errSignedOut = errors.New("console: the session's tokens can no longer be renewed")
