package console

import (
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// earningsReport is the API's report, as the totals check reads it.
type earningsReport struct {
	Totals []struct {
		Source             string
		Amount, Gross, Fee money
	}
	Total, Gross, Fee money
}

// shownMoney reads an amount as the console writes it ("€1,234.56",
// "−€0.50", "¥534") in minor units.
func shownMoney(t *testing.T, s string) int64 {
	t.Helper()
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "−") || strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "−-")
	s = strings.TrimLeft(s, "€$¥£")
	s = strings.ReplaceAll(s, ",", "")
	whole, cents, dec := strings.Cut(s, ".")
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		t.Fatalf("not an amount: %q", s)
	}
	if dec {
		c, err := strconv.ParseInt(cents, 10, 64)
		if err != nil || len(cents) != 2 {
			t.Fatalf("not an amount: %q", s)
		}
		n = n*100 + c
	}
	if neg {
		n = -n
	}
	return n
}

// dd is the first amount of the description of a term on the page (a
// term that starts with the words given).
func dd(t *testing.T, p *person, term string) int64 {
	t.Helper()
	var got *goquery.Selection
	p.page.Find("main dt").EachWithBreak(func(_ int, dt *goquery.Selection) bool {
		if strings.HasPrefix(strings.TrimSpace(dt.Text()), term) {
			got = dt.Next()
			return false
		}
		return true
	})
	if got == nil {
		t.Fatalf("%s: no %q on the page:\n%s", p.url, term, p.text())
	}
	first := got.Clone()
	first.Find(".help").Remove()
	return shownMoney(t, first.Text())
}

// totalsAgree checks that every total on a community's earnings page
// agrees with the others and with the API (DESIGN §16): the month's net
// above is the sources' total below; each source's gross less its fee is
// its net, and the sources add up to the footer; the chart per day adds
// up to the net; the balance, in transit included, is the API's.
func totalsAgree(t *testing.T, who *person, com string, rep earningsReport, b struct {
	Available, Held, Pending, InTransit int64
}) {
	t.Helper()
	p := who.get("/console/communities/" + com + "/earnings")
	if p.status != 200 {
		t.Fatalf("earnings: %d", p.status)
	}
	if net := dd(t, p, "Earned in"); net != rep.Total.Amount {
		t.Errorf("the month's net %d, the API's total %d", net, rep.Total.Amount)
	}
	for term, want := range map[string]int64{"Available": b.Available, "Held": b.Held, "Pending": b.Pending, "In transit": b.InTransit} {
		if got := dd(t, p, term); got != want {
			t.Errorf("%s shown %d, the API's %d", term, got, want)
		}
	}
	cells := func(tr *goquery.Selection) []int64 {
		var out []int64
		tr.Find("td.num").Each(func(i int, td *goquery.Selection) {
			if i > 0 || tr.Find("th").Length() > 0 { // the first number of a body row is its transfer count
				out = append(out, shownMoney(t, td.Text()))
			}
		})
		return out
	}
	table := p.page.Find(`section[aria-labelledby="sources"] table`)
	var gross, fee, net int64
	rows := table.Find("tbody tr")
	if rows.Length() != len(rep.Totals) {
		t.Fatalf("%d sources shown, the API has %d", rows.Length(), len(rep.Totals))
	}
	rows.Each(func(i int, tr *goquery.Selection) {
		c := cells(tr)
		if len(c) != 3 {
			t.Fatalf("a source's row %q", tr.Text())
		}
		api := rep.Totals[i]
		if c[0] != api.Gross.Amount || c[1] != api.Fee.Amount || c[2] != api.Amount.Amount {
			t.Errorf("%s: shown gross %d, fee %d, net %d; the API's %d, %d, %d", api.Source, c[0], c[1], c[2], api.Gross.Amount, api.Fee.Amount, api.Amount.Amount)
		}
		if c[0]-c[1] != c[2] {
			t.Errorf("%s: gross %d less fee %d is not its net %d", api.Source, c[0], c[1], c[2])
		}
		gross, fee, net = gross+c[0], fee+c[1], net+c[2]
	})
	foot := cells(table.Find("tfoot tr"))
	if len(foot) != 3 || foot[0] != gross || foot[1] != fee || foot[2] != net || net != rep.Total.Amount || gross != rep.Gross.Amount || fee != rep.Fee.Amount {
		t.Errorf("the footer %v, the rows' sums %d, %d, %d, the API's %d, %d, %d", foot, gross, fee, net, rep.Gross.Amount, rep.Fee.Amount, rep.Total.Amount)
	}
	var perDay int64
	p.page.Find(`section[aria-labelledby="chart"] .chart-table tbody td.num`).Each(func(_ int, td *goquery.Selection) {
		perDay += shownMoney(t, td.Text())
	})
	if perDay != rep.Total.Amount {
		t.Errorf("the days add up to %d, the month's net is %d", perDay, rep.Total.Amount)
	}
	home := who.get("/console/")
	card := home.page.Find(`a[href="/console/communities/` + com + `/earnings"]`).First().Closest(".card")
	if card.Length() == 0 {
		t.Fatalf("no card of the community on Home:\n%s", home.text())
	}
	for term, want := range map[string]int64{"Available": b.Available, "In transit": b.InTransit} {
		var got int64 = -1
		card.Find("dt").Each(func(_ int, dt *goquery.Selection) {
			if strings.TrimSpace(dt.Text()) == term {
				got = shownMoney(t, dt.Next().Text())
			}
		})
		if got != want {
			t.Errorf("Home's %s %d, the API's %d", term, got, want)
		}
	}
}
