package server_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/isolar"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/server"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

const (
	appKey    = "B968E49385CBD8C74587A374E7B1D21A"
	accessKey = "MOCKSECRETKEY0123456789ABCDEFGHI"
	tokenBody = `{"appkey":"B968E49385CBD8C74587A374E7B1D21A","grant_type":"authorization_code","code":"rFrnww","redirect_uri":"https://web3.isolarcloud.com.cn"}`
)

type env struct {
	t     *testing.T
	url   string
	clock *testkit.Clock
}

func newEnv(t *testing.T, adminToken string) *env {
	t.Helper()
	fx, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	srv := testkit.Serve(t, adminToken, func(deps mock.Deps) []mock.Vendor { return []mock.Vendor{isolar.New(fx.Isolar, deps)} })
	return &env{t, srv.URL, srv.Clock}
}

func (e *env) do(method, path string, header map[string]string, body string) testkit.Response {
	e.t.Helper()
	return testkit.Do(e.t, method, e.url+path, header, body)
}

func (e *env) token(path string, header map[string]string) testkit.Response {
	e.t.Helper()
	h := map[string]string{"x-access-key": accessKey}
	for k, v := range header {
		h[k] = v
	}
	return e.do("POST", path, h, tokenBody)
}

func decode[T any](t *testing.T, r testkit.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
	return v
}

type adminError struct {
	Error   string   `json:"error"`
	Details []string `json:"details"`
}

func TestHealth(t *testing.T) {
	e := newEnv(t, "secret")
	r := e.do("GET", "/_mock/health", nil, "")
	if r.Status != 200 || string(r.Body) != `{"status":"ok","version":"test"}` {
		t.Errorf("got %d %s, want 200 and status ok", r.Status, r.Body)
	}
}

func TestAdminTokenGuards(t *testing.T) {
	e := newEnv(t, "secret")
	for _, c := range []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"none", nil, 401},
		{"wrong", map[string]string{"Authorization": "Bearer nope"}, 401},
		{"basic", map[string]string{"Authorization": "Basic c2VjcmV0"}, 401},
		{"right", map[string]string{"Authorization": "Bearer secret"}, 200},
	} {
		r := e.do("GET", "/_mock/clock", c.header, "")
		if r.Status != c.want {
			t.Errorf("%s: got %d, want %d", c.name, r.Status, c.want)
		}
		if c.want == 401 && decode[adminError](t, r).Error == "" {
			t.Errorf("%s: got %s, want the admin error body", c.name, r.Body)
		}
	}
}

func TestClock(t *testing.T) {
	e := newEnv(t, "")
	type clock struct {
		Session string    `json:"session"`
		Now     time.Time `json:"now"`
		Offset  string    `json:"offset"`
	}
	got := decode[clock](t, e.do("POST", "/_mock/clock?session=c1", nil, `{"advance":"49h"}`))
	if got.Session != "c1" || !got.Now.Equal(testkit.T0().Add(49*time.Hour)) || got.Offset != "49h0m0s" {
		t.Errorf("advance: got %+v", got)
	}
	e.clock.Advance(time.Second) // mock time keeps flowing
	got = decode[clock](t, e.do("GET", "/_mock/clock", map[string]string{"X-Mock-Session": "c1"}, ""))
	if !got.Now.Equal(testkit.T0().Add(49*time.Hour + time.Second)) {
		t.Errorf("read: got %v", got.Now)
	}
	got = decode[clock](t, e.do("POST", "/_mock/clock?session=c1", nil, `{"set":"2030-01-02T15:04:05Z"}`))
	if want := time.Date(2030, 1, 2, 15, 4, 5, 0, time.UTC); !got.Now.Equal(want) {
		t.Errorf("set: got %v, want %v", got.Now, want)
	}
	if got := decode[clock](t, e.do("GET", "/_mock/clock", nil, "")); !got.Now.Equal(testkit.T0().Add(time.Second)) || got.Session != "default" {
		t.Errorf("default session: got %+v, want its own clock", got)
	}
	got = decode[clock](t, e.do("POST", "/_mock/clock?session=c1", nil, `{"reset":true}`))
	if got.Offset != "0s" {
		t.Errorf("reset: got offset %s, want 0s", got.Offset)
	}
	for _, bad := range []string{`{"advance":"soon"}`, `{"advance":"-1h"}`, `{"set":"yesterday"}`, `{}`, `{"advance":"1h","reset":true}`, `{"jump":1}`, `not json`} {
		r := e.do("POST", "/_mock/clock", nil, bad)
		if r.Status != 400 || decode[adminError](t, r).Error == "" {
			t.Errorf("%s: got %d %s, want 400 with an error", bad, r.Status, r.Body)
		}
	}
}

func TestJournal(t *testing.T) {
	e := newEnv(t, "")
	e.token("/openapi/apiManage/token", nil)
	e.token("/s/j2/openapi/apiManage/token", map[string]string{"Authorization": "Bearer x"})
	e.do("POST", "/openapi/apiManage/token", map[string]string{"x-access-key": accessKey, "Content-Type": "application/x-www-form-urlencoded"}, "appkey=a&password=hunter2&x=1")
	e.do("GET", "/_mock/clock", nil, "") // admin calls are not journalled

	all := decode[entries](t, e.do("GET", "/_mock/requests", nil, ""))
	if len(all.Requests) != 3 {
		t.Fatalf("got %d entries, want 3", len(all.Requests))
	}
	first := all.Requests[0]
	if first.ID != 1 || first.Endpoint != "isolar.token" || first.Session != "default" || first.Status != 200 ||
		first.Method != "POST" || first.Path != "/openapi/apiManage/token" || first.Body != tokenBody ||
		!strings.Contains(first.ResponseBody, `"result_code":"1"`) || !first.Time.Equal(testkit.T0()) {
		t.Errorf("first entry: got %+v", first)
	}
	if first.Headers["X-Access-Key"] != "***" {
		t.Errorf("got x-access-key %q, want masked", first.Headers["X-Access-Key"])
	}
	second := all.Requests[1]
	if second.Session != "j2" || second.Path != "/openapi/apiManage/token" || second.Headers["Authorization"] != "***" {
		t.Errorf("second entry: got %+v", second)
	}
	if got := all.Requests[2].Body; got != "appkey=a&password=***&x=1" {
		t.Errorf("form body: got %q, want the password masked", got)
	}

	if got := decode[entries](t, e.do("GET", "/_mock/requests?session=j2", nil, "")); len(got.Requests) != 1 || got.Requests[0].Session != "j2" {
		t.Errorf("session filter: got %+v", got.Requests)
	}
	if got := decode[entries](t, e.do("GET", "/_mock/requests?limit=1", nil, "")); len(got.Requests) != 1 || got.Requests[0].ID != 3 {
		t.Errorf("limit keeps the newest: got %+v", got.Requests)
	}
	if got := decode[entries](t, e.do("GET", "/_mock/requests?endpoint=isolar.refresh", nil, "")); len(got.Requests) != 0 {
		t.Errorf("endpoint filter: got %d entries, want 0", len(got.Requests))
	}
	if r := e.do("GET", "/_mock/requests?limit=-1", nil, ""); r.Status != 400 {
		t.Errorf("bad limit: got %d, want 400", r.Status)
	}
	e.do("DELETE", "/_mock/requests?all=true", nil, "")
	if got := decode[entries](t, e.do("GET", "/_mock/requests", nil, "")); len(got.Requests) != 0 {
		t.Errorf("after DELETE ?all=true: got %d entries, want 0", len(got.Requests))
	}
}

func TestJournalMasksJSONSecrets(t *testing.T) {
	e := newEnv(t, "")
	e.do("POST", "/openapi/apiManage/token", nil, `{"appSecret": "s1", "password":"p\"2","client_secret":"c","keep":"k"}`)
	r := e.do("GET", "/_mock/requests", nil, "")
	want := `{\"appSecret\": \"***\", \"password\":\"***\",\"client_secret\":\"***\",\"keep\":\"k\"}`
	if !strings.Contains(string(r.Body), want) {
		t.Errorf("got %s, want body %s", r.Body, want)
	}
}

func TestJournalIsBounded(t *testing.T) {
	all := func(*server.Entry) bool { return true }
	j := server.NewJournal(3, 1<<20)
	for i := 0; i < 5; i++ {
		j.Add(server.Entry{Path: "/p"})
	}
	got := j.List(all, 0)
	if len(got) != 3 || got[0].ID != 3 || got[2].ID != 5 {
		t.Errorf("got %+v, want ids 3..5", got)
	}
	// The byte bound drops the oldest entries too.
	j = server.NewJournal(100, 1000)
	for i := 0; i < 5; i++ {
		j.Add(server.Entry{Body: strings.Repeat("x", 300)})
	}
	if got := j.List(all, 0); len(got) != 2 || got[1].ID != 5 {
		t.Errorf("byte bound: got %d entries, want the newest 2", len(got))
	}
}

func TestReset(t *testing.T) {
	e := newEnv(t, "")
	tok := decode[struct {
		AccessToken string `json:"access_token"`
	}](t, e.token("/openapi/apiManage/token", nil))
	e.do("POST", "/_mock/clock", nil, `{"advance":"1h"}`)
	r := e.do("POST", "/_mock/reset", nil, "")
	if r.Status != 200 || !strings.Contains(string(r.Body), `"offset":"0s"`) {
		t.Errorf("session reset: got %d %s, want the clock back at 0s", r.Status, r.Body)
	}
	intro := `{"token":"` + tok.AccessToken + `"}`
	if r := e.do("POST", "/_mock/introspect", nil, intro); !strings.Contains(string(r.Body), `"active":true`) {
		t.Errorf("a session reset kept no token: %s", r.Body)
	}
	e.do("POST", "/_mock/reset?all=true", nil, "")
	if r := e.do("POST", "/_mock/introspect", nil, intro); string(r.Body) != `{"active":false}` {
		t.Errorf("after reset all: got %s, want {\"active\":false}", r.Body)
	}
	if r := e.do("GET", "/_mock/requests", nil, ""); string(r.Body) != `{"requests":[]}` {
		t.Errorf("after reset all: got journal %s, want empty", r.Body)
	}
	if r := e.do("POST", "/_mock/reset?all=maybe", nil, ""); r.Status != 400 {
		t.Errorf("all=maybe: got %d, want 400", r.Status)
	}
}

func TestCodesAdminErrors(t *testing.T) {
	e := newEnv(t, "")
	cases := []struct {
		name, body string
		status     int
		detail     string
	}{
		{"unknown vendor", `{"vendor":"nope"}`, 400, ""},
		{"unknown field", `{"vendor":"isolar","appkey":"` + appKey + `","scope":"x"}`, 400, "unknown field"},
		{"unknown app", `{"vendor":"isolar","appkey":"X"}`, 400, `appkey: unknown app "X"`},
		{"unknown user", `{"vendor":"isolar","appkey":"` + appKey + `","user":"u"}`, 400, `user: unknown account "u"`},
		{"unregistered redirect", `{"vendor":"isolar","appkey":"` + appKey + `","redirect_uri":"https://evil"}`, 400, "redirect_uri: not registered"},
		{"static code", `{"vendor":"isolar","appkey":"` + appKey + `","code":"rFrnww"}`, 400, "static code"},
		{"bad code", `{"vendor":"isolar","appkey":"` + appKey + `","code":"a b"}`, 400, "code: want"},
	}
	for _, c := range cases {
		r := e.do("POST", "/_mock/codes", nil, c.body)
		body := decode[adminError](t, r)
		if r.Status != c.status || body.Error == "" || (c.detail != "" && !strings.Contains(strings.Join(body.Details, "\n"), c.detail)) {
			t.Errorf("%s: got %d %s, want %d with %q", c.name, r.Status, r.Body, c.status, c.detail)
		}
	}
	ok := `{"vendor":"isolar","appkey":"` + appKey + `","code":"mine1"}`
	if r := e.do("POST", "/_mock/codes", nil, ok); r.Status != 201 || string(r.Body) != `{"code":"mine1"}` {
		t.Errorf("chosen code: got %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/_mock/codes", nil, ok); r.Status != 409 {
		t.Errorf("same code again: got %d, want 409", r.Status)
	}
}

func TestRequestHandling(t *testing.T) {
	e := newEnv(t, "")
	if r := e.do("POST", "//openapi/apiManage/token", map[string]string{"x-access-key": accessKey}, tokenBody); !strings.Contains(string(r.Body), `"result_code":"1"`) {
		t.Errorf("leading //: got %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/s/slashes//openapi/apiManage/token", map[string]string{"x-access-key": accessKey}, tokenBody); !strings.Contains(string(r.Body), `"result_code":"1"`) {
		t.Errorf("// after the session prefix: got %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/s/slashes//_mock/clock", nil, ""); r.Status != 200 || !strings.Contains(string(r.Body), `"session":"slashes"`) {
		t.Errorf("// after the session prefix, admin: got %d %s", r.Status, r.Body)
	}
	big := `{"appkey":"` + strings.Repeat("a", 1<<20) + `"}`
	if r := e.do("POST", "/openapi/apiManage/token", nil, big); r.Status != 413 {
		t.Errorf("2 MiB body: got %d, want 413", r.Status)
	}
	if r := e.do("POST", "/openapi/apiManage/token", map[string]string{"X-Mock-Session": "bad name!"}, tokenBody); r.Status != 400 {
		t.Errorf("bad session name: got %d, want 400", r.Status)
	}
	if r := e.do("GET", "/nowhere", nil, ""); r.Status != 404 || decode[adminError](t, r).Error == "" {
		t.Errorf("unknown path: got %d %s", r.Status, r.Body)
	}
	if r := e.do("PUT", "/_mock/clock", nil, ""); r.Status != 405 {
		t.Errorf("wrong admin method: got %d, want 405", r.Status)
	}
	if r := e.do("POST", "/openapi/nothing/here", nil, "{}"); !strings.Contains(string(r.Body), `"result_code":"E996","result_msg":"api not found"`) {
		t.Errorf("unknown gateway path: got %d %s", r.Status, r.Body)
	}
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		if r := e.do(m, "/openapi/apiManage/refreshToken", nil, ""); r.Status != 405 || len(r.Body) != 0 {
			t.Errorf("%s on refresh: got %d %q, want 405 and no body", m, r.Status, r.Body)
		}
	}
}

// Sweeping drops a token an hour of wall time after it was first found
// expired, so an expired token is answered as expired until then.
func TestSweep(t *testing.T) {
	fx, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	ts := testkit.Serve(t, "", func(deps mock.Deps) []mock.Vendor { return []mock.Vendor{isolar.New(fx.Isolar, deps)} })
	e := &env{t, ts.URL, ts.Clock}
	tok := decode[struct {
		AccessToken string `json:"access_token"`
	}](t, e.token("/openapi/apiManage/token", nil))
	intro := `{"token":"` + tok.AccessToken + `"}`
	e.do("POST", "/_mock/clock", nil, `{"advance":"49h"}`)
	ts.Sweep()
	if r := e.do("POST", "/_mock/introspect", nil, intro); !strings.HasPrefix(string(r.Body), `{"active":false,"vendor":"isolar"`) {
		t.Errorf("first sweep: got %s, want the expired token still known", r.Body)
	}
	e.clock.Advance(time.Hour)
	ts.Sweep()
	if r := e.do("POST", "/_mock/introspect", nil, intro); string(r.Body) != `{"active":false}` {
		t.Errorf("an hour later: got %s, want the token swept", r.Body)
	}
}
