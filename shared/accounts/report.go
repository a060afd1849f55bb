package accounts

import (
	"context"
	"sort"
	"strconv"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/report"
)

// The sources of a community's earnings, as its report shows them.
const (
	SourceFlights      = "flights"
	SourceCampaigns    = "campaigns"
	SourceSponsorships = "sponsorships"
	SourceReferrals    = "referrals"
)

// Sources are the report's sources, in its order.
var Sources = []string{SourceFlights, SourceCampaigns, SourceSponsorships, SourceReferrals}

// sourceOf is the source of a community's postings of a ledger kind, or
// "" for its own money moving (deposits, payouts, holds and releases),
// which earns nothing and is not in the report.
func sourceOf(kind string) string {
	switch kind {
	case "flight_capture":
		return SourceFlights
	case "campaign_charge":
		return SourceCampaigns
	case "sponsorship_capture", "sponsorship_refund", "sponsorship_pay":
		return SourceSponsorships
	case "referral_commission", "referral_commission_return", "referral_clearing":
		return SourceReferrals
	}
	return ""
}

// EarningsRow is what one source brought a community on one day: the net
// of its ledger transfers (a sponsorship refunded is taken back; referral
// commissions the community's programs paid are negative) and how many;
// with Souq's fee of it and the gross it is the net of (gross = amount +
// fee: what advertisers paid for it).
type EarningsRow struct {
	Day       string       `json:"day"`
	Source    string       `json:"source"`
	Amount    money.Amount `json:"amount"`
	Gross     money.Amount `json:"gross"`
	Fee       money.Amount `json:"fee"`
	Transfers int64        `json:"transfers"`
}

// SourceTotal is a source's total over the report's days.
type SourceTotal struct {
	Source    string       `json:"source"`
	Amount    money.Amount `json:"amount"`
	Gross     money.Amount `json:"gross"`
	Fee       money.Amount `json:"fee"`
	Transfers int64        `json:"transfers"`
}

// EarningsReport is a community's earnings per day and source, read from
// the ledger's days of its account: each figure is the sum of postings
// its statement shows for those days.
type EarningsReport struct {
	CommunityID string `json:"communityId"`
	Currency    string `json:"currency"`
	report.Range
	Rows   []EarningsRow `json:"rows"`
	Totals []SourceTotal `json:"totals"`
	// Total is the net of every source; Gross and Fee the same of theirs.
	Total money.Amount `json:"total"`
	Gross money.Amount `json:"gross"`
	Fee   money.Amount `json:"fee"`
}

// CommunityReport is a community's earnings report over rng (days in
// UTC), for its owner or its API key.
func (s *Service) CommunityReport(ctx context.Context, p auth.Principal, communityID, from, to string) (EarningsReport, error) {
	const op = "accounts.CommunityReport"
	if s.ledger == nil {
		return EarningsReport{}, fault.New(fault.Unavailable, op, "the ledger is not configured")
	}
	it, err := s.account(ctx, op, p, auth.AccountCommunity, communityID)
	if err != nil {
		return EarningsReport{}, err
	}
	r, err := report.ParseRange(from, to, clock.Parse(it.CreatedAt), s.clock.Now())
	if err != nil {
		return EarningsReport{}, err
	}
	days, err := s.ledger.Days(ctx, ledgerAccount(auth.AccountCommunity, communityID), it.Currency, r.From, r.To)
	if err != nil {
		return EarningsReport{}, err
	}
	cur := func(n int64) money.Amount { return money.Amount{Minor: n, Currency: it.Currency} }
	out := EarningsReport{CommunityID: communityID, Currency: it.Currency, Range: r, Rows: []EarningsRow{}, Total: cur(0), Gross: cur(0), Fee: cur(0)}
	type key struct{ day, source string }
	rows := map[key]*EarningsRow{}
	totals := map[string]*SourceTotal{}
	for _, src := range Sources {
		totals[src] = &SourceTotal{Source: src, Amount: cur(0), Gross: cur(0), Fee: cur(0)}
	}
	for _, d := range days {
		src := sourceOf(d.Kind)
		if src == "" || !r.Contains(d.Day) {
			continue
		}
		row := rows[key{d.Day, src}]
		if row == nil {
			row = &EarningsRow{Day: d.Day, Source: src, Amount: cur(0), Gross: cur(0), Fee: cur(0)}
			rows[key{d.Day, src}] = row
		}
		t := totals[src]
		for _, a := range []*money.Amount{&row.Amount, &t.Amount, &out.Total} {
			a.Minor += d.Net
		}
		for _, a := range []*money.Amount{&row.Fee, &t.Fee, &out.Fee} {
			a.Minor += d.Fee
		}
		for _, a := range []*money.Amount{&row.Gross, &t.Gross, &out.Gross} {
			a.Minor += d.Net + d.Fee
		}
		row.Transfers += d.Transfers
		t.Transfers += d.Transfers
	}
	order := map[string]int{}
	for i, src := range Sources {
		order[src] = i
	}
	for _, row := range rows {
		out.Rows = append(out.Rows, *row)
	}
	sort.Slice(out.Rows, func(i, j int) bool {
		a, b := out.Rows[i], out.Rows[j]
		if a.Day != b.Day {
			return a.Day < b.Day
		}
		return order[a.Source] < order[b.Source]
	})
	for _, src := range Sources {
		out.Totals = append(out.Totals, *totals[src])
	}
	return out, nil
}

// CSVRows are the report's rows for text/csv: day, source, amount (the
// net, in the currency's major unit), currency, transfers, gross, fee.
func (e EarningsReport) CSVRows() (header []string, rows [][]string) {
	header = []string{"day", "source", "amount", "currency", "transfers", "gross", "fee"}
	for _, r := range e.Rows {
		rows = append(rows, []string{r.Day, r.Source, r.Amount.Decimal(), r.Amount.Currency, strconv.FormatInt(r.Transfers, 10), r.Gross.Decimal(), r.Fee.Decimal()})
	}
	return header, rows
}
