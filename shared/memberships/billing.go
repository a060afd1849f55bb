package memberships

// Renewals and dunning (DESIGN §17). At each period's end a one-time
// schedule renews the membership: one off-session charge of the next
// period, whose payment id is fixed by the membership and its cycle, and
// whose idempotency key at Stripe is fixed by the cycle and the try. A
// failed try makes it past_due (benefits kept) and schedules the next
// try 1, 3 and 7 days after the first failure; a new card tries at once;
// after the last, it ends (payment_failed). A card that needs its holder
// gives an actionUrl: Stripe's page for the same payment.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/schedule"
	"github.com/souqhq/souq/shared/store"
)

// JobRenew is the renewal schedule's job name.
const JobRenew = "membership_renew"

// RenewJob renews (or retries) a membership's cycle: stale once the
// membership has moved on (another cycle, another try), so a schedule
// delivered twice or late does nothing more.
type RenewJob struct {
	Job          string `json:"job"`
	MembershipID string `json:"membershipId"`
	Cycle        int    `json:"cycle"`
	Failures     int    `json:"failures"`
}

// Check implements schedule.Checker.
func (j RenewJob) Check() error {
	if j.Job != JobRenew || j.MembershipID == "" || j.Cycle < 0 || j.Failures < 0 {
		return errors.New("not a membership's renewal")
	}
	return nil
}

// HandleScheduled is the accounts function's scheduled entry point: the
// renewals of memberships.
func (s *Service) HandleScheduled(ctx context.Context, payload json.RawMessage) error {
	return schedule.Handle("accounts", s.Renew)(ctx, payload)
}

// paymentTransfer is a payment's one ledger transfer: from the card
// network to the community's share (its fee stated) and Souq's fee. Its
// refunds share its shard key, so what they take back from Souq's fee
// meets what the payment put there.
func paymentTransfer(p paymentItem, now time.Time) ledger.Transfer {
	legs := []ledger.Leg{{Account: ledger.ExternalDeposits, Available: -p.Amount}, {Account: ledger.Community(p.CommunityID), Available: p.Share, Fee: p.Fee}}
	if p.Fee > 0 {
		legs = append(legs, ledger.Leg{Account: ledger.PlatformFees, Available: p.Fee})
	}
	memo := "membership payment"
	if p.Last4 != "" {
		memo += ", " + p.Brand + " •••• " + p.Last4
	}
	return ledger.Transfer{ID: p.TransferID, Kind: "membership_payment", Currency: p.Currency, At: now, Legs: legs, ShardKey: p.ID, Memo: memo}
}

func renewalName(m membershipItem) string {
	return fmt.Sprintf("mbr-%s-c%d-f%d", m.ID, m.Cycle, m.Failures)
}

// scheduleRenewal schedules m's next try: its period's end, or the next
// retry of a failed renewal. Names are unique, so scheduling twice is once.
func (s *Service) scheduleRenewal(ctx context.Context, m membershipItem) error {
	at := clock.Parse(m.PeriodEnd)
	if m.Failures > 0 {
		next, ok := NextRetry(clock.Parse(m.FailedAt), m.Failures-1)
		if !ok {
			return nil
		}
		at = next
	}
	job, err := json.Marshal(RenewJob{Job: JobRenew, MembershipID: m.ID, Cycle: m.Cycle, Failures: m.Failures})
	if err != nil {
		return err
	}
	return fault.Wrap("memberships.scheduleRenewal", s.sched.Once(ctx, renewalName(m), at, s.cfg.Self, job))
}

// ensureRenewal schedules a live membership's next try (a no-op when it is
// scheduled already: schedules are named by cycle and try).
func (s *Service) ensureRenewal(ctx context.Context, m membershipItem) error {
	if st := Status(m.Status); !st.Live() || st == Incomplete {
		return nil
	}
	return s.scheduleRenewal(ctx, m)
}

// Renew runs a renewal's (or a retry's) schedule.
func (s *Service) Renew(ctx context.Context, j RenewJob) error {
	const op = "memberships.Renew"
	m, found, err := s.repo.membership(ctx, j.MembershipID)
	if err != nil || !found {
		return fault.Wrap(op, err)
	}
	st := Status(m.Status)
	if !st.Live() || st == Incomplete {
		return nil
	}
	if m.Cycle != j.Cycle || m.Failures != j.Failures {
		// Moved on (a repeated or late delivery): the try that moved it
		// may have failed to schedule the next one, which is made now
		// (once: schedules are named).
		return s.ensureRenewal(ctx, m)
	}
	if m.Charging != noCharge && m.Charging != paymentID(m.ID, m.Cycle) {
		return fault.New(fault.Conflict, op, "an upgrade's payment is being taken; the renewal runs again after it")
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	if j.Failures == 0 && now.Before(clock.Parse(m.PeriodEnd)) {
		// Early (the period was moved since it was scheduled): again at
		// its end, under a name of its own.
		job, _ := json.Marshal(j)
		name := fmt.Sprintf("%s-at%d", renewalName(m), clock.Parse(m.PeriodEnd).Unix())
		return fault.Wrap(op, s.sched.Once(ctx, name, clock.Parse(m.PeriodEnd), s.cfg.Self, job))
	}
	if m.CancelAtPeriodEnd {
		return s.endCanceled(ctx, m, now)
	}
	return s.attempt(ctx, m)
}

// nextPeriod is m as its next period's payment makes it: the scheduled
// change applied, the period moved on (an interval changed counts from
// the old period's end), active, nothing failed.
func nextPeriod(m membershipItem) membershipItem {
	next := m
	anchor, n := clock.Parse(m.Anchor), m.N+1
	if m.NextTierID != "" {
		if m.NextInterval != m.Interval {
			anchor, n = clock.Parse(m.PeriodEnd), 0
		}
		next.TierID, next.TierName, next.Interval, next.Amount, next.Benefits = m.NextTierID, m.NextTierName, m.NextInterval, m.NextAmount, m.NextBenefits
	}
	next.NextTierID, next.NextTierName, next.NextInterval, next.NextAmount, next.NextBenefits = "", "", "", 0, nil
	next.Anchor, next.N, next.Cycle = clock.Format(anchor), n, m.Cycle+1
	next.PeriodStart, next.PeriodEnd = m.PeriodEnd, clock.Format(periodEnd(anchor, Interval(next.Interval), n))
	st, _ := Next(Status(m.Status), Renewed) // trialing, active and past_due all renew to active
	next.Status, next.Failures, next.FailedAt, next.Failure, next.ActionURL, next.Charging = string(st), 0, "", "", "", noCharge
	next.Version = m.Version + 1
	return next
}

// attempt tries the payment of m's next period now on the member's
// default card.
func (s *Service) attempt(ctx context.Context, m membershipItem) error {
	const op = "memberships.attempt"
	pid := paymentID(m.ID, m.Cycle)
	if m.Charging != pid {
		if m.Charging != noCharge {
			return fault.New(fault.Conflict, op, "another payment of this membership is being taken")
		}
		claimed := m
		claimed.Charging, claimed.Version = pid, m.Version+1
		if err := s.repo.write(ctx, change{before: &m, after: claimed, readVersion: m.Version}, s.clock.Now()); err != nil {
			if store.Failed(err, partMembership) {
				// Changed meanwhile (a cancel, another delivery): the
				// schedule runs again and reads it afresh.
				return fault.New(fault.Conflict, op, "the membership changed meanwhile")
			}
			return fault.Wrap(op, err)
		}
		m = claimed
	}
	next := nextPeriod(m)
	bill, err := s.billing.PersonBilling(ctx, m.UserID)
	if err != nil {
		return err
	}
	if bill.Card == "" {
		return s.failed(ctx, m, "no_card", "there is no saved card", "")
	}
	pay, err := s.pay.ChargeSaved(ctx, payments.SavedCharge{ID: fmt.Sprintf("%s-a%d", pid, m.Failures), Customer: bill.Customer, PaymentMethod: bill.Card,
		Amount: money.Amount{Minor: next.Amount, Currency: m.Currency}, Description: m.CommunityName + " — " + next.TierName + " membership",
		Metadata: map[string]string{"souq_membership": m.ID, "souq_payment": pid, "souq_payer": "person:" + m.UserID}})
	if err != nil {
		return fault.Wrap(op, err) // unknown: the schedule runs again, with the same key
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	switch pay.Status {
	case payments.PaymentSucceeded:
		return s.renewalPaid(ctx, m.ID, pid, pay.Reference, pay.Card, now)
	case payments.PaymentProcessing:
		return fault.New(fault.Unavailable, op, "the payment is processing: asked again later")
	case payments.PaymentRequiresAction:
		back := s.cfg.PublicURL + "/console/memberships/" + m.ID
		sess, err := s.pay.CreateCheckout(ctx, payments.CheckoutRequest{ID: fmt.Sprintf("%s-action%d", pid, m.Failures), Mode: payments.ModePayment,
			Customer: bill.Customer, Amount: money.Amount{Minor: next.Amount, Currency: m.Currency}, Description: m.CommunityName + " — " + next.TierName + " membership",
			SuccessURL: back, CancelURL: back, Metadata: map[string]string{"souq_membership": m.ID, "souq_payment": pid, "souq_payer": "person:" + m.UserID}})
		if err != nil {
			return fault.Wrap(op, err)
		}
		return s.failed(ctx, m, "authentication_required", pay.DeclineMessage, sess.URL)
	}
	reason := pay.Decline
	if reason == "" {
		reason = "card_declined"
	}
	return s.failed(ctx, m, reason, pay.DeclineMessage, "")
}

// renewalPaid applies a period's payment (the saved card's answer, or
// Stripe's page after the member authenticated), once: a payment that
// comes for a cycle already paid another way, or for a membership that
// ended, goes back.
func (s *Service) renewalPaid(ctx context.Context, mid, pid, reference string, card payments.CardSummary, now time.Time) error {
	const op = "memberships.renewalPaid"
	for attempt := 0; attempt < 5; attempt++ {
		m, found, err := s.repo.membership(ctx, mid)
		if err != nil || !found {
			return fault.Wrap(op, err)
		}
		if !Status(m.Status).Live() || Status(m.Status) == Incomplete || paymentID(mid, m.Cycle) != pid {
			return s.strayUnlessRecorded(ctx, m, pid, reference)
		}
		next := nextPeriod(m)
		p := s.newPayment(next, pid, PayRenewal, next.Amount, reference, card, now)
		c, err := s.paidChange(m, next, p, now)
		if err != nil {
			return fault.Wrap(op, err)
		}
		c.events = []events.Event{&events.MembershipRenewed{Membership: next.event(), Payment: p.event()}}
		if m.NextTierID != "" {
			c.events = append(c.events, &events.MembershipChanged{Membership: next.event(), FromTierID: m.TierID, FromInterval: m.Interval,
				ToTierID: next.TierID, ToInterval: next.Interval})
		}
		err = s.repo.write(ctx, c, now)
		if err == nil {
			return s.scheduleRenewal(ctx, next)
		}
		if store.Failed(err, partPayment) {
			return s.strayUnlessRecorded(ctx, m, pid, reference)
		}
		if !store.Failed(err, partMembership) {
			return fault.Wrap(op, err)
		}
	}
	return fault.New(fault.Conflict, op, "the membership kept changing")
}

// strayUnlessRecorded refunds a payment of pid whose reference is not the
// one recorded for it (a second charge of a period paid another way).
func (s *Service) strayUnlessRecorded(ctx context.Context, m membershipItem, pid, reference string) error {
	p, found, err := s.repo.payment(ctx, pid)
	if err != nil {
		return fault.Wrap("memberships.strayUnlessRecorded", err)
	}
	if found && p.Reference == reference {
		return nil
	}
	return s.refundStray(ctx, m, pid, reference)
}

// failed records a failed try: past_due with the next try scheduled, or
// ended when the tries are spent.
func (s *Service) failed(ctx context.Context, m membershipItem, reason, message, actionURL string) error {
	const op = "memberships.failed"
	now := s.clock.Now().Truncate(time.Millisecond)
	pastDue, err := Next(Status(m.Status), PaymentFailed)
	if err != nil {
		return fault.New(fault.Conflict, op, err.Error())
	}
	next := m
	next.Status, next.Failures, next.Failure, next.ActionURL, next.Charging, next.Version = string(pastDue), m.Failures+1, reason, actionURL, noCharge, m.Version+1
	if m.Failures == 0 {
		next.FailedAt = clock.Format(now)
	}
	retryAt, more := NextRetry(clock.Parse(next.FailedAt), next.Failures-1)
	fe := &events.MembershipPaymentFailed{Reason: reason, Attempt: next.Failures}
	c := change{before: &m, after: next, readVersion: m.Version}
	if more {
		fe.NextRetryAt = clock.Format(retryAt)
	} else {
		ended, _ := Next(pastDue, RetriesSpent)
		next.Status, next.EndedReason, next.EndedAt, next.ActionURL = string(ended), EndPaymentFailed, clock.Format(now), ""
		c.after, c.freeLive, c.flows = next, true, map[string]int64{flowFailed: 1}
	}
	fe.Membership = next.event()
	c.events = []events.Event{fe}
	if !more {
		c.events = append(c.events, &events.MembershipEnded{Membership: next.event(), Reason: EndPaymentFailed})
	}
	if err := s.repo.write(ctx, c, now); err != nil {
		if store.Failed(err, partMembership) {
			return fault.New(fault.Conflict, op, "the membership changed meanwhile")
		}
		return fault.Wrap(op, err)
	}
	if more {
		return s.scheduleRenewal(ctx, next)
	}
	return nil
}

// endCanceled ends a membership canceled at its period's end.
func (s *Service) endCanceled(ctx context.Context, m membershipItem, now time.Time) error {
	st, err := Next(Status(m.Status), PeriodEnded)
	if err != nil {
		return fault.New(fault.Conflict, "memberships.endCanceled", err.Error())
	}
	next := m
	next.Status, next.EndedReason, next.EndedAt, next.Charging, next.Version = string(st), EndCanceled, m.PeriodEnd, noCharge, m.Version+1
	err = s.repo.write(ctx, change{before: &m, after: next, readVersion: m.Version, freeLive: true, flows: map[string]int64{flowCanceled: 1},
		events: []events.Event{&events.MembershipEnded{Membership: next.event(), Reason: EndCanceled}}}, now)
	if store.Failed(err, partMembership) {
		return fault.New(fault.Conflict, "memberships.endCanceled", "the membership changed meanwhile")
	}
	return fault.Wrap("memberships.endCanceled", err)
}

// CardSaved tries a member's failed renewals again at once, on the card
// just saved.
func (s *Service) CardSaved(ctx context.Context, userID string) error {
	items, err := s.repo.byIndex(ctx, IndexByMember, "gsi2pk", "USR#"+userID+"#MEMS")
	if err != nil {
		return fault.Wrap("memberships.CardSaved", err)
	}
	var errs []error
	for _, m := range items {
		if Status(m.Status) == PastDue && m.Charging == noCharge {
			if err := s.attempt(ctx, m); err != nil && fault.KindOf(err) != fault.Conflict {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
