package stripelocal

import (
	"fmt"
	"net/http"
)

// apiError is Stripe's error, answered as {"error": {…}} with Stripe's
// HTTP status: 402 for card errors, 400 for invalid requests, 404 for
// missing objects in the path.
type apiError struct {
	Status int `json:"-"`

	Type        string `json:"type"`
	Code        string `json:"code,omitempty"`
	DeclineCode string `json:"decline_code,omitempty"`
	Message     string `json:"message"`
	Param       string `json:"param,omitempty"`
	Charge      string `json:"charge,omitempty"`
	DocURL      string `json:"doc_url,omitempty"`
	// PaymentIntent is the intent a card error left behind, and
	// PaymentMethod the card that failed.
	PaymentIntent any `json:"payment_intent,omitempty"`
	PaymentMethod any `json:"payment_method,omitempty"`
	SetupIntent   any `json:"setup_intent,omitempty"`
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

// body is the error as Stripe's JSON answers it.
func (e *apiError) body() any { return map[string]any{"error": e} }

// Stripe's error types.
const (
	errInvalidRequest = "invalid_request_error"
	errCard           = "card_error"
	errIdempotency    = "idempotency_error"
	errAPI            = "api_error"
)

func invalid(param, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: errInvalidRequest, Param: param, Message: fmt.Sprintf(format, args...)}
}

// noSuch is a missing object: 404 when it is the path's, 400 naming the
// parameter when a parameter refers to it.
func noSuch(what, id, param string) *apiError {
	status := http.StatusNotFound
	if param != "" {
		status = http.StatusBadRequest
	}
	return &apiError{Status: status, Type: errInvalidRequest, Code: "resource_missing", Param: param,
		Message: fmt.Sprintf("No such %s: '%s'", what, id)}
}

// cardError is a decline, on the card that was tried.
func cardError(code, declineCode, message string) *apiError {
	return &apiError{Status: http.StatusPaymentRequired, Type: errCard, Code: code, DeclineCode: declineCode, Message: message,
		DocURL: "https://stripe.com/docs/error-codes/" + code}
}
