package isolar_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/app"
	"github.com/tokenmock/tokenmock/internal/testkit"
	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
)

// wholeMock is the mock as `go run ./cmd/mockserver` builds it (embedded
// fixtures and library scenarios, every vendor), on a loopback listener,
// with the test clock and seeded ids.
func wholeMock(t *testing.T) string {
	t.Helper()
	a, err := app.New(app.Config{Wall: testkit.NewClock().Now, IDs: testkit.IDs(), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(apicheck.Wrap(t, a))
	t.Cleanup(srv.Close)
	return srv.URL
}

// sungrowClient is what a real integration does, with plain net/http: it
// knows a base URL (the session in its path, as a client whose headers
// cannot be set is pointed at the mock), its app's keys and its tokens.
type sungrowClient struct {
	t       *testing.T
	base    string
	http    *http.Client
	access  string
	refresh string
	// on401 refreshes when a data call answers HTTP 401 and retries once,
	// as Homey's OAuth2 library does; without it the client refreshes
	// when the body says E00003.
	on401 bool
}

// reply is an answer the client received.
type reply struct {
	status int
	body   []byte
	code   string // result_code
}

func (c *sungrowClient) post(path string, header map[string]string, body string) reply {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, bytes.NewReader([]byte(body)))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("sys_code", "901")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	var env struct {
		ResultCode string `json:"result_code"`
	}
	if json.Unmarshal(b, &env) != nil {
		c.t.Fatalf("POST %s: got %d %q, want JSON", path, resp.StatusCode, b)
	}
	return reply{resp.StatusCode, b, env.ResultCode}
}

// tokens reads a token answer into the client.
func (c *sungrowClient) tokens(r reply) {
	c.t.Helper()
	var a struct {
		ResultData struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		} `json:"result_data"`
	}
	if err := json.Unmarshal(r.body, &a); err != nil || r.code != "1" || a.ResultData.AccessToken == "" {
		c.t.Fatalf("got %d %s, want tokens", r.status, r.body)
	}
	c.access, c.refresh = a.ResultData.AccessToken, a.ResultData.RefreshToken
}

func (c *sungrowClient) login() {
	c.t.Helper()
	c.tokens(c.post(tokenPath, map[string]string{"x-access-key": accessKey},
		`{"appkey":"`+appKey+`","grant_type":"authorization_code","code":"rFrnww","redirect_uri":"`+redirect+`"}`))
}

func (c *sungrowClient) renew() {
	c.t.Helper()
	c.tokens(c.post(refreshURL, map[string]string{"x-access-key": accessKey},
		`{"appkey":"`+appKey+`","refresh_token":"`+c.refresh+`","grant_type":"refresh_token"}`))
}

// plants is the first data call of every client.
func (c *sungrowClient) plants() reply {
	c.t.Helper()
	return c.post(plantsPath, map[string]string{"x-access-key": accessKey, "Authorization": "Bearer " + c.access}, validBodies[plantsPath])
}

// admin calls the admin API in the client's session.
func (c *sungrowClient) admin(method, path, body string) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, bytes.NewReader([]byte(body)))
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("%s %s: got %d, want 200", method, path, resp.StatusCode)
	}
}

func newClient(t *testing.T, mock, session string) *sungrowClient {
	return &sungrowClient{t: t, base: mock + "/s/" + session, http: &http.Client{Timeout: 10 * time.Second}}
}

// The whole life of a client's token on the data calls: a token, a first
// data call, the session's clock past the token's two days, the data call
// refused with E00003, a refresh, the data call working again; then, under
// isolar-token-errors-as-401, the same with the refusal on HTTP 401, which
// a client that refreshes only on a 401 reacts to.
func TestDataLifecycle(t *testing.T) {
	mock := wholeMock(t)
	for _, c := range []struct {
		name, scenario string
		status         int // of the refusal
	}{
		{"real-platform", "", http.StatusOK},
		{"isolar-token-errors-as-401", "isolar-token-errors-as-401", http.StatusUnauthorized},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl := newClient(t, mock, "lifecycle-"+c.name)
			if c.scenario != "" {
				cl.admin(http.MethodPut, "/_mock/scenario", `{"name":"`+c.scenario+`"}`)
				cl.on401 = true
			}
			cl.login()
			if r := cl.plants(); r.status != 200 || r.code != "1" {
				t.Fatalf("first data call: got %d %s, want 200 and result_code 1", r.status, r.body)
			}

			cl.admin(http.MethodPost, "/_mock/clock", `{"advance":"49h"}`)
			refused := cl.plants()
			if refused.status != c.status || refused.code != "E00003" {
				t.Fatalf("after 49h: got %d %s, want %d and E00003", refused.status, refused.body, c.status)
			}
			wantJSON(t, refused.body, map[string]string{"result_msg": `"er_token_login_invalid"`, "result_data": `null`})
			if cl.on401 != (refused.status == http.StatusUnauthorized) {
				t.Fatalf("got status %d: the client would not see the refusal the way it expects", refused.status)
			}

			old := cl.access
			cl.renew()
			if r := cl.plants(); r.status != 200 || r.code != "1" {
				t.Fatalf("after the refresh: got %d %s, want 200 and result_code 1", r.status, r.body)
			}
			// The token the refresh replaced stays refused.
			cl.access = old
			if r := cl.plants(); r.status != c.status || r.code != "E00003" {
				t.Errorf("the replaced token: got %d %s, want %d and E00003", r.status, r.body, c.status)
			}
		})
	}
}

// A refresh supersedes the access token at once, long before it expires.
func TestDataTokenSupersededByRefresh(t *testing.T) {
	cl := newClient(t, wholeMock(t), "superseded")
	cl.login()
	old := cl.access
	cl.renew()
	if r := cl.plants(); r.code != "1" {
		t.Fatalf("new token: got %s, want result_code 1", r.body)
	}
	cl.access = old
	if r := cl.plants(); r.status != 200 || r.code != "E00003" {
		t.Errorf("old token: got %d %s, want 200 and E00003", r.status, r.body)
	}
}

// A token of one session is unknown in another, whatever the clocks.
func TestDataTokenStaysInItsSession(t *testing.T) {
	mock := wholeMock(t)
	a, b := newClient(t, mock, "iso-a"), newClient(t, mock, "iso-b")
	a.login()
	b.access = a.access
	if r := b.plants(); r.status != 200 || r.code != "E00003" {
		t.Errorf("a's token in b: got %d %s, want 200 and E00003", r.status, r.body)
	}
	if r := a.plants(); r.code != "1" {
		t.Errorf("a's token in a: got %s, want result_code 1", r.body)
	}
}

// The library's quota scenarios, on a client of the data calls.
func TestDataQuotaScenarios(t *testing.T) {
	mock := wholeMock(t)
	t.Run("isolar-quota-exhausted", func(t *testing.T) {
		cl := newClient(t, mock, "quota")
		cl.admin(http.MethodPut, "/_mock/scenario", `{"name":"isolar-quota-exhausted"}`)
		cl.login() // the token endpoints still work
		for _, p := range dataPaths {
			r := cl.post(p, bearer(cl.access), validBodies[p])
			if r.status != 200 || r.code != "E998" {
				t.Errorf("%s: got %d %s, want 200 and E998", p, r.status, r.body)
			}
		}
	})
	t.Run("isolar-hourly-limit-429", func(t *testing.T) {
		cl := newClient(t, mock, "hourly-429")
		cl.admin(http.MethodPut, "/_mock/scenario", `{"name":"isolar-hourly-limit-429"}`)
		cl.login()
		for i, want := range []struct {
			status     int
			code       string
			retryAfter string
		}{{429, "E999", "60"}, {429, "E999", "60"}, {200, "1", ""}} {
			req, _ := http.NewRequest(http.MethodPost, cl.base+plantsPath, bytes.NewReader([]byte(validBodies[plantsPath])))
			for k, v := range bearer(cl.access) {
				req.Header.Set(k, v)
			}
			resp, err := cl.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var env struct {
				ResultCode string `json:"result_code"`
			}
			_ = json.Unmarshal(b, &env)
			if resp.StatusCode != want.status || env.ResultCode != want.code || resp.Header.Get("Retry-After") != want.retryAfter {
				t.Errorf("call %d: got %d %s Retry-After %q, want %d %s %q", i+1, resp.StatusCode, env.ResultCode, resp.Header.Get("Retry-After"), want.status, want.code, want.retryAfter)
			}
		}
	})
	t.Run("isolar-token-errors-as-401 leaves other failures alone", func(t *testing.T) {
		cl := newClient(t, mock, "as-401")
		cl.admin(http.MethodPut, "/_mock/scenario", `{"name":"isolar-token-errors-as-401"}`)
		cl.login()
		if r := cl.post(plantsPath, bearer(cl.access), withApp(`"page":1`)); r.status != 200 || r.code != "009" {
			t.Errorf("missing size: got %d %s, want 200 and 009", r.status, r.body)
		}
		if r := cl.post(plantsPath, map[string]string{"x-access-key": accessKey}, validBodies[plantsPath]); r.status != 401 || r.code != "002" {
			t.Errorf("no token: got %d %s, want 401 and 002", r.status, r.body)
		}
	})
}

// The seed examples answer the same through the whole mock (embedded
// fixtures, every vendor, the scenario engine) as the goldens pin.
func TestDataSeedExamplesThroughTheWholeMock(t *testing.T) {
	cl := newClient(t, wholeMock(t), "seed")
	cl.login()
	for name, p := range map[string]string{
		"seed_1_plants": plantsPath, "seed_2_plant_realtime": plantRealtimePath,
		"seed_4_devices": devicesPath, "seed_5_device_realtime": deviceRealtimePath,
	} {
		r := cl.post(p, bearer(cl.access), validBodies[p])
		testkit.Golden(t, name, []byte(normal(t, r.body)))
	}
}
