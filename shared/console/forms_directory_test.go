package console

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func postForm(kv ...string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.PostForm = url.Values{}
	for i := 0; i < len(kv); i += 2 {
		r.PostForm.Set(kv[i], kv[i+1])
	}
	return r
}

// The listing form sends every field (an emptied list as []), reads lists
// as people type them, and names each field it cannot send.
func TestListingForm(t *testing.T) {
	f, bad := parseListingForm(postForm("listed", "on", "description", " Gophers who write Go ", "topics", "GoLang, web-design",
		"languages", "EN de", "country", "de", "campaignReview", "approve", "blockedAdvertisers", "adv_1, adv_2"))
	if len(bad) > 0 {
		t.Fatalf("bad = %v", bad)
	}
	b, _ := json.Marshal(f.Request())
	want := `{"blockedAdvertisers":["adv_1","adv_2"],"campaignReview":"approve","country":"DE","description":"Gophers who write Go","languages":["en","de"],"listed":true,"topics":["golang","web-design"]}`
	if string(b) != want {
		t.Errorf("request = %s, want %s", b, want)
	}
	f, bad = parseListingForm(postForm("campaignReview", "auto"))
	if b, _ := json.Marshal(f.Request()); len(bad) > 0 || string(b) != `{"blockedAdvertisers":[],"campaignReview":"auto","country":"","description":"","languages":[],"listed":false,"topics":[]}` {
		t.Errorf("an unlisted community with nothing = %s %v", b, bad)
	}
	_, bad = parseListingForm(postForm("listed", "on", "topics", "go lang!", "languages", "english", "country", "Germany",
		"campaignReview", "sometimes", "blockedAdvertisers", "com_1"))
	for _, field := range []string{"description", "topics", "languages", "country", "campaignReview", "blockedAdvertisers"} {
		if bad[field] == "" {
			t.Errorf("%s not refused: %v", field, bad)
		}
	}
	if _, bad = parseListingForm(postForm("description", strings.Repeat("é", 501), "campaignReview", "auto")); bad["description"] == "" {
		t.Error("a description of 501 characters was not refused")
	}
}

// A rejection needs its reason, on one line; an approval needs nothing.
func TestReviewForm(t *testing.T) {
	f, bad := parseReviewForm(postForm("creativeVersion", "2"), false)
	if b, _ := json.Marshal(f.Approve()); len(bad) > 0 || string(b) != `{"creativeVersion":2}` {
		t.Errorf("approve = %s %v", b, bad)
	}
	if _, bad = parseReviewForm(postForm("creativeVersion", "2", "reason", "  "), true); bad["reason"] == "" {
		t.Error("a rejection without a reason was not refused")
	}
	if _, bad = parseReviewForm(postForm("reason", "one\ntwo"), true); bad["reason"] == "" {
		t.Error("a reason of two lines was not refused")
	}
	f, bad = parseReviewForm(postForm("creativeVersion", "3", "reason", "No gambling, please."), true)
	if b, _ := json.Marshal(f.Reject()); len(bad) > 0 || string(b) != `{"creativeVersion":3,"reason":"No gambling, please."}` {
		t.Errorf("reject = %s %v", b, bad)
	}
	if b, _ := json.Marshal(ApproveCampaignRequest{}); string(b) != `{}` {
		t.Errorf("an approval without a version = %s", b)
	}
}

// The profile sends every field, emptied ones to clear them, and takes
// only time zones that Go can load by their IANA name.
func TestProfileForm(t *testing.T) {
	f, bad := parseProfileForm(postForm("displayName", "Grace", "bio", "Gopher.", "links", "https://a.example\r\nhttp://b.example", "timeZone", "Europe/Berlin"))
	if b, _ := json.Marshal(f.Request()); len(bad) > 0 || string(b) != `{"bio":"Gopher.","displayName":"Grace","links":["https://a.example","http://b.example"],"timeZone":"Europe/Berlin"}` {
		t.Errorf("profile = %s %v", b, bad)
	}
	f, bad = parseProfileForm(postForm())
	if b, _ := json.Marshal(f.Request()); len(bad) > 0 || string(b) != `{"bio":"","displayName":"","links":[],"timeZone":""}` {
		t.Errorf("an emptied profile = %s %v", b, bad)
	}
	_, bad = parseProfileForm(postForm("displayName", strings.Repeat("x", 61), "bio", strings.Repeat("x", 301),
		"links", "javascript:alert(1)", "timeZone", "Mars/Olympus"))
	for _, field := range []string{"displayName", "bio", "links", "timeZone"} {
		if bad[field] == "" {
			t.Errorf("%s not refused: %v", field, bad)
		}
	}
	for _, tz := range []string{"Local", "../../etc/passwd", "Europe/Nowhere"} {
		if validTimeZone(tz) {
			t.Errorf("%q taken as a time zone", tz)
		}
	}
	for _, tz := range timeZones {
		if !validTimeZone(tz) {
			t.Errorf("the list offers %q, which Go cannot load", tz)
		}
	}
}

// The audience reads as a sentence.
func TestAudienceWords(t *testing.T) {
	got := AudienceWords(Audience{ViewableImpressions: 12400, DistinctDailyViewers: 3100, Clicks: 210})
	if want := "12,400 viewable impressions, 3,100 distinct daily viewers, 210 clicks in the last 30 days"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := AudienceWords(Audience{ViewableImpressions: 1, DistinctDailyViewers: 0, Clicks: 1}); got != "1 viewable impression, 0 distinct daily viewers, 1 click in the last 30 days" {
		t.Errorf("got %q", got)
	}
	if Grouped(1234567) != "1,234,567" || Grouped(-1000) != "-1,000" || Grouped(999) != "999" {
		t.Error("Grouped")
	}
}

// The campaign page's banner form: a hosted image chosen sends its id and
// no address or size; an address sends its size; no targeting typed
// sends an empty one (it removes the campaign's).
func TestBannerForm(t *testing.T) {
	in, bad := parseBannerForm(postForm("creativeId", "crv_1", "imageUrl", "https://x.example/a.png", "width", "300", "height", "250",
		"clickUrl", "https://shop.example/", "altText", "A", "keywords", "go, rust"))
	b, _ := json.Marshal(in)
	if want := `{"creative":{"altText":"A","clickUrl":"https://shop.example/","creativeId":"crv_1"},"targeting":{"keywords":["go","rust"]}}`; len(bad) > 0 || string(b) != want {
		t.Errorf("hosted: %s %v, want %s", b, bad, want)
	}
	in, _ = parseBannerForm(postForm("imageUrl", "https://x.example/a.png", "width", "300", "height", "250", "clickUrl", "https://shop.example/", "altText", "A"))
	b, _ = json.Marshal(in)
	if want := `{"creative":{"altText":"A","clickUrl":"https://shop.example/","height":250,"imageUrl":"https://x.example/a.png","width":300},"targeting":{}}`; string(b) != want {
		t.Errorf("by address: %s, want %s", b, want)
	}
}
