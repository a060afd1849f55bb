package stripelocal

import (
	"net/http"
	"strings"

	"github.com/souqhq/souq/shared/fault"
)

// The test controls under /local/stripe/: what Stripe's dashboard, its
// event log and a card holder's bank do, on command.

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"data": s.events.all()})
}

// resendEvent delivers an event again and answers how it went: the
// delivery's HTTP status is the record's status.
func (s *Server) resendEvent(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.events.resend(r.PathValue("id"))
	if !ok {
		writeProblem(w, r, fault.New(fault.NotFound, "stripelocal.resend", "no Stripe event "+r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

func (s *Server) setDelivery(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Hold *bool `json:"hold"`
	}
	if err := readInput(w, r, &in); err != nil {
		writeProblem(w, r, err)
		return
	}
	if in.Hold == nil {
		writeProblem(w, r, fault.InvalidFields("stripelocal.delivery", "the request has invalid fields",
			fault.FieldError{Field: "hold", Message: "is required: true holds events (recorded, not sent), false sends new ones again"}))
		return
	}
	s.events.setHold(*in.Hold)
	writeJSON(w, http.StatusOK, map[string]bool{"hold": *in.Hold})
}

// disputeView is a dispute as the controls answer it.
type disputeView struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	Amount        int64  `json:"amount"`
	PaymentIntent string `json:"paymentIntent"`
	Charge        string `json:"charge"`
}

func (s *Server) openDisputeControl(w http.ResponseWriter, r *http.Request) {
	const op = "stripelocal.dispute"
	var in struct {
		DepositID string `json:"depositId"`
		Amount    *int64 `json:"amount"`
	}
	if err := readInput(w, r, &in); err != nil {
		writeProblem(w, r, err)
		return
	}
	if in.DepositID == "" || (in.Amount != nil && *in.Amount < 1) {
		writeProblem(w, r, fault.InvalidFields(op, "the request has invalid fields",
			fault.FieldError{Field: "depositId", Message: "is required, and amount, when given, a positive number of minor units"}))
		return
	}
	var out outbox
	var v disputeView
	err := func() error {
		s.mu.Lock()
		defer s.mu.Unlock()
		pi := s.st.depositIntent(in.DepositID)
		if pi == nil {
			return fault.New(fault.NotFound, op, "no succeeded PaymentIntent for deposit "+in.DepositID)
		}
		ch := s.st.charges[pi.LatestCharge]
		switch {
		case ch.Disputed:
			return fault.New(fault.Conflict, op, "the deposit's charge "+ch.ID+" is already disputed")
		case in.Amount != nil && *in.Amount > ch.Amount:
			return fault.InvalidFields(op, "the request has invalid fields", fault.FieldError{Field: "amount", Message: "is more than the charge"})
		}
		var amount int64
		if in.Amount != nil {
			amount = *in.Amount
		}
		d := s.st.openDispute(ch, amount, &out)
		v = disputeView{ID: d.ID, Status: d.Status, Amount: d.Amount, PaymentIntent: d.PaymentIntent, Charge: d.Charge}
		return nil
	}()
	s.events.emit(out)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

func (s *Server) closeDisputeControl(w http.ResponseWriter, r *http.Request) {
	const op = "stripelocal.dispute.close"
	var in struct {
		Status string `json:"status"`
	}
	if err := readInput(w, r, &in); err != nil {
		writeProblem(w, r, err)
		return
	}
	if in.Status != disputeWon && in.Status != disputeLost {
		writeProblem(w, r, fault.InvalidFields(op, "the request has invalid fields", fault.FieldError{Field: "status", Message: "must be won or lost"}))
		return
	}
	var out outbox
	var v disputeView
	err := func() error {
		s.mu.Lock()
		defer s.mu.Unlock()
		d := s.st.disputes[r.PathValue("id")]
		if d == nil {
			return fault.New(fault.NotFound, op, "no dispute "+r.PathValue("id"))
		}
		if d.Status == disputeWon || d.Status == disputeLost {
			e := fault.New(fault.Conflict, op, "the dispute is already closed ("+d.Status+")")
			e.State = d.Status
			return e
		}
		s.st.closeDispute(d, in.Status, &out)
		v = disputeView{ID: d.ID, Status: d.Status, Amount: d.Amount, PaymentIntent: d.PaymentIntent, Charge: d.Charge}
		return nil
	}()
	s.events.emit(out)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// refundView is a refund as the controls answer it.
type refundView struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	Amount        int64  `json:"amount"`
	PaymentIntent string `json:"paymentIntent"`
	Charge        string `json:"charge"`
}

// dashboardRefund is a refund made in Stripe's dashboard: no Souq
// metadata, so Souq learns of it only from charge.refunded.
func (s *Server) dashboardRefund(w http.ResponseWriter, r *http.Request) {
	const op = "stripelocal.refund"
	var in struct {
		DepositID string `json:"depositId"`
		Amount    *int64 `json:"amount"`
	}
	if err := readInput(w, r, &in); err != nil {
		writeProblem(w, r, err)
		return
	}
	if in.DepositID == "" {
		writeProblem(w, r, fault.InvalidFields(op, "the request has invalid fields", fault.FieldError{Field: "depositId", Message: "is required"}))
		return
	}
	var out outbox
	var v refundView
	err := func() error {
		s.mu.Lock()
		defer s.mu.Unlock()
		pi := s.st.depositIntent(in.DepositID)
		if pi == nil {
			return fault.New(fault.NotFound, op, "no succeeded PaymentIntent for deposit "+in.DepositID)
		}
		ch := s.st.charges[pi.LatestCharge]
		amount := ch.left()
		if in.Amount != nil {
			amount = *in.Amount
		}
		re, e := s.st.refund(ch, amount, map[string]string{}, "requested_by_customer", &out)
		switch {
		case e != nil && e.Code == "charge_already_refunded":
			return fault.New(fault.Conflict, op, e.Message)
		case e != nil:
			return fault.InvalidFields(op, "the request has invalid fields", fault.FieldError{Field: "amount", Message: e.Message})
		}
		v = refundView{ID: re.ID, Status: re.Status, Amount: re.Amount, PaymentIntent: re.PaymentIntent, Charge: re.Charge}
		return nil
	}()
	s.events.emit(out)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

// HoldEvents holds (true) or releases (false) the delivery of new events,
// in process: the simulation (tests/sim) delivers them itself, in the
// order and as often as its seed says.
func (s *Server) HoldEvents(hold bool) { s.events.setHold(hold) }

// EventIDs lists the ids of the events recorded after the first skip
// (oldest first), and how many there are in all: a caller keeps its place
// by count. The log keeps its last 10,000.
func (s *Server) EventIDs(skip int) ([]string, int) {
	s.events.mu.Lock()
	defer s.events.mu.Unlock()
	n := s.events.total
	first := n - len(s.events.list) // the index of list[0] among all events ever
	var out []string
	for i, r := range s.events.list {
		if first+i >= skip {
			out = append(out, r.ID)
		}
	}
	return out, n
}

// Deliver sends one recorded event now (again, if it was), and answers
// whether the receiver took it (2xx).
func (s *Server) Deliver(id string) bool {
	rec, ok := s.events.resend(id)
	return ok && rec.Delivered
}

// Totals is what the local Stripe moved in one currency, by its own
// records: what cards paid (succeeded charges), what was refunded to
// them, what disputes took back (open or lost: Stripe withdraws a
// disputed amount when the dispute opens and returns it only when it is
// won), and what was transferred to connected accounts (payouts). The
// simulation holds Souq's books to it: each deposit credited once, each
// payout paid at most once.
type Totals struct {
	Charged, Refunded, Disputed, Transferred int64
}

// Totals answers the currency's totals (lowercase or not).
func (s *Server) Totals(currency string) Totals {
	cur := strings.ToLower(currency)
	s.mu.Lock()
	defer s.mu.Unlock()
	var t Totals
	for _, c := range s.st.charges {
		if strings.ToLower(c.Currency) == cur {
			t.Charged += c.Amount
		}
	}
	for _, r := range s.st.refunds {
		if strings.ToLower(r.Currency) == cur && r.Status == "succeeded" {
			t.Refunded += r.Amount
		}
	}
	for _, d := range s.st.disputes {
		if strings.ToLower(d.Currency) == cur && d.Status != disputeWon {
			t.Disputed += d.Amount
		}
	}
	for _, tr := range s.st.transfers {
		if strings.ToLower(tr.Currency) == cur {
			t.Transferred += tr.Amount
		}
	}
	return t
}
