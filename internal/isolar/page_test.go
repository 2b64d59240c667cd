package isolar_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/testkit"
)

func authorizeQuery(appID, redirectURI, state string) string {
	v := url.Values{"cloudId": {"1"}, "applicationId": {appID}, "redirectUrl": {redirectURI}}
	if state != "" {
		v.Set("state", state)
	}
	return v.Encode()
}

var form = map[string]string{"Content-Type": "application/x-www-form-urlencoded"}

// login posts the login form and returns the consent page's ticket.
func (e *env) login(prefix, redirectURI, state, account, password string) (testkit.Response, string) {
	e.t.Helper()
	v := url.Values{"cloudId": {"1"}, "applicationId": {"1001"}, "redirectUrl": {redirectURI}, "state": {state},
		"account": {account}, "password": {password}}
	r := e.post(prefix+"/authorized-app/login", form, v.Encode())
	m := regexp.MustCompile(`name="ticket" value="([^"]+)"`).FindSubmatch(r.Body)
	if m == nil {
		return r, ""
	}
	return r, string(m[1])
}

func TestPageFlowIssuesAWorkingCode(t *testing.T) {
	e := newEnv(t, nil)
	page := testkit.Do(t, "GET", e.url+"/authorized-app?"+authorizeQuery("1001", redirect2, "xyz"), nil, "")
	if page.Status != 200 || !strings.Contains(string(page.Body), `action="/authorized-app/login"`) {
		t.Fatalf("login form: got %d %s", page.Status, page.Body)
	}
	r, ticket := e.login("", redirect2, "xyz", "demo@example.com", "demo1234")
	if ticket == "" || !strings.Contains(string(r.Body), "Agree to Authorize") || !strings.Contains(string(r.Body), "342469867") {
		t.Fatalf("consent page: got %d %s", r.Status, r.Body)
	}
	r = e.post("/authorized-app/consent", form, url.Values{"ticket": {ticket}, "decision": {"approve"}}.Encode())
	if r.Status != 302 {
		t.Fatalf("consent: got %d, want 302", r.Status)
	}
	loc, err := url.Parse(r.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	code := loc.Query().Get("code")
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirect2 || loc.Query().Get("state") != "xyz" || len(code) != 6 {
		t.Fatalf("got Location %s, want %s?code=XXXXXX&state=xyz", loc, redirect2)
	}
	a := wantCode(t, e.exchange(code, redirect2), "1", "success")
	if a.ResultData.AuthUser != 408056 {
		t.Errorf("got auth_user %d, want 408056", a.ResultData.AuthUser)
	}
	// The ticket was single-use.
	if r := e.post("/authorized-app/consent", form, url.Values{"ticket": {ticket}, "decision": {"approve"}}.Encode()); r.Status != 400 {
		t.Errorf("ticket reuse: got %d, want 400", r.Status)
	}
	wantReason(t, e.note(), "consent ticket already used at 2026-03-14T09:26:53Z")
}

func TestPageWithSessionPrefixAndNoState(t *testing.T) {
	e := newEnv(t, nil)
	page := testkit.Do(t, "GET", e.url+"/s/web/authorized-app?"+authorizeQuery("1001", redirect, ""), nil, "")
	if !strings.Contains(string(page.Body), `action="/s/web/authorized-app/login"`) {
		t.Fatalf("form action does not keep the session prefix: %s", page.Body)
	}
	_, ticket := e.login("/s/web", redirect, "", "demo@example.com", "demo1234")
	r := e.post("/s/web/authorized-app/consent", form, url.Values{"ticket": {ticket}, "decision": {"approve"}}.Encode())
	loc := r.Header.Get("Location")
	if !regexp.MustCompile(`^https://web3\.isolarcloud\.com\.cn\?code=[A-Za-z0-9]{6}$`).MatchString(loc) {
		t.Fatalf("got Location %q, want the redirect with only a code", loc)
	}
	code := strings.TrimPrefix(loc, redirect+"?code=")
	wantCode(t, e.exchange(code, redirect), "2", "") // another session's code
	wantCode(t, e.post("/s/web"+tokenPath, map[string]string{"x-access-key": accessKey},
		jsonBody(map[string]string{"appkey": appKey, "grant_type": "authorization_code", "code": code, "redirect_uri": redirect})), "1", "success")
}

func TestPageRejectsWrongPassword(t *testing.T) {
	e := newEnv(t, nil)
	for _, c := range []struct{ account, password, mention string }{
		{"demo@example.com", "wrong", "wrong password for demo@example.com"},
		{"demo@example.com", "", "no password for demo@example.com"},
		{"nobody@example.com", "demo1234", "no account nobody@example.com in the fixtures"},
	} {
		r, ticket := e.login("", redirect, "s", c.account, c.password)
		if r.Status != 200 || ticket != "" || !strings.Contains(string(r.Body), "Incorrect account or password") {
			t.Errorf("%s/%s: got %d, ticket %q, want the form again with the error", c.account, c.password, r.Status, ticket)
		}
		// Not a catalogue failure: the form comes again, with its error.
		wantPageNote(t, e.note(), "", r.Status, "", r.Body)
		wantReason(t, e.note(), c.mention)
	}
}

func TestPageDeny(t *testing.T) {
	e := newEnv(t, nil)
	_, ticket := e.login("", redirect, "st", "demo@example.com", "demo1234")
	r := e.post("/authorized-app/consent", form, url.Values{"ticket": {ticket}, "decision": {"deny"}}.Encode())
	if got, want := r.Header.Get("Location"), redirect+"?error=access_denied&state=st"; r.Status != 302 || got != want {
		t.Errorf("got %d %q, want 302 %q", r.Status, got, want)
	}
	wantPageNote(t, e.note(), "access_denied", r.Status, r.Header.Get("Location"), r.Body)
	wantReason(t, e.note(), "demo@example.com denied app "+appKey)
}

// An unregistered or unknown target never gets a redirect, only a 400 page.
func TestPageNeverRedirectsToUnregisteredURI(t *testing.T) {
	e := newEnv(t, nil)
	cases := []struct {
		name, query, msg string
		failure, mention string // the note's failure and what its reason names
	}{
		{"unknown app", authorizeQuery("9999", redirect, ""), "Application does not exist", "unknown_application", "applicationId 9999 unknown"},
		{"unregistered redirect", authorizeQuery("1001", "https://evil.example/cb", ""), "The redirect address does not match",
			"redirect_not_registered", "redirectUrl https://evil.example/cb is not registered for application 1001"},
		{"redirect with extra path", authorizeQuery("1001", redirect+"/x", ""), "The redirect address does not match",
			"redirect_not_registered", "redirectUrl " + redirect + "/x is not"},
		{"wrong cloud", "cloudId=2&applicationId=1001&redirectUrl=" + url.QueryEscape(redirect), "Application does not exist",
			"unknown_application", "application 1001 is on cloudId 1, not 2"},
		{"cloud not a number", "cloudId=x&applicationId=1001&redirectUrl=" + url.QueryEscape(redirect), "Application does not exist",
			"unknown_application", "cloudId x is not a number"},
		{"no parameters", "", "Application does not exist", "unknown_application", `applicationId "" unknown`},
	}
	for _, c := range cases {
		r := testkit.Do(t, "GET", e.url+"/authorized-app?"+c.query, nil, "")
		if r.Status != 400 || r.Header.Get("Location") != "" || !strings.Contains(string(r.Body), c.msg) {
			t.Errorf("%s: got %d Location %q, want 400 %q", c.name, r.Status, r.Header.Get("Location"), c.msg)
		}
		wantPageNote(t, e.note(), c.failure, r.Status, "", r.Body)
		wantReason(t, e.note(), c.mention)
	}
	r, ticket := e.login("", "https://evil.example/cb", "s", "demo@example.com", "demo1234")
	if r.Status != 400 || ticket != "" {
		t.Errorf("login with an unregistered redirect: got %d ticket %q, want 400 and none", r.Status, ticket)
	}
	wantPageNote(t, e.note(), "redirect_not_registered", r.Status, "", r.Body)
	wantReason(t, e.note(), "redirectUrl https://evil.example/cb is not registered")
	r = e.post("/authorized-app/consent", form, "ticket=forged&decision=approve")
	if r.Status != 400 || r.Header.Get("Location") != "" {
		t.Errorf("forged ticket: got %d %q, want 400 and no redirect", r.Status, r.Header.Get("Location"))
	}
	wantPageNote(t, e.note(), "", r.Status, "", r.Body)
	wantReason(t, e.note(), "consent ticket unknown in session default")
}

func TestPageEscapesUserValues(t *testing.T) {
	e := newEnv(t, nil)
	xss := `"><script>alert(1)</script>`
	page := testkit.Do(t, "GET", e.url+"/authorized-app?"+authorizeQuery("1001", redirect, xss), nil, "")
	r, _ := e.login("", redirect, xss, xss, "x")
	for name, body := range map[string][]byte{"form": page.Body, "login error": r.Body} {
		if strings.Contains(string(body), "<script>alert") {
			t.Errorf("%s: got the payload unescaped", name)
		}
		if !strings.Contains(string(body), "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: got no escaped payload in %s", name, body)
		}
	}
	shim := testkit.Do(t, "GET", e.url+"/s/a.b/", nil, "")
	if shim.Status != 200 || !strings.Contains(string(shim.Body), `location.replace("/s/a.b" + '/authorized-app?' + q)`) {
		t.Errorf("shim: got %d %s", shim.Status, shim.Body)
	}
}

// The consent form's refusals are no catalogue failures (the page shows
// its error, no redirect), but each says why.
func TestPageConsentRefusals(t *testing.T) {
	signedIn := func(e *env) string {
		_, ticket := e.login("", redirect, "s", "demo@example.com", "demo1234")
		return ticket
	}
	cases := []struct {
		name     string
		ticket   func(e *env) string
		decision string
		mention  string
	}{
		{"no decision", signedIn, "", `decision "" is neither approve nor deny`},
		{"odd decision", signedIn, "maybe", "decision maybe is neither approve nor deny"},
		{"no ticket", func(*env) string { return "" }, "approve", "no ticket in the consent form"},
		{"expired ticket", func(e *env) string {
			ticket := signedIn(e)
			e.advance(10 * time.Minute)
			return ticket
		}, "approve", "consent ticket expired at 2026-03-14T09:36:53Z (session clock 2026-03-14T09:36:53Z)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil)
			ticket := c.ticket(e)
			r := e.post("/authorized-app/consent", form, url.Values{"ticket": {ticket}, "decision": {c.decision}}.Encode())
			if r.Status != 400 || r.Header.Get("Location") != "" {
				t.Errorf("got %d %q, want 400 and no redirect", r.Status, r.Header.Get("Location"))
			}
			wantPageNote(t, e.note(), "", r.Status, "", r.Body)
			wantReason(t, e.note(), c.mention)
		})
	}
}
