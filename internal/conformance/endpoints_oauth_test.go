package conformance

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/testkit"
)

// oauthData is the DI client's data call with a live token of the
// session, carried as the client carries it: the access_token parameter.
func oauthData(t *testing.T, s *client) func() *http.Request {
	t.Helper()
	code := mintCode(t, s, `{"vendor":"oauth","client_id":"`+oauthClient+`","user":"demo","redirect_uri":"http://localhost:8080"}`)
	token := tokenOf(t, s.must(s.request("POST", "/oauth/token?grant_type=authorization_code&client_id="+oauthClient+"&client_secret="+oauthSecret+
		"&redirect_uri=http://localhost:8080&code="+code, nil, "")), "access_token")
	return func() *http.Request {
		return s.request("GET", "/api/patent/search/expression?client_id="+oauthClient+"&access_token="+token+
			"&scope=read_cn&express=%E7%94%B3%E8%AF%B7%E4%BA%BA%3DX&page=1&page_row=100", nil, "")
	}
}

// wantBootTime checks that a Spring Boot error JSON carries the session's
// time: the wall clock's (T0, which the conformance server never moves)
// plus d.
func wantBootTime(t *testing.T, a answer, status int, d time.Duration) {
	t.Helper()
	wantFields(t, a, status, map[string]string{
		"timestamp": fmt.Sprint(testkit.T0().Add(d).UnixMilli()), "status": fmt.Sprint(status), "path": `"/oauth/check_token"`,
	})
}

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
		{
			id: "oauth.resource",
			// The access token lives 7 days; then the data call refuses it.
			expire: &expiry{
				after: 7*24*time.Hour + time.Second,
				check: func(t *testing.T, a answer) {
					wantFields(t, a, 401, map[string]string{"error": `"invalid_token"`})
					if d, _ := field(object(t, a), "error_description").(string); !strings.HasPrefix(d, "Access token expired: ") {
						t.Errorf("got %s, want Access token expired", a.body)
					}
					if h := a.header.Get("WWW-Authenticate"); !strings.HasPrefix(h, `Bearer realm="oauth2-resource", error="invalid_token", error_description="Access token expired: `) {
						t.Errorf("got WWW-Authenticate %q, want the realm and the error", h)
					}
				},
			},
			prepare: oauthData,
			real: func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"errorCode": `"000000"`, "total": `"2"`, "page_row": `"100"`})
				wantPrefix(t, a, `{"errorCode":"000000","errorDesc":"","page_row":"100","page":"1","total":"2","sort_column":"","context":{"records":[{"pid":"CN000001"`)
			},
			failures: []failureCase{
				{"resource_expired_token", func(t *testing.T, a answer) {
					wantFields(t, a, 401, map[string]string{"error": `"invalid_token"`})
					if d, _ := field(object(t, a), "error_description").(string); !strings.HasPrefix(d, "Access token expired: ") {
						t.Errorf("got %s, want Access token expired: with the request's token", a.body)
					}
				}},
				{"resource_result_limit", func(t *testing.T, a answer) {
					wantFields(t, a, 200, map[string]string{"errorCode": `"000016"`, "total": `""`, "context": `""`})
					wantPrefix(t, a, "{\r\n  \"errorCode\" : \"000016\",\r\n")
				}},
			},
			set: `{errorDesc: changed, total: 3}`,
			setCheck: func(t *testing.T, a answer) {
				wantPrefix(t, a, `{"errorCode":"000000","errorDesc":"changed","page_row":"100","page":"1","total":3,"sort_column":"","context":{"records":[`)
			},
		},
		{
			// Off in the default fixtures, as on the platform: the
			// endpoint answers Spring Boot's 404, whose timestamp is the
			// session's clock. Its failures (Spring's check_token answers)
			// still come through scenarios.
			id: "oauth.check_token",
			expire: &expiry{
				after: time.Hour,
				check: func(t *testing.T, a answer) { wantBootTime(t, a, 404, time.Hour) },
			},
			prepare: func(t *testing.T, s *client) func() *http.Request {
				return func() *http.Request {
					return s.request("POST", "/oauth/check_token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "token=x")
				}
			},
			real: func(t *testing.T, a answer) {
				wantBootTime(t, a, 404, 0)
				wantFields(t, a, 404, map[string]string{"error": `"Not Found"`, "message": `"No message available"`})
			},
			failures: []failureCase{
				{"check_token_unrecognised", func(t *testing.T, a answer) {
					wantFields(t, a, 400, map[string]string{"error": `"invalid_token"`, "error_description": `"Token was not recognised"`})
					if a.header.Get("WWW-Authenticate") != "" || a.header.Get("Cache-Control") != "no-store" {
						t.Errorf("got WWW-Authenticate %q Cache-Control %q, want none and no-store", a.header.Get("WWW-Authenticate"), a.header.Get("Cache-Control"))
					}
				}},
				{"check_token_unauthenticated", func(t *testing.T, a answer) {
					wantBootTime(t, a, 401, 0)
					if h := a.header.Get("WWW-Authenticate"); h != `Basic realm="oauth2/client"` {
						t.Errorf("got WWW-Authenticate %q, want Basic realm=\"oauth2/client\"", h)
					}
				}},
			},
			set: `{message: changed}`,
			setCheck: func(t *testing.T, a answer) {
				wantFields(t, a, 404, map[string]string{"message": `"changed"`, "error": `"Not Found"`})
			},
		},
	}
}
