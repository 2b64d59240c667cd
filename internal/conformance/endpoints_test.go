package conformance

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The default fixtures' values the requests below use (fixtures/default.yaml).
const (
	isolarAppKey    = "B968E49385CBD8C74587A374E7B1D21A"
	isolarAccessKey = "MOCKSECRETKEY0123456789ABCDEFGHI"
	oauthClient     = "2aeb5a5eac1100043817950ada19e0f5"
	oauthSecret     = "ew3c6b0eac111239342wecf26736439"
	isolarTokenBody = `{"appkey":"` + isolarAppKey + `","grant_type":"authorization_code","code":"rFrnww","redirect_uri":"https://web3.isolarcloud.com.cn"}`
	solarmanBody    = `{"appSecret":"3a8791f012acc13226ca60e63ac6c1aff3","username":"cvwwb","orgId":860,"password":"472bbe83616e93d3c09a79103ae47d8f71e3d35a966d6e8b22f743218d04171d"}`
)

// failureCase is one catalogue failure of an endpoint and how it looks.
type failureCase struct {
	name  string
	check func(t *testing.T, a answer)
}

// endpointCase is one endpoint id: how to send it a valid request, what the
// real answer is, and what the actions that depend on the endpoint do.
// Every endpoint id of every vendor table needs its case: the suite fails
// for an id without one (TestEveryEndpointHasACase).
type endpointCase struct {
	id string
	// prepare gets what the request needs in the session (a token, a
	// code) while no scenario is active, and returns the request.
	prepare  func(t *testing.T, s *client) func() *http.Request
	real     func(t *testing.T, a answer)
	failures []failureCase // a few failures checked field by field; every one is checked against its renderer elsewhere
	// ttl sees the effect of token_ttl: 30s on the answer (the scenario is
	// active) and returns the access token; nil for endpoints that issue
	// no tokens.
	ttl func(t *testing.T, s *client, req func() *http.Request) string
	// set is a `set` mapping and its check; empty for HTML endpoints.
	set      string
	setCheck func(t *testing.T, a answer)
	// expire is what the endpoint answers once what its request carries (a
	// code, a ticket, a token) has expired by the session's clock. An
	// endpoint without it must issue tokens (ttl), whose lifetime is then
	// what follows the clock.
	expire *expiry
}

// expiry: a request made while the session's clock stands, sent after the
// clock moved on by after.
type expiry struct {
	after   time.Duration
	prepare func(t *testing.T, s *client) func() *http.Request // nil: the case's own
	check   func(t *testing.T, a answer)
	fresh   func(t *testing.T, a answer) // the answer before expiry; nil: the case's real
}

// mintCode asks the admin API for a code of the session.
func mintCode(t *testing.T, s *client, request string) string {
	t.Helper()
	var c struct{ Code string }
	if err := json.Unmarshal(s.admin("POST", "/_mock/codes", request, http.StatusCreated).body, &c); err != nil || c.Code == "" {
		t.Fatalf("POST /_mock/codes: got %v, want a code", err)
	}
	return c.Code
}

var ticketRE = regexp.MustCompile(`name="ticket" value="([^"]+)"`)

func isolarToken(s *client) *http.Request {
	return s.request("POST", "/openapi/apiManage/token", map[string]string{"x-access-key": isolarAccessKey, "Content-Type": "application/json"}, isolarTokenBody)
}

func solarmanToken(s *client) *http.Request {
	return s.request("POST", "/account/v1.0/token?appId=201911067232002&language=en", map[string]string{"Content-Type": "application/json"}, solarmanBody)
}

// tokenOf takes a field of a successful token answer.
func tokenOf(t *testing.T, a answer, path string) string {
	t.Helper()
	v, ok := field(object(t, a), path).(string)
	if a.status != http.StatusOK || !ok || v == "" {
		t.Fatalf("got %d %s, want a token at %s", a.status, a.body, path)
	}
	return v
}

const oauthAuthorize = "/oauth/authorize?client_id=" + oauthClient + "&redirect_uri=http://localhost:8080&scope=read_cn&mock_user=demo&response_type="

func endpointCases() []endpointCase {
	realIsolarToken := func(t *testing.T, a answer) {
		t.Helper()
		wantFields(t, a, 200, map[string]string{"result_code": `"1"`, "result_data.auth_user": `408056`, "expires_in": `172799`})
	}
	return []endpointCase{
		{
			id: "isolar.authorize",
			// The consent form's one-time ticket lives as long as a code.
			expire: &expiry{
				after: 10*time.Minute + time.Second,
				prepare: func(t *testing.T, s *client) func() *http.Request {
					a := s.must(s.request("POST", "/authorized-app/login", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
						"cloudId=1&applicationId=1001&redirectUrl=https%3A%2F%2Fweb3.isolarcloud.com.cn&state=abc&account=demo%40example.com&password=demo1234"))
					m := ticketRE.FindSubmatch(a.body)
					if a.status != 200 || m == nil {
						t.Fatalf("login: got %d %s, want the consent page with a ticket", a.status, a.body)
					}
					return func() *http.Request {
						return s.request("POST", "/authorized-app/consent", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
							"decision=approve&ticket="+string(m[1]))
					}
				},
				check: func(t *testing.T, a answer) {
					wantPage(t, a, 400, "The authorization request has expired or was already used")
				},
				fresh: func(t *testing.T, a answer) {
					if loc := a.header.Get("Location"); a.status != 302 || !strings.HasPrefix(loc, "https://web3.isolarcloud.com.cn?code=") {
						t.Errorf("got %d Location %q, want 302 with a code", a.status, loc)
					}
				},
			},
			prepare: func(t *testing.T, s *client) func() *http.Request {
				return func() *http.Request {
					return s.request("GET", "/authorized-app?cloudId=1&applicationId=1001&redirectUrl=https%3A%2F%2Fweb3.isolarcloud.com.cn&state=abc", nil, "")
				}
			},
			real: func(t *testing.T, a answer) {
				wantPage(t, a, 200, `<form method="post" action="/authorized-app/login">`)
			},
			failures: []failureCase{
				{"redirect_not_registered", func(t *testing.T, a answer) {
					wantPage(t, a, 400, "The redirect address does not match")
				}},
				{"access_denied", func(t *testing.T, a answer) {
					if loc := a.header.Get("Location"); a.status != 302 || loc != "https://web3.isolarcloud.com.cn?error=access_denied&state=abc" {
						t.Errorf("got %d Location %q, want 302 to https://web3.isolarcloud.com.cn?error=access_denied&state=abc", a.status, loc)
					}
				}},
			},
		},
		{
			id: "isolar.token",
			expire: &expiry{
				after: 10*time.Minute + time.Second, // the app's code_ttl
				prepare: func(t *testing.T, s *client) func() *http.Request {
					code := mintCode(t, s, `{"vendor":"isolar","appkey":"`+isolarAppKey+`","redirect_uri":"https://web3.isolarcloud.com.cn"}`)
					return func() *http.Request {
						return s.request("POST", "/openapi/apiManage/token", map[string]string{"x-access-key": isolarAccessKey, "Content-Type": "application/json"},
							`{"appkey":"`+isolarAppKey+`","grant_type":"authorization_code","code":"`+code+`","redirect_uri":"https://web3.isolarcloud.com.cn"}`)
					}
				},
				check: func(t *testing.T, a answer) {
					wantFields(t, a, 200, map[string]string{"result_code": `"2"`, "error": `"invalid_grant"`})
				},
			},
			prepare: func(t *testing.T, s *client) func() *http.Request {
				return func() *http.Request { return isolarToken(s) }
			},
			real: realIsolarToken,
			failures: []failureCase{
				{"hourly_limit", func(t *testing.T, a answer) {
					wantFields(t, a, 200, map[string]string{"result_code": `"E999"`, "result_msg": `"er_hour_call_api_times_upper_limit"`, "result_data": `null`})
				}},
				{"invalid_code", func(t *testing.T, a answer) {
					// The message takes the request's own code.
					wantFields(t, a, 200, map[string]string{"result_code": `"2"`, "error": `"invalid_grant"`, "result_msg": `"Invalid authorization code: rFrnww"`})
				}},
			},
			ttl: func(t *testing.T, s *client, req func() *http.Request) string {
				a := s.must(req())
				wantFields(t, a, 200, map[string]string{"result_code": `"1"`, "expires_in": `29`, "result_data.expires_in": `29`})
				return tokenOf(t, a, "access_token")
			},
			set: `{result_msg: changed, result_data.auth_user: 7}`,
			setCheck: func(t *testing.T, a answer) {
				wantPrefix(t, a, `{"result_msg":"changed","result_code":"1","result_data":{"access_token":"`)
				wantFields(t, a, 200, map[string]string{"result_data.auth_user": `7`, "expires_in": `172799`})
				if !strings.Contains(string(a.body), `"auth_user":7}`) {
					t.Errorf("got body %s, want auth_user replaced in place, still last of result_data", a.body)
				}
			},
		},
		{
			id: "isolar.refresh",
			expire: &expiry{
				after: 720*time.Hour + time.Second, // the refresh token's 30 days
				check: func(t *testing.T, a answer) {
					wantFields(t, a, 200, map[string]string{"result_code": `"1"`, "result_data.code": `"-2"`})
				},
			},
			prepare: func(t *testing.T, s *client) func() *http.Request {
				refresh := tokenOf(t, s.must(isolarToken(s)), "refresh_token")
				return func() *http.Request {
					return s.request("POST", "/openapi/apiManage/refreshToken", map[string]string{"x-access-key": isolarAccessKey, "Content-Type": "application/json"},
						`{"appkey":"`+isolarAppKey+`","refresh_token":"`+refresh+`"}`)
				}
			},
			real: func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"result_code": `"1"`, "result_data.code": `"1"`, "expires_in": `172799`})
			},
			failures: []failureCase{
				{"refresh_failed", func(t *testing.T, a answer) {
					wantFields(t, a, 200, map[string]string{"result_code": `"1"`, "result_data.code": `"-1"`, "result_data.access_token": `null`})
				}},
				{"hourly_limit", func(t *testing.T, a answer) {
					wantFields(t, a, 200, map[string]string{"result_code": `"E999"`})
				}},
			},
			ttl: func(t *testing.T, s *client, req func() *http.Request) string {
				a := s.must(req())
				wantFields(t, a, 200, map[string]string{"result_data.code": `"1"`, "expires_in": `29`, "result_data.expires_in": `29`})
				return tokenOf(t, a, "result_data.access_token")
			},
			set: `{result_data.code: "9"}`,
			setCheck: func(t *testing.T, a answer) {
				wantPrefix(t, a, `{"result_msg":"success","result_code":"1","result_data":{"access_token":"`)
				wantFields(t, a, 200, map[string]string{"result_data.code": `"9"`, "result_data.token_type": `"bearer"`})
			},
		},
		{
			id: "solarman.token",
			prepare: func(t *testing.T, s *client) func() *http.Request {
				return func() *http.Request { return solarmanToken(s) }
			},
			real: func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"success": `true`, "expires_in": `"5183999"`, "uid": `6681`})
			},
			failures: []failureCase{
				{"service_unavailable", func(t *testing.T, a answer) {
					re := regexp.MustCompile(`^\{"code":"3201001","msg":"Service Currently Unavailable","requestId":"[^"]+","success":false\}$`)
					if a.status != 200 || !re.Match(a.body) {
						t.Errorf("got %d %s, want 200 %s", a.status, a.body, re)
					}
				}},
				{"too_frequently", func(t *testing.T, a answer) {
					wantFields(t, a, 200, map[string]string{"code": `"2101002"`, "msg": `"client execute Too Frequently"`, "success": `false`})
				}},
			},
			ttl: func(t *testing.T, s *client, req func() *http.Request) string {
				a := s.must(req())
				wantFields(t, a, 200, map[string]string{"success": `true`, "expires_in": `"29"`})
				// The JWT's exp matches: the session's now + 30 s.
				parts := strings.Split(tokenOf(t, a, "access_token"), ".")
				if len(parts) != 3 {
					t.Fatalf("got access_token with %d parts, want a JWT", len(parts))
				}
				payload, err := base64.RawURLEncoding.DecodeString(parts[1])
				var claims struct{ Exp int64 }
				if err == nil {
					err = json.Unmarshal(payload, &claims)
				}
				if left := claims.Exp - s.now().Unix(); err != nil || left != 30 {
					t.Errorf("got JWT claims %s (%v), want exp 30 s after the session's now", payload, err)
				}
				return strings.Join(parts, ".")
			},
			set: `{uid: 1}`,
			setCheck: func(t *testing.T, a answer) {
				wantPrefix(t, a, `{"code":null,"msg":null,"success":true,"requestId":"`)
				if !strings.HasSuffix(string(a.body), `"scope":null,"uid":1}`) {
					t.Errorf("got body %s, want it to end with \"scope\":null,\"uid\":1}", a.body)
				}
			},
		},
		{
			id: "solarman.info",
			expire: &expiry{
				after: 60 * 24 * time.Hour, // the token's 5,184,000 s: at exp it is expired
				check: func(t *testing.T, a answer) {
					wantFields(t, a, 200, map[string]string{"code": `"2101019"`, "success": `false`})
				},
			},
			prepare: func(t *testing.T, s *client) func() *http.Request {
				token := tokenOf(t, s.must(solarmanToken(s)), "access_token")
				return func() *http.Request {
					return s.request("POST", "/account/v1.0/info", map[string]string{"Authorization": "bearer " + token, "Content-Type": "application/json"}, "{}")
				}
			},
			real: func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"success": `true`, "code": `null`})
				if _, ok := object(t, a)["orgInfoList"].([]any); !ok {
					t.Errorf("got %s, want an orgInfoList", a.body)
				}
			},
			failures: []failureCase{
				{"token_invalid", func(t *testing.T, a answer) {
					wantFields(t, a, 200, map[string]string{"code": `"2101019"`, "msg": `"auth invalid token"`, "success": `false`})
				}},
				{"token_not_found", func(t *testing.T, a answer) {
					wantFields(t, a, 200, map[string]string{"code": `"2101017"`, "success": `false`})
				}},
			},
			set: `{success: false}`,
			setCheck: func(t *testing.T, a answer) {
				wantPrefix(t, a, `{"code":null,"msg":null,"success":false,"requestId":"`)
			},
		},
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
