// Package id makes Souq's object identifiers: a type prefix and a ULID-style
// body (48 bits of milliseconds then 80 random bits, Crockford base32), so
// ids are opaque to clients, unguessable, and sort by creation time.
//
// It must never derive an id from client input: ids that must be
// deterministic (transfer ids from a business event) are built by the
// owning context, not here.
package id

import (
	"crypto/rand"
	"strings"
	"time"
)

const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// New returns prefix + "_" + a 26-character sortable random body.
func New(prefix string, now time.Time) string {
	var b [16]byte
	ms := uint64(now.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	if _, err := rand.Read(b[6:]); err != nil {
		// crypto/rand never fails on Linux; if it does, the process cannot
		// make safe secrets either, so stopping is the only honest answer.
		panic("id: crypto/rand failed: " + err.Error())
	}
	return prefix + "_" + encode(b)
}

// encode writes 128 bits as 26 base32 characters, most significant first.
func encode(b [16]byte) string {
	var sb strings.Builder
	sb.Grow(26)
	// 130 bits of output for 128 bits of input: the first character carries 3 bits.
	var acc uint64
	bits := 2 // two leading zero bits pad 128 to 130
	idx := 0
	for n := 0; n < 26; n++ {
		for bits < 5 {
			acc = acc<<8 | uint64(b[idx])
			idx++
			bits += 8
		}
		bits -= 5
		sb.WriteByte(crockford[(acc>>uint(bits))&31])
	}
	return sb.String()
}

// HasPrefix reports whether s looks like an id of the given prefix: the
// prefix, an underscore and a non-empty body of safe characters. Handlers use
// it to refuse malformed path ids with 404 before touching storage.
func HasPrefix(s, prefix string) bool {
	if !strings.HasPrefix(s, prefix+"_") {
		return false
	}
	body := s[len(prefix)+1:]
	if body == "" || len(body) > 64 {
		return false
	}
	for _, r := range body {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
