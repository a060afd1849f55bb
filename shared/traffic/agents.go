package traffic

import (
	"strings"
	"sync"

	"github.com/x-way/crawlerdetect"
)

// IsBot reports whether a user agent is not a person's browser, the one
// test serving (and referrals) make of an agent: an empty one, one not
// shaped like a browser's (a tool or HTTP library: curl/8.5.0,
// Go-http-client/1.1, python-urllib3/2.0, okhttp/4.9, axios/1.6,
// node-fetch/1.0, Java/17.0.2, Apache-HttpClient/4.5), or a browser-shaped
// one that names a known crawler, previewer, monitor or automated
// browser (Googlebot's smartphone agent, HeadlessChrome), as the
// well-kept list of github.com/x-way/crawlerdetect (pinned) knows them.
//
// An agent is only what a client says: a tool can send a browser's. This
// rule refuses the tools that do not bother; the per-address rules (Pace,
// DailyCap) hold those that do.
func IsBot(userAgent string) bool {
	ua := strings.TrimSpace(userAgent)
	if len(ua) > maxAgent || !browserShaped(ua) {
		return true
	}
	return crawler(ua)
}

// browserShaped reports whether an agent has the shape every browser
// people use sends: "Mozilla/5.0 (<platform>) <engine>…", where the
// engine is AppleWebKit/ (Chrome, Edge, Opera, Samsung Internet, Safari,
// every iOS browser, the iOS and Android webviews) or Gecko/ (Firefox:
// "Gecko/20100101" on desktop, "Gecko/<version>" on Android), or the
// platform names Trident/ (Internet Explorer 11). Chrome's "(KHTML, like
// Gecko)" is no Gecko/ token.
func browserShaped(ua string) bool {
	rest, ok := strings.CutPrefix(ua, "Mozilla/5.0 (")
	if !ok {
		return false
	}
	platform, engine, ok := strings.Cut(rest, ")")
	if !ok || strings.TrimSpace(platform) == "" {
		return false
	}
	return strings.Contains(engine, "AppleWebKit/") || strings.Contains(engine, "Gecko/") || strings.Contains(platform, "Trident/")
}

// verdicts remembers crawlerdetect's answer per browser-shaped agent:
// its list is thousands of patterns (about 140 µs an agent), while the
// agents people send are a few thousand strings, so after the first of
// each a view pays a map read. A flood of made-up agents empties it
// rather than growing it.
var verdicts = struct {
	sync.RWMutex
	m map[string]bool
}{m: map[string]bool{}}

const (
	maxVerdicts = 20_000
	// maxAgent is the longest agent judged: browsers send a few hundred
	// bytes; anything longer is no person's.
	maxAgent = 1024
)

// crawler is github.com/x-way/crawlerdetect's judgement of a
// browser-shaped agent (a crawler, previewer, monitor or automated
// browser that says it is one), remembered.
func crawler(ua string) bool {
	verdicts.RLock()
	v, ok := verdicts.m[ua]
	verdicts.RUnlock()
	if ok {
		return v
	}
	v = crawlerdetect.IsCrawler(ua)
	verdicts.Lock()
	if len(verdicts.m) >= maxVerdicts {
		clear(verdicts.m)
	}
	verdicts.m[ua] = v
	verdicts.Unlock()
	return v
}
