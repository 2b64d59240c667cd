package oauth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/oauth"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// withOthers adds a client with more grants and scopes, and one without
// the implicit grant, to the defaults.
func withOthers(t *testing.T) *fixture.OAuth {
	fx := defaults(t)
	fx.Clients = append(fx.Clients,
		fixture.OAuthClient{ClientID: "other", ClientSecret: "other-secret", RedirectURIs: []string{cb},
			Scopes: []string{"read_cn", "write_cn"}, GrantTypes: []string{"authorization_code", "refresh_token", "client_credentials"}},
		fixture.OAuthClient{ClientID: "auto", ClientSecret: "auto-secret", RedirectURIs: []string{cb}, Scopes: []string{"read_cn"}, AutoApprove: true},
	)
	return fx
}

// pair reads the access and refresh token of a token answer.
func pair(t *testing.T, body string) (access, refresh string) {
	t.Helper()
	var v struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil || v.AccessToken == "" {
		t.Fatalf("no token in %s (%v)", body, err)
	}
	return v.AccessToken, v.RefreshToken
}

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

// tokenCall posts to /oauth/token with all parameters in the query, as the
// DI page does, and a JSON content type with an empty body.
func (e *env) tokenCall(query string, header map[string]string) reply {
	e.t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range header {
		h[k] = v
	}
	return e.send("POST", "/oauth/token?"+query, h, "")
}

func creds(id, secret string) string { return "client_id=" + id + "&client_secret=" + secret }

func wantHeaders(t *testing.T, name string, r reply, challenge string, noStore bool) {
	t.Helper()
	if got := r.header.Get("Content-Type"); got != "application/json;charset=UTF-8" {
		t.Errorf("%s: got Content-Type %q", name, got)
	}
	if got := r.header.Get("drivedby"); got != "SrvEng/1.5.0" {
		t.Errorf("%s: got drivedby %q, want SrvEng/1.5.0", name, got)
	}
	if got := r.header.Get("WWW-Authenticate"); got != challenge {
		t.Errorf("%s: got WWW-Authenticate %q, want %q", name, got, challenge)
	}
	cc, pragma := r.header.Get("Cache-Control"), r.header.Get("Pragma")
	if noStore && (cc != "no-store" || pragma != "no-cache") || !noStore && (cc != "" || pragma != "") {
		t.Errorf("%s: got Cache-Control %q Pragma %q, want no-store=%v", name, cc, pragma, noStore)
	}
}

// The seed document's steps (vendors/di-oauth2.md §7).
func TestSeedExample(t *testing.T) {
	e := newEnv(t, nil)
	// 1. Not logged in: the login page, then back to the request.
	r := e.send("GET", authorizeURL(""), nil, "")
	if r.status != 302 || r.header.Get("Location") != e.srv.URL+"/oauth/login" {
		t.Fatalf("step 1: got %d %q, want the login page", r.status, r.header.Get("Location"))
	}
	if page := e.send("GET", "/oauth/login", nil, ""); page.status != 200 || !strings.Contains(page.body, "<form name='f' action='/oauth/login' method='POST'>") {
		t.Errorf("login page: got %d %s", page.status, page.body)
	}
	if r := e.send("POST", "/oauth/login", formType, "username=demo&password=nope"); r.header.Get("Location") != e.srv.URL+"/oauth/login?error" {
		t.Errorf("bad password: got %q, want /oauth/login?error", r.header.Get("Location"))
	}
	e.wantNote(t, reply{}, "", "login failed: wrong password for user demo")
	e.send("POST", "/oauth/login", formType, "username=eve&password=demo")
	e.wantNote(t, reply{}, "", "login failed: user eve unknown")
	r = e.send("POST", "/oauth/login", formType, "username=demo&password=demo")
	back := r.header.Get("Location")
	if !strings.HasPrefix(back, e.srv.URL+"/oauth/authorize?") {
		t.Fatalf("login: got %d %q, want the saved authorize URL", r.status, back)
	}
	r = e.send("GET", strings.TrimPrefix(back, e.srv.URL), nil, "")
	testkit.Golden(t, "approval_page", []byte(r.body))
	// 2. Approve.
	r = e.send("POST", "/oauth/authorize", formType, "user_oauth_approval=true&scope.read_cn=true&authorize=Authorize")
	loc := r.header.Get("Location")
	if !regexp.MustCompile(`^http://localhost:8080\?code=[0-9A-Za-z]{6}$`).MatchString(loc) || r.body != "" {
		t.Fatalf("step 2: got %d %q %q, want a bare redirect with the code", r.status, loc, r.body)
	}
	code := strings.TrimPrefix(loc, cb+"?code=")
	// 3. The DI page's request: everything in the query, JSON content type.
	q := "client_id=" + clientID + "&code=" + code + "&client_secret=" + secret + "&grant_type=authorization_code&redirect_uri=" + cb
	r = e.tokenCall(q, nil)
	wantHeaders(t, "step 3", r, "", true)
	testkit.Golden(t, "token_seed", []byte(r.body))
	if r.status != 200 || !strings.Contains(r.body, `,"expires_in":604799,"scope":"read_cn"}`) {
		t.Fatalf("step 3: got %d %s", r.status, r.body)
	}
	first := r.body
	// 4. Again: the code is used.
	if r := e.tokenCall(q, nil); r.status != 400 || r.body != `{"error":"invalid_grant","error_description":"Invalid authorization code: `+code+`"}` {
		t.Errorf("step 4: got %d %s", r.status, r.body)
	}
	// 5. The page's form taken literally: client_secret holds the client id.
	if r := e.tokenCall("client_id="+clientID+"&code=x&client_secret="+clientID+"&grant_type=authorization_code", nil); r.status != 401 || !strings.Contains(r.body, `"Bad client credentials"`) {
		t.Errorf("step 5: got %d %s", r.status, r.body)
	}
	// 6. Five days on: no approval page, the same pair, 172799 left.
	testkit.Do(t, "POST", e.srv.URL+"/_mock/clock", nil, `{"advance":"120h"}`)
	r = e.send("GET", authorizeURL(""), nil, "")
	if r.status != 302 || !strings.HasPrefix(r.header.Get("Location"), cb+"?code=") {
		t.Fatalf("step 6: got %d %q, want a code without the approval page", r.status, r.header.Get("Location"))
	}
	code = strings.TrimPrefix(r.header.Get("Location"), cb+"?code=")
	r = e.tokenCall(strings.Replace(q, "code=", "code="+code+"&x=", 1), nil)
	same := strings.Replace(first, "604799", "172799", 1)
	if r.body != same {
		t.Errorf("step 6: got %s, want %s", r.body, same)
	}
	// 7. Refresh: a new pair, the old refresh token dead.
	var tok struct{ AccessToken, RefreshToken string }
	tok.AccessToken, tok.RefreshToken = pair(t, first)
	r = e.tokenCall(creds(clientID, secret)+"&grant_type=refresh_token&refresh_token="+tok.RefreshToken, nil)
	if r.status != 200 || strings.Contains(r.body, tok.AccessToken) || strings.Contains(r.body, tok.RefreshToken) || !strings.Contains(r.body, `"expires_in":604799`) {
		t.Errorf("step 7: got %d %s, want a new pair", r.status, r.body)
	}
	if r := e.tokenCall(creds(clientID, secret)+"&grant_type=refresh_token&refresh_token="+tok.RefreshToken, nil); r.status != 400 ||
		r.body != `{"error":"invalid_grant","error_description":"Invalid refresh token: `+tok.RefreshToken+`"}` {
		t.Errorf("step 7, old refresh token: got %d %s", r.status, r.body)
	}
	if in := testkit.Do(t, "POST", e.srv.URL+"/_mock/introspect", nil, `{"token":"`+tok.AccessToken+`"}`); string(in.Body) != `{"active":false}` {
		t.Errorf("step 7, old access token: got %s, want gone", in.Body)
	}
	// 8. Implicit: the live token in the fragment, no scope.
	r = e.send("GET", strings.Replace(authorizeURL(""), "response_type=code", "response_type=token", 1), nil, "")
	if !regexp.MustCompile(`^http://localhost:8080#access_token=[0-9a-f-]{36}&token_type=bearer&expires_in=604799$`).MatchString(r.header.Get("Location")) {
		t.Errorf("step 8: got %d %q", r.status, r.header.Get("Location"))
	}
}

// Each row of the token endpoint's error table with a natural trigger
// (vendors/di-oauth2.md §3.3).
func TestTokenErrors(t *testing.T) {
	e := newEnv(t, withOthers(t))
	mine := creds(clientID, secret)
	code := func(extra string) string { return e.code(extra) }
	otherCode := func() string {
		r := testkit.Do(t, "POST", e.srv.URL+"/_mock/codes", nil, `{"vendor":"oauth","client_id":"other","user":"demo","redirect_uri":"`+cb+`"}`)
		return strings.TrimSuffix(strings.TrimPrefix(string(r.Body), `{"code":"`), `"}`)
	}
	tok := func() (access, refresh string) {
		r := e.tokenCall(mine+"&grant_type=authorization_code&redirect_uri="+cb+"&code="+code(""), nil)
		return pair(t, r.body)
	}
	boot := func(msg string) string {
		return `{"timestamp":` + fmt.Sprint(testkit.T0().UnixMilli()) + `,"status":401,"error":"Unauthorized","message":"` + msg + `","path":"/oauth/token"}`
	}
	oauthErr := func(code, desc string) string {
		return `{"error":"` + code + `","error_description":"` + desc + `"}`
	}
	bearerChallenge := func(code, desc string) string { return `Bearer error="` + code + `", error_description="` + desc + `"` }
	_, rtMine := tok()
	otherRT := func() string {
		r := e.tokenCall(creds("other", "other-secret")+"&grant_type=authorization_code&redirect_uri="+cb+"&code="+otherCode(), nil)
		_, rt := pair(t, r.body)
		return rt
	}()
	cases := []struct {
		name      string
		method    string
		query     string
		header    map[string]string
		status    int
		body      string
		challenge string
		failure   string // the catalogue name noted
		why       string // what the noted reason says
	}{
		{"1 no credentials", "POST", "grant_type=authorization_code", nil, 401, boot("Full authentication is required to access this resource"), `Basic realm="oauth2/client"`, "token_unauthenticated", "no client credentials: no client_id parameter and no Authorization header"},
		{"2 wrong secret", "POST", creds(clientID, "nope") + "&grant_type=authorization_code", nil, 401, oauthErr("invalid_client", "Bad client credentials"),
			`Form realm="oauth2/client", error="invalid_client", error_description="Bad client credentials"`, "token_bad_client_credentials", "client secret does not match client " + clientID},
		{"2 unknown client", "POST", creds("nobody", secret), nil, 401, oauthErr("invalid_client", "Bad client credentials"),
			`Form realm="oauth2/client", error="invalid_client", error_description="Bad client credentials"`, "token_bad_client_credentials", "client nobody unknown"},
		{"2 client_id with Basic and no secret", "POST", "client_id=" + clientID, map[string]string{"Authorization": basic(clientID, secret)}, 401,
			oauthErr("invalid_client", "Bad client credentials"), `Form realm="oauth2/client", error="invalid_client", error_description="Bad client credentials"`, "token_bad_client_credentials", "no client_secret for client " + clientID + " (with client_id as a parameter, the secret must be one too"},
		{"3 Basic with a wrong secret", "POST", "grant_type=authorization_code", map[string]string{"Authorization": basic(clientID, "nope")}, 401, boot("Bad credentials"), `Basic realm="oauth2/client"`, "token_basic_auth_failed", "Basic credentials: client secret does not match client " + clientID},
		{"4 GET", "GET", mine + "&grant_type=authorization_code", nil, 405, oauthErr("method_not_allowed", "Request method 'GET' not supported"), "", "token_method_get", "GET on the token endpoint"},
		{"5 client_id of another authenticated client", "POST", mine + "&grant_type=authorization_code", map[string]string{"Authorization": basic("other", "other-secret")}, 401,
			oauthErr("invalid_client", "Given client ID does not match authenticated client"), bearerChallenge("invalid_client", "Given client ID does not match authenticated client"), "token_client_id_mismatch", "client_id " + clientID + " does not match client other of the Basic credentials"},
		{"6 unregistered scope", "POST", mine + "&grant_type=authorization_code&scope=read_cn+foo", nil, 400,
			`{"error":"invalid_scope","error_description":"Invalid scope: foo","scope":"read_cn"}`, "", "token_invalid_scope", "scope foo not allowed for client " + clientID + " (registered: read_cn)"},
		{"8 no grant type", "POST", mine, nil, 400, oauthErr("invalid_request", "Missing grant type"), "", "token_missing_grant_type", "grant_type missing"},
		{"9 implicit", "POST", mine + "&grant_type=implicit", nil, 400, oauthErr("invalid_grant", "Implicit grant type not supported from token endpoint"), "", "token_implicit_grant", "grant_type implicit is for /oauth/authorize"},
		{"10 grant the client lacks", "POST", mine + "&grant_type=client_credentials", nil, 401, oauthErr("invalid_client", "Unauthorized grant type: client_credentials"),
			bearerChallenge("invalid_client", "Unauthorized grant type: client_credentials"), "token_unauthorized_grant_type", "grant_type client_credentials not allowed for client " + clientID + " (allowed: authorization_code, implicit, refresh_token)"},
		{"11 password grant", "POST", mine + "&grant_type=password", nil, 400, oauthErr("unsupported_grant_type", "Unsupported grant type"), "", "token_unsupported_grant_type", "grant_type password not supported"},
		{"12 no code", "POST", mine + "&grant_type=authorization_code", nil, 400, oauthErr("invalid_request", "An authorization code must be supplied."), "", "token_missing_code", "code parameter missing"},
		{"13 unknown code", "POST", mine + "&grant_type=authorization_code&code=a%3Cb", nil, 400, oauthErr("invalid_grant", "Invalid authorization code: a<b"), "", "token_invalid_code", "code a<b unknown or already used in session default"},
		{"14 redirect differs", "POST", mine + "&grant_type=authorization_code&redirect_uri=http://127.0.0.1:8080&code=" + code(""), nil, 400, oauthErr("invalid_grant", "Redirect URI mismatch."), "", "token_redirect_mismatch", "redirect_uri http://127.0.0.1:8080 does not match the code's " + cb},
		{"14 redirect omitted though sent at authorize", "POST", mine + "&grant_type=authorization_code&code=" + code(""), nil, 400, oauthErr("invalid_grant", "Redirect URI mismatch."), "", "token_redirect_mismatch", "redirect_uri missing, but the code was asked for with redirect_uri " + cb},
		{"15 another client's code", "POST", mine + "&grant_type=authorization_code&redirect_uri=" + cb + "&code=" + otherCode(), nil, 401,
			oauthErr("invalid_client", "Client ID mismatch"), bearerChallenge("invalid_client", "Client ID mismatch"), "token_code_client_mismatch", " was issued to client other, not " + clientID},
		{"16 no refresh token", "POST", mine + "&grant_type=refresh_token", nil, 400, oauthErr("invalid_grant", "Invalid refresh token: null"), "", "token_missing_refresh_token", "refresh_token parameter missing"},
		{"17 unknown refresh token", "POST", mine + "&grant_type=refresh_token&refresh_token=nope", nil, 400, oauthErr("invalid_grant", "Invalid refresh token: nope"), "", "token_invalid_refresh_token", "refresh token unknown in session default"},
		{"18 another client's refresh token", "POST", mine + "&grant_type=refresh_token&refresh_token=" + otherRT, nil, 400,
			oauthErr("invalid_grant", "Wrong client for this refresh token: "+otherRT), "", "token_refresh_wrong_client", "refresh token was issued to client other, not " + clientID},
		{"20 refresh wider than the grant", "POST", creds("other", "other-secret") + "&grant_type=refresh_token&scope=read_cn+write_cn&refresh_token=" + func() string {
			r := testkit.Do(t, "POST", e.srv.URL+"/_mock/codes", nil, `{"vendor":"oauth","client_id":"other","user":"demo","scope":"read_cn"}`)
			c := strings.TrimSuffix(strings.TrimPrefix(string(r.Body), `{"code":"`), `"}`)
			r2 := e.tokenCall(creds("other", "other-secret")+"&grant_type=authorization_code&code="+c, nil)
			_, rt := pair(t, r2.body)
			return rt
		}(), nil, 400, `{"error":"invalid_scope","error_description":"Unable to narrow the scope of the client authentication to [read_cn, write_cn].","scope":"read_cn"}`, "", "token_refresh_scope_widen", "scope write_cn is not in the refresh token's grant (read_cn)"},
	}
	for _, c := range cases {
		var r reply
		if c.method == "GET" {
			r = e.send("GET", "/oauth/token?"+c.query, c.header, "")
		} else {
			r = e.tokenCall(c.query, c.header)
		}
		if r.status != c.status || r.body != c.body {
			t.Errorf("%s: got %d %s\nwant %d %s", c.name, r.status, r.body, c.status, c.body)
		}
		wantHeaders(t, c.name, r, c.challenge, !strings.HasPrefix(c.body, `{"timestamp"`))
		if c.status == 405 && r.header.Get("Allow") != "" {
			t.Errorf("%s: got Allow %q, want none", c.name, r.header.Get("Allow"))
		}
		e.wantNote(t, r, c.failure, c.why)
	}
	// 19: the refresh token expires after 30 days.
	testkit.Do(t, "POST", e.srv.URL+"/_mock/clock", nil, `{"advance":"720h"}`)
	r := e.tokenCall(mine+"&grant_type=refresh_token&refresh_token="+rtMine, nil)
	desc := "Invalid refresh token (expired): " + rtMine
	if r.status != 401 || r.body != oauthErr("invalid_token", desc) {
		t.Errorf("19: got %d %s", r.status, r.body)
	}
	wantHeaders(t, "19", r, bearerChallenge("invalid_token", desc), true)
	e.wantNote(t, r, "token_refresh_expired", "refresh token expired at 2026-04-13T09:26:5")
	// Other methods answer Spring's 405 after authentication.
	r = e.send("PUT", "/oauth/token?"+mine, nil, "")
	if r.status != 405 || r.header.Get("Allow") != "GET, POST" {
		t.Errorf("PUT: got %d Allow %q, want 405 GET, POST", r.status, r.header.Get("Allow"))
	}
	e.wantNote(t, r, "", "method PUT not supported on /oauth/token")
	// Spring's endpoints DI does not expose: Boot's 404.
	r = e.send("GET", "/oauth/token_key", nil, "")
	if r.status != 404 || !strings.Contains(r.body, `"error":"Not Found"`) {
		t.Errorf("token_key: got %d %s, want Boot's 404", r.status, r.body)
	}
	e.wantNote(t, r, "", "no endpoint at /oauth/token_key")
}

// A bad scope leaves the code usable (the scope check comes first).
func TestBadScopeKeepsCode(t *testing.T) {
	e := newEnv(t, nil)
	c := e.code("")
	q := creds(clientID, secret) + "&grant_type=authorization_code&redirect_uri=" + cb + "&code=" + c
	if r := e.tokenCall(q+"&scope=nope", nil); r.status != 400 {
		t.Fatalf("got %d, want 400", r.status)
	}
	if r := e.tokenCall(q, nil); r.status != 200 {
		t.Errorf("after a bad scope: got %d %s, want the code still usable", r.status, r.body)
	}
}

func TestClientCredentialsAndReuse(t *testing.T) {
	e := newEnv(t, withOthers(t))
	q := creds("other", "other-secret") + "&grant_type=client_credentials"
	a, b := e.tokenCall(q, nil), e.tokenCall(q, nil)
	if a.status != 200 || a.body != b.body || strings.Contains(a.body, "refresh_token") || !strings.Contains(a.body, `"scope":"read_cn write_cn"`) {
		t.Errorf("got %s then %s, want one reused token without refresh token, scopes in registration order", a.body, b.body)
	}
	// Basic with percent-encoded credentials.
	r := e.tokenCall("grant_type=client_credentials", map[string]string{"Authorization": basic("other", url.QueryEscape("other-secret"))})
	if r.status != 200 {
		t.Errorf("Basic: got %d %s", r.status, r.body)
	}
}

// serveMux answers one request with an injected failure, and checks its
// note: the failure's name, the code its answer carries, and no reason
// (the scenario's rule explains it).
var serveMux = func(t *testing.T, fx *fixture.OAuth, f mock.BoundFailure, target string) *httptest.ResponseRecorder {
	var note mock.Note
	eng := gin.New()
	eng.Any("/*any", func(c *gin.Context) {
		c.Request = c.Request.WithContext(mock.WithRequest(context.Background(), &mock.Request{}))
		f.Render(c)
		note = mock.NoteOf(c)
	})
	w := httptest.NewRecorder()
	eng.ServeHTTP(w, httptest.NewRequest("POST", target, nil))
	field, code := bodyCode(reply{w.Code, w.Header(), w.Body.String()})
	if note.Name != f.Name || note.Field != field || note.Code != code || note.Reason != "" {
		t.Errorf("%s: noted %+v, want the name, %s=%q and no reason", f.Name, note, field, code)
	}
	return w
}

func TestCatalogueGolden(t *testing.T) {
	fx := defaults(t)
	clock := testkit.NewClock()
	svc := oauth.New(fx, mock.Deps{Now: func(context.Context) time.Time { return clock.Now() }, IDs: testkit.IDs()})
	failures := map[string]mock.BoundFailure{}
	names := []string{}
	for _, f := range svc.Routes().Failures {
		failures[f.Name] = f
		names = append(names, f.Name)
	}
	slices.Sort(names)
	if len(names) != 47 {
		t.Errorf("got %d failures, want 21 token rows, 8 authorize outcomes, 7 resource server rows, 3 business errors and 8 check_token rows", len(names))
	}
	targets := map[string]string{
		oauth.EndpointToken:      "/?client_id=" + clientID + "&redirect_uri=" + cb + "&response_type=code&scope=foo&state=s%20t&code=c1&refresh_token=r1&grant_type=g1",
		oauth.EndpointAuthorize:  "/?client_id=" + clientID + "&redirect_uri=" + cb + "&response_type=code&scope=foo&state=s%20t&code=c1&refresh_token=r1&grant_type=g1",
		oauth.EndpointResource:   oauth.ResourcePath + "?client_id=" + clientID + "&access_token=a%22b&scope=read_cn&express=x&page=2&page_row=50",
		oauth.EndpointCheckToken: oauth.CheckTokenPath + "?token=t1&client_id=" + clientID,
	}
	for _, name := range names {
		target := targets[failures[name].Endpoints[0]]
		w := serveMux(t, fx, failures[name], target)
		var hdr []string
		for _, k := range []string{"Location", "WWW-Authenticate", "Content-Type", "Cache-Control"} {
			if v := w.Header().Get(k); v != "" {
				hdr = append(hdr, k+": "+v)
			}
		}
		testkit.Golden(t, "catalogue_"+name, []byte(fmt.Sprintf("%d\n%s\n%s", w.Code, strings.Join(hdr, "\n"), w.Body.String())))
	}
	if w := serveMux(t, fx, failures["authorize_access_denied"], "/?client_id="+clientID+"&redirect_uri=http://evil.example/&response_type=code"); w.Code != 400 || w.Header().Get("Location") != "" {
		t.Errorf("injected access_denied with an unregistered redirect: got %d %q, want the 400 page", w.Code, w.Header().Get("Location"))
	}
}
