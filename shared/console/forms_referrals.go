package console

import (
	"net/http"
	"strconv"
	"strings"
)

// The referrals' forms: a program, an application, a deal's decision. A
// program's top-up is an amountForm (AmountRequest).

// CreateProgramRequest is POST /v1/communities/{id}/programs
// (ProgramInput).
type CreateProgramRequest struct {
	AttributionDays int        `json:"attributionDays"`
	Budget          Money      `json:"budget"`
	Commission      Commission `json:"commission"`
	Currency        string     `json:"currency"`
	HoldDays        int        `json:"holdDays"`
	MinimumPayout   Money      `json:"minimumPayout"`
	Name            string     `json:"name"`
	// On is conversion or membership; Months (membership) the months that
	// earn, nil for as long as the membership lasts.
	On     string `json:"on"`
	Months *int   `json:"months,omitempty"`
}

type programForm struct {
	Name, Currency            string
	Commission                Commission
	AttributionDays, HoldDays int
	Budget, MinimumPayout     int64
	On                        string
	Months                    *int
}

func parseProgramForm(r *http.Request) (programForm, fieldErrors) {
	f := programForm{Name: formValue(r, "name"), Currency: formValue(r, "currency"), Commission: Commission{Type: formValue(r, "commissionType")},
		AttributionDays: atoiOr(formValue(r, "attributionDays"), 0), HoldDays: atoiOr(formValue(r, "holdDays"), -1)}
	bad := fieldErrors{}
	switch f.Commission.Type {
	case "percent":
		bps, err := ParsePercent(r.PostForm.Get("commission"))
		if err != nil {
			bad["commission"] = err.Error()
		}
		f.Commission.Bps = bps
	case "flat":
		amt, err := ParseMoney(r.PostForm.Get("commission"), f.Currency)
		if err != nil {
			bad["commission"] = err.Error()
		}
		f.Commission.Amount = amt
	default:
		bad["commissionType"] = "choose percent or flat"
	}
	switch f.On = formValue(r, "on"); f.On {
	case "", "conversion":
		f.On = "conversion"
	case "membership":
		if m := formValue(r, "months"); m != "" {
			n, err := strconv.Atoi(m)
			if err != nil || n < 1 || n > 120 {
				bad["months"] = "a whole number of months from 1 to 120, or empty for as long as the membership lasts"
			}
			f.Months = &n
		}
	default:
		bad["on"] = "choose conversions or memberships"
	}
	moneyField(r, "budget", f.Currency, &f.Budget, bad)
	if formValue(r, "minimumPayout") != "" {
		moneyField(r, "minimumPayout", f.Currency, &f.MinimumPayout, bad)
	}
	return f, bad
}

func (f programForm) Request() CreateProgramRequest {
	return CreateProgramRequest{AttributionDays: f.AttributionDays, Budget: Money{Amount: f.Budget, Currency: f.Currency},
		Commission: f.Commission, Currency: f.Currency, HoldDays: f.HoldDays,
		MinimumPayout: Money{Amount: f.MinimumPayout, Currency: f.Currency}, Name: f.Name, On: f.On, Months: f.Months}
}

// ApplyRequest is POST /v1/programs/{id}/deals: an influencer's
// application.
type ApplyRequest struct {
	Pitch string `json:"pitch,omitempty"`
}

type applyForm struct{ Pitch string }

func parseApplyForm(r *http.Request) applyForm {
	return applyForm{Pitch: strings.TrimSpace(r.PostForm.Get("pitch"))}
}

func (f applyForm) Request() ApplyRequest { return ApplyRequest(f) }

// DealDecisionRequest is POST /v1/deals/{id}/approve, with a vanity code
// when one is typed, or …/decline (no code).
type DealDecisionRequest struct {
	Code string `json:"code,omitempty"`
}

type dealDecisionForm struct{ Code string }

// parseDealDecisionForm reads the code of an approval only.
func parseDealDecisionForm(r *http.Request, action string) dealDecisionForm {
	if action != "approve" {
		return dealDecisionForm{}
	}
	return dealDecisionForm{Code: formValue(r, "code")}
}

func (f dealDecisionForm) Request() DealDecisionRequest { return DealDecisionRequest(f) }
