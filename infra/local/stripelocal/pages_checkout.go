package stripelocal

import (
	"net/http"
	"strings"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
)

// Checkout's hosted page: GET shows the session; POST pays it with a test
// card (a form from the page, or JSON from a test); a card that needs
// authentication waits for POST …/authenticate.

// checkoutView is what the page shows of a session.
type checkoutView struct {
	ID, Mode, Status, Description string
	Amount                        string // payment mode, in its currency
	Authenticating                string // the waiting card's last four digits
	Message                       string // a decline or a mistake, as an alert
	SuccessURL, CancelURL         string
	Cards                         []testCard
}

func (st *state) checkoutView(se *session) checkoutView {
	v := checkoutView{ID: se.ID, Mode: se.Mode, Status: se.Status, Description: se.Description, SuccessURL: se.successURL(),
		CancelURL: se.CancelURL, Cards: testCards}
	if se.Mode == modePayment {
		v.Amount = money.Amount{Minor: se.AmountTotal, Currency: strings.ToUpper(se.Currency)}.String()
	}
	if n := se.Authenticating; n != "" {
		v.Authenticating = n[len(n)-4:]
	}
	return v
}

func (s *Server) checkoutPage(w http.ResponseWriter, r *http.Request) {
	var out outbox
	s.mu.Lock()
	se := s.st.sessions[r.PathValue("id")]
	var v checkoutView
	if se != nil {
		s.st.expireIfDue(se, &out)
		v = s.st.checkoutView(se)
	}
	s.mu.Unlock()
	s.events.emit(out)
	if se == nil {
		writeProblem(w, r, fault.New(fault.NotFound, "stripelocal.checkout", "no Checkout Session "+r.PathValue("id")))
		return
	}
	writePage(w, http.StatusOK, "checkout.html", v, v.SuccessURL, v.CancelURL)
}

// checkoutStep is the outcome of a POST to the page.
type checkoutStep struct {
	step    string    // stepComplete, stepRequiresAction or stepDeclined
	decline *apiError // stepDeclined
	err     error     // the request could not be applied
	found   bool      // the session exists (view is its)
	view    checkoutView
}

// onSession runs f on the open session, under the lock, then sends its
// events without it.
func (s *Server) onSession(id string, f func(se *session, out *outbox) (string, *apiError, error)) checkoutStep {
	var out outbox
	var res checkoutStep
	s.mu.Lock()
	if se := s.st.sessions[id]; se != nil {
		res.found = true
		s.st.expireIfDue(se, &out)
		if se.Status != sessionOpen {
			res.err = fault.New(fault.Conflict, "stripelocal.checkout", "the Checkout Session is "+se.Status+": it can no longer be paid")
		} else {
			res.step, res.decline, res.err = f(se, &out)
		}
		res.view = s.st.checkoutView(se)
	} else {
		res.err = fault.New(fault.NotFound, "stripelocal.checkout", "no Checkout Session "+id)
	}
	s.mu.Unlock()
	s.events.emit(out)
	return res
}

func (s *Server) checkoutPay(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Card string `json:"card"`
	}
	if err := readInput(w, r, &in); err != nil {
		s.answerCheckout(w, r, checkoutStep{err: err})
		return
	}
	res := s.onSession(r.PathValue("id"), func(se *session, out *outbox) (string, *apiError, error) {
		card, ok := findCard(in.Card)
		if !ok {
			return "", nil, fault.InvalidFields("stripelocal.checkout", "that is not one of Stripe's test cards",
				fault.FieldError{Field: "card", Message: "use a test card: " + knownCards()})
		}
		step, decline := s.st.payOnPage(se, card, out)
		return step, decline, nil
	})
	s.answerCheckout(w, r, res)
}

func (s *Server) checkoutAuthenticate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Result string `json:"result"`
	}
	if err := readInput(w, r, &in); err != nil {
		s.answerCheckout(w, r, checkoutStep{err: err})
		return
	}
	if in.Result != "pass" && in.Result != "fail" {
		s.answerCheckout(w, r, checkoutStep{err: fault.InvalidFields("stripelocal.authenticate", "the request has invalid fields",
			fault.FieldError{Field: "result", Message: "must be pass or fail"})})
		return
	}
	res := s.onSession(r.PathValue("id"), func(se *session, out *outbox) (string, *apiError, error) {
		if se.Authenticating == "" {
			return "", nil, fault.New(fault.Conflict, "stripelocal.authenticate", "nothing waits for authentication: pay with a card first")
		}
		step, decline := s.st.authenticate(se, in.Result == "pass", out)
		return step, decline, nil
	})
	s.answerCheckout(w, r, res)
}

// answerCheckout answers a program in JSON, and a person with the page
// again (or the merchant's success URL).
func (s *Server) answerCheckout(w http.ResponseWriter, r *http.Request, res checkoutStep) {
	v := res.view
	if !wantsJSON(r) && res.found {
		switch {
		case res.err != nil:
			v.Message = problemText(res.err)
			writePage(w, api.Status(fault.KindOf(res.err)), "checkout.html", v, v.SuccessURL, v.CancelURL)
			return
		case res.step == stepComplete && v.SuccessURL != "":
			http.Redirect(w, r, v.SuccessURL, http.StatusSeeOther)
			return
		case res.step == stepDeclined:
			v.Message = res.decline.Message
			writePage(w, http.StatusPaymentRequired, "checkout.html", v, v.SuccessURL, v.CancelURL)
			return
		}
		writePage(w, http.StatusOK, "checkout.html", v, v.SuccessURL, v.CancelURL)
		return
	}
	switch {
	case res.err != nil:
		writeProblem(w, r, res.err)
	case res.step == stepComplete:
		writeJSON(w, http.StatusOK, map[string]string{"status": stepComplete, "redirect": v.SuccessURL})
	case res.step == stepRequiresAction:
		writeJSON(w, http.StatusOK, map[string]string{"status": stepRequiresAction, "authenticateUrl": s.st.checkoutURL(v.ID) + "/authenticate"})
	default:
		writeJSON(w, http.StatusPaymentRequired, map[string]string{"status": stepDeclined, "code": res.decline.Code,
			"declineCode": res.decline.DeclineCode, "message": res.decline.Message})
	}
}

// problemText is a problem's message for people, with its fields'.
func problemText(err error) string {
	fe, ok := fault.As(err)
	if !ok {
		return "something went wrong"
	}
	msg := fe.Message
	for _, f := range fe.Fields {
		msg += ": " + f.Field + " " + f.Message
	}
	return msg
}

// knownCards lists the test card numbers for a message.
func knownCards() string {
	var b strings.Builder
	for i, c := range testCards {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(spaced(c.Number))
	}
	return b.String()
}

// spaced writes a card number in groups of four, as it is printed.
func spaced(number string) string {
	var b strings.Builder
	for i, r := range number {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
