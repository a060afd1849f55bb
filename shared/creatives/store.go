package creatives

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Store keeps creatives' bytes under their keys and says where they are
// served. Put of a key that holds the same bytes already is a no-op in
// effect: keys are content-addressed.
type Store interface {
	Put(ctx context.Context, key, contentType string, body []byte) error
	URL(key string) string
}

// CacheControl is how long browsers and CloudFront keep a creative: for
// good, since its bytes never change.
const CacheControl = "public, max-age=31536000, immutable"

// Prefix is the path under which creatives are served on Souq's domain,
// and the folder of their keys in the bucket.
const Prefix = "creatives/"

// Memory is the local platform's Store: the bytes kept in memory, served
// at <base>/creatives/<key> as CloudFront serves them from S3.
type Memory struct {
	// Base is the URL of the creatives' folder: the gateway's
	// <baseUrl>/creatives/.
	Base string

	mu      sync.RWMutex
	objects map[string]object
}

type object struct {
	contentType string
	body        []byte
}

var _ Store = (*Memory)(nil)

// Put keeps a copy of body under key.
func (m *Memory) Put(_ context.Context, key, contentType string, body []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.objects == nil {
		m.objects = map[string]object{}
	}
	m.objects[key] = object{contentType: contentType, body: append([]byte(nil), body...)}
	return nil
}

// URL is where key is served.
func (m *Memory) URL(key string) string { return folderURL(m.Base, key) }

// folderURL is key's URL under base, the URL of the creatives' folder.
func folderURL(base, key string) string {
	return strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(key, Prefix)
}

// ServeHTTP answers GET and HEAD /creatives/<name> with the bytes, their
// type and the headers CloudFront adds in AWS (the stack's response
// headers policy): cached for good, never sniffed.
func (m *Memory) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/")
	m.mu.RLock()
	o, ok := m.objects[key]
	m.mu.RUnlock()
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !ok || !strings.HasPrefix(key, Prefix) {
		// S3 behind OAC answers 403 for a key it lacks; a plain 404 says
		// the same to a browser.
		http.Error(w, "no such creative", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", o.contentType)
	w.Header().Set("Cache-Control", CacheControl)
	w.Header().Set("Content-Length", strconv.Itoa(len(o.body)))
	// The key is the SHA-256 of the bytes: a strong validator for free.
	w.Header().Set("ETag", `"`+strings.TrimSuffix(strings.TrimPrefix(key, Prefix), "."+ext(key))+`"`)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(o.body)
}

func ext(key string) string {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[i+1:]
	}
	return ""
}
