package console

import "net/http"

// The payouts' and webhooks' forms. A claim is an amountForm
// (AmountRequest); setting up payouts sends nothing (EmptyRequest): the
// person types no account id, Stripe's onboarding makes the account.

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
