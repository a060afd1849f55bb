package console

import "net/http"

// The sponsorships' forms: an offering, its dates, a booking, and the
// steps of a sponsorship's page.

// CreateOfferingRequest is POST /v1/communities/{id}/offerings
// (OfferingInput).
type CreateOfferingRequest struct {
	Amount          int64  `json:"amount"`
	Brief           string `json:"brief,omitempty"`
	CapacityPerDate *int   `json:"capacityPerDate,omitempty"`
	Currency        string `json:"currency"`
	Format          string `json:"format"`
	ReviewDays      int    `json:"reviewDays"`
	Title           string `json:"title"`
}

type offeringForm struct {
	Title, Format, Currency, Brief string
	Amount                         int64
	ReviewDays                     int
	CapacityPerDate                *int // nil: not typed
}

func parseOfferingForm(r *http.Request) (offeringForm, fieldErrors) {
	f, bad := offeringForm{Title: formValue(r, "title"), Format: formValue(r, "format"), Currency: formValue(r, "currency"),
		Brief: formValue(r, "brief"), ReviewDays: atoiOr(formValue(r, "reviewDays"), 0)}, fieldErrors{}
	if n := formValue(r, "capacityPerDate"); n != "" {
		capacity := atoiOr(n, 0)
		f.CapacityPerDate = &capacity
	}
	moneyField(r, "amount", f.Currency, &f.Amount, bad)
	return f, bad
}

func (f offeringForm) Request() CreateOfferingRequest {
	return CreateOfferingRequest{Amount: f.Amount, Brief: f.Brief, CapacityPerDate: f.CapacityPerDate, Currency: f.Currency,
		Format: f.Format, ReviewDays: f.ReviewDays, Title: f.Title}
}

// UpdateOfferingRequest is PATCH /v1/offerings/{id} (OfferingInput): the
// dates the console changes.
type UpdateOfferingRequest struct {
	BlockDates   []string `json:"blockDates,omitempty"`
	UnblockDates []string `json:"unblockDates,omitempty"`
}

type datesForm struct{ Block, Unblock []string }

func parseDatesForm(r *http.Request) datesForm {
	return datesForm{Block: splitList(r.PostForm.Get("blockDates")), Unblock: splitList(r.PostForm.Get("unblockDates"))}
}

func (f datesForm) Request() UpdateOfferingRequest {
	return UpdateOfferingRequest{BlockDates: f.Block, UnblockDates: f.Unblock}
}

// BookRequest is POST /v1/offerings/{id}/sponsorships.
type BookRequest struct {
	AdvertiserID string  `json:"advertiserId"`
	Content      Content `json:"content"`
	DesiredDate  string  `json:"desiredDate"`
}

type bookForm struct {
	AdvertiserID, DesiredDate string
	Content                   Content
}

// parseBookForm keeps the content's title and body as typed, spaces and
// all.
func parseBookForm(r *http.Request) bookForm {
	return bookForm{AdvertiserID: formValue(r, "advertiserId"), DesiredDate: formValue(r, "desiredDate"),
		Content: Content{Title: r.PostForm.Get("content.title"), Body: r.PostForm.Get("content.body"),
			Link: formValue(r, "content.link"), ImageURL: formValue(r, "content.imageUrl")}}
}

func (f bookForm) Request() BookRequest {
	return BookRequest{AdvertiserID: f.AdvertiserID, Content: f.Content, DesiredDate: f.DesiredDate}
}

// The bodies of a sponsorship's steps (POST /v1/sponsorships/{id}/…; a
// revision is a Content, PUT …/content; the others take EmptyRequest).

// ApproveRequest is …/approve.
type ApproveRequest struct {
	PublishDate string `json:"publishDate,omitempty"`
}

// RequestChangesRequest is …/request-changes.
type RequestChangesRequest struct {
	Notes string `json:"notes"`
}

// RejectRequest is …/reject.
type RejectRequest struct {
	Reason string `json:"reason"`
}

// PublishRequest is …/publish.
type PublishRequest struct {
	URL string `json:"url"`
}

// ProposeRequest is …/propose: what the owner proposes instead.
type ProposeRequest struct {
	Amount *int64 `json:"amount,omitempty"`
	Date   string `json:"date,omitempty"`
	Notes  string `json:"notes,omitempty"`
}

// stepForm is one button of a sponsorship's page: the API's step, its
// body, and what the page says once it is done.
type stepForm struct {
	Step string // the API's: revise is content
	Body any    // one of the requests above
	Done string
}

// parseStepForm reads the form of action; ok is false for an action the
// page does not have.
func parseStepForm(r *http.Request, action string) (f stepForm, bad fieldErrors, ok bool) {
	f, bad = stepForm{Step: action, Body: EmptyRequest{}}, fieldErrors{}
	switch action {
	case "approve":
		f.Body = ApproveRequest{PublishDate: formValue(r, "publishDate")}
		f.Done = "Approved: the price is captured, and paid to the community when published."
	case "request-changes":
		f.Body, f.Done = RequestChangesRequest{Notes: r.PostForm.Get("notes")}, "Changes requested: the sponsor has been told."
	case "reject":
		f.Body, f.Done = RejectRequest{Reason: r.PostForm.Get("reason")}, "Rejected: the price is released to the sponsor."
	case "publish":
		f.Body, f.Done = PublishRequest{URL: formValue(r, "url")}, "Published: the community is paid."
	case "revise":
		f.Step = "content"
		f.Body = Content{Title: r.PostForm.Get("title"), Body: r.PostForm.Get("body"), Link: formValue(r, "link")}
		f.Done = "Revised: a new version is in review."
	case "propose":
		in := ProposeRequest{Date: formValue(r, "date"), Notes: formValue(r, "notes")}
		if a := formValue(r, "amount"); a != "" {
			amt, err := ParseMoney(a, formValue(r, "currency"))
			if err != nil {
				bad["amount"] = err.Error()
			}
			in.Amount = &amt
		}
		f.Body, f.Done = in, "Proposed: the sponsor decides."
	case "accept-proposal":
		f.Done = "Proposal accepted: the hold moves to the new terms, and the community decides."
	case "decline-proposal":
		f.Done = "Proposal declined: back to review on the original terms."
	case "cancel":
		f.Done = "Cancelled."
	default:
		return f, bad, false
	}
	return f, bad, true
}
