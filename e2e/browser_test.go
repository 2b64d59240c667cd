package e2e

// Helpers that every browser test shares. They know nothing of a vendor:
//
//	ctx := startBrowser(t)                                // a tab; skips when no browser
//	redirects := captureRedirects(t, ctx, "https://app.example/cb")
//	do(t, ctx, "log in",
//		chromedp.Navigate(srv.URL+"/oauth/authorize?..."),
//		chromedp.SendKeys(chromedp.ID("username"), "user"),
//		chromedp.Click(chromedp.ID("login")))
//	u := awaitRedirect(t, ctx, redirects)                 // the redirect, with code and state
//
// startBrowser finds the browser (findBrowser), starts it headless with the
// flags a root user in a container needs, and ends it with the test; the whole
// test is bounded by browserTimeout. captureRedirects intercepts the requests
// to an app's redirect URI inside the browser, so that the URI's host never
// has to exist.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/tokenmock/tokenmock/internal/testkit"
)

// browserTimeout bounds each test that calls startBrowser, from the start of
// the browser to its end.
const browserTimeout = 60 * time.Second

// browserNames are the programs looked for on PATH, in this order.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome"}

// findBrowser returns the path of the browser to run: $CHROME_PATH when it
// is set (an error when it names no executable, with no fallback), else the
// first of browserNames on PATH. getenv and lookPath are os.Getenv and
// exec.LookPath outside this file's own tests.
func findBrowser(getenv func(string) string, lookPath func(string) (string, error)) (string, error) {
	if p := getenv("CHROME_PATH"); p != "" {
		path, err := lookPath(p)
		if err != nil {
			return "", fmt.Errorf("CHROME_PATH=%s is not an executable: %w", p, err)
		}
		return path, nil
	}
	for _, name := range browserNames {
		if path, err := lookPath(name); err == nil {
			return path, nil
		}
	}
	return "", fmt.Errorf("none of %s is on PATH, and CHROME_PATH is not set", strings.Join(browserNames, ", "))
}

// inCI reports whether $CI is true ("true", "1", ...): then a missing
// browser fails the test instead of skipping it.
func inCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// requireBrowser returns the browser that find finds; without one it skips
// t, or fails t when ci is set. It returns "" only when t is a fake whose
// Skip and Fatal return.
func requireBrowser(t testing.TB, ci bool, find func() (string, error)) string {
	t.Helper()
	path, err := find()
	if err == nil {
		return path
	}
	msg := "no browser for the end-to-end tests: " + err.Error() +
		" (install Debian's chromium: apt-get install chromium, or set CHROME_PATH)"
	if ci {
		t.Fatal(msg + "; failing instead of skipping because CI=true")
	} else {
		t.Skip(msg)
	}
	return ""
}

// startBrowser starts a headless browser for t and returns the context of
// its first tab, ready for chromedp.Do and chromedp.Run. Without a browser
// it skips t (fails it when CI=true). The context ends after
// browserTimeout or with the test, whichever comes first; the browser, its
// temporary profile and its process are gone when t's cleanups have run.
// When t fails, the browser's own output is logged.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	path := requireBrowser(t, inCI(), func() (string, error) { return findBrowser(os.Getenv, exec.LookPath) })

	out := &logBuffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox, // root in a container has no usable sandbox
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true), // /dev/shm is small in containers
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(out),
	)
	timeoutCtx, cancelTimeout := context.WithTimeout(t.Context(), browserTimeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(timeoutCtx, opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx,
		chromedp.WithLogf(out.printf), chromedp.WithErrorf(out.printf))
	t.Cleanup(func() {
		_ = chromedp.Cancel(ctx) // closes the browser; a dead one answers with an error
		cancelTab()
		cancelAlloc() // waits for the process and removes the profile
		cancelTimeout()
		if t.Failed() {
			t.Logf("browser output (%s):\n%s", path, out.tail(8<<10))
		}
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser and opens the tab
		t.Fatalf("starting the browser %s: %v\n%s", path, err, out.tail(8<<10))
	}
	return ctx
}

// do runs steps in the tab and fails t with what, the page's address and the
// start of its text when one fails.
func do(t testing.TB, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v%s", what, err, pageState(ctx))
	}
}

// run runs one action that returns a value, failing t as do does.
func run[T any](t testing.TB, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v%s", what, err, pageState(ctx))
	}
	return v
}

// pageState describes the page for a failure message, as far as the tab
// still answers within a second.
func pageState(ctx context.Context) string {
	if ctx.Err() != nil {
		return ""
	}
	qctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	loc, err := chromedp.Run(qctx, chromedp.Location())
	if err != nil {
		return ""
	}
	text, _ := chromedp.Run(qctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if len(text) > 2000 {
		text = text[:2000] + "…"
	}
	return "\npage " + loc + ":\n" + text
}

// capturedPage is the answer the browser gets for a captured request.
const capturedPage = `<!DOCTYPE html><title>redirect captured</title><p id="captured">The end-to-end test captured this redirect.</p>`

// captureRedirects makes the tab of ctx answer every request whose URL
// starts with prefix by itself, and sends the URL of each (with its
// fragment, if any) to the returned channel, which holds up to 16 unread
// URLs. Call it before the action that redirects; it stops with the test.
//
// It uses the DevTools Fetch domain: the browser pauses a matching request
// before it leaves the browser (before any DNS lookup), and the helper
// fulfills it with capturedPage. A 302 from the mock to a redirect URI
// shows up as such a paused request for the Location's URL, so the
// redirect URI's host need not exist and is never contacted.
func captureRedirects(t testing.TB, ctx context.Context, prefix string) <-chan string {
	t.Helper()
	sub, stop := context.WithCancel(ctx)
	paused := chromedp.Events(sub, fetch.RequestPaused) // subscribed from here on
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{
		Patterns: []*fetch.RequestPattern{{URLPattern: fetchPattern(prefix) + "*"}},
	}); err != nil {
		stop()
		t.Fatalf("intercepting %s: %v", prefix, err)
	}
	urls := make(chan string, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev, err := range paused {
			if err != nil {
				return // the test or the browser ended
			}
			// The pattern is a glob; keep to a real prefix match.
			if u := ev.Request.URL + ev.Request.URLFragment; strings.HasPrefix(u, prefix) {
				select {
				case urls <- u:
				default:
				}
			}
			_, _ = chromedp.Call(sub, fetch.FulfillRequest, fetch.FulfillRequestParams{
				RequestID:    ev.RequestID,
				ResponseCode: 200,
				ResponseHeaders: []*fetch.HeaderEntry{
					{Name: "Content-Type", Value: "text/html; charset=utf-8"},
					{Name: "Cache-Control", Value: "no-store"},
				},
				Body: []byte(capturedPage),
			})
		}
	}()
	t.Cleanup(func() {
		stop()
		<-done
	})
	return urls
}

// fetchPattern escapes the wildcard characters of a Fetch URL pattern.
func fetchPattern(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`).Replace(s)
}

// awaitRedirect waits for the first URL that captureRedirects sends and
// parses it; it fails t when the tab's context ends first.
func awaitRedirect(t testing.TB, ctx context.Context, urls <-chan string) *url.URL {
	t.Helper()
	select {
	case s := <-urls:
		u, err := url.Parse(s)
		if err != nil {
			t.Fatalf("captured redirect %q: %v", s, err)
		}
		return u
	case <-ctx.Done():
		err := ctx.Err()
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w (browserTimeout %s)", err, browserTimeout)
		}
		t.Fatalf("no redirect captured: %v", err)
		return nil
	}
}

// logBuffer collects the browser's output and chromedp's messages; they
// may arrive from other goroutines until the browser has exited.
type logBuffer struct{ testkit.Buffer }

func (b *logBuffer) printf(format string, args ...any) {
	fmt.Fprintf(b, "chromedp: "+format+"\n", args...)
}

// tail is the last n bytes written.
func (b *logBuffer) tail(n int) string {
	s := b.String()
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return s
}
