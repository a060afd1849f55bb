package console

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// The pages of DESIGN §16 against an API played here: the Market in each
// state, a community's page, the review queue and the profile.

const (
	listingJSON = `{"id":"com_1","name":"Gophers","description":"Go, weekly.","topics":["golang"],"languages":["en"],"country":"DE","url":"https://gophers.example",` +
		`"takesCampaigns":true,"slots":[{"slotId":"slt_1","width":300,"height":250,"currency":"EUR","takesCampaigns":true,"floorCpm":{"amount":150,"currency":"EUR"}}],` +
		`"audience":{"viewableImpressions":12400,"distinctDailyViewers":3100,"clicks":210}}`
	communityJSON = `{"id":"com_1","ownerId":"usr_a","name":"Gophers","url":"https://gophers.example","currency":"EUR","createdAt":"2039-01-01T00:00:00Z",` +
		`"allowedDomains":[],"listed":true,"description":"Go, weekly.","topics":["golang"],"languages":["en"],"country":"DE","campaignReview":"approve","blockedAdvertisers":["adv_9","adv_2"]}`
	reviewJSON = `{"data":[{"campaignId":"cmp_1","campaignName":"Spring sale","advertiserId":"adv_9","advertiserName":"Acme <b>","creative":{"imageUrl":"https://cdn.example/a.png",` +
		`"clickUrl":"https://acme.example/","altText":"Acme's spring sale","width":300,"height":250},"creativeVersion":2,"pricing":{"model":"cpm","bid":{"amount":400,"currency":"EUR"}},` +
		`"status":"active","start":"2039-01-01T00:00:00Z","end":"2039-02-01T00:00:00Z","previous":"reject"}],"blocked":[{"advertiserId":"adv_9","advertiserName":"Acme <b>"},{"advertiserId":"adv_2"}]}`
)

func TestMarket_Directory(t *testing.T) {
	c := testConsole(t)
	for _, tc := range []struct {
		name, target string
		answer       answer
		want, not    []string
	}{
		{"an empty directory", "/console/market", answer{200, `{"data":[]}`, ""}, []string{"No community is listed yet.", "A community you know"}, []string{"No listed community matches"}},
		{"results", "/console/market", answer{200, `{"data":[` + listingJSON + `],"nextCursor":"c2"}`, ""},
			[]string{"Gophers", "Go, weekly.", "12,400 viewable impressions, 3,100 distinct daily viewers, 210 clicks in the last 30 days",
				"Sells 300×250 from €1.50 per 1,000 viewable impressions; takes campaigns.", "Topics: golang", "More communities"}, nil},
		{"no match", "/console/market?q=cobol&sort=name", answer{200, `{"data":[]}`, ""}, []string{"No listed community matches.", `value="cobol"`}, []string{"No community is listed yet."}},
		{"a bad filter", "/console/market?size=huge", answer{400, `{"title":"Bad Request","status":400,"detail":"size: widthxheight","errors":[{"field":"size","message":"like 300x250"}]}`, ""},
			[]string{"size: like 300x250"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{answers: map[string]answer{"GET /v1/directory": tc.answer}}
			w := visit(t, c, api, http.MethodGet, tc.target, nil, nil, func(q *req) { c.market(q, nil) })
			body := w.Body.String()
			page := text(body)
			for _, s := range tc.want {
				if !strings.Contains(page, s) && !strings.Contains(body, s) {
					t.Errorf("does not show %q:\n%s", s, page)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(page, s) {
					t.Errorf("shows %q", s)
				}
			}
			if tc.name == "no match" {
				if got := api.calls()[0]; got.path != "/v1/directory" {
					t.Errorf("called %+v", got)
				}
			}
		})
	}
	// The search is sent as typed, and the next page keeps it.
	api := &fakeAPI{answers: map[string]answer{"GET /v1/directory": {200, `{"data":[` + listingJSON + `],"nextCursor":"c2"}`, ""}}}
	srvQuery := ""
	w := visit(t, c, api, http.MethodGet, "/console/market?q=go&topic=golang&language=en&country=DE&size=300x250&sort=new&junk=1", nil, nil, func(q *req) { c.market(q, nil); srvQuery = q.r.URL.RawQuery })
	if !strings.Contains(w.Body.String(), `href="/console/market?country=DE&amp;cursor=c2&amp;language=en&amp;q=go&amp;size=300x250&amp;sort=new&amp;topic=golang"`) {
		t.Errorf("the next page's link does not keep the search (%s):\n%s", srvQuery, w.Body.String())
	}
}

func TestMarket_CommunityPage(t *testing.T) {
	c := testConsole(t)
	api := &fakeAPI{answers: map[string]answer{"GET /v1/directory/com_1": {200, listingJSON, ""}}}
	w := visit(t, c, api, http.MethodGet, "/console/market/com_1", nil, map[string]string{"id": "com_1"}, func(q *req) { c.market(q, nil) })
	page := text(w.Body.String())
	for _, s := range []string{"Gophers", "Go, weekly.", "12,400 viewable impressions", "Takes pay-as-you-go campaigns", "300×250 Takes campaigns €1.50", "Nothing on sale.", "No auction is open."} {
		if !strings.Contains(page, s) {
			t.Errorf("does not show %q:\n%s", s, page)
		}
	}
	// Not listed: what it sells, as before.
	w = visit(t, c, &fakeAPI{}, http.MethodGet, "/console/market/com_2", nil, map[string]string{"id": "com_2"}, func(q *req) { c.market(q, nil) })
	if page := text(w.Body.String()); w.Code != 200 || !strings.Contains(page, "This community is not listed") || !strings.Contains(page, "Nothing on sale.") {
		t.Errorf("%d %s", w.Code, page)
	}
	// A community typed by its link goes to its page.
	w = visit(t, c, &fakeAPI{}, http.MethodGet, "/console/market?community=https://x.example/console/market/com_3", nil, nil, func(q *req) { c.market(q, nil) })
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/console/market/com_3" {
		t.Errorf("%d %v", w.Code, w.Header())
	}
}

func TestCampaignReviews_Queue(t *testing.T) {
	c := testConsole(t)
	api := &fakeAPI{answers: map[string]answer{"GET /v1/communities/com_1": {200, communityJSON, ""}, "GET /v1/communities/com_1/campaign-reviews": {200, reviewJSON, ""}}}
	w := visit(t, c, api, http.MethodGet, "/console/communities/com_1/campaign-reviews", nil, map[string]string{"id": "com_1"}, func(q *req) { c.campaignReviews(q, nil) })
	body, page := w.Body.String(), text(w.Body.String())
	for _, s := range []string{"Spring sale", "Advertiser Acme <b>", "Size 300×250", "€4.00 per 1,000 viewable impressions", "you rejected it", "Approve", "Reject",
		"Acme <b>", "adv_2 (its name is not known here)", "only once you approve"} {
		if !strings.Contains(page, s) {
			t.Errorf("does not show %q:\n%s", s, page)
		}
	}
	for _, s := range []string{`<img src="https://cdn.example/a.png" alt="Acme&#39;s spring sale" width="300" height="250">`, `name="creativeVersion" value="2"`, `name="reason"`, "Acme &lt;b&gt;"} {
		if !strings.Contains(body, s) {
			t.Errorf("the page has no %s", s)
		}
	}
	api.answers["GET /v1/communities/com_1/campaign-reviews"] = answer{200, `{"data":[]}`, ""}
	w = visit(t, c, api, http.MethodGet, "/console/communities/com_1/campaign-reviews", nil, map[string]string{"id": "com_1"}, func(q *req) { c.campaignReviews(q, nil) })
	if !strings.Contains(text(w.Body.String()), "No campaign waits for your review.") {
		t.Errorf("empty queue: %s", text(w.Body.String()))
	}
	// A rejection without a reason is refused beside its field, and nothing is sent.
	w = visit(t, c, api, http.MethodPost, "/console/communities/com_1/campaigns/cmp_1/reject", url.Values{"creativeVersion": {"2"}, "reason": {""}},
		map[string]string{"id": "com_1", "campaignId": "cmp_1"}, c.campaignDecision("reject"))
	if w.Code != http.StatusUnprocessableEntity {
		t.Errorf("a rejection without a reason answered %d", w.Code)
	}
	for _, call := range api.calls() {
		if call.method == http.MethodPost {
			t.Errorf("sent %+v", call)
		}
	}
	api.answers["POST /v1/communities/com_1/campaigns/cmp_1/approve"] = answer{200, `{"campaignId":"cmp_1","communityId":"com_1","advertiserId":"adv_9","creativeVersion":2,"decision":"approve","decidedAt":"2039-01-02T00:00:00Z"}`, ""}
	w = visit(t, c, api, http.MethodPost, "/console/communities/com_1/campaigns/cmp_1/approve", url.Values{"creativeVersion": {"2"}},
		map[string]string{"id": "com_1", "campaignId": "cmp_1"}, c.campaignDecision("approve"))
	calls := api.calls()
	if last := calls[len(calls)-1]; w.Code != http.StatusSeeOther || last.body != `{"creativeVersion":2}` || w.Header().Get("Location") != "/console/communities/com_1/campaign-reviews" {
		t.Errorf("approve: %d %+v %v", w.Code, last, w.Header())
	}
}

func TestProfile_Page(t *testing.T) {
	c := testConsole(t)
	api := &fakeAPI{answers: map[string]answer{"GET /v1/me": {200, `{"userId":"usr_a","communities":[],"advertisers":[],"displayName":"Grace","bio":"Gopher.","links":["https://a.example"],"timeZone":"Asia/Kolkata"}`, ""}}}
	w := visit(t, c, api, http.MethodGet, "/console/profile", nil, nil, func(q *req) { c.profile(q, nil) })
	body := w.Body.String()
	for _, s := range []string{`value="Grace"`, "Gopher.", "https://a.example", `<option value="Asia/Kolkata" selected>`, "Save profile"} {
		if !strings.Contains(body, s) {
			t.Errorf("the profile has no %s", s)
		}
	}
	w = visit(t, c, api, http.MethodPost, "/console/profile", url.Values{"timeZone": {"Mars/Olympus"}, "displayName": {"G"}}, nil, c.saveProfile)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="profile-timeZone-msg"`) {
		t.Errorf("an unknown time zone: %d %s", w.Code, text(w.Body.String()))
	}
	api.answers["PATCH /v1/me"] = answer{200, `{"userId":"usr_a","communities":[],"advertisers":[],"displayName":"G","bio":"","links":[],"timeZone":"Europe/Berlin"}`, ""}
	w = visit(t, c, api, http.MethodPost, "/console/profile", url.Values{"timeZone": {"Europe/Berlin"}, "displayName": {"G"}}, nil, c.saveProfile)
	calls := api.calls()
	if last := calls[len(calls)-1]; w.Code != http.StatusSeeOther || last.body != `{"bio":"","displayName":"G","links":[],"timeZone":"Europe/Berlin"}` ||
		!strings.Contains(strings.Join(w.Header().Values("Set-Cookie"), ";"), "souq_tz=Europe%2FBerlin") {
		t.Errorf("saved: %d %+v %v", w.Code, last, w.Header())
	}
}

// The community's settings: shown as they are, refused beside each field
// with what was typed kept, and sent whole.
func TestListing_Form(t *testing.T) {
	c := testConsole(t)
	api := &fakeAPI{answers: map[string]answer{"GET /v1/communities/com_1": {200, communityJSON, ""}, "GET /v1/communities/com_1/balance": {200, balanceJSON, ""}}}
	w := visit(t, c, api, http.MethodGet, "/console/communities/com_1", nil, map[string]string{"id": "com_1"}, func(q *req) { c.community(q, nil) })
	body := w.Body.String()
	for _, s := range []string{"Listing and what runs", `name="listed" value="on" checked`, "Go, weekly.", `value="golang"`, `value="en"`, `value="DE"`,
		`value="approve" checked`, `value="adv_9, adv_2"`, "Listed in the"} {
		if !strings.Contains(body, s) {
			t.Errorf("the settings have no %s", s)
		}
	}
	form := url.Values{"listed": {"on"}, "description": {""}, "topics": {"Go Lang!"}, "languages": {"en"}, "country": {"Germany"}, "campaignReview": {"auto"}, "blockedAdvertisers": {""}}
	w = visit(t, c, api, http.MethodPost, "/console/communities/com_1/listing", form, map[string]string{"id": "com_1"}, c.saveListing)
	body = w.Body.String()
	for _, s := range []string{`id="listing-description-msg"`, `id="listing-topics-msg"`, `id="listing-country-msg"`, `value="Go Lang!"`, `value="Germany"`, `value="auto" checked`} {
		if !strings.Contains(body, s) {
			t.Errorf("the refused form has no %s", s)
		}
	}
	if w.Code != http.StatusUnprocessableEntity {
		t.Errorf("refused: %d", w.Code)
	}
	api.answers["PATCH /v1/communities/com_1"] = answer{200, communityJSON, ""}
	form.Set("description", "Go, weekly.")
	form.Set("topics", "golang")
	form.Set("country", "de")
	w = visit(t, c, api, http.MethodPost, "/console/communities/com_1/listing", form, map[string]string{"id": "com_1"}, c.saveListing)
	calls := api.calls()
	if last := calls[len(calls)-1]; w.Code != http.StatusSeeOther || last.method != http.MethodPatch ||
		last.body != `{"blockedAdvertisers":[],"campaignReview":"auto","country":"DE","description":"Go, weekly.","languages":["en"],"listed":true,"topics":["golang"]}` {
		t.Errorf("saved: %d %+v", w.Code, last)
	}
	// The API's refusal is shown beside its field.
	api.answers["PATCH /v1/communities/com_1"] = answer{400, `{"title":"Bad Request","status":400,"detail":"country","errors":[{"field":"country","message":"not a country"}]}`, ""}
	w = visit(t, c, api, http.MethodPost, "/console/communities/com_1/listing", form, map[string]string{"id": "com_1"}, c.saveListing)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "not a country") || !strings.Contains(w.Body.String(), `id="listing-country-msg"`) {
		t.Errorf("the API's refusal: %d %s", w.Code, text(w.Body.String()))
	}
}

// An image is sent to the API as multipart, its one part named image, as
// the browser sent it; none chosen is refused beside the field.
func TestCreatives_Upload(t *testing.T) {
	c := testConsole(t)
	api := &fakeAPI{answers: map[string]answer{
		"POST /v1/advertisers/adv_1/creatives": {201, `{"id":"crv_1","advertiserId":"adv_1","imageUrl":"http://127.0.0.1/creatives/ab.png","width":300,"height":250,"contentType":"image/png","bytes":1234,"sha256":"ab","createdAt":"2039-01-01T00:00:00Z"}`, ""},
		"GET /v1/advertisers/adv_1":            {200, advJSON, ""},
	}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	c.api = NewAPI(srv.URL, srv.Client())
	send := func(withFile bool) *httptest.ResponseRecorder {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("csrf", "x")
		if withFile {
			part, _ := mw.CreateFormFile("image", "banner.png")
			_, _ = part.Write([]byte("\x89PNG fake"))
		}
		_ = mw.Close()
		r := httptest.NewRequest(http.MethodPost, "/console/advertisers/adv_1/creatives", &buf)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		if err := r.ParseMultipartForm(maxUpload); err != nil {
			t.Fatal(err)
		}
		r.SetPathValue("id", "adv_1")
		w := httptest.NewRecorder()
		c.uploadCreative(&req{w: w, r: r, s: &Session{secret: newSecret(), UserID: "usr_a"}, api: &Caller{api: c.api, token: "tok"}})
		return w
	}
	w := send(true)
	calls := api.calls()
	if w.Code != http.StatusSeeOther || len(calls) != 1 || !strings.Contains(calls[0].body, `name="image"; filename="banner.png"`) || !strings.Contains(calls[0].body, "\x89PNG fake") {
		t.Fatalf("upload: %d %+v", w.Code, calls)
	}
	w = send(false)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="creative-image-msg"`) || len(api.calls()) != 1+3 {
		t.Errorf("no image: %d %d calls %s", w.Code, len(api.calls()), text(w.Body.String()))
	}
	// The API's refusal is said beside the field.
	api.answers["POST /v1/advertisers/adv_1/creatives"] = answer{400, `{"title":"Bad Request","status":400,"detail":"image","errors":[{"field":"image","message":"is 200 KB, at most 150 KB"}]}`, ""}
	if w = send(true); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "is 200 KB, at most 150 KB") {
		t.Errorf("refused: %d %s", w.Code, text(w.Body.String()))
	}
}

// An owner blocks an advertiser by its name from the queue, and unblocks
// one: the community's list is sent with it added or taken out, and
// nothing else of the community.
func TestCampaignReviews_BlockAndUnblockByName(t *testing.T) {
	c := testConsole(t)
	for _, tc := range []struct {
		path, adv, want, flash string
	}{
		{"/console/communities/com_1/blocked", "adv_7", `{"blockedAdvertisers":["adv_9","adv_2","adv_7"]}`, "Zed Ads is blocked"},
		{"/console/communities/com_1/unblocked", "adv_9", `{"blockedAdvertisers":["adv_2"]}`, "Zed Ads is unblocked"},
	} {
		api := &fakeAPI{answers: map[string]answer{"GET /v1/communities/com_1": {200, communityJSON, ""}, "PATCH /v1/communities/com_1": {200, communityJSON, ""}}}
		block := strings.HasSuffix(tc.path, "/blocked")
		w := visit(t, c, api, http.MethodPost, tc.path, url.Values{"advertiserId": {tc.adv}, "name": {"Zed Ads"}}, map[string]string{"id": "com_1"}, c.blocking(block))
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/console/communities/com_1/campaign-reviews" {
			t.Fatalf("%s: %d %v", tc.path, w.Code, w.Header())
		}
		var patched string
		for _, s := range api.sent {
			if s.method == http.MethodPatch {
				patched = s.body
			}
		}
		if patched != tc.want {
			t.Errorf("%s sent %s, want %s", tc.path, patched, tc.want)
		}
		if ck := w.Header().Get("Set-Cookie"); !strings.Contains(ck, url.QueryEscape(tc.flash)) {
			t.Errorf("%s: flash %q", tc.path, ck)
		}
	}
}
