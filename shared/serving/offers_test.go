package serving

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/traffic"
)

func TestSigner_SignVerifyExpireForge(t *testing.T) {
	s := Signer{Key: []byte("0123456789abcdef0123456789abcdef")}
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	o := Offer{ID: NewOfferID(at), Kind: KindFlight, SlotID: "slot_1", Ref: "flt_1", IssuedAt: at}
	tok := s.Sign(o)
	got, reason, ok := s.Verify(tok, at.Add(OfferTTL-time.Second))
	if !ok || reason != "" || got != o {
		t.Fatalf("a fresh token: %+v %q %v", got, reason, ok)
	}
	if got, reason, ok := s.Verify(tok, at.Add(OfferTTL)); ok || reason != traffic.Expired || got.Ref != "flt_1" {
		t.Fatalf("at two hours: %+v %q %v (want expired, with its offer)", got, reason, ok)
	}
	if _, reason, ok := s.Verify(tok, at.Add(-2*time.Minute)); ok || reason != traffic.Expired {
		t.Fatalf("issued in the future: %q %v", reason, ok)
	}
	p64, mac, _ := strings.Cut(tok, ".")
	other := (Signer{Key: []byte("another key of thirty-two bytes!")}).Sign(o)
	for name, bad := range map[string]string{
		"another key":    other,
		"no mac":         p64,
		"mac of another": s.Sign(Offer{ID: "ofr_x", Kind: KindFlight, SlotID: "slot_1", Ref: "flt_2", IssuedAt: at}),
		"changed flight": strings.Replace(tok, p64, strings.TrimRight(p64, "A")+"B", 1),
		"garbage":        "x.y",
		"too long":       strings.Repeat("a", 700) + "." + mac,
		"empty":          "",
	} {
		if name == "mac of another" {
			p2, _, _ := strings.Cut(bad, ".")
			bad = p2 + "." + mac // another offer's payload under this offer's mac
		}
		if _, reason, ok := s.Verify(bad, at); ok || reason != traffic.Forged {
			t.Errorf("%s: %q %v, want forged", name, reason, ok)
		}
	}
}

// A campaign's offer carries its dims (a keyword of 40 characters, of
// four bytes each, fits); a token issued before them (o1) still reads,
// with none.
func TestSigner_DimsAndTheEarlierTokens(t *testing.T) {
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	o := Offer{ID: NewOfferID(at), Kind: KindCampaign, SlotID: "slot_1", Ref: "cmp_1", IssuedAt: at,
		Dims: Dims{Country: "SA", Device: "mobile", Keyword: strings.Repeat("𝔤", 40)}}
	if got, _, ok := s.Verify(s.Sign(o), at); !ok || got != o {
		t.Fatalf("with dims: %+v %v", got, ok)
	}
	payload := strings.Join([]string{"o1", o.ID, "campaign", "slot_1", "cmp_1", strconv.FormatInt(at.Unix(), 36)}, "|")
	v1 := base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
	if got, _, ok := s.Verify(v1, at); !ok || got.Ref != "cmp_1" || got.Dims != (Dims{}) {
		t.Fatalf("an o1 token: %+v %v", got, ok)
	}
	if _, reason, _ := s.Verify(base64.RawURLEncoding.EncodeToString([]byte(payload+"|SA|mobile|go"))+"."+base64.RawURLEncoding.EncodeToString(s.mac(payload+"|SA|mobile|go")), at); reason != traffic.Forged {
		t.Fatalf("o1 with nine fields: %q", reason)
	}
}

// Tokens are signed with the offer key (OfferKey, which the edge holds),
// and those signed before it with the function's secret itself stay
// good for their life: a release does not void the offers out there.
func TestSigner_TheOfferKeyAndTheKeyBeforeIt(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef0123456789abcdef")
	now := time.Date(2040, 3, 2, 4, 0, 0, 0, time.UTC)
	o := Offer{ID: NewOfferID(now), Kind: KindCampaign, SlotID: "slot_1", Ref: "cmp_1", IssuedAt: now}
	srv := NewSigner(OfferKey(secret)).WithPrevious(secret)
	tok := srv.Sign(o)
	if _, _, ok := NewSigner(OfferKey(secret)).Verify(tok, now); !ok {
		t.Fatal("a new token is not signed with the offer key alone (the edge would refuse it)")
	}
	if _, _, ok := NewSigner(secret).Verify(tok, now); ok {
		t.Fatal("a new token is signed with the secret itself")
	}
	old := NewSigner(secret).Sign(o)
	if _, why, ok := srv.Verify(old, now.Add(time.Minute)); !ok {
		t.Fatalf("a token signed before the release: %s", why)
	}
	if _, why, ok := srv.Verify(NewSigner([]byte("another secret, as long as the first one.........")).Sign(o), now); ok || why != "forged" {
		t.Fatalf("a token of another key: ok %v, %q", ok, why)
	}
}
