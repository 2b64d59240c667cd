package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The default fixtures' values the requests below use (fixtures/default.yaml).
const (
	actIsolarAppKey    = "B968E49385CBD8C74587A374E7B1D21A"
	actIsolarAccessKey = "MOCKSECRETKEY0123456789ABCDEFGHI"
	actOAuthClient     = "2aeb5a5eac1100043817950ada19e0f5"
	actOAuthSecret     = "ew3c6b0eac111239342wecf26736439"
	actIsolarTokenBody = `{"appkey":"` + actIsolarAppKey + `","grant_type":"authorization_code","code":"rFrnww","redirect_uri":"https://web3.isolarcloud.com.cn"}`
	actSolarmanBody    = `{"appSecret":"3a8791f012acc13226ca60e63ac6c1aff3","username":"cvwwb","orgId":860,"password":"472bbe83616e93d3c09a79103ae47d8f71e3d35a966d6e8b22f743218d04171d"}`
)

// actServer is the real app (default fixtures, embedded scenarios) served
// over plain HTTP/1.1 for one test.
type actServer struct {
	url  string
	next atomic.Int64
}

func startActServer(t *testing.T) *actServer {
	t.Helper()
	a := &app{cfg: serveConfig{}, log: slog.New(slog.DiscardHandler), seed: 1}
	if err := a.load(); err != nil {
		t.Fatalf("load: got %v, want nil", err)
	}
	srv := httptest.NewServer(a)
	// Close waits for every handler: a hang the server never lets go of
	// would hold it (for scenario.HangLimit), so give up on it after a while.
	t.Cleanup(func() {
		closed := make(chan struct{})
		go func() {
			srv.Close()
			close(closed)
		}()
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Errorf("server close: still serving after 5s, want every request finished: a hung request was not released when its client left")
		}
	})
	return &actServer{url: srv.URL}
}

// actSession is one test's session on the server, with its own client: no
// keep-alive (so no request is ever retried on a reused connection), no
// redirects followed, and a cookie jar.
type actSession struct {
	t      *testing.T
	srv    *actServer
	name   string
	client *http.Client
}

func (srv *actServer) session(t *testing.T) *actSession {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &actSession{
		t: t, srv: srv,
		name: fmt.Sprintf("actions-%d", srv.next.Add(1)),
		client: &http.Client{
			Transport:     tr,
			Jar:           jar,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Timeout:       10 * time.Second,
		},
	}
}

// request builds a request of the session.
func (s *actSession) request(method, path string, header map[string]string, body string) *http.Request {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.srv.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	req.Header.Set("X-Mock-Session", s.name)
	return req
}

// actAnswer is a whole HTTP answer and how long it took.
type actAnswer struct {
	status  int
	header  http.Header
	body    []byte
	elapsed time.Duration
}

// send sends req with client and reads the whole answer.
func (s *actSession) send(client *http.Client, req *http.Request) (actAnswer, error) {
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return actAnswer{elapsed: time.Since(start)}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return actAnswer{resp.StatusCode, resp.Header, b, time.Since(start)}, err
}

// must sends req with the session's client and fails the test on any error.
func (s *actSession) must(req *http.Request) actAnswer {
	s.t.Helper()
	a, err := s.send(s.client, req)
	if err != nil {
		s.t.Fatalf("%s %s: got error %v, want a whole answer", req.Method, req.URL.Path, err)
	}
	return a
}

// activate makes scenario (YAML) active in the session and returns the
// admin answer.
func (s *actSession) activate(scenario string) actAnswer {
	s.t.Helper()
	return s.must(s.request("PUT", "/_mock/scenario", map[string]string{"Content-Type": "application/yaml"}, scenario))
}

// mustActivate is activate that wants a 200.
func (s *actSession) mustActivate(scenario string) {
	s.t.Helper()
	if a := s.activate(scenario); a.status != http.StatusOK {
		s.t.Fatalf("PUT /_mock/scenario: got %d %s, want 200\n%s", a.status, a.body, scenario)
	}
}

// deactivate leaves the session with no scenario.
func (s *actSession) deactivate() {
	s.t.Helper()
	if a := s.must(s.request("DELETE", "/_mock/scenario", nil, "")); a.status != http.StatusOK {
		s.t.Fatalf("DELETE /_mock/scenario: got %d %s, want 200", a.status, a.body)
	}
}

// checkLifetime checks that the mock holds token for ttl of the session's
// clock: alive until then, expired after.
func (s *actSession) checkLifetime(token string, ttl time.Duration) {
	s.t.Helper()
	introspect := func() (active bool, expires time.Time) {
		s.t.Helper()
		body, _ := json.Marshal(map[string]string{"token": token})
		a := s.must(s.request("POST", "/_mock/introspect", nil, string(body)))
		var r struct {
			Active    bool      `json:"active"`
			ExpiresAt time.Time `json:"expires_at"`
		}
		if err := json.Unmarshal(a.body, &r); err != nil || a.status != http.StatusOK {
			s.t.Fatalf("POST /_mock/introspect: got %d %s, want 200", a.status, a.body)
		}
		return r.Active, r.ExpiresAt
	}
	active, expires := introspect()
	if left := time.Until(expires); !active || left < ttl-5*time.Second || left > ttl {
		s.t.Errorf("introspect: got active %v, expires_at in %v, want active and expiring in about %v", active, left, ttl)
	}
	if a := s.must(s.request("POST", "/_mock/clock", nil, `{"advance":"`+(ttl+time.Second).String()+`"}`)); a.status != http.StatusOK {
		s.t.Fatalf("POST /_mock/clock: got %d %s, want 200", a.status, a.body)
	}
	if active, _ := introspect(); active {
		s.t.Errorf("introspect %v later: got active, want expired", ttl+time.Second)
	}
}

// actJournalEntry is the part of a journal entry the tests look at.
type actJournalEntry struct {
	Endpoint string `json:"endpoint"`
	Status   int    `json:"status"`
	Rule     string `json:"rule"`
}

// lastRequest waits for the session's newest journal entry of endpoint:
// the server adds it once the handler has returned, which may be after the
// client has its answer (or its error).
func (s *actSession) lastRequest(endpoint string) actJournalEntry {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		a := s.must(s.request("GET", "/_mock/requests?session="+s.name+"&limit=1", nil, ""))
		var j struct{ Requests []actJournalEntry }
		if err := json.Unmarshal(a.body, &j); err != nil || a.status != http.StatusOK {
			s.t.Fatalf("GET /_mock/requests: got %d %s (%v), want 200 and the journal", a.status, a.body, err)
		}
		if len(j.Requests) == 1 && j.Requests[0].Endpoint == endpoint {
			return j.Requests[0]
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("GET /_mock/requests: got %s, want a %s entry: the server has not finished the request", a.body, endpoint)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkRule checks that the journal names the rule that acted.
func (s *actSession) checkRule(endpoint, rule string) {
	s.t.Helper()
	if e := s.lastRequest(endpoint); e.Rule != rule {
		s.t.Errorf("journal of %s: got rule %q, want %q", endpoint, e.Rule, rule)
	}
}

// actObject decodes a JSON object answer.
func actObject(t *testing.T, a actAnswer) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("got body %q (%v), want a JSON object", a.body, err)
	}
	return m
}

// actField follows a dotted path into a decoded JSON object.
func actField(m map[string]any, path string) any {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = obj[k]
	}
	return cur
}

// actWantFields checks status and fields of a JSON answer; want values are
// JSON, so "29" and 29 differ (the integers here encode back exactly).
func actWantFields(t *testing.T, a actAnswer, status int, want map[string]string) {
	t.Helper()
	if a.status != status {
		t.Errorf("got status %d, want %d (body %s)", a.status, status, a.body)
	}
	m := actObject(t, a)
	for path, w := range want {
		if got, _ := json.Marshal(actField(m, path)); string(got) != w {
			t.Errorf("%s: got %s, want %s (body %s)", path, got, w, a.body)
		}
	}
}

// actWantPage checks an HTML answer.
func actWantPage(t *testing.T, a actAnswer, status int, contains string) {
	t.Helper()
	if a.status != status {
		t.Errorf("got status %d, want %d (body %.200s)", a.status, status, a.body)
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("got Content-Type %q, want text/html", ct)
	}
	if !strings.Contains(string(a.body), contains) {
		t.Errorf("got body %s, want it to contain %q", a.body, contains)
	}
}

// actWantPrefix checks that a JSON body starts as the vendor's does: key
// order and untouched values.
func actWantPrefix(t *testing.T, a actAnswer, prefix string) {
	t.Helper()
	if !strings.HasPrefix(string(a.body), prefix) {
		t.Errorf("got body %s, want it to start with %s", a.body, prefix)
	}
}

// actFailure is one catalogue failure of an endpoint and how it looks.
type actFailure struct {
	name  string
	check func(t *testing.T, a actAnswer)
}

// actEndpoint is one endpoint id: how to send it a valid request, what the
// real answer is, and what the actions that depend on the endpoint do.
type actEndpoint struct {
	id string
	// prepare gets what the request needs in the session (a token, a
	// code) while no scenario is active, and returns the request.
	prepare  func(t *testing.T, s *actSession) func() *http.Request
	real     func(t *testing.T, a actAnswer)
	failures []actFailure
	// ttl sees the effect of token_ttl: 30s on the answer (the scenario is
	// active) and returns the access token; nil for endpoints that issue
	// no tokens.
	ttl func(t *testing.T, s *actSession, req func() *http.Request) string
	// set is a `set` mapping and its check; empty for HTML endpoints.
	set      string
	setCheck func(t *testing.T, a actAnswer)
}

func actIsolarToken(s *actSession) *http.Request {
	return s.request("POST", "/openapi/apiManage/token", map[string]string{"x-access-key": actIsolarAccessKey, "Content-Type": "application/json"}, actIsolarTokenBody)
}

func actSolarmanToken(s *actSession) *http.Request {
	return s.request("POST", "/account/v1.0/token?appId=201911067232002&language=en", map[string]string{"Content-Type": "application/json"}, actSolarmanBody)
}

// actTokenOf takes a field of a successful token answer.
func actTokenOf(t *testing.T, a actAnswer, path string) string {
	t.Helper()
	v, ok := actField(actObject(t, a), path).(string)
	if a.status != http.StatusOK || !ok || v == "" {
		t.Fatalf("got %d %s, want a token at %s", a.status, a.body, path)
	}
	return v
}

const actOAuthAuthorize = "/oauth/authorize?client_id=" + actOAuthClient + "&redirect_uri=http://localhost:8080&scope=read_cn&mock_user=demo&response_type="

func actEndpoints() []actEndpoint {
	realIsolarToken := func(t *testing.T, a actAnswer) {
		t.Helper()
		actWantFields(t, a, 200, map[string]string{"result_code": `"1"`, "result_data.auth_user": `408056`, "expires_in": `172799`})
	}
	return []actEndpoint{
		{
			id: "isolar.authorize",
			prepare: func(t *testing.T, s *actSession) func() *http.Request {
				return func() *http.Request {
					return s.request("GET", "/authorized-app?cloudId=1&applicationId=1001&redirectUrl=https%3A%2F%2Fweb3.isolarcloud.com.cn&state=abc", nil, "")
				}
			},
			real: func(t *testing.T, a actAnswer) {
				actWantPage(t, a, 200, `<form method="post" action="/authorized-app/login">`)
			},
			failures: []actFailure{
				{"redirect_not_registered", func(t *testing.T, a actAnswer) {
					actWantPage(t, a, 400, "The redirect address does not match")
				}},
				{"access_denied", func(t *testing.T, a actAnswer) {
					if loc := a.header.Get("Location"); a.status != 302 || loc != "https://web3.isolarcloud.com.cn?error=access_denied&state=abc" {
						t.Errorf("got %d Location %q, want 302 to https://web3.isolarcloud.com.cn?error=access_denied&state=abc", a.status, loc)
					}
				}},
			},
		},
		{
			id: "isolar.token",
			prepare: func(t *testing.T, s *actSession) func() *http.Request {
				return func() *http.Request { return actIsolarToken(s) }
			},
			real: realIsolarToken,
			failures: []actFailure{
				{"hourly_limit", func(t *testing.T, a actAnswer) {
					actWantFields(t, a, 200, map[string]string{"result_code": `"E999"`, "result_msg": `"er_hour_call_api_times_upper_limit"`, "result_data": `null`})
				}},
				{"invalid_code", func(t *testing.T, a actAnswer) {
					// The message takes the request's own code.
					actWantFields(t, a, 200, map[string]string{"result_code": `"2"`, "error": `"invalid_grant"`, "result_msg": `"Invalid authorization code: rFrnww"`})
				}},
			},
			ttl: func(t *testing.T, s *actSession, req func() *http.Request) string {
				a := s.must(req())
				actWantFields(t, a, 200, map[string]string{"result_code": `"1"`, "expires_in": `29`, "result_data.expires_in": `29`})
				return actTokenOf(t, a, "access_token")
			},
			set: `{result_msg: changed, result_data.auth_user: 7}`,
			setCheck: func(t *testing.T, a actAnswer) {
				actWantPrefix(t, a, `{"result_msg":"changed","result_code":"1","result_data":{"access_token":"`)
				actWantFields(t, a, 200, map[string]string{"result_data.auth_user": `7`, "expires_in": `172799`})
				if !strings.Contains(string(a.body), `"auth_user":7}`) {
					t.Errorf("got body %s, want auth_user replaced in place, still last of result_data", a.body)
				}
			},
		},
		{
			id: "isolar.refresh",
			prepare: func(t *testing.T, s *actSession) func() *http.Request {
				refresh := actTokenOf(t, s.must(actIsolarToken(s)), "refresh_token")
				return func() *http.Request {
					return s.request("POST", "/openapi/apiManage/refreshToken", map[string]string{"x-access-key": actIsolarAccessKey, "Content-Type": "application/json"},
						`{"appkey":"`+actIsolarAppKey+`","refresh_token":"`+refresh+`"}`)
				}
			},
			real: func(t *testing.T, a actAnswer) {
				actWantFields(t, a, 200, map[string]string{"result_code": `"1"`, "result_data.code": `"1"`, "expires_in": `172799`})
			},
			failures: []actFailure{
				{"refresh_failed", func(t *testing.T, a actAnswer) {
					actWantFields(t, a, 200, map[string]string{"result_code": `"1"`, "result_data.code": `"-1"`, "result_data.access_token": `null`})
				}},
				{"hourly_limit", func(t *testing.T, a actAnswer) {
					actWantFields(t, a, 200, map[string]string{"result_code": `"E999"`})
				}},
			},
			ttl: func(t *testing.T, s *actSession, req func() *http.Request) string {
				a := s.must(req())
				actWantFields(t, a, 200, map[string]string{"result_data.code": `"1"`, "expires_in": `29`, "result_data.expires_in": `29`})
				return actTokenOf(t, a, "result_data.access_token")
			},
			set: `{result_data.code: "9"}`,
			setCheck: func(t *testing.T, a actAnswer) {
				actWantPrefix(t, a, `{"result_msg":"success","result_code":"1","result_data":{"access_token":"`)
				actWantFields(t, a, 200, map[string]string{"result_data.code": `"9"`, "result_data.token_type": `"bearer"`})
			},
		},
		{
			id: "solarman.token",
			prepare: func(t *testing.T, s *actSession) func() *http.Request {
				return func() *http.Request { return actSolarmanToken(s) }
			},
			real: func(t *testing.T, a actAnswer) {
				actWantFields(t, a, 200, map[string]string{"success": `true`, "expires_in": `"5183999"`, "uid": `6681`})
			},
			failures: []actFailure{
				{"service_unavailable", func(t *testing.T, a actAnswer) {
					re := regexp.MustCompile(`^\{"code":"3201001","msg":"Service Currently Unavailable","requestId":"[^"]+","success":false\}$`)
					if a.status != 200 || !re.Match(a.body) {
						t.Errorf("got %d %s, want 200 %s", a.status, a.body, re)
					}
				}},
				{"too_frequently", func(t *testing.T, a actAnswer) {
					actWantFields(t, a, 200, map[string]string{"code": `"2101002"`, "msg": `"client execute Too Frequently"`, "success": `false`})
				}},
			},
			ttl: func(t *testing.T, s *actSession, req func() *http.Request) string {
				a := s.must(req())
				actWantFields(t, a, 200, map[string]string{"success": `true`, "expires_in": `"29"`})
				// The JWT's exp matches: now + 30 s, give or take the
				// request's own second.
				parts := strings.Split(actTokenOf(t, a, "access_token"), ".")
				if len(parts) != 3 {
					t.Fatalf("got access_token with %d parts, want a JWT", len(parts))
				}
				payload, err := base64.RawURLEncoding.DecodeString(parts[1])
				var claims struct{ Exp int64 }
				if err == nil {
					err = json.Unmarshal(payload, &claims)
				}
				if left := claims.Exp - time.Now().Unix(); err != nil || left < 25 || left > 31 {
					t.Errorf("got JWT claims %s (%v), want exp about 30 s from now", payload, err)
				}
				return strings.Join(parts, ".")
			},
			set: `{uid: 1}`,
			setCheck: func(t *testing.T, a actAnswer) {
				actWantPrefix(t, a, `{"code":null,"msg":null,"success":true,"requestId":"`)
				if !strings.HasSuffix(string(a.body), `"scope":null,"uid":1}`) {
					t.Errorf("got body %s, want it to end with \"scope\":null,\"uid\":1}", a.body)
				}
			},
		},
		{
			id: "solarman.info",
			prepare: func(t *testing.T, s *actSession) func() *http.Request {
				token := actTokenOf(t, s.must(actSolarmanToken(s)), "access_token")
				return func() *http.Request {
					return s.request("POST", "/account/v1.0/info", map[string]string{"Authorization": "bearer " + token, "Content-Type": "application/json"}, "{}")
				}
			},
			real: func(t *testing.T, a actAnswer) {
				actWantFields(t, a, 200, map[string]string{"success": `true`, "code": `null`})
				if _, ok := actObject(t, a)["orgInfoList"].([]any); !ok {
					t.Errorf("got %s, want an orgInfoList", a.body)
				}
			},
			failures: []actFailure{
				{"token_invalid", func(t *testing.T, a actAnswer) {
					actWantFields(t, a, 200, map[string]string{"code": `"2101019"`, "msg": `"auth invalid token"`, "success": `false`})
				}},
				{"token_not_found", func(t *testing.T, a actAnswer) {
					actWantFields(t, a, 200, map[string]string{"code": `"2101017"`, "success": `false`})
				}},
			},
			set: `{success: false}`,
			setCheck: func(t *testing.T, a actAnswer) {
				actWantPrefix(t, a, `{"code":null,"msg":null,"success":false,"requestId":"`)
			},
		},
		{
			id: "oauth.authorize",
			prepare: func(t *testing.T, s *actSession) func() *http.Request {
				return func() *http.Request { return s.request("GET", actOAuthAuthorize+"code&state=xyz", nil, "") }
			},
			real: func(t *testing.T, a actAnswer) {
				// The default client has auto_approve false: the approval page.
				actWantPage(t, a, 200, `<input name="user_oauth_approval" value="true" type="hidden"/>`)
			},
			failures: []actFailure{
				{"authorize_access_denied", func(t *testing.T, a actAnswer) {
					want := "http://localhost:8080?error=access_denied&error_description=User%20denied%20access&state=xyz"
					if loc := a.header.Get("Location"); a.status != 302 || loc != want {
						t.Errorf("got %d Location %q, want 302 to %s", a.status, loc, want)
					}
				}},
				{"authorize_redirect_mismatch", func(t *testing.T, a actAnswer) {
					actWantPage(t, a, 400, "invalid_grant")
				}},
			},
			// The implicit flow: the approval page, then its form, issues
			// the token in the fragment.
			ttl: func(t *testing.T, s *actSession, _ func() *http.Request) string {
				actWantPage(t, s.must(s.request("GET", actOAuthAuthorize+"token", nil, "")), 200, "user_oauth_approval")
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
			prepare: func(t *testing.T, s *actSession) func() *http.Request {
				a := s.must(s.request("POST", "/_mock/codes", nil,
					`{"vendor":"oauth","client_id":"`+actOAuthClient+`","user":"demo","redirect_uri":"http://localhost:8080"}`))
				var c struct{ Code string }
				if err := json.Unmarshal(a.body, &c); err != nil || a.status != http.StatusCreated || c.Code == "" {
					t.Fatalf("POST /_mock/codes: got %d %s, want 201 and a code", a.status, a.body)
				}
				return func() *http.Request {
					return s.request("POST", "/oauth/token?grant_type=authorization_code&client_id="+actOAuthClient+"&client_secret="+actOAuthSecret+
						"&redirect_uri=http://localhost:8080&code="+c.Code, nil, "")
				}
			},
			real: func(t *testing.T, a actAnswer) {
				actWantFields(t, a, 200, map[string]string{"token_type": `"bearer"`, "scope": `"read_cn"`, "expires_in": `604799`})
			},
			failures: []actFailure{
				{"token_server_error", func(t *testing.T, a actAnswer) {
					actWantFields(t, a, 500, map[string]string{"error": `"server_error"`, "error_description": `"Internal Server Error"`})
				}},
				{"token_empty_scope", func(t *testing.T, a actAnswer) {
					actWantFields(t, a, 400, map[string]string{"error": `"invalid_scope"`})
				}},
			},
			ttl: func(t *testing.T, s *actSession, req func() *http.Request) string {
				a := s.must(req())
				actWantFields(t, a, 200, map[string]string{"expires_in": `29`, "scope": `"read_cn"`})
				return actTokenOf(t, a, "access_token")
			},
			set: `{scope: x}`,
			setCheck: func(t *testing.T, a actAnswer) {
				actWantPrefix(t, a, `{"access_token":"`)
				if !strings.HasSuffix(string(a.body), `"expires_in":604799,"scope":"x"}`) {
					t.Errorf("got body %s, want it to end with \"expires_in\":604799,\"scope\":\"x\"}", a.body)
				}
			},
		},
	}
}

// actRule is a scenario of one rule acting on endpoint.
func actRule(endpoint, do string) string {
	return "rules:\n  - when: {endpoint: " + endpoint + "}\n    do: " + do + "\n"
}

const actFirstRule = "inline/rules[0]"

// actSubtests runs subtests at once, each in its own session, whatever
// -parallel says: most of them wait on purpose (delays, hangs), and with
// t.Parallel a two-CPU machine would run them two at a time.
type actSubtests struct {
	t  *testing.T
	wg sync.WaitGroup
}

func actConcurrently(t *testing.T) *actSubtests { return &actSubtests{t: t} }

func (g *actSubtests) run(name string, f func(t *testing.T)) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		g.t.Run(name, f)
	}()
}

// wait must run before the test function of g.t returns.
func (g *actSubtests) wait() { g.wg.Wait() }

// TestActionsOnEveryEndpoint applies each action kind to each endpoint and
// observes it from a real client.
func TestActionsOnEveryEndpoint(t *testing.T) {
	t.Parallel()
	srv := startActServer(t)
	endpoints := actConcurrently(t)
	defer endpoints.wait()
	for _, ep := range actEndpoints() {
		endpoints.run(ep.id, func(t *testing.T) {
			actions := actConcurrently(t)
			defer actions.wait()
			// run prepares the request in a fresh session, activates the
			// scenario, and hands both to check.
			run := func(name, scenario string, check func(t *testing.T, s *actSession, req func() *http.Request)) {
				actions.run(name, func(t *testing.T) {
					s := srv.session(t)
					req := ep.prepare(t, s)
					s.mustActivate(scenario)
					check(t, s, req)
				})
			}

			run("pass", actRule(ep.id, "{pass: true}"), func(t *testing.T, s *actSession, req func() *http.Request) {
				ep.real(t, s.must(req()))
				s.checkRule(ep.id, actFirstRule)
			})
			for _, d := range []struct {
				name, do string
				least    time.Duration
			}{
				{"delay", "{delay: 200ms}", 200 * time.Millisecond},
				{"delay range", "{delay: {min: 100ms, max: 150ms}}", 100 * time.Millisecond},
			} {
				run(d.name, actRule(ep.id, d.do), func(t *testing.T, s *actSession, req func() *http.Request) {
					a := s.must(req())
					ep.real(t, a)
					// A lower bound only: a loaded machine may take longer.
					if a.elapsed < d.least {
						t.Errorf("got the answer after %v, want at least %v", a.elapsed, d.least)
					}
					s.checkRule(ep.id, actFirstRule)
				})
			}
			for i, f := range ep.failures {
				// The second failure's rule has a name, which the journal shows.
				scenario, rule := actRule(ep.id, "{error: "+f.name+"}"), actFirstRule
				if i > 0 {
					scenario = "rules:\n  - name: named-" + f.name + "\n    when: {endpoint: " + ep.id + "}\n    do: {error: " + f.name + "}\n"
					rule = "inline/named-" + f.name
				}
				run("error "+f.name, scenario, func(t *testing.T, s *actSession, req func() *http.Request) {
					f.check(t, s.must(req()))
					s.checkRule(ep.id, rule)
					// An injected failure changes no state: the same request
					// (code, refresh token) still gets the real answer.
					s.deactivate()
					ep.real(t, s.must(req()))
				})
			}
			run("raw status", actRule(ep.id, `{status: 503, body: "down", headers: {Retry-After: "5"}}`), func(t *testing.T, s *actSession, req func() *http.Request) {
				a := s.must(req())
				if a.status != 503 || string(a.body) != "down" || a.header.Get("Retry-After") != "5" || a.header.Get("Content-Type") != "text/plain; charset=utf-8" {
					t.Errorf("got %d %q Retry-After %q Content-Type %q, want 503 \"down\" Retry-After \"5\" Content-Type text/plain; charset=utf-8",
						a.status, a.body, a.header.Get("Retry-After"), a.header.Get("Content-Type"))
				}
				if e := s.lastRequest(ep.id); e.Rule != actFirstRule || e.Status != 503 {
					t.Errorf("journal: got rule %q status %d, want %q 503", e.Rule, e.Status, actFirstRule)
				}
				s.deactivate()
				ep.real(t, s.must(req()))
			})
			run("fault reset", actRule(ep.id, "{fault: reset}"), func(t *testing.T, s *actSession, req func() *http.Request) {
				// Go on Linux: *url.Error{Err: *net.OpError{Op: "read", Err:
				// ... ECONNRESET}}, "read: connection reset by peer".
				_, err := s.send(s.client, req())
				var op *net.OpError
				if !errors.Is(err, syscall.ECONNRESET) || !errors.As(err, &op) || op.Op != "read" {
					t.Errorf("got error %v, want a connection reset on read (ECONNRESET)", err)
				}
				s.checkRule(ep.id, actFirstRule)
			})
			run("fault empty", actRule(ep.id, "{fault: empty}"), func(t *testing.T, s *actSession, req func() *http.Request) {
				// Go: *url.Error{Err: io.EOF}: the connection ended before a
				// status line.
				_, err := s.send(s.client, req())
				var ue *url.Error
				if !errors.As(err, &ue) || ue.Err != io.EOF {
					t.Errorf("got error %v, want EOF: the connection closed with no answer", err)
				}
				s.checkRule(ep.id, actFirstRule)
			})
			run("fault malformed", actRule(ep.id, "{fault: malformed}"), func(t *testing.T, s *actSession, req func() *http.Request) {
				a := s.must(req())
				var v any
				err := json.Unmarshal(a.body, &v)
				var syn *json.SyntaxError
				if a.status != 200 || !errors.As(err, &syn) || syn.Error() != "unexpected end of JSON input" || syn.Offset != int64(len(a.body)) {
					t.Errorf("got %d %q (json: %v), want 200 and a body that ends before its JSON does", a.status, a.body, err)
				}
				if ct := a.header.Get("Content-Type"); ct != "application/json;charset=UTF-8" {
					t.Errorf("got Content-Type %q, want application/json;charset=UTF-8", ct)
				}
				s.checkRule(ep.id, actFirstRule)
			})
			run("fault hang", actRule(ep.id, "{fault: hang}"), func(t *testing.T, s *actSession, req func() *http.Request) {
				impatient := &http.Client{Transport: s.client.Transport, Timeout: 300 * time.Millisecond}
				a, err := s.send(impatient, req())
				var ne net.Error
				if !errors.As(err, &ne) || !ne.Timeout() || !strings.Contains(err.Error(), "awaiting headers") {
					t.Errorf("got error %v, want a client timeout before any header came", err)
				}
				if a.elapsed < 300*time.Millisecond {
					t.Errorf("got the error after %v, want the server to hold on until the client's 300ms timeout", a.elapsed)
				}
				// The journal entry comes once the handler lets go of the
				// connection the client gave up on.
				s.checkRule(ep.id, actFirstRule)
			})
			if ep.ttl != nil {
				run("token_ttl", actRule(ep.id, "{token_ttl: 30s}"), func(t *testing.T, s *actSession, req func() *http.Request) {
					token := ep.ttl(t, s, req)
					s.checkRule(ep.id, actFirstRule)
					s.checkLifetime(token, 30*time.Second)
				})
			}
			if ep.set != "" {
				run("set", actRule(ep.id, "{set: "+ep.set+"}"), func(t *testing.T, s *actSession, req func() *http.Request) {
					ep.setCheck(t, s.must(req()))
					s.checkRule(ep.id, actFirstRule)
				})
			}
		})
	}
}

// TestActionsRefusedWhereMeaningless checks that token_ttl and set are
// refused on endpoints that issue no token or answer no JSON, with the
// problem's line, and that the session keeps the real behaviour.
func TestActionsRefusedWhereMeaningless(t *testing.T) {
	t.Parallel()
	srv := startActServer(t)
	cases := []struct {
		endpoint, do, want string
	}{
		{"isolar.authorize", "{token_ttl: 30s}", "inline:3: rules[0].do.token_ttl: not for isolar.authorize"},
		{"oauth.authorize", "{set: {scope: x}}", "inline:3: rules[0].do.set: not for oauth.authorize"},
	}
	for _, c := range cases {
		t.Run(c.endpoint, func(t *testing.T) {
			t.Parallel()
			s := srv.session(t)
			a := s.activate(actRule(c.endpoint, c.do))
			var e struct {
				Error   string
				Details []string
			}
			if err := json.Unmarshal(a.body, &e); err != nil || a.status != http.StatusBadRequest || e.Error == "" {
				t.Fatalf("got %d %s, want 400 {\"error\":...,\"details\":[...]}", a.status, a.body)
			}
			line := regexp.MustCompile(`^inline:\d+: \S+: `)
			found := false
			for _, d := range e.Details {
				if !line.MatchString(d) {
					t.Errorf("got detail %q, want file:line: path: message", d)
				}
				found = found || strings.HasPrefix(d, c.want)
			}
			if !found {
				t.Errorf("got details %q, want one starting %q", e.Details, c.want)
			}
			// Nothing was activated: the real answer comes back.
			var ep actEndpoint
			for _, x := range actEndpoints() {
				if x.id == c.endpoint {
					ep = x
				}
			}
			ep.real(t, s.must(ep.prepare(t, s)()))
			if r := s.lastRequest(c.endpoint).Rule; r != "" {
				t.Errorf("journal: got rule %q, want none", r)
			}
		})
	}
}
