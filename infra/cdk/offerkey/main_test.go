package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/souqhq/souq/shared/serving"
)

// The key docs/deploy.md puts at the edge is serving's, with no newline
// (aws --value file://… takes the file as it is), and a secret too short
// to be the stack's is refused.
func TestOfferKey_PrintsServingsKey(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "offerkey")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	secret := strings.Repeat("s3cr3t", 11)
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader(secret + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(serving.OfferKey([]byte(secret))) {
		t.Fatalf("offerkey printed %q, want serving.OfferKey %q", out, serving.OfferKey([]byte(secret)))
	}
	short := exec.Command(bin)
	short.Stdin = strings.NewReader("short")
	short.Stderr = os.Stderr
	if err := short.Run(); err == nil {
		t.Fatal("a 5-character secret gave a key")
	}
}
