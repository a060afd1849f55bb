package stripelocal

import "net/http"

// Refunds of a charge, whole or in parts, each succeeding at once; Stripe
// sends charge.refunded with the charge's refunded total and its refunds.

func (s *Server) createRefund(c *apiCall) (any, error) {
	st := s.st
	var ch *charge
	switch piID, chID := c.p.str("payment_intent"), c.p.str("charge"); {
	case chID != "":
		if ch = st.charges[chID]; ch == nil {
			return nil, noSuch("charge", chID, "charge")
		}
	case piID != "":
		pi := st.intents[piID]
		if pi == nil {
			return nil, noSuch("payment_intent", piID, "payment_intent")
		}
		if ch = st.charges[pi.LatestCharge]; ch == nil || pi.Status != piSucceeded {
			return nil, invalid("payment_intent", "This PaymentIntent (%s) does not have a successful charge to refund.", piID)
		}
	default:
		return nil, invalid("", "One of the following params should be provided for this request: payment_intent or charge.")
	}
	amount, ok, err := c.p.int("amount")
	if err != nil {
		return nil, err
	}
	if !ok {
		amount = ch.left()
	}
	r, e := st.refund(ch, amount, c.p.hash("metadata"), c.p.str("reason"), &c.out)
	if e != nil {
		return nil, e
	}
	return renderRefund(r), nil
}

// refund takes amount off a charge: nothing left is charge_already_refunded,
// more than is left is refused, as Stripe does.
func (st *state) refund(ch *charge, amount int64, metadata map[string]string, reason string, out *outbox) (*refund, *apiError) {
	switch {
	case ch.left() == 0:
		return nil, &apiError{Status: http.StatusBadRequest, Type: errInvalidRequest, Code: "charge_already_refunded",
			Message: "Charge " + ch.ID + " has already been refunded."}
	case amount < 1:
		return nil, invalid("amount", "Refund amount must be a positive whole number of minor units.")
	case amount > ch.left():
		return nil, invalid("amount", "Refund amount (%d) is greater than unrefunded amount on charge (%d).", amount, ch.left())
	}
	r := &refund{ID: newID("re_", 24), Charge: ch.ID, PaymentIntent: ch.PaymentIntent, Currency: ch.Currency, Status: "succeeded",
		Reason: reason, Amount: amount, Metadata: metadata, Created: st.unix()}
	st.refunds[r.ID] = r
	ch.AmountRefunded += amount
	ch.Refunds = append(ch.Refunds, r.ID)
	out.add("charge.refunded", ch.ID, st.renderCharge(ch, nil))
	return r, nil
}

func (s *Server) getRefund(c *apiCall) (any, error) {
	r := s.st.refunds[c.r.PathValue("id")]
	if r == nil {
		return nil, noSuch("refund", c.r.PathValue("id"), "")
	}
	return renderRefund(r), nil
}
