package console

import "net/http"

// The accounts' forms: a community, an advertiser, a community's domains,
// a deposit and an API key.

// CreateCommunityRequest is POST /v1/communities (CreateCommunity).
type CreateCommunityRequest struct {
	Currency string `json:"currency"`
	Name     string `json:"name"`
	URL      string `json:"url"`
}

type communityForm struct{ Name, URL, Currency string }

func parseCommunityForm(r *http.Request) communityForm {
	return communityForm{Name: formValue(r, "name"), URL: formValue(r, "url"), Currency: formValue(r, "currency")}
}

func (f communityForm) Request() CreateCommunityRequest {
	return CreateCommunityRequest{Currency: f.Currency, Name: f.Name, URL: f.URL}
}

// CreateAdvertiserRequest is POST /v1/advertisers (CreateAdvertiser).
type CreateAdvertiserRequest struct {
	Currency string `json:"currency"`
	Name     string `json:"name"`
}

type advertiserForm struct{ Name, Currency string }

func parseAdvertiserForm(r *http.Request) advertiserForm {
	return advertiserForm{Name: formValue(r, "name"), Currency: formValue(r, "currency")}
}

func (f advertiserForm) Request() CreateAdvertiserRequest {
	return CreateAdvertiserRequest{Currency: f.Currency, Name: f.Name}
}

// UpdateCommunityRequest is PATCH /v1/communities/{id}: its allowlist
// ([] allows every page).
type UpdateCommunityRequest struct {
	AllowedDomains []string `json:"allowedDomains"`
}

type domainsForm struct{ Domains []string }

func parseDomainsForm(r *http.Request) domainsForm {
	return domainsForm{Domains: splitList(r.PostForm.Get("allowedDomains"))}
}

func (f domainsForm) Request() UpdateCommunityRequest {
	return UpdateCommunityRequest{AllowedDomains: f.Domains}
}

// AmountRequest is an amount in a currency: a deposit (the requestBody
// Deposit), a payout's claim (Claim), a program's top-up.
type AmountRequest struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// amountForm is the form of an AmountRequest.
type amountForm struct {
	Amount   int64
	Currency string
}

func parseAmountForm(r *http.Request) (amountForm, fieldErrors) {
	f, bad := amountForm{Currency: formValue(r, "currency")}, fieldErrors{}
	moneyField(r, "amount", f.Currency, &f.Amount, bad)
	return f, bad
}

func (f amountForm) Request() AmountRequest {
	return AmountRequest(f)
}

// CreateAPIKeyRequest is POST /v1/{kind}/{id}/api-keys (the requestBody
// CreateAPIKey).
type CreateAPIKeyRequest struct {
	Name string `json:"name"`
}

type keyForm struct{ Name string }

func parseKeyForm(r *http.Request) keyForm { return keyForm{Name: formValue(r, "name")} }

func (f keyForm) Request() CreateAPIKeyRequest { return CreateAPIKeyRequest(f) }
