package tests

import (
	"strings"
	"testing"
)

// A person's profile (DESIGN §16): the name others see, a bio, links and
// a time zone; every bad field named at once and nothing changed; the
// other contexts told (PersonUpdated).
func TestProfile_SetReadAndRefused(t *testing.T) {
	t.Parallel()
	uid, tok := newUser(t)
	r := expect(t, do(t, call{method: "PATCH", path: "/v1/me", auth: tok,
		body: `{"displayName":"","bio":"` + strings.Repeat("b", 301) + `","links":["javascript:alert(1)"],"timeZone":"Mars/Olympus"}`}), 400)
	for _, f := range []string{"bio", "links", "timeZone"} {
		if !hasFieldError(r, f) {
			t.Errorf("no error for %s: %s", f, r.body)
		}
	}
	me := decode[struct {
		UserID, DisplayName, Bio, TimeZone string
		Links                              []string
	}](t, expect(t, do(t, call{method: "PATCH", path: "/v1/me", auth: tok,
		body: `{"displayName":"Grace the Gopher","bio":"I write a weekly Go newsletter.","links":["https://grace.example"],"timeZone":"Europe/Berlin"}`}), 200))
	if me.UserID != uid || me.DisplayName != "Grace the Gopher" || me.TimeZone != "Europe/Berlin" || len(me.Links) != 1 {
		t.Fatalf("profile %+v", me)
	}
	// A field left out is unchanged; an empty one is cleared.
	me2 := decode[struct{ DisplayName, TimeZone string }](t, expect(t, do(t, call{method: "PATCH", path: "/v1/me", auth: tok, body: `{"timeZone":""}`}), 200))
	if me2.DisplayName != "Grace the Gopher" || me2.TimeZone != "" {
		t.Fatalf("after clearing the time zone: %+v", me2)
	}
	found := false
	for _, e := range events(t, "PersonUpdated") {
		if d, _ := e["detail"].(map[string]any); d["userId"] == uid && d["displayName"] == "Grace the Gopher" && d["version"] == float64(2) {
			found = true
		}
	}
	if !found {
		t.Fatal("no PersonUpdated of version 2")
	}
}

// A community's listing and what runs on its pages: checked together,
// kept, and told to the other contexts whole (CommunityUpdated).
func TestCommunity_ListingAndReviewSettings(t *testing.T) {
	t.Parallel()
	_, tok := newUser(t)
	c := createCommunity(t, tok)
	path := "/v1/communities/" + c.ID
	r := expect(t, do(t, call{method: "PATCH", path: path, auth: tok,
		body: `{"listed":true,"topics":["Go Lang!"],"languages":["eng"],"country":"Germany","campaignReview":"sometimes","blockedAdvertisers":["bob"]}`}), 400)
	for _, f := range []string{"description", "topics", "languages", "country", "campaignReview", "blockedAdvertisers"} {
		if !hasFieldError(r, f) {
			t.Errorf("no error for %s: %s", f, r.body)
		}
	}
	got := decode[struct {
		Listed                  bool
		Description, Country    string
		CampaignReview          string
		Topics, Languages       []string
		AllowedDomains, Blocked []string
	}](t, expect(t, do(t, call{method: "PATCH", path: path, auth: tok,
		body: `{"listed":true,"description":"Rust, every week.","topics":["rust","Systems"],"languages":["EN","de"],"country":"de","campaignReview":"approve"}`}), 200))
	if !got.Listed || got.Country != "DE" || got.CampaignReview != "approve" || strings.Join(got.Topics, ",") != "rust,systems" || strings.Join(got.Languages, ",") != "en,de" {
		t.Fatalf("listing %+v", got)
	}
	// The allowlist is untouched by a listing change, and the reverse.
	expect(t, do(t, call{method: "PATCH", path: path, auth: tok, body: `{"allowedDomains":["rust.example"]}`}), 200)
	again := decode[struct {
		Listed         bool
		AllowedDomains []string
	}](t, expect(t, do(t, call{method: "GET", path: path, auth: tok}), 200))
	if !again.Listed || len(again.AllowedDomains) != 1 {
		t.Fatalf("after the allowlist: %+v", again)
	}
	last := map[string]any{}
	for _, e := range events(t, "CommunityUpdated") {
		if d, _ := e["detail"].(map[string]any); d["communityId"] == c.ID {
			last = d
		}
	}
	if last["listed"] != true || last["campaignReview"] != "approve" || last["version"] != float64(2) || last["name"] != c.Name {
		t.Fatalf("the last CommunityUpdated: %v", last)
	}
	// Someone else's community: 404, nothing changed.
	_, other := newUser(t)
	expect(t, do(t, call{method: "PATCH", path: path, auth: other, body: `{"listed":false}`}), 404)
}
