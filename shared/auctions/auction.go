package auctions

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/input"
	"github.com/souqhq/souq/shared/money"
)

// Format is how a slot's auctions price the win (DESIGN §5.1).
type Format string

// Auction formats.
const (
	SecondPrice Format = "second_price" // the default: max(second-highest bid, reserve)
	FirstPrice  Format = "first_price"  // the winner's own bid
)

// Slot is a banner position a community sells.
type Slot struct {
	ID          string
	CommunityID string
	Name        string
	Width       int
	Height      int
	Reserve     money.Amount
	Format      Format
	Archived    bool
}

// Limits on slots and creatives.
const (
	MinSide        = 10
	MaxSide        = 4000
	MaxNameLen     = 100
	MaxURLLen      = 2048
	MaxAltTextLen  = 250
	MaxFlightDays  = 366
	MinLeadTime    = time.Minute // closesAt must be at least this far ahead
	MaxScheduleOut = 2 * 365 * 24 * time.Hour
)

// CheckSlot validates a slot's own fields.
func CheckSlot(s Slot) error {
	const op = "auctions.CheckSlot"
	var bad fault.Fields
	bad.Add("name", input.Name(s.Name, MaxNameLen))
	bad.Add("width", sideProblem(s.Width))
	bad.Add("height", sideProblem(s.Height))
	if !money.IsCurrency(s.Reserve.Currency) {
		bad.Add("reserve.currency", "must be an ISO 4217 code Souq supports")
	}
	if s.Reserve.Minor < 0 || s.Reserve.Minor > money.MaxMinor {
		bad.Add("reserve.amount", "must be zero or more")
	}
	if s.Format != SecondPrice && s.Format != FirstPrice {
		bad.Add("format", "must be second_price or first_price")
	}
	return bad.Err(op, "the slot has invalid fields")
}

func sideProblem(px int) string {
	switch {
	case px < MinSide:
		return fmt.Sprintf("must be at least %d pixels", MinSide)
	case px > MaxSide:
		return fmt.Sprintf("must be at most %d pixels", MaxSide)
	}
	return ""
}

// Status is where an auction is.
type Status string

// Auction states. An auction moves open → closing → closed, or open →
// cancelled; closing stops new bids before the winner is read.
const (
	Open      Status = "open"
	Closing   Status = "closing"
	Closed    Status = "closed"
	Cancelled Status = "cancelled"
)

// Flight is the window a winning creative runs in: [Start, End).
type Flight struct {
	Start, End time.Time
}

// Overlaps reports whether two flights share any instant.
func (f Flight) Overlaps(o Flight) bool { return f.Start.Before(o.End) && o.Start.Before(f.End) }

// CheckFlight validates an auction's times against now: flightStart <
// flightEnd, closesAt ≤ flightStart, closesAt in the future, and nothing
// absurdly long or far away.
func CheckFlight(f Flight, closesAt, now time.Time) error {
	const op = "auctions.CheckFlight"
	var fields []fault.FieldError
	if !f.Start.Before(f.End) {
		fields = append(fields, fault.FieldError{Field: "flightEnd", Message: "must be after flightStart"})
	} else if f.End.Sub(f.Start) > MaxFlightDays*24*time.Hour {
		fields = append(fields, fault.FieldError{Field: "flightEnd", Message: fmt.Sprintf("a flight lasts at most %d days", MaxFlightDays)})
	}
	if closesAt.After(f.Start) {
		fields = append(fields, fault.FieldError{Field: "closesAt", Message: "must be at or before flightStart"})
	}
	if closesAt.Before(now.Add(MinLeadTime)) {
		fields = append(fields, fault.FieldError{Field: "closesAt", Message: "must be at least a minute in the future"})
	}
	if f.Start.After(now.Add(MaxScheduleOut)) {
		fields = append(fields, fault.FieldError{Field: "flightStart", Message: "must be within two years"})
	}
	if len(fields) > 0 {
		return fault.InvalidFields(op, "the auction has invalid times", fields...)
	}
	return nil
}

// Creative is what a winning bid shows.
type Creative struct {
	// CreativeID, when set, names a hosted creative (shared/creatives)
	// whose URL fills ImageURL.
	CreativeID string `json:"creativeId,omitempty"`
	// resolved says ImageURL was set from the creative's record.
	resolved bool
	ImageURL string `json:"imageUrl"`
	ClickURL string `json:"clickUrl"`
	AltText  string `json:"altText"`
}

// CheckCreative accepts https URLs only (input.URL: a named host, no
// credentials), and a required, bounded, single-line alt text.
func CheckCreative(c Creative) error {
	const op = "auctions.CheckCreative"
	var bad fault.Fields
	switch {
	case c.CreativeID == "":
		bad.Add("creative.imageUrl", input.URL(c.ImageURL, false))
	case c.ImageURL != "" && !c.resolved:
		bad.Add("creative.creativeId", "names a hosted creative: leave out imageUrl, which it sets")
	}
	// A hosted creative's URL is Souq's own (http on the local
	// platform), set from its record, never from input.
	bad.Add("creative.clickUrl", input.URL(c.ClickURL, false))
	switch {
	case strings.TrimSpace(c.AltText) == "":
		bad.Add("creative.altText", "is required: it is what a screen reader says")
	case utf8.RuneCountInString(c.AltText) > MaxAltTextLen:
		bad.Add("creative.altText", fmt.Sprintf("must be at most %d characters", MaxAltTextLen))
	default:
		bad.Add("creative.altText", input.Line(c.AltText))
	}
	return bad.Err(op, "the creative has invalid fields")
}

// Bid is one advertiser's sealed bid on an auction.
type Bid struct {
	ID           string
	AuctionID    string
	AdvertiserID string
	Amount       money.Amount
	Creative     Creative
	// PlacedAt orders ties: the earliest bid at an amount wins. Replacing a
	// bid with a new amount places it anew.
	PlacedAt time.Time
}

// CheckBid applies the rules a bid must meet to be accepted on an open
// auction of a slot (funds are the ledger's to check).
func CheckBid(a Auction, s Slot, bidderCommunityID string, b Bid, now time.Time) error {
	const op = "auctions.CheckBid"
	if a.Status != Open || !now.Before(a.ClosesAt) {
		return &fault.Error{Kind: fault.Conflict, Op: op, State: string(a.statusAt(now)), Message: "the auction is not open for bids"}
	}
	if bidderCommunityID != "" && bidderCommunityID == s.CommunityID {
		return fault.New(fault.Forbidden, op, "a community cannot bid on its own slot")
	}
	var bad fault.Fields
	if b.Amount.Currency != s.Reserve.Currency {
		bad.Add("currency", "must be the slot's currency, "+s.Reserve.Currency)
	}
	switch {
	case b.Amount.Minor < s.Reserve.Minor || b.Amount.Minor <= 0:
		bad.Add("amount", fmt.Sprintf("must be at least the reserve, %s", s.Reserve))
	case b.Amount.Minor > money.MaxMinor:
		bad.Add("amount", "is too large")
	}
	if err := bad.Include(CheckCreative(b.Creative)); err != nil {
		return err
	}
	return bad.Err(op, "the bid has invalid fields")
}

// Auction sells one flight of a slot.
type Auction struct {
	ID          string
	SlotID      string
	CommunityID string
	Flight      Flight
	ClosesAt    time.Time
	Status      Status
	Reserve     money.Amount
	Format      Format
}

// statusAt is the status a client should see: an open auction past its
// close time is closing, even before its schedule has fired.
func (a Auction) statusAt(now time.Time) Status {
	if a.Status == Open && !now.Before(a.ClosesAt) {
		return Closing
	}
	return a.Status
}

// Result is the outcome of a close.
type Result struct {
	// Winner is nil when no bid met the reserve.
	Winner *Bid
	// Price is what the winner pays; zero when there is no winner.
	Price money.Amount
}

// Close decides an auction from its two best bids, ordered by amount
// (highest first) then placement time (earliest first): the repository
// reads exactly these, never all bids. Bids below the reserve do not win.
func Close(a Auction, top []Bid) (Result, error) {
	const op = "auctions.Close"
	if len(top) > 2 {
		top = top[:2]
	}
	var eligible []Bid
	for _, b := range top {
		if b.Amount.Currency != a.Reserve.Currency {
			return Result{}, fault.New(fault.Internal, op, fmt.Sprintf("bid %s is in %s, the auction in %s", b.ID, b.Amount.Currency, a.Reserve.Currency))
		}
		if b.Amount.Minor >= a.Reserve.Minor {
			eligible = append(eligible, b)
		}
	}
	if len(eligible) == 2 && ranksAbove(eligible[1], eligible[0]) {
		return Result{}, fault.New(fault.Internal, op, "top bids are not in rank order")
	}
	if len(eligible) == 0 {
		return Result{Price: money.Amount{Currency: a.Reserve.Currency}}, nil
	}
	w := eligible[0]
	price := w.Amount
	if a.Format != FirstPrice {
		price = a.Reserve
		if len(eligible) == 2 && eligible[1].Amount.Minor > price.Minor {
			price = eligible[1].Amount
		}
	}
	return Result{Winner: &w, Price: price}, nil
}

// ranksAbove reports whether a beats b: a higher amount, or the same
// amount placed earlier.
func ranksAbove(a, b Bid) bool {
	if a.Amount.Minor != b.Amount.Minor {
		return a.Amount.Minor > b.Amount.Minor
	}
	return a.PlacedAt.Before(b.PlacedAt)
}

// Fee splits a price into the platform's fee (basis points, half-even)
// and the community's share; the two always add up to the price.
func Fee(price money.Amount, feeBps int64) (fee, community money.Amount, err error) {
	return money.SplitBps(price, feeBps)
}
