package campaigns

import (
	"context"
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/owners"
	"github.com/souqhq/souq/shared/report"
	"github.com/souqhq/souq/shared/traffic"
)

// InvalidReasons are the reasons a campaign's report counts refused views
// and clicks under (a forged token names no campaign), in its CSV's order
// (a newer reason is added at the end).
var InvalidReasons = []traffic.Reason{traffic.Expired, traffic.Bot, traffic.OffDomain, traffic.TooFast, traffic.Reused, traffic.NotViewed, traffic.SourceCap}

// Figures are a report line's numbers: the valid viewable impressions and
// valid clicks settled, what they cost, and what was refused.
type Figures struct {
	Impressions int64 `json:"impressions"`
	Clicks      int64 `json:"clicks"`
	// CTR is clicks ÷ impressions (0 without impressions), to 6 places.
	CTR   float64      `json:"ctr"`
	Spend money.Amount `json:"spend"`
	// ECPM is spend × 1000 ÷ impressions, half-even to the minor unit.
	ECPM money.Amount `json:"ecpm"`
	// Premium is the targeting premium drawn on top of Spend (targeted
	// campaigns only).
	Premium money.Amount `json:"premium"`
	// Billed are the units charged (impressions for CPM, clicks for CPC),
	// Free those past the budget or a day's cap.
	Billed  int64            `json:"billed"`
	Free    int64            `json:"free"`
	Invalid map[string]int64 `json:"invalid"`
}

// ReportRow is a campaign's line for a day (UTC, the day of the
// settlements that counted it) and a community.
type ReportRow struct {
	Day         string `json:"day"`
	CommunityID string `json:"communityId"`
	// CommunityName names the community ("" when not known yet).
	CommunityName string `json:"communityName"`
	Figures
}

// Report is a campaign's report: its lines per day and community, and
// their totals. Spend in all equals the campaign's spent (over its whole
// life); each line is what the settlements of that day added.
type Report struct {
	CampaignID string `json:"campaignId"`
	Currency   string `json:"currency"`
	report.Range
	Rows   []ReportRow `json:"rows"`
	Totals Figures     `json:"totals"`
}

func (f *Figures) finish() {
	if f.Impressions > 0 {
		f.CTR = math.Round(float64(f.Clicks)/float64(f.Impressions)*1e6) / 1e6
		n := new(big.Int).Mul(big.NewInt(f.Spend.Minor), big.NewInt(1000))
		q, r := new(big.Int).QuoRem(n, big.NewInt(f.Impressions), new(big.Int))
		twice := new(big.Int).Mul(r, big.NewInt(2))
		if c := twice.Cmp(big.NewInt(f.Impressions)); c > 0 || (c == 0 && q.Bit(0) == 1) {
			q.Add(q, big.NewInt(1))
		}
		f.ECPM.Minor = q.Int64()
	}
}

// Report is the campaign's report over the days from to to (UTC dates;
// by default from its start to today), for its advertiser.
func (s *Service) Report(ctx context.Context, p auth.Principal, campaignID, from, to string) (Report, error) {
	const op = "campaigns.Report"
	it, err := s.owned(ctx, op, p, campaignID)
	if err != nil {
		return Report{}, err
	}
	c := it.campaign()
	rng, err := report.ParseRange(from, to, c.Start, s.clock.Now())
	if err != nil {
		return Report{}, err
	}
	lines, err := s.repo.reportLines(ctx, campaignID, rng.From, rng.To)
	if err != nil {
		return Report{}, err
	}
	blank := blankFigures(c.Currency)
	out := Report{CampaignID: campaignID, Currency: c.Currency, Range: rng, Rows: []ReportRow{}, Totals: blank()}
	names := s.owners.Names(owners.Community)
	for _, raw := range lines { // DAY#<day>#<community>: by day, then community
		l := lineOf(raw, c.Pricing.Model == CPC)
		row := ReportRow{Day: l.day, CommunityID: l.community, Figures: blank()}
		if row.CommunityName, err = names.Of(ctx, l.community); err != nil {
			return Report{}, err
		}
		row.add(l.Line)
		out.Totals.add(l.Line)
		row.finish()
		out.Rows = append(out.Rows, row)
	}
	out.Totals.finish()
	return out, nil
}

func blankFigures(currency string) func() Figures {
	return func() Figures {
		z := money.Amount{Currency: currency}
		return Figures{Spend: z, ECPM: z, Premium: z, Invalid: map[string]int64{}}
	}
}

// add adds a line (or a breakdown's part of one) to the figures.
func (f *Figures) add(l report.Line) {
	f.Impressions += l.Impressions
	f.Clicks += l.Clicks
	f.Billed += l.Billed
	f.Free += l.Free
	f.Spend.Minor += l.Spend
	f.Premium.Minor += l.Premium
	for reason, n := range l.Invalid {
		f.Invalid[reason] += n
	}
}

// line is a report line as stored, read.
type line struct {
	day, community string
	report.Line
}

func lineOf(l map[string]any, cpc bool) line {
	num := func(k string) int64 {
		n, _ := l[k].(float64)
		return int64(n)
	}
	out := line{Line: report.Line{CPC: cpc, Impressions: num("impressions"), Clicks: num("clicks"), Billed: num("billed"), Free: num("free"),
		Spend: num("spend"), Premium: num("premium"), Earned: num("earned"), Invalid: map[string]int64{}}}
	out.day, _ = l["day"].(string)
	out.community, _ = l["communityId"].(string)
	for k := range l {
		if reason, ok := strings.CutPrefix(k, invalidPrefix); ok {
			out.Invalid[reason] = num(k)
		}
	}
	if raw, ok := l["dims"].(string); ok {
		_ = json.Unmarshal([]byte(raw), &out.Weights) // written by reportAdd; unreadable weights weigh nothing
	}
	return out
}

// BreakdownRow is a campaign's figures on a day for one value of a
// breakdown: a keyword of its targeting, a country (ISO 3166-1
// alpha-2), a device (mobile, desktop); "" is no keyword, or an unknown
// country or device.
type BreakdownRow struct {
	Day   string `json:"day"`
	Value string `json:"value"`
	Figures
}

// Breakdown is a campaign's report by keyword, country, device or slot: its
// lines apportioned over the values serving counted for each (see
// report.Split), summed per day and value. Its totals are the unbroken
// report's, to the unit and the cent.
type Breakdown struct {
	CampaignID string `json:"campaignId"`
	Currency   string `json:"currency"`
	report.Range
	By     string         `json:"by"`
	Rows   []BreakdownRow `json:"rows"`
	Totals Figures        `json:"totals"`
}

// Breakdown is the campaign's report over the days from to to, by
// keyword, country, device or slot, for its advertiser.
func (s *Service) Breakdown(ctx context.Context, p auth.Principal, campaignID, from, to, by string) (Breakdown, error) {
	const op = "campaigns.Breakdown"
	by, err := report.ParseBy(by)
	if err != nil {
		return Breakdown{}, err
	}
	it, err := s.owned(ctx, op, p, campaignID)
	if err != nil {
		return Breakdown{}, err
	}
	c := it.campaign()
	rng, err := report.ParseRange(from, to, c.Start, s.clock.Now())
	if err != nil {
		return Breakdown{}, err
	}
	lines, err := s.repo.reportLines(ctx, campaignID, rng.From, rng.To)
	if err != nil {
		return Breakdown{}, err
	}
	dayLines := make([]report.DayLine, len(lines))
	for i, raw := range lines { // by day, then community
		l := lineOf(raw, c.Pricing.Model == CPC)
		dayLines[i] = report.DayLine{Day: l.day, Line: l.Line}
	}
	sums, totals := report.Fold(dayLines, by, blankFigures(c.Currency), func(f *Figures, p report.Part) {
		f.add(report.Line{Impressions: p.Impressions, Clicks: p.Clicks, Billed: p.Billed, Free: p.Free, Spend: p.Spend, Premium: p.Premium, Invalid: p.Invalid})
	})
	out := Breakdown{CampaignID: campaignID, Currency: c.Currency, Range: rng, By: by, Rows: []BreakdownRow{}, Totals: totals}
	for _, sum := range sums {
		row := BreakdownRow{Day: sum.Day, Value: sum.Value, Figures: sum.Figures}
		row.finish()
		out.Rows = append(out.Rows, row)
	}
	out.Totals.finish()
	return out, nil
}

// CSVRows are the breakdown's lines for text/csv, as the report's with
// the value in place of the community.
func (b Breakdown) CSVRows() (header []string, rows [][]string) {
	r := Report{Currency: b.Currency}
	for _, l := range b.Rows {
		r.Rows = append(r.Rows, ReportRow{Day: l.Day, CommunityID: l.Value, Figures: l.Figures})
	}
	header, rows = r.CSVRows()
	header[1] = b.By
	return header, rows
}

// CSVRows are the report's lines for text/csv: amounts in the currency's
// major unit, one column per invalid reason.
func (r Report) CSVRows() (header []string, rows [][]string) {
	header = []string{"day", "community_id", "impressions", "clicks", "ctr", "spend", "ecpm", "currency", "billed", "free"}
	for _, reason := range InvalidReasons {
		header = append(header, "invalid_"+string(reason))
	}
	header = append(header, "premium")
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	for _, l := range r.Rows {
		row := []string{l.Day, l.CommunityID, i(l.Impressions), i(l.Clicks), strconv.FormatFloat(l.CTR, 'f', 6, 64),
			l.Spend.Decimal(), l.ECPM.Decimal(), r.Currency, i(l.Billed), i(l.Free)}
		for _, reason := range InvalidReasons {
			row = append(row, i(l.Invalid[string(reason)]))
		}
		row = append(row, l.Premium.Decimal())
		rows = append(rows, row)
	}
	return header, rows
}
