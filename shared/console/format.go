package console

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/souqhq/souq/shared/money"
)

// Money in pages is written the way people write it ($49.00, ¥500,
// 1,234.500 BHD), and typed the same way; the API's minor units never
// reach a person.

var symbols = map[string]string{
	"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CAD": "CA$", "AUD": "A$",
	"NZD": "NZ$", "HKD": "HK$", "SGD": "S$", "MXN": "MX$", "BRL": "R$", "CHF": "CHF ", "KRW": "₩",
	"CNY": "CN¥", "ILS": "₪", "TRY": "₺", "VND": "₫", "PHP": "₱", "NGN": "₦", "UAH": "₴", "PLN": "zł ",
}

// FormatMoney writes minor units of a currency for people.
func FormatMoney(minor int64, currency string) string {
	exp, ok := money.Exponent(currency)
	if !ok {
		return fmt.Sprintf("%d %s", minor, currency)
	}
	sign := ""
	if minor < 0 {
		if minor == math.MinInt64 {
			return fmt.Sprintf("%d %s (minor units)", minor, currency)
		}
		sign, minor = "−", -minor
	}
	unit := int64(1)
	for i := 0; i < exp; i++ {
		unit *= 10
	}
	whole := group(strconv.FormatInt(minor/unit, 10))
	num := whole
	if exp > 0 {
		num += "." + fmt.Sprintf("%0*d", exp, minor%unit)
	}
	if sym, ok := symbols[currency]; ok {
		return sign + sym + num
	}
	return sign + num + " " + currency
}

func group(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	lead := len(digits) % 3
	if lead > 0 {
		b.WriteString(digits[:lead])
	}
	for i := lead; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// FormatAmount is an amount in a form's field: no symbol, no grouping
// (49.00).
func FormatAmount(minor int64, currency string) string {
	exp, ok := money.Exponent(currency)
	if !ok || exp == 0 {
		return strconv.FormatInt(minor, 10)
	}
	s := FormatMoney(minor, currency)
	s = strings.TrimPrefix(s, symbols[currency])
	s = strings.TrimSuffix(s, " "+currency)
	return strings.ReplaceAll(s, ",", "")
}

// errAmount is what a person reads beside a field they typed wrong.
var errAmount = errors.New("amount")

// ParseMoney reads an amount a person typed in currency: "49", "49.5",
// "$1,234.56", "1234.56 USD". It never goes through floating point, and
// refuses more decimals than the currency has.
func ParseMoney(typed, currency string) (int64, error) {
	exp, ok := money.Exponent(currency)
	if !ok {
		return 0, fmt.Errorf("%w: unknown currency %q", errAmount, currency)
	}
	s := strings.TrimSpace(typed)
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(s, currency), strings.ToLower(currency)))
	if sym := strings.TrimSpace(symbols[currency]); sym != "" {
		s = strings.TrimSpace(strings.TrimPrefix(s, sym))
	}
	s = strings.TrimPrefix(s, "$")
	if s == "" {
		return 0, fmt.Errorf("%w: enter an amount, like %s", errAmount, example(currency))
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if strings.Contains(whole, ",") {
		// Grouping commas, in threes.
		parts := strings.Split(whole, ",")
		for i, g := range parts {
			if (i == 0 && (len(g) == 0 || len(g) > 3)) || (i > 0 && len(g) != 3) {
				return 0, fmt.Errorf("%w: write it like %s", errAmount, example(currency))
			}
		}
		whole = strings.Join(parts, "")
	}
	if whole == "" {
		whole = "0"
	}
	if !digitsOnly(whole) || (hasFrac && (!digitsOnly(frac) || frac == "")) {
		return 0, fmt.Errorf("%w: write it like %s", errAmount, example(currency))
	}
	if len(frac) > exp {
		if exp == 0 {
			return 0, fmt.Errorf("%w: %s has no decimals", errAmount, currency)
		}
		return 0, fmt.Errorf("%w: %s has %d decimals at most", errAmount, currency, exp)
	}
	frac += strings.Repeat("0", exp-len(frac))
	if len(whole)+len(frac) > 15 {
		return 0, fmt.Errorf("%w: too large", errAmount)
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: write it like %s", errAmount, example(currency))
	}
	return n, nil
}

func digitsOnly(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func example(currency string) string {
	exp, _ := money.Exponent(currency)
	m := int64(49)
	for i := 0; i < exp; i++ {
		m *= 10
	}
	return FormatAmount(m, currency)
}

// Percent writes basis points as a percentage (2000 → 20%).
func Percent(bps int64) string {
	s := strconv.FormatFloat(float64(bps)/100, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

// ParsePercent reads "20", "20%" or "12.5" as basis points.
func ParsePercent(typed string) (int64, error) {
	s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(typed), "%"))
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || !digitsOnly(whole) || (frac != "" && !digitsOnly(frac)) || len(frac) > 2 || len(whole) > 3 {
		return 0, errors.New("write a percentage like 20 or 12.5")
	}
	frac += strings.Repeat("0", 2-len(frac))
	n, _ := strconv.ParseInt(whole+frac, 10, 64)
	return n, nil
}

// Grouped is a count with its thousands grouped: 12,400.
func Grouped(n int64) string {
	if n < 0 {
		return "-" + group(strconv.FormatInt(-n, 10))
	}
	return group(strconv.FormatInt(n, 10))
}

// AudienceWords is a listing's measured audience in plain words.
func AudienceWords(a Audience) string {
	plural := func(n int64, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return Grouped(n) + " " + many
	}
	return plural(a.ViewableImpressions, "viewable impression", "viewable impressions") + ", " +
		plural(a.DistinctDailyViewers, "distinct daily viewer", "distinct daily viewers") + ", " +
		plural(a.Clicks, "click", "clicks") + " in the last 30 days"
}
