package solarman_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// client is a SOLARMAN client written the way the real ones are (plain
// net/http, a base URL that can be set, the token type and token in
// Authorization, no refresh endpoint: a new login instead). relogin tells
// when it logs in again and retries once: on a 200 body with a token error
// (raschy, Aksolotl123) or only on a 401 (RCooLeR, norberttech).
type client struct {
	t       *testing.T
	http    *http.Client
	base    string
	auth    string
	logins  int
	relogin func(status int, a dataAnswer) bool
}

// dataAnswer is what clients read of a data answer.
type dataAnswer struct {
	Code        *string `json:"code"`
	Msg         *string `json:"msg"`
	Success     bool    `json:"success"`
	Total       int     `json:"total"`
	StationList []struct {
		ID int64 `json:"id"`
	} `json:"stationList"`
	raw []byte
}

func tokenErrorIn200(status int, a dataAnswer) bool {
	return status == 200 && a.Msg != nil && (*a.Msg == "auth token not found" || *a.Msg == "auth invalid token")
}

func only401(status int, _ dataAnswer) bool { return status == http.StatusUnauthorized }

func newClient(t *testing.T, base string, relogin func(int, dataAnswer) bool) *client {
	return &client{t: t, http: &http.Client{Timeout: 10 * time.Second}, base: base, relogin: relogin}
}

func (c *client) send(path, auth, body string) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, b
}

func (c *client) login() {
	c.t.Helper()
	status, b := c.send("/account/v1.0/token"+loginS2.query, "", loginS2.body)
	var tok struct {
		Success     bool   `json:"success"`
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal(b, &tok); err != nil || status != 200 || !tok.Success {
		c.t.Fatalf("login: got %d %s, want a token", status, b)
	}
	c.auth = tok.TokenType + " " + tok.AccessToken
	c.logins++
}

// call sends a data call with the client's token as it stands.
func (c *client) call(path, body string) (int, dataAnswer) {
	c.t.Helper()
	status, b := c.send(path, c.auth, body)
	a := dataAnswer{raw: b}
	if err := json.Unmarshal(b, &a); err != nil {
		c.t.Fatalf("%s: got %d %s (%v), want JSON", path, status, b, err)
	}
	return status, a
}

// stations is the client's own data call: on a token error it logs in
// again once and retries.
func (c *client) stations() (int, dataAnswer) {
	c.t.Helper()
	status, a := c.call("/station/v1.0/list?language=en", `{"page":1,"size":20}`)
	if c.relogin(status, a) {
		c.login()
		status, a = c.call("/station/v1.0/list?language=en", `{"page":1,"size":20}`)
	}
	return status, a
}

// catalogue is the catalogue's golden body of a failure, its requestId
// normalised.
func catalogue(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/catalogue_" + name + ".golden")
	if err != nil {
		t.Fatal(err)
	}
	return normal(b)
}

// The lifecycle with a real client: token, first data call, the
// session's clock past the token's 60 days, the vendor's token error on
// the data call, a new login, the data call works again; with the real
// platform's HTTP 200 and under solarman-token-errors-as-401.
func TestLifecycle(t *testing.T) {
	cases := []struct {
		name     string
		scenario string
		status   int
		relogin  func(int, dataAnswer) bool
	}{
		{"HTTP 200, client reads the body", "", 200, tokenErrorIn200},
		{"solarman-token-errors-as-401, client waits for a 401", "solarman-token-errors-as-401", 401, only401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := startApp(t)
			const session = "lifecycle"
			if c.scenario != "" {
				m.admin(session, "PUT", "/_mock/scenario", `{"name":"`+c.scenario+`"}`)
			}
			cl := newClient(t, m.url+"/s/"+session, c.relogin)
			cl.login()
			if status, a := cl.stations(); status != 200 || !a.Success || a.Total != 1 || a.StationList[0].ID != 100895 {
				t.Fatalf("first data call: got %d %s, want station 100895", status, a.raw)
			}

			m.admin(session, "POST", "/_mock/clock", `{"advance":"1440h"}`)
			status, a := cl.call("/station/v1.0/list?language=en", `{"page":1,"size":20}`)
			if status != c.status || normal(a.raw) != catalogue(t, "token_invalid") {
				t.Errorf("after 60 days: got %d %s, want %d %s", status, a.raw, c.status, catalogue(t, "token_invalid"))
			}
			if status, a := cl.stations(); status != 200 || !a.Success || a.Total != 1 {
				t.Errorf("after logging in again: got %d %s, want the station list", status, a.raw)
			}
			if cl.logins != 2 {
				t.Errorf("got %d logins, want 2: one at the start, one after the token error", cl.logins)
			}

			// No token at all: the other token error, same status.
			status, b := cl.send("/station/v1.0/list", "", `{}`)
			if status != c.status || normal(b) != catalogue(t, "token_not_found") {
				t.Errorf("no token: got %d %s, want %d %s", status, b, c.status, catalogue(t, "token_not_found"))
			}
		})
	}
}

// The other library scenarios of the data calls, as a real client meets
// them.
func TestDataLibraryScenarios(t *testing.T) {
	t.Run("solarman-data-quota-exceeded", func(t *testing.T) {
		m := startApp(t)
		m.admin("quota", "PUT", "/_mock/scenario", `{"name":"solarman-data-quota-exceeded"}`)
		cl := newClient(t, m.url+"/s/quota", tokenErrorIn200)
		cl.login() // the token call is left alone
		for _, p := range dataPaths {
			status, a := cl.call(p, validBody[p])
			if status != 200 || normal(a.raw) != catalogue(t, "quota_exceeded") {
				t.Errorf("%s: got %d %s, want 200 %s", p, status, a.raw, catalogue(t, "quota_exceeded"))
			}
		}
	})
	t.Run("solarman-data-too-frequently-429", func(t *testing.T) {
		m := startApp(t)
		m.admin("busy", "PUT", "/_mock/scenario", `{"name":"solarman-data-too-frequently-429"}`)
		cl := newClient(t, m.url+"/s/busy", tokenErrorIn200)
		cl.login()
		for i := range 2 {
			req, _ := http.NewRequest(http.MethodPost, cl.base+pathList, strings.NewReader(`{}`))
			req.Header.Set("Authorization", cl.auth)
			resp, err := cl.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "10" || normal(b) != catalogue(t, "too_frequently") {
				t.Errorf("call %d: got %d Retry-After %q %s, want 429, 10 and %s", i+1, resp.StatusCode, resp.Header.Get("Retry-After"), b, catalogue(t, "too_frequently"))
			}
		}
		if status, a := cl.stations(); status != 200 || !a.Success {
			t.Errorf("third call: got %d %s, want the station list", status, a.raw)
		}
	})
}

// A token is known only in the session that got it: on the data calls,
// on /info and to /_mock/introspect.
func TestTokensStayInTheirSession(t *testing.T) {
	m := startApp(t)
	auth := m.bearer("alpha", loginS2)
	for _, p := range dataPaths {
		if a := parse(t, m.post("alpha", p, auth, validBody[p])); !a.Success {
			t.Errorf("%s in its own session: got %+v, want success", p, a)
		}
		r := m.post("beta", p, auth, validBody[p])
		if normal(r.Body) != catalogue(t, "token_invalid") {
			t.Errorf("%s in another session: got %d %s, want token_invalid", p, r.Status, r.Body)
		}
	}
	if r := m.post("beta", "/account/v1.0/info", auth, `{}`); normal(r.Body) != catalogue(t, "token_invalid") {
		t.Errorf("/info in another session: got %s, want token_invalid", r.Body)
	}
	token := strings.TrimPrefix(auth, "bearer ")
	intro := func(session string) string {
		return string(m.admin(session, "POST", "/_mock/introspect", body("token", token)).Body)
	}
	if got := intro("beta"); got != `{"active":false}` {
		t.Errorf("introspect in another session: got %s, want {\"active\":false}", got)
	}
	if got := intro("alpha"); !strings.HasPrefix(got, `{"active":true,"vendor":"solarman","kind":"access"`) {
		t.Errorf("introspect in its session: got %s, want active", got)
	}
	// The default session is a session like the others.
	if r := m.post("", pathList, auth, `{}`); normal(r.Body) != catalogue(t, "token_invalid") {
		t.Errorf("default session: got %s, want token_invalid", r.Body)
	}
}

// settings.token_error_status: 401 answers the two token errors of /info
// and the data calls with HTTP 401 and the same body, globally; the token
// endpoint's own 2101019 (a wrong appSecret) stays a 200.
func TestTokenErrorStatusSetting(t *testing.T) {
	e := stationsEnv(t, func(fx *fixture.Solarman) {
		status := 401
		fx.Settings.TokenErrorStatus = &status
	})
	for _, p := range append([]string{"/account/v1.0/info"}, dataPaths...) {
		r := e.data(p, "", `{}`)
		if r.Status != 401 || normal(r.Body) != catalogue(t, "token_not_found") {
			t.Errorf("%s without a token: got %d %s, want 401 %s", p, r.Status, r.Body, catalogue(t, "token_not_found"))
		}
		r = e.data(p, "bearer a.b.c", `{}`)
		if r.Status != 401 || normal(r.Body) != catalogue(t, "token_invalid") {
			t.Errorf("%s with a bad token: got %d %s, want 401 %s", p, r.Status, r.Body, catalogue(t, "token_invalid"))
		}
		if r := e.data(p, e.bearer(loginS2), validBody[p]); r.Status != 200 || !parse(t, r).Success {
			t.Errorf("%s with a good token: got %d %s, want 200 and success", p, r.Status, r.Body)
		}
	}
	r := e.token(loginS2.query, body("appSecret", secret2, "username", "cvwwb", "password", cvwwb))
	if a := parse(t, r); a.Code == nil || *a.Code != "2101019" {
		t.Errorf("wrong appSecret: got %s, want 200 and 2101019", r.Body)
	}
}

// The data paths answer like their single-slash forms with a doubled
// leading slash (mpepping), and 405 with Allow: POST to other methods.
func TestDataPaths(t *testing.T) {
	e := newEnv(t, nil)
	auth := e.bearer(loginS2)
	for _, p := range dataPaths {
		r := e.data("/"+p+"?language=en", auth, validBody[p])
		if a := parse(t, r); !a.Success {
			t.Errorf("/%s: got %s, want success", p, r.Body)
		}
		if r := e.data("/s/x"+p, auth, validBody[p]); normal(r.Body) != catalogue(t, "token_invalid") {
			t.Errorf("/s/x%s: got %s, want the session's token_invalid", p, r.Body)
		}
		for _, method := range []string{"GET", "PUT", "DELETE"} {
			r := testkit.Do(t, method, e.srv.URL+p, map[string]string{"Authorization": auth}, "")
			if r.Status != 405 || r.Header.Get("Allow") != "POST" || len(r.Body) != 0 {
				t.Errorf("%s %s: got %d Allow %q body %q, want 405 POST empty", method, p, r.Status, r.Header.Get("Allow"), r.Body)
			}
		}
	}
}
