package stripelocal

// Disputes (chargebacks): opened and closed from the test controls, as a
// card holder's bank and Stripe's review would.

// Dispute statuses.
const (
	disputeNeedsResponse = "needs_response"
	disputeWon           = "won"
	disputeLost          = "lost"
)

// depositIntent is the succeeded PaymentIntent of a Souq deposit (its
// metadata souq_charge_id), the newest if there are several.
func (st *state) depositIntent(depositID string) *paymentIntent {
	var found *paymentIntent
	for _, pi := range st.intents {
		if pi.Status == piSucceeded && pi.Metadata["souq_charge_id"] == depositID && (found == nil || pi.Created >= found.Created) {
			found = pi
		}
	}
	return found
}

// openDispute disputes amount of the charge (all of it when 0).
func (st *state) openDispute(ch *charge, amount int64, out *outbox) *dispute {
	if amount == 0 {
		amount = ch.Amount
	}
	d := &dispute{ID: newID("du_", 24), Charge: ch.ID, PaymentIntent: ch.PaymentIntent, Currency: ch.Currency,
		Status: disputeNeedsResponse, Reason: "fraudulent", Amount: amount, Created: st.unix()}
	st.disputes[d.ID] = d
	ch.Disputed = true
	out.add("charge.dispute.created", d.ID, renderDispute(d))
	return d
}

func (st *state) closeDispute(d *dispute, status string, out *outbox) {
	d.Status = status
	out.add("charge.dispute.closed", d.ID, renderDispute(d))
}

func (s *Server) getDispute(c *apiCall) (any, error) {
	d := s.st.disputes[c.r.PathValue("id")]
	if d == nil {
		return nil, noSuch("dispute", c.r.PathValue("id"), "")
	}
	return renderDispute(d), nil
}
