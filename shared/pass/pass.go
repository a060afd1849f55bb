// Package pass is the membership pass of DESIGN §17: a JWT Souq signs
// (ES256) that tells a community's site and Souq's own serving who is an
// ad-free member, without a call: `iss` Souq's URL, `aud` the community,
// `sub` a pseudonymous id per person and community, `tier`, `benefits`,
// `exp` at most 24 hours on. Its public keys are published as a JWKS
// (`GET /.well-known/jwks.json`), each with its `kid`: the newest key
// signs, every key listed verifies, so a key is rotated by adding a new
// one and dropping the old a day (the longest pass) later.
package pass

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MaxTTL is the longest a pass is good for.
const MaxTTL = 24 * time.Hour

// BenefitAdFree is the benefit that hides ads (memberships.BenefitAdFree).
const BenefitAdFree = "ad_free"

// Claims are a pass's claims.
type Claims struct {
	Tier     string   `json:"tier"`
	Benefits []string `json:"benefits"`
	jwt.RegisteredClaims
}

// AdFree reports whether the pass hides ads.
func (c Claims) AdFree() bool { return slices.Contains(c.Benefits, BenefitAdFree) }

// Key is one signing key and its id.
type Key struct {
	ID      string
	private *ecdsa.PrivateKey
}

// Keys sign and verify passes: the first signs, all verify.
type Keys struct {
	Issuer string
	keys   []Key
	subKey []byte
}

// ErrNoKeys is a Keys with nothing to sign with.
var ErrNoKeys = errors.New("pass: no keys")

// Derive makes the pass keys from the platform's secret, one per
// generation named (newest first): the same secret and generation give
// the same key on every instance and function, so serving verifies what
// memberships signed without sharing a key file. issuer is Souq's URL.
func Derive(secret []byte, issuer string, generations ...string) (*Keys, error) {
	if len(secret) < 32 || len(generations) == 0 {
		return nil, ErrNoKeys
	}
	k := &Keys{Issuer: issuer}
	sub, err := hkdf.Key(sha256.New, secret, nil, "souq pass subject", 32)
	if err != nil {
		return nil, err
	}
	k.subKey = sub
	curve := elliptic.P256()
	n1 := new(big.Int).Sub(curve.Params().N, big.NewInt(1))
	for _, g := range generations {
		// A scalar in [1, N-1] from 48 bytes (the bias is below 2^-128).
		b, err := hkdf.Key(sha256.New, secret, nil, "souq pass key "+g, 48)
		if err != nil {
			return nil, err
		}
		d := new(big.Int).Mod(new(big.Int).SetBytes(b), n1)
		d.Add(d, big.NewInt(1))
		priv, err := ecdsa.ParseRawPrivateKey(curve, d.FillBytes(make([]byte, 32)))
		if err != nil {
			return nil, err
		}
		k.keys = append(k.keys, Key{ID: kid(&priv.PublicKey), private: priv})
	}
	return k, nil
}

// kid names a public key: the first 16 bytes of the SHA-256 of its
// uncompressed point, base64url.
func kid(pub *ecdsa.PublicKey) string {
	raw, _ := pub.Bytes()
	sum := sha256.Sum256(raw)
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// Subject is a person's pseudonymous id at a community: the same for the
// same person and community, different across communities, and nothing
// a site could turn back into the person.
func (k *Keys) Subject(userID, communityID string) string {
	m := hmac.New(sha256.New, k.subKey)
	m.Write([]byte(userID + "\x00" + communityID))
	return "mbr_" + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// Issue signs a pass for a member of a community until exp (at most
// MaxTTL after now).
func (k *Keys) Issue(communityID, subject, tier string, benefits []string, now, exp time.Time) (string, error) {
	if len(k.keys) == 0 {
		return "", ErrNoKeys
	}
	if !exp.After(now) || exp.Sub(now) > MaxTTL {
		return "", fmt.Errorf("pass: a pass lasts at most %s", MaxTTL)
	}
	if benefits == nil {
		benefits = []string{}
	}
	c := Claims{Tier: tier, Benefits: benefits, RegisteredClaims: jwt.RegisteredClaims{Issuer: k.Issuer, Subject: subject,
		Audience: jwt.ClaimStrings{communityID}, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp)}}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	t.Header["kid"] = k.keys[0].ID
	return t.SignedString(k.keys[0].private)
}

// Verify reads a pass for a community at now: ES256 by one of the keys
// (by its kid), from this issuer, for this community, not expired, and
// issued for no longer than MaxTTL. Anything else is an error: a forged,
// expired or other community's pass is no pass.
func (k *Keys) Verify(token, communityID string, now time.Time) (Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		id, _ := t.Header["kid"].(string)
		for _, key := range k.keys {
			if key.ID == id {
				return &key.private.PublicKey, nil
			}
		}
		return nil, errors.New("pass: unknown key")
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuer(k.Issuer), jwt.WithAudience(communityID),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(func() time.Time { return now }))
	if err != nil {
		return Claims{}, err
	}
	if c.IssuedAt == nil || c.ExpiresAt.Sub(c.IssuedAt.Time) > MaxTTL {
		return Claims{}, errors.New("pass: issued for too long")
	}
	return c, nil
}

// JWK is one public key as a JWKS lists it (RFC 7517, 7518).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
}

// JWKS is the public keys, for any JWT library to verify passes with.
func (k *Keys) JWKS() struct {
	Keys []JWK `json:"keys"`
} {
	out := struct {
		Keys []JWK `json:"keys"`
	}{Keys: []JWK{}}
	for _, key := range k.keys {
		raw, _ := key.private.PublicKey.Bytes() // 0x04 ‖ X ‖ Y
		out.Keys = append(out.Keys, JWK{Kty: "EC", Crv: "P-256", Kid: key.ID, Use: "sig", Alg: "ES256",
			X: base64.RawURLEncoding.EncodeToString(raw[1:33]), Y: base64.RawURLEncoding.EncodeToString(raw[33:65])})
	}
	return out
}
