package serving

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/traffic"
)

// Kind is what an offer shows.
type Kind string

// The kinds of offer, in the order a slot's decision prefers them
// (campaigns join between flight and house).
const (
	KindFlight   Kind = "flight"
	KindCampaign Kind = "campaign"
	KindHouse    Kind = "house"
)

// OfferTTL is how long an offer's view and click URLs stay valid.
const OfferTTL = 2 * time.Hour

// Offer is one decision, as its token carries it.
type Offer struct {
	ID     string // off_…: one per decision
	Kind   Kind
	SlotID string
	// Ref is what it shows: the flight's or campaign's id, or the slot's
	// for a house ad.
	Ref      string
	IssuedAt time.Time
	// Dims are what a campaign's offer was decided for, for its report's
	// breakdowns: the viewer's country ("" unknown), device ("" unknown)
	// and the campaign's keyword the page or slot had ("" when it targets
	// none). A flight's and a house ad's are empty.
	Dims Dims
}

// Dims are the breakdowns' values of one offer (DESIGN §13).
type Dims struct {
	Country, Device, Keyword string
}

// Signer makes and checks offer tokens: the offer's fields and its issue
// time, HMAC-SHA256-signed. A token can only count for, and send a click
// to, its own offer, so /c/ is never an open redirect.
type Signer struct {
	Key []byte
	// macs reuses keyed HMACs (making one costs more than using it).
	macs *sync.Pool
	// previous are keys a token may still be signed with (Verify), never
	// signed with again: the key the function's secret was before OfferKey
	// (a token lives OfferTTL, and a release must not void those out).
	previous []Signer
}

// WithPrevious is s that also takes tokens signed with keys (Verify).
func (s Signer) WithPrevious(keys ...[]byte) Signer {
	for _, k := range keys {
		s.previous = append(s.previous, NewSigner(k))
	}
	return s
}

// signed reports whether mac is payload's under the key or a previous one.
func (s Signer) signed(mac []byte, payload string) bool {
	if hmac.Equal(mac, s.mac(payload)) {
		return true
	}
	for _, p := range s.previous {
		if hmac.Equal(mac, p.mac(payload)) {
			return true
		}
	}
	return false
}

// OfferKeyLabel is what the function's secret keys to make offer tokens'
// key (OfferKey).
const OfferKeyLabel = "souq offer tokens"

// OfferKey is the key of offer tokens: the hex HMAC-SHA256 of
// OfferKeyLabel under the function's secret. The edge checks view beacons
// with it before any Lambda runs (infra/cdk/beacon.js, its key put by
// docs/deploy.md), and so never holds the function's secret itself.
func OfferKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(OfferKeyLabel))
	return []byte(hex.EncodeToString(m.Sum(nil)))
}

// NewSigner is a signer with a pool of keyed HMACs.
func NewSigner(key []byte) Signer {
	k := slices.Clone(key)
	return Signer{Key: k, macs: &sync.Pool{New: func() any { return hmac.New(sha256.New, k) }}}
}

const (
	// o2 adds the offer's dims to o1's fields; o1 tokens (issued before
	// it, valid for OfferTTL) are still read, with no dims.
	tokenVersion = "o2"
	tokenV1      = "o1"
	macLen       = 18 // bytes of the HMAC kept: 144 bits
	maxToken     = 640
)

// NewOfferID is a new offer's id.
func NewOfferID(now time.Time) string { return id.New("ofr", now) }

// Sign is the token of an offer.
func (s Signer) Sign(o Offer) string {
	// A keyword never holds "|" (targeting refuses it), nor do the other
	// fields: the payload splits back into its fields.
	payload := strings.Join([]string{tokenVersion, o.ID, string(o.Kind), o.SlotID, o.Ref, strconv.FormatInt(o.IssuedAt.Unix(), 36),
		o.Dims.Country, o.Dims.Device, o.Dims.Keyword}, "|")
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

func (s Signer) mac(payload string) []byte {
	if s.macs == nil {
		m := hmac.New(sha256.New, s.Key)
		m.Write([]byte(payload))
		return m.Sum(nil)[:macLen]
	}
	m := s.macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(payload))
	sum := m.Sum(nil)[:macLen]
	s.macs.Put(m)
	return sum
}

// Verify reads a token at now. A token whose signature does not hold is
// Forged; a true one past OfferTTL (or issued in the future) is Expired,
// and its offer is still returned, so that the refusal counts for it.
func (s Signer) Verify(token string, now time.Time) (Offer, traffic.Reason, bool) {
	if len(token) > maxToken {
		return Offer{}, traffic.Forged, false
	}
	p64, m64, ok := strings.Cut(token, ".")
	if !ok {
		return Offer{}, traffic.Forged, false
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	mac, err2 := base64.RawURLEncoding.DecodeString(m64)
	if err1 != nil || err2 != nil || !s.signed(mac, string(payload)) {
		return Offer{}, traffic.Forged, false
	}
	parts := strings.Split(string(payload), "|")
	if !(len(parts) == 9 && parts[0] == tokenVersion) && !(len(parts) == 6 && parts[0] == tokenV1) {
		return Offer{}, traffic.Forged, false
	}
	at, err := strconv.ParseInt(parts[5], 36, 64)
	if err != nil {
		return Offer{}, traffic.Forged, false
	}
	o := Offer{ID: parts[1], Kind: Kind(parts[2]), SlotID: parts[3], Ref: parts[4], IssuedAt: time.Unix(at, 0).UTC()}
	if len(parts) == 9 {
		o.Dims = Dims{Country: parts[6], Device: parts[7], Keyword: parts[8]}
	}
	if o.Kind != KindFlight && o.Kind != KindCampaign && o.Kind != KindHouse {
		return Offer{}, traffic.Forged, false
	}
	if age := now.Sub(o.IssuedAt); age >= OfferTTL || age < -time.Minute {
		return o, traffic.Expired, false
	}
	return o, "", true
}
