package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The campaigns' forms: a campaign, its changes, and the owner's setting
// on a slot.

// CreateCampaignRequest is POST /v1/advertisers/{id}/campaigns
// (CampaignInput).
type CreateCampaignRequest struct {
	Budget    Money                   `json:"budget"`
	Creative  CampaignCreativeRequest `json:"creative"`
	Currency  string                  `json:"currency"`
	DailyCap  *Money                  `json:"dailyCap,omitempty"`
	End       string                  `json:"end"`
	Name      string                  `json:"name"`
	Pacing    string                  `json:"pacing"`
	Pricing   CampaignPricingRequest  `json:"pricing"`
	Start     string                  `json:"start,omitempty"`
	Targeting *TargetingRequest       `json:"targeting,omitempty"`
}

// CampaignPricingRequest is a campaign's model and bid (CampaignPricing).
type CampaignPricingRequest struct {
	Bid   Money  `json:"bid"`
	Model string `json:"model"`
}

// CampaignCreativeRequest is a campaign's banner and its size
// (CampaignCreative).
type CampaignCreativeRequest struct {
	AltText    string `json:"altText"`
	ClickURL   string `json:"clickUrl"`
	CreativeID string `json:"creativeId,omitempty"`
	Height     int    `json:"height,omitempty"`
	ImageURL   string `json:"imageUrl,omitempty"`
	Width      int    `json:"width,omitempty"`
}

// TargetingRequest is a campaign's targeting (CampaignTargeting): what is
// not typed is left out.
type TargetingRequest struct {
	Countries []string          `json:"countries,omitempty"`
	Devices   []string          `json:"devices,omitempty"`
	Frequency *FrequencyRequest `json:"frequency,omitempty"`
	Hours     []int             `json:"hours,omitempty"`
	Keywords  []string          `json:"keywords,omitempty"`
}

// FrequencyRequest is at most Impressions showings in Hours.
type FrequencyRequest struct {
	Hours       int `json:"hours"`
	Impressions int `json:"impressions"`
}

type campaignForm struct {
	Name, Currency, Model, Pacing string
	Bid, Budget                   int64
	DailyCap                      *int64 // nil: no cap typed
	Start, End                    string // RFC 3339; Start "" when not typed
	Creative                      CampaignCreativeRequest
	Targeting                     *TargetingRequest
}

// parseCampaignForm reads the times in loc, the person's zone.
func parseCampaignForm(r *http.Request, loc *time.Location) (campaignForm, fieldErrors) {
	f := campaignForm{Name: formValue(r, "name"), Currency: formValue(r, "currency"), Model: formValue(r, "model"), Pacing: formValue(r, "pacing"),
		End: localDateTime(formValue(r, "end"), loc),
		Creative: CampaignCreativeRequest{AltText: formValue(r, "altText"), ClickURL: formValue(r, "clickUrl"), ImageURL: formValue(r, "imageUrl"),
			Height: atoiOr(formValue(r, "height"), 0), Width: atoiOr(formValue(r, "width"), 0)}}
	if id := formValue(r, "creativeId"); id != "" {
		// A hosted creative sets the image and its size.
		f.Creative.CreativeID, f.Creative.ImageURL, f.Creative.Width, f.Creative.Height = id, "", 0, 0
	}
	if s := formValue(r, "start"); s != "" {
		f.Start = localDateTime(s, loc)
	}
	bad := fieldErrors{}
	moneyField(r, "bid", f.Currency, &f.Bid, bad)
	moneyField(r, "budget", f.Currency, &f.Budget, bad)
	if formValue(r, "dailyCap") != "" {
		var n int64
		moneyField(r, "dailyCap", f.Currency, &n, bad)
		f.DailyCap = &n
	}
	var tgBad fieldErrors
	f.Targeting, tgBad = parseTargeting(r)
	for k, v := range tgBad {
		bad[k] = v
	}
	return f, bad
}

func (f campaignForm) Request() CreateCampaignRequest {
	in := CreateCampaignRequest{Budget: Money{Amount: f.Budget, Currency: f.Currency}, Creative: f.Creative, Currency: f.Currency,
		End: f.End, Name: f.Name, Pacing: f.Pacing, Pricing: CampaignPricingRequest{Bid: Money{Amount: f.Bid, Currency: f.Currency}, Model: f.Model},
		Start: f.Start, Targeting: f.Targeting}
	if f.DailyCap != nil {
		in.DailyCap = &Money{Amount: *f.DailyCap, Currency: f.Currency}
	}
	return in
}

// parseTargeting reads the form's targeting (premium, DESIGN §13): nil
// when it asks nothing. Keywords are split at commas (a keyword may hold
// spaces), countries at commas or spaces; hours are whole numbers.
func parseTargeting(r *http.Request) (*TargetingRequest, fieldErrors) {
	var t TargetingRequest
	bad := fieldErrors{}
	for _, k := range strings.Split(r.PostForm.Get("keywords"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			t.Keywords = append(t.Keywords, k)
		}
	}
	if cs := splitList(r.PostForm.Get("countries")); len(cs) > 0 {
		t.Countries = cs
	}
	if ds := r.PostForm["devices"]; len(ds) > 0 {
		t.Devices = ds
	}
	if hs := splitList(r.PostForm.Get("hours")); len(hs) > 0 {
		for _, h := range hs {
			n, err := strconv.Atoi(h)
			if err != nil {
				bad["hours"] = "write UTC hours as whole numbers, like 8, 9, 17"
				break
			}
			t.Hours = append(t.Hours, n)
		}
	}
	if times, hours := formValue(r, "frequencyImpressions"), formValue(r, "frequencyHours"); times != "" || hours != "" {
		t.Frequency = &FrequencyRequest{Hours: atoiOr(hours, 0), Impressions: atoiOr(times, 0)}
	}
	if len(t.Keywords) == 0 && len(t.Countries) == 0 && len(t.Devices) == 0 && len(t.Hours) == 0 && t.Frequency == nil {
		return nil, bad
	}
	return &t, bad
}

// UpdateCampaignRequest is PATCH /v1/campaigns/{id} (CampaignUpdate):
// what changed, and only that.
type UpdateCampaignRequest struct {
	Bid      *Money          `json:"bid,omitempty"`
	Budget   *Money          `json:"budget,omitempty"`
	DailyCap Nullable[Money] `json:"dailyCap,omitzero"` // Null: the cap is removed
	End      *string         `json:"end,omitempty"`
	// Creative and Targeting replace the campaign's whole (an empty
	// targeting removes it).
	Creative  *CampaignCreativeRequest `json:"creative,omitempty"`
	Targeting *TargetingRequest        `json:"targeting,omitempty"`
}

// parseBannerForm reads the campaign page's banner and targeting form: a
// hosted image chosen, or an image address and its size; what people see
// and where a click goes; the targeting, all of it (none typed removes
// it).
func parseBannerForm(r *http.Request) (UpdateCampaignRequest, fieldErrors) {
	cr := CampaignCreativeRequest{AltText: formValue(r, "altText"), ClickURL: formValue(r, "clickUrl")}
	if id := formValue(r, "creativeId"); id != "" {
		cr.CreativeID = id
	} else {
		cr.ImageURL, cr.Width, cr.Height = formValue(r, "imageUrl"), atoiOr(formValue(r, "width"), 0), atoiOr(formValue(r, "height"), 0)
	}
	tg, bad := parseTargeting(r)
	if tg == nil {
		tg = &TargetingRequest{}
	}
	return UpdateCampaignRequest{Creative: &cr, Targeting: tg}, bad
}

// campaignChangeForm is the form of a campaign's changes: the bid, the
// daily cap (emptied: removed), the end, a larger budget.
type campaignChangeForm struct {
	was         Campaign
	Bid, Budget int64
	DailyCap    *int64 // nil: emptied
	End         string // RFC 3339
}

func parseCampaignChangeForm(r *http.Request, was Campaign, loc *time.Location) (campaignChangeForm, fieldErrors) {
	f, bad := campaignChangeForm{was: was, End: localDateTime(formValue(r, "end"), loc)}, fieldErrors{}
	moneyField(r, "bid", was.Currency, &f.Bid, bad)
	moneyField(r, "budget", was.Currency, &f.Budget, bad)
	if formValue(r, "dailyCap") != "" {
		var n int64
		moneyField(r, "dailyCap", was.Currency, &n, bad)
		f.DailyCap = &n
	}
	return f, bad
}

// Request is what differs from the campaign as it was; empty when
// nothing does.
func (f campaignChangeForm) Request() UpdateCampaignRequest {
	var in UpdateCampaignRequest
	cur := f.was.Currency
	if f.Bid != f.was.Pricing.Bid.Amount {
		in.Bid = &Money{Amount: f.Bid, Currency: cur}
	}
	if f.Budget != f.was.Budget.Amount {
		in.Budget = &Money{Amount: f.Budget, Currency: cur}
	}
	switch {
	case f.DailyCap == nil && f.was.DailyCap != nil:
		in.DailyCap = Null[Money]()
	case f.DailyCap != nil && (f.was.DailyCap == nil || *f.DailyCap != f.was.DailyCap.Amount):
		in.DailyCap = Some(Money{Amount: *f.DailyCap, Currency: cur})
	}
	if f.End != f.was.End.UTC().Format(time.RFC3339) {
		end := f.End
		in.End = &end
	}
	return in
}

// slotCampaignsForm is the owner's choice to let campaigns compete for a
// slot after its flights, at or above a floor (none typed: 0).
type slotCampaignsForm struct {
	Accept bool
	Floor  Money
}

func parseSlotCampaignsForm(r *http.Request) (slotCampaignsForm, fieldErrors) {
	f, bad := slotCampaignsForm{Accept: r.PostForm.Get("accept") == "on", Floor: Money{Currency: formValue(r, "currency")}}, fieldErrors{}
	if formValue(r, "floorCpm") != "" {
		moneyField(r, "floorCpm", f.Floor.Currency, &f.Floor.Amount, bad)
	}
	return f, bad
}

func (f slotCampaignsForm) Request() UpdateSlotRequest {
	return UpdateSlotRequest{Campaigns: &SlotCampaignsRequest{Accept: f.Accept, FloorCPM: f.Floor}}
}
