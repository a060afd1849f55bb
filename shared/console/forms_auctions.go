package console

import (
	"net/http"
	"time"
)

// The auctions' forms: a slot, its reserve, an auction, a bid.

// CreateSlotRequest is POST /v1/communities/{id}/slots (CreateSlot).
type CreateSlotRequest struct {
	Format  string `json:"format"`
	Height  int    `json:"height"`
	Name    string `json:"name"`
	Reserve Money  `json:"reserve"`
	Width   int    `json:"width"`
}

type slotForm struct {
	Name          string
	Width, Height int
	Reserve       Money
	Format        string
}

func parseSlotForm(r *http.Request) (slotForm, fieldErrors) {
	f, bad := slotForm{Name: formValue(r, "name"), Width: atoiOr(formValue(r, "width"), 0), Height: atoiOr(formValue(r, "height"), 0),
		Reserve: Money{Currency: formValue(r, "currency")}, Format: formValue(r, "format")}, fieldErrors{}
	moneyField(r, "reserve", f.Reserve.Currency, &f.Reserve.Amount, bad)
	return f, bad
}

func (f slotForm) Request() CreateSlotRequest {
	return CreateSlotRequest{Format: f.Format, Height: f.Height, Name: f.Name, Reserve: f.Reserve, Width: f.Width}
}

// UpdateSlotRequest is PATCH /v1/slots/{id}: what it sends changes.
type UpdateSlotRequest struct {
	Campaigns *SlotCampaignsRequest `json:"campaigns,omitempty"`
	Format    string                `json:"format,omitempty"`
	Reserve   *Money                `json:"reserve,omitempty"`
}

// SlotCampaignsRequest lets campaigns compete for a slot, at or above a
// floor.
type SlotCampaignsRequest struct {
	Accept   bool  `json:"accept"`
	FloorCPM Money `json:"floorCpm"`
}

// reserveForm is a slot's reserve and, when chosen, its format.
type reserveForm struct {
	Reserve Money
	Format  string
}

func parseReserveForm(r *http.Request) (reserveForm, fieldErrors) {
	f, bad := reserveForm{Reserve: Money{Currency: formValue(r, "currency")}, Format: formValue(r, "format")}, fieldErrors{}
	moneyField(r, "reserve", f.Reserve.Currency, &f.Reserve.Amount, bad)
	return f, bad
}

func (f reserveForm) Request() UpdateSlotRequest {
	return UpdateSlotRequest{Format: f.Format, Reserve: &f.Reserve}
}

// OpenAuctionRequest is POST /v1/slots/{id}/auctions.
type OpenAuctionRequest struct {
	ClosesAt    string `json:"closesAt"`
	FlightEnd   string `json:"flightEnd"`
	FlightStart string `json:"flightStart"`
}

// auctionForm's times are typed in the person's zone (datetime-local).
type auctionForm struct{ FlightStart, FlightEnd, ClosesAt string }

func parseAuctionForm(r *http.Request, loc *time.Location) auctionForm {
	return auctionForm{FlightStart: localDateTime(formValue(r, "flightStart"), loc), FlightEnd: localDateTime(formValue(r, "flightEnd"), loc),
		ClosesAt: localDateTime(formValue(r, "closesAt"), loc)}
}

func (f auctionForm) Request() OpenAuctionRequest {
	return OpenAuctionRequest{ClosesAt: f.ClosesAt, FlightEnd: f.FlightEnd, FlightStart: f.FlightStart}
}

// PlaceBidRequest is PUT /v1/auctions/{id}/bid (PlaceBid).
type PlaceBidRequest struct {
	AdvertiserID string   `json:"advertiserId"`
	Amount       int64    `json:"amount"`
	Creative     Creative `json:"creative"`
	Currency     string   `json:"currency"`
}

type bidForm struct {
	AdvertiserID string
	Amount       int64
	Currency     string
	Creative     Creative
}

func parseBidForm(r *http.Request) (bidForm, fieldErrors) {
	f, bad := bidForm{AdvertiserID: formValue(r, "advertiserId"), Currency: formValue(r, "currency"), Creative: parseCreative(r, "creative.")}, fieldErrors{}
	moneyField(r, "amount", f.Currency, &f.Amount, bad)
	return f, bad
}

func (f bidForm) Request() PlaceBidRequest {
	return PlaceBidRequest{AdvertiserID: f.AdvertiserID, Amount: f.Amount, Creative: f.Creative, Currency: f.Currency}
}

// parseCreative is a banner's fields, their names after prefix (the house
// ad's form has none, a bid's "creative.").
func parseCreative(r *http.Request, prefix string) Creative {
	if id := formValue(r, prefix+"creativeId"); id != "" {
		// A hosted creative chosen: the image is Souq's.
		return Creative{CreativeID: id, ClickURL: formValue(r, prefix+"clickUrl"), AltText: formValue(r, prefix+"altText")}
	}
	return Creative{ImageURL: formValue(r, prefix+"imageUrl"), ClickURL: formValue(r, prefix+"clickUrl"), AltText: formValue(r, prefix+"altText")}
}
