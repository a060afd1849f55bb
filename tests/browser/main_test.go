// Package browser drives a real Chromium (Debian's, headless) against the
// local platform: people sign in, press the console's buttons and read the
// pages, and every test fails on an uncaught JavaScript error, a console
// error or a Content-Security-Policy violation in the browser. axe-core
// checks the main screens for accessibility.
package browser

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/souqhq/souq/infra/local"
	"github.com/souqhq/souq/tests/harness"
)

var (
	base       string
	plat       *local.Platform
	browserCtx context.Context
	axeJS      string
)

// chromium is Debian's browser; make installs it (apt-get install
// chromium) and never downloads a build of its own.
func chromium() (string, error) {
	if p := os.Getenv("SOUQ_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("chromium is missing: `make test` installs Debian's (apt-get update && apt-get install -y chromium) when run as root; otherwise install it, or set SOUQ_CHROMIUM")
}

func root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func TestMain(m *testing.M) {
	bin, err := chromium()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	b, err := os.ReadFile(filepath.Join(root(), "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "axe-core is missing (npm ci installs it):", err)
		os.Exit(1)
	}
	axeJS = string(b)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox, // root in CI
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1280, 900),
		// A person's browser: headless Chromium says HeadlessChrome, which
		// the invalid-traffic rules rightly take for a bot.
		chromedp.UserAgent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/148.0.0.0 Safari/537.36"),
	)
	// The browser's days are the platform's (UTC): pages show times in
	// the zone the browser reports.
	os.Setenv("TZ", "UTC")
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// One browser for the run; each person gets a browser context of it.
	ctx, cancel := chromedp.NewContext(alloc)
	stop := func() { cancel(); cancelAlloc() } // ends chromium: it must not outlive the run
	if err := chromedp.Do(ctx); err != nil {
		stop()
		fmt.Fprintln(os.Stderr, "start chromium:", err)
		os.Exit(1)
	}
	browserCtx = ctx
	harness.Main(m, harness.Options{Name: "brw", Ready: func(p *local.Platform) { base, plat = p.BaseURL, p }, Done: stop})
}

// tab is one person's browser: a browser context of its own (cookies
// apart), watched for errors for the whole test.
type tab struct {
	t   *testing.T
	ctx context.Context
	mu  sync.Mutex
	bad []string
}

func newTab(t *testing.T) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	ctx, timeout := context.WithTimeout(ctx, 2*time.Minute)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal("start the browser:", err)
	}
	b := &tab{t: t, ctx: ctx}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for msg, err := range messages {
			if err != nil {
				return
			}
			text := msg.String()
			if strings.HasPrefix(msg.URL, "https://cdn.example/") || strings.HasPrefix(msg.URL, "https://gophers.example/") {
				continue // the made-up hosts of test and demo creatives: nothing to load, on a machine without a network
			}
			if msg.IsException() || msg.Type == chromedp.ConsoleError || strings.Contains(text, "Content Security Policy") || strings.Contains(text, "Content-Security-Policy") {
				b.mu.Lock()
				b.bad = append(b.bad, fmt.Sprintf("%s %s:%d %s", msg.Type, msg.URL, msg.Line+1, text))
				b.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		// Let late messages arrive, then end the tab and read them all.
		time.Sleep(200 * time.Millisecond)
		timeout()
		cancel()
		<-done
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, m := range b.bad {
			t.Errorf("browser console: %s", m)
		}
	})
	return b
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%v (on %s)", err, b.location())
	}
}

func (b *tab) location() string {
	loc, _ := chromedp.Run(b.ctx, chromedp.Location())
	return loc
}

// open navigates and waits for the page.
func (b *tab) open(path string) *tab {
	b.t.Helper()
	b.do(chromedp.Navigate(base + path))
	return b
}

// button is the XPath of a button with exactly this visible name.
func button(name string) string {
	return fmt.Sprintf(`//button[normalize-space()=%q]`, name)
}

// press clicks the button with this visible name and waits for the page
// the form leads to.
func (b *tab) press(name string) *tab {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(button(name), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("press %q on %s: %v", name, b.location(), err)
	}
	if resp != nil && resp.Status >= 500 {
		b.t.Fatalf("press %q: %d", name, resp.Status)
	}
	return b
}

// fill types into the control labelled label.
func (b *tab) fill(label, value string) *tab {
	b.t.Helper()
	found, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
		`(() => { const l = [...document.querySelectorAll("label")].find(l => l.textContent.trim() === %q);
		  const c = l && document.getElementById(l.htmlFor); return c ? [c.id, c.type || ""] : []; })()`, label)))
	if err != nil || len(found) != 2 {
		b.t.Fatalf("no control labelled %q on %s", label, b.location())
	}
	id, kind := found[0], found[1]
	if kind == "date" || kind == "datetime-local" {
		// A date picker's keystrokes depend on the locale; its value does not.
		b.do(chromedp.SetValue(byID(id), value))
		return b
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(document.getElementById(%q).value = "") === ""`, id))); err != nil {
		b.t.Fatal(err)
	}
	b.do(chromedp.SendKeys(byID(id), value))
	return b
}

// byID selects by id, whatever the id holds (book-content.title).
func byID(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf(`[id=%q]`, id)) }

// main is the text of the page's main landmark.
func (b *tab) main() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		b.t.Fatal(err)
	}
	return strings.Join(strings.Fields(s), " ")
}

func (b *tab) sees(texts ...string) *tab {
	b.t.Helper()
	body := b.main()
	for _, s := range texts {
		if !strings.Contains(body, s) {
			b.t.Fatalf("%s does not show %q:\n%s", b.location(), s, body)
		}
	}
	return b
}

// signIn goes through the issuer's page by keyboard only: the User id
// field, typed, Enter.
func (b *tab) signIn(userID, path string) *tab {
	b.t.Helper()
	b.open(path)
	if !strings.Contains(b.location(), "/local/oidc/authorize") {
		b.t.Fatalf("signed out, %s is %s", path, b.location())
	}
	b.do(chromedp.WaitVisible(chromedp.ID("user_id")))
	if _, err := chromedp.RunResponse(b.ctx, chromedp.SendKeys(chromedp.ID("user_id"), userID+"\r")); err != nil {
		b.t.Fatal("sign in:", err)
	}
	return b
}

// axe runs axe-core in the page: the serious and critical violations.
func (b *tab) axe() []string {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](axeJS+";true")); err != nil {
		b.t.Fatal("load axe-core:", err)
	}
	out, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`axe.run(document, {resultTypes: ["violations"]}).then(r =>
		r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
		 .map(v => v.impact + " " + v.id + ": " + v.help + " — " + v.nodes.map(n => n.target.join(" ")).slice(0, 5).join(", ")))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatal("axe:", err)
	}
	return out
}

// accessible fails on any serious or critical axe violation, at desktop
// and at phone width, and on a page wider than a 375 px phone.
func (b *tab) accessible(name string) {
	b.t.Helper()
	for _, w := range []int64{1280, 375} {
		b.do(chromedp.EmulateViewport(w, 800))
		for _, v := range b.axe() {
			b.t.Errorf("axe, %s at %d px: %s", name, w, v)
		}
		if w == 375 {
			wide, _ := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
			if wide {
				b.t.Errorf("%s is wider than a 375 px phone", name)
			}
		}
		b.screenshot(fmt.Sprintf("%s-%d", name, w))
	}
	b.do(chromedp.EmulateViewport(1280, 900))
}

// screenshot keeps a picture of the page when SOUQ_SCREENSHOTS names a
// directory (for people to look at; no test reads it).
func (b *tab) screenshot(name string) {
	dir := os.Getenv("SOUQ_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err == nil {
		_ = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
}
