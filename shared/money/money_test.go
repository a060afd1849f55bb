package money

import (
	"errors"
	"math"
	"testing"

	"pgregory.net/rapid"
)

func usd(m int64) Amount { return Amount{Minor: m, Currency: "USD"} }

func TestMulBps_RoundsHalfEven(t *testing.T) {
	cases := []struct {
		name  string
		minor int64
		bps   int64
		want  int64
	}{
		{"exact", 10000, 1500, 1500},
		{"half rounds to even (down)", 25, 2000, 5}, // 5.0 exact
		{"0.5 rounds to 0", 1, 5000, 0},             // 0.5 → 0 (even)
		{"1.5 rounds to 2", 3, 5000, 2},             // 1.5 → 2
		{"2.5 rounds to 2", 5, 5000, 2},             // 2.5 → 2
		{"3.5 rounds to 4", 7, 5000, 4},             // 3.5 → 4
		{"below half rounds down", 1234, 333, 41},   // 41.0922
		{"above half rounds up", 1999, 250, 50},     // 49.975
		{"negative mirrors positive", -5, 5000, -2}, // -2.5 → -2
		{"zero bps", 123456, 0, 0},
		{"full", 123456, 10000, 123456},
		{"large amounts do not overflow", math.MaxInt64 / 2, 10000, math.MaxInt64 / 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := MulBps(usd(c.minor), c.bps)
			if err != nil {
				t.Fatal(err)
			}
			if got.Minor != c.want || got.Currency != "USD" {
				t.Fatalf("MulBps(%d, %d) = %v, want %d", c.minor, c.bps, got, c.want)
			}
		})
	}
}

func TestMulBps_RefusesOutOfRangeBps(t *testing.T) {
	for _, bps := range []int64{-1, 10001} {
		if _, err := MulBps(usd(100), bps); !errors.Is(err, ErrBadBps) {
			t.Errorf("bps %d: err = %v, want ErrBadBps", bps, err)
		}
	}
}

func TestSplitBps_NeverLosesAMinorUnit(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := usd(rapid.Int64Range(-MaxMinor, MaxMinor).Draw(t, "minor"))
		bps := rapid.Int64Range(0, MaxBps).Draw(t, "bps")
		share, rest, err := SplitBps(a, bps)
		if err != nil {
			t.Fatal(err)
		}
		if share.Minor+rest.Minor != a.Minor {
			t.Fatalf("%v split at %d bps into %v + %v", a, bps, share, rest)
		}
	})
}

func TestAdd_RefusesMixedCurrenciesAndOverflow(t *testing.T) {
	if _, err := Add(usd(1), Amount{Minor: 1, Currency: "EUR"}); !errors.Is(err, ErrCurrencyMismatch) {
		t.Fatalf("mixed currencies: %v", err)
	}
	if _, err := Add(usd(math.MaxInt64), usd(1)); !errors.Is(err, ErrOverflow) {
		t.Fatalf("overflow: %v", err)
	}
	if _, err := Sub(usd(math.MinInt64+1), usd(2)); !errors.Is(err, ErrOverflow) {
		t.Fatalf("underflow: %v", err)
	}
	got, err := Sub(usd(500), usd(1500))
	if err != nil || got.Minor != -1000 {
		t.Fatalf("Sub = %v, %v", got, err)
	}
}

func TestNew_ChecksCurrencyAndRange(t *testing.T) {
	if _, err := New(100, "usd"); !errors.Is(err, ErrUnknownCurrency) {
		t.Fatalf("lower-case code accepted: %v", err)
	}
	if _, err := New(100, "XXX"); !errors.Is(err, ErrUnknownCurrency) {
		t.Fatalf("unknown code accepted: %v", err)
	}
	if _, err := New(MaxMinor+1, "USD"); !errors.Is(err, ErrOverflow) {
		t.Fatalf("huge amount accepted: %v", err)
	}
	if a, err := New(1500, "JPY"); err != nil || a.String() != "1500 JPY" {
		t.Fatalf("JPY: %v %v", a, err)
	}
	if s := usd(-1505).String(); s != "-15.05 USD" {
		t.Fatalf("String = %q", s)
	}
	if s := (Amount{Minor: 1234, Currency: "KWD"}).String(); s != "1.234 KWD" {
		t.Fatalf("String = %q", s)
	}
}

// Largest remainder: parts sum to the total, follow the weights, and give
// nothing to a zero weight.
func TestApportion(t *testing.T) {
	for _, tc := range []struct {
		total   int64
		weights []int64
		want    []int64
	}{
		{308, []int64{1000, 234}, []int64{250, 58}},
		{10, []int64{1, 1, 1}, []int64{4, 3, 3}},
		{5, []int64{0, 3, 0}, []int64{0, 5, 0}},
		{0, []int64{1, 2}, []int64{0, 0}},
		{7, []int64{0, 0}, []int64{0, 0}},
	} {
		got := Apportion(tc.total, tc.weights)
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("Apportion(%d, %v) = %v, want %v", tc.total, tc.weights, got, tc.want)
				break
			}
		}
	}
}
