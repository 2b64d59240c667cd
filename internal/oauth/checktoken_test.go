package oauth_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/oauth"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// bootBody is Spring Boot's error JSON at the test's clock.
func bootBody(status int, errText, message, path string) string {
	return fmt.Sprintf(`{"timestamp":%d,"status":%d,"error":"%s","message":"%s","path":"%s"}`, testkit.T0().UnixMilli(), status, errText, message, path)
}

// /oauth/check_token under each setting (vendors/di-resource.md §4):
// Spring Security's Basic filter and access rule first, then the method,
// then the endpoint.
func TestCheckTokenAccessRules(t *testing.T) {
	const path = oauth.CheckTokenPath
	full := bootBody(401, "Unauthorized", "Full authentication is required to access this resource", path)
	bad := bootBody(401, "Unauthorized", "Bad credentials", path)
	denied := oauthError("access_denied", "Access is denied")
	notFound := bootBody(404, "Not Found", "No message available", path)
	good, wrong := basic(clientID, secret), basic(clientID, "nope")
	off, wrongWhy := "check_token is off (settings.check_token)", "Basic credentials: client secret does not match client "+clientID
	cases := []struct {
		setting   string
		method    string
		auth      string
		status    int
		body      string // "active" for a success
		challenge string
		failure   string // the catalogue name noted
		why       string // what the noted reason says
	}{
		{"", "POST", "", 404, notFound, "", "check_token_not_found", off},
		{"", "GET", good, 404, notFound, "", "check_token_not_found", off},
		{fixture.CheckTokenOff, "POST", good, 404, notFound, "", "check_token_not_found", off},
		{fixture.CheckTokenDenyAll, "POST", "", 401, full, `Basic realm="oauth2/client"`, "check_token_unauthenticated", "settings.check_token is deny_all and no valid HTTP Basic credentials were sent"},
		{fixture.CheckTokenDenyAll, "POST", wrong, 401, bad, `Basic realm="oauth2/client"`, "check_token_bad_credentials", wrongWhy},
		{fixture.CheckTokenDenyAll, "POST", good, 403, denied, "", "check_token_access_denied", "settings.check_token is deny_all"},
		{fixture.CheckTokenDenyAll, "GET", good, 403, denied, "", "check_token_access_denied", "settings.check_token is deny_all"},
		{fixture.CheckTokenAuthenticated, "POST", "", 401, full, `Basic realm="oauth2/client"`, "check_token_unauthenticated", "settings.check_token is authenticated and no valid HTTP Basic credentials were sent"},
		{fixture.CheckTokenAuthenticated, "POST", wrong, 401, bad, `Basic realm="oauth2/client"`, "check_token_bad_credentials", wrongWhy},
		{fixture.CheckTokenAuthenticated, "POST", basic(otherScopeClient, otherScopeSecret), 200, "active", "", "", ""},
		{fixture.CheckTokenAuthenticated, "GET", good, 405, bootBody(405, "Method Not Allowed", "Request method 'GET' not supported", path), "", "", "method GET not supported on /oauth/check_token (POST only)"},
		{fixture.CheckTokenPermitAll, "POST", "", 200, "active", "", "", ""},
		{fixture.CheckTokenPermitAll, "POST", wrong, 401, bad, `Basic realm="oauth2/client"`, "check_token_bad_credentials", wrongWhy},
		{fixture.CheckTokenPermitAll, "PUT", "", 405, bootBody(405, "Method Not Allowed", "Request method 'PUT' not supported", path), "", "", "method PUT not supported on /oauth/check_token (POST only)"},
	}
	envs := map[string]*env{}
	lives := map[string]string{}
	for _, setting := range []string{"", fixture.CheckTokenOff, fixture.CheckTokenDenyAll, fixture.CheckTokenAuthenticated, fixture.CheckTokenPermitAll} {
		fx := defaults(t)
		fx.Settings.CheckToken = setting
		envs[setting] = newEnv(t, fx)
		lives[setting], _ = envs[setting].tokens()
	}
	for _, c := range cases {
		t.Run(c.setting+" "+c.method+" "+c.auth, func(t *testing.T) {
			e := envs[c.setting]
			h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
			if c.auth != "" {
				h["Authorization"] = c.auth
			}
			r := e.send(c.method, path+"?token="+lives[c.setting], h, "")
			ok := r.body == c.body || c.body == "active" && strings.Contains(r.body, `"active":true`)
			if r.status != c.status || !ok || r.header.Get("WWW-Authenticate") != c.challenge {
				t.Errorf("got %d %s %q\nwant %d %s %q", r.status, r.body, r.header.Get("WWW-Authenticate"), c.status, c.body, c.challenge)
			}
			e.wantNote(t, r, c.failure, c.why)
		})
	}
}

// The endpoint's own answers: its errors are 400s without a challenge,
// an expired token stays expired (it is not removed here), and the
// success map follows DefaultAccessTokenConverter.
func TestCheckTokenAnswers(t *testing.T) {
	fx := withOthers(t)
	fx.Settings.CheckToken = fixture.CheckTokenPermitAll
	never := int64(0)
	fx.Clients = append(fx.Clients,
		fixture.OAuthClient{ClientID: "service", ClientSecret: "s", RedirectURIs: []string{cb}, Scopes: []string{"read_cn", "write_cn"},
			GrantTypes: []string{"client_credentials"}, ResourceIDs: []string{"oauth2-resource", "billing"},
			Authorities: "ROLE_CLIENT,ROLE_TRUSTED_CLIENT"},
		fixture.OAuthClient{ClientID: "forever", ClientSecret: "s", RedirectURIs: []string{cb}, Scopes: []string{"read_cn"},
			GrantTypes: []string{"client_credentials"}, AccessTokenValidity: &never},
	)
	fx.Users = append(fx.Users, fixture.OAuthUser{Username: "admin", Password: "a", Authorities: "ROLE_USER,ROLE_ADMIN,ROLE_USER"})
	e := newEnv(t, fx)
	live, refresh := e.tokens()
	check := func(form string) reply { return e.send("POST", oauth.CheckTokenPath, formType, form) }
	exp := testkit.T0().Unix() + 604800

	admin := func() string {
		r := e.tokenCall(creds(clientID, secret)+"&grant_type=authorization_code&redirect_uri="+cb+"&code="+e.mint(clientID, "admin"), nil)
		access, _ := pair(t, r.body)
		return access
	}()
	cases := []struct {
		name    string
		form    string
		status  int
		body    string
		failure string // the catalogue name noted
		why     string // what the noted reason says
	}{
		{"a user's token", "token=" + live, 200,
			fmt.Sprintf(`{"user_name":"demo","scope":["read_cn"],"active":true,"exp":%d,"client_id":"%s"}`, exp, clientID), "", ""},
		{"a user with authorities, in Java's HashSet order", "token=" + admin, 200,
			fmt.Sprintf(`{"user_name":"admin","scope":["read_cn"],"active":true,"exp":%d,"authorities":["ROLE_USER","ROLE_ADMIN"],"client_id":"%s"}`, exp, clientID), "", ""},
		{"a client's token: aud and the client's authorities", "token=" + e.clientToken("service", "s"), 200,
			fmt.Sprintf(`{"aud":["oauth2-resource","billing"],"scope":["read_cn","write_cn"],"active":true,"exp":%d,"authorities":["ROLE_TRUSTED_CLIENT","ROLE_CLIENT"],"client_id":"service"}`, exp), "", ""},
		{"a token that never expires has no exp", "token=" + e.clientToken("forever", "s"), 200,
			`{"scope":["read_cn"],"active":true,"client_id":"forever"}`, "", ""},
		{"the first token parameter", "token=" + live + "&token=nope", 200, "", "", ""},
		{"unknown", "token=nope", 400, oauthError("invalid_token", "Token was not recognised"), "check_token_unrecognised", "token unknown in session default"},
		{"empty", "token=", 400, oauthError("invalid_token", "Token was not recognised"), "check_token_unrecognised", "token unknown in session default"},
		{"a refresh token", "token=" + refresh, 400, oauthError("invalid_token", "Token was not recognised"), "check_token_unrecognised", "a refresh token was sent, not an access token"},
		{"no token", "tokens=" + live, 400, bootBody(400, "Bad Request", "Required String parameter 'token' is not present", oauth.CheckTokenPath), "check_token_missing_token", "token parameter missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := check(c.form)
			if r.status != c.status || c.body != "" && r.body != c.body || r.header.Get("WWW-Authenticate") != "" {
				t.Errorf("got %d %s %q\nwant %d %s", r.status, r.body, r.header.Get("WWW-Authenticate"), c.status, c.body)
			}
			wantNoStore := c.status == 400 && !strings.HasPrefix(c.body, `{"timestamp"`)
			if got := r.header.Get("Cache-Control") == "no-store" && r.header.Get("Pragma") == "no-cache"; got != wantNoStore {
				t.Errorf("got Cache-Control %q Pragma %q, want no-store: %v", r.header.Get("Cache-Control"), r.header.Get("Pragma"), wantNoStore)
			}
			e.wantNote(t, r, c.failure, c.why)
		})
	}
	// Expired: "Token has expired", again and again; the protected API
	// then removes it, and check_token no longer knows it.
	e.advance("168h0m1s")
	expired := oauthError("invalid_token", "Token has expired")
	for range 2 {
		r := check("token=" + live)
		if r.status != 400 || r.body != expired {
			t.Errorf("expired: got %d %s, want 400 %s", r.status, r.body, expired)
		}
		e.wantNote(t, r, "check_token_expired", "access token expired at 2026-03-21T09:26:5")
	}
	e.send("GET", search("&access_token="+live), nil, "")
	if r := check("token=" + live); r.body != oauthError("invalid_token", "Token was not recognised") {
		t.Errorf("after the API removed it: got %d %s, want Token was not recognised", r.status, r.body)
	}
}
