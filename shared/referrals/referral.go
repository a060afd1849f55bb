package referrals

import (
	"crypto/rand"
	"fmt"
	"math/bits"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/input"
	"github.com/souqhq/souq/shared/money"
)

// CommissionType is how a commission is computed.
type CommissionType string

// Commission types.
const (
	Flat    CommissionType = "flat"    // a fixed amount per conversion
	Percent CommissionType = "percent" // basis points of the conversion's amount
)

// Terms are what a deal pays: frozen on the deal at approval, so that a
// program's later changes only reach later deals.
type Terms struct {
	Type CommissionType `json:"type" dynamodbav:"type"`
	// Bps is the percent commission in basis points.
	Bps int64 `json:"bps,omitempty" dynamodbav:"bps"`
	// Amount is the flat commission, in the program's minor units.
	Amount int64 `json:"amount,omitempty" dynamodbav:"amount"`
	// Cap bounds one conversion's commission (0: no cap).
	Cap             int64 `json:"cap,omitempty" dynamodbav:"cap"`
	AttributionDays int   `json:"attributionDays" dynamodbav:"attributionDays"`
	HoldDays        int   `json:"holdDays" dynamodbav:"holdDays"`
	// Recurring: the same customer may earn commission more than once.
	Recurring bool `json:"recurring" dynamodbav:"recurring"`
	// On is what earns: a conversion the community reports, or a
	// membership's payments, which Souq records itself (DESIGN §18).
	On On `json:"on" dynamodbav:"on"`
	// Months is how long a membership's payments earn, counted from its
	// first paid period's start; nil: for as long as it lasts.
	Months *int `json:"months" dynamodbav:"months"`
}

// On is what a program pays for.
type On string

// What a program pays for.
const (
	OnConversion On = "conversion" // a sale the community's server reports (POST /v1/conversions)
	OnMembership On = "membership" // each payment of a membership the deal brought
)

// Membership reports whether the terms pay on memberships.
func (t Terms) Membership() bool { return t.On == OnMembership }

// normal is the terms as views show them (an item written before
// programs paid on memberships reads as one on conversions).
func (t Terms) normal() Terms {
	if t.On == "" {
		t.On = OnConversion
	}
	return t
}

// Limits.
const (
	MaxAttributionDays = 365
	MaxHoldDays        = 180
	MaxNameLen         = 120
	MaxPitchLen        = 2_000
	MaxIDLen           = 128 // externalId, customerId
	MaxMonths          = 120
)

// CheckTerms validates a program's commission terms.
func CheckTerms(t Terms) []fault.FieldError {
	var fields []fault.FieldError
	switch t.Type {
	case Percent:
		if t.Bps < 1 || t.Bps > money.MaxBps {
			fields = append(fields, fault.FieldError{Field: "commission.bps", Message: "must be 1 to 10000 basis points"})
		}
		if t.Amount != 0 {
			fields = append(fields, fault.FieldError{Field: "commission.amount", Message: "a percent commission has bps, not an amount"})
		}
	case Flat:
		if t.Amount < 1 || t.Amount > money.MaxMinor {
			fields = append(fields, fault.FieldError{Field: "commission.amount", Message: "must be more than zero"})
		}
		if t.Bps != 0 {
			fields = append(fields, fault.FieldError{Field: "commission.bps", Message: "a flat commission has an amount, not bps"})
		}
	default:
		fields = append(fields, fault.FieldError{Field: "commission.type", Message: "must be flat or percent"})
	}
	if t.Cap < 0 || t.Cap > money.MaxMinor {
		fields = append(fields, fault.FieldError{Field: "commission.cap", Message: "must be zero (no cap) or more"})
	}
	if t.AttributionDays < 1 || t.AttributionDays > MaxAttributionDays {
		fields = append(fields, fault.FieldError{Field: "attributionDays", Message: fmt.Sprintf("must be 1 to %d", MaxAttributionDays)})
	}
	if t.HoldDays < 0 || t.HoldDays > MaxHoldDays {
		fields = append(fields, fault.FieldError{Field: "holdDays", Message: fmt.Sprintf("must be 0 to %d", MaxHoldDays)})
	}
	switch t.On {
	case OnConversion, "":
		if t.Months != nil {
			fields = append(fields, fault.FieldError{Field: "months", Message: "only a program on memberships has months that earn"})
		}
	case OnMembership:
		if t.Months != nil && (*t.Months < 1 || *t.Months > MaxMonths) {
			fields = append(fields, fault.FieldError{Field: "months", Message: fmt.Sprintf("must be 1 to %d, or null for as long as the membership lasts", MaxMonths)})
		}
		if t.Recurring {
			fields = append(fields, fault.FieldError{Field: "recurring", Message: "a program on memberships earns on every payment of the memberships it brought; recurring is for reported conversions"})
		}
	default:
		fields = append(fields, fault.FieldError{Field: "on", Message: "must be conversion (reported by the community's server) or membership (each payment of a membership, recorded by Souq)"})
	}
	return fields
}

// Commission is what a conversion of amount earns under the terms:
// basis points rounded half-even (or the flat amount), then capped.
func (t Terms) Commission(amount money.Amount) (money.Amount, error) {
	var c money.Amount
	switch t.Type {
	case Flat:
		c = money.Amount{Minor: t.Amount, Currency: amount.Currency}
	case Percent:
		var err error
		if c, err = money.MulBps(amount, t.Bps); err != nil {
			return money.Amount{}, err
		}
	default:
		return money.Amount{}, fault.New(fault.Invalid, "referrals.Commission", "unknown commission type "+string(t.Type))
	}
	if t.Cap > 0 && c.Minor > t.Cap {
		c.Minor = t.Cap
	}
	return c, nil
}

// ReversedShare is the part of a commission that a reversal of
// `reversed` out of a conversion's `amount` takes back, rounded half-even:
// commission × reversed / amount. A full reversal takes it all.
func ReversedShare(commission, reversed, amount int64) int64 {
	if amount <= 0 || commission <= 0 || reversed <= 0 {
		return 0
	}
	if reversed >= amount {
		return commission
	}
	hi, lo := bits.Mul64(uint64(commission), uint64(reversed))
	// hi < amount, so Div64 cannot panic: commission < 2^64 and reversed <
	// amount, so commission × reversed < 2^64 × amount.
	q, r := bits.Div64(hi, lo, uint64(amount))
	if r*2 > uint64(amount) || (r*2 == uint64(amount) && q%2 == 1) {
		q++
	}
	return int64(q)
}

// Reason says why a conversion earned nothing, or was flagged.
type Reason string

// Reasons.
const (
	ReasonAttributionWindow Reason = "attribution_window_passed"
	ReasonBudgetExhausted   Reason = "budget_exhausted"
	ReasonSelfReferral      Reason = "self_referral"
	ReasonRepeatCustomer    Reason = "repeat_customer"
	ReasonDealEnded         Reason = "deal_not_active"
	ReasonProgramInactive   Reason = "program_not_active"
	ReasonZeroCommission    Reason = "zero_commission"
	ReasonClickBurst        Reason = "burst_from_one_click"
	ReasonIPBurst           Reason = "burst_from_one_source"
	ReasonCustomerOnOther   Reason = "customer_seen_on_another_deal"
	ReasonBot               Reason = "bot_click"
	// ReasonMonthsPassed: a membership's payment after the months that earn.
	ReasonMonthsPassed Reason = "months_passed"
)

// Referral codes are case-insensitive: stored and matched lower case.
var codePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{2,31}$`)

// NormalizeCode reads a code as Souq matches it: trimmed, lower case.
func NormalizeCode(code string) (string, bool) {
	c := strings.ToLower(strings.TrimSpace(code))
	return c, codePattern.MatchString(c)
}

// codeAlphabet has no look-alikes (no 0/o, 1/l/i).
const codeAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// NewCode is an unguessable referral code: 12 characters from a
// 31-letter alphabet drawn from crypto/rand without modulo bias, about 59
// bits.
func NewCode() string {
	out := make([]byte, 0, 12)
	var b [32]byte
	for len(out) < 12 {
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
		for _, c := range b {
			if int(c) < 256/len(codeAlphabet)*len(codeAlphabet) && len(out) < 12 {
				out = append(out, codeAlphabet[int(c)%len(codeAlphabet)])
			}
		}
	}
	return string(out)
}

// checkText bounds a free text field.
func checkText(field, s string, max int, required bool) []fault.FieldError {
	var bad fault.Fields
	switch {
	case required && strings.TrimSpace(s) == "":
		bad.Add(field, "is required")
	case utf8.RuneCountInString(s) > max:
		bad.Add(field, fmt.Sprintf("must be at most %d characters", max))
	case field == "pitch":
		bad.Add(field, input.Text(s))
	default:
		bad.Add(field, input.Line(s))
	}
	return bad
}

// Days is n whole days.
func Days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

// Facts are what a reported conversion is judged on, read before.
type Facts struct {
	// Forced is a reason a first attempt found in its transaction (a
	// repeat customer, an exhausted budget): the conversion earns nothing.
	Forced        Reason
	DealApproved  bool
	ProgramActive bool
	Now           time.Time
	// Clicked: the conversion came through a click (its time, and how
	// many conversions it already had).
	Clicked          bool
	ClickAt          time.Time
	ClickConversions int64
	AttributionDays  int
	// SelfReferral: the customer is the deal's own influencer.
	SelfReferral bool
	// CustomerSeen: the customer converted on this program before;
	// CustomerOnOtherDeal: on another influencer's deal.
	CustomerSeen, CustomerOnOtherDeal bool
	Recurring                         bool
	// MonthsPassed: a membership's payment after the months that earn.
	MonthsPassed bool
	Commission   int64
}

// Judge decides a conversion's status and reason: no commission (with
// the reason it earns nothing), flagged for the owner's review (with what
// looked wrong), or pending. The one fact that costs a read, how many
// conversions the click's source made today, is asked for (at most once)
// only when nothing else decided first.
func Judge(f Facts, sourceConversions func() (int64, error)) (Status, Reason, error) {
	reason := f.Forced
	switch {
	case reason != "":
	case !f.DealApproved:
		reason = ReasonDealEnded
	case !f.ProgramActive:
		reason = ReasonProgramInactive
	case f.Clicked && !f.Now.Before(f.ClickAt.Add(Days(f.AttributionDays))):
		reason = ReasonAttributionWindow
	case f.SelfReferral:
		reason = ReasonSelfReferral
	case f.MonthsPassed:
		reason = ReasonMonthsPassed
	case f.CustomerSeen && !f.Recurring:
		reason = ReasonRepeatCustomer
	}
	var flag Reason
	if reason == "" {
		switch {
		case f.Clicked && f.ClickConversions >= maxConversionsPerClick:
			flag = ReasonClickBurst
		case f.CustomerOnOtherDeal:
			flag = ReasonCustomerOnOther
		case f.Clicked:
			n, err := sourceConversions()
			if err != nil {
				return "", "", err
			}
			if n >= maxConversionsPerSource {
				flag = ReasonIPBurst
			}
		}
		if f.Commission == 0 {
			reason = ReasonZeroCommission
		}
	}
	switch {
	case reason != "":
		return NoCommission, reason, nil
	case flag != "":
		return Flagged, flag, nil
	}
	return Pending, "", nil
}
