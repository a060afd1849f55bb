package memberships

import (
	"fmt"
	"time"
)

// Interval is how often a member pays: every month or every year.
type Interval string

// The intervals a price may have.
const (
	Month Interval = "month"
	Year  Interval = "year"
)

// Valid reports whether i is an interval a price may have.
func (i Interval) Valid() bool { return i == Month || i == Year }

// months is the interval's length in calendar months.
func (i Interval) months() int {
	if i == Year {
		return 12
	}
	return 1
}

// Period is one paid stretch of a membership: [Start, End).
type Period struct {
	Start, End time.Time
}

// Contains reports whether t is within the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End) }

// Length is the period's duration.
func (p Period) Length() time.Duration { return p.End.Sub(p.Start) }

// Boundary is the end of the nth period of a membership anchored at
// anchor (n = 0 is the anchor itself), in UTC: n intervals of calendar
// months after it, at the same time of day, on the anchor's day of the
// month, or on the month's last day when it has no such day. Each
// boundary is counted from the anchor, never from the boundary before,
// so a membership that began on 31 January renews on 28 (or 29)
// February, then on 31 March, not on the 28th from then on; one that
// began on 29 February renews yearly on 28 February and again on 29
// February in leap years.
func Boundary(anchor time.Time, i Interval, n int) time.Time {
	a := anchor.UTC()
	total := int(a.Month()) - 1 + n*i.months()
	year := a.Year() + floorDiv(total, 12)
	month := time.Month(floorMod(total, 12) + 1)
	day := min(a.Day(), daysIn(year, month))
	return time.Date(year, month, day, a.Hour(), a.Minute(), a.Second(), a.Nanosecond(), time.UTC)
}

// PeriodN is the nth period (from 0) of a membership anchored at anchor.
func PeriodN(anchor time.Time, i Interval, n int) Period {
	return Period{Start: Boundary(anchor, i, n), End: Boundary(anchor, i, n+1)}
}

// PeriodAt is the period of a membership anchored at anchor that holds t,
// and its number; t before the anchor is in no period (ok false).
func PeriodAt(anchor time.Time, i Interval, t time.Time) (p Period, n int, ok bool) {
	if t.Before(anchor) {
		return Period{}, 0, false
	}
	// A first guess from whole months, then a step either way: a
	// boundary never moves more than a month from the guess.
	a, u := anchor.UTC(), t.UTC()
	n = ((u.Year()-a.Year())*12 + int(u.Month()) - int(a.Month())) / i.months()
	for n > 0 && Boundary(anchor, i, n).After(t) {
		n--
	}
	for !Boundary(anchor, i, n+1).After(t) {
		n++
	}
	return PeriodN(anchor, i, n), n, true
}

// PeriodKey names the nth period of a membership for the ids fixed by
// membership and period (a renewal's charge: never twice for one).
func PeriodKey(membershipID string, n int) string { return fmt.Sprintf("%s_p%d", membershipID, n) }

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - floorDiv(a, b)*b }
