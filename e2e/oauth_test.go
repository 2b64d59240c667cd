package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/oauth"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// The DI page's client (fixtures/default.yaml).
const (
	diClient   = "2aeb5a5eac1100043817950ada19e0f5"
	diSecret   = "ew3c6b0eac111239342wecf26736439"
	diRedirect = "http://localhost:8080"
)

func serveDI(t *testing.T) *testkit.Server {
	t.Helper()
	all, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	return testkit.Serve(t, "", func(deps mock.Deps) []mock.Vendor { return []mock.Vendor{oauth.New(all.OAuth, deps)} })
}

// The whole authorization-code flow of the DI platform in a real browser:
// authorize, the login page (a wrong password first), Spring's approval
// page, the redirect with code and state, and the exchange by
// golang.org/x/oauth2.
func TestDIBrowserFlow(t *testing.T) {
	srv := serveDI(t)
	ctx := startBrowser(t)
	redirects := captureRedirects(t, ctx, diRedirect)
	conf := &oauth2.Config{
		ClientID: diClient, ClientSecret: diSecret, RedirectURL: diRedirect, Scopes: []string{"read_cn"},
		Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/oauth/authorize", TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
	user := chromedp.CSS(`input[name="username"]`)
	do(t, ctx, "opening the authorize URL",
		chromedp.Navigate(conf.AuthCodeURL("st-di 1")),
		chromedp.WaitVisible(user))
	if loc := run(t, ctx, "reading the address", chromedp.Location()); loc != srv.URL+"/oauth/login" {
		t.Errorf("got %s, want the login page", loc)
	}
	do(t, ctx, "logging in with a wrong password",
		chromedp.SendKeys(user, "demo"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "wrong"),
		chromedp.Click(chromedp.CSS(`input[name="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`font[color="red"]`)))
	if msg := run(t, ctx, "reading the error", chromedp.Text(chromedp.CSS(`font[color="red"]`))); !strings.Contains(msg, "Bad credentials") {
		t.Errorf("got %q, want Bad credentials", msg)
	}
	do(t, ctx, "logging in",
		chromedp.SendKeys(user, "demo"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "demo"),
		chromedp.Click(chromedp.CSS(`input[name="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#confirmationForm`)))
	if text := run(t, ctx, "reading the approval page", chromedp.Text(chromedp.CSS("p"))); !strings.Contains(text, `"`+diClient+`"`) {
		t.Errorf("approval page says %q", text)
	}
	do(t, ctx, "approving",
		chromedp.Click(chromedp.CSS(`input[name="scope.read_cn"][value="true"]`)),
		chromedp.Click(chromedp.CSS(`input[name="authorize"]`)))
	u := awaitRedirect(t, ctx, redirects)
	if got := u.Scheme + "://" + u.Host; got != diRedirect || u.Query().Get("state") != "st-di 1" {
		t.Fatalf("redirected to %s, want %s with state", u, diRedirect)
	}
	tok, err := conf.Exchange(context.Background(), u.Query().Get("code"))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if tok.AccessToken == "" || tok.Extra("scope") != "read_cn" {
		t.Errorf("got %+v, want a token with scope read_cn", tok)
	}
}

// An XSS payload in the echoed redirect_uri does not run in the browser.
func TestDIErrorPageDoesNotRunPayload(t *testing.T) {
	srv := serveDI(t)
	ctx := startBrowser(t)
	payload := `<img src=x onerror="window.__xss=1">`
	do(t, ctx, "opening a bad redirect",
		chromedp.Navigate(srv.URL+"/oauth/authorize?mock_user=demo&response_type=code&client_id="+diClient+"&redirect_uri="+url.QueryEscape(payload)),
		chromedp.WaitVisible(chromedp.CSS("h1")))
	if kind := run(t, ctx, "reading window.__xss", chromedp.Evaluate[string](`typeof window.__xss`)); kind != "undefined" {
		t.Errorf("window.__xss is %s, want undefined: the payload ran", kind)
	}
	if text := run(t, ctx, "reading the page", chromedp.Text(chromedp.CSS("p"))); !strings.Contains(text, payload) {
		t.Errorf("got %q, want the payload shown as text", text)
	}
}
