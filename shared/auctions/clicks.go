package auctions

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/souqhq/souq/shared/fault"
)

// ClickSigner makes and checks click tokens: opaque, HMAC-SHA256-signed
// (flight, expiry). A token can only send a click to its own flight's
// clickUrl, so /c/ is never an open redirect.
type ClickSigner struct {
	Key []byte
}

// ClickTTL is how long a served click URL stays valid.
const ClickTTL = 24 * time.Hour

const macLen = 18 // bytes of the HMAC kept: 144 bits

// Sign returns the token for a click on flightID served now.
func (s ClickSigner) Sign(flightID string, expires time.Time) string {
	payload := "1|" + flightID + "|" + strconv.FormatInt(expires.Unix(), 36)
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

func (s ClickSigner) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte(payload))
	return m.Sum(nil)[:macLen]
}

// errBadToken is every refusal of a token: forged, expired and malformed
// look the same (404) to whoever probes.
var errBadToken = fault.New(fault.NotFound, "auctions.Click", "no such click")

// Verify returns the flight of a valid, unexpired token.
func (s ClickSigner) Verify(token string, now time.Time) (string, error) {
	if len(token) > 300 {
		return "", errBadToken
	}
	p64, m64, ok := strings.Cut(token, ".")
	if !ok {
		return "", errBadToken
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	mac, err2 := base64.RawURLEncoding.DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.mac(string(payload))) {
		return "", errBadToken
	}
	parts := strings.Split(string(payload), "|")
	if len(parts) != 3 || parts[0] != "1" {
		return "", errBadToken
	}
	exp, err := strconv.ParseInt(parts[2], 36, 64)
	if err != nil || !now.Before(time.Unix(exp, 0)) {
		return "", errBadToken
	}
	return parts[1], nil
}
