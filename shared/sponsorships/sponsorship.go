package sponsorships

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/input"
	"github.com/souqhq/souq/shared/money"
)

// Format is what kind of sponsored content an offering sells.
type Format string

// Offering formats.
const (
	Newsletter     Format = "newsletter"
	PinnedPost     Format = "pinned_post"
	DedicatedPost  Format = "dedicated_post"
	BannerTakeover Format = "banner_takeover"
	Other          Format = "other"
)

// Limits.
const (
	MaxTitleLen       = 200
	MaxBriefLen       = 5_000
	MaxBodyLimit      = 20_000 // the largest body an offering may allow
	MaxURLLen         = 2_048
	MaxReviewDays     = 30
	MaxCapacity       = 100
	MaxBookAhead      = 366 * 24 * time.Hour
	MaxBlockedPerEdit = 366
	MaxReasonLen      = 2_000
)

// Offering is one line of a community's rate card.
type Offering struct {
	ID          string
	CommunityID string
	Title       string
	Format      Format
	Price       money.Amount
	ReviewDays  int
	Limits      ContentLimits
	Brief       string
	// CapacityPerDate is how many sponsorships one date takes (default 1).
	CapacityPerDate int
	Archived        bool
}

// ContentLimits bound what a sponsor may submit for an offering.
type ContentLimits struct {
	MaxTitle     int  `json:"maxTitleLength"`
	MaxBody      int  `json:"maxBodyLength"`
	LinkRequired bool `json:"linkRequired"`
}

// CheckOffering validates an offering's own fields.
func CheckOffering(o Offering) error {
	const op = "sponsorships.CheckOffering"
	var fields []fault.FieldError
	if t := strings.TrimSpace(o.Title); t == "" || t != o.Title || utf8.RuneCountInString(o.Title) > MaxTitleLen {
		fields = append(fields, fault.FieldError{Field: "title", Message: fmt.Sprintf("must be 1 to %d characters, not padded", MaxTitleLen)})
	} else if msg := input.Line(o.Title); msg != "" {
		fields = append(fields, fault.FieldError{Field: "title", Message: msg})
	}
	switch o.Format {
	case Newsletter, PinnedPost, DedicatedPost, BannerTakeover, Other:
	default:
		fields = append(fields, fault.FieldError{Field: "format", Message: "must be newsletter, pinned_post, dedicated_post, banner_takeover or other"})
	}
	if !money.IsCurrency(o.Price.Currency) {
		fields = append(fields, fault.FieldError{Field: "currency", Message: "must be an ISO 4217 code Souq supports"})
	}
	if o.Price.Minor <= 0 || o.Price.Minor > money.MaxMinor {
		fields = append(fields, fault.FieldError{Field: "amount", Message: "must be more than zero"})
	}
	if o.ReviewDays < 1 || o.ReviewDays > MaxReviewDays {
		fields = append(fields, fault.FieldError{Field: "reviewDays", Message: fmt.Sprintf("must be 1 to %d", MaxReviewDays)})
	}
	if o.Limits.MaxTitle < 1 || o.Limits.MaxTitle > MaxTitleLen {
		fields = append(fields, fault.FieldError{Field: "limits.maxTitleLength", Message: fmt.Sprintf("must be 1 to %d", MaxTitleLen)})
	}
	if o.Limits.MaxBody < 1 || o.Limits.MaxBody > MaxBodyLimit {
		fields = append(fields, fault.FieldError{Field: "limits.maxBodyLength", Message: fmt.Sprintf("must be 1 to %d", MaxBodyLimit)})
	}
	if utf8.RuneCountInString(o.Brief) > MaxBriefLen {
		fields = append(fields, fault.FieldError{Field: "brief", Message: fmt.Sprintf("at most %d characters", MaxBriefLen)})
	} else if msg := input.Text(o.Brief); msg != "" {
		fields = append(fields, fault.FieldError{Field: "brief", Message: msg})
	}
	if o.CapacityPerDate < 1 || o.CapacityPerDate > MaxCapacity {
		fields = append(fields, fault.FieldError{Field: "capacityPerDate", Message: fmt.Sprintf("must be 1 to %d", MaxCapacity)})
	}
	if len(fields) > 0 {
		return fault.InvalidFields(op, "the offering has invalid fields", fields...)
	}
	return nil
}

// Content is one version of what a sponsor wants published.
type Content struct {
	Title    string `json:"title"`
	Body     string `json:"body"`
	Link     string `json:"link,omitempty"`
	ImageURL string `json:"imageUrl,omitempty"`
}

// CheckContent applies an offering's limits to a content version; prefix
// names the fields ("content." for a booking, "" for a revision).
func CheckContent(l ContentLimits, c Content, prefix string) error {
	const op = "sponsorships.CheckContent"
	var bad fault.Fields
	bad.Add(prefix+"title", contentProblem(c.Title, l.MaxTitle, input.Line))
	bad.Add(prefix+"body", contentProblem(c.Body, l.MaxBody, input.Text))
	switch {
	case c.Link == "" && l.LinkRequired:
		bad.Add(prefix+"link", "is required for this offering")
	case c.Link != "":
		bad.Add(prefix+"link", input.URL(c.Link, false))
	}
	if c.ImageURL != "" {
		bad.Add(prefix+"imageUrl", input.URL(c.ImageURL, false))
	}
	return bad.Err(op, "the content breaks the offering's limits")
}

// contentProblem checks a required title or body against the offering's
// limit, then with its input rule (one line, or lines).
func contentProblem(s string, max int, rule func(string) string) string {
	switch {
	case strings.TrimSpace(s) == "":
		return "is required"
	case utf8.RuneCountInString(s) > max:
		return fmt.Sprintf("must be at most %d characters for this offering", max)
	}
	return rule(s)
}

// DateLayout is how dates are written: a calendar day in UTC.
const DateLayout = clock.DayLayout

// ParseDate reads a YYYY-MM-DD date.
func ParseDate(field, s string) (time.Time, error) {
	d, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, fault.InvalidFields("sponsorships.ParseDate", "the request has invalid fields", fault.FieldError{Field: field, Message: "must be a date, YYYY-MM-DD"})
	}
	return d, nil
}

// CheckDesiredDate: a booking's date is after today and within a year.
func CheckDesiredDate(field string, d, now time.Time) error {
	today := now.UTC().Truncate(24 * time.Hour)
	if !d.After(today) || d.After(today.Add(MaxBookAhead)) {
		return fault.InvalidFields("sponsorships.CheckDesiredDate", "the request has invalid fields",
			fault.FieldError{Field: field, Message: "must be after today and within a year"})
	}
	return nil
}

// Sponsorship is a booking of an offering and where its review is.
type Sponsorship struct {
	ID             string
	OfferingID     string
	CommunityID    string
	AdvertiserID   string
	Status         Status
	Price          money.Amount
	Date           time.Time // the desired (or agreed) date
	PublishDate    time.Time // set on approval: the desired date unless the owner chose another
	ReviewDeadline time.Time
	Version        int // the current content version
}

// PublishBy is when an approved post must be published by before its
// sponsor may cancel for a refund.
func (s Sponsorship) PublishBy() time.Time { return s.PublishDate.Add(PublishGrace) }

// Fee splits a published sponsorship's price into the platform's fee and
// the community's share.
func Fee(price money.Amount, feeBps int64) (fee, community money.Amount, err error) {
	return money.SplitBps(price, feeBps)
}
