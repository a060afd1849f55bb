package payouts

import (
	"fmt"
	"slices"
	"strings"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/payments"
)

// AccountStatus is whether Stripe lets Souq pay a person's payout account
// (DESIGN §15: payees onboard with Stripe, not by typing ids).
type AccountStatus string

// Account statuses.
const (
	// AccountNone: the person never set up payouts.
	AccountNone AccountStatus = "none"
	// AccountPending: an account Stripe has not enabled for payouts yet
	// (onboarding not finished, or a hand-typed id Stripe has not vouched
	// for).
	AccountPending AccountStatus = "pending"
	// AccountEnabled: Stripe says payouts are enabled; claims pass.
	AccountEnabled AccountStatus = "enabled"
	// AccountRestricted: onboarding was submitted but Stripe disabled the
	// account's payouts (a review, or something past due).
	AccountRestricted AccountStatus = "restricted"
)

// Codes of the 409s that refuse a claim or a dashboard link for want of a
// payable account (besides the first requirement Stripe names).
const (
	CodeNoPayoutAccount      = "no_payout_account"
	CodePayoutsNotEnabled    = "payouts_not_enabled"
	CodeOnboardingIncomplete = "onboarding_incomplete"
)

// ValidAccountStatus reports whether s is a status an account update may
// carry.
func ValidAccountStatus(s string) bool {
	switch AccountStatus(s) {
	case AccountPending, AccountEnabled, AccountRestricted:
		return true
	}
	return false
}

// AccountState is what Souq knows of the account a person's payouts go
// to, and as of when: Version is Stripe's event time (unix seconds) for a
// state learnt from account.updated, or the time Souq read the account
// itself.
type AccountState struct {
	Status       AccountStatus
	Requirements []string
	Version      int64
}

// StateOf is an account's state as Stripe reports it, at version: the
// same mapping as the accounts context's PayoutAccountUpdated.
func StateOf(a payments.ConnectAccount, version int64) AccountState {
	st := AccountState{Status: AccountPending, Requirements: slices.Clone(a.Requirements), Version: version}
	switch {
	case a.PayoutsEnabled:
		st.Status = AccountEnabled
	case a.DisabledReason != "" && a.DetailsSubmitted:
		st.Status = AccountRestricted
	}
	if st.Requirements == nil {
		st.Requirements = []string{}
	}
	return st
}

// Takes reports whether the update next replaces the state cur. A newer
// version wins and an older one never does, so updates delivered twice
// or out of order end the same. At the same version (Stripe's times are
// whole seconds) an update that says something else is taken, and one
// that says the same is a no-op.
func (cur AccountState) Takes(next AccountState) bool {
	if next.Version != cur.Version {
		return next.Version > cur.Version
	}
	return next.Status != cur.Status || !slices.Equal(next.Requirements, cur.Requirements)
}

// maxNamedRequirements bounds the requirements a refusal lists by name.
const maxNamedRequirements = 5

// Payable says whether payouts may go to an account in state st (found:
// the person has one at all), or returns the Conflict that tells the
// person what is missing: its Code is the first requirement Stripe still
// needs, payouts_not_enabled when it names none, or no_payout_account.
func Payable(op string, found bool, st AccountState) error {
	switch {
	case !found:
		return &fault.Error{Kind: fault.Conflict, Op: op, State: string(AccountNone), Code: CodeNoPayoutAccount,
			Message: "set up payouts first: POST /v1/me/payout-account, then finish Stripe's onboarding"}
	case st.Status == AccountEnabled:
		return nil
	case len(st.Requirements) > 0:
		return &fault.Error{Kind: fault.Conflict, Op: op, State: string(st.Status), Code: st.Requirements[0],
			Message: "finish setting up payouts: Stripe still needs " + listRequirements(st.Requirements) +
				" (POST /v1/me/payout-account gives a new onboarding link)"}
	case st.Status == AccountRestricted:
		return &fault.Error{Kind: fault.Conflict, Op: op, State: string(st.Status), Code: CodePayoutsNotEnabled,
			Message: "Stripe has restricted payouts to your account; its dashboard says why (POST /v1/me/payout-account/dashboard)"}
	}
	return &fault.Error{Kind: fault.Conflict, Op: op, State: string(AccountPending), Code: CodePayoutsNotEnabled,
		Message: "payouts are not enabled yet: Stripe has not confirmed your payout account; finish its onboarding (POST /v1/me/payout-account)"}
}

func listRequirements(reqs []string) string {
	if len(reqs) <= maxNamedRequirements {
		return strings.Join(reqs, ", ")
	}
	return strings.Join(reqs[:maxNamedRequirements], ", ") + fmt.Sprintf(" and %d more", len(reqs)-maxNamedRequirements)
}
