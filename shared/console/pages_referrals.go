package console

import (
	"net/http"
	"time"

	"github.com/souqhq/souq/shared/clock"
)

func (c *Console) createProgram(q *req) {
	id := q.r.PathValue("id")
	f, bad := parseProgramForm(q.r)
	if len(bad) > 0 {
		c.community(q, invalid(q, "program", bad))
		return
	}
	prg, err := q.api.CreateProgram(q.r.Context(), id, f.Request(), q.r.PostForm.Get("idem"))
	if err != nil {
		c.again(q, "program", err, c.community)
		return
	}
	c.done(q.w, q.r, "/console/programs/"+prg.ID, "Program created: its budget is held.")
}

type programData struct {
	Program Program
	Report  *ProgramReport
	Owner   bool
	Mine    *Deal // the person's own deal in it
	Pending []Deal
	Others  []Deal
	Base    string
}

func (c *Console) program(q *req, f *formState) {
	ctx, id := q.r.Context(), q.r.PathValue("id")
	d := programData{Base: c.cfg.BaseURL}
	var me Me
	var mine []Deal
	err := parallel(
		func() (err error) { d.Program, err = q.api.Program(ctx, id); return },
		func() (err error) { me, err = q.api.Me(ctx); return },
		func() error { l, err := q.api.MyDeals(ctx); mine = l.Data; return err },
	)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	for i := range mine {
		if mine[i].ProgramID == id {
			d.Mine = &mine[i]
		}
	}
	if d.Owner = owns(me.Communities, d.Program.CommunityID); d.Owner {
		rep, err := q.api.ProgramReport(ctx, id)
		if err != nil {
			c.fail(q.w, q.r, err)
			return
		}
		d.Report, d.Program = &rep, rep.Program
		for _, dl := range rep.Deals {
			if dl.Status == "pending" {
				d.Pending = append(d.Pending, dl)
			} else {
				d.Others = append(d.Others, dl)
			}
		}
	}
	c.show(q, "program", view{Title: d.Program.Name, Nav: "deals", Data: d, Form: f})
}

func (c *Console) programAction(action string) func(*req) {
	return func(q *req) {
		ctx, id := q.r.Context(), q.r.PathValue("id")
		var err error
		msg := ""
		switch action {
		case "budget":
			f, bad := parseAmountForm(q.r)
			if len(bad) > 0 {
				c.program(q, invalid(q, "budget", bad))
				return
			}
			in := f.Request()
			_, err = q.api.ProgramAction(ctx, id, "budget", &in, q.r.PostForm.Get("idem"))
			msg = "Budget topped up by " + FormatMoney(f.Amount, f.Currency) + "."
		case "pause", "resume", "close":
			_, err = q.api.ProgramAction(ctx, id, action, nil, "")
			msg = map[string]string{"pause": "Paused: conversions earn nothing until you resume.", "resume": "Resumed.",
				"close": "Closed: the unspent budget is released."}[action]
		case "apply":
			var deal Deal
			deal, err = q.api.Apply(ctx, id, parseApplyForm(q.r).Request())
			if err == nil {
				c.addRole(q.w, q.r, 'i')
				c.done(q.w, q.r, "/console/deals/"+deal.ID, "Applied: the community will decide.")
				return
			}
		default:
			c.refuse(q.w, q.r, http.StatusNotFound, "There is no such page.")
			return
		}
		if err != nil {
			c.again(q, action, err, c.program)
			return
		}
		c.done(q.w, q.r, "/console/programs/"+id, msg)
	}
}

func (c *Console) deals(q *req, _ *formState) {
	l, err := q.api.MyDeals(q.r.Context())
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	c.show(q, "deals", view{Title: "Your deals", Nav: "deals", Data: l.Data})
}

type dealData struct {
	Deal        Deal
	Conversions []Conversion
	Members     []ReferredMember
	Mine        bool
	Chart       Chart
}

func (c *Console) deal(q *req, f *formState) {
	ctx, id := q.r.Context(), q.r.PathValue("id")
	var d dealData
	err := parallel(
		func() (err error) { d.Deal, err = q.api.Deal(ctx, id); return },
		func() error { l, err := q.api.DealConversions(ctx, id); d.Conversions = l.Data; return err },
		func() error { l, err := q.api.DealMembers(ctx, id); d.Members = l.Data; return err },
	)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	d.Mine = d.Deal.InfluencerID == q.s.UserID
	d.Chart = commissionChart(d.Conversions, d.Deal.Stats.Currency, c.location(q.r))
	c.show(q, "deal", view{Title: "Deal", Nav: "deals", Data: d, Form: f})
}

func (c *Console) dealAction(action string) func(*req) {
	return func(q *req) {
		id := q.r.PathValue("id")
		deal, err := q.api.DealAction(q.r.Context(), id, action, parseDealDecisionForm(q.r, action).Request())
		if err != nil {
			c.again(q, action, err, c.deal)
			return
		}
		back := "/console/deals/" + id
		if to := q.r.PostForm.Get("back"); to == "program" {
			back = "/console/programs/" + deal.ProgramID
		}
		msg := "Declined."
		if action == "approve" {
			msg = "Approved: the influencer's code is " + deal.Code + "."
		}
		c.done(q.w, q.r, back, msg)
	}
}

func (c *Console) claimCommunityPayout(q *req) {
	id := q.r.PathValue("id")
	f, bad := parseAmountForm(q.r)
	if len(bad) > 0 {
		c.earnings(q, invalid(q, "claim", bad))
		return
	}
	po, err := q.api.ClaimCommunityPayout(q.r.Context(), id, f.Request(), q.r.PostForm.Get("idem"))
	if err != nil {
		c.again(q, "claim", notPayable(err), c.earnings)
		return
	}
	c.done(q.w, q.r, "/console/communities/"+id+"/earnings", "Payout of "+FormatMoney(po.Amount, po.Currency)+" claimed: it is "+po.Status+".")
}

// commissionChart is a deal's commissions per day over its last 30 days
// of conversions.
func commissionChart(cs []Conversion, currency string, loc *time.Location) Chart {
	sums := map[string]int64{}
	var last time.Time
	for _, cv := range cs {
		if cv.Commission == nil || cv.Status == "reversed" || cv.Status == "declined" {
			continue
		}
		sums[cv.CreatedAt.In(loc).Format(clock.DayLayout)] += cv.Commission.Amount
		if cv.CreatedAt.After(last) {
			last = cv.CreatedAt
		}
	}
	var pts []Point
	if !last.IsZero() {
		for d := last.In(loc).AddDate(0, 0, -29); !d.After(last.In(loc)); d = d.AddDate(0, 0, 1) {
			pts = append(pts, Point{Label: d.Format(clock.DayLayout), Value: sums[d.Format(clock.DayLayout)]})
		}
	}
	return barChart("Commissions per day", pts, currency)
}
