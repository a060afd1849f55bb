package traffic

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"strings"
	"time"

	"github.com/souqhq/souq/shared/clock"
)

// Sources hashes where an event came from: HMAC-SHA256 under a secret key
// of the UTC day and the address's network (Network). The raw address is
// never kept, and a day's hashes do not match the next day's.
type Sources struct {
	Key []byte
}

// Of is the source of an event from addr at now. Only the address makes
// it: the same address with another user agent is the same source.
func (s Sources) Of(addr string, now time.Time) string {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte(now.UTC().Format(clock.DayLayout) + "\x00" + Network(addr)))
	return hex.EncodeToString(m.Sum(nil)[:12])
}

// Network is who an address says a viewer is, as near as an address can:
// an IPv4 address whole (also one written IPv4-mapped, ::ffff:a.b.c.d),
// and an IPv6 address by its /64, the one network a home, office or
// phone is given, within which each device picks and rotates addresses
// at will (RFC 8981), so that one person can use a new address per
// request. "addr:port" and "[addr]:port" are read too; anything that is
// no address is kept as it is, so it still names one source.
func Network(addr string) string {
	raw := strings.TrimSpace(addr)
	a, err := netip.ParseAddr(raw)
	if err != nil {
		ap, perr := netip.ParseAddrPort(raw)
		if perr != nil {
			return raw
		}
		a = ap.Addr()
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return a.String()
	}
	return p.String()
}
