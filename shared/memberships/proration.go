package memberships

import (
	"errors"
	"math/big"
	"time"
)

// ErrNotInPeriod is a change asked for outside the period it would change.
var ErrNotInPeriod = errors.New("memberships: the change is not within the period")

// Proration is what an upgrade within a period costs, as the response
// states it (DESIGN §17: never a hidden credit): the new price's part of
// the rest of the period less the old price's, to the minor unit,
// half-even; its parts are in the response so that a member can do the
// sum by hand.
type Proration struct {
	// Charge is what is charged now: NewPart - OldPart (never below 0: a
	// change that costs less is a downgrade, applied at the period's end).
	Charge int64 `json:"charge"`
	// OldPart and NewPart are each price's part of the rest of the period
	// (price × remaining / length, half-even), in minor units.
	OldPart int64 `json:"oldPart"`
	NewPart int64 `json:"newPart"`
	// Remaining and Length are the rest of the period and its whole, in
	// seconds (the fraction the parts are of their prices).
	Remaining int64 `json:"remainingSeconds"`
	Length    int64 `json:"periodSeconds"`
}

// Prorate is what changing from a price of from to one of to (both for
// the period's interval, in minor units) at the instant at costs for the
// rest of period p. Time is counted in whole seconds (the rest rounded
// down: a member is never charged for a second they do not have).
func Prorate(from, to int64, p Period, at time.Time) (Proration, error) {
	if !p.Contains(at) || from < 0 || to < 0 {
		return Proration{}, ErrNotInPeriod
	}
	length := int64(p.Length() / time.Second)
	rest := int64(p.End.Sub(at) / time.Second)
	if length <= 0 {
		return Proration{}, ErrNotInPeriod
	}
	oldPart, newPart := partOf(from, rest, length), partOf(to, rest, length)
	return Proration{Charge: max(0, newPart-oldPart), OldPart: oldPart, NewPart: newPart, Remaining: rest, Length: length}, nil
}

// partOf is price × num / den rounded half-even, exactly (no float, no
// overflow: a price of any int64 times a period of any length).
func partOf(price, num, den int64) int64 {
	return HalfEven(new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(price), big.NewInt(num)), big.NewInt(den)))
}

// HalfEven rounds a rational to the nearest integer, ties to even.
func HalfEven(r *big.Rat) int64 {
	num, den := new(big.Int).Set(r.Num()), r.Denom() // den > 0
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if m.Sign() < 0 { // QuoRem truncates: make m ≥ 0 with q the floor
		m.Add(m, den)
		q.Sub(q, big.NewInt(1))
	}
	twice := new(big.Int).Lsh(m, 1)
	switch c := twice.Cmp(den); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		q.Add(q, big.NewInt(1))
	}
	return q.Int64()
}
