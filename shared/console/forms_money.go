package console

import "net/http"

// The wallet's forms: adding funds, auto-recharge, the low-balance alert
// and a refund of unspent funds (an amountForm, AmountRequest).

// Deposit methods: the default saved card, or Stripe's hosted page.
const (
	methodSaved    = "saved"
	methodCheckout = "checkout"
)

// DepositRequest is POST /v1/{advertisers|communities}/{id}/deposits (the
// requestBody Deposit).
type DepositRequest struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Method   string `json:"method,omitempty"`
}

type depositForm struct {
	Amount   int64
	Currency string
	Method   string
}

func parseDepositForm(r *http.Request) (depositForm, fieldErrors) {
	f, bad := depositForm{Currency: formValue(r, "currency"), Method: formValue(r, "method")}, fieldErrors{}
	moneyField(r, "amount", f.Currency, &f.Amount, bad)
	switch f.Method {
	case "", methodSaved, methodCheckout:
	default:
		bad["method"] = "choose your saved card or Stripe's page"
	}
	return f, bad
}

func (f depositForm) Request() DepositRequest {
	return DepositRequest(f)
}

// UpdateAdvertiserRequest is PATCH /v1/advertisers/{id}: a setting left
// out is unchanged, null turns it off.
type UpdateAdvertiserRequest struct {
	AutoRecharge    Nullable[AutoRecharge] `json:"autoRecharge,omitzero"`
	LowBalanceAlert Nullable[BalanceAlert] `json:"lowBalanceAlert,omitzero"`
}

// rechargeForm turns auto-recharge on: below what available balance, and
// how much to add then.
type rechargeForm struct {
	Currency      string
	Below, Amount int64
}

func parseRechargeForm(r *http.Request) (rechargeForm, fieldErrors) {
	f, bad := rechargeForm{Currency: formValue(r, "currency")}, fieldErrors{}
	moneyField(r, "autoRecharge.below", f.Currency, &f.Below, bad)
	moneyField(r, "autoRecharge.amount", f.Currency, &f.Amount, bad)
	return f, bad
}

func (f rechargeForm) Request() UpdateAdvertiserRequest {
	return UpdateAdvertiserRequest{AutoRecharge: Some(AutoRecharge{
		Below: Money{Amount: f.Below, Currency: f.Currency}, Amount: Money{Amount: f.Amount, Currency: f.Currency}})}
}

// alertForm turns the low-balance alert on.
type alertForm struct {
	Currency string
	Below    int64
}

func parseAlertForm(r *http.Request) (alertForm, fieldErrors) {
	f, bad := alertForm{Currency: formValue(r, "currency")}, fieldErrors{}
	moneyField(r, "lowBalanceAlert.below", f.Currency, &f.Below, bad)
	return f, bad
}

func (f alertForm) Request() UpdateAdvertiserRequest {
	return UpdateAdvertiserRequest{LowBalanceAlert: Some(BalanceAlert{Below: Money{Amount: f.Below, Currency: f.Currency}})}
}

// rechargeOff and alertOff turn one setting off, leaving the other.
func rechargeOff() UpdateAdvertiserRequest {
	return UpdateAdvertiserRequest{AutoRecharge: Null[AutoRecharge]()}
}

func alertOff() UpdateAdvertiserRequest {
	return UpdateAdvertiserRequest{LowBalanceAlert: Null[BalanceAlert]()}
}
