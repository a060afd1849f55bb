package auth

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/souqhq/souq/shared/fault"
)

// TokenVerifier turns a bearer JWT into a user principal.
type TokenVerifier interface {
	VerifyToken(ctx context.Context, token string) (Principal, error)
}

// LocalIssuer is the issuer of tokens signed by the local platform.
const LocalIssuer = "souq-local"

// LocalAudience is the audience of those tokens: the Souq API. A token
// minted for anything else, even with the right key, is refused.
const LocalAudience = "souq-api"

// HMACKeys signs and verifies HS256 tokens with one shared key. It is the
// local platform's stand-in for Cognito and is never used in AWS.
type HMACKeys struct {
	Key    []byte
	Issuer string
	Now    func() time.Time
}

// Issue signs a token for userID valid for ttl.
func (h HMACKeys) Issue(userID string, ttl time.Duration) (string, error) {
	now := h.now()
	claims := jwt.RegisteredClaims{
		Issuer:    h.Issuer,
		Subject:   userID,
		Audience:  jwt.ClaimStrings{LocalAudience},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(h.Key)
}

// VerifyToken checks signature (HS256 only: "alg: none" and every other
// algorithm are refused), issuer, audience and expiry.
func (h HMACKeys) VerifyToken(_ context.Context, token string) (Principal, error) {
	claims := &jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return h.Key, nil },
		jwt.WithValidMethods([]string{"HS256"}),
		jwt.WithIssuer(h.Issuer),
		jwt.WithAudience(LocalAudience),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(h.now),
		jwt.WithLeeway(30*time.Second),
	)
	if err != nil {
		return Principal{}, tokenError(err)
	}
	return userPrincipal(claims.Subject)
}

func (h HMACKeys) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func userPrincipal(sub string) (Principal, error) {
	if sub == "" || len(sub) > 128 {
		return Principal{}, fault.New(fault.Unauthorized, "auth.VerifyToken", "token has no usable subject")
	}
	if !strings.HasPrefix(sub, "usr_") {
		sub = "usr_" + sub
	}
	return Principal{Kind: KindUser, UserID: sub}, nil
}

func tokenError(err error) error {
	const op = "auth.VerifyToken"
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return fault.New(fault.Unauthorized, op, "token expired")
	case errors.Is(err, jwt.ErrTokenMalformed):
		return fault.New(fault.Unauthorized, op, "token is malformed")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return fault.New(fault.Unauthorized, op, "token signature is invalid")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return fault.New(fault.Unauthorized, op, "token is not valid yet")
	}
	return fault.New(fault.Unauthorized, op, "token is invalid")
}

// CognitoVerifier verifies Cognito access tokens (RS256) against the user
// pool's JWKS, which it fetches once and refreshes on an unknown key id.
type CognitoVerifier struct {
	Issuer    string   // https://cognito-idp.<region>.amazonaws.com/<poolId>
	ClientIDs []string // app clients whose tokens are accepted
	HTTP      *http.Client
	Now       func() time.Time

	mu        sync.RWMutex
	keys      map[string]*rsa.PublicKey
	fetchedAt time.Time
}

// VerifyToken checks an access token's signature, issuer, expiry, token_use
// and client_id.
func (c *CognitoVerifier) VerifyToken(ctx context.Context, token string) (Principal, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return c.key(ctx, kid)
	},
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(c.Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(c.now),
	)
	if err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) {
			return Principal{}, fe
		}
		return Principal{}, tokenError(err)
	}
	if use, _ := claims["token_use"].(string); use != "access" {
		return Principal{}, fault.New(fault.Unauthorized, "auth.VerifyToken", "an access token is required")
	}
	cid, _ := claims["client_id"].(string)
	ok := false
	for _, allowed := range c.ClientIDs {
		ok = ok || cid == allowed
	}
	if !ok {
		return Principal{}, fault.New(fault.Unauthorized, "auth.VerifyToken", "token is for another application")
	}
	sub, _ := claims["sub"].(string)
	return userPrincipal(sub)
}

func (c *CognitoVerifier) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *CognitoVerifier) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	c.mu.RLock()
	k, ok := c.keys[kid]
	fresh := time.Since(c.fetchedAt) < time.Minute
	c.mu.RUnlock()
	if ok {
		return k, nil
	}
	if fresh {
		// An unknown kid right after a fetch is a forged or foreign token;
		// refetching for each one would let anyone hammer the JWKS endpoint.
		return nil, jwt.ErrTokenUnverifiable
	}
	if err := c.refresh(ctx); err != nil {
		return nil, fault.New(fault.Unavailable, "auth.VerifyToken", "signing keys could not be fetched")
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if k, ok := c.keys[kid]; ok {
		return k, nil
	}
	return nil, jwt.ErrTokenUnverifiable
}

func (c *CognitoVerifier) refresh(ctx context.Context) error {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 3 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(c.Issuer, "/")+"/.well-known/jwks.json", nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("jwks: status %d", resp.StatusCode)
	}
	var doc struct {
		Keys []struct {
			Kid, Kty, N, E string
		} `json:"keys"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(&doc); err != nil {
		return err
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range doc.Keys {
		if k.Kty != "RSA" {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) > 4 {
			continue
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	c.mu.Lock()
	c.keys, c.fetchedAt = keys, time.Now()
	c.mu.Unlock()
	return nil
}
