package ledger

import "github.com/souqhq/souq/shared/money"

func moneyOf(minor int64, currency string) money.Amount {
	return money.Amount{Minor: minor, Currency: currency}
}
