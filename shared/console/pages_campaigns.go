package console

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/souqhq/souq/shared/clock"
)

// Campaigns (DESIGN §12): the advertiser's list, the form with a live
// preview of the creative, a campaign's page (its money, its spend per
// day, its report with the CSV, pause, resume, end and changes), and
// the owner's setting on a slot. Every figure is the API's.

type campaignsData struct {
	Advertiser Advertiser
	Campaigns  []Campaign
	Creatives  []HostedCreative
}

func (c *Console) campaigns(q *req, f *formState) {
	ctx, id := q.r.Context(), q.r.PathValue("id")
	var d campaignsData
	err := parallel(
		func() (err error) { d.Advertiser, err = q.api.Advertiser(ctx, id); return },
		func() error { l, err := q.api.Campaigns(ctx, id); d.Campaigns = l.Data; return known(err) },
		func() error { l, err := q.api.Creatives(ctx, id); d.Creatives = l.Data; return known(err) },
	)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	c.show(q, "campaigns", view{Title: "Campaigns · " + d.Advertiser.Name, Nav: "advertisers", Data: d, Form: f})
}

// uploadCreative sends the chosen image to the API, which hosts it.
func (c *Console) uploadCreative(q *req) {
	id := q.r.PathValue("id")
	file, head, err := q.r.FormFile("image")
	if err != nil {
		c.campaigns(q, invalid(q, "creative", fieldErrors{"image": "Choose an image: PNG, JPEG, GIF or WebP, at most 150 KB."}))
		return
	}
	defer file.Close()
	b, err := io.ReadAll(io.LimitReader(file, maxUpload))
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	cr, err := q.api.UploadCreative(q.r.Context(), id, head.Filename, b)
	if err != nil {
		c.again(q, "creative", err, c.campaigns)
		return
	}
	c.done(q.w, q.r, "/console/advertisers/"+id+"/campaigns#creatives", fmt.Sprintf("Image uploaded: %d×%d, hosted by Souq.", cr.Width, cr.Height))
}

// campaignFormData is the form to create a campaign and what its preview
// shows: the typed creative at its size (scaled down to fit).
type campaignFormData struct {
	Advertiser Advertiser
	Preview    Creative
	Width      int
	Height     int
	// Reach is how many accepting slots of the size it could run on;
	// HasBid says AtBid counts at the typed bid, Keyworded that keywords
	// were typed.
	Reach     *Reach
	HasBid    bool
	Keyworded bool
	// Creatives are the advertiser's hosted images to choose from.
	Creatives []HostedCreative
}

func (c *Console) newCampaign(q *req, f *formState) {
	ctx, id := q.r.Context(), q.r.PathValue("id")
	var adv Advertiser
	var hosted []HostedCreative
	err := parallel(
		func() (err error) { adv, err = q.api.Advertiser(ctx, id); return },
		func() error { l, err := q.api.Creatives(ctx, id); hosted = l.Data; return known(err) },
	)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	d := campaignFormData{Advertiser: adv, Width: 300, Height: 250, Creatives: hosted}
	if f != nil {
		d.Preview = Creative{ImageURL: f.Value("imageUrl"), ClickURL: f.Value("clickUrl"), AltText: f.Value("altText")}
		d.Width, d.Height = atoiOr(f.Value("width"), 300), atoiOr(f.Value("height"), 250)
		for _, h := range hosted {
			if h.ID == f.Value("creativeId") { // the hosted image chosen: its URL and size
				d.Preview.ImageURL, d.Width, d.Height = h.ImageURL, h.Width, h.Height
			}
		}
	}
	rq := url.Values{"width": {strconv.Itoa(d.Width)}, "height": {strconv.Itoa(d.Height)}, "currency": {adv.Currency}, "bid": {"1"}}
	if f != nil {
		if bid, err := ParseMoney(strings.TrimSpace(f.Value("bid")), adv.Currency); err == nil && bid > 0 {
			rq.Set("bid", strconv.FormatInt(bid, 10))
			d.HasBid = true
		}
		if m := f.Value("model"); m == "cpc" {
			rq.Set("model", m)
		}
		if k := strings.TrimSpace(f.Value("keywords")); k != "" {
			rq.Set("keywords", k)
			d.Keyworded = true
		}
	}
	// The count is a help, not the form: when it cannot be had (a keyword
	// the API refuses, which the form's own check names), it is left out.
	if r, err := q.api.Reach(q.r.Context(), rq); err == nil {
		d.Reach = &r
	}
	c.show(q, "campaign_new", view{Title: "New campaign · " + adv.Name, Nav: "advertisers", Data: d, Form: f})
}

// previewCampaign shows the form again with its creative previewed, for
// those without JavaScript (with it, the preview follows the typing):
// nothing is sent to the API.
func (c *Console) previewCampaign(q *req) {
	c.newCampaign(q, &formState{Name: "campaign", Values: q.r.PostForm, Fields: map[string]string{}})
}

func (c *Console) createCampaign(q *req) {
	id := q.r.PathValue("id")
	f, bad := parseCampaignForm(q.r, c.location(q.r))
	if len(bad) > 0 {
		c.newCampaign(q, invalid(q, "campaign", bad))
		return
	}
	cmp, err := q.api.CreateCampaign(q.r.Context(), id, f.Request(), q.r.PostForm.Get("idem"))
	if err != nil {
		c.again(q, "campaign", err, func(q *req, f *formState) { c.newCampaign(q, onForm(f)) })
		return
	}
	c.done(q.w, q.r, "/console/campaigns/"+cmp.ID, "Campaign created: its budget of "+FormatMoney(cmp.Budget.Amount, cmp.Currency)+" is held.")
}

type campaignData struct {
	C        Campaign
	Report   CampaignReport
	Spend    Chart // per day
	ToDate   Chart // spent to date, against the budget
	CSV      string
	CanPause bool
	Ended    bool
	// BudgetSpent says a campaign that has not ended has nothing left
	// to spend: it stays active, and is not offered.
	BudgetSpent bool
	Reasons     []string
	CapText     string // the daily cap as typed, or empty
	// By is the breakdown shown (country, device or keyword), Parts its
	// values over the report's days, PartSpend its chart, PartCSV its
	// download.
	By        string
	Bys       []string
	Parts     []breakdownPart
	PartTotal ReportFigures
	PartSpend Chart
	PartCSV   string
	// Reach is how many slots could run it now (nil when it cannot be
	// had); Stranded says a running campaign that none can run.
	Reach    *Reach
	Stranded bool
	// Creatives are the advertiser's hosted images, for the banner form.
	Creatives []HostedCreative
	// Targeting is the campaign's targeting as its form shows it.
	Keywords, Countries, Hours string
	Mobile, Desktop            bool
	FreqImpressions, FreqHours string
	// ImageURL is the banner's address when it is not a hosted image.
	ImageURL string
}

// breakdownPart is one value's figures over the report's days.
type breakdownPart struct {
	Label string
	ReportFigures
}

// breakdownLabel is how a value of a breakdown reads.
func breakdownLabel(by, v string) string {
	switch {
	case v == "" && by == "keyword":
		return "No keyword"
	case v == "":
		return "Unknown"
	case by == "device":
		return humanize(v)
	}
	return v
}

// sumParts adds a breakdown's days up per value, in the order of the
// values, with CTR and eCPM (half-even) of the sums.
func sumParts(b CampaignBreakdown) []breakdownPart {
	at := map[string]int{}
	var out []breakdownPart
	for _, r := range b.Rows {
		i, ok := at[r.Value]
		if !ok {
			i = len(out)
			at[r.Value] = i
			out = append(out, breakdownPart{Label: breakdownLabel(b.By, r.Value),
				ReportFigures: ReportFigures{Spend: Money{Currency: b.Currency}, ECPM: Money{Currency: b.Currency}, Invalid: map[string]int64{}}})
		}
		f := &out[i].ReportFigures
		f.Impressions += r.Impressions
		f.Clicks += r.Clicks
		f.Billed += r.Billed
		f.Free += r.Free
		f.Spend.Amount += r.Spend.Amount
		for k, n := range r.Invalid {
			f.Invalid[k] += n
		}
	}
	for i := range out {
		f := &out[i].ReportFigures
		if f.Impressions > 0 {
			f.CTR = float64(f.Clicks) / float64(f.Impressions)
			q, r := f.Spend.Amount*1000/f.Impressions, f.Spend.Amount*1000%f.Impressions
			if 2*r > f.Impressions || (2*r == f.Impressions && q%2 == 1) {
				q++
			}
			f.ECPM.Amount = q
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Spend.Amount > out[j].Spend.Amount })
	return out
}

func (c *Console) campaign(q *req, f *formState) {
	ctx, id := q.r.Context(), q.r.PathValue("id")
	d := campaignData{By: "country", Bys: []string{"country", "device", "keyword"}}
	if by := q.r.URL.Query().Get("by"); slices.Contains(d.Bys, by) {
		d.By = by
	}
	var parts CampaignBreakdown
	err := parallel(
		func() (err error) { d.C, err = q.api.Campaign(ctx, id); return },
		func() (err error) { d.Report, err = q.api.CampaignReport(ctx, id, nil); return },
		func() (err error) { parts, err = q.api.CampaignBreakdown(ctx, id, d.By); return },
	)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	// Helps, left out when a refused form is shown again (that request has
	// made its own calls: the page stays within five): the banner form's
	// choices (kept for the banner form itself), and the reach.
	if f == nil || f.Name == "banner" {
		if l, err := q.api.Creatives(ctx, d.C.AdvertiserID); err == nil {
			d.Creatives = l.Data
		}
	}
	if d.C.Creative.CreativeID == "" {
		d.ImageURL = d.C.Creative.ImageURL
	}
	if tg := d.C.Targeting; tg != nil {
		d.Keywords, d.Countries = strings.Join(tg.Keywords, ", "), strings.Join(tg.Countries, ", ")
		var hs []string
		for _, h := range tg.Hours {
			hs = append(hs, strconv.Itoa(h))
		}
		d.Hours = strings.Join(hs, ", ")
		d.Mobile, d.Desktop = slices.Contains(tg.Devices, "mobile"), slices.Contains(tg.Devices, "desktop")
		if f := tg.Frequency; f != nil {
			d.FreqImpressions, d.FreqHours = strconv.Itoa(f.Impressions), strconv.Itoa(f.Hours)
		}
	}
	// Whether any slot can run it (a help: left out when it cannot be had).
	if f == nil && (d.C.Status == "active" || d.C.Status == "scheduled" || d.C.Status == "paused") {
		rq := url.Values{"width": {strconv.Itoa(d.C.Creative.Width)}, "height": {strconv.Itoa(d.C.Creative.Height)}, "currency": {d.C.Currency},
			"bid": {strconv.FormatInt(d.C.Pricing.Bid.Amount, 10)}, "model": {d.C.Pricing.Model}}
		if d.C.Targeting != nil && len(d.C.Targeting.Keywords) > 0 {
			rq.Set("keywords", strings.Join(d.C.Targeting.Keywords, ","))
		}
		if r, err := q.api.Reach(ctx, rq); err == nil {
			d.Reach = &r
			d.Stranded = r.AtBid == 0
		}
	}
	cur := d.C.Currency
	perDay := map[string]int64{}
	for _, r := range d.Report.Rows {
		perDay[r.Day] += r.Spend.Amount
	}
	var daily, toDate []Point
	var sum int64
	for day := range days(d.Report.From, d.Report.To) {
		sum += perDay[day]
		daily = append(daily, Point{Label: day, Value: perDay[day]})
		toDate = append(toDate, Point{Label: day, Value: sum})
	}
	d.Spend = barChart("Spend per day (UTC)", daily, cur)
	d.ToDate = barChartTo("Spent to date, of a budget of "+FormatMoney(d.C.Budget.Amount, cur), toDate, cur, d.C.Budget.Amount)
	d.CSV = "/console/campaigns/" + url.PathEscape(id) + "/report.csv"
	d.PartCSV = d.CSV + "?by=" + d.By
	d.Parts, d.PartTotal = sumParts(parts), parts.Totals
	var pts []Point
	for _, p := range d.Parts {
		pts = append(pts, Point{Label: p.Label, Value: p.Spend.Amount})
	}
	d.PartSpend = barChart("Spend by "+d.By, pts, cur)
	d.PartSpend.Key = humanize(d.By)
	d.Ended = d.C.Status == "ended"
	d.BudgetSpent = !d.Ended && d.C.Remaining.Amount == 0
	d.CanPause = d.C.Status == "active" || d.C.Status == "scheduled"
	if d.C.DailyCap != nil {
		d.CapText = FormatAmount(d.C.DailyCap.Amount, cur)
	}
	// The reasons in serving's order, then any other the report counts
	// (a rule newer than this list), so that they add up to its total.
	d.Reasons = []string{"expired", "bot", "off_domain", "too_fast", "source_cap", "reused", "not_viewed"}
	var newer []string
	for r := range d.Report.Totals.Invalid {
		if !slices.Contains(d.Reasons, r) {
			newer = append(newer, r)
		}
	}
	sort.Strings(newer)
	d.Reasons = append(d.Reasons, newer...)
	c.show(q, "campaign", view{Title: d.C.Name, Nav: "advertisers", Data: d, Form: f})
}

// days are the UTC days from to to (YYYY-MM-DD, inclusive).
func days(from, to string) func(func(string) bool) {
	return func(yield func(string) bool) {
		a, err1 := time.Parse(clock.DayLayout, from)
		b, err2 := time.Parse(clock.DayLayout, to)
		if err1 != nil || err2 != nil {
			return
		}
		for d := a; !d.After(b); d = d.AddDate(0, 0, 1) {
			if !yield(d.Format(clock.DayLayout)) {
				return
			}
		}
	}
}

func (c *Console) campaignAction(action string) func(*req) {
	done := map[string]string{"pause": "Paused: it is not offered until you resume it.", "resume": "Resumed: it is offered again within seconds.",
		"end": "Ended: what was not spent is back in your wallet."}
	return func(q *req) {
		id := q.r.PathValue("id")
		if _, err := q.api.CampaignAction(q.r.Context(), id, action); err != nil {
			c.again(q, "state", err, c.campaign)
			return
		}
		c.done(q.w, q.r, "/console/campaigns/"+id, done[action])
	}
}

// updateCampaign sends what the person changed: the bid, the daily cap
// (emptied: removed), the end, a larger budget (the difference is held).
func (c *Console) updateCampaign(q *req) {
	ctx, id, loc := q.r.Context(), q.r.PathValue("id"), c.location(q.r)
	cmp, err := q.api.Campaign(ctx, id)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	f, bad := parseCampaignChangeForm(q.r, cmp, loc)
	if len(bad) > 0 {
		c.campaign(q, invalid(q, "change", bad))
		return
	}
	in := f.Request()
	if in == (UpdateCampaignRequest{}) {
		c.done(q.w, q.r, "/console/campaigns/"+id, "Nothing was changed.")
		return
	}
	if _, err := q.api.UpdateCampaign(ctx, id, in, q.r.PostForm.Get("idem")); err != nil {
		c.again(q, "change", err, func(q *req, f *formState) { c.campaign(q, onForm(f)) })
		return
	}
	c.done(q.w, q.r, "/console/campaigns/"+id, "Saved.")
}

// updateBanner replaces a campaign's creative and targeting: a changed
// creative is a new version, which communities that review campaigns
// approve again before it runs on their slots.
func (c *Console) updateBanner(q *req) {
	id := q.r.PathValue("id")
	in, bad := parseBannerForm(q.r)
	if len(bad) > 0 {
		c.campaign(q, invalid(q, "banner", bad))
		return
	}
	if _, err := q.api.UpdateCampaign(q.r.Context(), id, in, q.r.PostForm.Get("idem")); err != nil {
		c.again(q, "banner", err, func(q *req, f *formState) { c.campaign(q, onForm(f)) })
		return
	}
	c.done(q.w, q.r, "/console/campaigns/"+id, "Saved: the banner and targeting are the campaign's now; communities that review campaigns approve a new banner before it runs on their slots.")
}

// reportCSV hands the API's CSV of a report to the browser as a download.
func (c *Console) reportCSV(route string) func(*req, *formState) {
	return func(q *req, _ *formState) {
		id := q.r.PathValue("id")
		query := url.Values{}
		for _, k := range []string{"from", "to", "by"} {
			if v := q.r.URL.Query().Get(k); v != "" {
				query.Set(k, v)
			}
		}
		b, err := q.api.CSV(q.r.Context(), "/v1/"+route+"/"+url.PathEscape(id)+"/report", query)
		if err != nil {
			c.fail(q.w, q.r, err)
			return
		}
		h := q.w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		name := "souq-" + id + "-report"
		if by := query.Get("by"); by != "" {
			name += "-by-" + by
		}
		h.Set("Content-Disposition", `attachment; filename="`+url.PathEscape(name)+`.csv"`)
		h.Set("X-Souq-Api-Calls", strconv.Itoa(q.api.Calls()))
		q.w.WriteHeader(http.StatusOK)
		_, _ = q.w.Write(b)
	}
}

// setSlotCampaigns is the owner's choice to let campaigns compete for a
// slot after its flights, at or above a floor.
func (c *Console) setSlotCampaigns(q *req) {
	id := q.r.PathValue("id")
	f, bad := parseSlotCampaignsForm(q.r)
	if len(bad) > 0 {
		c.slot(q, invalid(q, "campaigns", bad))
		return
	}
	if _, err := q.api.UpdateSlot(q.r.Context(), id, f.Request()); err != nil {
		c.again(q, "campaigns", err, c.slot)
		return
	}
	msg := "Saved: campaigns no longer compete for this slot."
	if f.Accept {
		msg = "Saved: campaigns at or above " + FormatMoney(f.Floor.Amount, f.Floor.Currency) + " per thousand views compete for it when no flight runs."
	}
	c.done(q.w, q.r, "/console/slots/"+id, msg)
}

// onForm names the API's fields (creative.imageUrl, pricing.bid,
// budget.amount) as the form's (imageUrl, bid, budget), so that each
// message shows beside its field.
func onForm(f *formState) *formState {
	if f == nil {
		return f
	}
	fields := make(map[string]string, len(f.Fields))
	for k, v := range f.Fields {
		k = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(k, "creative."), "pricing."), "targeting.")
		k = strings.TrimSuffix(strings.TrimSuffix(k, ".amount"), ".currency")
		if i := strings.IndexByte(k, '['); i > 0 {
			k = k[:i] // keywords[2] is the keywords field's
		}
		switch k {
		case "frequency.impressions":
			k = "frequencyImpressions"
		case "frequency.hours", "frequency":
			k = "frequencyHours"
		}
		if _, taken := fields[k]; !taken {
			fields[k] = v
		}
	}
	f.Fields = fields
	return f
}
