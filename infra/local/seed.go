package local

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/souqhq/souq/shared/accounts"
	"github.com/souqhq/souq/shared/auth"
)

// DemoUser is a seeded person with a token.
type DemoUser struct {
	ID    string `json:"id"`
	Token string `json:"token"`
}

// Demo is the seeded data a newcomer uses (DESIGN §9's .souq/local.json).
type Demo struct {
	BaseURL      string              `json:"baseUrl"`
	Users        map[string]DemoUser `json:"users"`
	CommunityID  string              `json:"communityId"`
	AdvertiserID string              `json:"advertiserId"`
	APIKeys      map[string]string   `json:"apiKeys"`
	// SlotID is the demo community's banner slot (with a house ad), which
	// the demo page at /local/demo shows through the tag.
	SlotID        string `json:"slotId"`
	StripeMockURL string `json:"stripeMockUrl,omitempty"`
	// StripeAPIURL is the local Stripe's API (stripe-go's BaseURL).
	StripeAPIURL string `json:"stripeApiUrl,omitempty"`
	// TierID is the demo community's membership tier, and MembershipID
	// the demo member's membership of it (with a payments provider only).
	TierID       string `json:"tierId,omitempty"`
	MembershipID string `json:"membershipId,omitempty"`
}

// Demo user ids are fixed so that they read well in examples.
const (
	DemoOwner      = "usr_demo_owner"
	DemoAdvertiser = "usr_demo_advertiser"
	DemoInfluencer = "usr_demo_influencer"
	DemoMember     = "usr_demo_member"
)

func (p *Platform) seed(ctx context.Context) (*Demo, error) {
	d := &Demo{BaseURL: p.BaseURL, Users: map[string]DemoUser{}, APIKeys: map[string]string{}, StripeMockURL: p.StripeMockURL,
		StripeAPIURL: p.StripeURL}
	for role, uid := range map[string]string{"owner": DemoOwner, "advertiser": DemoAdvertiser, "influencer": DemoInfluencer, "member": DemoMember} {
		tok, err := p.Tokens.Issue(uid, localTokenTTL)
		if err != nil {
			return nil, err
		}
		d.Users[role] = DemoUser{ID: uid, Token: tok}
	}
	owner := auth.Principal{Kind: auth.KindUser, UserID: DemoOwner}
	advertiser := auth.Principal{Kind: auth.KindUser, UserID: DemoAdvertiser}
	com, err := p.accounts.CreateCommunity(ctx, owner, accounts.CreateCommunityInput{Name: "Gophers Guild", URL: "https://gophers.example", Currency: "USD"})
	if err != nil {
		return nil, err
	}
	// The owner's own advertiser account holds the house ad's creative.
	house, err := p.accounts.CreateAdvertiser(ctx, owner, accounts.CreateAdvertiserInput{Name: "Gophers Guild house ads", Currency: "USD"})
	if err != nil {
		return nil, err
	}
	p.houseAdvertiserID = house.ID
	adv, err := p.accounts.CreateAdvertiser(ctx, advertiser, accounts.CreateAdvertiserInput{Name: "Acme Ads", Currency: "USD"})
	if err != nil {
		return nil, err
	}
	ck, err := p.accounts.CreateAPIKey(ctx, owner, auth.AccountCommunity, com.ID, accounts.CreateAPIKeyInput{Name: "demo community server"})
	if err != nil {
		return nil, err
	}
	ak, err := p.accounts.CreateAPIKey(ctx, advertiser, auth.AccountAdvertiser, adv.ID, accounts.CreateAPIKeyInput{Name: "demo bidding bot"})
	if err != nil {
		return nil, err
	}
	d.CommunityID, d.AdvertiserID = com.ID, adv.ID
	d.APIKeys["community"], d.APIKeys["advertiser"] = ck.Secret, ak.Secret
	return d, nil
}

// sendAs makes one request through the gateway, in process, as a person
// would over HTTP.
func (p *Platform) sendAs(token, method, path, body string) (map[string]any, error) {
	req := httptest.NewRequest(method, p.BaseURL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "127.0.0.1:1"
	w := httptest.NewRecorder()
	p.gateway.ServeHTTP(w, req)
	if w.Code >= 300 {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, w.Code, w.Body.String())
	}
	var out map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &out)
	return out, nil
}

// seedCards saves the test card 4242 4242 4242 4242 for the demo
// advertiser and community as their owners would (Checkout in setup
// mode, paid on the local Checkout page), so the quickstart's deposits
// are credited at once. It runs once the gateway serves: the local Stripe
// delivers the card's events to it over HTTP, as Stripe would.
func (p *Platform) seedCards() error {
	if p.Stripe == nil {
		return nil
	}
	for _, payer := range []struct{ token, path string }{
		{p.Demo.Users["advertiser"].Token, "/v1/advertisers/" + p.Demo.AdvertiserID},
		{p.Demo.Users["owner"].Token, "/v1/communities/" + p.Demo.CommunityID},
		{p.Demo.Users["member"].Token, "/v1/me"},
	} {
		setup, err := p.sendAs(payer.token, "POST", payer.path+"/payment-methods", "")
		if err != nil {
			return err
		}
		u, _ := setup["setupUrl"].(string)
		i := strings.Index(u, "/local/checkout/")
		if i < 0 {
			return fmt.Errorf("the setup Checkout %q is not the local one", u)
		}
		if _, err := p.sendAs("", "POST", u[i:], `{"card":"4242424242424242"}`); err != nil {
			return err
		}
	}
	return nil
}

// seedMembership makes the demo community's membership tier (Supporter:
// no ads, $5 a month or $50 a year) and the demo member's membership of
// it, paid on their saved card, as the owner and the member would.
func (p *Platform) seedMembership() error {
	if p.Stripe == nil {
		return nil
	}
	tier, err := p.sendAs(p.Demo.Users["owner"].Token, "POST", "/v1/communities/"+p.Demo.CommunityID+"/tiers",
		`{"name":"Supporter","description":"No ads on the Guild's pages, and the monthly deep dive.","benefits":["ad_free","deep_dive"],"prices":[{"interval":"month","amount":{"amount":500,"currency":"USD"}},{"interval":"year","amount":{"amount":5000,"currency":"USD"}}]}`)
	if err != nil {
		return err
	}
	p.Demo.TierID, _ = tier["id"].(string)
	req := httptest.NewRequest("POST", p.BaseURL+"/v1/communities/"+p.Demo.CommunityID+"/memberships", strings.NewReader(`{"tierId":"`+p.Demo.TierID+`","interval":"month"}`))
	req.Header.Set("Authorization", "Bearer "+p.Demo.Users["member"].Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "demo-member-joins")
	req.RemoteAddr = "127.0.0.1:1"
	w := httptest.NewRecorder()
	p.gateway.ServeHTTP(w, req)
	var m struct {
		ID, Status string
	}
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || w.Code != 201 || m.Status != "active" {
		return fmt.Errorf("the demo member's join: %d %s", w.Code, w.Body.String())
	}
	p.Demo.MembershipID = m.ID
	return nil
}

// seedSlot makes the demo community's banner slot and its house ad
// through the gateway, as the owner would.
func (p *Platform) seedSlot() error {
	send := func(method, path, body string) (map[string]any, error) {
		return p.sendAs(p.Demo.Users["owner"].Token, method, path, body)
	}
	slot, err := send("POST", "/v1/communities/"+p.Demo.CommunityID+"/slots", `{"name":"Sidebar","width":300,"height":250,"reserve":{"amount":500,"currency":"USD"}}`)
	if err != nil {
		return err
	}
	p.Demo.SlotID, _ = slot["id"].(string)
	crv, err := p.seedHouseCreative()
	if err != nil {
		return err
	}
	_, err = send("PUT", "/v1/slots/"+p.Demo.SlotID+"/house-ad", `{"creativeId":"`+crv+`","clickUrl":"https://gophers.example/join","altText":"Join the Gophers Guild: a banner the community shows when no sponsor runs"}`)
	return err
}

// seedHouseCreative uploads the demo house ad's banner, a PNG drawn here,
// as a creative hosted by Souq (DESIGN §16), so the demo page shows a
// real image offline. It belongs to an advertiser account of the demo
// owner's (a house ad may name a creative of an advertiser its community's
// owner owns). It returns the creative's id.
func (p *Platform) seedHouseCreative() (string, error) {
	var body bytes.Buffer
	form := multipart.NewWriter(&body)
	part, err := form.CreateFormFile("image", "house-300x250.png")
	if err != nil {
		return "", err
	}
	if err := png.Encode(part, houseBanner(300, 250)); err != nil {
		return "", err
	}
	if err := form.Close(); err != nil {
		return "", err
	}
	req := httptest.NewRequest("POST", p.BaseURL+"/v1/advertisers/"+p.houseAdvertiserID+"/creatives", &body)
	req.Header.Set("Authorization", "Bearer "+p.Demo.Users["owner"].Token)
	req.Header.Set("Content-Type", form.FormDataContentType())
	req.RemoteAddr = "127.0.0.1:1"
	w := httptest.NewRecorder()
	p.gateway.ServeHTTP(w, req)
	if w.Code >= 300 {
		return "", fmt.Errorf("upload the house creative: %d %s", w.Code, w.Body.String())
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.ID == "" {
		return "", fmt.Errorf("upload the house creative: %s", w.Body.String())
	}
	return out.ID, nil
}

// houseBanner draws the demo house ad: the Gophers Guild's blue, with a
// band of stripes and a frame (an image is what the demo needs, not art).
func houseBanner(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	blue, light, white := color.RGBA{0x00, 0x7d, 0x9c, 0xff}, color.RGBA{0x5d, 0xc9, 0xe2, 0xff}, color.RGBA{0xff, 0xff, 0xff, 0xff}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := blue
			switch {
			case x < 6 || y < 6 || x >= w-6 || y >= h-6:
				c = white
			case y > h/3 && y < 2*h/3 && (x+y)/12%2 == 0:
				c = light
			}
			img.Set(x, y, c)
		}
	}
	return img
}

// demoPage is a community's page with the tag, served as a community
// would serve it: a strict CSP that allows the tag's origin for scripts and
// connections, and https images.
func (p *Platform) demoPage(w http.ResponseWriter, r *http.Request) {
	slot := r.URL.Query().Get("slot")
	if slot == "" && p.Demo != nil {
		slot = p.Demo.SlotID
	}
	// Images: Souq's own origin (its hosted creatives) and https.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src "+p.BaseURL+"; connect-src "+p.BaseURL+"; img-src "+p.BaseURL+" https:; style-src 'self'; base-uri 'none'; frame-ancestors 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = demoTemplate.Execute(w, map[string]string{"Base": p.BaseURL, "Slot": slot})
}

var demoTemplate = template.Must(template.New("demo").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="/console/static/favicon.svg" type="image/svg+xml">
<title>Gophers Guild · a page with the Souq tag</title><link rel="stylesheet" href="/console/static/console.css"></head>
<body><main id="main">
<h1>Gophers Guild</h1>
<p>This is a community's page with the Souq ad tag. The banner below is slot <code>{{.Slot}}</code>: it shows the
flight that won its auction, a campaign, or else the community's house ad (an image hosted by Souq, served by
this machine). Scroll it into view for a second and the view is counted; see the slot's flight stats.</p>
<p>The two lines that do it:</p>
<pre><code>&lt;div data-souq-slot="{{.Slot}}"&gt;Support the Gophers Guild&lt;/div&gt;
&lt;script async src="{{.Base}}/tag.js"&gt;&lt;/script&gt;</code></pre>
<div data-souq-slot="{{.Slot}}">Support the Gophers Guild</div>
<p>Open a slot of your own with <code>?slot=slot_…</code>, or manage this one in the <a href="/console/">console</a>.</p>
</main>
<script async src="{{.Base}}/tag.js"></script>
</body></html>`))

// writeState writes local.json and a shell file of the same values.
func (p *Platform) writeState(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(p.Demo, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "local.json"), append(b, '\n'), 0o600); err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString("# Written by `make run`: source it to use the demo credentials in a shell.\n")
	for _, kv := range [][2]string{
		{"SOUQ_URL", p.Demo.BaseURL},
		{"OWNER_TOKEN", p.Demo.Users["owner"].Token},
		{"ADVERTISER_TOKEN", p.Demo.Users["advertiser"].Token},
		{"INFLUENCER_TOKEN", p.Demo.Users["influencer"].Token},
		{"MEMBER_TOKEN", p.Demo.Users["member"].Token},
		{"TIER_ID", p.Demo.TierID},
		{"COMMUNITY_ID", p.Demo.CommunityID},
		{"ADVERTISER_ID", p.Demo.AdvertiserID},
		{"COMMUNITY_KEY", p.Demo.APIKeys["community"]},
		{"ADVERTISER_KEY", p.Demo.APIKeys["advertiser"]},
		{"SLOT_ID", p.Demo.SlotID},
	} {
		fmt.Fprintf(&sb, "export %s=%q\n", kv[0], kv[1])
	}
	return os.WriteFile(filepath.Join(dir, "env"), []byte(sb.String()), 0o600)
}
