package memberships

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02T15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// Boundaries by hand: month ends keep to the anchor's day when the month
// has it, 29 February falls to the 28th in common years and comes back in
// leap years, and years are twelve months.
func TestBoundary_MonthEndsAndLeapDays(t *testing.T) {
	for _, tc := range []struct {
		anchor   string
		interval Interval
		want     []string // boundaries 1, 2, 3…
	}{
		{"2039-01-31T10:30", Month, []string{"2039-02-28T10:30", "2039-03-31T10:30", "2039-04-30T10:30", "2039-05-31T10:30"}},
		{"2040-01-31T00:00", Month, []string{"2040-02-29T00:00", "2040-03-31T00:00"}},
		{"2039-01-30T08:00", Month, []string{"2039-02-28T08:00", "2039-03-30T08:00"}},
		{"2039-12-15T23:59", Month, []string{"2040-01-15T23:59", "2040-02-15T23:59"}},
		{"2040-02-29T12:00", Year, []string{"2041-02-28T12:00", "2042-02-28T12:00", "2043-02-28T12:00", "2044-02-29T12:00"}},
		{"2039-03-31T00:00", Year, []string{"2040-03-31T00:00"}},
	} {
		for n, w := range tc.want {
			if got := Boundary(day(tc.anchor), tc.interval, n+1); !got.Equal(day(w)) {
				t.Errorf("%s + %d %s = %s, want %s", tc.anchor, n+1, tc.interval, got.Format(time.RFC3339), w)
			}
		}
	}
}

// Whatever the anchor and instant, PeriodAt's period holds the instant,
// follows from the one before without a gap, and is one interval long in
// calendar months (28 to 31 days, or 365 or 366).
func TestPeriodAt_HoldsTheInstantAndTheBoundariesMeet(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		anchor := time.Date(2039, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rapid.Int64Range(0, 20*365*24*3600).Draw(t, "anchor")) * time.Second)
		i := rapid.SampledFrom([]Interval{Month, Year}).Draw(t, "interval")
		at := anchor.Add(time.Duration(rapid.Int64Range(0, 10*366*24*3600).Draw(t, "after")) * time.Second)
		p, n, ok := PeriodAt(anchor, i, at)
		if !ok || !p.Contains(at) {
			t.Fatalf("PeriodAt(%s, %s, %s) = %v %d %v", anchor, i, at, p, n, ok)
		}
		if !p.Start.Equal(Boundary(anchor, i, n)) || !p.End.Equal(Boundary(anchor, i, n+1)) {
			t.Fatalf("period %d is not between its boundaries", n)
		}
		days := p.Length().Hours() / 24
		if (i == Month && (days < 28 || days > 31)) || (i == Year && days != 365 && days != 366) {
			t.Fatalf("a %s period of %v days: %v", i, days, p)
		}
	})
	if _, _, ok := PeriodAt(day("2039-05-01T00:00"), Month, day("2039-04-30T23:59")); ok {
		t.Error("an instant before the anchor has a period")
	}
}
