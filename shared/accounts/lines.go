package accounts

// A community's campaign lines: what the campaigns context reports of
// each settlement (CampaignReported), kept per community, day and
// campaign, for the community report's breakdowns (DESIGN §13).
//
//	pk                 sk                          item
//	COM#<communityId>  CLN#<day>#<campaignId>      the line: counts, billed, free, spend, earned, premium, refused by reason; dims (the day's weights) and dseq
//	EVT#<eventId>      EVT                         a CampaignReported applied (store.ApplyOnce; expiresAt: 7 days)
//
// An event is applied once: its marker and its lines' ADDs are one
// transaction. The weights are replaced only by a later settlement's
// (dseq): a late event adds its counts and leaves newer weights alone.

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/report"
	"github.com/souqhq/souq/shared/store"
)

// HandleEvent applies an event of the bus (CampaignReported).
func (s *Service) HandleEvent(ctx context.Context, ev lambdaevents.EventBridgeEvent) error {
	return s.events.Handle(ctx, ev)
}

// Events is the mux of the events this context handles.
func (s *Service) Events() *events.Mux { return s.events }

// campaignReported keeps a settlement's lines on their communities.
func (s *Service) campaignReported(ctx context.Context, e events.CampaignReported) error {
	const op = "accounts.campaignReported"
	if e.CampaignID == "" || e.Day == "" || len(e.Lines) > 25 {
		return fault.New(fault.Invalid, op, "a report without its campaign or day, or of too many communities")
	}
	weights := make([]bool, len(e.Lines)) // which lines replace their weights
	names := map[string]bool{}
	for i, l := range e.Lines {
		weights[i] = l.Dims != nil
		if names[lineName(l)] {
			return fault.New(fault.Invalid, op, "a report with a community's line twice")
		}
		names[lineName(l)] = true
	}
	for attempt := 0; attempt < len(e.Lines)+1; attempt++ {
		writes := make([]store.Part, len(e.Lines))
		for i, l := range e.Lines {
			writes[i] = store.Part{Name: lineName(l), Item: s.repo.lineAdd(e, l, weights[i])}
		}
		err := store.ApplyOnce(ctx, s.repo.db, s.repo.table, e.EventID, s.clock.Now(), writes...)
		if err == nil {
			return nil // applied, now or before
		}
		again := false
		for i, l := range e.Lines {
			if weights[i] && store.Failed(err, lineName(l)) {
				weights[i], again = false, true // newer weights are there: add the counts only
			}
		}
		if !again {
			return fault.Wrap(op, err)
		}
	}
	return fault.New(fault.Unavailable, op, "the lines kept changing")
}

// lineName names a line's write in its event's transaction: one per
// community.
func lineName(l events.CampaignLine) string { return "line " + l.CommunityID }

// lineAdd adds a settlement's line to its community's; with weights, it
// replaces the line's weights, unless a later settlement's are there.
func (r *Repository) lineAdd(e events.CampaignReported, l events.CampaignLine, weights bool) types.TransactWriteItem {
	adds := store.Adds{Names: map[string]string{"#day": "day"}, Values: map[string]types.AttributeValue{":day": store.S(e.Day), ":cmp": store.S(e.CampaignID),
		":model": store.S(e.Model), ":cur": store.S(l.Spend.Currency)}}
	adds.Add("impressions", l.Impressions)
	adds.Add("clicks", l.Clicks)
	adds.Add("billed", l.Billed)
	adds.Add("free", l.Free)
	adds.Add("spend", l.Spend.Minor)
	adds.Add("earned", l.Earned.Minor)
	adds.Add("premium", l.Premium.Minor)
	adds.AddEach(invalidPrefix, l.Invalid)
	vals := adds.Values
	set := "SET #day = :day, campaignId = :cmp, model = :model, currency = :cur"
	u := &types.Update{TableName: aws.String(r.table),
		Key: map[string]types.AttributeValue{"pk": store.S("COM#" + l.CommunityID), "sk": store.S("CLN#" + e.Day + "#" + e.CampaignID)}}
	if b, err := json.Marshal(l.Dims); weights && err == nil {
		set += ", dims = :dims, dseq = :seq"
		vals[":dims"], vals[":seq"] = store.S(string(b)), store.N(e.Seq)
		u.ConditionExpression = aws.String("attribute_not_exists(dseq) OR dseq < :seq")
	}
	u.UpdateExpression = aws.String(set + " " + adds.Clause())
	u.ExpressionAttributeNames, u.ExpressionAttributeValues = adds.Names, vals
	return types.TransactWriteItem{Update: u}
}

// lines reads a community's campaign lines from the day from to the day to.
func (r *Repository) lines(ctx context.Context, communityID, from, to string) ([]map[string]any, error) {
	out, err := store.QueryAll[map[string]any](ctx, r.db, &dynamodb.QueryInput{
		TableName:              aws.String(r.table),
		KeyConditionExpression: aws.String("pk = :p AND sk BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("COM#" + communityID),
			":lo": store.S("CLN#" + from), ":hi": store.S("CLN#" + to + "#\uffff")},
	}, 1000)
	return out, fault.Wrap("accounts.lines", err)
}

// BreakdownFigures are a community's campaign figures for a value: the
// views and clicks its slots showed, what the campaigns spent on them,
// what it earned of that, and what was refused.
type BreakdownFigures struct {
	Impressions int64 `json:"impressions"`
	Clicks      int64 `json:"clicks"`
	// CTR is clicks ÷ impressions, to 6 places.
	CTR    float64      `json:"ctr"`
	Spend  money.Amount `json:"spend"`
	Earned money.Amount `json:"earned"`
	// ECPM is what it earned per 1,000 impressions, half-even.
	ECPM    money.Amount     `json:"ecpm"`
	Invalid map[string]int64 `json:"invalid"`
}

// BreakdownRow is a day's figures for one value ("" none or unknown).
type BreakdownRow struct {
	Day   string `json:"day"`
	Value string `json:"value"`
	BreakdownFigures
}

// EarningsBreakdown is a community's campaign earnings by keyword,
// country or device: every campaign's line of each day apportioned over
// its values (report.Split), summed per day and value. Its earned total
// is the earnings report's campaigns total, to the cent.
type EarningsBreakdown struct {
	CommunityID string `json:"communityId"`
	Currency    string `json:"currency"`
	report.Range
	By     string           `json:"by"`
	Rows   []BreakdownRow   `json:"rows"`
	Totals BreakdownFigures `json:"totals"`
}

func (f *BreakdownFigures) add(p report.Part) {
	f.Impressions += p.Impressions
	f.Clicks += p.Clicks
	f.Spend.Minor += p.Spend
	f.Earned.Minor += p.Earned
	for k, n := range p.Invalid {
		f.Invalid[k] += n
	}
}

func (f *BreakdownFigures) finish() {
	if f.Impressions == 0 {
		return
	}
	f.CTR = math.Round(float64(f.Clicks)/float64(f.Impressions)*1e6) / 1e6
	q, r := f.Earned.Minor*1000/f.Impressions, f.Earned.Minor*1000%f.Impressions
	if 2*r > f.Impressions || (2*r == f.Impressions && q%2 == 1) {
		q++
	}
	f.ECPM.Minor = q
}

// CommunityBreakdown is a community's campaign earnings over the days
// from to to, by keyword, country, device or slot, for its owner or API key.
func (s *Service) CommunityBreakdown(ctx context.Context, p auth.Principal, communityID, from, to, by string) (EarningsBreakdown, error) {
	const op = "accounts.CommunityBreakdown"
	by, err := report.ParseBy(by)
	if err != nil {
		return EarningsBreakdown{}, err
	}
	it, err := s.account(ctx, op, p, auth.AccountCommunity, communityID)
	if err != nil {
		return EarningsBreakdown{}, err
	}
	rng, err := report.ParseRange(from, to, clock.Parse(it.CreatedAt), s.clock.Now())
	if err != nil {
		return EarningsBreakdown{}, err
	}
	raw, err := s.repo.lines(ctx, communityID, rng.From, rng.To)
	if err != nil {
		return EarningsBreakdown{}, err
	}
	blank := func() BreakdownFigures {
		z := money.Amount{Currency: it.Currency}
		return BreakdownFigures{Spend: z, Earned: z, ECPM: z, Invalid: map[string]int64{}}
	}
	var lines []report.DayLine
	for _, l := range raw {
		if cur, _ := l["currency"].(string); cur != it.Currency {
			continue // a campaign pays in the community's currency; anything else is not its earnings
		}
		num := func(k string) int64 {
			n, _ := l[k].(float64)
			return int64(n)
		}
		line := report.Line{Impressions: num("impressions"), Clicks: num("clicks"), Billed: num("billed"), Free: num("free"), Spend: num("spend"),
			Premium: num("premium"), Earned: num("earned"), Invalid: map[string]int64{}}
		model, _ := l["model"].(string)
		line.CPC = model == "cpc"
		for k := range l {
			if reason, ok := strings.CutPrefix(k, invalidPrefix); ok {
				line.Invalid[reason] = num(k)
			}
		}
		if w, ok := l["dims"].(string); ok {
			if err := json.Unmarshal([]byte(w), &line.Weights); err != nil {
				return EarningsBreakdown{}, fault.Wrap(op, errors.New("a line's weights do not read: "+err.Error()))
			}
		}
		day, _ := l["day"].(string)
		lines = append(lines, report.DayLine{Day: day, Line: line})
	}
	sums, totals := report.Fold(lines, by, blank, (*BreakdownFigures).add)
	out := EarningsBreakdown{CommunityID: communityID, Currency: it.Currency, Range: rng, By: by, Rows: []BreakdownRow{}, Totals: totals}
	for _, sum := range sums {
		row := BreakdownRow{Day: sum.Day, Value: sum.Value, BreakdownFigures: sum.Figures}
		row.finish()
		out.Rows = append(out.Rows, row)
	}
	out.Totals.finish()
	return out, nil
}

// invalidPrefix is a line's refused count by reason, named as the event
// contract names it.
const invalidPrefix = events.InvalidPrefix

// CSVRows are the breakdown's rows for text/csv: amounts in the
// currency's major unit, one column per refusal reason.
func (b EarningsBreakdown) CSVRows() (header []string, rows [][]string) {
	reasons := []string{"expired", "bot", "off_domain", "too_fast", "reused", "not_viewed", "source_cap"}
	header = []string{"day", b.By, "impressions", "clicks", "ctr", "spend", "earned", "ecpm", "currency"}
	for _, r := range reasons {
		header = append(header, "invalid_"+r)
	}
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	for _, r := range b.Rows {
		row := []string{r.Day, r.Value, i(r.Impressions), i(r.Clicks), strconv.FormatFloat(r.CTR, 'f', 6, 64), r.Spend.Decimal(), r.Earned.Decimal(),
			r.ECPM.Decimal(), b.Currency}
		for _, reason := range reasons {
			row = append(row, i(r.Invalid[reason]))
		}
		rows = append(rows, row)
	}
	return header, rows
}
