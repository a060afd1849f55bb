package pass

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var (
	secret = []byte("a platform secret of at least thirty-two bytes")
	now    = time.Date(2039, 1, 31, 9, 0, 0, 0, time.UTC)
)

func keys(t *testing.T, secret []byte, gens ...string) *Keys {
	t.Helper()
	k, err := Derive(secret, "https://api.souq.example", gens...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// A pass verifies for its community until it expires, and with nothing
// else: not another community's, not after its exp, not one signed with
// another secret, not with its payload changed, not unsigned (alg none).
func TestPass_VerifiesOnlyWhatSouqSignedForTheCommunity(t *testing.T) {
	k := keys(t, secret, "1")
	sub := k.Subject("usr_1", "com_a")
	tok, err := k.Issue("com_a", sub, "tier_1", []string{"ad_free", "deep_dive"}, now, now.Add(MaxTTL))
	if err != nil {
		t.Fatal(err)
	}
	c, err := k.Verify(tok, "com_a", now.Add(time.Hour))
	if err != nil || c.Subject != sub || c.Tier != "tier_1" || !c.AdFree() || c.Issuer != "https://api.souq.example" {
		t.Fatalf("%+v %v", c, err)
	}
	if _, err := k.Verify(tok, "com_b", now); err == nil {
		t.Error("another community's pass verified")
	}
	if _, err := k.Verify(tok, "com_a", now.Add(MaxTTL+time.Second)); err == nil {
		t.Error("an expired pass verified")
	}
	other := keys(t, []byte("another secret of at least thirty-two bytes!!"), "1")
	forged, _ := other.Issue("com_a", sub, "tier_1", []string{"ad_free"}, now, now.Add(time.Hour))
	if _, err := k.Verify(forged, "com_a", now); err == nil {
		t.Error("a pass of other keys verified")
	}
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	changed := strings.Replace(string(payload), `"tier_1"`, `"tier_2"`, 1)
	if _, err := k.Verify(parts[0]+"."+base64.RawURLEncoding.EncodeToString([]byte(changed))+"."+parts[2], "com_a", now); err == nil {
		t.Error("a changed pass verified")
	}
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if _, err := k.Verify(none, "com_a", now); err == nil {
		t.Error("an unsigned pass verified")
	}
	if _, err := k.Issue("com_a", sub, "tier_1", nil, now, now.Add(MaxTTL+time.Second)); err == nil {
		t.Error("a pass of more than a day was issued")
	}
	// The subject is per person and community.
	if k.Subject("usr_1", "com_b") == sub || k.Subject("usr_2", "com_a") == sub || keys(t, secret, "1").Subject("usr_1", "com_a") != sub {
		t.Error("subjects")
	}
}

// Rotation: keys derived with a newer generation sign with it and still
// verify a pass of the older; the JWKS lists both, newest first; the same
// secret and generation give the same key (and kid) everywhere.
func TestPass_Rotation(t *testing.T) {
	old := keys(t, secret, "1")
	tok, _ := old.Issue("com_a", "mbr_x", "tier_1", []string{"ad_free"}, now, now.Add(time.Hour))
	rotated := keys(t, secret, "2", "1")
	if _, err := rotated.Verify(tok, "com_a", now); err != nil {
		t.Fatalf("the older key's pass after rotation: %v", err)
	}
	fresh, _ := rotated.Issue("com_a", "mbr_x", "tier_1", []string{"ad_free"}, now, now.Add(time.Hour))
	if _, err := old.Verify(fresh, "com_a", now); err == nil {
		t.Fatal("a key not yet known verified")
	}
	j := rotated.JWKS()
	if len(j.Keys) != 2 || j.Keys[1].Kid != old.JWKS().Keys[0].Kid || j.Keys[0].Kid == j.Keys[1].Kid {
		t.Fatalf("JWKS %+v", j)
	}
}

// The JWKS is enough for any library: a key rebuilt from its x and y
// alone verifies a pass, as a community's site would.
func TestPass_JWKSVerifiesWithAnyLibrary(t *testing.T) {
	k := keys(t, secret, "1")
	tok, _ := k.Issue("com_a", "mbr_x", "tier_1", []string{"ad_free"}, now, now.Add(time.Hour))
	b, _ := json.Marshal(k.JWKS())
	var set struct {
		Keys []struct{ Kty, Crv, X, Y, Kid, Alg string }
	}
	if err := json.Unmarshal(b, &set); err != nil || len(set.Keys) != 1 || set.Keys[0].Kty != "EC" || set.Keys[0].Crv != "P-256" || set.Keys[0].Alg != "ES256" {
		t.Fatalf("%s", b)
	}
	x, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].X)
	y, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].Y)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := jwt.Parse(tok, func(t *jwt.Token) (any, error) {
		if t.Header["kid"] != set.Keys[0].Kid {
			t.Header["kid"] = "wrong"
		}
		return pub, nil
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience("com_a"), jwt.WithTimeFunc(func() time.Time { return now }))
	if err != nil || !parsed.Valid || parsed.Header["kid"] != set.Keys[0].Kid {
		t.Fatalf("verified by the JWKS alone: %v", err)
	}
}

func TestDerive_RefusesAShortSecret(t *testing.T) {
	if _, err := Derive([]byte("short"), "x", "1"); err == nil {
		t.Fatal("a short secret made keys")
	}
	if _, err := Derive(secret, "x"); err == nil {
		t.Fatal("no generation made keys")
	}
}
