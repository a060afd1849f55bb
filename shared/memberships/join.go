package memberships

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/accounts"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/store"
)

// JoinInput is what a person sends to join.
type JoinInput struct {
	TierID   string   `json:"tierId"`
	Interval Interval `json:"interval"`
	// ReferralCode is a deal's code the person came with (DESIGN §18).
	ReferralCode string `json:"referralCode,omitempty"`
	// Method is saved (the default card), checkout (Stripe's page), or
	// empty: the saved card when there is one, else Checkout.
	Method string `json:"method,omitempty"`
}

// Join methods.
const (
	MethodSaved    = "saved"
	MethodCheckout = "checkout"
)

func (s *Service) moneyReady(op string) error {
	if s.billing == nil || s.pay == nil || s.ledger == nil {
		return fault.New(fault.Unavailable, op, "payments are not available: no payment provider is configured")
	}
	return nil
}

func requireUser(op string, p auth.Principal) error {
	if p.Kind != auth.KindUser || p.UserID == "" {
		return fault.New(fault.Forbidden, op, "only a person (with a user token) can do this")
	}
	return nil
}

// Join makes a person a member of a community, once per Idempotency-Key:
// trialing with a saved card (nothing charged until the trial ends), or
// active with the first period paid (the saved card, or Stripe's Checkout:
// incomplete until paid). One live membership per person and community.
func (s *Service) Join(ctx context.Context, p auth.Principal, communityID, idempotencyKey string, in JoinInput) (MembershipView, error) {
	const op = "memberships.Join"
	if err := s.moneyReady(op); err != nil {
		return MembershipView{}, err
	}
	if err := requireUser(op, p); err != nil {
		return MembershipView{}, err
	}
	com, err := s.communities.Find(ctx, op, communityID)
	if err != nil {
		return MembershipView{}, err
	}
	var bad fault.Fields
	if in.TierID == "" {
		bad.Add("tierId", "is required: one of the community's tiers (GET /v1/communities/{id}/tiers)")
	}
	if !in.Interval.Valid() {
		bad.Add("interval", "must be month or year")
	}
	if in.Method != "" && in.Method != MethodSaved && in.Method != MethodCheckout {
		bad.Add("method", "must be saved (the default card) or checkout (Stripe's payment page)")
	}
	if len(in.ReferralCode) > 64 {
		bad.Add("referralCode", "must be at most 64 characters")
	}
	if err := bad.Err(op, "the membership has invalid fields"); err != nil {
		return MembershipView{}, err
	}
	tier, err := s.tier(ctx, op, in.TierID)
	if err != nil || tier.CommunityID != communityID {
		return MembershipView{}, fault.InvalidFields(op, "the membership has invalid fields",
			fault.FieldError{Field: "tierId", Message: "is not a tier of this community"})
	}
	if tier.Status != string(TierActive) {
		return MembershipView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: tier.Status,
			Message: "this tier is archived: it takes no new members; choose another of the community's tiers"}
	}
	price, ok := tier.view().Price(in.Interval)
	if !ok {
		return MembershipView{}, fault.InvalidFields(op, "the membership has invalid fields",
			fault.FieldError{Field: "interval", Message: fmt.Sprintf("the tier has no %sly price", in.Interval)})
	}
	mid := keyedID("mem_", p.UserID+"\x00"+communityID+"\x00"+idempotencyKey)
	if m, found, err := s.repo.membership(ctx, mid); err != nil || found {
		if err != nil {
			return MembershipView{}, fault.Wrap(op, err)
		}
		if m.TierID != in.TierID || m.Interval != string(in.Interval) {
			return MembershipView{}, fault.New(fault.IdempotencyMismatch, op,
				"this Idempotency-Key was used to join with another tier or interval; use a new key for a new request")
		}
		return s.resumeJoin(ctx, m)
	}
	bill, err := s.billing.PersonBilling(ctx, p.UserID)
	if err != nil {
		return MembershipView{}, err
	}
	method := in.Method
	if method == "" {
		method = MethodCheckout
		if bill.Card != "" {
			method = MethodSaved
		}
	}
	if method == MethodSaved && bill.Card == "" {
		return MembershipView{}, fault.InvalidFields(op, "there is no saved card to charge",
			fault.FieldError{Field: "method", Message: "no card is saved: add one (POST /v1/me/payment-methods) or pay with method checkout"})
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	m := membershipItem{ID: mid, CommunityID: communityID, CommunityName: com.Name, OwnerID: com.OwnerID, UserID: p.UserID, TierID: tier.ID,
		TierName: tier.Name, Benefits: tier.Benefits, Interval: string(in.Interval), Amount: price.Minor, Currency: com.Currency,
		Status: string(Incomplete), N: 0, Cycle: 0, TrialDays: tier.TrialDays, Charging: noCharge,
		Referral: in.ReferralCode, CreatedAt: clock.Format(now), Version: 1}
	var c change
	if tier.TrialDays > 0 && method == MethodSaved {
		// A trial on the saved card: nothing charged until it ends.
		s.startTrial(&m, now)
		c = change{after: m, takeLive: true, flows: map[string]int64{flowNew: 1}}
		c.events = []events.Event{&events.MembershipStarted{Membership: m.event()}}
	} else {
		// The first payment (or, for a trial, the card) is still to come.
		c = change{after: m, takeLive: true}
	}
	if err := s.repo.write(ctx, c, now); err != nil {
		if store.Failed(err, partLive) {
			return MembershipView{}, s.alreadyMember(ctx, op, communityID, p.UserID)
		}
		if store.Failed(err, partMembership) {
			cur, _, gerr := s.repo.membership(ctx, mid)
			if gerr != nil {
				return MembershipView{}, fault.Wrap(op, gerr)
			}
			return s.resumeJoin(ctx, cur)
		}
		return MembershipView{}, fault.Wrap(op, err)
	}
	if Status(m.Status) == Trialing {
		if err := s.scheduleRenewal(ctx, m); err != nil {
			return MembershipView{}, err
		}
		return m.view(), nil
	}
	if method == MethodCheckout || m.TrialDays > 0 {
		return s.startCheckout(ctx, m, bill.Customer)
	}
	return s.chargeFirst(ctx, m, bill)
}

// noCharge is Charging when no payment is being taken.
const noCharge = ""

// alreadyMember is the 409 of a second live membership.
func (s *Service) alreadyMember(ctx context.Context, op, communityID, userID string) error {
	live, found, err := store.Get[liveItem](ctx, s.repo.db, s.repo.table, livePK(communityID, userID), "LIVE")
	msg := "you are already a member of this community: change your membership's tier instead (PATCH /v1/memberships/{id})"
	if err == nil && found {
		msg = "you are already a member of this community (" + live.MembershipID + "): change its tier instead (PATCH /v1/memberships/" + live.MembershipID + ")"
	}
	return &fault.Error{Kind: fault.Conflict, Op: op, Code: "already_member", Message: msg}
}

// startTrial makes m trialing from now until its trial's end, where its
// first period (and its anchor) begins.
func (s *Service) startTrial(m *membershipItem, now time.Time) {
	end := now.AddDate(0, 0, m.TrialDays)
	m.Status, m.N, m.Cycle = string(Trialing), -1, 0
	m.Anchor, m.PeriodStart, m.PeriodEnd = clock.Format(end), clock.Format(now), clock.Format(end)
	if m.Since == "" {
		m.Since = m.Anchor
	}
	m.Session, m.CheckoutURL = "", ""
}

// startCheckout sends the person to Stripe's page: to pay the first
// period, or (a trial) to save the card it will be charged on.
func (s *Service) startCheckout(ctx context.Context, m membershipItem, customer string) (MembershipView, error) {
	const op = "memberships.startCheckout"
	back := strings.TrimRight(s.cfg.PublicURL, "/") + "/console/memberships/" + m.ID
	req := payments.CheckoutRequest{ID: paymentID(m.ID, 0), Mode: payments.ModePayment, Customer: customer,
		Amount: money.Amount{Minor: m.Amount, Currency: m.Currency}, Description: m.CommunityName + " — " + m.TierName + " membership",
		SuccessURL: back, CancelURL: back, Metadata: map[string]string{"souq_membership": m.ID, "souq_payment": paymentID(m.ID, 0), "souq_payer": "person:" + m.UserID}}
	if m.TrialDays > 0 {
		req.ID, req.Mode, req.Amount = m.ID+"-setup", payments.ModeSetup, money.Amount{}
		req.Description = m.CommunityName + " — " + m.TierName + ": the card for after the trial"
		delete(req.Metadata, "souq_payment")
	}
	sess, err := s.pay.CreateCheckout(ctx, req)
	if err != nil {
		return MembershipView{}, fault.Wrap(op, err)
	}
	for attempt := 0; attempt < 5; attempt++ {
		cur, found, err := s.repo.membership(ctx, m.ID)
		if err != nil || !found {
			return MembershipView{}, fault.Wrap(op, err)
		}
		if Status(cur.Status) != Incomplete || cur.Session != "" {
			return cur.view(), nil
		}
		next := cur
		next.Session, next.CheckoutURL, next.Version = sess.ID, sess.URL, cur.Version+1
		err = s.repo.write(ctx, change{before: &cur, after: next, readVersion: cur.Version}, s.clock.Now())
		if err == nil {
			return next.view(), nil
		}
		if !store.Failed(err, partMembership) {
			return MembershipView{}, fault.Wrap(op, err)
		}
	}
	return MembershipView{}, fault.New(fault.Conflict, op, "the membership kept changing; read it again")
}

// resumeJoin carries an incomplete membership on as far as it can go now
// (a retried join, a read after Stripe's page): a session paid meanwhile
// is applied.
func (s *Service) resumeJoin(ctx context.Context, m membershipItem) (MembershipView, error) {
	if Status(m.Status) != Incomplete {
		// A retried join: the renewal its first answer may have failed to
		// schedule is scheduled now (once: schedules are named).
		return m.view(), s.ensureRenewal(ctx, m)
	}
	if m.Session == "" {
		if m.Charging != noCharge {
			// A saved-card charge whose outcome was not heard: ask again
			// (Stripe's idempotency answers the same charge).
			bill, err := s.billing.PersonBilling(ctx, m.UserID)
			if err != nil {
				return MembershipView{}, err
			}
			return s.chargeFirst(ctx, m, bill)
		}
		bill, err := s.billing.PersonBilling(ctx, m.UserID)
		if err != nil {
			return MembershipView{}, err
		}
		return s.startCheckout(ctx, m, bill.Customer)
	}
	sess, err := s.pay.GetCheckout(ctx, m.Session)
	if err != nil {
		return m.view(), nil // Stripe cannot say now: as it was
	}
	if sess.Status == "complete" {
		if err := s.CheckoutCompleted(ctx, sess); err != nil {
			return MembershipView{}, err
		}
		cur, _, err := s.repo.membership(ctx, m.ID)
		if err != nil {
			return MembershipView{}, fault.Wrap("memberships.resumeJoin", err)
		}
		return cur.view(), nil
	}
	if sess.Status == "expired" {
		if err := s.CheckoutExpired(ctx, sess); err != nil {
			return MembershipView{}, err
		}
		cur, _, err := s.repo.membership(ctx, m.ID)
		if err != nil {
			return MembershipView{}, fault.Wrap("memberships.resumeJoin", err)
		}
		return cur.view(), nil
	}
	return m.view(), nil
}

// chargeFirst charges the first period on the saved card.
func (s *Service) chargeFirst(ctx context.Context, m membershipItem, bill accounts.Billing) (MembershipView, error) {
	const op = "memberships.Join"
	pid := paymentID(m.ID, 0)
	if m.Charging != pid {
		next := m
		next.Charging, next.Version = pid, m.Version+1
		if err := s.repo.write(ctx, change{before: &m, after: next, readVersion: m.Version}, s.clock.Now()); err != nil {
			if store.Failed(err, partMembership) {
				cur, _, gerr := s.repo.membership(ctx, m.ID)
				if gerr != nil {
					return MembershipView{}, fault.Wrap(op, gerr)
				}
				return cur.view(), nil
			}
			return MembershipView{}, fault.Wrap(op, err)
		}
		m = next
	}
	pay, err := s.pay.ChargeSaved(ctx, payments.SavedCharge{ID: pid + "-a0", Customer: bill.Customer, PaymentMethod: bill.Card,
		Amount: money.Amount{Minor: m.Amount, Currency: m.Currency}, Description: m.CommunityName + " — " + m.TierName + " membership",
		Metadata: map[string]string{"souq_membership": m.ID, "souq_payment": pid, "souq_payer": "person:" + m.UserID}})
	if err != nil {
		return MembershipView{}, fault.Wrap(op, err) // unknown: the same key asks again
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	switch pay.Status {
	case payments.PaymentSucceeded:
		if err := s.firstPaid(ctx, m.ID, pid, pay.Reference, pay.Card, now); err != nil {
			return MembershipView{}, err
		}
		cur, _, err := s.repo.membership(ctx, m.ID)
		return cur.view(), fault.Wrap(op, err)
	case payments.PaymentRequiresAction:
		// The card's holder must authenticate: on Stripe's page.
		next := m
		next.Charging, next.Version = noCharge, m.Version+1
		if err := s.repo.write(ctx, change{before: &m, after: next, readVersion: m.Version}, now); err != nil && !store.Failed(err, partMembership) {
			return MembershipView{}, fault.Wrap(op, err)
		}
		cur, _, err := s.repo.membership(ctx, m.ID)
		if err != nil {
			return MembershipView{}, fault.Wrap(op, err)
		}
		return s.startCheckout(ctx, cur, bill.Customer)
	}
	// Declined: the membership never began; the place is free again.
	reason := pay.Decline
	if reason == "" {
		reason = "card_declined"
	}
	next := m
	next.Status, next.Charging, next.EndedReason, next.EndedAt, next.Failure, next.Version = string(Ended), noCharge, EndDeclined, clock.Format(now), reason, m.Version+1
	if err := s.repo.write(ctx, change{before: &m, after: next, readVersion: m.Version, freeLive: true}, now); err != nil && !store.Failed(err, partMembership) {
		return MembershipView{}, fault.Wrap(op, err)
	}
	msg := pay.DeclineMessage
	if msg == "" {
		msg = "the card was declined"
	}
	return MembershipView{}, &fault.Error{Kind: fault.PaymentDeclined, Op: op, Code: reason,
		Message: "the card was declined (" + reason + "): " + msg + "; nothing was charged and you did not join. Use another card (method checkout) with a new Idempotency-Key"}
}

// firstPaid applies the first period's payment (the saved card's answer,
// Checkout's event or the return from it, whichever is first; the rest
// find it done): active from now, its period anchored here.
func (s *Service) firstPaid(ctx context.Context, mid, pid, reference string, card payments.CardSummary, now time.Time) error {
	const op = "memberships.firstPaid"
	for attempt := 0; attempt < 5; attempt++ {
		m, found, err := s.repo.membership(ctx, mid)
		if err != nil || !found {
			return fault.Wrap(op, err)
		}
		if Status(m.Status) != Incomplete {
			if err := s.strayUnlessRecorded(ctx, m, pid, reference); err != nil {
				// Paid after the membership ended (its page was paid
				// late), or twice: nothing is owed for it, so it goes back.
				return err
			}
			return s.ensureRenewal(ctx, m) // Stripe's event again after a failed schedule
		}
		st, err := Next(Incomplete, FirstPaid)
		if err != nil {
			return fault.New(fault.Conflict, op, err.Error())
		}
		next := m
		next.Status, next.N, next.Cycle, next.Charging = string(st), 0, 1, noCharge
		next.Anchor, next.PeriodStart, next.PeriodEnd = clock.Format(now), clock.Format(now), clock.Format(periodEnd(now, Interval(m.Interval), 0))
		if next.Since == "" {
			next.Since = next.Anchor
		}
		next.Session, next.CheckoutURL, next.Version = "", "", m.Version+1
		p := s.newPayment(next, pid, PayFirst, m.Amount, reference, card, now)
		c, err := s.paidChange(m, next, p, now)
		if err != nil {
			return fault.Wrap(op, err)
		}
		c.flows[flowNew] = 1
		c.events = []events.Event{&events.MembershipStarted{Membership: next.event(), Payment: ptr(p.event())}}
		err = s.repo.write(ctx, c, now)
		if err == nil {
			return s.scheduleRenewal(ctx, next)
		}
		if store.Failed(err, partPayment) {
			return nil // applied by another path
		}
		if !store.Failed(err, partMembership) {
			return fault.Wrap(op, err)
		}
	}
	return fault.New(fault.Conflict, op, "the membership kept changing")
}

func ptr[T any](v T) *T { return &v }

// newPayment is a payment of m's current period.
func (s *Service) newPayment(m membershipItem, pid, kind string, amount int64, reference string, card payments.CardSummary, now time.Time) paymentItem {
	share, fee := split(amount, s.cfg.ShareBps)
	return paymentItem{ID: pid, MembershipID: m.ID, CommunityID: m.CommunityID, OwnerID: m.OwnerID, UserID: m.UserID, Kind: kind,
		Cycle: m.Cycle, TierID: m.TierID, Interval: m.Interval, PeriodStart: m.PeriodStart, PeriodEnd: m.PeriodEnd, Amount: amount,
		Share: share, Fee: fee, Currency: m.Currency, Reference: reference, Brand: card.Brand, Last4: card.Last4,
		TransferID: "txf_" + pid, PaidAt: clock.Format(now)}
}

// paidChange is a change that takes a payment: the payment, its ledger
// transfer (from the card network to the community's share and Souq's
// fee) and the revenue of its day, in one transaction.
func (s *Service) paidChange(before, after membershipItem, p paymentItem, now time.Time) (change, error) {
	t, err := s.ledger.Prepare(paymentTransfer(p, now))
	if err != nil {
		return change{}, err
	}
	put, err := s.repo.putPayment(p)
	if err != nil {
		return change{}, err
	}
	return change{before: &before, after: after, readVersion: before.Version, parts: append([]store.Part{put}, t.Parts...),
		flows: map[string]int64{flowRevenue: p.Amount}}, nil
}

// CheckoutCompleted applies a membership's Checkout: the first payment
// paid, a trial's card saved, or a failed renewal paid after the member
// authenticated.
func (s *Service) CheckoutCompleted(ctx context.Context, sess payments.Session) error {
	mid := sess.Metadata["souq_membership"]
	if mid == "" {
		return nil
	}
	m, found, err := s.repo.membership(ctx, mid)
	if err != nil || !found {
		return fault.Wrap("memberships.CheckoutCompleted", err)
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	if sess.Mode == payments.ModeSetup {
		return s.trialCardSaved(ctx, m, sess, now)
	}
	if sess.PaymentStatus != "paid" {
		return nil
	}
	pid := sess.Metadata["souq_payment"]
	if pid == paymentID(mid, 0) {
		return s.firstPaid(ctx, mid, pid, sess.PaymentIntent, sess.Card, now)
	}
	return s.renewalPaid(ctx, mid, pid, sess.PaymentIntent, sess.Card, now)
}

// trialCardSaved begins a trial whose card was saved on Stripe's page.
func (s *Service) trialCardSaved(ctx context.Context, m membershipItem, sess payments.Session, now time.Time) error {
	const op = "memberships.trialCardSaved"
	if Status(m.Status) != Incomplete || sess.Status != "complete" {
		return s.ensureRenewal(ctx, m)
	}
	next := m
	s.startTrial(&next, now)
	next.Version = m.Version + 1
	c := change{before: &m, after: next, readVersion: m.Version, flows: map[string]int64{flowNew: 1},
		events: []events.Event{&events.MembershipStarted{Membership: next.event()}}}
	err := s.repo.write(ctx, c, now)
	if store.Failed(err, partMembership) {
		return nil // applied meanwhile (the event and the return both came)
	}
	if err != nil {
		return fault.Wrap(op, err)
	}
	return s.scheduleRenewal(ctx, next)
}

// CheckoutExpired ends a membership whose first payment's page expired
// unpaid (nothing was charged; the place is free again).
func (s *Service) CheckoutExpired(ctx context.Context, sess payments.Session) error {
	const op = "memberships.CheckoutExpired"
	m, found, err := s.repo.membership(ctx, sess.Metadata["souq_membership"])
	if err != nil || !found || Status(m.Status) != Incomplete || m.Session != sess.ID {
		return fault.Wrap(op, err)
	}
	st, err := Next(Incomplete, CheckoutExpire)
	if err != nil {
		return fault.New(fault.Conflict, op, err.Error())
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	next := m
	next.Status, next.EndedReason, next.EndedAt, next.Session, next.CheckoutURL, next.Version = string(st), EndCheckoutExpired, clock.Format(now), "", "", m.Version+1
	err = s.repo.write(ctx, change{before: &m, after: next, readVersion: m.Version, freeLive: true,
		events: []events.Event{&events.MembershipEnded{Membership: next.event(), Reason: EndCheckoutExpired}}}, now)
	if err != nil && !store.Failed(err, partMembership) {
		return fault.Wrap(op, err)
	}
	return nil
}

// refundStray gives back a payment that came for a membership that had
// ended (a page paid after it expired, a second path's charge).
func (s *Service) refundStray(ctx context.Context, m membershipItem, pid, reference string) error {
	if reference == "" {
		return nil
	}
	_, err := s.pay.Refund(ctx, payments.RefundRequest{ID: pid + "-stray-" + reference, PaymentIntent: reference,
		Metadata: map[string]string{"souq_membership": m.ID, "souq_payment": pid}})
	return fault.Wrap("memberships.refundStray", err)
}

// canSee reports whether p may read m: its member, or its community's owner.
func canSee(p auth.Principal, m membershipItem) bool {
	return p.Kind == auth.KindUser && (p.UserID == m.UserID || p.UserID == m.OwnerID)
}

// Get is one membership with its payments (its member or its owner).
func (s *Service) Get(ctx context.Context, p auth.Principal, mid string) (MembershipView, error) {
	const op = "memberships.Get"
	m, err := s.visible(ctx, op, p, mid)
	if err != nil {
		return MembershipView{}, err
	}
	if Status(m.Status) == Incomplete && p.UserID == m.UserID && s.moneyReady(op) == nil {
		// The member's return from Stripe's page lands here.
		if _, err := s.resumeJoin(ctx, m); err != nil {
			return MembershipView{}, err
		}
		if m, _, err = s.repo.membership(ctx, mid); err != nil {
			return MembershipView{}, fault.Wrap(op, err)
		}
	}
	v := m.view()
	pays, err := s.repo.payments(ctx, mid)
	if err != nil {
		return MembershipView{}, fault.Wrap(op, err)
	}
	v.Payments = []PaymentView{}
	for _, pay := range pays {
		v.Payments = append(v.Payments, pay.view())
	}
	return v, nil
}

func (s *Service) visible(ctx context.Context, op string, p auth.Principal, mid string) (membershipItem, error) {
	if !id.HasPrefix(mid, "mem") {
		return membershipItem{}, fault.New(fault.NotFound, op, "no such membership")
	}
	m, found, err := s.repo.membership(ctx, mid)
	if err != nil {
		return membershipItem{}, fault.Wrap(op, err)
	}
	if !found || !canSee(p, m) {
		return membershipItem{}, fault.New(fault.NotFound, op, "no such membership")
	}
	return m, nil
}

// Mine are the person's memberships, newest first.
func (s *Service) Mine(ctx context.Context, p auth.Principal) ([]MembershipView, error) {
	const op = "memberships.Mine"
	if err := requireUser(op, p); err != nil {
		return nil, err
	}
	items, err := s.repo.byIndex(ctx, IndexByMember, "gsi2pk", "USR#"+p.UserID+"#MEMS")
	if err != nil {
		return nil, fault.Wrap(op, err)
	}
	out := []MembershipView{}
	for i := len(items) - 1; i >= 0; i-- {
		out = append(out, items[i].view())
	}
	return out, nil
}

// Members are a community's memberships (its owner), newest first,
// filtered by status and tier.
func (s *Service) Members(ctx context.Context, p auth.Principal, communityID, status, tierID string) ([]MembershipView, error) {
	const op = "memberships.Members"
	if _, err := s.communities.Owned(ctx, op, p, communityID); err != nil {
		return nil, err
	}
	statuses := []Status{Incomplete, Trialing, Active, PastDue, Ended}
	if status != "" && !slices.Contains(statuses, Status(status)) {
		return nil, fault.InvalidFields(op, "the request has invalid fields",
			fault.FieldError{Field: "status", Message: "must be incomplete, trialing, active, past_due or ended"})
	}
	items, err := s.repo.byIndex(ctx, IndexByCommunity, "gsi1pk", "COM#"+communityID+"#MEMS")
	if err != nil {
		return nil, fault.Wrap(op, err)
	}
	out := []MembershipView{}
	for i := len(items) - 1; i >= 0; i-- {
		it := items[i]
		if (status == "" || it.Status == status) && (tierID == "" || it.TierID == tierID) {
			out = append(out, it.view())
		}
	}
	return out, nil
}
