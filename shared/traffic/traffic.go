// Package traffic holds the invalid-traffic rules (DESIGN §11): each a
// small function with the reason it refuses an event under. Serving asks
// them about every view and click; an event any rule refuses is never
// counted as valid, never billed, and is counted under its reason.
//
// The rules that count per person (Pace, DailyCap) key on the viewer's
// address alone, never on what the viewer says of itself: a user agent
// costs nothing to change, so an agent of its own must not make a new
// person. It must never keep a viewer's address: a source is a keyed
// hash of the address's network (Network), and the key's day is part of
// it, so yesterday's hashes cannot be joined with today's.
package traffic

// Reason names why an event is invalid; the stats count refused events
// under it.
type Reason string

// The reasons, in the order serving checks them.
const (
	Forged    Reason = "forged"     // a token whose signature does not hold
	Expired   Reason = "expired"    // a token past its two hours
	Bot       Reason = "bot"        // not a person's browser: a tool, a known crawler, previewer or headless browser
	OffDomain Reason = "off_domain" // a page outside the community's allowlist
	TooFast   Reason = "too_fast"   // one source faster than a person
	SourceCap Reason = "source_cap" // one source past its day's cap of valid views (or clicks) on a slot
	Reused    Reason = "reused"     // an offer already viewed (or clicked)
	NotViewed Reason = "not_viewed" // a click on a campaign's offer whose view was never counted (CPC bills clicks after a view)
)
