package memberships

import (
	"context"
	"fmt"
	"time"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/store"
)

// ChangeInput is a member's change of tier or interval.
type ChangeInput struct {
	TierID   string   `json:"tierId"`
	Interval Interval `json:"interval"`
}

// own is the member's own membership (its owner reads it, but only its
// member changes it).
func (s *Service) own(ctx context.Context, op string, p auth.Principal, mid string) (membershipItem, error) {
	m, err := s.visible(ctx, op, p, mid)
	if err != nil {
		return membershipItem{}, err
	}
	if p.UserID != m.UserID {
		return membershipItem{}, fault.New(fault.Forbidden, op, "only the member changes their membership; an owner may refund its payments")
	}
	return m, nil
}

func busy(op string, m membershipItem) error {
	return &fault.Error{Kind: fault.Conflict, Op: op, State: m.Status, Code: "payment_in_progress",
		Message: "a payment of this membership is being taken right now; try again in a minute"}
}

func endedErr(op string, m membershipItem) error {
	return &fault.Error{Kind: fault.Conflict, Op: op, State: m.Status, Message: "this membership has ended; join again for a new one"}
}

// Cancel ends a membership at its period's end (benefits kept until then;
// a trial ends at the trial's end, charged nothing). One not yet paid
// for (incomplete), or whose renewal failed (past_due), ends now.
func (s *Service) Cancel(ctx context.Context, p auth.Principal, mid string) (MembershipView, error) {
	const op = "memberships.Cancel"
	for attempt := 0; attempt < 5; attempt++ {
		m, err := s.own(ctx, op, p, mid)
		if err != nil {
			return MembershipView{}, err
		}
		st := Status(m.Status)
		switch {
		case st == Ended:
			return MembershipView{}, endedErr(op, m)
		case m.CancelAtPeriodEnd:
			return m.view(), nil
		case m.Charging != noCharge:
			return MembershipView{}, busy(op, m)
		}
		now := s.clock.Now().Truncate(time.Millisecond)
		next := m
		next.Version = m.Version + 1
		c := change{before: &m, readVersion: m.Version}
		if st == Incomplete || st == PastDue {
			next.Status, next.EndedReason, next.EndedAt, next.Session, next.CheckoutURL, next.ActionURL = string(Ended), EndCanceled, clock.Format(now), "", "", ""
			c.freeLive = true
			if st == PastDue {
				c.flows = map[string]int64{flowCanceled: 1}
			}
			c.events = []events.Event{&events.MembershipCanceled{Membership: next.event()}, &events.MembershipEnded{Membership: next.event(), Reason: EndCanceled}}
		} else {
			next.CancelAtPeriodEnd = true
			c.events = []events.Event{&events.MembershipCanceled{Membership: next.event()}}
		}
		c.after = next
		err = s.repo.write(ctx, c, now)
		if err == nil {
			return next.view(), nil
		}
		if !store.Failed(err, partMembership) {
			return MembershipView{}, fault.Wrap(op, err)
		}
	}
	return MembershipView{}, fault.New(fault.Conflict, op, "the membership kept changing; read it again")
}

// Resume takes a cancel back before the period's end.
func (s *Service) Resume(ctx context.Context, p auth.Principal, mid string) (MembershipView, error) {
	const op = "memberships.Resume"
	for attempt := 0; attempt < 5; attempt++ {
		m, err := s.own(ctx, op, p, mid)
		if err != nil {
			return MembershipView{}, err
		}
		switch {
		case Status(m.Status) == Ended:
			return MembershipView{}, endedErr(op, m)
		case !m.CancelAtPeriodEnd:
			return m.view(), nil
		case m.Charging != noCharge:
			return MembershipView{}, busy(op, m)
		}
		now := s.clock.Now().Truncate(time.Millisecond)
		next := m
		next.CancelAtPeriodEnd, next.Version = false, m.Version+1
		err = s.repo.write(ctx, change{before: &m, after: next, readVersion: m.Version,
			events: []events.Event{&events.MembershipCanceled{Membership: next.event(), Resumed: true}}}, now)
		if err == nil {
			return next.view(), nil
		}
		if !store.Failed(err, partMembership) {
			return MembershipView{}, fault.Wrap(op, err)
		}
	}
	return MembershipView{}, fault.New(fault.Conflict, op, "the membership kept changing; read it again")
}

// Change moves a membership to another tier or interval. An upgrade (the
// same interval, a higher price) applies at once with a prorated charge
// for the rest of the period, stated in the response; anything else (a
// lower or equal price, another interval) applies at the period's end,
// from when the new price is paid: never a hidden credit. During a trial
// a change applies at once (nothing has been paid). Choosing the current
// tier and interval again undoes a scheduled change.
func (s *Service) Change(ctx context.Context, p auth.Principal, mid string, in ChangeInput) (MembershipView, error) {
	const op = "memberships.Change"
	if err := s.moneyReady(op); err != nil {
		return MembershipView{}, err
	}
	var bad fault.Fields
	if in.TierID == "" {
		bad.Add("tierId", "is required: one of the community's tiers")
	}
	if !in.Interval.Valid() {
		bad.Add("interval", "must be month or year")
	}
	if err := bad.Err(op, "the change has invalid fields"); err != nil {
		return MembershipView{}, err
	}
	m, err := s.own(ctx, op, p, mid)
	if err != nil {
		return MembershipView{}, err
	}
	tier, err := s.tier(ctx, op, in.TierID)
	if err != nil || tier.CommunityID != m.CommunityID {
		return MembershipView{}, fault.InvalidFields(op, "the change has invalid fields", fault.FieldError{Field: "tierId", Message: "is not a tier of this community"})
	}
	if tier.Status != string(TierActive) && tier.ID != m.TierID {
		return MembershipView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: tier.Status, Message: "this tier is archived: it takes no new members"}
	}
	price, ok := tier.view().Price(in.Interval)
	if !ok {
		return MembershipView{}, fault.InvalidFields(op, "the change has invalid fields",
			fault.FieldError{Field: "interval", Message: fmt.Sprintf("the tier has no %sly price", in.Interval)})
	}
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			if m, err = s.own(ctx, op, p, mid); err != nil {
				return MembershipView{}, err
			}
		}
		switch st := Status(m.Status); {
		case st == Ended:
			return MembershipView{}, endedErr(op, m)
		case st == Incomplete:
			return MembershipView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: m.Status, Message: "the first payment is not in yet: pay it, or cancel and join again"}
		case st == PastDue:
			return MembershipView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: m.Status, Code: "past_due",
				Message: "the last renewal was not paid: update your card (it is tried at once), then change the tier"}
		case m.Charging != noCharge && m.ChargingTier == tier.ID && m.ChargingInterval == string(in.Interval):
			// The same upgrade again, after an answer that did not come:
			// finished with the same charge.
			return s.upgrade(ctx, m, tier, in.Interval, price.Minor, clock.Parse(m.ChargingAt))
		case m.Charging != noCharge:
			return MembershipView{}, busy(op, m)
		}
		now := s.clock.Now().Truncate(time.Millisecond)
		same := m.TierID == tier.ID && m.Interval == string(in.Interval)
		next := m
		next.Version = m.Version + 1
		ev := &events.MembershipChanged{FromTierID: m.TierID, FromInterval: m.Interval, ToTierID: tier.ID, ToInterval: string(in.Interval)}
		c := change{before: &m, readVersion: m.Version}
		switch {
		case same && m.NextTierID == "":
			return MembershipView{}, fault.InvalidFields(op, "the change has invalid fields",
				fault.FieldError{Field: "tierId", Message: "is already the membership's tier and interval"})
		case same:
			// Undo the scheduled change.
			next.NextTierID, next.NextTierName, next.NextInterval, next.NextAmount, next.NextBenefits = "", "", "", 0, nil
			ev.Scheduled = true
		case Status(m.Status) == Trialing:
			next.TierID, next.TierName, next.Interval, next.Amount, next.Benefits = tier.ID, tier.Name, string(in.Interval), price.Minor, tier.Benefits
			next.NextTierID, next.NextTierName, next.NextInterval, next.NextAmount, next.NextBenefits = "", "", "", 0, nil
		case string(in.Interval) == m.Interval && price.Minor > m.Amount:
			return s.upgrade(ctx, m, tier, in.Interval, price.Minor, now)
		default:
			next.NextTierID, next.NextTierName, next.NextInterval, next.NextAmount, next.NextBenefits = tier.ID, tier.Name, string(in.Interval), price.Minor, tier.Benefits
			ev.Scheduled = true
		}
		ev.Membership = next.event()
		c.after, c.events = next, []events.Event{ev}
		err = s.repo.write(ctx, c, now)
		if err == nil {
			return next.view(), nil
		}
		if !store.Failed(err, partMembership) {
			return MembershipView{}, fault.Wrap(op, err)
		}
	}
	return MembershipView{}, fault.New(fault.Conflict, op, "the membership kept changing; read it again")
}

// upgrade applies an upgrade at once: the prorated difference for the
// rest of the period charged on the saved card (its id fixed by the
// membership's version, claimed first so that nothing else changes it
// meanwhile). A decline changes nothing.
func (s *Service) upgrade(ctx context.Context, m membershipItem, tier tierItem, interval Interval, amount int64, now time.Time) (MembershipView, error) {
	const op = "memberships.Change"
	pr, err := Prorate(m.Amount, amount, Period{Start: clock.Parse(m.PeriodStart), End: clock.Parse(m.PeriodEnd)}, now)
	if err != nil {
		return MembershipView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: m.Status, Message: "the period is ending: change the tier after the renewal"}
	}
	pid, resuming := upgradeID(m.ID, m.Version), m.Charging != noCharge
	if resuming {
		pid = m.Charging
	}
	apply := func(cur membershipItem, reference string, card payments.CardSummary) (MembershipView, error) {
		next := cur
		next.TierID, next.TierName, next.Interval, next.Amount, next.Benefits = tier.ID, tier.Name, string(interval), amount, tier.Benefits
		next.NextTierID, next.NextTierName, next.NextInterval, next.NextAmount, next.NextBenefits = "", "", "", 0, nil
		next.Charging, next.ChargingTier, next.ChargingInterval, next.ChargingAt, next.Version = noCharge, "", "", "", cur.Version+1
		ev := &events.MembershipChanged{Membership: next.event(), FromTierID: m.TierID, FromInterval: m.Interval, ToTierID: tier.ID, ToInterval: string(interval)}
		c := change{before: &cur, after: next, readVersion: cur.Version, events: []events.Event{ev}}
		if pr.Charge > 0 {
			p := s.newPayment(next, pid, PayUpgrade, pr.Charge, reference, card, now)
			p.PeriodStart = clock.Format(now)
			p.Proration = &pr
			var err error
			if c, err = s.paidChange(cur, next, p, now); err != nil {
				return MembershipView{}, fault.Wrap(op, err)
			}
			ev.Payment = ptr(p.event())
			c.events = []events.Event{ev}
		}
		if err := s.repo.write(ctx, c, now); err != nil {
			if store.Failed(err, partMembership) || store.Failed(err, partPayment) {
				// Nothing else writes a claimed membership; should it
				// happen, the charge goes back rather than unrecorded.
				if rerr := s.strayUnlessRecorded(ctx, cur, pid, reference); rerr != nil {
					return MembershipView{}, rerr
				}
				return MembershipView{}, fault.New(fault.Conflict, op, "the membership changed meanwhile; nothing was charged: read it again")
			}
			return MembershipView{}, fault.Wrap(op, err)
		}
		v := next.view()
		v.Proration = &pr
		return v, nil
	}
	if pr.Charge == 0 {
		return apply(m, "", payments.CardSummary{})
	}
	bill, err := s.billing.PersonBilling(ctx, m.UserID)
	if err != nil {
		return MembershipView{}, err
	}
	if bill.Card == "" {
		return MembershipView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: m.Status, Code: "no_card",
			Message: "no card is saved to pay the upgrade: add one (POST /v1/me/payment-methods)"}
	}
	claimed := m
	if !resuming {
		claimed.Charging, claimed.ChargingTier, claimed.ChargingInterval, claimed.ChargingAt = pid, tier.ID, string(interval), clock.Format(now)
		claimed.Version = m.Version + 1
		if err := s.repo.write(ctx, change{before: &m, after: claimed, readVersion: m.Version}, s.clock.Now()); err != nil {
			if store.Failed(err, partMembership) {
				return MembershipView{}, fault.New(fault.Conflict, op, "the membership changed meanwhile; read it again")
			}
			return MembershipView{}, fault.Wrap(op, err)
		}
	}
	release := func() {
		rel := claimed
		rel.Charging, rel.ChargingTier, rel.ChargingInterval, rel.ChargingAt, rel.Version = noCharge, "", "", "", claimed.Version+1
		_ = s.repo.write(ctx, change{before: &claimed, after: rel, readVersion: claimed.Version}, s.clock.Now())
	}
	pay, err := s.pay.ChargeSaved(ctx, payments.SavedCharge{ID: pid, Customer: bill.Customer, PaymentMethod: bill.Card,
		Amount: money.Amount{Minor: pr.Charge, Currency: m.Currency}, Description: m.CommunityName + " — upgrade to " + tier.Name,
		Metadata: map[string]string{"souq_membership": m.ID, "souq_payment": pid, "souq_payer": "person:" + m.UserID}})
	if err != nil {
		// Unknown: the claim stays, so that the same change sent again
		// asks Stripe with the same key and amount (one charge at most).
		return MembershipView{}, fault.Wrap(op, err)
	}
	if pay.Status != payments.PaymentSucceeded {
		release()
		reason := pay.Decline
		if pay.Status == payments.PaymentRequiresAction {
			reason = "authentication_required"
		}
		if reason == "" {
			reason = "card_declined"
		}
		return MembershipView{}, &fault.Error{Kind: fault.PaymentDeclined, Op: op, Code: reason,
			Message: "the card was declined (" + reason + "); nothing was charged and the membership is as it was. Update your card and try again"}
	}
	return apply(claimed, pay.Reference, pay.Card)
}
