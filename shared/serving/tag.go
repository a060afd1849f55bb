package serving

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/souqhq/souq/shared/pass"
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

// tagKey is one of the pass's public keys as the tag checks passes with.
type tagKey struct {
	Kid string `json:"kid"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// NewTag is this build's tag, with the membership pass's public keys
// stamped in (none when keys is nil: every pass is ignored), so that it
// checks a member's pass without a request. The version covers the keys:
// a rotation is a new tag.
func NewTag(keys *pass.Keys) Tag {
	list := []tagKey{}
	if keys != nil {
		for _, k := range keys.JWKS().Keys {
			list = append(list, tagKey{Kid: k.Kid, X: k.X, Y: k.Y})
		}
	}
	js, _ := json.Marshal(list) // ids and base64url: nothing to escape in a script
	src := strings.Replace(tagSource, "__SOUQ_PASS_KEYS__", string(js), 1)
	sum := sha256.Sum256([]byte(src))
	v := hex.EncodeToString(sum[:])[:12]
	return Tag{Body: []byte(strings.Replace(src, "__SOUQ_TAG_VERSION__", v, 1)), Version: v, ETag: `"` + v + `"`}
}
