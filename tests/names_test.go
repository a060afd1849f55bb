package tests

import (
	"fmt"
	"testing"
	"time"
)

// DESIGN §16, names not ids: every view a person reads names the other
// party beside its id.

type namedAuction struct {
	ID, CommunityID, CommunityName, SlotID, SlotName, SlotSize, Status string
	Winner                                                             *struct{ AdvertiserID, AdvertiserName string }
}

// An auction names its community and slot; a bid, the closed auction's
// winner and the advertiser's flight name the parties. (Not parallel: it
// moves the platform's clock to the close.)
func TestNames_AnAuctionItsBidsWinnerAndFlightNameTheParties(t *testing.T) {
	ownerToken, com, slotID := newSlot(t) // "Rustaceans", slot "Sidebar" 300×250
	t0 := now(t).Truncate(time.Second)
	a := decode[namedAuction](t, expect(t, do(t, call{method: "POST", path: "/v1/slots/" + slotID + "/auctions", auth: ownerToken,
		body: fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q,"closesAt":%q}`, t0.Add(2*time.Hour).Format(time.RFC3339), t0.Add(26*time.Hour).Format(time.RFC3339), t0.Add(time.Hour).Format(time.RFC3339))}), 201))
	want := func(what string, got namedAuction) {
		t.Helper()
		if got.CommunityID != com || got.CommunityName != "Rustaceans" || got.SlotName != "Sidebar" || got.SlotSize != "300×250" {
			t.Fatalf("%s does not name its community and slot: %+v", what, got)
		}
	}
	want("the opened auction", a)
	want("the read auction", decode[namedAuction](t, expect(t, do(t, call{method: "GET", path: "/v1/auctions/" + a.ID}), 200)))
	list := decode[struct{ Data []namedAuction }](t, expect(t, do(t, call{method: "GET", path: "/v1/auctions?slotId=" + slotID}), 200)).Data
	if len(list) != 1 {
		t.Fatalf("list: %+v", list)
	}
	want("the listed auction", list[0])

	aTok, aID := eurAdvertiser(t, 10_000) // "Euro Ads"
	bid := decode[struct{ AdvertiserID, AdvertiserName string }](t, expect(t, do(t, call{method: "PUT", path: "/v1/auctions/" + a.ID + "/bid", auth: aTok, body: bidBody(aID, 900)}), 200))
	if bid.AdvertiserID != aID || bid.AdvertiserName != "Euro Ads" {
		t.Fatalf("the bid does not name its advertiser: %+v", bid)
	}

	advance(t, time.Hour)
	var closed namedAuction
	for i := 0; i < 50 && closed.Status != "closed"; i++ {
		closed = decode[namedAuction](t, expect(t, do(t, call{method: "GET", path: "/v1/auctions/" + a.ID}), 200))
	}
	want("the closed auction", closed)
	if closed.Winner == nil || closed.Winner.AdvertiserID != aID || closed.Winner.AdvertiserName != "Euro Ads" {
		t.Fatalf("the winner is not named: %+v", closed)
	}
	flights := decode[struct {
		Data []struct{ CommunityID, CommunityName, SlotName, SlotSize string }
	}](t, expect(t, do(t, call{method: "GET", path: "/v1/advertisers/" + aID + "/flights", auth: aTok}), 200)).Data
	if len(flights) != 1 || flights[0].CommunityName != "Rustaceans" || flights[0].SlotName != "Sidebar" || flights[0].SlotSize != "300×250" {
		t.Fatalf("the flight does not say where it runs: %+v", flights)
	}
}

func TestNames_ASponsorshipNamesBothParties(t *testing.T) {
	t.Parallel()
	m := newMarket(t, 10_000)
	type named struct{ ID, CommunityName, AdvertiserName string }
	s := decode[named](t, expect(t, do(t, call{method: "POST", headers: freshKey(), path: "/v1/offerings/" + m.offering.ID + "/sponsorships",
		auth: m.advKey, body: bookBody(dayFromNow(t, 5))}), 201))
	if s.CommunityName != "Rustaceans" || s.AdvertiserName != "Euro Ads" {
		t.Fatalf("the booking does not name the parties: %+v", s)
	}
	// The community's owner reads it in the review queue, and whole.
	queue := decode[struct{ Data []named }](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + m.com + "/sponsorships", auth: m.ownerToken}), 200)).Data
	if len(queue) != 1 || queue[0].ID != s.ID || queue[0].AdvertiserName != "Euro Ads" {
		t.Fatalf("the review queue does not name the sponsor: %+v", queue)
	}
	if got := decode[named](t, expect(t, do(t, call{method: "GET", path: "/v1/sponsorships/" + s.ID, auth: m.ownerToken}), 200)); got != s {
		t.Fatalf("read %+v, booked %+v", got, s)
	}
}

func TestNames_ADealNamesTheCommunityAndTheInfluencerByDisplayName(t *testing.T) {
	t.Parallel()
	w := newReferralWorld(t, 3_000)
	type named struct{ ID, CommunityName, InfluencerID, InfluencerName string }
	read := func(tok string) named {
		return decode[named](t, expect(t, do(t, call{method: "GET", path: "/v1/deals/" + w.deal.ID, auth: tok}), 200))
	}
	// An influencer who chose no display name is named "".
	if d := read(w.ownerToken); d.CommunityName != "Rustaceans" || d.InfluencerID != w.infID || d.InfluencerName != "" {
		t.Fatalf("before a display name: %+v", d)
	}
	expect(t, do(t, call{method: "PATCH", path: "/v1/me", auth: w.infToken, body: `{"displayName":"Ada Streams"}`}), 200)
	events(t, "PersonUpdated") // referrals learns of people by event
	for _, tok := range []string{w.ownerToken, w.infToken} {
		if d := read(tok); d.CommunityName != "Rustaceans" || d.InfluencerName != "Ada Streams" {
			t.Fatalf("the deal does not name its parties: %+v", d)
		}
	}
	report := decode[struct{ Deals []named }](t, expect(t, do(t, call{method: "GET", path: "/v1/programs/" + w.program.ID + "/report", auth: w.ownerToken}), 200))
	if len(report.Deals) != 1 || report.Deals[0].InfluencerName != "Ada Streams" || report.Deals[0].CommunityName != "Rustaceans" {
		t.Fatalf("the program's deals do not name the influencer: %+v", report.Deals)
	}
	mine := decode[struct{ Data []named }](t, expect(t, do(t, call{method: "GET", path: "/v1/me/deals", auth: w.infToken}), 200)).Data
	if len(mine) != 1 || mine[0].CommunityName != "Rustaceans" {
		t.Fatalf("the influencer's deals do not name the community: %+v", mine)
	}
}
