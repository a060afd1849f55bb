package campaigns

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/input"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/targeting"
)

// Model is how a campaign pays: per thousand viewable impressions, or per
// click.
type Model string

// The pricing models.
const (
	CPM Model = "cpm"
	CPC Model = "cpc"
)

// Pacing is how fast a campaign spends: on a straight line to its end,
// or as fast as traffic allows.
type Pacing string

// The pacings.
const (
	Even Pacing = "even"
	ASAP Pacing = "asap"
)

// State is what the advertiser (or the end) made of a campaign; its
// Status adds the clock.
type State string

// The stored states: a live campaign runs in its window, a paused one
// waits, an ended one is over for good (its unspent budget released).
const (
	Live   State = "live"
	Paused State = "paused"
	Ended  State = "ended"
)

// Status is a campaign as people see it.
type Status string

// The statuses (DESIGN §12).
const (
	Scheduled    Status = "scheduled"
	Active       Status = "active"
	StatusPaused Status = "paused"
	StatusEnded  Status = "ended"
)

// Limits of what a campaign may say.
const (
	MaxNameLen    = 100
	MaxAltTextLen = 250
	MinSide       = 10
	MaxSide       = 4000
	// MaxDuration bounds a campaign's window; MaxStartAhead how far ahead
	// it may start.
	MaxDuration   = 366 * 24 * time.Hour
	MaxStartAhead = 365 * 24 * time.Hour
)

// Creative is what a campaign shows: an image of a slot's size, where a
// click goes, and what a screen reader says.
type Creative struct {
	// CreativeID, when set, names the advertiser's hosted creative
	// (shared/creatives), whose URL and size fill ImageURL, Width and
	// Height.
	CreativeID string `json:"creativeId,omitempty"`
	ImageURL   string `json:"imageUrl"`
	ClickURL   string `json:"clickUrl"`
	AltText    string `json:"altText"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
}

// Pricing is a campaign's model and its bid: per thousand viewable
// impressions (cpm) or per click (cpc).
type Pricing struct {
	Model Model        `json:"model"`
	Bid   money.Amount `json:"bid"`
}

// Campaign is a pay-as-you-go campaign.
type Campaign struct {
	ID           string
	AdvertiserID string
	Name         string
	Currency     string
	Pricing      Pricing
	// Budget is everything it may spend (held at once); DailyCap, when
	// set, what it may spend in a UTC day.
	Budget   money.Amount
	DailyCap *money.Amount
	// It runs in [Start, End).
	Start, End time.Time
	Pacing     Pacing
	Creative   Creative
	State      State
	// Targeting is what it asks of a decision (DESIGN §13), normalised;
	// zero for an untargeted campaign.
	Targeting targeting.Targeting
}

// setTargeting normalises a campaign's targeting, naming what is wrong.
func setTargeting(c *Campaign, in *targeting.Targeting, bad *fault.Fields) {
	if in == nil {
		return
	}
	t, errs := targeting.Normalize(*in, "targeting")
	for _, e := range errs {
		bad.Add(e.Field, e.Message)
	}
	c.Targeting = t
}

// StatusAt is the campaign's status at now: ended once ended or past its
// end, paused while paused, scheduled before its start, else active.
func (c Campaign) StatusAt(now time.Time) Status {
	switch {
	case c.State == Ended || !now.Before(c.End):
		return StatusEnded
	case c.State == Paused:
		return StatusPaused
	case now.Before(c.Start):
		return Scheduled
	}
	return Active
}

// Check validates a campaign as a whole at now, naming every bad field
// at once: its money in its own currency, a window that lies ahead, a
// creative of https URLs and a slot's size.
func Check(c Campaign, now time.Time) error {
	const op = "campaigns.Check"
	var bad fault.Fields
	bad.Add("name", input.Name(c.Name, MaxNameLen))
	if !money.IsCurrency(c.Currency) {
		bad.Add("currency", "must be an ISO 4217 code Souq supports")
	}
	switch c.Pricing.Model {
	case CPM, CPC:
	default:
		bad.Add("pricing.model", `must be "cpm" (per thousand viewable impressions) or "cpc" (per click)`)
	}
	bad.Add("pricing.bid", positive(c.Pricing.Bid, c.Currency))
	bad.Add("budget", positive(c.Budget, c.Currency))
	if c.DailyCap != nil {
		bad.Add("dailyCap", positive(*c.DailyCap, c.Currency))
	}
	if c.Pricing.Bid.Currency == c.Currency && c.Budget.Currency == c.Currency && c.Pricing.Model == CPC && c.Pricing.Bid.Minor > c.Budget.Minor {
		bad.Add("budget", "must cover at least one click at the bid")
	}
	switch c.Pacing {
	case Even, ASAP:
	default:
		bad.Add("pacing", `must be "even" (spread over the window) or "asap"`)
	}
	switch {
	case c.End.IsZero():
		bad.Add("end", "is required")
	case !c.End.After(c.Start):
		bad.Add("end", "must be after start")
	case !c.End.After(now):
		bad.Add("end", "must be in the future")
	case c.End.Sub(c.Start) > MaxDuration:
		bad.Add("end", fmt.Sprintf("must be at most %d days after start", int(MaxDuration.Hours()/24)))
	}
	if c.Start.Sub(now) > MaxStartAhead {
		bad.Add("start", fmt.Sprintf("must be within %d days", int(MaxStartAhead.Hours()/24)))
	}
	if c.Creative.CreativeID == "" {
		// A hosted creative's URL is Souq's own (http on the local
		// platform), set from its record, never from input.
		bad.Add("creative.imageUrl", input.URL(c.Creative.ImageURL, false))
	}
	bad.Add("creative.clickUrl", input.URL(c.Creative.ClickURL, false))
	switch {
	case strings.TrimSpace(c.Creative.AltText) == "":
		bad.Add("creative.altText", "is required: it is what a screen reader says")
	case utf8.RuneCountInString(c.Creative.AltText) > MaxAltTextLen:
		bad.Add("creative.altText", fmt.Sprintf("must be at most %d characters", MaxAltTextLen))
	default:
		bad.Add("creative.altText", input.Line(c.Creative.AltText))
	}
	bad.Add("creative.width", side(c.Creative.Width))
	bad.Add("creative.height", side(c.Creative.Height))
	return bad.Err(op, "the campaign has invalid fields")
}

func positive(a money.Amount, currency string) string {
	switch {
	case a.Currency != currency:
		return "must be in the campaign's currency, " + currency
	case a.Minor <= 0:
		return "must be more than zero"
	case a.Minor > money.MaxMinor:
		return "is too large"
	}
	return ""
}

func side(px int) string {
	switch {
	case px < MinSide:
		return fmt.Sprintf("must be at least %d pixels", MinSide)
	case px > MaxSide:
		return fmt.Sprintf("must be at most %d pixels", MaxSide)
	}
	return ""
}
