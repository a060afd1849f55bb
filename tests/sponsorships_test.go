package tests

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

type offeringView struct {
	ID, CommunityID, Title, Format, Currency, Brief string
	Amount                                          int64
	ReviewDays, CapacityPerDate                     int
	Archived                                        bool
}

type sponsorshipView struct {
	ID, OfferingID, CommunityID, AdvertiserID, Status, Currency string
	DesiredDate, PublishDate, PublishBy, PublishedURL           string
	ReviewDeadline                                              string
	Amount                                                      int64
	Version                                                     int
	Proposal                                                    *struct {
		Amount      int64
		Date, Notes string
	}
	Content  *struct{ Title, Body, Link string }
	Versions []struct {
		Version     int
		Title, Body string
	}
	History []struct{ Actor, Role, Action, From, To, Note string }
}

// market is a community (EUR) with one offering, its owner, and a funded
// advertiser with an API key, all learnt by the sponsorships context.
type market struct {
	ownerToken, com  string
	offering         offeringView
	advToken, advID  string
	advKey           string
	comKey           string
	otherOwnerToken  string
	otherAdvToken    string
	otherAdvID       string
	otherAdvKey      string
	otherCommunityID string
}

const offeringBody = `{"title":"Newsletter feature","format":"newsletter","amount":1000,"currency":"EUR","reviewDays":3,` +
	`"limits":{"maxTitleLength":60,"maxBodyLength":500,"linkRequired":true},"brief":"One paragraph, no emoji."}`

func newMarket(t *testing.T, funds int64) market {
	t.Helper()
	var m market
	_, m.ownerToken = newUser(t)
	m.com = createCommunity(t, m.ownerToken).ID
	m.comKey = createKey(t, m.ownerToken, "/v1/communities/"+m.com).Secret
	_, m.otherOwnerToken = newUser(t)
	m.otherCommunityID = createCommunity(t, m.otherOwnerToken).ID
	events(t, "CommunityCreated") // sponsorships learns of communities by event
	m.offering = decode[offeringView](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + m.com + "/offerings", auth: m.ownerToken, body: offeringBody}), 201))
	m.advToken, m.advID = eurAdvertiser(t, funds)
	m.advKey = createKey(t, m.advToken, "/v1/advertisers/"+m.advID).Secret
	m.otherAdvToken, m.otherAdvID = eurAdvertiser(t, funds)
	m.otherAdvKey = createKey(t, m.otherAdvToken, "/v1/advertisers/"+m.otherAdvID).Secret
	return m
}

// dayFromNow is a calendar date n days after the platform's today.
func dayFromNow(t *testing.T, n int) string {
	t.Helper()
	return now(t).UTC().AddDate(0, 0, n).Format("2006-01-02")
}

func bookBody(date string) string {
	return fmt.Sprintf(`{"desiredDate":%q,"content":{"title":"Try Widgets","body":"Widgets make everything better.","link":"https://shop.example/w"}}`, date)
}

func (m market) book(t *testing.T, auth, date string, status int) sponsorshipView {
	t.Helper()
	r := expect(t, do(t, call{method: "POST", headers: freshKey(), path: "/v1/offerings/" + m.offering.ID + "/sponsorships", auth: auth, body: bookBody(date)}), status)
	if status != 201 {
		return sponsorshipView{}
	}
	return decode[sponsorshipView](t, r)
}

func act(t *testing.T, auth, spn, action, body string, status int) reply {
	t.Helper()
	method, path := "POST", "/v1/sponsorships/"+spn+"/"+action
	if action == "content" {
		method = "PUT"
	}
	return expect(t, do(t, call{method: method, path: path, auth: auth, body: body}), status)
}

func readSponsorship(t *testing.T, auth, spn string) sponsorshipView {
	t.Helper()
	return decode[sponsorshipView](t, expect(t, do(t, call{method: "GET", path: "/v1/sponsorships/" + spn, auth: auth}), 200))
}

func (m market) advBalance(t *testing.T) balanceView {
	t.Helper()
	return balanceOf(t, m.advKey, "/v1/advertisers/"+m.advID) // keys do not expire as the clock moves
}

func (m market) comBalance(t *testing.T) balanceView {
	t.Helper()
	return balanceOf(t, m.comKey, "/v1/communities/"+m.com)
}

func TestOfferings_CreateListReadUpdateArchive(t *testing.T) {
	m := newMarket(t, 0)
	// Bad offerings are 400 naming each field, and create nothing.
	r := expect(t, do(t, call{method: "POST", path: "/v1/communities/" + m.com + "/offerings", auth: m.ownerToken,
		body: `{"title":"","format":"podcast","amount":-5,"currency":"USD","reviewDays":90,"capacityPerDate":0}`}), 400)
	for _, f := range []string{"title", "format", "amount", "reviewDays", "capacityPerDate"} {
		if !hasFieldError(r, f) {
			t.Errorf("no field error for %s: %s", f, r.body)
		}
	}
	expect(t, do(t, call{method: "POST", path: "/v1/communities/" + m.com + "/offerings", auth: m.ownerToken, body: strings.Replace(offeringBody, `"EUR"`, `"USD"`, 1)}), 400)
	expect(t, do(t, call{method: "POST", path: "/v1/communities/" + m.com + "/offerings", auth: m.ownerToken, body: `{"title":"x","bogus":1}`}), 400)
	expect(t, do(t, call{method: "POST", path: "/v1/communities/" + m.com + "/offerings", auth: m.otherOwnerToken, body: offeringBody}), 404)
	expect(t, do(t, call{method: "POST", path: "/v1/communities/" + m.com + "/offerings", body: offeringBody}), 401)

	o := m.offering
	if o.Amount != 1000 || o.Currency != "EUR" || o.ReviewDays != 3 || o.CapacityPerDate != 1 || o.Format != "newsletter" || o.Brief == "" {
		t.Fatalf("created: %+v", o)
	}
	if got := decode[offeringView](t, expect(t, do(t, call{method: "GET", path: "/v1/offerings/" + o.ID}), 200)); got != o {
		t.Fatalf("public read: %+v", got)
	}
	second := decode[offeringView](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + m.com + "/offerings", auth: m.ownerToken,
		body: `{"title":"Pinned post","format":"pinned_post","amount":2500,"currency":"EUR","reviewDays":2,"capacityPerDate":2}`}), 201))
	list := decode[struct{ Data []offeringView }](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + m.com + "/offerings"}), 200))
	if len(list.Data) != 2 {
		t.Fatalf("public list: %+v", list)
	}
	// Update for future bookings; another owner cannot.
	up := decode[offeringView](t, expect(t, do(t, call{method: "PATCH", path: "/v1/offerings/" + second.ID, auth: m.ownerToken, body: `{"amount":3000}`}), 200))
	if up.Amount != 3000 || up.Title != "Pinned post" {
		t.Fatalf("updated: %+v", up)
	}
	expect(t, do(t, call{method: "PATCH", path: "/v1/offerings/" + second.ID, auth: m.otherOwnerToken, body: `{"amount":1}`}), 404)
	expect(t, do(t, call{method: "PATCH", path: "/v1/offerings/" + second.ID, auth: m.ownerToken, body: `{"amount":0}`}), 400)
	// Archived: off the public list, not bookable, not editable.
	expect(t, do(t, call{method: "POST", path: "/v1/offerings/" + second.ID + "/archive", auth: m.ownerToken}), 200)
	list = decode[struct{ Data []offeringView }](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + m.com + "/offerings"}), 200))
	if len(list.Data) != 1 || list.Data[0].ID != o.ID {
		t.Fatalf("list after archive: %+v", list)
	}
	expect(t, do(t, call{method: "POST", headers: freshKey(), path: "/v1/offerings/" + second.ID + "/sponsorships", auth: m.advKey, body: bookBody(dayFromNow(t, 5))}), 409)
	expect(t, do(t, call{method: "PATCH", path: "/v1/offerings/" + second.ID, auth: m.ownerToken, body: `{"amount":1}`}), 409)
	expect(t, do(t, call{method: "GET", path: "/v1/offerings/off_nope"}), 404)
}

// Book → approve → publish: held, captured into the community's held
// balance, paid out less the fee; every step in the history and on the bus.
func TestSponsorships_BookApprovePublish(t *testing.T) {
	m := newMarket(t, 5_000)
	date := dayFromNow(t, 7)

	// Content that breaks the offering's limits: field errors, nothing held.
	r := expect(t, do(t, call{method: "POST", headers: freshKey(), path: "/v1/offerings/" + m.offering.ID + "/sponsorships", auth: m.advKey,
		body: fmt.Sprintf(`{"desiredDate":%q,"content":{"title":%q,"body":"b","imageUrl":"http://cdn.example/i.png"}}`, date, strings.Repeat("t", 61))}), 400)
	for _, f := range []string{"content.title", "content.link", "content.imageUrl"} {
		if !hasFieldError(r, f) {
			t.Errorf("no field error for %s: %s", f, r.body)
		}
	}
	expect(t, do(t, call{method: "POST", headers: freshKey(), path: "/v1/offerings/" + m.offering.ID + "/sponsorships", auth: m.advKey, body: bookBody(dayFromNow(t, 0))}), 400)
	expect(t, do(t, call{method: "POST", headers: freshKey(), path: "/v1/offerings/" + m.offering.ID + "/sponsorships", auth: m.advKey, body: bookBody("tomorrow")}), 400)
	if b := m.advBalance(t); b.Available != 5_000 || b.Held != 0 {
		t.Fatalf("refused bookings moved money: %+v", b)
	}

	s := m.book(t, m.advKey, date, 201)
	if s.Status != "pending_review" || s.Version != 1 || s.Amount != 1000 || s.AdvertiserID != m.advID || s.DesiredDate != date {
		t.Fatalf("booked: %+v", s)
	}
	if b := m.advBalance(t); b.Available != 4_000 || b.Held != 1_000 {
		t.Fatalf("the price is held: %+v", b)
	}
	// The date is taken.
	avail := decode[struct {
		Data []struct {
			Date               string
			Booked, Capacity   int
			Blocked, Available bool
		}
	}](t, expect(t, do(t, call{method: "GET", path: "/v1/offerings/" + m.offering.ID + "/availability?from=" + date + "&days=2"}), 200))
	if len(avail.Data) != 2 || avail.Data[0].Available || avail.Data[0].Booked != 1 || !avail.Data[1].Available {
		t.Fatalf("availability: %+v", avail)
	}
	m.book(t, m.otherAdvKey, date, 409)

	// The owner's queue shows it; the owner decides.
	q := decode[struct{ Data []sponsorshipView }](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + m.com + "/sponsorships?status=pending_review", auth: m.ownerToken}), 200))
	if len(q.Data) != 1 || q.Data[0].ID != s.ID {
		t.Fatalf("queue: %+v", q)
	}
	expect(t, do(t, call{method: "GET", path: "/v1/communities/" + m.com + "/sponsorships?status=bogus", auth: m.ownerToken}), 400)
	act(t, m.ownerToken, s.ID, "approve", `{"publishDate":"yesterday"}`, 400)
	a := decode[sponsorshipView](t, act(t, m.ownerToken, s.ID, "approve", "", 200))
	if a.Status != "approved" || a.PublishDate != date || a.PublishBy == "" {
		t.Fatalf("approved: %+v", a)
	}
	if b := m.comBalance(t); b.Held != 1_000 || b.Available != 0 {
		t.Fatalf("captured into the community's held balance: %+v", b)
	}
	if b := m.advBalance(t); b.Available != 4_000 || b.Held != 0 {
		t.Fatalf("the sponsor paid: %+v", b)
	}
	// Approving again, or cancelling an approved post in time: 409 with the state.
	if r := act(t, m.ownerToken, s.ID, "approve", "", 409); !strings.Contains(string(r.body), `"state":"approved"`) {
		t.Fatalf("409 without the current state: %s", r.body)
	}
	act(t, m.advKey, s.ID, "cancel", "", 409)
	act(t, m.ownerToken, s.ID, "publish", `{}`, 400)
	act(t, m.ownerToken, s.ID, "publish", `{"url":"javascript:alert(1)"}`, 400)
	p := decode[sponsorshipView](t, act(t, m.ownerToken, s.ID, "publish", `{"url":"https://rust.example/posts/42"}`, 200))
	if p.Status != "published" || p.PublishedURL != "https://rust.example/posts/42" {
		t.Fatalf("published: %+v", p)
	}
	if b := m.comBalance(t); b.Held != 0 || b.Available != 900 {
		t.Fatalf("paid less the 10%% fee: %+v", b)
	}
	act(t, m.ownerToken, s.ID, "publish", `{"url":"https://rust.example/posts/42"}`, 409)

	got := readSponsorship(t, m.advKey, s.ID)
	steps := []string{}
	for _, h := range got.History {
		steps = append(steps, h.From+"→"+h.To)
	}
	if strings.Join(steps, " ") != "→pending_review pending_review→approved approved→published" {
		t.Fatalf("history: %v", steps)
	}
	for _, dt := range []string{"SponsorshipSubmitted", "SponsorshipApproved", "SponsorshipPublished"} {
		if n := countEventsFor(t, dt, "sponsorshipId", s.ID); n != 1 {
			t.Errorf("%s published %d times", dt, n)
		}
	}
	verifyLedger(t)
}

func TestSponsorships_RequestChangesReviseApprove(t *testing.T) {
	m := newMarket(t, 5_000)
	s := m.book(t, m.advKey, dayFromNow(t, 6), 201)
	act(t, m.ownerToken, s.ID, "request-changes", `{}`, 400)
	act(t, m.ownerToken, s.ID, "request-changes", `{"notes":"  "}`, 400)
	c := decode[sponsorshipView](t, act(t, m.ownerToken, s.ID, "request-changes", `{"notes":"A shorter title, please"}`, 200))
	if c.Status != "changes_requested" {
		t.Fatalf("changes requested: %+v", c)
	}
	act(t, m.ownerToken, s.ID, "approve", "", 409)
	// The owner cannot revise; the sponsor's revision must keep the limits.
	act(t, m.ownerToken, s.ID, "content", `{"title":"t","body":"b","link":"https://shop.example"}`, 403)
	act(t, m.advKey, s.ID, "content", `{"title":"Widgets","body":"b"}`, 400)
	v := decode[sponsorshipView](t, act(t, m.advKey, s.ID, "content", `{"title":"Widgets","body":"Better widgets.","link":"https://shop.example/w2"}`, 200))
	if v.Status != "pending_review" || v.Version != 2 || v.Content.Title != "Widgets" || len(v.Versions) != 2 || v.Versions[0].Title != "Try Widgets" {
		t.Fatalf("revised: %+v", v)
	}
	a := decode[sponsorshipView](t, act(t, m.ownerToken, s.ID, "approve", fmt.Sprintf(`{"publishDate":%q}`, dayFromNow(t, 8)), 200))
	if a.Status != "approved" || a.PublishDate != dayFromNow(t, 8) || a.Version != 2 {
		t.Fatalf("approved: %+v", a)
	}
	h := readSponsorship(t, m.ownerToken, s.ID).History
	if len(h) != 4 || h[1].Note != "A shorter title, please" || h[2].Action != "revise" || h[2].Role != "sponsor" {
		t.Fatalf("history: %+v", h)
	}
	if countEventsFor(t, "SponsorshipChangesRequested", "sponsorshipId", s.ID) != 1 || countEventsFor(t, "SponsorshipRevised", "sponsorshipId", s.ID) != 1 {
		t.Fatal("one event per transition")
	}
	verifyLedger(t)
}

// Reject, cancel and expire release the hold and give the date back;
// refused transitions on ended bookings are 409 with the state.
func TestSponsorships_RejectCancelExpire(t *testing.T) {
	m := newMarket(t, 5_000)
	d1, d2, d3 := dayFromNow(t, 10), dayFromNow(t, 11), dayFromNow(t, 12)
	rej := m.book(t, m.advKey, d1, 201)
	m.book(t, m.advToken, d2, 400) // a person must name the advertiser
	can := decode[sponsorshipView](t, expect(t, do(t, call{method: "POST", headers: freshKey(), path: "/v1/offerings/" + m.offering.ID + "/sponsorships", auth: m.advToken,
		body: strings.Replace(bookBody(d2), `{`, fmt.Sprintf(`{"advertiserId":%q,`, m.advID), 1)}), 201))
	exp := m.book(t, m.advKey, d3, 201)
	if b := m.advBalance(t); b.Held != 3_000 {
		t.Fatalf("three holds: %+v", b)
	}
	act(t, m.ownerToken, rej.ID, "reject", `{}`, 400)
	if r := decode[sponsorshipView](t, act(t, m.ownerToken, rej.ID, "reject", `{"reason":"Off topic for our readers"}`, 200)); r.Status != "rejected" {
		t.Fatalf("rejected: %+v", r)
	}
	if c := decode[sponsorshipView](t, act(t, m.advToken, can.ID, "cancel", "", 200)); c.Status != "cancelled" {
		t.Fatalf("cancelled: %+v", c)
	}
	if b := m.advBalance(t); b.Held != 1_000 || b.Available != 4_000 {
		t.Fatalf("after reject and cancel: %+v", b)
	}
	// The deadline passes on the platform's clock: expired by the schedule.
	advance(t, 3*24*time.Hour)
	if e := readSponsorship(t, m.ownerToken, exp.ID); e.Status != "expired" || e.History[len(e.History)-1].Role != "system" {
		t.Fatalf("expired: %+v", e)
	}
	if b := m.advBalance(t); b.Held != 0 || b.Available != 5_000 {
		t.Fatalf("all released: %+v", b)
	}
	// Ended bookings refuse everything, with their state.
	for spn, state := range map[string]string{rej.ID: "rejected", can.ID: "cancelled", exp.ID: "expired"} {
		for _, a := range []struct{ action, auth, body string }{
			{"approve", m.ownerToken, ""}, {"cancel", m.advKey, ""}, {"publish", m.ownerToken, `{"url":"https://x.example"}`},
			{"content", m.advKey, `{"title":"t","body":"b","link":"https://shop.example"}`},
		} {
			if r := act(t, a.auth, spn, a.action, a.body, 409); !strings.Contains(string(r.body), `"state":"`+state+`"`) {
				t.Errorf("%s on %s: %s", a.action, state, r.body)
			}
		}
	}
	// Their dates are free again.
	for _, d := range []string{d1, d2, d3} {
		m.book(t, m.otherAdvKey, d, 201)
	}
	for dt, spn := range map[string]string{"SponsorshipRejected": rej.ID, "SponsorshipCancelled": can.ID, "SponsorshipExpired": exp.ID} {
		if countEventsFor(t, dt, "sponsorshipId", spn) != 1 {
			t.Errorf("%s once", dt)
		}
	}
	verifyLedger(t)
}

func TestSponsorships_CounterProposal(t *testing.T) {
	m := newMarket(t, 2_000)
	d, d2 := dayFromNow(t, 14), dayFromNow(t, 15)
	s := m.book(t, m.advKey, d, 201)
	act(t, m.ownerToken, s.ID, "propose", `{}`, 400)
	act(t, m.ownerToken, s.ID, "propose", `{"amount":0}`, 400)
	p := decode[sponsorshipView](t, act(t, m.ownerToken, s.ID, "propose", fmt.Sprintf(`{"amount":1500,"date":%q,"notes":"That week is full"}`, d2), 200))
	if p.Status != "countered" || p.Proposal == nil || p.Proposal.Amount != 1500 || p.Proposal.Date != d2 {
		t.Fatalf("proposed: %+v", p)
	}
	act(t, m.ownerToken, s.ID, "approve", "", 409)
	act(t, m.ownerToken, s.ID, "accept-proposal", "", 403)
	a := decode[sponsorshipView](t, act(t, m.advKey, s.ID, "accept-proposal", "", 200))
	if a.Status != "pending_review" || a.Amount != 1500 || a.DesiredDate != d2 || a.Proposal != nil {
		t.Fatalf("accepted: %+v", a)
	}
	if b := m.advBalance(t); b.Held != 1_500 || b.Available != 500 {
		t.Fatalf("the hold moved by the difference: %+v", b)
	}
	m.book(t, m.otherAdvKey, d, 201)  // the old date is free
	m.book(t, m.otherAdvKey, d2, 409) // the new one is taken
	// Beyond funds: refused, nothing moves; declining keeps the terms.
	act(t, m.ownerToken, s.ID, "propose", `{"amount":2600}`, 200)
	act(t, m.advKey, s.ID, "accept-proposal", "", 422)
	if b := m.advBalance(t); b.Held != 1_500 || b.Available != 500 {
		t.Fatalf("a refused acceptance moved money: %+v", b)
	}
	dec := decode[sponsorshipView](t, act(t, m.advKey, s.ID, "decline-proposal", `{"note":"Too much"}`, 200))
	if dec.Status != "pending_review" || dec.Amount != 1500 {
		t.Fatalf("declined: %+v", dec)
	}
	act(t, m.ownerToken, s.ID, "approve", "", 200)
	if b := m.comBalance(t); b.Held != 1_500 {
		t.Fatalf("captured at the agreed price: %+v", b)
	}
	verifyLedger(t)
}

// Approved, then not published within 14 days of its publish date: the
// sponsor cancels and is refunded from the community's held balance.
func TestSponsorships_UnpublishedAfterTheGraceIsRefunded(t *testing.T) {
	m := newMarket(t, 5_000)
	s := m.book(t, m.advKey, dayFromNow(t, 2), 201)
	act(t, m.ownerToken, s.ID, "approve", "", 200)
	act(t, m.advKey, s.ID, "cancel", "", 409)
	advance(t, 17*24*time.Hour)
	if c := decode[sponsorshipView](t, act(t, m.advKey, s.ID, "cancel", `{"note":"It never ran"}`, 200)); c.Status != "cancelled" {
		t.Fatalf("refund: %+v", c)
	}
	if b := m.advBalance(t); b.Available != 5_000 || b.Held != 0 {
		t.Fatalf("refunded: %+v", b)
	}
	if b := m.comBalance(t); b.Held != 0 || b.Available != 0 {
		t.Fatalf("community: %+v", b)
	}
	verifyLedger(t)
}

// Decisions racing over HTTP: exactly one wins, the rest get 409, and the
// money moves once.
func TestSponsorships_RacingDecisions(t *testing.T) {
	m := newMarket(t, 20_000)
	approvedCount := int64(0)
	for round := 0; round < 4; round++ {
		s := m.book(t, m.advKey, dayFromNow(t, 20+round), 201)
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[int]int{}
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := call{method: "POST", path: "/v1/sponsorships/" + s.ID + "/approve", auth: m.ownerToken}
				if i%2 == 1 {
					c = call{method: "POST", path: "/v1/sponsorships/" + s.ID + "/cancel", auth: m.advKey}
				}
				r := do(t, c)
				mu.Lock()
				codes[r.status]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if codes[200] != 1 || codes[409] != 9 {
			t.Fatalf("round %d: %v, want one 200 and nine 409", round, codes)
		}
		if readSponsorship(t, m.ownerToken, s.ID).Status == "approved" {
			approvedCount++
		}
	}
	if b := m.advBalance(t); b.Held != 0 || b.Available != 20_000-1_000*approvedCount {
		t.Fatalf("advertiser after %d approvals: %+v", approvedCount, b)
	}
	if b := m.comBalance(t); b.Held != 1_000*approvedCount {
		t.Fatalf("community after %d approvals: %+v", approvedCount, b)
	}
	verifyLedger(t)
}

// Sponsors racing for the last opening of a date: exactly one gets it.
func TestSponsorships_RaceForTheLastOpening(t *testing.T) {
	m := newMarket(t, 0)
	date := dayFromNow(t, 30)
	keys := make([]string, 6)
	for i := range keys {
		tok, id := eurAdvertiser(t, 2_000)
		keys[i] = createKey(t, tok, "/v1/advertisers/"+id).Secret
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for _, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := do(t, call{method: "POST", headers: freshKey(), path: "/v1/offerings/" + m.offering.ID + "/sponsorships", auth: k, body: bookBody(date)})
			mu.Lock()
			codes[r.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[201] != 1 || codes[409] != len(keys)-1 {
		t.Fatalf("%v, want one 201", codes)
	}
	verifyLedger(t)
}

// Per-object authorization: strangers get 404 and learn nothing; a sponsor
// cannot decide on its own booking; lists are their owners' only.
func TestSponsorships_Authorization(t *testing.T) {
	m := newMarket(t, 5_000)
	s := m.book(t, m.advKey, dayFromNow(t, 40), 201)
	path := "/v1/sponsorships/" + s.ID
	for name, tok := range map[string]string{"another owner": m.otherOwnerToken, "another advertiser's key": m.otherAdvKey, "another advertiser's owner": m.otherAdvToken} {
		if r := do(t, call{method: "GET", path: path, auth: tok}); r.status != 404 || strings.Contains(string(r.body), m.advID) {
			t.Errorf("%s reads: %d %s", name, r.status, r.body)
		}
	}
	expect(t, do(t, call{method: "GET", path: path}), 401)
	act(t, m.otherOwnerToken, s.ID, "approve", "", 404)
	act(t, m.otherAdvKey, s.ID, "cancel", "", 404)
	act(t, m.otherAdvToken, s.ID, "content", `{"title":"t","body":"b","link":"https://shop.example"}`, 404)
	// The sponsor cannot approve its own booking; the decisions need a person.
	act(t, m.advToken, s.ID, "approve", "", 403)
	act(t, m.advKey, s.ID, "approve", "", 403)
	// The community's own key reads it; the owner's queue is the owner's.
	if got := readSponsorship(t, m.comKey, s.ID); got.ID != s.ID {
		t.Fatalf("the community's key reads: %+v", got)
	}
	expect(t, do(t, call{method: "GET", path: "/v1/communities/" + m.com + "/sponsorships", auth: m.otherOwnerToken}), 404)
	expect(t, do(t, call{method: "GET", path: "/v1/advertisers/" + m.advID + "/sponsorships", auth: m.otherAdvKey}), 404)
	expect(t, do(t, call{method: "GET", path: "/v1/advertisers/" + m.advID + "/sponsorships", auth: m.otherAdvToken}), 404)
	mine := decode[struct{ Data []sponsorshipView }](t, expect(t, do(t, call{method: "GET", path: "/v1/advertisers/" + m.advID + "/sponsorships", auth: m.advKey}), 200))
	if len(mine.Data) != 1 || mine.Data[0].ID != s.ID {
		t.Fatalf("the advertiser's bookings: %+v", mine)
	}
	// Booking for an advertiser one does not own, or with a community's key.
	expect(t, do(t, call{method: "POST", headers: freshKey(), path: "/v1/offerings/" + m.offering.ID + "/sponsorships", auth: m.otherAdvToken,
		body: strings.Replace(bookBody(dayFromNow(t, 41)), `{`, fmt.Sprintf(`{"advertiserId":%q,`, m.advID), 1)}), 404)
	expect(t, do(t, call{method: "POST", headers: freshKey(), path: "/v1/offerings/" + m.offering.ID + "/sponsorships", auth: m.comKey, body: bookBody(dayFromNow(t, 41))}), 403)
	if b := m.advBalance(t); b.Held != 1_000 {
		t.Fatalf("refused requests moved money: %+v", b)
	}
}

// The review queue: oldest deadline first, paginated.
func TestSponsorships_ReviewQueueOldestDeadlineFirst(t *testing.T) {
	m := newMarket(t, 10_000)
	var ids []string
	for i := 0; i < 3; i++ {
		ids = append(ids, m.book(t, m.advKey, dayFromNow(t, 50+i), 201).ID)
		advance(t, time.Minute)
	}
	// A revision renews the first one's deadline: it goes to the back.
	act(t, m.ownerToken, ids[0], "request-changes", `{"notes":"n"}`, 200)
	act(t, m.advKey, ids[0], "content", `{"title":"t","body":"b","link":"https://shop.example"}`, 200)
	var got []string
	cursor := ""
	for page := 0; page < 5; page++ {
		r := decode[struct {
			Data       []sponsorshipView
			NextCursor string
		}](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + m.com + "/sponsorships?limit=2&cursor=" + cursor, auth: m.ownerToken}), 200))
		for _, s := range r.Data {
			got = append(got, s.ID)
		}
		if cursor = r.NextCursor; cursor == "" {
			break
		}
	}
	if want := []string{ids[1], ids[2], ids[0]}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("queue order %v, want %v", got, want)
	}
}
