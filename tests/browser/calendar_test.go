package browser

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/souqhq/souq/tests/harness"
)

// The pages whose content grows with the calendar, on the days that
// break them: the 31st the suite starts on (harness.Start), the next
// month's 1st just after midnight, 29 February of a leap year and
// 31 December late in the evening. On each, a month's chart has one row
// per day so far, its table scrolls inside a region a keyboard can
// reach, and every page is axe-clean at desktop and phone width. The
// browser runs in UTC (TestMain), as the platform's days are.
func TestCalendar_MoneyPagesOnTheDaysThatBreakThem(t *testing.T) {
	ownerID, advID, infID := "usr_cal_owner_"+run, "usr_cal_adv_"+run, "usr_cal_inf_"+run
	ownerTok, advTok, infTok := token(t, ownerID), token(t, advID), token(t, infID)
	com := str(call(t, "POST", "/v1/communities", ownerTok, `{"name":"Calendar Club","url":"https://calendar.example","currency":"USD"}`, 201), "id")
	adv := str(call(t, "POST", "/v1/advertisers", advTok, `{"name":"Almanac Ads","currency":"USD"}`, 201), "id")
	settle(t)
	fund(t, advTok, "/v1/advertisers/"+adv, 20000, "USD")
	fund(t, ownerTok, "/v1/communities/"+com, 50000, "USD")
	prg := str(call(t, "POST", "/v1/communities/"+com+"/programs", ownerTok,
		`{"name":"Friends of the Calendar","currency":"USD","commission":{"type":"percent","bps":1000},"attributionDays":30,"holdDays":7,"minimumPayout":{"amount":0,"currency":"USD"},"budget":{"amount":20000,"currency":"USD"}}`, 201), "id")
	deal := str(call(t, "POST", "/v1/programs/"+prg+"/deals", infTok, `{"pitch":"Every day counts."}`, 201), "id")
	code := str(call(t, "POST", "/v1/deals/"+deal+"/approve", ownerTok, "", 200), "code")
	key := str(call(t, "POST", "/v1/communities/"+com+"/api-keys", ownerTok, `{"name":"shop"}`, 201), "secret")

	a, o, i := newTab(t), newTab(t), newTab(t)
	a.signIn(advID, "/console/advertisers/"+adv)
	o.signIn(ownerID, "/console/communities/"+com+"/earnings")
	i.signIn(infID, "/console/deals/"+deal)

	days := []struct {
		name string
		at   time.Time
	}{
		{"31st", harness.Start},
		{"1st", time.Date(2039, time.February, 1, 0, 5, 0, 0, time.UTC)},
		{"29-february", time.Date(2040, time.February, 29, 12, 0, 0, 0, time.UTC)},
		{"31-december", time.Date(2040, time.December, 31, 23, 30, 0, 0, time.UTC)},
	}
	for n, d := range days {
		to(t, d.at)
		// A conversion on each day: the deal's chart is its last 30 days.
		call(t, "POST", "/v1/conversions", key, fmt.Sprintf(`{"code":%q,"externalId":"cal-%d","amount":1000,"currency":"USD","customerId":"c%d"}`, code, n, n), 201)
		month := d.at.Format("January 2006")
		a.open("/console/advertisers/"+adv).sees("Spend per day, "+month).rows("Spend per day", d.at.Day())
		a.accessible("calendar-advertiser-" + d.name)
		o.open("/console/communities/"+com+"/earnings").sees("Earnings per day, "+month).rows("Earnings per day", d.at.Day())
		o.accessible("calendar-earnings-" + d.name)
		i.open("/console/deals/"+deal).rows("Commissions per day", 30)
		i.accessible("calendar-deal-" + d.name)
	}
}

// to moves the platform's clock forward to at (schedules that fall due
// run on the way).
func to(t *testing.T, at time.Time) {
	t.Helper()
	now := plat.Clock.Now()
	if d := at.Sub(now); d > 0 {
		call(t, "POST", "/local/clock/advance", "", fmt.Sprintf(`{"seconds":%d}`, int64(d.Seconds())), 200)
	}
	if got := plat.Clock.Now(); got.Format("2006-01-02") != at.Format("2006-01-02") {
		t.Fatalf("the platform's clock is at %s, want the day of %s", got, at)
	}
}

// rows checks that the chart titled title (its beginning) has n rows in
// its table, and that the table's scroll region is one a keyboard
// reaches and a screen reader names.
func (b *tab) rows(title string, n int) *tab {
	b.t.Helper()
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]any](fmt.Sprintf(`(() => {
	  const f = [...document.querySelectorAll("figure.chart")].find(f => f.querySelector("figcaption").textContent.trim().startsWith(%q));
	  if (!f) return [-1, "", ""];
	  const r = f.querySelector(".chart-scroll");
	  return [f.querySelectorAll("table.chart-table tbody tr").length, r ? r.getAttribute("tabindex") : "", r ? r.getAttribute("aria-label") : ""];
	})()`, title)))
	if err != nil {
		b.t.Fatal(err)
	}
	if len(got) != 3 || got[0] != float64(n) {
		b.t.Fatalf("%s: the chart %q has %v rows, want %d", b.location(), title, got, n)
	}
	if got[1] != "0" || got[2] == "" {
		b.t.Fatalf("%s: the chart %q's table scrolls in a region with tabindex %q and label %q", b.location(), title, got[1], got[2])
	}
	return b
}
