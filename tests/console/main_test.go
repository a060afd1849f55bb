// Package console tests the console page by page, as a person's browser
// would use it: signed in through the local issuer's page, forms sent with
// what they hold, answers read with goquery. Results are read back through
// the API, never from the console's own claims.
package console

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/souqhq/souq/infra/local"
	"github.com/souqhq/souq/tests/harness"
)

var (
	base string
	plat *local.Platform
)

// TestMain starts the shared harness; the API calls this suite makes
// itself are held to docs/openapi.yaml.
func TestMain(m *testing.M) {
	harness.Main(m, harness.Options{Name: "con", Contract: true, Ready: func(p *local.Platform) { base, plat = p.BaseURL, p }})
}

// person is one browser: its cookies, and the page it shows.
type person struct {
	t      testing.TB
	id     string
	c      *http.Client
	page   *goquery.Document
	status int
	header http.Header
	url    string
}

func newBrowser(t testing.TB) *person {
	jar, _ := cookiejar.New(nil)
	return &person{t: t, c: &http.Client{Jar: jar, Timeout: 60 * time.Second}}
}

// signIn signs a new browser in as userID through the issuer's page,
// starting from path (signed out, any page goes through sign-in).
func signIn(t testing.TB, userID, path string) *person {
	t.Helper()
	p := newBrowser(t)
	p.id = userID
	p.get(path)
	if !strings.Contains(p.url, "/local/oidc/authorize") {
		t.Fatalf("signed out, %s went to %s, not the sign-in page", path, p.url)
	}
	p.submit("form", map[string]string{"user_id": userID})
	return p
}

func (p *person) load(resp *http.Response, err error) {
	p.t.Helper()
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	p.status, p.header, p.url = resp.StatusCode, resp.Header, resp.Request.URL.String()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(b)))
	if err != nil {
		p.t.Fatal(err)
	}
	p.page = doc
}

// get opens a page.
func (p *person) get(path string) *person {
	p.t.Helper()
	p.load(p.c.Get(base + path))
	return p
}

// submit sends the first form matching sel as a browser would: its
// fields as they are on the page, with fields changed as given.
func (p *person) submit(sel string, fields map[string]string) *person {
	p.t.Helper()
	form := p.page.Find(sel).First()
	if form.Length() == 0 {
		p.t.Fatalf("no form %q on %s:\n%s", sel, p.url, p.text())
	}
	vals := url.Values{}
	form.Find("input[name], textarea[name], select[name]").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		switch {
		case s.Is("textarea"):
			vals.Set(name, s.Text())
		case s.Is("select"):
			v, ok := s.Find("option[selected]").Attr("value")
			if !ok {
				v, _ = s.Find("option").First().Attr("value")
			}
			vals.Set(name, v)
		case s.Is("input[type=checkbox], input[type=radio]"):
			// As a browser: only a checked box is sent ("on" without a value).
			if _, checked := s.Attr("checked"); checked {
				vals.Add(name, s.AttrOr("value", "on"))
			}
		default:
			v, _ := s.Attr("value")
			vals.Set(name, v)
		}
	})
	for k, v := range fields {
		vals.Set(k, v)
	}
	action, _ := form.Attr("action")
	target, _ := url.Parse(p.url)
	to, _ := target.Parse(action)
	if strings.EqualFold(form.AttrOr("method", "get"), "get") {
		to.RawQuery = vals.Encode()
		p.load(p.c.Get(to.String()))
		return p
	}
	req, _ := http.NewRequest(http.MethodPost, to.String(), strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base) // what a browser sends with a same-origin form
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	p.load(p.c.Do(req))
	return p
}

// post sends a raw form (for what a page would never send).
func (p *person) post(path string, vals url.Values, headers map[string]string) *person {
	p.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	p.load(p.c.Do(req))
	return p
}

func (p *person) text() string { return strings.Join(strings.Fields(p.page.Find("main").Text()), " ") }

// sees fails unless the page shows every text.
func (p *person) sees(texts ...string) *person {
	p.t.Helper()
	body := p.text()
	for _, s := range texts {
		if !strings.Contains(body, s) {
			p.t.Errorf("%s (status %d) does not show %q:\n%s", p.url, p.status, s, body)
		}
	}
	return p
}

func (p *person) doesNotSee(texts ...string) *person {
	p.t.Helper()
	body := p.text()
	for _, s := range texts {
		if strings.Contains(body, s) {
			p.t.Errorf("%s shows %q, which it must not", p.url, s)
		}
	}
	return p
}

// hasButton reports whether the page has a button with this visible name.
func (p *person) hasButton(name string) bool {
	found := false
	p.page.Find("button").Each(func(_ int, s *goquery.Selection) {
		found = found || strings.TrimSpace(s.Text()) == name
	})
	return found
}

// formWith is the selector of the form that holds the button name.
func (p *person) formWith(name string) string {
	p.t.Helper()
	sel := ""
	p.page.Find("form").EachWithBreak(func(i int, f *goquery.Selection) bool {
		f.Find("button").Each(func(_ int, b *goquery.Selection) {
			if strings.TrimSpace(b.Text()) == name && sel == "" {
				action, _ := f.Attr("action")
				sel = `form[action="` + action + `"]`
			}
		})
		return sel == ""
	})
	if sel == "" {
		p.t.Fatalf("%s has no button %q:\n%s", p.url, name, p.text())
	}
	return sel
}

// press sends the form of the button name.
func (p *person) press(name string, fields map[string]string) *person {
	p.t.Helper()
	return p.submit(p.formWith(name), fields)
}

// fieldError is the message shown beside the field of form formName.
func (p *person) fieldError(formName, field string) string {
	return strings.TrimSpace(p.page.Find("#" + cssID(formName+"-"+field) + "-msg").Text())
}

func cssID(s string) string { return strings.NewReplacer(".", `\.`).Replace(s) }

// token is an API token for userID, to read results through the API.
func token(t testing.TB, userID string) string {
	t.Helper()
	r := harness.Call(t, "POST", "/local/tokens", "", `{"userId":"`+userID+`"}`, 200)
	return r["token"].(string)
}

func api(t testing.TB, method, path, tok, body string, want int) map[string]any {
	t.Helper()
	return harness.Call(t, method, path, tok, body, want)
}

func advance(t testing.TB, d time.Duration) {
	t.Helper()
	b, _ := json.Marshal(map[string]int64{"seconds": int64(d.Seconds())})
	harness.Call(t, "POST", "/local/clock/advance", "", string(b), 200)
}

// payOnStripe pays the local Stripe's Checkout page the person was sent
// to (a deposit, or a card saved in setup mode) with a test card, as
// they would type it; Stripe then sends them back to the console.
func (p *person) payOnStripe(card string) *person {
	p.t.Helper()
	if !strings.Contains(p.url, "/local/checkout/") {
		p.t.Fatalf("not on Stripe's Checkout page but %s (%d):\n%s", p.url, p.status, p.text())
	}
	return p.submit(`form[action^="/local/checkout/"]`, map[string]string{"card": card})
}

// onboard answers the local Stripe's Connect onboarding page: complete
// or incomplete, as a person would press its buttons.
func (p *person) onboard(result string) *person {
	p.t.Helper()
	if !strings.Contains(p.url, "/local/connect/") {
		p.t.Fatalf("not on Stripe's onboarding page but %s (%d):\n%s", p.url, p.status, p.text())
	}
	return p.submit(`form[action^="/local/connect/"]`, map[string]string{"result": result})
}

// setUpPayouts sets up the person's payouts from the console's payouts
// page through the local Stripe's onboarding, completed.
func (p *person) setUpPayouts() *person {
	p.t.Helper()
	p.get("/console/payouts").press("Set up payouts", nil).onboard("complete")
	return p.sees("Payouts are set up")
}

// carded are the payers (by API path) that have a saved card.
var (
	cardedMu sync.Mutex
	carded   = map[string]bool{}
)

// fund deposits into an account through the API as its owner's server
// would, with a saved test card (saved first, once, on the local
// Stripe's Checkout). path is /v1/advertisers/adv_… or
// /v1/communities/com_….
func fund(t testing.TB, tok, path string, amount int64, currency string) {
	t.Helper()
	cardedMu.Lock()
	has := carded[path]
	carded[path] = true
	cardedMu.Unlock()
	if !has {
		harness.SaveCard(t, tok, path, harness.CardVisa)
	}
	d := api(t, "POST", path+"/deposits", tok, fmt.Sprintf(`{"amount":%d,"currency":%q,"method":"saved"}`, amount, currency), 201)
	if d["status"] != "succeeded" {
		t.Fatalf("a deposit with the saved card: %v", d)
	}
}

var ids int

// uid is a user id of this run.
func uid(role string) string {
	ids++
	return "usr_" + role + "_" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "") + "_" + string(rune('a'+ids%26))
}

// settle waits until every event so far has reached its consumers, as it
// would have long before a person's next click.
func settle(t testing.TB) {
	t.Helper()
	harness.Call(t, "GET", "/local/events?detailType=none", "", "", 200)
}
