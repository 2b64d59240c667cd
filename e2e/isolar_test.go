package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/isolar"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// Values of the default fixtures (fixtures/default.yaml).
const (
	isolarAppKey    = "B968E49385CBD8C74587A374E7B1D21A"
	isolarAccessKey = "MOCKSECRETKEY0123456789ABCDEFGHI"
	isolarRedirect  = "https://web3.isolarcloud.com.cn"
	isolarAccount   = "demo@example.com"
	isolarPassword  = "demo1234"
	isolarTokenPath = "/openapi/apiManage/token"
)

// isolarRoute is the SPA's hash route for the default app, without state.
const isolarRoute = "#/authorized-app?cloudId=1&applicationId=1001&redirectUrl=https%3A%2F%2Fweb3.isolarcloud.com.cn"

var codeRE = regexp.MustCompile(`^[A-Za-z0-9]{6}$`)

// serveIsolar serves the iSolarCloud mock with the default fixtures.
func serveIsolar(t *testing.T) *testkit.Server {
	t.Helper()
	all, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	return testkit.Serve(t, "", func(deps mock.Deps) []mock.Vendor {
		return []mock.Vendor{isolar.New(all.Isolar, deps)}
	})
}

func TestIsolarBrowserFlow(t *testing.T) {
	srv := serveIsolar(t)

	t.Run("state from the query", func(t *testing.T) {
		ctx := startBrowser(t)
		u := isolarAuthorize(t, ctx, srv.URL+"/?state=st-123"+isolarRoute, srv.URL+"/authorized-app?")
		code := checkRedirect(t, u, "st-123")
		if rc, body := isolarExchange(t, srv.URL+isolarTokenPath, code); rc != "1" {
			t.Fatalf("exchanging %s: got result_code %q, want \"1\": %s", code, rc, body)
		}
	})

	t.Run("session prefix", func(t *testing.T) {
		ctx := startBrowser(t)
		u := isolarAuthorize(t, ctx, srv.URL+"/s/browser/"+isolarRoute+"&state=st-456", srv.URL+"/s/browser/authorized-app?")
		code := checkRedirect(t, u, "st-456")
		// The code belongs to the session: the default session does not know it.
		if rc, body := isolarExchange(t, srv.URL+isolarTokenPath, code); rc == "1" {
			t.Fatalf("the session's code %s worked outside the session: %s", code, body)
		}
		if rc, body := isolarExchange(t, srv.URL+"/s/browser"+isolarTokenPath, code); rc != "1" {
			t.Fatalf("exchanging %s in the session: got result_code %q, want \"1\": %s", code, rc, body)
		}
	})
}

// isolarAuthorize drives the page from startURL to the approval: the shim
// must land on an address starting with wantPage; a wrong password first,
// then the demo user, then "Agree to Authorize". It returns the captured
// redirect.
func isolarAuthorize(t *testing.T, ctx context.Context, startURL, wantPage string) *url.URL {
	t.Helper()
	redirects := captureRedirects(t, ctx, isolarRedirect)

	do(t, ctx, "opening "+startURL,
		chromedp.Navigate(startURL),
		chromedp.WaitVisible(chromedp.ID("password")))
	if loc := run(t, ctx, "reading the address", chromedp.Location()); !strings.HasPrefix(loc, wantPage) {
		t.Errorf("the shim led to %s, want %s…", loc, wantPage)
	}

	do(t, ctx, "logging in with a wrong password",
		chromedp.SendKeys(chromedp.ID("account"), isolarAccount),
		chromedp.SendKeys(chromedp.ID("password"), "wrong-password"),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("error")))
	if msg := run(t, ctx, "reading the error", chromedp.Text(chromedp.ID("error"))); msg != "Incorrect account or password" {
		t.Errorf("got error text %q, want %q", msg, "Incorrect account or password")
	}
	if acc := run(t, ctx, "reading the account field", chromedp.Value(chromedp.ID("account"))); acc != isolarAccount {
		t.Errorf("the form came back with account %q, want %q", acc, isolarAccount)
	}

	do(t, ctx, "logging in",
		chromedp.SendKeys(chromedp.ID("password"), isolarPassword),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("approve")))
	if who := run(t, ctx, "reading the consent page", chromedp.Text(chromedp.ID("account"))); who != isolarAccount {
		t.Errorf("consent page signed in as %q, want %q", who, isolarAccount)
	}

	do(t, ctx, "agreeing", chromedp.Click(chromedp.ID("approve")))
	u := awaitRedirect(t, ctx, redirects)
	t.Logf("redirected to %s", u)
	return u
}

// checkRedirect checks that u is the registered redirect with a code and
// the given state, and returns the code.
func checkRedirect(t *testing.T, u *url.URL, state string) string {
	t.Helper()
	q := u.Query()
	if u.Scheme+"://"+u.Host != isolarRedirect || (u.Path != "" && u.Path != "/") {
		t.Errorf("redirected to %s, want %s", u, isolarRedirect)
	}
	if got := q.Get("state"); got != state {
		t.Errorf("redirect %s: got state %q, want %q", u, got, state)
	}
	code := q.Get("code")
	if !codeRE.MatchString(code) {
		t.Fatalf("redirect %s: got code %q, want 6 letters or digits", u, code)
	}
	return code
}

// isolarExchange posts code to tokenURL for the default app and returns the
// answer's result_code and body.
func isolarExchange(t *testing.T, tokenURL, code string) (string, []byte) {
	t.Helper()
	body, err := json.Marshal(map[string]string{
		"appkey": isolarAppKey, "grant_type": "authorization_code", "code": code, "redirect_uri": isolarRedirect,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := testkit.Do(t, http.MethodPost, tokenURL, map[string]string{"Content-Type": "application/json", "x-access-key": isolarAccessKey}, string(body))
	b := r.Body
	if r.Status != http.StatusOK {
		t.Fatalf("POST %s: got status %d: %s", tokenURL, r.Status, b)
	}
	var a struct {
		ResultCode string `json:"result_code"`
	}
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("POST %s: %v: %s", tokenURL, err, b)
	}
	return a.ResultCode, b
}

// TestIsolarStateIsNotExecuted puts markup with a script handler in state,
// by every way a state reaches the page, and checks that it stays text.
func TestIsolarStateIsNotExecuted(t *testing.T) {
	srv := serveIsolar(t)
	ctx := startBrowser(t)
	const payload = `<img src=x onerror="window.__xss=1">`
	direct := url.Values{
		"cloudId": {"1"}, "applicationId": {"1001"}, "redirectUrl": {isolarRedirect}, "state": {payload},
	}
	for _, tc := range []struct{ name, url string }{
		{"authorize URL", srv.URL + "/authorized-app?" + direct.Encode()},
		{"shim query", srv.URL + "/?state=" + url.QueryEscape(payload) + isolarRoute},
		{"shim hash", srv.URL + "/" + isolarRoute + "&state=" + url.QueryEscape(payload)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			do(t, ctx, "opening "+tc.url,
				chromedp.Navigate(tc.url),
				chromedp.WaitVisible(chromedp.ID("password")))
			checkNoXSS(t, ctx, payload, "login page")

			do(t, ctx, "logging in with a wrong password",
				chromedp.SendKeys(chromedp.ID("account"), isolarAccount),
				chromedp.SendKeys(chromedp.ID("password"), "wrong-password"),
				chromedp.Click(chromedp.ID("login")),
				chromedp.WaitVisible(chromedp.ID("error")))
			checkNoXSS(t, ctx, payload, "login page with the error")

			// The check can see an executed payload: the same markup, put into
			// the page as HTML, runs.
			do(t, ctx, "injecting the payload as HTML",
				chromedp.Evaluate[chromedp.Void](`document.body.insertAdjacentHTML("beforeend", `+jsString(payload)+`)`))
			run(t, ctx, "waiting for the injected payload to run",
				chromedp.Poll[bool](`window.__xss === 1`, chromedp.WithPollingTimeout(10*time.Second)))
		})
	}
}

// checkNoXSS waits for the page to finish loading, then checks that the
// state field holds payload as text and that the payload did not run.
func checkNoXSS(t *testing.T, ctx context.Context, payload, where string) {
	t.Helper()
	run(t, ctx, "waiting for the "+where+" to load",
		chromedp.Poll[bool](`document.readyState === "complete"`, chromedp.WithPollingTimeout(10*time.Second)))
	if got := run(t, ctx, "reading the state field", chromedp.Value(chromedp.CSS(`input[name="state"]`))); got != payload {
		t.Errorf("%s: state field holds %q, want %q", where, got, payload)
	}
	if n := run(t, ctx, "counting images", chromedp.Evaluate[int](`document.images.length`)); n != 0 {
		t.Errorf("%s: the page has %d <img> elements, want none", where, n)
	}
	if typ := run(t, ctx, "reading window.__xss", chromedp.Evaluate[string](`typeof window.__xss`)); typ != "undefined" {
		t.Errorf("%s: window.__xss is a %s: the state's markup ran", where, typ)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
