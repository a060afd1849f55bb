package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// API key secrets look like sk_test_<52 base32 chars> (32 random bytes).
// Only their SHA-256 is stored: a leaked table leaks no usable key. A plain
// hash (no salt, no KDF) is right here because the secret has 256 bits of
// entropy; it also lets the authorizer find the key by its hash in one read.
const (
	TestKeyPrefix = "sk_test_"
	LiveKeyPrefix = "sk_live_"
)

const keyAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// NewAPIKeySecret returns a new secret for mode "test" or "live".
func NewAPIKeySecret(live bool) string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	var sb strings.Builder
	if live {
		sb.WriteString(LiveKeyPrefix)
	} else {
		sb.WriteString(TestKeyPrefix)
	}
	// 256 bits → 52 base32 characters (the last carries 1 bit).
	var acc uint32
	bits := 0
	for _, c := range b {
		acc = acc<<8 | uint32(c)
		bits += 8
		for bits >= 5 {
			bits -= 5
			sb.WriteByte(keyAlphabet[(acc>>uint(bits))&31])
		}
	}
	if bits > 0 {
		sb.WriteByte(keyAlphabet[(acc<<uint(5-bits))&31])
	}
	return sb.String()
}

// HashAPIKey is the stored form of a secret.
func HashAPIKey(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// IsAPIKey reports whether a bearer credential has the shape of an API key
// (as opposed to a JWT).
func IsAPIKey(credential string) bool {
	return strings.HasPrefix(credential, TestKeyPrefix) || strings.HasPrefix(credential, LiveKeyPrefix)
}

// DisplayPrefix is the part of a secret that lists may show: the mode
// prefix and four characters, enough to tell keys apart, useless to an
// attacker.
func DisplayPrefix(secret string) string {
	if len(secret) < len(TestKeyPrefix)+4 {
		return secret
	}
	return secret[:len(TestKeyPrefix)+4]
}

// KeyLookup finds the principal of an API key by the key's hash. It returns
// fault.Unauthorized for unknown and revoked keys.
type KeyLookup interface {
	LookupAPIKey(ctx context.Context, hash string) (Principal, error)
}
