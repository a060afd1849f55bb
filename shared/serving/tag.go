package serving

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"strings"
)

//go:embed tag/tag.js
var tagSource string

// Tag is the ad tag as served: its version (a hash of the source) stamped
// in, so a page can tell which it runs, and its ETag.
type Tag struct {
	Body    []byte
	Version string
	ETag    string
}

// TagMaxAge is how long browsers and the edge keep /tag.js: a release
// reaches every page within minutes.
const TagMaxAge = 300

// NewTag is this build's tag.
func NewTag() Tag {
	sum := sha256.Sum256([]byte(tagSource))
	v := hex.EncodeToString(sum[:])[:12]
	return Tag{Body: []byte(strings.Replace(tagSource, "__SOUQ_TAG_VERSION__", v, 1)), Version: v, ETag: `"` + v + `"`}
}
