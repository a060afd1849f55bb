package console

import "net/http"

// The payouts' and webhooks' forms. A claim is an amountForm (AmountRequest).

// PayoutDestinationRequest is PUT /v1/me/payout-destination.
type PayoutDestinationRequest struct {
	AccountID string `json:"accountId"`
	Type      string `json:"type"`
}

// destinationForm is a Stripe connected account.
type destinationForm struct{ AccountID string }

func parseDestinationForm(r *http.Request) destinationForm {
	return destinationForm{AccountID: formValue(r, "accountId")}
}

func (f destinationForm) Request() PayoutDestinationRequest {
	return PayoutDestinationRequest{AccountID: f.AccountID, Type: "stripe"}
}

// CreateWebhookRequest is POST /v1/webhooks (EndpointInput).
type CreateWebhookRequest struct {
	Description string   `json:"description,omitempty"`
	Events      []string `json:"events"`
	URL         string   `json:"url"`
}

type webhookForm struct {
	URL         string
	Events      []string
	Description string
}

func parseWebhookForm(r *http.Request) webhookForm {
	return webhookForm{URL: formValue(r, "url"), Events: splitList(r.PostForm.Get("events")), Description: formValue(r, "description")}
}

func (f webhookForm) Request() CreateWebhookRequest {
	return CreateWebhookRequest{Description: f.Description, Events: f.Events, URL: f.URL}
}
