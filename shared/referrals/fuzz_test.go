package referrals

import (
	"testing"
)

// Codes as clicks and conversions bring them: normalizing never panics,
// what it accepts is lower case and normalizes to itself.
func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"GoPher-2026", "  abc ", "ab", "-x", "ÄBC", "a\x00b", "semi;colon"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, ok := NormalizeCode(raw)
		if !ok {
			return
		}
		if again, ok2 := NormalizeCode(c); !ok2 || again != c || len(c) < 3 || len(c) > 32 {
			t.Fatalf("%q normalized to %q, then %q %v", raw, c, again, ok2)
		}
	})
}
