package stripelocal

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Checkout: a hosted page where the payer enters a card, in payment mode
// (a deposit; the card is saved for later off-session use) or setup mode
// (a card on file). The API makes and reads sessions; the page
// (pages_checkout.go) pays them through the functions below.

// Checkout modes.
const (
	modePayment = "payment"
	modeSetup   = "setup"
)

// sessionLifetime is how long a session stays payable (Stripe's default).
const sessionLifetime = 24 * time.Hour

// maxLineItems bounds a session's line items.
const maxLineItems = 100

func (st *state) checkoutURL(id string) string { return st.publicURL + "/local/checkout/" + id }

func (s *Server) createSession(c *apiCall) (any, error) {
	st := s.st
	customerID := c.p.str("customer")
	if customerID != "" && st.customers[customerID] == nil {
		return nil, noSuch("customer", customerID, "customer")
	}
	now := st.now()
	se := &session{ID: newID("cs_test_", 40), Mode: c.p.str("mode"), Status: sessionOpen, Customer: customerID,
		ClientReferenceID: c.p.str("client_reference_id"), SuccessURL: c.p.str("success_url"), CancelURL: c.p.str("cancel_url"),
		Currency: lower(c.p.str("currency")), Metadata: c.p.hash("metadata"), Created: now.Unix(), Expires: now.Add(sessionLifetime).Unix()}
	switch se.Mode {
	case modePayment:
		if err := readLineItems(c.p, se); err != nil {
			return nil, err
		}
		se.PaymentStatus = "unpaid"
		se.IntentMetadata = c.p.hash("payment_intent_data[metadata]")
		se.IntentDescription = c.p.str("payment_intent_data[description]")
		se.SetupFutureUsage = c.p.str("payment_intent_data[setup_future_usage]")
	case modeSetup:
		se.PaymentStatus = "no_payment_required"
		si := &setupIntent{ID: newID("seti_", 24), Customer: customerID, Status: piRequiresPaymentMethod,
			Metadata: c.p.hash("setup_intent_data[metadata]"), Created: now.Unix()}
		st.setups[si.ID] = si
		se.SetupIntent = si.ID
	default:
		return nil, invalid("mode", "The local Stripe plays Checkout in payment and setup mode, not %q.", se.Mode)
	}
	st.sessions[se.ID] = se
	return st.renderSession(se, c.expand), nil
}

// readLineItems totals price_data line items (the stand-in keeps no
// Prices).
func readLineItems(p params, se *session) error {
	for i := 0; i < maxLineItems; i++ {
		item := fmt.Sprintf("line_items[%d]", i)
		if p.has(item + "[price]") {
			return invalid(item+"[price]", "The local Stripe plays line items with price_data only.")
		}
		if !p.has(item + "[price_data][unit_amount]") {
			if i == 0 {
				return invalid("line_items", "You must provide line_items with price_data in payment mode.")
			}
			return nil
		}
		unit, _, err := p.int(item + "[price_data][unit_amount]")
		if err != nil {
			return err
		}
		qty, ok, err := p.int(item + "[quantity]")
		if err != nil {
			return err
		}
		if !ok {
			qty = 1
		}
		if unit < 0 || qty < 1 || qty > 1_000_000 || unit > (1<<53)/qty {
			return invalid(item, "The line item's unit_amount and quantity must be positive and not too large.")
		}
		cur := lower(p.str(item + "[price_data][currency]"))
		if se.Currency != "" && cur != se.Currency {
			return invalid(item+"[price_data][currency]", "All line items must have the session's currency (%s).", se.Currency)
		}
		se.Currency = cur
		se.AmountTotal += unit * qty
		if se.Description == "" {
			se.Description = p.str(item + "[price_data][product_data][name]")
		}
	}
	return invalid("line_items", "At most %d line items.", maxLineItems)
}

func (s *Server) getSession(c *apiCall) (any, error) {
	se := s.st.sessions[c.r.PathValue("id")]
	if se == nil {
		return nil, noSuch("checkout.session", c.r.PathValue("id"), "")
	}
	s.st.expireIfDue(se, &c.out)
	return s.st.renderSession(se, c.expand), nil
}

func (s *Server) expireSession(c *apiCall) (any, error) {
	se := s.st.sessions[c.r.PathValue("id")]
	if se == nil {
		return nil, noSuch("checkout.session", c.r.PathValue("id"), "")
	}
	if se.Status != sessionOpen {
		return nil, invalid("", "Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of %q.", se.Status)
	}
	st := s.st
	st.expire(se, &c.out)
	return st.renderSession(se, c.expand), nil
}

func (s *Server) getSetup(c *apiCall) (any, error) {
	si := s.st.setups[c.r.PathValue("id")]
	if si == nil {
		return nil, noSuch("setup_intent", c.r.PathValue("id"), "")
	}
	return s.st.renderSetup(si, c.expand), nil
}

// expireIfDue expires an open session whose time (on the platform's
// clock) has passed, as Stripe does, with its event.
func (st *state) expireIfDue(se *session, out *outbox) {
	if se.Status == sessionOpen && st.unix() >= se.Expires {
		st.expire(se, out)
	}
}

func (st *state) expire(se *session, out *outbox) {
	se.Status, se.Authenticating = sessionExpired, ""
	out.add("checkout.session.expired", se.ID, st.renderSession(se, nil))
}

// Outcomes of a card entered on the page.
const (
	stepComplete       = "complete"
	stepRequiresAction = "requires_action"
	stepDeclined       = "declined"
)

// payOnPage applies a card entered on the session's page (the session is
// open): it completes the session, waits for the holder to authenticate,
// or is declined and leaves the session payable.
func (st *state) payOnPage(se *session, card testCard, out *outbox) (string, *apiError) {
	se.Authenticating = ""
	switch card.OnSession {
	case succeed:
		st.completeSession(se, card, out)
		return stepComplete, nil
	case authenticate:
		se.Authenticating = card.Number
		return stepRequiresAction, nil
	}
	return stepDeclined, st.failAttempt(se, card, card.OnSession.decline(), out)
}

// authenticate ends a 3-D Secure wait: pass completes the session; fail
// leaves it payable, as a decline does.
func (st *state) authenticate(se *session, pass bool, out *outbox) (string, *apiError) {
	card, _ := findCard(se.Authenticating)
	se.Authenticating = ""
	if pass {
		st.completeSession(se, card, out)
		return stepComplete, nil
	}
	code := "payment_intent_authentication_failure"
	if se.Mode == modeSetup {
		code = "setup_intent_authentication_failure"
	}
	e := &apiError{Status: http.StatusPaymentRequired, Type: errInvalidRequest, Code: code,
		Message: "We are unable to authenticate your payment method. Please choose a different payment method and try again."}
	return stepDeclined, st.failAttempt(se, card, e, out)
}

// failAttempt records a refused card on the session's intent, as Stripe
// does: payment_intent.payment_failed (or setup_intent.setup_failed), and
// the intent waits for another card.
func (st *state) failAttempt(se *session, card testCard, e *apiError, out *outbox) *apiError {
	m := st.saveCard(card, "") // Checkout makes the card a PaymentMethod even when it fails
	e.PaymentMethod = renderMethod(m)
	if se.Mode == modePayment {
		pi := st.sessionIntent(se)
		last := *e
		pi.Status, pi.PaymentMethod, pi.LastError = piRequiresPaymentMethod, "", &last
		out.add("payment_intent.payment_failed", pi.ID, st.renderIntent(pi, nil))
		return e
	}
	si := st.setups[se.SetupIntent]
	last := *e
	si.Status, si.PaymentMethod, si.LastError = piRequiresPaymentMethod, "", &last
	out.add("setup_intent.setup_failed", si.ID, st.renderSetup(si, nil))
	return e
}

// completeSession saves the card to the customer and pays (or sets up)
// with it; Stripe sends checkout.session.completed first.
func (st *state) completeSession(se *session, card testCard, out *outbox) {
	m := st.saveCard(card, se.Customer)
	se.Status = sessionComplete
	if se.Mode == modePayment {
		pi := st.sessionIntent(se)
		st.chargeIntent(pi, m, succeed)
		se.PaymentStatus = "paid"
		out.add("checkout.session.completed", se.ID, st.renderSession(se, nil))
		out.add("payment_intent.succeeded", pi.ID, st.renderIntent(pi, nil))
		return
	}
	si := st.setups[se.SetupIntent]
	si.Status, si.PaymentMethod, si.LastError = piSucceeded, m.ID, nil
	out.add("checkout.session.completed", se.ID, st.renderSession(se, nil))
	out.add("setup_intent.succeeded", si.ID, st.renderSetup(si, nil))
}

// sessionIntent is the session's PaymentIntent, made at the first attempt
// to pay (as Stripe does since API version 2022-08-01).
func (st *state) sessionIntent(se *session) *paymentIntent {
	if pi := st.intents[se.PaymentIntent]; pi != nil {
		return pi
	}
	desc := se.IntentDescription
	if desc == "" {
		desc = se.Description
	}
	pi := &paymentIntent{ID: newID("pi_", 24), Amount: se.AmountTotal, Currency: se.Currency, Customer: se.Customer,
		Description: desc, SetupFutureUsage: se.SetupFutureUsage, Metadata: copyMeta(se.IntentMetadata),
		Status: piRequiresPaymentMethod, Created: st.unix()}
	st.intents[pi.ID] = pi
	se.PaymentIntent = pi.ID
	return pi
}

// successURL is where the payer goes once done, with Stripe's template
// variable filled in.
func (se *session) successURL() string {
	return strings.ReplaceAll(se.SuccessURL, "{CHECKOUT_SESSION_ID}", se.ID)
}
