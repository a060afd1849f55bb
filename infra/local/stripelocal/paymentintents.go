package stripelocal

// PaymentIntents and their charges: a deposit on a saved card is an
// off-session PaymentIntent created and confirmed in one call; its outcome
// is the test card's (cards.go).

func (s *Server) createIntent(c *apiCall) (any, error) {
	st := s.st
	amount, ok, err := c.p.int("amount")
	if err != nil {
		return nil, err
	}
	if !ok || amount < 1 {
		return nil, invalid("amount", "Amount must be at least 1 (a whole number of the currency's minor units).")
	}
	customerID := c.p.str("customer")
	if customerID != "" && st.customers[customerID] == nil {
		return nil, noSuch("customer", customerID, "customer")
	}
	pmID := c.p.str("payment_method")
	var m *paymentMethod
	if pmID != "" {
		if m = st.method(pmID); m == nil {
			return nil, noSuch("PaymentMethod", pmID, "payment_method")
		}
		if st.methods[pmID] != nil && customerID != "" && m.Customer != customerID {
			return nil, invalid("payment_method", "The PaymentMethod %s does not belong to the Customer %s. Please use the Customer that the PaymentMethod belongs to.", pmID, customerID)
		}
	}
	pi := &paymentIntent{ID: newID("pi_", 24), Amount: amount, Currency: lower(c.p.str("currency")), Customer: customerID,
		PaymentMethod: pmID, Description: c.p.str("description"), SetupFutureUsage: c.p.str("setup_future_usage"),
		Metadata: c.p.hash("metadata"), Status: piRequiresPaymentMethod, Created: st.unix()}
	if m != nil {
		pi.Status = piRequiresConfirmation
	}
	st.intents[pi.ID] = pi
	if !c.p.flag("confirm") {
		return st.renderIntent(pi, c.expand), nil
	}
	if m == nil {
		return nil, invalid("payment_method", "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with %s, specify a payment method attached to this customer along with the customer ID.", customerID)
	}
	o := m.Card.OnSession
	if c.p.flag("off_session") {
		o = m.Card.OffSession
	}
	if e := st.chargeIntent(pi, m, o); e != nil {
		failed := st.renderIntent(pi, nil)
		e.PaymentIntent = failed
		c.out.add("payment_intent.payment_failed", pi.ID, failed)
		return nil, e
	}
	if pi.Status == piSucceeded {
		c.out.add("payment_intent.succeeded", pi.ID, st.renderIntent(pi, nil))
	}
	return st.renderIntent(pi, c.expand), nil
}

// chargeIntent applies a card's outcome to an intent: a succeeded charge;
// a wait for the holder's authentication; or the decline, which Stripe
// answers as a card error and keeps as the intent's last_payment_error
// (the intent again needs a payment method).
func (st *state) chargeIntent(pi *paymentIntent, m *paymentMethod, o outcome) *apiError {
	pi.PaymentMethod = m.ID
	switch o {
	case succeed:
		ch := &charge{ID: newID("ch_", 24), PaymentIntent: pi.ID, Customer: pi.Customer, PaymentMethod: m.ID, Card: m.Card,
			ExpMonth: m.ExpMonth, ExpYear: m.ExpYear, Currency: pi.Currency, Description: pi.Description, Amount: pi.Amount,
			Metadata: copyMeta(pi.Metadata), Created: st.unix()}
		st.charges[ch.ID] = ch
		pi.Status, pi.LatestCharge, pi.AmountReceived, pi.LastError = piSucceeded, ch.ID, pi.Amount, nil
		return nil
	case authenticate:
		pi.Status = piRequiresAction
		return nil
	}
	e := o.decline()
	e.PaymentMethod = renderMethod(m)
	last := *e
	pi.Status, pi.PaymentMethod, pi.LastError = piRequiresPaymentMethod, "", &last
	return e
}

func (s *Server) getIntent(c *apiCall) (any, error) {
	pi := s.st.intents[c.r.PathValue("id")]
	if pi == nil {
		return nil, noSuch("payment_intent", c.r.PathValue("id"), "")
	}
	return s.st.renderIntent(pi, c.expand), nil
}

func (s *Server) getCharge(c *apiCall) (any, error) {
	ch := s.st.charges[c.r.PathValue("id")]
	if ch == nil {
		return nil, noSuch("charge", c.r.PathValue("id"), "")
	}
	return s.st.renderCharge(ch, c.expand), nil
}
