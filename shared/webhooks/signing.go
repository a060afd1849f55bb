package webhooks

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// SecretPrefix starts every endpoint secret (Standard Webhooks).
const SecretPrefix = "whsec_"

// NewSecret is whsec_ and 24 random bytes in base64.
func NewSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// secretKey is the HMAC key of a secret: its base64 part, decoded.
func secretKey(secret string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil || len(k) < 16 {
		return nil, errors.New("webhooks: not a whsec_ secret")
	}
	return k, nil
}

// Sign is the webhook-signature header for a message: "v1," and the
// base64 HMAC-SHA256 of "id.timestamp.body", once per secret (space
// separated), so that during a rotation a receiver holding either secret
// can verify.
func Sign(id string, timestamp int64, body []byte, secrets ...string) (string, error) {
	var sigs []string
	for _, s := range secrets {
		k, err := secretKey(s)
		if err != nil {
			return "", err
		}
		m := hmac.New(sha256.New, k)
		m.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
		m.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}

// Vault seals endpoint secrets at rest with AES-256-GCM under a key that
// lives outside the table (a generated secret in AWS).
type Vault struct{ aead cipher.AEAD }

// NewVault derives the sealing key from key material of any length.
func NewVault(material []byte) (*Vault, error) {
	if len(material) < 16 {
		return nil, errors.New("webhooks: the vault needs at least 16 bytes of key material")
	}
	k := sha256.Sum256(material)
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Vault{aead: aead}, nil
}

// Seal encrypts a secret; the endpoint id is bound in as associated data,
// so a sealed secret copied onto another endpoint does not open.
func (v *Vault) Seal(endpointID, secret string) string {
	nonce := make([]byte, v.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.StdEncoding.EncodeToString(v.aead.Seal(nonce, nonce, []byte(secret), []byte(endpointID)))
}

// Open decrypts a sealed secret.
func (v *Vault) Open(endpointID, sealed string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < v.aead.NonceSize() {
		return "", errors.New("webhooks: a sealed secret is damaged")
	}
	n := v.aead.NonceSize()
	plain, err := v.aead.Open(nil, raw[:n], raw[n:], []byte(endpointID))
	if err != nil {
		return "", errors.New("webhooks: a sealed secret does not open")
	}
	return string(plain), nil
}
