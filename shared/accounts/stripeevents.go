package accounts

// Stripe's events (POST /v1/stripe/events, DESIGN §15). The raw body's
// signature is checked first: a bad one is 400 and changes nothing. Each
// event is applied once (its id is recorded after its effect), and each
// effect is idempotent by the object's state, so duplicates, retries and
// any order are safe. Unknown types are acknowledged. An error answers
// 5xx, and Stripe sends the event again.
//
//	pk                 sk     item
//	SEVT#<evt_…>       META   an applied event (expires after 30 days; Stripe retries for 3)

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/store"
)

// appliedEventTTL is how long an applied event's id is kept.
const appliedEventTTL = 30 * 24 * time.Hour

type appliedEventItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Type      string `dynamodbav:"type"`
	AppliedAt string `dynamodbav:"appliedAt"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

// StripeEvent verifies and applies one of Stripe's events.
func (s *Service) StripeEvent(ctx context.Context, payload []byte, signature string) error {
	const op = "accounts.StripeEvent"
	if len(s.webhook.Secrets) == 0 {
		return fault.New(fault.Unavailable, op, "Stripe's events are not configured: no endpoint secret")
	}
	ev, err := s.webhook.Parse(payload, signature)
	if err != nil {
		return err
	}
	if s.ledger == nil || s.pay == nil {
		return fault.New(fault.Unavailable, op, "payments are not available: no payment provider is configured")
	}
	pk := "SEVT#" + ev.ID
	if _, found, err := store.Get[appliedEventItem](ctx, s.repo.db, s.repo.table, pk, skMeta); err != nil || found {
		return fault.Wrap(op, err)
	}
	if err := s.apply(ctx, ev); err != nil {
		return err
	}
	now := s.clock.Now()
	_, err = s.repo.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.repo.table),
		Item: mustMarshal(appliedEventItem{PK: pk, SK: skMeta, Type: ev.Type, AppliedAt: ts(now), ExpiresAt: time.Now().Add(appliedEventTTL).Unix()})})
	// Not recording it only means a duplicate is applied again: a no-op.
	_ = err
	return nil
}

// apply is one event's effect, idempotent by the object's state.
func (s *Service) apply(ctx context.Context, ev payments.Event) error {
	if s.members != nil {
		switch {
		case ev.Checkout != nil && ev.Checkout.Metadata["souq_membership"] != "" && ev.Type == payments.EventCheckoutCompleted:
			full, err := s.pay.GetCheckout(ctx, ev.Checkout.ID)
			if err != nil {
				return err
			}
			if err := s.members.CheckoutCompleted(ctx, full); err != nil {
				return err
			}
			// The card entered on the page is the member's card from now
			// on: their renewals are charged on it.
			return s.cardSaved(ctx, full.Customer, full.PaymentMethod)
		case ev.Checkout != nil && ev.Checkout.Metadata["souq_membership"] != "" && ev.Type == payments.EventCheckoutExpired:
			return s.members.CheckoutExpired(ctx, *ev.Checkout)
		}
	}
	switch {
	case ev.Checkout != nil && ev.Type == payments.EventCheckoutCompleted:
		return s.checkoutCompleted(ctx, *ev.Checkout)
	case ev.Checkout != nil && ev.Type == payments.EventCheckoutExpired:
		return s.checkoutExpired(ctx, *ev.Checkout)
	case ev.Payment != nil && ev.Type == payments.EventPaymentSucceeded:
		dep := ev.Payment.Metadata["souq_deposit"]
		if dep == "" {
			return nil
		}
		d, found, err := s.repo.getDeposit(ctx, dep)
		if err != nil || !found || d.Status == DepositSucceeded {
			return err // credited already (by the request, or the event before): nothing to ask Stripe
		}
		card := ev.Payment.Card
		if card.Last4 == "" && ev.Payment.PaymentMethod != "" {
			// A saved-card charge names the payer's default card, which
			// Souq already knows: no need to ask Stripe.
			if prof, found, err := s.repo.getPayer(ctx, d.Payer); err == nil && found && prof.DefaultCard == ev.Payment.PaymentMethod {
				card = payments.CardSummary{Brand: prof.DefaultBrand, Last4: prof.DefaultLast4}
			}
		}
		if card.Last4 == "" && ev.Payment.PaymentMethod != "" {
			// The event's intent names its card by id only: read it, so
			// that the receipt names it.
			c, err := s.pay.GetCard(ctx, ev.Payment.PaymentMethod)
			if err != nil {
				return err
			}
			card = payments.CardSummary{Brand: c.Brand, Last4: c.Last4}
		}
		_, err = s.credit(ctx, dep, paid{Reference: ev.Payment.ID, ChargeID: ev.Payment.ChargeID, Card: card})
		return ignoreNotFound(err)
	case ev.Payment != nil && ev.Type == payments.EventPaymentFailed:
		return s.paymentFailed(ctx, *ev.Payment)
	case ev.Setup != nil && ev.Type == payments.EventSetupSucceeded:
		return s.cardSaved(ctx, ev.Setup.Customer, ev.Setup.PaymentMethod)
	case ev.Charge != nil && ev.Type == payments.EventChargeRefunded:
		return s.chargeRefunded(ctx, *ev.Charge)
	case ev.Refund != nil:
		return s.refundUpdated(ctx, *ev.Refund)
	case ev.Dispute != nil && ev.Type == payments.EventDisputeCreated:
		return s.disputeOpened(ctx, *ev.Dispute)
	case ev.Dispute != nil && ev.Type == payments.EventDisputeClosed:
		return s.disputeClosed(ctx, *ev.Dispute)
	case ev.Account != nil && ev.Type == payments.EventAccountUpdated:
		return s.accountUpdated(ctx, ev.Created, *ev.Account)
	}
	return nil
}

func ignoreNotFound(err error) error {
	if fault.KindOf(err) == fault.NotFound {
		return nil // not a deposit of Souq's
	}
	return err
}

// checkoutCompleted: a deposit paid on Checkout, or a card saved.
func (s *Service) checkoutCompleted(ctx context.Context, sess payments.Session) error {
	if sess.Mode == payments.ModeSetup {
		full, err := s.pay.GetCheckout(ctx, sess.ID)
		if err != nil {
			return err
		}
		return s.cardSaved(ctx, full.Customer, full.PaymentMethod)
	}
	dep := sess.Metadata["souq_deposit"]
	if dep == "" || sess.PaymentStatus != "paid" {
		return nil
	}
	pd := paid{Reference: sess.PaymentIntent, ChargeID: sess.ChargeID, Card: sess.Card}
	if pd.Card.Last4 == "" || pd.ChargeID == "" || sess.PaymentMethod == "" {
		// The event's session names its payment by id only: read it.
		full, err := s.pay.GetCheckout(ctx, sess.ID)
		if err != nil {
			return err
		}
		sess = full
		pd = paid{Reference: full.PaymentIntent, ChargeID: full.ChargeID, Card: full.Card}
	}
	if _, err := s.credit(ctx, dep, pd); ignoreNotFound(err) != nil {
		return err
	}
	// The card paid with is saved for later: the default if none is.
	return s.cardSaved(ctx, sess.Customer, sess.PaymentMethod)
}

// cardSaved makes a newly saved card the default when its payer has none.
func (s *Service) cardSaved(ctx context.Context, customer, pm string) error {
	if customer == "" || pm == "" {
		return nil
	}
	payer, _, found, err := s.repo.payerByCustomer(ctx, customer)
	if err != nil || !found {
		return err
	}
	if kind, user, _ := parsePayerKey(payer); kind == PayerPerson {
		// A member's new card is the one their memberships use from now
		// on ("Update card"), and a failed renewal is tried on it at once.
		if err := s.adoptCard(ctx, payer, customer, pm, true); err != nil || s.members == nil {
			return err
		}
		return s.members.CardSaved(ctx, user)
	}
	return s.adoptCardIfNone(ctx, payer, customer, pm)
}

// paymentFailed: a saved-card or auto-recharge charge failed off-session
// (a Checkout's failed attempt leaves its session open: nothing to do).
func (s *Service) paymentFailed(ctx context.Context, pe payments.PaymentEvent) error {
	dep := pe.Metadata["souq_deposit"]
	if dep == "" {
		return nil
	}
	d, found, err := s.repo.getDeposit(ctx, dep)
	if err != nil || !found || d.Status != DepositProcessing {
		return err
	}
	if pe.Decline == "authentication_required" {
		_, err := s.startCheckout(ctx, d, d.ID+"-action", DepositRequiresAction)
		return err
	}
	if err := s.fail(ctx, d, pe.Decline, pe.DeclineMessage); fault.KindOf(err) != fault.PaymentDeclined {
		return err
	}
	if d.Method == MethodAutoRecharge {
		return s.rechargeFailed(ctx, d, pe.Decline)
	}
	return nil
}

// chargeRefunded: Stripe's word on a charge's refunds. Souq's own pieces
// are settled by their state; refunds made in the dashboard are applied.
func (s *Service) chargeRefunded(ctx context.Context, ch payments.ChargeEvent) error {
	d, found, err := s.depositOfPayment(ctx, ch.PaymentIntent)
	if err != nil || !found {
		return err
	}
	for _, re := range ch.Refunds {
		if err := s.applyRefund(ctx, d, re); err != nil {
			return err
		}
	}
	return nil
}

// refundUpdated: one refund's status changed.
func (s *Service) refundUpdated(ctx context.Context, re payments.RefundEvent) error {
	d, found, err := s.depositOfPayment(ctx, re.PaymentIntent)
	if err != nil || !found {
		return err
	}
	return s.applyRefund(ctx, d, re)
}

func (s *Service) applyRefund(ctx context.Context, d depositItem, re payments.RefundEvent) error {
	ref := re.Metadata["souq_refund_id"]
	if ref == "" {
		if re.Status != payments.RefundSucceeded && re.Status != payments.RefundPending {
			return nil
		}
		for _, done := range d.Dashboard {
			if done == re.ID {
				return nil
			}
		}
		return s.dashboardRefund(ctx, d, re)
	}
	i := strings.LastIndexByte(ref, '_')
	if i < 0 {
		return nil
	}
	n := 0
	for _, c := range ref[i+1:] {
		if c < '0' || c > '9' {
			return nil
		}
		n = n*10 + int(c-'0')
	}
	switch re.Status {
	case payments.RefundSucceeded:
		return s.settlePiece(ctx, ref[:i], n, RefundSucceeded, re.ID, "")
	case payments.RefundFailed, payments.RefundCanceled:
		return s.settlePiece(ctx, ref[:i], n, RefundFailed, re.ID, "the card could not take the refund")
	}
	return nil
}

// accountUpdated passes a payee's Connect account state to payouts.
func (s *Service) accountUpdated(ctx context.Context, created int64, a payments.ConnectAccount) error {
	const op = "accounts.accountUpdated"
	user, ok := strings.CutPrefix(a.Payee, "user:")
	if !ok || user == "" {
		return nil // not a payee of Souq's
	}
	status := "pending"
	switch {
	case a.PayoutsEnabled:
		status = "enabled"
	case a.DisabledReason != "" && a.DetailsSubmitted:
		status = "restricted"
	}
	reqs := a.Requirements
	if reqs == nil {
		reqs = []string{}
	}
	evt, err := events.OutboxPut(s.repo.outbox, &events.PayoutAccountUpdated{UserID: user, AccountID: a.ID, Status: status, Requirements: reqs, Version: created}, s.clock.Now())
	if err != nil {
		return fault.Wrap(op, err)
	}
	return fault.Wrap(op, store.NewTx().Add("event", evt).Write(ctx, s.repo.db))
}

// checkoutExpired: nobody paid a deposit's Checkout within its 24 hours;
// the deposit fails (nothing was charged) unless another session of it
// was paid meanwhile.
func (s *Service) checkoutExpired(ctx context.Context, sess payments.Session) error {
	const op = "accounts.checkoutExpired"
	dep := sess.Metadata["souq_deposit"]
	if dep == "" || sess.Mode == payments.ModeSetup {
		return nil
	}
	d, found, err := s.repo.getDeposit(ctx, dep)
	if err != nil || !found || d.Session != sess.ID || (d.Status != DepositPending && d.Status != DepositRequiresAction) {
		return err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	evt, err := events.OutboxPut(s.repo.outbox, &events.DepositFailed{Money: s.moneyOf(d, d.Amount), DepositID: d.ID, Method: d.Method, Reason: "expired"}, now)
	if err != nil {
		return fault.Wrap(op, err)
	}
	err = store.NewTx().Add("deposit", types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.repo.table), Key: key(depositPK(d.ID), skMeta),
		UpdateExpression:          aws.String("SET #s = :failed, failure = :m, failureCode = :c REMOVE #u"),
		ConditionExpression:       aws.String("#s = :was AND #sess = :sess"),
		ExpressionAttributeNames:  map[string]string{"#s": "status", "#u": "url", "#sess": "session"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":failed": store.S(DepositFailed), ":m": store.S("nobody paid on Stripe's page within 24 hours"), ":c": store.S("expired"), ":was": store.S(d.Status), ":sess": store.S(sess.ID)},
	}}).Add("event", evt).Write(ctx, s.repo.db)
	if err != nil && !store.Failed(err, "deposit") {
		return fault.Wrap(op, err)
	}
	return nil
}
