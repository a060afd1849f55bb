package api

import "strings"

// botMarkers are substrings of user agents of known crawlers, previewers
// and headless browsers (lower case): their clicks are counted apart and
// never billed, attributed or reported as clicks (ad clicks and referral
// clicks alike).
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
