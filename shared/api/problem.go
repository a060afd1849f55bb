package api

import (
	"encoding/json"
	"net/http"

	"github.com/souqhq/souq/shared/fault"
)

// ProblemBase prefixes problem type URIs; the suffix is the fault kind.
const ProblemBase = "https://souq.dev/problems/"

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type      string             `json:"type"`
	Title     string             `json:"title"`
	Status    int                `json:"status"`
	Detail    string             `json:"detail,omitempty"`
	Instance  string             `json:"instance,omitempty"`
	RequestID string             `json:"requestId,omitempty"`
	State     string             `json:"state,omitempty"`
	Code      string             `json:"code,omitempty"`
	Errors    []fault.FieldError `json:"errors,omitempty"`
}

// Status maps a fault kind to its HTTP status. It is the only place where
// an error becomes a status code.
func Status(k fault.Kind) int {
	switch k {
	case fault.Invalid:
		return http.StatusBadRequest
	case fault.NotFound:
		return http.StatusNotFound
	case fault.Conflict:
		return http.StatusConflict
	case fault.InsufficientFunds:
		return http.StatusUnprocessableEntity
	case fault.Forbidden:
		return http.StatusForbidden
	case fault.Unauthorized:
		return http.StatusUnauthorized
	case fault.TooLarge:
		return http.StatusRequestEntityTooLarge
	case fault.IdempotencyMismatch:
		return http.StatusUnprocessableEntity
	case fault.Unavailable:
		return http.StatusServiceUnavailable
	case fault.UpstreamFailed:
		return http.StatusBadGateway
	case fault.MethodNotAllowed:
		return http.StatusMethodNotAllowed
	case fault.RateLimited:
		return http.StatusTooManyRequests
	case fault.PaymentDeclined:
		return http.StatusPaymentRequired
	case fault.UnsupportedMediaType:
		return http.StatusUnsupportedMediaType
	}
	return http.StatusInternalServerError
}

// ProblemFor renders err as a problem. Errors that are not *fault.Error
// (and Internal ones) say only that something failed, with the request id
// to quote; their cause is for the logs.
func ProblemFor(err error, requestID, instance string) Problem {
	fe, ok := fault.As(err)
	if !ok || fe.Kind == fault.Internal {
		return Problem{
			Type: ProblemBase + "internal", Title: http.StatusText(500), Status: 500,
			Detail:    "something went wrong on our side; quote the request id if it persists",
			Instance:  instance,
			RequestID: requestID,
		}
	}
	status := Status(fe.Kind)
	return Problem{
		Type:      ProblemBase + fe.Kind.String(),
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    fe.Message,
		Instance:  instance,
		RequestID: requestID,
		State:     fe.State,
		Code:      fe.Code,
		Errors:    fe.Fields,
	}
}

func (p Problem) body() string {
	b, _ := json.Marshal(p)
	return string(b) + "\n"
}
