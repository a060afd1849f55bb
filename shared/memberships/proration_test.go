package memberships

import (
	"math/big"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// Upgrades by hand: €5.00 → €12.00 a month with 10 of February 2039's 28
// days left is 7.00 × 10/28 = 2.50; with a third of a 30-day month left
// the parts are 1.67 and 4.00 (1.6666… and 4.00), so 2.33; half a cent
// rounds to even; a cheaper price costs nothing now (a downgrade waits
// for the period's end); a change outside the period is refused.
func TestProrate_ByHand(t *testing.T) {
	feb := PeriodN(day("2039-02-01T00:00"), Month, 0) // 28 days
	p, err := Prorate(500, 1200, feb, day("2039-02-19T00:00"))
	if err != nil || p.Charge != 250 || p.OldPart != 179 || p.NewPart != 429 || p.Remaining != 10*86400 || p.Length != 28*86400 {
		// 500 × 10/28 = 178.57 → 179; 1200 × 10/28 = 428.57 → 429; 429 − 179 = 250.
		t.Fatalf("February: %+v %v", p, err)
	}
	apr := PeriodN(day("2039-04-01T00:00"), Month, 0) // 30 days
	if p, _ := Prorate(500, 1200, apr, day("2039-04-21T00:00")); p.OldPart != 167 || p.NewPart != 400 || p.Charge != 233 {
		t.Fatalf("April: %+v", p)
	}
	// 1 × 1/2 = 0.5 → 0 (even); 3 × 1/2 = 1.5 → 2 (even).
	two := Period{Start: day("2039-01-01T00:00"), End: day("2039-01-01T00:00").Add(2 * time.Second)}
	if p, _ := Prorate(1, 3, two, two.Start.Add(time.Second)); p.OldPart != 0 || p.NewPart != 2 || p.Charge != 2 {
		t.Fatalf("half a unit: %+v", p)
	}
	if p, _ := Prorate(1200, 500, feb, day("2039-02-19T00:00")); p.Charge != 0 {
		t.Fatalf("a downgrade charged %d now", p.Charge)
	}
	if _, err := Prorate(500, 1200, feb, day("2039-03-01T00:00")); err == nil {
		t.Fatal("a change at the period's end was prorated")
	}
}

// The property of DESIGN §17: over random upgrades within a period, a
// member is charged exactly what they had — each change's charge is the
// half-even of its exact part, and all of them with the first price come
// within half a unit per change of the exact sum of each price over the
// stretch it was held.
func TestProrate_ChargesWhatWasHeld(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		anchor := time.Date(2039, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rapid.Int64Range(0, 4*365*24*3600).Draw(t, "anchor")) * time.Second)
		i := rapid.SampledFrom([]Interval{Month, Year}).Draw(t, "interval")
		p := PeriodN(anchor, i, rapid.IntRange(0, 30).Draw(t, "n"))
		length := int64(p.Length() / time.Second)
		price := rapid.Int64Range(0, 100_000).Draw(t, "first price")
		charged := price
		exact := new(big.Rat)
		at := p.Start
		changes := rapid.IntRange(0, 6).Draw(t, "changes")
		for k := 0; k < changes; k++ {
			next := at.Add(time.Duration(rapid.Int64Range(1, max(1, int64(p.End.Sub(at)/time.Second)-1)).Draw(t, "wait")) * time.Second)
			if !p.Contains(next) {
				break
			}
			up := price + rapid.Int64Range(0, 100_000).Draw(t, "raise")
			pr, err := Prorate(price, up, p, next)
			if err != nil {
				t.Fatal(err)
			}
			want := new(big.Rat).SetFrac64((up-price)*pr.Remaining, length)
			if diff := new(big.Rat).Sub(new(big.Rat).SetInt64(pr.Charge), want); diff.Abs(diff).Cmp(big.NewRat(1, 1)) > 0 {
				t.Fatalf("charge %d for an exact %s", pr.Charge, want.FloatString(3))
			}
			// The stretch [at, next) at price.
			exact.Add(exact, new(big.Rat).SetFrac64(price*int64(next.Sub(at)/time.Second), length))
			charged += pr.Charge
			price, at = up, next
		}
		exact.Add(exact, new(big.Rat).SetFrac64(price*int64(p.End.Sub(at)/time.Second), length))
		diff := new(big.Rat).Sub(new(big.Rat).SetInt64(charged), exact)
		if diff.Abs(diff).Cmp(big.NewRat(int64(changes)+1, 1)) > 0 {
			t.Fatalf("charged %d for an exact %s over %d changes", charged, exact.FloatString(3), changes)
		}
	})
}

func TestHalfEven(t *testing.T) {
	for _, tc := range []struct {
		num, den, want int64
	}{{1, 2, 0}, {3, 2, 2}, {5, 2, 2}, {-1, 2, 0}, {-3, 2, -2}, {7, 3, 2}, {8, 3, 3}, {-7, 3, -2}, {-8, 3, -3}} {
		if got := HalfEven(big.NewRat(tc.num, tc.den)); got != tc.want {
			t.Errorf("%d/%d = %d, want %d", tc.num, tc.den, got, tc.want)
		}
	}
}
