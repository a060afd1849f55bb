package serving

import (
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
		"too long":       strings.Repeat("a", 500) + "." + mac,
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
