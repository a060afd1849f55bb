// Package traffic holds the invalid-traffic rules (DESIGN §11): each a
// small function with the reason it refuses an event under. Serving asks
// them about every view and click; an event any rule refuses is never
// counted as valid, never billed, and is counted under its reason.
//
// It must never keep a viewer's address: a source is a keyed hash of the
// address and agent, and the key's day is part of it, so yesterday's
// hashes cannot be joined with today's.
package traffic

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Reason names why an event is invalid; the stats count refused events
// under it.
type Reason string

// The reasons, in the order serving checks them.
const (
	Forged    Reason = "forged"     // a token whose signature does not hold
	Expired   Reason = "expired"    // a token past its two hours
	Bot       Reason = "bot"        // a known crawler, previewer or headless browser
	OffDomain Reason = "off_domain" // a page outside the community's allowlist
	TooFast   Reason = "too_fast"   // one source faster than a person
	Reused    Reason = "reused"     // an offer already viewed (or clicked)
	NotViewed Reason = "not_viewed" // a click on a campaign's offer whose view was never counted (CPC bills clicks after a view)
)

// botMarkers are substrings of user agents of known crawlers, previewers
// and headless browsers (lower case).
var botMarkers = []string{"bot", "crawl", "spider", "slurp", "facebookexternalhit", "preview", "headless", "lighthouse", "pingdom", "monitor", "python-requests", "scrapy", "wget"}

// IsBot reports whether a user agent is a known bot (an empty one is).
func IsBot(userAgent string) bool {
	ua := strings.ToLower(strings.TrimSpace(userAgent))
	if ua == "" {
		return true
	}
	for _, m := range botMarkers {
		if strings.Contains(ua, m) {
			return true
		}
	}
	return false
}

// Sources hashes where an event came from: HMAC-SHA256 under a secret key
// of the UTC day, the address and the agent. The raw address is never
// kept, and a day's hashes do not match the next day's.
type Sources struct {
	Key []byte
}

// Of is the source of an event at now.
func (s Sources) Of(addr, userAgent string, now time.Time) string {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte(now.UTC().Format("2006-01-02") + "\x00" + addr + "\x00" + userAgent))
	return hex.EncodeToString(m.Sum(nil)[:12])
}

// PageAllowed reports whether the page an event came from is on the
// community's allowlist: the host of Origin, or else of Referer, equal to
// an allowed domain or under it. An empty allowlist allows every page;
// with one, an event that names no page is refused.
func PageAllowed(allowed []string, origin, referer string) bool {
	if len(allowed) == 0 {
		return true
	}
	host := hostOf(origin)
	if host == "" {
		host = hostOf(referer)
	}
	if host == "" {
		return false
	}
	for _, d := range allowed {
		d = strings.ToLower(strings.TrimPrefix(d, "."))
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

func hostOf(raw string) string {
	if raw == "" || raw == "null" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// Pace refuses a source's second event on a slot sooner than a person
// could make it: a view needs the ad on screen for a second, so two of a
// source's views (or clicks) on one slot less than Interval apart are not
// a person's. It is kept per instance, in memory, bounded: a flood from
// many sources forgets the oldest.
type Pace struct {
	Interval time.Duration
	Max      int // sources × slots remembered

	mu   sync.Mutex
	last map[string]time.Time
}

// NewPace remembers up to max keys, refusing events closer than interval.
func NewPace(interval time.Duration, max int) *Pace {
	return &Pace{Interval: interval, Max: max, last: map[string]time.Time{}}
}

// Allow reports whether an event of key (kind, source, slot) at now is at
// a person's pace, and remembers it.
func (p *Pace) Allow(key string, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if prev, ok := p.last[key]; ok && now.Sub(prev) < p.Interval && !now.Before(prev) {
		p.last[key] = now
		return false
	}
	if len(p.last) >= p.Max {
		for k, t := range p.last { // forget what is past the interval, or else half
			if now.Sub(t) >= p.Interval || len(p.last) > p.Max/2 {
				delete(p.last, k)
			}
		}
	}
	p.last[key] = now
	return true
}
