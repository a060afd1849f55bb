package traffic

import (
	"slices"
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
	if len(ua) > maxAgent {
		return true
	}
	verdicts.RLock()
	v, known := verdicts.m[ua]
	verdicts.RUnlock()
	if known {
		return v
	}
	if !printableASCII(ua) || !browserShaped(ua) {
		return true // cheap to judge again: never remembered, so tools cannot crowd out browsers
	}
	return crawler(ua)
}

// printableASCII reports whether an agent is what browsers send: printable
// ASCII (RFC 9110 allows more, no browser sends it; a full-width
// ＧＯＯＧＬＥＢＯＴ or raw bytes are a made-up agent).
func printableASCII(ua string) bool {
	for i := 0; i < len(ua); i++ {
		if ua[i] < 0x20 || ua[i] > 0x7e {
			return false
		}
	}
	return true
}

// browserShaped reports whether an agent has the shape every browser
// people use sends: "Mozilla/5.0 (<platform>) <engine>…", where the
// platform names a system people browse on, and the engine is
// AppleWebKit/5xx–6xx (Chrome, Edge, Opera, Samsung Internet, Safari,
// every iOS browser, the iOS and Android webviews) or Gecko/ with a build
// date or a version (Firefox: "Gecko/20100101" on desktop,
// "Gecko/<version>" on Android), or the platform names Trident/4–7
// (Internet Explorer). Chrome's "(KHTML, like Gecko)" is no Gecko/ token.
func browserShaped(ua string) bool {
	rest, ok := strings.CutPrefix(ua, "Mozilla/5.0 (")
	if !ok {
		return false
	}
	platform, engine, ok := strings.Cut(rest, ")")
	if !ok || !slices.ContainsFunc(systems, func(s string) bool { return strings.Contains(platform, s) }) {
		return false
	}
	if v, ok := versionAfter(platform, "Trident/"); ok {
		return v >= 4 && v <= 7
	}
	if v, ok := versionAfter(engine, "AppleWebKit/"); ok {
		return v >= 500 && v < 700
	}
	if v, ok := versionAfter(engine, "Gecko/"); ok {
		return v >= 20 && v < 1000 || v >= 2010_0101 && v < 2100_0101
	}
	return false
}

// systems are the platforms people browse on, as browsers name them.
var systems = []string{"Windows", "Macintosh", "X11", "Linux", "Android", "iPhone", "iPad", "iPod", "CrOS", "Mobile", "Tablet",
	"Tizen", "Web0S", "webOS", "KAIOS", "PlayStation", "Nintendo", "Xbox", "FreeBSD", "OpenBSD", "NetBSD", "Fuchsia"}

// versionAfter is the whole number that follows token in s.
func versionAfter(s, token string) (int, bool) {
	_, after, ok := strings.Cut(s, token)
	if !ok {
		return 0, false
	}
	n, digits := 0, 0
	for ; digits < len(after) && digits < 9 && after[digits] >= '0' && after[digits] <= '9'; digits++ {
		n = n*10 + int(after[digits]-'0')
	}
	return n, digits > 0
}

// automation are the tokens automation frameworks and app shells add to
// a browser's agent, which crawlerdetect's list (of crawlers) leaves to
// its users: a page scripted by them is no person reading it.
var automation = []string{"headless", "puppeteer", "playwright", "selenium", "webdriver", "phantomjs", "cypress", "jsdom",
	"electron/", "nightmare", "slimerjs"}

// automated reports whether an agent names an automation framework, in
// any case.
func automated(ua string) bool {
	lower := strings.ToLower(ua)
	return slices.ContainsFunc(automation, func(a string) bool { return strings.Contains(lower, a) })
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
// browser that says it is one), remembered with the agent's whole verdict
// (IsBot reads it first).
func crawler(ua string) bool {
	v := automated(ua) || crawlerdetect.IsCrawler(ua)
	verdicts.Lock()
	if len(verdicts.m) >= maxVerdicts {
		clear(verdicts.m)
	}
	verdicts.m[ua] = v
	verdicts.Unlock()
	return v
}
