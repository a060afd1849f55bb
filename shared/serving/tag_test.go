package serving

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"github.com/souqhq/souq/shared/pass"
)

// The tag carries the pass's public keys it checks passes with (two
// while a key is rotated), its version covers them (a rotation is a new
// tag), and gzipped it stays within its 6 KB budget (DESIGN §17); the
// figure is printed.
func TestTag_CarriesThePassKeysWithinItsBudget(t *testing.T) {
	plain := NewTag(nil)
	if !strings.Contains(string(plain.Body), "var KEYS = [];") || strings.Contains(string(plain.Body), "__SOUQ_") {
		t.Fatalf("the tag without keys: %.200s", plain.Body)
	}
	one, err := pass.Derive([]byte(strings.Repeat("k", 32)), "https://souq.example", "1")
	if err != nil {
		t.Fatal(err)
	}
	two, err := pass.Derive([]byte(strings.Repeat("k", 32)), "https://souq.example", "2", "1")
	if err != nil {
		t.Fatal(err)
	}
	tag1, tag2 := NewTag(one), NewTag(two)
	for _, k := range two.JWKS().Keys {
		if !strings.Contains(string(tag2.Body), `"kid":"`+k.Kid+`","x":"`+k.X+`","y":"`+k.Y+`"`) {
			t.Fatalf("the tag lacks key %s", k.Kid)
		}
	}
	if tag1.Version == plain.Version || tag1.Version == tag2.Version || tag1.ETag != `"`+tag1.Version+`"` {
		t.Fatalf("versions: %s %s %s", plain.Version, tag1.Version, tag2.Version)
	}
	gz := func(b []byte) int {
		var buf bytes.Buffer
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = w.Write(b)
		_ = w.Close()
		return buf.Len()
	}
	size := gz(tag2.Body)
	t.Logf("figure: the tag is %d bytes, %d gzipped with two pass keys (%d gzipped with none: the pass adds %d)",
		len(tag2.Body), size, gz(plain.Body), size-gz(plain.Body))
	if size > 6*1024 {
		t.Fatalf("the tag is %d bytes gzipped, over its 6 KB budget", size)
	}
}
