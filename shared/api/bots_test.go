package api

import "testing"

func TestIsBot(t *testing.T) {
	for ua, bot := range map[string]bool{
		"": true, "Googlebot/2.1": true, "facebookexternalhit/1.1": true, "Mozilla/5.0 HeadlessChrome/120": true,
		"Mozilla/5.0 (Macintosh) Safari/605.1.15": false, "Mozilla/5.0 (Linux; Android 14) Chrome/120 Mobile": false,
	} {
		if IsBot(ua) != bot {
			t.Errorf("IsBot(%q) = %v", ua, !bot)
		}
	}
}
