package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/souqhq/souq/tests/harness"
)

// A community's site sends its member to /m/{communityId} for the pass:
// signed out, they sign in and come back to the site's page with the pass
// in its fragment, never to anywhere else; a person who is not a member
// is told so, and a return address elsewhere is refused in words.
func TestMemberships_ThePassGoesBackToTheCommunitysSite(t *testing.T) {
	owner, member, stranger := uid("owner"), uid("member"), uid("stranger")
	ownerTok, memberTok := token(t, owner), token(t, member)
	com := api(t, "POST", "/v1/communities", ownerTok, `{"name":"Gophers","url":"https://gophers.example/","currency":"EUR"}`, 201)["id"].(string)
	tier := api(t, "POST", "/v1/communities/"+com+"/tiers", ownerTok, `{"name":"Member","benefits":["ad_free"],"prices":[{"interval":"month","amount":{"amount":400,"currency":"EUR"}}]}`, 201)["id"].(string)
	harness.SaveCard(t, memberTok, "/v1/me", harness.CardVisa)
	api(t, "POST", "/v1/communities/"+com+"/memberships", memberTok, `{"tierId":"`+tier+`","interval":"month"}`, 201)

	good := "https://forum.gophers.example/t/42"
	p := newBrowser(t)
	p.c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if !strings.HasPrefix(req.URL.String(), base) {
			return http.ErrUseLastResponse // the community's own site: not served here
		}
		return nil
	}
	p.get("/m/" + com + "?return=" + url.QueryEscape(good))
	if !strings.Contains(p.url, "/local/oidc/authorize") {
		t.Fatalf("signed out, /m went to %s, not sign-in", p.url)
	}
	p.submit("form", map[string]string{"user_id": member})
	loc := p.header.Get("Location")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(loc, good+"#souq_pass=") || strings.Count(loc[len(good+"#souq_pass="):], ".") != 2 {
		t.Fatalf("after sign-in: %d to %q", p.status, loc)
	}
	if cc := p.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the pass's redirect is cached: %q", cc)
	}

	p.get("/console/m/" + com + "?return=" + url.QueryEscape("https://evil.example/steal"))
	if p.status != http.StatusBadRequest || p.header.Get("Location") != "" {
		t.Fatalf("a return elsewhere: %d %q", p.status, p.header.Get("Location"))
	}
	p.sees("only the community's own sites")

	s := signIn(t, stranger, "/console/")
	s.get("/console/m/" + com + "?return=" + url.QueryEscape(good))
	if s.status != http.StatusForbidden {
		t.Fatalf("a stranger: %d", s.status)
	}
	s.sees("You are not a member of this community")
}
