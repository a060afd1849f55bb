package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// show renders a signed-in page; the answer says how many API calls it
// took (X-Souq-Api-Calls), which the console keeps at five at most.
func (c *Console) show(q *req, name string, v view) {
	v.Session = q.s
	if v.Status == 0 && v.Form != nil {
		v.Status = v.Form.httpStatus()
	}
	q.w.Header().Set("X-Souq-Api-Calls", strconv.Itoa(q.api.Calls()))
	c.render(q.w, q.r, name, v)
}

// refusal is the API's answer to a form that the person can act on: the
// page is shown again with the message beside the field it names.
func refusal(q *req, name string, err error) (*formState, int, bool) {
	var p *Problem
	if !errors.As(err, &p) {
		return nil, 0, false
	}
	switch p.Status {
	case http.StatusBadRequest, http.StatusPaymentRequired, http.StatusForbidden, http.StatusConflict, http.StatusRequestEntityTooLarge,
		http.StatusUnprocessableEntity, http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusBadGateway:
	default:
		return nil, 0, false
	}
	msg := p.Error()
	if p.Status == http.StatusForbidden {
		msg = "You may not do this here: " + msg
	}
	if p.Status == http.StatusServiceUnavailable || p.Status == http.StatusBadGateway {
		msg = "It could not be done just now, and nothing was changed: " + msg
	}
	return &formState{Name: name, Values: q.r.PostForm, Fields: p.Fields(), Error: msg}, p.Status, true
}

// again shows a form's page again after the API refused it, or fails.
func (c *Console) again(q *req, name string, err error, page func(*req, *formState)) {
	fs, status, ok := refusal(q, name, err)
	if !ok {
		c.fail(q.w, q.r, err)
		return
	}
	fs.status = status
	page(q, fs)
}

// invalid is a form the console itself refuses before calling the API
// (an amount it cannot read): nothing is sent, nothing changes.
func invalid(q *req, name string, fields map[string]string) *formState {
	return &formState{Name: name, Values: q.r.PostForm, Fields: fields, Error: "Some fields need a look.", status: http.StatusUnprocessableEntity}
}

// status is the answer's status for a page shown with form state.
func (f *formState) httpStatus() int {
	if f == nil || f.status == 0 {
		return http.StatusOK
	}
	return f.status
}

func trimmed(q *req, name string) string { return strings.TrimSpace(q.r.PostForm.Get(name)) }

func itoa(n int) string { return strconv.Itoa(n) }
