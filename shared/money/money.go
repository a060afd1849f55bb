// Package money is integer money: minor units with an ISO 4217 currency.
// It refuses mixed currencies and overflow instead of guessing, and rounds
// basis points half-even with the remainder returned, never dropped.
// It must never use floating point.
package money

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"sort"
)

// Amount is a quantity of one currency in its minor unit (cents for USD,
// yen for JPY, fils for KWD).
type Amount struct {
	Minor    int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Errors returned by arithmetic. They are programming or input errors;
// callers turn them into fault.Invalid where they come from a request.
var (
	ErrCurrencyMismatch = errors.New("money: currencies differ")
	ErrOverflow         = errors.New("money: amount out of range")
	ErrUnknownCurrency  = errors.New("money: unknown currency")
	ErrBadBps           = errors.New("money: basis points out of range")
)

// MaxMinor bounds any single amount Souq accepts from a request: ten
// trillion minor units, far above any real sponsorship, far below int64
// overflow even when thousands are summed.
const MaxMinor int64 = 10_000_000_000_000

// New returns an amount after checking the currency and range.
func New(minor int64, currency string) (Amount, error) {
	if !IsCurrency(currency) {
		return Amount{}, fmt.Errorf("%w: %q", ErrUnknownCurrency, currency)
	}
	if minor > MaxMinor || minor < -MaxMinor {
		return Amount{}, ErrOverflow
	}
	return Amount{Minor: minor, Currency: currency}, nil
}

// String renders the amount for people and logs, e.g. "15.00 USD".
func (a Amount) String() string {
	if exp, ok := currencies[a.Currency]; !ok || exp == 0 {
		return fmt.Sprintf("%d %s", a.Minor, a.Currency)
	}
	if a.Minor == math.MinInt64 {
		return fmt.Sprintf("%d (minor) %s", a.Minor, a.Currency)
	}
	return a.Decimal() + " " + a.Currency
}

// Decimal is the amount in its major unit with the currency's digits and
// no currency, as a spreadsheet reads it: "15.00", "-0.07", "1500" (JPY).
func (a Amount) Decimal() string {
	exp := currencies[a.Currency]
	sign := ""
	m := a.Minor
	if m < 0 {
		if m == math.MinInt64 {
			return fmt.Sprintf("%d", m)
		}
		sign, m = "-", -m
	}
	if exp == 0 {
		return fmt.Sprintf("%s%d", sign, m)
	}
	div := int64(1)
	for i := 0; i < exp; i++ {
		div *= 10
	}
	return fmt.Sprintf("%s%d.%0*d", sign, m/div, exp, m%div)
}

// IsZero reports whether the amount is zero.
func (a Amount) IsZero() bool { return a.Minor == 0 }

// Add returns a+b, refusing mixed currencies and int64 overflow.
func Add(a, b Amount) (Amount, error) {
	if a.Currency != b.Currency {
		return Amount{}, ErrCurrencyMismatch
	}
	s := a.Minor + b.Minor
	if (b.Minor > 0 && s < a.Minor) || (b.Minor < 0 && s > a.Minor) {
		return Amount{}, ErrOverflow
	}
	return Amount{Minor: s, Currency: a.Currency}, nil
}

// Sub returns a-b, refusing mixed currencies and int64 overflow.
func Sub(a, b Amount) (Amount, error) {
	if b.Minor == math.MinInt64 {
		return Amount{}, ErrOverflow
	}
	return Add(a, Amount{Minor: -b.Minor, Currency: b.Currency})
}

// Neg returns -a.
func Neg(a Amount) (Amount, error) {
	if a.Minor == math.MinInt64 {
		return Amount{}, ErrOverflow
	}
	return Amount{Minor: -a.Minor, Currency: a.Currency}, nil
}

// MaxBps is 100%.
const MaxBps int64 = 10_000

// MulBps returns a × bps / 10 000 rounded half-even (banker's rounding), so
// that rounding errors over many settlements do not drift in one direction.
// bps must be within [0, 10 000].
func MulBps(a Amount, bps int64) (Amount, error) {
	if bps < 0 || bps > MaxBps {
		return Amount{}, ErrBadBps
	}
	neg := a.Minor < 0
	if a.Minor == math.MinInt64 {
		return Amount{}, ErrOverflow
	}
	abs := uint64(a.Minor)
	if neg {
		abs = uint64(-a.Minor)
	}
	hi, lo := bits.Mul64(abs, uint64(bps))
	q, r := bits.Div64(hi, lo, uint64(MaxBps)) // hi < MaxBps since bps ≤ MaxBps, so no panic
	// Half-even: round up when the remainder is over half, or exactly half
	// and the quotient is odd.
	if r*2 > uint64(MaxBps) || (r*2 == uint64(MaxBps) && q%2 == 1) {
		q++
	}
	if q > math.MaxInt64 {
		return Amount{}, ErrOverflow
	}
	out := int64(q)
	if neg {
		out = -out
	}
	return Amount{Minor: out, Currency: a.Currency}, nil
}

// SplitBps divides a into share = MulBps(a, bps) and rest = a - share.
// share + rest == a exactly: the rounding remainder is in rest, by name,
// so the caller routes it to an account instead of losing it.
func SplitBps(a Amount, bps int64) (share, rest Amount, err error) {
	share, err = MulBps(a, bps)
	if err != nil {
		return Amount{}, Amount{}, err
	}
	rest, err = Sub(a, share)
	return share, rest, err
}

// Exponent returns the number of minor-unit digits of a currency.
func Exponent(currency string) (int, bool) {
	e, ok := currencies[currency]
	return e, ok
}

// IsCurrency reports whether code is an ISO 4217 currency Souq accepts.
func IsCurrency(code string) bool {
	_, ok := currencies[code]
	return ok
}

// currencies maps the ISO 4217 codes Souq accepts (those card and payout
// rails settle in) to their minor-unit exponent.
var currencies = map[string]int{
	"AED": 2, "ARS": 2, "AUD": 2, "BDT": 2, "BGN": 2, "BHD": 3, "BRL": 2, "CAD": 2,
	"CHF": 2, "CLP": 0, "CNY": 2, "COP": 2, "CZK": 2, "DKK": 2, "EGP": 2, "EUR": 2,
	"GBP": 2, "GHS": 2, "HKD": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "ISK": 0,
	"JOD": 3, "JPY": 0, "KES": 2, "KRW": 0, "KWD": 3, "LKR": 2, "MAD": 2, "MXN": 2,
	"MYR": 2, "NGN": 2, "NOK": 2, "NZD": 2, "OMR": 3, "PEN": 2, "PHP": 2, "PKR": 2,
	"PLN": 2, "QAR": 2, "RON": 2, "RSD": 2, "SAR": 2, "SEK": 2, "SGD": 2, "THB": 2,
	"TND": 3, "TRY": 2, "TWD": 2, "UAH": 2, "UGX": 0, "USD": 2, "VND": 0, "XAF": 0,
	"XOF": 0, "ZAR": 2,
}

// Apportion divides total over weights by the largest remainder: each
// gets floor(total × w / Σw), and what is left goes one by one to the
// largest remainders, the first (by position) on a tie. The parts sum to
// total exactly; with no weight, nothing is given.
func Apportion(total int64, weights []int64) []int64 {
	parts := make([]int64, len(weights))
	var sum int64
	for _, w := range weights {
		sum += w
	}
	if sum == 0 || total == 0 {
		return parts
	}
	type rem struct {
		i int
		r *big.Int
	}
	rems := make([]rem, len(weights))
	given := int64(0)
	for i, w := range weights {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(big.NewInt(total), big.NewInt(w)), big.NewInt(sum), new(big.Int))
		parts[i] = q.Int64()
		given += parts[i]
		rems[i] = rem{i, r}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r.Cmp(rems[b].r) > 0 })
	for k := 0; given < total; k++ {
		parts[rems[k%len(rems)].i]++
		given++
	}
	return parts
}
