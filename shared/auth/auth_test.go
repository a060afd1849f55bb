package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"

	"github.com/souqhq/souq/shared/fault"
)

func TestHMACKeys_IssueAndVerify(t *testing.T) {
	k := HMACKeys{Key: []byte("0123456789abcdef0123456789abcdef"), Issuer: LocalIssuer}
	tok, err := k.Issue("usr_alice", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p, err := k.VerifyToken(context.Background(), tok)
	if err != nil || p.Kind != KindUser || p.UserID != "usr_alice" {
		t.Fatalf("verify = %+v, %v", p, err)
	}
	other := HMACKeys{Key: []byte("another-key-another-key-another!!"), Issuer: LocalIssuer}
	if _, err := other.VerifyToken(context.Background(), tok); fault.KindOf(err) != fault.Unauthorized {
		t.Fatalf("foreign key accepted: %v", err)
	}
	wrongIssuer := HMACKeys{Key: k.Key, Issuer: "someone-else"}
	if _, err := wrongIssuer.VerifyToken(context.Background(), tok); fault.KindOf(err) != fault.Unauthorized {
		t.Fatalf("wrong issuer accepted: %v", err)
	}
	late := HMACKeys{Key: k.Key, Issuer: LocalIssuer, Now: func() time.Time { return time.Now().Add(2 * time.Hour) }}
	if _, err := late.VerifyToken(context.Background(), tok); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired token accepted: %v", err)
	}
}

func TestHMACKeys_RefusesAlgNoneAndTokensWithoutExpiry(t *testing.T) {
	k := HMACKeys{Key: []byte("0123456789abcdef0123456789abcdef"), Issuer: LocalIssuer}
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": "usr_x", "iss": LocalIssuer, "exp": time.Now().Add(time.Hour).Unix()}).
		SignedString(jwt.UnsafeAllowNoneSignatureType)
	noExp, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "usr_x", "iss": LocalIssuer}).SignedString(k.Key)
	for name, tok := range map[string]string{"alg none": none, "no exp": noExp} {
		if _, err := k.VerifyToken(context.Background(), tok); fault.KindOf(err) != fault.Unauthorized {
			t.Errorf("%s accepted: %v", name, err)
		}
	}
}

func TestAPIKeySecret_ShapeHashAndPrefix(t *testing.T) {
	a, b := NewAPIKeySecret(false), NewAPIKeySecret(true)
	if !strings.HasPrefix(a, TestKeyPrefix) || !strings.HasPrefix(b, LiveKeyPrefix) || len(a) != len(TestKeyPrefix)+52 {
		t.Fatalf("secrets %q %q", a, b)
	}
	if a == NewAPIKeySecret(false) || HashAPIKey(a) == HashAPIKey(b) || len(HashAPIKey(a)) != 64 {
		t.Fatal("secrets or hashes repeat")
	}
	if DisplayPrefix(a) != a[:12] || !IsAPIKey(a) || IsAPIKey("eyJhbGciOi") {
		t.Fatal("prefix or shape check wrong")
	}
}

type fakeKeys map[string]Principal

func (f fakeKeys) LookupAPIKey(_ context.Context, hash string) (Principal, error) {
	if p, ok := f[hash]; ok {
		return p, nil
	}
	return Principal{}, fault.New(fault.Unauthorized, "fake", "API key is unknown or revoked")
}

type downKeys struct{}

func (downKeys) LookupAPIKey(context.Context, string) (Principal, error) {
	return Principal{}, fault.New(fault.Unavailable, "fake", "store down")
}

// The authorizer puts either a principal or a refusal in the context, and
// FromContext turns them back into the same principal or the right error.
func TestAuthorizer_RoundTripsPrincipalsAndRefusals(t *testing.T) {
	hk := HMACKeys{Key: []byte("0123456789abcdef0123456789abcdef"), Issuer: LocalIssuer}
	secret := NewAPIKeySecret(false)
	client := Principal{Kind: KindClient, AccountKind: AccountAdvertiser, AccountID: "adv_1", KeyID: "key_1"}
	a := &Authorizer{Tokens: hk, Keys: fakeKeys{HashAPIKey(secret): client}}
	tok, _ := hk.Issue("usr_bob", time.Hour)
	ctx := context.Background()
	cases := []struct {
		header string
		want   Principal
		kind   fault.Kind
	}{
		{"Bearer " + tok, Principal{Kind: KindUser, UserID: "usr_bob"}, -1},
		{"bearer " + secret, client, -1},
		{"Bearer " + NewAPIKeySecret(false), Principal{}, fault.Unauthorized},
		{"Bearer " + NewAPIKeySecret(true), Principal{}, fault.Unauthorized},
		{"Token " + tok, Principal{}, fault.Unauthorized},
		{"Bearer", Principal{}, fault.Unauthorized},
		{"Bearer " + strings.Repeat("a", 9000), Principal{}, fault.Unauthorized},
	}
	for i, c := range cases {
		out, err := a.Handle(ctx, events.APIGatewayV2CustomAuthorizerV2Request{IdentitySource: []string{c.header}})
		if err != nil || !out.IsAuthorized {
			t.Fatalf("case %d: %v %+v", i, err, out)
		}
		p, err := FromContext(out.Context)
		if c.kind == -1 {
			if err != nil || p != c.want {
				t.Fatalf("case %d: %+v %v, want %+v", i, p, err, c.want)
			}
			continue
		}
		if fault.KindOf(err) != c.kind {
			t.Fatalf("case %d: err %v, want kind %s", i, err, c.kind)
		}
	}
	// A store outage is 503, never a 401 that would make clients drop keys.
	down := &Authorizer{Tokens: hk, Keys: downKeys{}}
	out, _ := down.Handle(ctx, events.APIGatewayV2CustomAuthorizerV2Request{IdentitySource: []string{"Bearer " + secret}})
	if _, err := FromContext(out.Context); fault.KindOf(err) != fault.Unavailable {
		t.Fatalf("outage = %v, want Unavailable", err)
	}
	if _, err := FromContext(nil); fault.KindOf(err) != fault.Unauthorized {
		t.Fatalf("no context = %v", err)
	}
	if _, err := FromContext(map[string]any{"kind": "user", "userId": "alice"}); fault.KindOf(err) != fault.Unauthorized {
		t.Fatalf("malformed principal accepted: %v", err)
	}
}

// Cognito: RS256 access tokens checked against the pool's JWKS, with
// token_use and client_id enforced and unknown kids not refetched in a loop.
func TestCognitoVerifier(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/pool/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		fetches.Add(1)
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
			"kid": "k1", "kty": "RSA", "alg": "RS256", "use": "sig",
			"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
		}}})
	}))
	defer srv.Close()
	issuer := srv.URL + "/pool"
	v := &CognitoVerifier{Issuer: issuer, ClientIDs: []string{"app1"}, HTTP: srv.Client()}
	sign := func(kid string, claims jwt.MapClaims) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := jwt.MapClaims{"sub": "3f1c-uuid", "iss": issuer, "exp": time.Now().Add(time.Hour).Unix(), "token_use": "access", "client_id": "app1"}
	p, err := v.VerifyToken(context.Background(), sign("k1", good))
	if err != nil || p.UserID != "usr_3f1c-uuid" {
		t.Fatalf("good token: %+v %v", p, err)
	}
	bad := map[string]string{}
	idToken := jwt.MapClaims{}
	for k, val := range good {
		idToken[k] = val
	}
	idToken["token_use"] = "id"
	bad["id token"] = sign("k1", idToken)
	otherApp := jwt.MapClaims{}
	for k, val := range good {
		otherApp[k] = val
	}
	otherApp["client_id"] = "app2"
	bad["other app"] = sign("k1", otherApp)
	bad["unknown kid"] = sign("k9", good)
	hs, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, good).SignedString([]byte("x"))
	bad["HS256 confusion"] = hs
	for name, tok := range bad {
		if _, err := v.VerifyToken(context.Background(), tok); fault.KindOf(err) != fault.Unauthorized {
			t.Errorf("%s: err = %v, want Unauthorized", name, err)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Fatalf("JWKS fetched %d times, want 1", n)
	}
}

func TestAdvertiserFor_KeyIsItsAdvertiserPersonMustName(t *testing.T) {
	key := Principal{Kind: KindClient, AccountKind: AccountAdvertiser, AccountID: "adv_1"}
	community := Principal{Kind: KindClient, AccountKind: AccountCommunity, AccountID: "com_1"}
	person := Principal{Kind: KindUser, UserID: "usr_1"}
	for _, c := range []struct {
		name  string
		p     Principal
		named string
		want  string
		kind  fault.Kind // ignored when want is set: then no error
	}{
		{"an advertiser's key", key, "", "adv_1", 0},
		{"the key naming itself", key, "adv_1", "adv_1", 0},
		{"the key naming another", key, "adv_2", "", fault.NotFound},
		{"a community's key", community, "adv_1", "", fault.Forbidden},
		{"a person naming one", person, "adv_9", "adv_9", 0},
		{"a person naming none", person, "", "", fault.Invalid},
	} {
		got, err := c.p.AdvertiserFor("test", c.named, "bid")
		if got != c.want || (c.want != "") != (err == nil) || err != nil && fault.KindOf(err) != c.kind {
			t.Errorf("%s: %q %v, want %q %q", c.name, got, err, c.want, c.kind)
		}
	}
}

func TestActsForAdvertiser_KeyForItsOwnPersonLeftToOwnership(t *testing.T) {
	for _, c := range []struct {
		name        string
		p           Principal
		advertiser  string
		wantSettled bool
		wantErr     fault.Kind // 0: no error
	}{
		{"an advertiser's key for itself", Principal{Kind: KindClient, AccountKind: AccountAdvertiser, AccountID: "adv_1", KeyID: "key_1"}, "adv_1", true, 0},
		{"an advertiser's key for another", Principal{Kind: KindClient, AccountKind: AccountAdvertiser, AccountID: "adv_1", KeyID: "key_1"}, "adv_2", false, fault.NotFound},
		{"a community's key of the same id", Principal{Kind: KindClient, AccountKind: AccountCommunity, AccountID: "adv_1", KeyID: "key_2"}, "adv_1", false, fault.NotFound},
		{"a community's key", Principal{Kind: KindClient, AccountKind: AccountCommunity, AccountID: "com_1", KeyID: "key_3"}, "adv_1", false, fault.NotFound},
		{"a key for no advertiser", Principal{Kind: KindClient, AccountKind: AccountAdvertiser}, "", false, fault.NotFound},
		{"a person", Principal{Kind: KindUser, UserID: "usr_1"}, "adv_1", false, 0},
		{"a person for an advertiser that is not", Principal{Kind: KindUser, UserID: "usr_1"}, "adv_nope", false, 0},
		{"no principal", Principal{}, "adv_1", false, fault.NotFound},
	} {
		settled, err := c.p.ActsForAdvertiser("test", c.advertiser)
		if settled != c.wantSettled || (err == nil) != (c.wantErr == 0) || err != nil && fault.KindOf(err) != c.wantErr {
			t.Errorf("%s: settled %v, %v; want %v, %v", c.name, settled, err, c.wantSettled, c.wantErr)
		}
	}
}

// A token signed with the right key for the right issuer, but for another
// audience (or none), is refused.
func TestHMACKeys_RefusesTheWrongAudience(t *testing.T) {
	k := HMACKeys{Key: []byte("0123456789abcdef0123456789abcdef"), Issuer: LocalIssuer}
	exp := time.Now().Add(time.Hour).Unix()
	sign := func(c jwt.MapClaims) string {
		s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(k.Key)
		return s
	}
	good := sign(jwt.MapClaims{"sub": "usr_x", "iss": LocalIssuer, "aud": LocalAudience, "exp": exp})
	if _, err := k.VerifyToken(context.Background(), good); err != nil {
		t.Fatalf("the right audience: %v", err)
	}
	for name, tok := range map[string]string{
		"another audience": sign(jwt.MapClaims{"sub": "usr_x", "iss": LocalIssuer, "aud": "billing-api", "exp": exp}),
		"no audience":      sign(jwt.MapClaims{"sub": "usr_x", "iss": LocalIssuer, "exp": exp}),
		"another issuer":   sign(jwt.MapClaims{"sub": "usr_x", "iss": "evil", "aud": LocalAudience, "exp": exp}),
	} {
		if _, err := k.VerifyToken(context.Background(), tok); fault.KindOf(err) != fault.Unauthorized {
			t.Errorf("%s accepted: %v", name, err)
		}
	}
}
