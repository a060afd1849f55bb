package referrals

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/schedule"
	"github.com/souqhq/souq/shared/store"
)

// clearJob is the payload of a conversion's clearing schedule.
type clearJob struct {
	Job          string `json:"job"`
	ConversionID string `json:"conversionId"`
}

// JobClear clears a conversion's commission at the end of its hold period.
const JobClear = "clear-commission"

// Check implements schedule.Checker.
func (j clearJob) Check() error {
	if j.Job != JobClear || j.ConversionID == "" {
		return errors.New("not a clearing with its conversion")
	}
	return nil
}

// HandleScheduled runs a clearing: a conversion still pending past its
// hold period clears; anything else (flagged, reversed, cleared before)
// is left as it is, so a duplicated or late schedule changes nothing.
func (s *Service) HandleScheduled(ctx context.Context, payload json.RawMessage) error {
	return schedule.Handle("referrals", func(ctx context.Context, j clearJob) error { return s.clear(ctx, j.ConversionID) })(ctx, payload)
}

// clear moves a pending conversion's commission (less what reversals took
// back) from the influencer's pending to its available balance, keeping
// back what the influencer owes for earlier clawbacks: that part goes back
// to the community. It is a no-op unless the conversion is pending and
// due, and safe to run any number of times.
func (s *Service) clear(ctx context.Context, conversionID string) error {
	const op = "referrals.clear"
	for attempt := 0; attempt < maxAttempts; attempt++ {
		c, found, err := s.repo.conversion(ctx, conversionID)
		if err != nil || !found {
			return err
		}
		now := s.clock.Now().Truncate(time.Millisecond)
		if Status(c.Status) != Pending || now.Before(clock.Parse(c.ClearsAt)) {
			return nil
		}
		amount := c.Commission - c.CommissionReversed
		owed, err := s.repo.owed(ctx, op, c.InfluencerID, c.Currency)
		if err != nil {
			return err
		}
		deduct := min(owed, amount)
		next := c
		next.Status, next.Cleared, next.Deducted, next.Rev, next.UpdatedAt = string(Cleared), amount-deduct, deduct, c.Rev+1, clock.Format(now)
		next.index()
		meta, err := marshalPut(s.repo.table, next, "rev = :r AND #s = :s", map[string]types.AttributeValue{":r": store.N(int64(c.Rev)), ":s": store.S(c.Status)})
		if err != nil {
			return fault.Wrap(op, err)
		}
		meta.Put.ExpressionAttributeNames = statusName
		tx := store.NewTx().Add("conversion", meta).Add("stats", s.repo.statsAdd(c.DealID, map[string]int64{"commissionPending": -amount, "commissionCleared": amount}))
		if amount > 0 {
			legs := []ledger.Leg{{Account: ledger.Influencer(c.InfluencerID), Pending: -amount, Available: amount - deduct}}
			if deduct > 0 {
				legs = append(legs, ledger.Leg{Account: ledger.Community(c.CommunityID), Available: deduct})
				tx.Add("owed", s.repo.owedDeduct(c.InfluencerID, c.Currency, deduct))
			}
			tr, err := s.ledger.Prepare(ledger.Transfer{ID: "txf_" + c.ID + "_clear", Kind: "referral_clearing", Currency: c.Currency, At: now, Legs: legs})
			if err != nil {
				return fault.Wrap(op, err)
			}
			evt, err := events.OutboxPut(s.repo.outbox, &events.CommissionCleared{Commission: s.commissionEvent(c, amount-deduct)}, now)
			if err != nil {
				return fault.Wrap(op, err)
			}
			tx.Add("event", evt).AddParts(tr.Parts...)
		}
		err = tx.Write(ctx, s.repo.db)
		if store.Failed(err, "conversion") || store.Failed(err, "owed") {
			continue // reversed, or the owed amount moved, meanwhile: read again
		}
		return fault.Wrap(op, err)
	}
	return fault.New(fault.Conflict, op, "conversion "+conversionID+" is changing too fast to clear; the schedule retries")
}

// ReverseInput is a refund of part (amount) or all (no amount) of a
// conversion.
type ReverseInput struct {
	Amount *int64 `json:"amount"`
}

// Reverse records a community's refund of a conversion. The commission
// falls in proportion (half-even): within the hold period, what it takes
// back returns from the influencer's pending balance to the program's
// budget (or to the community's available balance once the program is
// closed); after clearing it is a clawback, owed and deducted from the
// influencer's next clearings, never taken from its balance.
func (s *Service) Reverse(ctx context.Context, p auth.Principal, conversionID string, in ReverseInput) (ConversionView, error) {
	const op = "referrals.Reverse"
	for attempt := 0; attempt < maxAttempts; attempt++ {
		c, err := s.ownedConversion(ctx, op, p, conversionID)
		if err != nil {
			return ConversionView{}, err
		}
		if c.Source == SourceMembership {
			return ConversionView{}, &fault.Error{Kind: fault.Conflict, Op: op, Code: "membership_payment",
				Message: "this is a member's payment: refund the payment (POST /v1/membership-payments/{paymentId}/refund) and its commission follows"}
		}
		left := c.Amount - c.Reversed
		if Status(c.Status) == Reversed || Status(c.Status) == Declined || left == 0 {
			return ConversionView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: c.Status, Message: "the conversion has nothing left to reverse"}
		}
		r := left
		if in.Amount != nil {
			r = *in.Amount
		}
		if r <= 0 || r > left {
			return ConversionView{}, fault.InvalidFields(op, "the request has invalid fields", fault.FieldError{Field: "amount", Message: fmt.Sprintf("must be 1 to %d, what is left of the conversion", left)})
		}
		v, err := s.reverseOnce(ctx, op, c, r, "")
		if _, raced := err.(*retryAs); raced {
			continue
		}
		return v, err
	}
	return ConversionView{}, fault.New(fault.Conflict, op, "the conversion is changing too fast; retry")
}

// reverseOnce takes back the commission of r more of c's amount refunded.
// A membership payment's refund (refundID) is applied once, and counted on
// the member's referral.
func (s *Service) reverseOnce(ctx context.Context, op string, c conversionItem, r int64, refundID string) (ConversionView, error) {
	now := s.clock.Now().Truncate(time.Millisecond)
	share := ReversedShare(c.Commission, c.Reversed+r, c.Amount)
	delta := share - c.CommissionReversed
	next := c
	next.Reversed, next.CommissionReversed, next.Reversals, next.Rev, next.UpdatedAt = c.Reversed+r, share, c.Reversals+1, c.Rev+1, clock.Format(now)
	full := next.Reversed == c.Amount
	st := Status(c.Status)
	if full && st != NoCommission {
		next.Status = string(Reversed)
	}
	tx := store.NewTx()
	var tr *ledger.Op
	switch {
	case delta == 0:
	case st == Pending || st == Flagged:
		t, note, err := s.returnToBudget(ctx, c, delta, fmt.Sprintf("%s_rev_%d", c.ID, next.Reversals), now)
		if err != nil {
			return ConversionView{}, fault.Wrap(op, err)
		}
		tr = &t
		if note != nil {
			tx.AddParts(*note)
		}
		tx.Add("stats", s.repo.statsAdd(c.DealID, map[string]int64{"commissionPending": -delta, "commissionReversed": delta}))
	case st == Cleared:
		next.Clawback = c.Clawback + delta
		tx.Add("owed", s.repo.owedAdd(c.InfluencerID, c.Currency, delta)).
			Add("stats", s.repo.statsAdd(c.DealID, map[string]int64{"commissionReversed": delta}))
	}
	next.index()
	meta, err := marshalPut(s.repo.table, next, "rev = :r", map[string]types.AttributeValue{":r": store.N(int64(c.Rev))})
	if err != nil {
		return ConversionView{}, fault.Wrap(op, err)
	}
	tx.Add("conversion", meta)
	if refundID != "" {
		tx.Add("refund", s.repo.refundGuard(c.ID, refundID)).
			Add("member", s.repo.memberAdd(c.CommunityID, c.UserID, map[string]int64{"refunded": r, "commissionReversed": delta}))
	}
	if delta > 0 {
		evt, err := events.OutboxPut(s.repo.outbox, &events.CommissionReversed{Commission: s.commissionEvent(c, delta)}, now)
		if err != nil {
			return ConversionView{}, fault.Wrap(op, err)
		}
		tx.Add("event", evt)
	}
	if tr != nil {
		tx.AddParts(tr.Parts...)
	}
	err = tx.Write(ctx, s.repo.db)
	if store.Failed(err, "refund") {
		return conversionView(c), nil // this refund was applied before
	}
	if store.Failed(err, "conversion") || tr != nil && fault.KindOf(tr.Explain(err)) == fault.Conflict {
		return ConversionView{}, &retryAs{} // cleared, reversed or the budget released meanwhile
	}
	if tr != nil && tr.Explain(err) != nil {
		return ConversionView{}, fault.Wrap(op, tr.Explain(err))
	}
	if err != nil {
		return ConversionView{}, fault.Wrap(op, err)
	}
	return conversionView(next), nil
}

// returnToBudget builds the return of amount of a conversion's pending
// commission: into the program's budget (the ledger's hold) while it is
// held, as the return returnID; once the close released it, to the
// community's available balance, noted beside the budget. The extra part,
// when there is one, is that note.
func (s *Service) returnToBudget(ctx context.Context, c conversionItem, amount int64, returnID string, now time.Time) (ledger.Op, *store.Part, error) {
	prg := programItem{ID: c.ProgramID, CommunityID: c.CommunityID, Currency: c.Currency}
	d, found, err := s.ledger.GetDrawdown(ctx, c.ProgramID)
	if err != nil {
		return ledger.Op{}, nil, err
	}
	if found && d.State == ledger.HoldHeld {
		tr, err := s.ledger.PrepareReturn(budgetHold(prg), returnID, ledger.Influencer(c.InfluencerID), ledger.Pending, amount, now)
		return tr, nil, err
	}
	// A closed program released its budget (or never had one): the money
	// goes to the community's available balance.
	tr, err := s.ledger.Prepare(ledger.Transfer{ID: "txf_" + returnID, Kind: "referral_commission_return", Currency: c.Currency, At: now,
		Legs: []ledger.Leg{{Account: ledger.Influencer(c.InfluencerID), Pending: -amount}, {Account: ledger.Community(c.CommunityID), Available: amount}}})
	if err != nil {
		return ledger.Op{}, nil, err
	}
	return tr, &store.Part{Name: "notes", Item: s.repo.returnedAfterClose(c.ProgramID, amount)}, nil
}

// Review is the owner's decision on a flagged conversion: approve (it
// goes on to clear, at once if its hold period is over) or decline (its
// commission returns to the budget).
func (s *Service) Review(ctx context.Context, p auth.Principal, conversionID string, approve bool) (ConversionView, error) {
	const op = "referrals.Review"
	if p.Kind != auth.KindUser {
		return ConversionView{}, fault.New(fault.Forbidden, op, "the community's owner reviews conversions")
	}
	for attempt := 0; attempt < maxAttempts; attempt++ {
		c, err := s.ownedConversion(ctx, op, p, conversionID)
		if err != nil {
			return ConversionView{}, err
		}
		if Status(c.Status) != Flagged {
			return ConversionView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: c.Status, Message: "only a flagged conversion is reviewed"}
		}
		now := s.clock.Now().Truncate(time.Millisecond)
		next := c
		next.Rev, next.UpdatedAt = c.Rev+1, clock.Format(now)
		tx := store.NewTx()
		var tr *ledger.Op
		if approve {
			next.Status = string(Pending)
			// Its clearing schedule may have run while it was flagged: one
			// more, at the end of the hold or now, clears it if the clearing
			// below does not.
			due := clock.Parse(c.ClearsAt)
			if due.Before(now) {
				due = now
			}
			job, _ := json.Marshal(clearJob{Job: JobClear, ConversionID: c.ID})
			if err := s.sched.Once(ctx, "clr-"+c.ID+"-approved", due, s.cfg.Self, job); err != nil {
				return ConversionView{}, fault.Wrap(op, err)
			}
		} else {
			next.Status = string(Declined)
			if left := c.Commission - c.CommissionReversed; left > 0 {
				next.CommissionReversed = c.Commission
				t, note, err := s.returnToBudget(ctx, c, left, c.ID+"_decline", now)
				if err != nil {
					return ConversionView{}, fault.Wrap(op, err)
				}
				tr = &t
				if note != nil {
					tx.AddParts(*note)
				}
				tx.Add("stats", s.repo.statsAdd(c.DealID, map[string]int64{"commissionPending": -left, "commissionReversed": left}))
				evt, err := events.OutboxPut(s.repo.outbox, &events.CommissionReversed{Commission: s.commissionEvent(c, left)}, now)
				if err != nil {
					return ConversionView{}, fault.Wrap(op, err)
				}
				tx.Add("event", evt)
			}
		}
		next.index()
		meta, err := marshalPut(s.repo.table, next, "rev = :r", map[string]types.AttributeValue{":r": store.N(int64(c.Rev))})
		if err != nil {
			return ConversionView{}, fault.Wrap(op, err)
		}
		tx.Add("conversion", meta)
		if tr != nil {
			tx.AddParts(tr.Parts...)
		}
		err = tx.Write(ctx, s.repo.db)
		if store.Failed(err, "conversion") || tr != nil && fault.KindOf(tr.Explain(err)) == fault.Conflict {
			continue // reviewed meanwhile, or the budget released: read again
		}
		if tr != nil && tr.Explain(err) != nil {
			return ConversionView{}, fault.Wrap(op, tr.Explain(err))
		}
		if err != nil {
			return ConversionView{}, fault.Wrap(op, err)
		}
		if approve && s.clear(ctx, c.ID) == nil { // best effort: the schedule above clears it otherwise
			if cur, _, err := s.repo.conversion(ctx, c.ID); err == nil {
				next = cur
			}
		}
		return conversionView(next), nil
	}
	return ConversionView{}, fault.New(fault.Conflict, op, "the conversion is changing too fast; retry")
}

// FlaggedConversions pages through a community's conversions waiting for
// the owner's review.
func (s *Service) FlaggedConversions(ctx context.Context, p auth.Principal, communityID string, limit int, cursor string) ([]ConversionView, string, error) {
	const op = "referrals.FlaggedConversions"
	if _, err := s.ownedCommunity(ctx, op, p, communityID); err != nil {
		return nil, "", err
	}
	items, next, err := s.repo.flaggedConversions(ctx, op, communityID, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]ConversionView, 0, len(items))
	for _, it := range items {
		out = append(out, conversionView(it))
	}
	return out, next, nil
}

// DealConversions pages through a deal's conversions, for its influencer
// and its owner, newest first.
func (s *Service) DealConversions(ctx context.Context, p auth.Principal, dealID string, limit int, cursor string) ([]ConversionView, string, error) {
	const op = "referrals.DealConversions"
	if _, _, err := s.readDeal(ctx, op, p, dealID); err != nil {
		return nil, "", err
	}
	items, next, err := s.repo.dealConversions(ctx, op, dealID, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]ConversionView, 0, len(items))
	for _, it := range items {
		out = append(out, conversionView(it))
	}
	return out, next, nil
}

// EarningsBalance is what an influencer has in one currency.
type EarningsBalance struct {
	Currency  string `json:"currency"`
	Pending   int64  `json:"pending"`
	Available int64  `json:"available"`
	// Paid is what payouts have paid out, learnt from PayoutPaid.
	Paid int64 `json:"paid"`
	// InTransit is what payouts claimed that the bank has not had yet.
	InTransit int64 `json:"inTransit"`
	// Owed is what clawbacks took back after clearing and later
	// clearings have not yet made up.
	Owed int64 `json:"owed"`
}

// Earnings reads the caller's earnings per currency.
func (s *Service) Earnings(ctx context.Context, p auth.Principal) ([]EarningsBalance, error) {
	const op = "referrals.Earnings"
	if p.Kind != auth.KindUser {
		return nil, fault.New(fault.Forbidden, op, "an influencer reads its earnings with its own token")
	}
	rows, err := s.repo.earningsRows(ctx, p.UserID)
	if err != nil {
		return nil, fault.Wrap(op, err)
	}
	byCur := map[string]*EarningsBalance{}
	var order []string
	for _, r := range rows {
		sk, _ := r["sk"].(string)
		cur, _ := r["currency"].(string)
		if cur == "" || !money.IsCurrency(cur) {
			continue
		}
		b := byCur[cur]
		if b == nil {
			b = &EarningsBalance{Currency: cur}
			byCur[cur] = b
			order = append(order, cur)
		}
		n, _ := r["amount"].(float64)
		switch {
		case isOwed(sk):
			b.Owed = int64(n)
		case isPaid(sk):
			b.Paid = int64(n)
		}
	}
	out := make([]EarningsBalance, 0, len(order))
	for _, cur := range order {
		bal, err := s.ledger.Balance(ctx, ledger.Influencer(p.UserID), cur)
		if err != nil {
			return nil, fault.Wrap(op, err)
		}
		transit, err := s.ledger.Balance(ctx, ledger.InTransit(ledger.Influencer(p.UserID)), cur)
		if err != nil {
			return nil, fault.Wrap(op, err)
		}
		b := byCur[cur]
		b.Pending, b.Available, b.InTransit = bal.Pending, bal.Available, transit.Available
		out = append(out, *b)
	}
	return out, nil
}
