package console

import (
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/souqhq/souq/shared/clock"
)

// Money over time, read from the ledger's statement of the account: what
// a community earned and what an advertiser spent, this month and per day.
//
// A posting's total is what it changes the account's money by (available +
// held + pending). Moving money between those (a hold, its release, a
// sponsorship's price becoming available) totals zero and counts for
// nothing. Earnings are the positive totals of money coming from others
// (a flight's or sponsorship's capture); spend is the negative totals of
// money going to others (captures of the advertiser's holds). Money in
// (deposits), money back (returns, failed payouts) and the card's side of
// it (refunds of unspent funds, disputes) are neither.

func total(p Posting) int64 { return p.Available + p.Held + p.Pending }

// ownMoney are the kinds that move the account's own money in or back.
func ownMoney(kind string) bool {
	switch kind {
	case "deposit", "test_funds", "return", "referral_commission_return", "release", "sponsorship_refund",
		"refund", "refund_sent", "refund_failed", "dispute", "dispute_won", "dispute_lost", "debt_repaid":
		return true
	}
	return strings.HasPrefix(kind, "payout_")
}

// kindWords are the statement's words for every kind of transfer (DESIGN
// §16: statements in people's words); a kind without words reads as its
// name (humanize), which the tests refuse for every kind Souq writes.
var kindWords = map[string]string{
	"deposit":                    "Added funds",
	"test_funds":                 "Test funds added",
	"refund":                     "Refund to your card (in transit)",
	"refund_sent":                "Refund sent to your card",
	"refund_failed":              "Refund returned to your balance",
	"dispute":                    "Disputed by the card holder",
	"dispute_won":                "Dispute won: returned",
	"dispute_lost":               "Dispute lost",
	"debt_repaid":                "Repaid what you owed",
	"hold":                       "Set aside for a bid or booking (held)",
	"adjust":                     "Amount set aside changed",
	"capture":                    "Paid from what was set aside",
	"release":                    "Set-aside money released to available",
	"topup":                      "Set aside for a campaign or referral budget",
	"draw":                       "Spent from a budget",
	"return":                     "Returned to a budget",
	"flight_capture":             "Auction won: the banner's flight paid",
	"campaign_charge":            "Campaign charges for views and clicks",
	"sponsorship_capture":        "Sponsored post paid (held until it is published)",
	"sponsorship_pay":            "Sponsored post published: Souq's fee taken, the rest available",
	"sponsorship_refund":         "Sponsored post refunded",
	"referral_commission":        "Referral commission (pending until it clears)",
	"referral_clearing":          "Referral commission cleared: available",
	"referral_commission_return": "Referral commission taken back",
	"payout_claim":               "Payout claimed: in transit to your bank",
	"payout_paid":                "Payout paid into your bank",
	"payout_failed":              "Payout failed: returned to your balance",
}

// what is a statement line's words: the transfer's kind, and the card
// it went through when its memo names one ("Added funds · Visa •••• 4242").
func what(p Posting) string {
	w, ok := kindWords[p.Kind]
	if !ok {
		w = humanize(p.Kind)
	}
	if brand, last4, ok := strings.Cut(p.Memo, " •••• "); ok && brand != "" && last4 != "" && !strings.Contains(brand, " ") {
		w += " · " + cardName(brand, last4)
	}
	switch {
	case p.Fee > 0 && total(p) > 0:
		// Gross, fee and net where they differ: the line's amounts are the
		// net, and say what it was the net of.
		w += " · " + FormatMoney(total(p)+p.Fee, p.Currency) + " gross less Souq's fee of " + FormatMoney(p.Fee, p.Currency)
	case p.Fee > 0:
		// The gross came earlier (a sponsored post's price, held): this
		// line is the fee taken from it.
		w += " · Souq's fee of " + FormatMoney(p.Fee, p.Currency)
	}
	return w
}

// earned is a posting's earnings (zero when it earns nothing).
func earned(p Posting) int64 {
	if t := total(p); t > 0 && !ownMoney(p.Kind) {
		return t
	}
	return 0
}

// spent is a posting's spend (zero when it spends nothing).
func spent(p Posting) int64 {
	if t := total(p); t < 0 && !ownMoney(p.Kind) {
		return -t
	}
	return 0
}

// monthStart is the first instant of t's month, in loc.
func monthStart(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
}

// perDay sums f of the postings by day (in loc), oldest first, for the
// days from since to now.
//
// The chart runs to the latest posting when that is later than now: the
// local platform's clock may run ahead of the wall clock.
func perDay(ps []Posting, f func(Posting) int64, since, now time.Time, loc *time.Location) []Point {
	sums := map[string]int64{}
	for _, p := range ps {
		sums[p.At.In(loc).Format(clock.DayLayout)] += f(p)
		if p.At.After(now) {
			now = p.At
		}
	}
	var out []Point
	for d := since.In(loc); !d.After(now.In(loc)); d = d.AddDate(0, 0, 1) {
		k := d.Format(clock.DayLayout)
		out = append(out, Point{Label: k, Value: sums[k]})
	}
	return out
}

type earningsData struct {
	Community Community
	Balance   Balance
	Statement []Posting
	Month     string
	Earned    int64
	Chart     Chart
	// Report is the month's earnings by source (UTC days), and CSV its
	// download.
	Report EarningsReport
	CSV    string
	// By is the breakdown of the campaign earnings shown, Parts its
	// values over the month, PartChart its chart, PartCSV its download.
	By        string
	Bys       []string
	Parts     []earnedPart
	PartChart Chart
	PartCSV   string
}

// earnedPart is one value's campaign figures over the month.
type earnedPart struct {
	Label               string
	Impressions, Clicks int64
	Spend, Earned       int64
	Refused             int64
	Currency            string
}

// slotLabel names a slot by its name and size ("Top banner, 728×90"),
// never by its id: a slot deleted since reads as such.
func slotLabel(slots []Slot, id string) string {
	for _, s := range slots {
		if s.ID == id {
			return s.Name + ", " + itoa(s.Width) + "×" + itoa(s.Height)
		}
	}
	if id == "" {
		return "Unknown"
	}
	return "A slot no longer listed"
}

// reportDays is the report's net per UTC day, every day from fromDay to
// toDay (the page's month, which may begin before the community did; the
// days nothing was earned at zero), oldest first.
func reportDays(r EarningsReport, fromDay, toDay string) []Point {
	sums := map[string]int64{}
	for _, row := range r.Rows {
		sums[row.Day] += row.Amount.Amount
	}
	from, err1 := time.Parse(clock.DayLayout, fromDay)
	to, err2 := time.Parse(clock.DayLayout, toDay)
	if err1 != nil || err2 != nil {
		return nil
	}
	var out []Point
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		k := d.Format(clock.DayLayout)
		out = append(out, Point{Label: k, Value: sums[k]})
	}
	return out
}

// statementPage is the most postings a money page reads (one API call).
const statementPage = 100

func (c *Console) earnings(q *req, f *formState) {
	ctx, id, loc := q.r.Context(), q.r.PathValue("id"), c.location(q.r)
	now := c.cfg.Today()
	since := monthStart(now, loc)
	d := earningsData{By: "country", Bys: []string{"country", "device", "keyword", "slot"}}
	if by := q.r.URL.Query().Get("by"); slices.Contains(d.Bys, by) {
		d.By = by
	}
	// The reports are of UTC days: those of the person's month, so that
	// the page is of one month (in Honolulu, the 31st goes on while UTC
	// has begun the 1st).
	month := url.Values{"from": {since.Format(clock.DayLayout)}, "to": {now.In(loc).Format(clock.DayLayout)}}
	var parts CommunityBreakdown
	var slots []Slot
	err := parallel(
		func() (err error) { d.Community, err = q.api.Community(ctx, id); return },
		func() (err error) { d.Balance, err = q.api.Balance(ctx, "communities", id); return },
		func() error {
			l, err := q.api.Statement(ctx, id, since, statementPage)
			d.Statement = l.Data
			return err
		},
		func() (err error) { d.Report, err = q.api.CommunityReport(ctx, id, month); return },
		func() (err error) {
			parts, err = q.api.CommunityBreakdown(ctx, id, url.Values{"from": month["from"], "to": month["to"], "by": {d.By}})
			return err
		},
		func() error {
			if d.By != "slot" {
				return nil
			}
			l, err := q.api.Slots(ctx, id)
			slots = l.Data
			return known(err)
		},
	)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	d.CSV = "/console/communities/" + url.PathEscape(id) + "/report.csv?from=" + d.Report.From + "&to=" + d.Report.To
	d.PartCSV = d.CSV + "&by=" + d.By
	at := map[string]int{}
	for _, r := range parts.Rows {
		i, ok := at[r.Value]
		if !ok {
			i = len(d.Parts)
			at[r.Value] = i
			label := breakdownLabel(d.By, r.Value)
			if d.By == "slot" {
				label = slotLabel(slots, r.Value)
			}
			d.Parts = append(d.Parts, earnedPart{Label: label, Currency: d.Community.Currency})
		}
		p := &d.Parts[i]
		p.Impressions, p.Clicks, p.Spend, p.Earned = p.Impressions+r.Impressions, p.Clicks+r.Clicks, p.Spend+r.Spend.Amount, p.Earned+r.Earned.Amount
		for _, n := range r.Invalid {
			p.Refused += n
		}
	}
	sort.SliceStable(d.Parts, func(i, j int) bool { return d.Parts[i].Earned > d.Parts[j].Earned })
	var pts []Point
	for _, p := range d.Parts {
		pts = append(pts, Point{Label: p.Label, Value: p.Earned})
	}
	d.PartChart = barChart("Campaign earnings by "+d.By, pts, d.Community.Currency)
	d.PartChart.Key = humanize(d.By)
	// Every total on the page is the report's (the API's): the month's
	// net above, the sources' table and the chart per day add up to it.
	d.Earned = d.Report.Total.Amount
	sort.Slice(d.Statement, func(i, j int) bool { return d.Statement[i].At.After(d.Statement[j].At) })
	d.Month = since.Format("January 2006")
	d.Chart = barChart("Earnings per day, "+d.Month+" (net, UTC days)", reportDays(d.Report, month.Get("from"), month.Get("to")), d.Community.Currency)
	c.show(q, "earnings", view{Title: "Earnings · " + d.Community.Name, Nav: "communities", Data: d, Form: f})
}

// marketID takes a community id, or a console link that holds one.
func marketID(typed string) string {
	if i := strings.LastIndex(typed, "/"); i >= 0 {
		typed = typed[i+1:]
	}
	return typed
}
