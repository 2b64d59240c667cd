package oauth_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func page(code, desc string) string {
	return `<html><body><h1>OAuth Error</h1><p>error=&quot;` + code + `&quot;, error_description=&quot;` + desc + `&quot;</p></body></html>`
}

// The outcomes of /oauth/authorize (vendors/di-oauth2.md §2.2), logged in
// through mock_user.
func TestAuthorizeOutcomes(t *testing.T) {
	e := newEnv(t, withOthers(t))
	base := "/oauth/authorize?mock_user=demo&client_id=" + clientID
	cases := []struct {
		name     string
		query    string
		status   int
		location string
		body     string
		failure  string // the catalogue name noted
		why      string // what the noted reason says
	}{
		{"unknown client", "/oauth/authorize?mock_user=demo&client_id=nope&redirect_uri=" + cb + "&response_type=code", 401, "", page("invalid_client", "Bad client credentials"), "authorize_unknown_client", "client nope unknown"},
		{"no client", "/oauth/authorize?response_type=code", 401, "", page("invalid_client", "Bad client credentials"), "authorize_unknown_client", "client_id missing"},
		{"unsupported response type", base + "&redirect_uri=" + cb + "&response_type=foo+bar&state=s1", 302,
			cb + "?error=unsupported_response_type&error_description=Unsupported%20response%20types:%20%5Bbar,%20foo%5D&state=s1", "", "authorize_unsupported_response_type", `response_type "foo bar" asks for neither code nor token`},
		{"missing response type", base + "&redirect_uri=" + cb, 302, cb + "?error=unsupported_response_type&error_description=Unsupported%20response%20types:%20%5B%5D", "", "authorize_unsupported_response_type", `response_type "" asks for neither code nor token`},
		{"unsupported response type, no valid redirect", base + "&response_type=foo", 400, "", page("unsupported_response_type", "Unsupported response types: [foo]"), "authorize_unsupported_response_type", "response_type foo asks for neither code nor token"},
		{"redirect not registered", base + "&response_type=code&redirect_uri=http://evil.example/cb", 400, "",
			page("invalid_grant", "Invalid redirect: http://evil.example/cb does not match one of the registered values."), "authorize_redirect_mismatch", "redirect_uri http://evil.example/cb is not registered for client " + clientID + " (registered: " + cb + ", "},
		{"redirect absent, two registered", base + "&response_type=code", 400, "", page("invalid_grant", "Invalid redirect: null does not match one of the registered values."), "authorize_redirect_mismatch", "no redirect_uri sent, and client " + clientID + " has more than one registered"},
		{"invalid scope", base + "&redirect_uri=" + cb + "&response_type=code&scope=zz+foo+read_cn&state=", 302,
			cb + "?error=invalid_scope&error_description=Invalid%20scope:%20foo&state=&scope=read_cn", "", "authorize_invalid_scope", "scope foo not allowed for client " + clientID + " (registered: read_cn)"},
		{"invalid scope, implicit", base + "&redirect_uri=" + cb + "&response_type=token&scope=foo", 302,
			cb + "#error=invalid_scope&error_description=Invalid%20scope:%20foo&scope=read_cn", "", "authorize_invalid_scope", "scope foo not allowed for client " + clientID + " (registered: read_cn)"},
		{"implicit not allowed", "/oauth/authorize?mock_user=demo&client_id=other&response_type=token&state=x", 200, "", "", "", ""},
		{"unknown mock_user", "/oauth/authorize?mock_user=eve&client_id=" + clientID + "&response_type=code&redirect_uri=" + cb, 400, "", "mock_user: unknown user eve", "", "mock_user eve is not a fixture user"},
	}
	for _, c := range cases {
		r := e.send("GET", c.query, nil, "")
		if r.status != c.status || r.header.Get("Location") != c.location || (c.body != "" && r.body != c.body) {
			t.Errorf("%s: got %d %q %s\nwant %d %q %s", c.name, r.status, r.header.Get("Location"), r.body, c.status, c.location, c.body)
		}
		if r.header.Get("drivedby") != "SrvEng/1.5.0" {
			t.Errorf("%s: no drivedby header", c.name)
		}
		e.wantNote(t, r, c.failure, c.why)
	}
	// The implicit request of a client without the grant: approve, then
	// the error in the fragment.
	r := e.send("POST", "/oauth/authorize", formType, "user_oauth_approval=true&scope.read_cn=true&scope.write_cn=false")
	if got, want := r.header.Get("Location"), cb+"#error=invalid_client&error_description=Unauthorized%20grant%20type:%20implicit&state=x"; got != want {
		t.Errorf("implicit not allowed: got %q, want %q", got, want)
	}
	e.wantNote(t, r, "authorize_implicit_not_allowed", "grant type implicit not allowed for client other (allowed: authorization_code, refresh_token, client_credentials)")
}

func TestApproval(t *testing.T) {
	e := newEnv(t, withOthers(t))
	// Not logged in, then no pending request.
	r := e.send("POST", "/oauth/authorize", formType, "user_oauth_approval=true&scope.read_cn=true")
	if r.status != 302 || r.header.Get("Location") != e.srv.URL+"/oauth/login" {
		t.Errorf("not logged in: got %d %q, want the login page", r.status, r.header.Get("Location"))
	}
	e.wantNote(t, r, "", "") // the way to the login page is no failure
	e.send("POST", "/oauth/login", formType, "username=demo&password=demo")
	r = e.send("POST", "/oauth/authorize", formType, "user_oauth_approval=true&scope.read_cn=true")
	if r.status != 400 || r.body != page("invalid_request", "Cannot approve uninitialized authorization request.") {
		t.Errorf("without a request: got %d %s", r.status, r.body)
	}
	e.wantNote(t, r, "authorize_approval_without_request", "approval posted with no authorization request pending in this browser session (user demo)")
	// Deny.
	e.send("GET", authorizeURL("&state=d&mock_user=demo"), nil, "")
	r = e.send("POST", "/oauth/authorize", formType, "user_oauth_approval=true&scope.read_cn=false")
	if got, want := r.header.Get("Location"), cb+"?error=access_denied&error_description=User%20denied%20access&state=d"; got != want {
		t.Errorf("deny: got %q, want %q", got, want)
	}
	e.wantNote(t, r, "authorize_access_denied", "user demo approved none of the scopes asked for (read_cn)")
	// The pending request was cleared by the denial.
	if r := e.send("POST", "/oauth/authorize", formType, "user_oauth_approval=true&scope.read_cn=true"); r.status != 400 {
		t.Errorf("second post: got %d, want 400", r.status)
	}
	// Partial approval: the grant carries the approved scopes only;
	// "approve..." counts as yes.
	e.send("GET", "/oauth/authorize?mock_user=demo&client_id=other&response_type=code&scope=read_cn+write_cn", nil, "")
	r = e.send("POST", "/oauth/authorize", formType, "user_oauth_approval=true&scope.read_cn=Approved&scope.write_cn=false")
	loc, _ := url.Parse(r.header.Get("Location"))
	tr := e.tokenCall(creds("other", "other-secret")+"&grant_type=authorization_code&code="+loc.Query().Get("code"), nil)
	if !strings.HasSuffix(tr.body, `"scope":"read_cn"}`) {
		t.Errorf("partial approval: got %s, want scope read_cn only", tr.body)
	}
	// auto_approve skips the page.
	r = e.send("GET", "/oauth/authorize?mock_user=demo&client_id=auto&response_type=code", nil, "")
	if !regexp.MustCompile(`^http://localhost:8080\?code=[0-9A-Za-z]{6}$`).MatchString(r.header.Get("Location")) {
		t.Errorf("auto_approve: got %d %q", r.status, r.header.Get("Location"))
	}
}

// An XSS payload in every echoed parameter comes back escaped.
func TestEchoedValuesAreEscaped(t *testing.T) {
	e := newEnv(t, nil)
	xss := `<script>alert('x')</script>"`
	q := url.QueryEscape(xss)
	pages := map[string]string{
		"redirect_uri":  "/oauth/authorize?mock_user=demo&client_id=" + clientID + "&response_type=code&redirect_uri=" + q,
		"response_type": "/oauth/authorize?mock_user=demo&client_id=" + clientID + "&response_type=" + q,
	}
	for name, path := range pages {
		r := e.send("GET", path, nil, "")
		if strings.Contains(r.body, "<script>") || !strings.Contains(r.body, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;") {
			t.Errorf("%s: got %s, want the payload escaped", name, r.body)
		}
	}
	for name, path := range map[string]string{
		"state": authorizeURL("&mock_user=demo&state=" + q),
		"scope": "/oauth/authorize?mock_user=demo&client_id=" + clientID + "&response_type=code&redirect_uri=" + cb + "&scope=" + q,
	} {
		r := e.send("GET", path, nil, "")
		if r.status == 200 {
			r = e.send("POST", "/oauth/authorize", formType, "user_oauth_approval=true&scope.read_cn=true")
		}
		loc := r.header.Get("Location")
		if !strings.HasPrefix(loc, cb) || strings.ContainsAny(strings.TrimPrefix(loc, cb), `<>"`) {
			t.Errorf("%s: got Location %q, want the payload percent-encoded", name, loc)
		}
	}
	r := e.send("GET", "/oauth/authorize?client_id="+clientID+"&mock_user="+q+"&response_type=code", nil, "")
	if r.header.Get("Content-Type") != "text/plain;charset=UTF-8" {
		t.Errorf("mock_user echo: got %q, want text/plain", r.header.Get("Content-Type"))
	}
}

// No redirect ever goes to a URI that is not registered exactly.
func TestNoOpenRedirect(t *testing.T) {
	e := newEnv(t, nil)
	for _, uri := range []string{
		"http://localhost:8080/", "http://localhost:8080/cb", "http://localhost:8080?x=1", "http://localhost:80800",
		"https://localhost:8080", "http://evil.localhost:8080", "http://localhost:8080@evil.example", "//evil.example", "",
	} {
		for _, rt := range []string{"code", "token", "foo"} {
			r := e.send("GET", "/oauth/authorize?mock_user=demo&client_id="+clientID+"&response_type="+rt+"&redirect_uri="+url.QueryEscape(uri)+"&scope=nope", nil, "")
			if loc := r.header.Get("Location"); loc != "" {
				t.Errorf("%q %s: got a redirect to %q", uri, rt, loc)
			}
		}
	}
	// A fragment is dropped before matching.
	r := e.send("GET", authorizeURL("&mock_user=demo#frag"), nil, "")
	if r.status != 200 {
		t.Errorf("fragment: got %d, want the approval page", r.status)
	}
}

func TestLoginStartsANewSession(t *testing.T) {
	e := newEnv(t, nil)
	r := e.send("GET", "/s/web"+authorizeURL(""), nil, "")
	first := r.header.Get("Set-Cookie")
	if r.header.Get("Location") != e.srv.URL+"/s/web/oauth/login" || !regexp.MustCompile(`^JSESSIONID=[0-9A-F]{32}; Path=/; HttpOnly$`).MatchString(first) {
		t.Fatalf("got %q %q", r.header.Get("Location"), first)
	}
	if p := e.send("GET", "/s/web/oauth/login", nil, ""); !strings.Contains(p.body, "action='/s/web/oauth/login'") {
		t.Errorf("login form does not keep the session prefix: %s", p.body)
	}
	r = e.send("POST", "/s/web/oauth/login", formType, "username=demo&password=demo")
	if r.header.Get("Set-Cookie") == first || !strings.HasPrefix(r.header.Get("Location"), e.srv.URL+"/s/web/oauth/authorize?") {
		t.Errorf("login: got cookie %q Location %q, want a new session and the saved URL", r.header.Get("Set-Cookie"), r.header.Get("Location"))
	}
	if r := e.send("GET", "/oauth/login?success", nil, ""); r.status != 200 {
		t.Errorf("login page: got %d", r.status)
	}
}

func TestMintAndIntrospect(t *testing.T) {
	e := newEnv(t, nil)
	for body, want := range map[string]string{
		`{"vendor":"oauth","client_id":"nope"}`: `client_id: unknown client \"nope\" (clients: ` + clientID + `, mock-other-scope-client)`,
		`{"vendor":"oauth"}`:                    "client_id: required (clients: ",
		`{"vendor":"oauth","client_id":"` + clientID + `","redirect_uri":"http://evil.example/"}`: "redirect_uri: http://evil.example/ is not registered for client " +
			clientID + " (registered: http://localhost:8080, http://127.0.0.1:8080",
		`{"vendor":"oauth","client_id":"` + clientID + `","scope":"write"}`: `scope: \"write\" is not registered for client ` + clientID + ` (registered: read_cn)`,
		`{"vendor":"oauth","client_id":"` + clientID + `","user":"eve"}`:    `user: unknown user \"eve\" (users: demo)`,
		`{"vendor":"oauth","client_id":"` + clientID + `","code":"a/b"}`:    "code: want",
	} {
		r := e.send("POST", "/_mock/codes", nil, body)
		if r.status != 400 || !strings.Contains(r.body, want) || strings.Contains(r.body, "Invalid redirect") {
			t.Errorf("%s: got %d %s, want 400 with %q", body, r.status, r.body, want)
		}
	}
	r := e.send("POST", "/_mock/codes", nil, `{"vendor":"oauth","client_id":"`+clientID+`","redirect_uri":"`+cb+`","code":"fixed1"}`)
	if r.status != 201 || r.body != `{"code":"fixed1"}` {
		t.Fatalf("mint: got %d %s", r.status, r.body)
	}
	tr := e.tokenCall(creds(clientID, secret)+"&grant_type=authorization_code&redirect_uri="+cb+"&code=fixed1", nil)
	access, _ := pair(t, tr.body)
	in := e.send("POST", "/_mock/introspect", nil, `{"token":"`+access+`"}`)
	if in.body != `{"active":true,"vendor":"oauth","kind":"access","client":"`+clientID+`","user":"demo","expires_at":"2026-03-21T09:26:53Z"}` {
		t.Errorf("introspect: got %s", in.body)
	}
}

// A code minted without redirect_uri, user or scope gets the client's
// first registered redirect URI, the default user and the client's
// scopes: the exchange may omit redirect_uri or send that URI, and no
// other.
func TestMintDefaults(t *testing.T) {
	e := newEnv(t, nil)
	mint := func() string {
		r := e.send("POST", "/_mock/codes", nil, `{"vendor":"oauth","client_id":"`+clientID+`"}`)
		var c struct{ Code string }
		if err := json.Unmarshal([]byte(r.body), &c); err != nil || r.status != 201 {
			t.Fatalf("mint without redirect_uri: got %d %s, want 201", r.status, r.body)
		}
		return c.Code
	}
	q := creds(clientID, secret) + "&grant_type=authorization_code&code="
	if r := e.tokenCall(q+mint(), nil); r.status != 200 || !strings.Contains(r.body, `"scope":"read_cn"`) {
		t.Errorf("exchange without redirect_uri: got %d %s, want a token of scope read_cn", r.status, r.body)
	}
	if r := e.tokenCall(q+mint()+"&redirect_uri="+cb, nil); r.status != 200 {
		t.Errorf("exchange with the first registered URI: got %d %s, want a token", r.status, r.body)
	}
	r := e.tokenCall(q+mint()+"&redirect_uri=http://127.0.0.1:8080", nil)
	if r.status != 400 || r.body != oauthError("invalid_grant", "Redirect URI mismatch.") {
		t.Errorf("exchange with the second registered URI: got %d %s, want the redirect mismatch", r.status, r.body)
	}
	e.wantNote(t, r, "token_redirect_mismatch", "redirect_uri http://127.0.0.1:8080 does not match the code's "+cb)
}
