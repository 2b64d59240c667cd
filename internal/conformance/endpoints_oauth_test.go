package conformance

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// oauthCases are the DI platform's endpoints' cases.
func oauthCases() []endpointCase {
	return []endpointCase{
		{
			id: "oauth.authorize",
			prepare: func(t *testing.T, s *client) func() *http.Request {
				return func() *http.Request { return s.request("GET", oauthAuthorize+"code&state=xyz", nil, "") }
			},
			real: func(t *testing.T, a answer) {
				// The default client has auto_approve false: the approval page.
				wantPage(t, a, 200, `<input name="user_oauth_approval" value="true" type="hidden"/>`)
			},
			failures: []failureCase{
				{"authorize_access_denied", func(t *testing.T, a answer) {
					want := "http://localhost:8080?error=access_denied&error_description=User%20denied%20access&state=xyz"
					if loc := a.header.Get("Location"); a.status != 302 || loc != want {
						t.Errorf("got %d Location %q, want 302 to %s", a.status, loc, want)
					}
				}},
				{"authorize_redirect_mismatch", func(t *testing.T, a answer) {
					wantPage(t, a, 400, "invalid_grant")
				}},
			},
			// The implicit flow: the approval page, then its form, issues
			// the token in the fragment.
			ttl: func(t *testing.T, s *client, _ func() *http.Request) string {
				wantPage(t, s.must(s.request("GET", oauthAuthorize+"token", nil, "")), 200, "user_oauth_approval")
				a := s.must(s.request("POST", "/oauth/authorize", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
					"user_oauth_approval=true&scope.read_cn=true&authorize=Authorize"))
				loc, err := url.Parse(a.header.Get("Location"))
				if a.status != 302 || err != nil {
					t.Fatalf("approval: got %d Location %q, want a 302", a.status, a.header.Get("Location"))
				}
				frag, _ := url.ParseQuery(loc.Fragment)
				if frag.Get("expires_in") != "29" || frag.Get("access_token") == "" {
					t.Fatalf("got Location %s, want an access_token with expires_in=29 in the fragment", loc)
				}
				return frag.Get("access_token")
			},
		},
		{
			id: "oauth.token",
			expire: &expiry{
				after: 10*time.Minute + time.Second, // the platform's code lifetime
				check: func(t *testing.T, a answer) {
					wantFields(t, a, 400, map[string]string{"error": `"invalid_grant"`})
					if !strings.HasPrefix(field(object(t, a), "error_description").(string), "Invalid authorization code: ") {
						t.Errorf("got %s, want Invalid authorization code", a.body)
					}
				},
			},
			prepare: func(t *testing.T, s *client) func() *http.Request {
				a := s.must(s.request("POST", "/_mock/codes", nil,
					`{"vendor":"oauth","client_id":"`+oauthClient+`","user":"demo","redirect_uri":"http://localhost:8080"}`))
				var c struct{ Code string }
				if err := json.Unmarshal(a.body, &c); err != nil || a.status != http.StatusCreated || c.Code == "" {
					t.Fatalf("POST /_mock/codes: got %d %s, want 201 and a code", a.status, a.body)
				}
				return func() *http.Request {
					return s.request("POST", "/oauth/token?grant_type=authorization_code&client_id="+oauthClient+"&client_secret="+oauthSecret+
						"&redirect_uri=http://localhost:8080&code="+c.Code, nil, "")
				}
			},
			real: func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"token_type": `"bearer"`, "scope": `"read_cn"`, "expires_in": `604799`})
			},
			failures: []failureCase{
				{"token_server_error", func(t *testing.T, a answer) {
					wantFields(t, a, 500, map[string]string{"error": `"server_error"`, "error_description": `"Internal Server Error"`})
				}},
				{"token_empty_scope", func(t *testing.T, a answer) {
					wantFields(t, a, 400, map[string]string{"error": `"invalid_scope"`})
				}},
			},
			ttl: func(t *testing.T, s *client, req func() *http.Request) string {
				a := s.must(req())
				wantFields(t, a, 200, map[string]string{"expires_in": `29`, "scope": `"read_cn"`})
				return tokenOf(t, a, "access_token")
			},
			set: `{scope: x}`,
			setCheck: func(t *testing.T, a answer) {
				wantPrefix(t, a, `{"access_token":"`)
				if !strings.HasSuffix(string(a.body), `"expires_in":604799,"scope":"x"}`) {
					t.Errorf("got body %s, want it to end with \"expires_in\":604799,\"scope\":\"x\"}", a.body)
				}
			},
		},
	}
}
