// Package fault is Souq's one error type: a closed set of kinds that the API
// maps to HTTP statuses, a message fit for people, optional field errors, and
// the operation trail for logs. Domain code returns these; it never picks an
// HTTP status (api.Status does). Anything that is not a *fault.Error, and
// any *fault.Error of kind Internal (what Wrap makes of a plain error), is
// internal: logged with its cause, never shown to a client.
package fault

import (
	"errors"
	"strings"
)

// Kind classifies an error by what the caller can do about it.
// Add new kinds only at the end: their numbers may be logged.
type Kind int

// The kinds of error. Internal is the zero value on purpose: an error with
// no kind is never mistaken for the client's fault.
const (
	Internal             Kind = iota // something broke on our side; retryable, never the client's fault
	Invalid                          // the request is malformed or breaks a rule; fix and retry
	NotFound                         // no such object, or not the caller's to see
	Conflict                         // the object's state does not allow this now
	InsufficientFunds                // the account cannot cover the amount
	Forbidden                        // the caller is known but may not do this
	Unauthorized                     // no valid credentials
	TooLarge                         // the request body is over the limit
	IdempotencyMismatch              // same Idempotency-Key, different request
	Unavailable                      // a dependency is overloaded or failed; retry later
	UpstreamFailed                   // a payment rail or other upstream refused or failed
	MethodNotAllowed                 // the path exists, the method does not
	UnsupportedMediaType             // the body is not JSON
	RateLimited                      // too many requests from this principal; retry after a while
	PaymentDeclined                  // the payer's card was declined: nothing was charged (Code says why)
)

var kindNames = [...]string{
	Internal:             "internal",
	Invalid:              "invalid",
	NotFound:             "not_found",
	Conflict:             "conflict",
	InsufficientFunds:    "insufficient_funds",
	Forbidden:            "forbidden",
	Unauthorized:         "unauthorized",
	TooLarge:             "too_large",
	IdempotencyMismatch:  "idempotency_mismatch",
	Unavailable:          "unavailable",
	UpstreamFailed:       "upstream_failed",
	MethodNotAllowed:     "method_not_allowed",
	UnsupportedMediaType: "unsupported_media_type",
	RateLimited:          "rate_limited",
	PaymentDeclined:      "payment_declined",
}

// String is the kind's machine code, used in problem type URIs.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "internal"
}

// FieldError says what is wrong with one field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a classified error.
type Error struct {
	Kind    Kind
	Op      string       // where it happened, e.g. "accounts.CreateCommunity"
	Message string       // for people; safe to show a client
	Fields  []FieldError // for Invalid: one entry per bad field
	Err     error        // the cause, for logs only
	// State is the object's current state, for Conflict errors on state
	// machines (DESIGN §5.2: "answer 409 with the current state").
	State string
	// Code names the reason a program can act on: a card's decline code
	// (insufficient_funds), a requirement still due (external_account).
	Code string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(e.Kind.String())
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap exposes the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, fault.ErrNotFound) style comparisons work by kind:
// a target *Error with only a Kind matches any error of that kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Kind == e.Kind && t.Op == "" && t.Message == "" && t.Err == nil
}

// New returns an error of the given kind with a message for people.
func New(kind Kind, op, message string) *Error {
	return &Error{Kind: kind, Op: op, Message: message}
}

// InvalidFields returns an Invalid error naming the fields that are wrong.
func InvalidFields(op, message string, fields ...FieldError) *Error {
	return &Error{Kind: Invalid, Op: op, Message: message, Fields: fields}
}

// Wrap returns an Internal error around err, unless err is already a
// *fault.Error, in which case it keeps its kind and gains op in its trail.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var fe *Error
	if errors.As(err, &fe) {
		cp := *fe
		if cp.Op == "" {
			cp.Op = op
		} else {
			cp.Op = op + ": " + cp.Op
		}
		return &cp
	}
	return &Error{Kind: Internal, Op: op, Err: err}
}

// KindOf returns the kind of err: Internal for anything that is not a
// *fault.Error.
func KindOf(err error) Kind {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Kind
	}
	return Internal
}

// As returns err as a *fault.Error, if it is one.
func As(err error) (*Error, bool) {
	var fe *Error
	ok := errors.As(err, &fe)
	return fe, ok
}

// Sentinels for errors.Is by kind.
var (
	ErrNotFound = &Error{Kind: NotFound}
	ErrConflict = &Error{Kind: Conflict}
	ErrInvalid  = &Error{Kind: Invalid}
)

// Fields collects what is wrong with a request's fields, so a person sees
// every bad field at once rather than one per round trip.
type Fields []FieldError

// Add records a problem with field; an empty message is no problem.
func (f *Fields) Add(field, message string) {
	if message != "" {
		*f = append(*f, FieldError{Field: field, Message: message})
	}
}

// Include adds the field errors of err (an Invalid error, as Validate or
// a domain check returns). Any other error is returned for the caller to
// return as it is.
func (f *Fields) Include(err error) error {
	if err == nil {
		return nil
	}
	var fe *Error
	if errors.As(err, &fe) && fe.Kind == Invalid && len(fe.Fields) > 0 {
		*f = append(*f, fe.Fields...)
		return nil
	}
	return err
}

// Err is the Invalid error naming every field collected, or nil.
func (f Fields) Err(op, message string) error {
	if len(f) == 0 {
		return nil
	}
	return InvalidFields(op, message, f...)
}
