package payouts

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/store"
)

// Payees onboard with Stripe (DESIGN §15): Souq makes each person one
// Connect Express account and sends them to Stripe's hosted onboarding;
// Stripe's account.updated, which the accounts context passes on as
// PayoutAccountUpdated, says when payouts to it are enabled. Claims wait
// for that.

// The pages of the console Stripe's onboarding sends people back to.
const (
	onboardingRefreshPath = "/console/payouts?onboarding=refresh"
	onboardingReturnPath  = "/console/payouts?onboarding=done"
)

// maxDestinationRaces bounds the re-reads of a destination another
// writer changed under us; past it the caller gets a Conflict to retry.
const maxDestinationRaces = 5

var countryCode = regexp.MustCompile(`^[A-Z]{2}$`)

// AccountInput is POST /v1/me/payout-account's body, which may be left
// out.
type AccountInput struct {
	// Country (ISO 3166-1 alpha-2) is where the person receives money; it
	// counts only when the account is made. Empty lets Stripe ask.
	Country string `json:"country,omitempty"`
}

// OnboardingView is the answer of POST /v1/me/payout-account: where to
// send the person, and where the account stands.
type OnboardingView struct {
	OnboardingURL string        `json:"onboardingUrl"`
	Status        AccountStatus `json:"status"`
	Requirements  []string      `json:"requirements"`
}

// AccountView is a person's payout account: the account masked, whether
// payouts to it are enabled, and what Stripe still needs.
type AccountView struct {
	AccountID    string        `json:"accountId,omitempty"`
	Status       AccountStatus `json:"status"`
	Requirements []string      `json:"requirements"`
	UpdatedAt    string        `json:"updatedAt,omitempty"`
}

// DashboardView is a login link to the person's Express dashboard.
type DashboardView struct {
	URL string `json:"url"`
}

func accountView(it destinationItem) AccountView {
	st := it.state()
	return AccountView{AccountID: Mask(it.AccountID), Status: st.Status, Requirements: st.Requirements, UpdatedAt: it.UpdatedAt}
}

// SetUpAccount makes the caller's Express account, once, makes it where
// their payouts go, and returns a new onboarding link to it. Calling it
// again reuses the account (Souq keeps its id, and Stripe's idempotency
// key connect-<userId> covers two first calls at once) and only makes a
// new link: links expire within minutes.
func (s *Service) SetUpAccount(ctx context.Context, p auth.Principal, in AccountInput) (OnboardingView, error) {
	const op = "payouts.SetUpAccount"
	if p.Kind != auth.KindUser {
		return OnboardingView{}, fault.New(fault.Forbidden, op, "a person sets up its own payouts")
	}
	if in.Country != "" && !countryCode.MatchString(in.Country) {
		return OnboardingView{}, fault.InvalidFields(op, "the request has invalid fields", fault.FieldError{Field: "country", Message: "must be an ISO 3166-1 alpha-2 code, such as US or DE"})
	}
	if s.stripe == nil {
		return OnboardingView{}, fault.New(fault.Unavailable, op, "payouts cannot be set up here: no Stripe")
	}
	it, err := s.ensureAccount(ctx, op, p.UserID, in.Country)
	if err != nil {
		return OnboardingView{}, err
	}
	// The account was stored before its link exists: an account.updated
	// from the person's onboarding always finds it.
	if it, err = s.refresh(ctx, op, p.UserID, it); err != nil {
		return OnboardingView{}, err
	}
	url, err := s.stripe.OnboardingLink(ctx, it.AccountID, s.cfg.PublicURL+onboardingRefreshPath, s.cfg.PublicURL+onboardingReturnPath)
	if err != nil {
		return OnboardingView{}, fault.Wrap(op, err)
	}
	st := it.state()
	return OnboardingView{OnboardingURL: url, Status: st.Status, Requirements: st.Requirements}, nil
}

// ensureAccount returns the caller's destination paying their Express
// account, making the account first if Souq has none for them.
func (s *Service) ensureAccount(ctx context.Context, op, userID, country string) (destinationItem, error) {
	cur, _, err := s.repo.destination(ctx, userID)
	if err != nil {
		return destinationItem{}, fault.Wrap(op, err)
	}
	acct := cur.ConnectAccountID
	if acct == "" {
		acct, err = s.stripe.CreateConnectAccount(ctx, payments.ConnectRequest{Key: "connect-" + userID, Payee: "user:" + userID, Country: country})
		if err != nil {
			return destinationItem{}, fault.Wrap(op, err)
		}
	}
	return s.updateDestination(ctx, op, userID, "", func(cur destinationItem, _ bool) (destinationItem, bool) {
		if cur.ConnectAccountID != "" {
			acct = cur.ConnectAccountID // a racing first call stored it: it is the person's account
		}
		if cur.ConnectAccountID == acct && cur.AccountID == acct {
			return cur, false
		}
		next := cur.pointedAt(acct)
		next.ConnectAccountID = acct
		return next, true
	})
}

// GetAccount reads the caller's payout account. When Souq does not know
// it enabled, it also asks Stripe, and keeps the answer: the person may
// just be back from onboarding, with Stripe's event on its way.
func (s *Service) GetAccount(ctx context.Context, p auth.Principal) (AccountView, error) {
	const op = "payouts.GetAccount"
	if p.Kind != auth.KindUser {
		return AccountView{}, fault.New(fault.Forbidden, op, "a person reads its own payout account")
	}
	it, found, err := s.repo.destination(ctx, p.UserID)
	if err != nil {
		return AccountView{}, fault.Wrap(op, err)
	}
	if !found {
		return AccountView{Status: AccountNone, Requirements: []string{}}, nil
	}
	if it, err = s.refresh(ctx, op, p.UserID, it); err != nil {
		return AccountView{}, err
	}
	return accountView(it), nil
}

// DashboardLink is a login link to the caller's Express dashboard. Stripe
// makes one only for an account Souq made whose onboarding was submitted;
// anything else is a Conflict that says which.
func (s *Service) DashboardLink(ctx context.Context, p auth.Principal) (DashboardView, error) {
	const op = "payouts.DashboardLink"
	if p.Kind != auth.KindUser {
		return DashboardView{}, fault.New(fault.Forbidden, op, "a person opens its own dashboard")
	}
	if s.stripe == nil {
		return DashboardView{}, fault.New(fault.Unavailable, op, "no Stripe here")
	}
	it, found, err := s.repo.destination(ctx, p.UserID)
	if err != nil {
		return DashboardView{}, fault.Wrap(op, err)
	}
	switch {
	case !found || it.ConnectAccountID == "":
		return DashboardView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: string(AccountNone), Code: CodeNoPayoutAccount,
			Message: "you have no Stripe payout account yet: POST /v1/me/payout-account sets one up"}
	case it.AccountID != it.ConnectAccountID:
		return DashboardView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: string(it.state().Status), Code: CodeNoPayoutAccount,
			Message: "your payouts go to an account id typed in by hand, which has no Express dashboard from Souq: POST /v1/me/payout-account to use your Stripe payout account again"}
	}
	if !it.submitted() {
		if it, err = s.refresh(ctx, op, p.UserID, it); err != nil {
			return DashboardView{}, err
		}
	}
	if !it.submitted() {
		return DashboardView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: string(it.state().Status), Code: CodeOnboardingIncomplete,
			Message: "finish Stripe's onboarding first (POST /v1/me/payout-account gives the link): the dashboard opens once it is submitted"}
	}
	url, err := s.stripe.DashboardLink(ctx, it.AccountID)
	if err != nil {
		return DashboardView{}, fault.Wrap(op, err)
	}
	return DashboardView{URL: url}, nil
}

// accountUpdated applies Stripe's word on a payee's account (from
// account.updated, through the accounts context). It changes the person's
// destination only while it is that account, and only if the update is
// newer than what Souq holds (AccountState.Takes): redelivered, reordered
// or stale updates change nothing. An update applied is recorded with its
// event id in the same transaction.
func (s *Service) accountUpdated(ctx context.Context, e events.PayoutAccountUpdated) error {
	if e.UserID == "" || !ValidAccount(e.AccountID) || !ValidAccountStatus(e.Status) {
		return fmt.Errorf("payouts: malformed PayoutAccountUpdated %s", e.EventID)
	}
	next := AccountState{Status: AccountStatus(e.Status), Requirements: e.Requirements, Version: e.Version}
	if next.Requirements == nil {
		next.Requirements = []string{}
	}
	_, err := s.applyState(ctx, "payouts.accountUpdated", e.UserID, e.AccountID, next, nil, e.EventID)
	return err
}

// refresh asks Stripe for the state of the account the destination pays,
// unless Souq already knows it enabled, and applies it as of now. A
// failure to ask is logged and leaves what Souq knows (true as of its
// updatedAt): Stripe's events still come. An account whose metadata
// names another payee (an id typed in by hand) is not vouched for.
func (s *Service) refresh(ctx context.Context, op, userID string, it destinationItem) (destinationItem, error) {
	if s.stripe == nil || it.AccountID == "" || it.state().Status == AccountEnabled {
		return it, nil
	}
	a, err := s.stripe.GetConnectAccount(ctx, it.AccountID)
	if err != nil {
		// Expected for an id typed in that is not one of Souq's accounts
		// (Stripe answers that the platform has no access to it).
		slog.Default().WarnContext(ctx, "payouts: reading the payout account from Stripe failed", "op", op, "userId", userID, "account", Mask(it.AccountID), "error", err.Error())
		return it, nil
	}
	if a.Payee != "user:"+userID {
		return it, nil
	}
	return s.applyState(ctx, op, userID, it.AccountID, StateOf(a, s.clock.Now().Unix()), &a.DetailsSubmitted, "")
}

// applyState writes next as the state of accountID when the person's
// destination still pays it and next is newer (AccountState.Takes).
// submitted, when known, is whether its onboarding was submitted. With an
// eventID the write is that event's, at most once.
func (s *Service) applyState(ctx context.Context, op, userID, accountID string, next AccountState, submitted *bool, eventID string) (destinationItem, error) {
	return s.updateDestination(ctx, op, userID, eventID, func(cur destinationItem, found bool) (destinationItem, bool) {
		if !found || cur.AccountID != accountID || !cur.state().Takes(next) {
			return cur, false
		}
		upd := cur
		upd.Status, upd.Requirements, upd.AccountVersion = string(next.Status), next.Requirements, next.Version
		if submitted != nil {
			upd.DetailsSubmitted = *submitted
		}
		return upd, true
	})
}

// pointedAt is the destination paying accountID from now on. Another
// account than before starts pending with nothing known of it, until
// Stripe says more; the version stays, as versions only grow, so an
// update older than anything this destination has seen never counts.
func (it destinationItem) pointedAt(accountID string) destinationItem {
	next := it
	next.Type = DestinationStripe
	if next.AccountID != accountID {
		next.AccountID = accountID
		next.Status, next.Requirements, next.DetailsSubmitted = string(AccountPending), nil, false
	}
	return next
}

// updateDestination reads the person's destination, lets decide say what
// it becomes (or that nothing changes), and writes it over the revision
// read; a lost race reads again. With an eventID the write goes with that
// event's dedupe item (store.ApplyOnce): an event applied before writes
// nothing.
func (s *Service) updateDestination(ctx context.Context, op, userID, eventID string, decide func(cur destinationItem, found bool) (destinationItem, bool)) (destinationItem, error) {
	for race := 0; race < maxDestinationRaces; race++ {
		cur, found, err := s.repo.destination(ctx, userID)
		if err != nil {
			return destinationItem{}, fault.Wrap(op, err)
		}
		next, write := decide(cur, found)
		if !write {
			return cur, nil
		}
		now := s.clock.Now()
		next.PK, next.SK = destinationKey(userID)
		next.Rev, next.UpdatedAt = cur.Rev+1, clock.Format(now)
		put, err := s.repo.putDestination(next, found, cur.Rev)
		if err != nil {
			return destinationItem{}, fault.Wrap(op, err)
		}
		if eventID != "" {
			err = store.ApplyOnce(ctx, s.repo.db, s.repo.table, eventID, now, store.Part{Name: "destination", Item: put})
		} else {
			err = store.NewTx().Add("destination", put).Write(ctx, s.repo.db)
		}
		if store.Failed(err, "destination") {
			continue
		}
		if err != nil {
			return destinationItem{}, fault.Wrap(op, err)
		}
		return next, nil
	}
	return destinationItem{}, &fault.Error{Kind: fault.Conflict, Op: op, Message: "your payout account is being changed by another request; try again"}
}
