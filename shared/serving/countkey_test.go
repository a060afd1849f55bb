package serving

import "testing"

func TestCountKey_RoundTrip(t *testing.T) {
	for _, k := range []CountKey{
		{Kind: CountServed},
		{Kind: CountImpressions, Dim: DimCountry, Value: "SA"},
		{Kind: CountClicks, Dim: DimDevice, Value: "mobile"},
		{Kind: CountInvalid + "bot", Dim: DimKeyword, Value: "go"},
		{Kind: CountImpressions, Dim: DimKeyword}, // no keyword
	} {
		got, ok := ParseCountKey(k.String())
		if !ok || got != k {
			t.Errorf("ParseCountKey(%q) = %+v, %v; want %+v", k.String(), got, ok, k)
		}
	}
	for _, s := range []string{"", "|c|SA", "impressions|", "impressions|c", "impressions||SA", "impressions|c|S|A"} {
		if k, ok := ParseCountKey(s); ok {
			t.Errorf("ParseCountKey(%q) = %+v, want refused", s, k)
		}
	}
	if got := (CountKey{Kind: CountClicks, Dim: DimCountry, Value: "SA"}).Breakdown(); got != "c|SA" {
		t.Errorf("Breakdown = %q", got)
	}
}

func TestRef_RoundTrip(t *testing.T) {
	for _, r := range []Ref{{Flight: "flt_1"}, {Campaign: "cmp_1", Community: "com_1"}} {
		got, ok := ParseRef(r.String())
		if !ok || got != r {
			t.Errorf("ParseRef(%q) = %+v, %v; want %+v", r.String(), got, ok, r)
		}
	}
	if CampaignRef("cmp_1", "com_1") != "cmp_1/com_1" {
		t.Errorf("CampaignRef = %q", CampaignRef("cmp_1", "com_1"))
	}
	for _, s := range []string{"", "/com_1", "cmp_1/com/1"} {
		if r, ok := ParseRef(s); ok {
			t.Errorf("ParseRef(%q) = %+v, want refused", s, r)
		}
	}
}

// Whatever ParseCountKey accepts is a key String writes the same way.
func FuzzParseCountKey(f *testing.F) {
	for _, s := range []string{"served", "impressions|c|SA", "clicks|k|", "inv_bot|d|mobile", "|", "a||b", "a|b|c|d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, ok := ParseCountKey(s)
		if !ok {
			return
		}
		if k.String() != s {
			t.Fatalf("ParseCountKey(%q) = %+v, which writes %q", s, k, k.String())
		}
		if again, ok := ParseCountKey(k.String()); !ok || again != k {
			t.Fatalf("%+v does not parse back: %+v, %v", k, again, ok)
		}
	})
}

// Whatever ParseRef accepts is a ref String writes the same way.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"flt_1", "cmp_1/com_1", "cmp_1/", "/", "a/b/c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, ok := ParseRef(s)
		if !ok {
			return
		}
		if r.String() != s {
			t.Fatalf("ParseRef(%q) = %+v, which writes %q", s, r, r.String())
		}
	})
}
