package memberships

// The owner's report (DESIGN §17): per UTC day, members by tier and
// status, new, canceled, ended by failed payment, MRR, revenue and
// refunds. Every change of a membership adds its difference to its day's
// item in the same transaction (RPT#<cid> / DAY#<day>): counters of the
// day's flows, and deltas of the members' counts and of MRR (kept in
// twelfths, exact), which the report sums from the first day on. A
// report is one Query, whatever the number of members.

import (
	"context"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/report"
	"github.com/souqhq/souq/shared/store"
)

// Flow counters of a day.
const (
	flowNew      = "new"
	flowCanceled = "canceled"
	flowFailed   = "failed"
	flowRevenue  = "revenue"
	flowRefunds  = "refunds"
	deltaMRR12   = "mrr12"
	// countPrefix + tier + "|" + status is a delta of members in them.
	countPrefix = "n|"
)

// counted reports whether a membership in s counts among members (an
// incomplete one has not begun; an ended one has gone).
func counted(s Status) bool { return s == Trialing || s == Active || s == PastDue }

// mrr12Of is twelve times what a membership brings each month: paying
// ones only (active, and past_due while retried), not trials.
func mrr12Of(m *membershipItem) int64 {
	if m == nil || (Status(m.Status) != Active && Status(m.Status) != PastDue) {
		return 0
	}
	return monthly12(m.Amount, Interval(m.Interval))
}

// reportDay is the update a change adds to its day, or nil when it moves
// nothing the report shows.
func (r *Repository) reportDay(c change, now time.Time) *types.Update {
	deltas := map[string]int64{}
	for k, v := range c.flows {
		deltas[k] += v
	}
	if c.before != nil && counted(Status(c.before.Status)) {
		deltas[countPrefix+c.before.TierID+"|"+c.before.Status]--
	}
	if counted(Status(c.after.Status)) {
		deltas[countPrefix+c.after.TierID+"|"+c.after.Status]++
	}
	deltas[deltaMRR12] += mrr12Of(&c.after) - mrr12Of(c.before)
	for k, v := range deltas {
		if v == 0 {
			delete(deltas, k)
		}
	}
	if len(deltas) == 0 {
		return nil
	}
	adds := store.Adds{Names: map[string]string{}, Values: map[string]types.AttributeValue{}}
	adds.AddEach("", deltas)
	return &types.Update{TableName: aws.String(r.table),
		Key:                       map[string]types.AttributeValue{"pk": store.S("RPT#" + c.after.CommunityID), "sk": store.S("DAY#" + now.UTC().Format(clock.DayLayout))},
		UpdateExpression:          aws.String(adds.Clause()),
		ExpressionAttributeNames:  adds.Names,
		ExpressionAttributeValues: adds.Values}
}

// refundDay is a refund's addition to its day.
func (r *Repository) refundDay(communityID string, amount int64, now time.Time) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{TableName: aws.String(r.table),
		Key:                       map[string]types.AttributeValue{"pk": store.S("RPT#" + communityID), "sk": store.S("DAY#" + now.UTC().Format(clock.DayLayout))},
		UpdateExpression:          aws.String("ADD #r :r"),
		ExpressionAttributeNames:  map[string]string{"#r": flowRefunds},
		ExpressionAttributeValues: map[string]types.AttributeValue{":r": store.N(amount)}}}
}

// days reads a community's day items up to to, oldest first, as maps of
// their counters.
func (r *Repository) days(ctx context.Context, communityID, to string) ([]map[string]types.AttributeValue, error) {
	var out []map[string]types.AttributeValue
	in := &dynamodb.QueryInput{TableName: aws.String(r.table),
		KeyConditionExpression:    aws.String("pk = :p AND sk <= :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("RPT#" + communityID), ":to": store.S("DAY#" + to)}}
	for page := 0; page < 50; page++ {
		res, err := r.db.Query(ctx, in)
		if err != nil {
			return nil, store.Classify(err)
		}
		out = append(out, res.Items...)
		if res.LastEvaluatedKey == nil {
			return out, nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
	return nil, fault.New(fault.Internal, "memberships.days", "a report of more than 50 pages")
}

// TierCount is how many members a tier has in a status.
type TierCount struct {
	TierID  string `json:"tierId"`
	Name    string `json:"name"`
	Status  Status `json:"status"`
	Members int64  `json:"members"`
}

// ReportDay is one day of the report, as at its end (members, MRR) and
// over it (the flows).
type ReportDay struct {
	Day      string       `json:"day"`
	Members  int64        `json:"members"`
	ByTier   []TierCount  `json:"byTier"`
	New      int64        `json:"new"`
	Canceled int64        `json:"canceled"`
	Failed   int64        `json:"endedPaymentFailed"`
	MRR      money.Amount `json:"mrr"`
	Revenue  money.Amount `json:"revenue"`
	Refunds  money.Amount `json:"refunds"`
}

// Report is the owner's report over a range.
type Report struct {
	CommunityID string      `json:"communityId"`
	Currency    string      `json:"currency"`
	From        string      `json:"from"`
	To          string      `json:"to"`
	Days        []ReportDay `json:"days"`
	// Totals: the flows over the range, members and MRR at its end.
	Totals ReportDay `json:"totals"`
}

// Report is the community's members report (its owner only).
func (s *Service) Report(ctx context.Context, p auth.Principal, communityID, fromRaw, toRaw string) (Report, error) {
	const op = "memberships.Report"
	com, err := s.communities.Owned(ctx, op, p, communityID)
	if err != nil {
		return Report{}, err
	}
	rg, err := report.ParseRange(fromRaw, toRaw, time.Time{}, s.clock.Now())
	if err != nil {
		return Report{}, err
	}
	items, err := s.repo.days(ctx, communityID, rg.To)
	if err != nil {
		return Report{}, fault.Wrap(op, err)
	}
	tiers, err := s.repo.communityTiers(ctx, communityID)
	if err != nil {
		return Report{}, fault.Wrap(op, err)
	}
	names := map[string]string{}
	for _, t := range tiers {
		names[t.ID] = t.Name
	}
	amt := func(x int64) money.Amount { return money.Amount{Minor: x, Currency: com.Currency} }
	byDay := map[string]map[string]int64{}
	for _, it := range items {
		day := strings.TrimPrefix(store.StringAttr(it, "sk"), "DAY#")
		m := map[string]int64{}
		for k := range it {
			if k == "pk" || k == "sk" {
				continue
			}
			m[k] = store.NumberAttr(it, k)
		}
		byDay[day] = m
	}
	// Running sums from the first day on: members and MRR before the range.
	counts := map[string]int64{}
	var mrr12 int64
	var sortedDays []string
	for d := range byDay {
		sortedDays = append(sortedDays, d)
	}
	sort.Strings(sortedDays)
	for _, d := range sortedDays {
		if d >= rg.From {
			break
		}
		for k, v := range byDay[d] {
			if strings.HasPrefix(k, countPrefix) {
				counts[k] += v
			}
		}
		mrr12 += byDay[d][deltaMRR12]
	}
	out := Report{CommunityID: communityID, Currency: com.Currency, From: rg.From, To: rg.To, Days: []ReportDay{}}
	tot := ReportDay{Day: rg.From + "/" + rg.To}
	var revenue, refunds int64
	for _, d := range rg.Days() {
		m := byDay[d]
		for k, v := range m {
			if strings.HasPrefix(k, countPrefix) {
				counts[k] += v
			}
		}
		mrr12 += m[deltaMRR12]
		rd := ReportDay{Day: d, ByTier: []TierCount{}, New: m[flowNew], Canceled: m[flowCanceled], Failed: m[flowFailed],
			MRR: amt(mrrOf12(mrr12)), Revenue: amt(m[flowRevenue]), Refunds: amt(m[flowRefunds])}
		keys := make([]string, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if counts[k] == 0 {
				continue
			}
			tier, status, _ := strings.Cut(strings.TrimPrefix(k, countPrefix), "|")
			rd.ByTier = append(rd.ByTier, TierCount{TierID: tier, Name: names[tier], Status: Status(status), Members: counts[k]})
			rd.Members += counts[k]
		}
		out.Days = append(out.Days, rd)
		tot.New += rd.New
		tot.Canceled += rd.Canceled
		tot.Failed += rd.Failed
		revenue += m[flowRevenue]
		refunds += m[flowRefunds]
		tot.Members, tot.ByTier, tot.MRR = rd.Members, rd.ByTier, rd.MRR
	}
	tot.Revenue, tot.Refunds = amt(revenue), amt(refunds)
	out.Totals = tot
	return out, nil
}

// mrrOf12 is MRR from its twelfths, half-even to the minor unit.
func mrrOf12(x int64) int64 { return HalfEven(new(big.Rat).SetFrac64(x, 12)) }

// CSVRows is the report as CSV: one row per day and tier-status, and the
// day's totals in the row whose tier is empty.
func (r Report) CSVRows() ([]string, [][]string) {
	header := []string{"day", "tier_id", "tier", "status", "members", "new", "canceled", "ended_payment_failed", "mrr", "revenue", "refunds", "currency"}
	f := func(x money.Amount) string { return x.Decimal() }
	var rows [][]string
	for _, d := range r.Days {
		rows = append(rows, []string{d.Day, "", "", "", strconv.FormatInt(d.Members, 10), strconv.FormatInt(d.New, 10), strconv.FormatInt(d.Canceled, 10),
			strconv.FormatInt(d.Failed, 10), f(d.MRR), f(d.Revenue), f(d.Refunds), r.Currency})
		for _, t := range d.ByTier {
			rows = append(rows, []string{d.Day, t.TierID, t.Name, string(t.Status), strconv.FormatInt(t.Members, 10), "", "", "", "", "", "", r.Currency})
		}
	}
	return header, rows
}
