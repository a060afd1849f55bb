package console

import (
	"crypto/rand"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// DESIGN §16, names not ids: the pages where a person meets another party
// name it (the advertiser on a sponsorship and a bid, the community and
// slot on an auction, the influencer on a deal), and no raw id is shown
// as text; ids stay in URLs and attributes.

// rawID is an id as the API writes it.
var rawID = regexp.MustCompile(`\b(adv|com|usr|slot|auc|deal|spn|prg|cmp)_[0-9a-z]{10,}\b`)

// address is a URL written out as text (a link to copy): ids may be in it.
var address = regexp.MustCompile(`https?://\S+`)

// shownIDs are the raw ids a page shows as text, outside URLs: its
// title and its body's text nodes, attributes left out.
func shownIDs(p *person) []string {
	var texts []string
	texts = append(texts, p.page.Find("title").Text())
	p.page.Find("body").Each(func(_ int, s *goquery.Selection) {
		s.Find("script, style, template").Remove()
		texts = append(texts, s.Text())
	})
	return rawID.FindAllString(address.ReplaceAllString(strings.Join(texts, " "), " "), -1)
}

// apiUserID is a user id shaped as the API makes them, so that one shown
// on a page is caught.
func apiUserID() string {
	const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	b := make([]byte, 26)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "usr_" + string(b)
}

func TestNames_PagesNameThePartiesAndShowNoRawIDs(t *testing.T) {
	m := newMarket(t) // "Gopher Weekly" (USD) and the advertiser "Acme"
	own, adv := m.owner, m.advertiser
	// A sponsorship waiting for review.
	adv.get("/console/offerings/"+m.offeringID).press("Book", map[string]string{"desiredDate": platformDate(12), "content.title": "Names", "content.body": "b", "content.link": "https://acme.example"})
	spn := idFrom(t, adv.url, "/console/sponsorships/")
	// A slot with an open auction, and one with a bid that closes won.
	own.get("/console/communities/"+m.communityID).press("Create slot", map[string]string{"name": "Top banner", "width": "728", "height": "90", "reserve": "5.00"})
	slot := idFrom(t, own.url, "/console/slots/")
	own.press("Open auction", map[string]string{"closesAt": atLocal(24 * time.Hour), "flightStart": atLocal(48 * time.Hour), "flightEnd": atLocal(96 * time.Hour)})
	open := idFrom(t, own.url, "/console/auctions/")
	at := func(d time.Duration) string {
		return plat.Clock.Now().UTC().Add(d).Truncate(time.Second).Format(time.RFC3339)
	}
	won := api(t, "POST", "/v1/slots/"+slot+"/auctions", token(t, own.id), fmt.Sprintf(`{"closesAt":%q,"flightStart":%q,"flightEnd":%q}`,
		at(70*time.Second), at(70*time.Second), at(time.Hour)), 201)["id"].(string)
	adv.get("/console/auctions/"+won).press("Place bid", map[string]string{"amount": "6.00", "creative.imageUrl": "https://cdn.example/n.png",
		"creative.clickUrl": "https://acme.example", "creative.altText": "Acme names"})
	advance(t, 80*time.Second) // the second auction closes
	if got := api(t, "GET", "/v1/auctions/"+won, "", "", 200); got["status"] != "closed" || got["winner"] == nil {
		t.Fatalf("the auction did not close with a winner: %v", got)
	}
	// A program with two applications: one from an influencer with a
	// display name, one from an influencer without.
	fund(t, token(t, own.id), "/v1/communities/"+m.communityID, 10000, "USD")
	own.get("/console/communities/"+m.communityID).press("Create program", map[string]string{"name": "Pals", "commissionType": "flat", "commission": "2.50",
		"attributionDays": "30", "holdDays": "0", "budget": "50.00"})
	prg := idFrom(t, own.url, "/console/programs/")
	ada := apiUserID()
	api(t, "PATCH", "/v1/me", token(t, ada), `{"displayName":"Ada Streams"}`, 200)
	settle(t) // referrals hears of Ada's name
	inf := signIn(t, ada, "/console/programs/"+prg).press("Apply", map[string]string{"pitch": "I stream Go"})
	deal := idFrom(t, inf.url, "/console/deals/")
	nameless := signIn(t, apiUserID(), "/console/programs/"+prg).press("Apply", map[string]string{"pitch": "Me too"})
	idFrom(t, nameless.url, "/console/deals/")

	for _, tc := range []struct {
		who   *person
		path  string
		names []string
	}{
		{own, "/console/", []string{"from Acme"}},
		{own, "/console/communities/" + m.communityID + "/reviews", []string{"Acme"}},
		{own, "/console/sponsorships/" + spn, []string{"From Acme", "on Gopher Weekly"}},
		{adv, "/console/sponsorships/" + spn, []string{"From Acme", "on Gopher Weekly"}},
		{adv, "/console/auctions", []string{"Top banner (728×90)", "Gopher Weekly"}},
		{adv, "/console/auctions/" + open, []string{"Top banner (728×90) on Gopher Weekly"}},
		{own, "/console/auctions/" + open, []string{"Top banner (728×90) on Gopher Weekly"}},
		{adv, "/console/auctions/" + won, []string{"Top banner (728×90) on Gopher Weekly", "by Acme", "Your bid won."}},
		{own, "/console/auctions/" + won, []string{"Top banner (728×90) on Gopher Weekly", "by Acme"}},
		{adv, "/console/advertisers/" + m.advertiserID, []string{"Top banner (728×90) on Gopher Weekly", "Gopher Weekly"}},
		{own, "/console/programs/" + prg, []string{"Ada Streams", "An influencer without a display name"}},
		{own, "/console/deals/" + deal, []string{"Gopher Weekly · Ada Streams"}},
		{inf, "/console/deals/" + deal, []string{"Gopher Weekly · Ada Streams"}},
		{inf, "/console/deals", []string{"Gopher Weekly"}},
		{inf, "/console/programs/" + prg, []string{"Pals"}},
	} {
		tc.who.get(tc.path)
		if tc.who.status != 200 {
			t.Errorf("%s answered %d:\n%s", tc.path, tc.who.status, tc.who.text())
			continue
		}
		for _, n := range tc.names {
			if !strings.Contains(tc.who.text(), n) {
				t.Errorf("%s does not name %q:\n%s", tc.path, n, tc.who.text())
			}
		}
		if ids := shownIDs(tc.who); len(ids) > 0 {
			t.Errorf("%s shows raw ids %v:\n%s", tc.path, ids, tc.who.text())
		}
	}
}
