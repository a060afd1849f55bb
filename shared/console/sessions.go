package console

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/store"
)

// The sessions table (one item per key; DynamoDB's TTL removes an item
// after expiresAt, and a read past it is treated as gone):
//
//	pk                          what
//	SESSION#<sha256 of secret>  userId, sealed tokens, createdAt, seenAt, expiresAt
//	SIGNIN#<sha256 of secret>   a sign-in in progress: next (where to land), expiresAt
//
// The cookie carries a 256-bit random secret; the table keeps only its
// hash, and the person's tokens sealed (AES-256-GCM) under a key derived
// from that secret. A copy of the table therefore signs no one in and
// calls the API as no one. The CSRF token, the OAuth state, nonce and
// PKCE verifier are derived from the cookie's secret too (HMAC), so that
// nothing more is stored to check them.

// secret is the random value a cookie carries.
type secret []byte

func newSecret() secret {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}

func parseSecret(cookie string) (secret, bool) {
	b, err := base64.RawURLEncoding.DecodeString(cookie)
	if err != nil || len(b) != 32 {
		return nil, false
	}
	return b, true
}

func (s secret) cookie() string { return base64.RawURLEncoding.EncodeToString(s) }

func (s secret) hash() string {
	sum := sha256.Sum256(s)
	return hex.EncodeToString(sum[:])
}

// derive is HMAC-SHA256(secret, purpose): one value per purpose, of no use
// for any other.
func (s secret) derive(purpose string) []byte {
	m := hmac.New(sha256.New, s)
	m.Write([]byte("souq-console/" + purpose))
	return m.Sum(nil)
}

func (s secret) derived(purpose string) string {
	return base64.RawURLEncoding.EncodeToString(s.derive(purpose))
}

// Tokens are what the issuer gave: the access token the API takes, and
// the refresh token that renews it (when the API refuses the access
// token, whatever its stated expiry).
type Tokens struct {
	Access  string `json:"a"`
	Refresh string `json:"r,omitempty"`
	IDToken string `json:"i,omitempty"` // the id_token_hint of sign-out
}

func (s secret) seal(t Tokens) (string, error) {
	plain, err := json.Marshal(t)
	if err != nil {
		return "", err
	}
	aead, err := s.aead()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.RawStdEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, nil)), nil
}

func (s secret) open(sealed string) (Tokens, error) {
	var t Tokens
	b, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil {
		return t, err
	}
	aead, err := s.aead()
	if err != nil {
		return t, err
	}
	if len(b) < aead.NonceSize() {
		return t, errors.New("console: sealed tokens too short")
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], nil)
	if err != nil {
		return t, err
	}
	return t, json.Unmarshal(plain, &t)
}

func (s secret) aead() (cipher.AEAD, error) {
	block, err := aes.NewCipher(s.derive("seal"))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Session is a signed-in person.
type Session struct {
	secret    secret
	UserID    string
	Tokens    Tokens
	CreatedAt time.Time
	SeenAt    time.Time
}

// CSRF is the token every form of this session carries.
func (s *Session) CSRF() string { return s.secret.derived("csrf") }

// Sessions keeps sessions and sign-ins in progress.
type Sessions struct {
	db    *dynamodb.Client
	table string
	// Idle ends a session nobody used for that long; Max ends any session
	// that old, used or not.
	Idle, Max time.Duration
	now       func() time.Time
}

// touchEvery bounds the writes of a busy session: its idle expiry moves
// at most once per interval.
const touchEvery = time.Minute

// signInTTL is how long a sign-in may take at the issuer.
const signInTTL = 10 * time.Minute

// ErrNoSession is a missing, unknown, ended or expired session.
var ErrNoSession = errors.New("console: no session")

// NewSessions is the sessions store over the sessions table.
func NewSessions(db *store.DB, table string, idle, max time.Duration, now func() time.Time) *Sessions {
	return &Sessions{db: db.Client, table: db.Table(table), Idle: idle, Max: max, now: now}
}

func (s *Sessions) expiry(created, seen time.Time) time.Time {
	idle, max := seen.Add(s.Idle), created.Add(s.Max)
	if idle.Before(max) {
		return idle
	}
	return max
}

// Create starts a session for userID and returns it with its cookie value.
func (s *Sessions) Create(ctx context.Context, userID string, t Tokens) (*Session, error) {
	sec := newSecret()
	now := s.now().UTC()
	sealed, err := sec.seal(t)
	if err != nil {
		return nil, err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			"pk": store.S("SESSION#" + sec.hash()), "userId": store.S(userID), "sealed": store.S(sealed),
			"createdAt": store.N(now.UnixMilli()), "seenAt": store.N(now.UnixMilli()),
			"expiresAt": store.N(s.expiry(now, now).Unix()),
		},
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if err != nil {
		return nil, fmt.Errorf("console: create session: %w", err)
	}
	return &Session{secret: sec, UserID: userID, Tokens: t, CreatedAt: now, SeenAt: now}, nil
}

// Get is the live session of a cookie value; a busy one's idle expiry moves.
func (s *Sessions) Get(ctx context.Context, cookie string) (*Session, error) {
	sec, ok := parseSecret(cookie)
	if !ok {
		return nil, ErrNoSession
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table),
		Key: map[string]types.AttributeValue{"pk": store.S("SESSION#" + sec.hash())}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("console: read session: %w", err)
	}
	if out.Item == nil {
		return nil, ErrNoSession
	}
	now := s.now()
	created := time.UnixMilli(store.NumberAttr(out.Item, "createdAt")).UTC()
	seen := time.UnixMilli(store.NumberAttr(out.Item, "seenAt")).UTC()
	if !now.Before(s.expiry(created, seen)) {
		_ = s.End(ctx, cookie)
		return nil, ErrNoSession
	}
	t, err := sec.open(store.StringAttr(out.Item, "sealed"))
	if err != nil {
		return nil, ErrNoSession
	}
	sess := &Session{secret: sec, UserID: store.StringAttr(out.Item, "userId"), Tokens: t, CreatedAt: created, SeenAt: seen}
	if now.Sub(seen) >= touchEvery {
		sess.SeenAt = now.UTC()
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.table),
			Key:                       map[string]types.AttributeValue{"pk": store.S("SESSION#" + sec.hash())},
			UpdateExpression:          aws.String("SET seenAt = :s, expiresAt = :e"),
			ConditionExpression:       aws.String("attribute_exists(pk)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":s": store.N(sess.SeenAt.UnixMilli()), ":e": store.N(s.expiry(created, sess.SeenAt).Unix())},
		})
		if store.IsConditionFailed(store.Classify(err)) {
			return nil, ErrNoSession // ended meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("console: touch session: %w", err)
		}
	}
	return sess, nil
}

// SaveTokens stores renewed tokens; it fails with ErrNoSession when the
// session ended meanwhile.
func (s *Sessions) SaveTokens(ctx context.Context, sess *Session, t Tokens) error {
	sealed, err := sess.secret.seal(t)
	if err != nil {
		return err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.table),
		Key:                       map[string]types.AttributeValue{"pk": store.S("SESSION#" + sess.secret.hash())},
		UpdateExpression:          aws.String("SET sealed = :t"),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": store.S(sealed)},
	})
	if store.IsConditionFailed(store.Classify(err)) {
		return ErrNoSession
	}
	if err != nil {
		return fmt.Errorf("console: save tokens: %w", err)
	}
	sess.Tokens = t
	return nil
}

// End deletes the session of a cookie value (signing out, or expired).
func (s *Sessions) End(ctx context.Context, cookie string) error {
	sec, ok := parseSecret(cookie)
	if !ok {
		return nil
	}
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table),
		Key: map[string]types.AttributeValue{"pk": store.S("SESSION#" + sec.hash())}})
	return err
}

// signIn is a sign-in in progress: its cookie's secret derives the state,
// nonce and PKCE verifier.
type signIn struct {
	secret secret
	Next   string
}

func (g signIn) State() string    { return g.secret.derived("state") }
func (g signIn) Nonce() string    { return g.secret.derived("nonce") }
func (g signIn) Verifier() string { return g.secret.derived("pkce") }

// BeginSignIn records a sign-in that lands on next.
func (s *Sessions) BeginSignIn(ctx context.Context, next string) (signIn, error) {
	g := signIn{secret: newSecret(), Next: next}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{"pk": store.S("SIGNIN#" + g.secret.hash()), "next": store.S(next),
			"expiresAt": store.N(s.now().Add(signInTTL).Unix())},
	})
	if err != nil {
		return g, fmt.Errorf("console: begin sign-in: %w", err)
	}
	return g, nil
}

// FinishSignIn takes the sign-in of a cookie value, once: a second
// callback with the same cookie finds nothing.
func (s *Sessions) FinishSignIn(ctx context.Context, cookie string) (signIn, error) {
	sec, ok := parseSecret(cookie)
	if !ok {
		return signIn{}, ErrNoSession
	}
	out, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table),
		Key:          map[string]types.AttributeValue{"pk": store.S("SIGNIN#" + sec.hash())},
		ReturnValues: types.ReturnValueAllOld})
	if err != nil {
		return signIn{}, fmt.Errorf("console: finish sign-in: %w", err)
	}
	if out.Attributes == nil {
		return signIn{}, ErrNoSession
	}
	if s.now().Unix() >= store.NumberAttr(out.Attributes, "expiresAt") {
		return signIn{}, ErrNoSession
	}
	return signIn{secret: sec, Next: store.StringAttr(out.Attributes, "next")}, nil
}
