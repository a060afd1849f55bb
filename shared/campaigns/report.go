package campaigns

import (
	"context"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/report"
	"github.com/souqhq/souq/shared/traffic"
)

// InvalidReasons are the reasons a campaign's report counts refused views
// and clicks under (a forged token names no campaign), in its CSV's order.
var InvalidReasons = []traffic.Reason{traffic.Expired, traffic.Bot, traffic.OffDomain, traffic.TooFast, traffic.Reused, traffic.NotViewed}

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
	cur := func(n int64) money.Amount { return money.Amount{Minor: n, Currency: c.Currency} }
	blank := func() Figures {
		return Figures{Spend: cur(0), ECPM: cur(0), Premium: cur(0), Invalid: map[string]int64{}}
	}
	out := Report{CampaignID: campaignID, Currency: c.Currency, Range: rng, Rows: []ReportRow{}, Totals: blank()}
	num := func(l map[string]any, k string) int64 {
		n, _ := l[k].(float64)
		return int64(n)
	}
	for _, l := range lines { // DAY#<day>#<community>: by day, then community
		day, _ := l["day"].(string)
		com, _ := l["communityId"].(string)
		row := ReportRow{Day: day, CommunityID: com, Figures: blank()}
		row.Impressions, row.Clicks, row.Billed, row.Free = num(l, "impressions"), num(l, "clicks"), num(l, "billed"), num(l, "free")
		row.Spend.Minor, row.Premium.Minor = num(l, "spend"), num(l, "premium")
		for k := range l {
			if reason, ok := strings.CutPrefix(k, invalidPrefix); ok {
				row.Invalid[reason] = num(l, k)
				out.Totals.Invalid[reason] += num(l, k)
			}
		}
		t := &out.Totals
		t.Impressions, t.Clicks, t.Billed, t.Free = t.Impressions+row.Impressions, t.Clicks+row.Clicks, t.Billed+row.Billed, t.Free+row.Free
		t.Spend.Minor += row.Spend.Minor
		t.Premium.Minor += row.Premium.Minor
		row.finish()
		out.Rows = append(out.Rows, row)
	}
	out.Totals.finish()
	return out, nil
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
