package stripelocal

import (
	"net/http"

	"github.com/souqhq/souq/shared/fault"
)

// Connect's hosted onboarding (Account Links lead here) and the Express
// dashboard (login links lead here).

// accountView is what the pages show of an account, and what a test gets
// back in JSON.
type accountView struct {
	ID               string   `json:"id"`
	PayoutsEnabled   bool     `json:"payoutsEnabled"`
	DetailsSubmitted bool     `json:"detailsSubmitted"`
	Requirements     []string `json:"requirements"`
	ReturnURL        string   `json:"returnUrl,omitempty"`
	RefreshURL       string   `json:"-"`
}

func viewAccount(a *account) accountView {
	return accountView{ID: a.ID, PayoutsEnabled: a.PayoutsEnabled, DetailsSubmitted: a.DetailsSubmitted,
		Requirements: append([]string{}, a.CurrentlyDue...), ReturnURL: a.ReturnURL, RefreshURL: a.RefreshURL}
}

// findAccount reads an account's view under the lock.
func (s *Server) findAccount(id string) (accountView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.accounts[id]
	if a == nil {
		return accountView{}, false
	}
	return viewAccount(a), true
}

func (s *Server) connectPage(w http.ResponseWriter, r *http.Request) {
	v, ok := s.findAccount(r.PathValue("id"))
	if !ok {
		writeProblem(w, r, fault.New(fault.NotFound, "stripelocal.connect", "no connected account "+r.PathValue("id")))
		return
	}
	writePage(w, http.StatusOK, "connect.html", v, v.ReturnURL, v.RefreshURL)
}

func (s *Server) connectAnswer(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Result string `json:"result"`
	}
	if err := readInput(w, r, &in); err != nil {
		writeProblem(w, r, err)
		return
	}
	if in.Result != "complete" && in.Result != "incomplete" {
		writeProblem(w, r, fault.InvalidFields("stripelocal.connect", "the request has invalid fields",
			fault.FieldError{Field: "result", Message: "must be complete or incomplete"}))
		return
	}
	var out outbox
	s.mu.Lock()
	a := s.st.accounts[r.PathValue("id")]
	var v accountView
	if a != nil {
		s.st.onboard(a, in.Result == "complete", &out)
		v = viewAccount(a)
	}
	s.mu.Unlock()
	s.events.emit(out)
	switch {
	case a == nil:
		writeProblem(w, r, fault.New(fault.NotFound, "stripelocal.connect", "no connected account "+r.PathValue("id")))
	case wantsJSON(r):
		writeJSON(w, http.StatusOK, v)
	case v.ReturnURL != "":
		http.Redirect(w, r, v.ReturnURL, http.StatusSeeOther)
	default:
		writePage(w, http.StatusOK, "connect.html", v)
	}
}

func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request) {
	v, ok := s.findAccount(r.PathValue("id"))
	if !ok {
		writeProblem(w, r, fault.New(fault.NotFound, "stripelocal.connect", "no connected account "+r.PathValue("id")))
		return
	}
	writePage(w, http.StatusOK, "dashboard.html", v)
}
