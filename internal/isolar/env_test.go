package isolar_test

import (
	"encoding/json"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/isolar"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// Values of the default fixtures (fixtures/default.yaml).
const (
	appKey     = "B968E49385CBD8C74587A374E7B1D21A"
	accessKey  = "MOCKSECRETKEY0123456789ABCDEFGHI"
	docAppKey  = "5D0C0A11E7B2C4D6E8F0A1B3C5D7E9F1"
	docAccess  = "MOCKDOCSECRETKEY0123456789ABCDEF"
	redirect   = "https://web3.isolarcloud.com.cn"
	redirect2  = "https://my.home-assistant.io/redirect/oauth"
	tokenPath  = "/openapi/apiManage/token"
	refreshURL = "/openapi/apiManage/refreshToken"
)

type env struct {
	t     *testing.T
	url   string
	clock *testkit.Clock
	notes *testkit.Notes
}

// newEnv serves fx (the defaults when nil) with a fixed clock and ids.
func newEnv(t *testing.T, fx *fixture.Isolar) *env {
	t.Helper()
	if fx == nil {
		all, err := fixture.Default()
		if err != nil {
			t.Fatal(err)
		}
		fx = all.Isolar
	}
	n := &testkit.Notes{}
	srv := testkit.Serve(t, "", func(deps mock.Deps) []mock.Vendor { return []mock.Vendor{noting{isolar.New(fx, deps), n}} })
	return &env{t: t, url: srv.URL, clock: srv.Clock, notes: n}
}

// noting is the service with every handler's failure note kept; it is
// the service for everything else.
type noting struct {
	*isolar.Service
	notes *testkit.Notes
}

func (v noting) Routes() mock.Routes { return v.notes.Keep(v.Service.Routes()) }

// note is what the service noted of the last request it answered.
func (e *env) note() mock.Note { return e.notes.Last() }

// wantNote checks the note of a failure answered with body: the catalogue
// name, the field and code the body carries, and a reason that mentions
// the offending value (any reason when mention is "").
func wantNote(t *testing.T, n mock.Note, failure string, body []byte, mention string) {
	t.Helper()
	if n.Name != failure {
		t.Errorf("note: got failure %q, want %q", n.Name, failure)
	}
	wantCarried(t, n, body)
	wantReason(t, n, mention)
}

// wantReason checks that the note's reason mentions what it should, and
// no secret of the fixtures.
func wantReason(t *testing.T, n mock.Note, mention string) {
	t.Helper()
	if n.Reason == "" || !strings.Contains(n.Reason, mention) {
		t.Errorf("note: got reason %q, want one that mentions %q", n.Reason, mention)
	}
	for _, secret := range []string{accessKey, docAccess, "demo1234"} {
		if strings.Contains(n.Reason, secret) {
			t.Errorf("note: reason %q shows the secret %s", n.Reason, secret)
		}
	}
}

// wantCarried checks that the note's code is the one its field carries in
// the JSON body; a refresh failure's code is under result_data, with
// result_code "1".
func wantCarried(t *testing.T, n mock.Note, body []byte) {
	t.Helper()
	m := object(t, body)
	got, _ := at(m, n.Field).(string)
	if n.Field == "" || n.Code == "" || got != n.Code {
		t.Errorf("note: got %s=%q, but the body carries %q there (%s)", n.Field, n.Code, got, body)
	}
	if n.Field == "result_data.code" && at(m, "result_code") != "1" {
		t.Errorf("note: result_data.code noted, but result_code is %v, not \"1\"", at(m, "result_code"))
	}
}

// wantPageNote checks the note of a refusal of the authorization page: the
// catalogue name ("" for the page's own refusals), and the field error
// with what the page shows, its message or the redirect's error.
func wantPageNote(t *testing.T, n mock.Note, failure string, status int, location string, body []byte) {
	t.Helper()
	shown := strings.Contains(string(body), html.EscapeString(n.Code))
	if status == http.StatusFound {
		shown = strings.Contains(location, "error="+n.Code)
	}
	if n.Name != failure || n.Field != "error" || n.Code == "" || !shown {
		t.Errorf("note: got %q error=%q, want %q and what the page shows (%d %s %s)", n.Name, n.Code, failure, status, location, body)
	}
}

func (e *env) post(path string, header map[string]string, body string) testkit.Response {
	e.t.Helper()
	return testkit.Do(e.t, "POST", e.url+path, header, body)
}

// exchange posts a code to the token endpoint with the default app.
func (e *env) exchange(code, redirectURI string) testkit.Response {
	e.t.Helper()
	return e.post(tokenPath, map[string]string{"x-access-key": accessKey, "Content-Type": "application/json"},
		jsonBody(map[string]string{"appkey": appKey, "grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI}))
}

func (e *env) refresh(token string) testkit.Response {
	e.t.Helper()
	return e.post(refreshURL, map[string]string{"x-access-key": accessKey},
		jsonBody(map[string]string{"appkey": appKey, "refresh_token": token}))
}

// mint asks the admin API for a code, choosing its value when code is set.
func (e *env) mint(code, redirectURI string) string {
	e.t.Helper()
	r := e.post("/_mock/codes", nil, jsonBody(map[string]string{"vendor": "isolar", "appkey": appKey, "redirect_uri": redirectURI, "code": code}))
	if r.Status != 201 {
		e.t.Fatalf("mint: got %d %s, want 201", r.Status, r.Body)
	}
	var out struct{ Code string }
	decode(e.t, r.Body, &out)
	return out.Code
}

func (e *env) introspect(token string) mock.Introspection {
	e.t.Helper()
	r := e.post("/_mock/introspect", nil, jsonBody(map[string]string{"token": token}))
	var out mock.Introspection
	decode(e.t, r.Body, &out)
	return out
}

func (e *env) advance(d time.Duration) {
	e.t.Helper()
	r := e.post("/_mock/clock", nil, `{"advance":"`+d.String()+`"}`)
	if r.Status != 200 {
		e.t.Fatalf("clock: got %d %s", r.Status, r.Body)
	}
}

func jsonBody(m map[string]string) string {
	b, _ := json.Marshal(m)
	return string(b)
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
}

// answer is the parts of an iSolarCloud answer tests look at.
type answer struct {
	ResultCode   string `json:"result_code"`
	ResultMsg    string `json:"result_msg"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	Error        string `json:"error"`
	ResultData   struct {
		AccessToken  string   `json:"access_token"`
		RefreshToken string   `json:"refresh_token"`
		ExpiresIn    int64    `json:"expires_in"`
		AuthPsList   []string `json:"auth_ps_list"`
		AuthUser     int64    `json:"auth_user"`
		Code         string   `json:"code"`
	} `json:"result_data"`
}

func parse(t *testing.T, r testkit.Response) answer {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("got status %d (%s), want 200", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json;charset=UTF-8" {
		t.Errorf("got Content-Type %q, want application/json;charset=UTF-8", ct)
	}
	if cc, p := r.Header.Get("Cache-Control"), r.Header.Get("Pragma"); cc != "no-store" || p != "no-cache" {
		t.Errorf("got Cache-Control %q Pragma %q, want no-store no-cache", cc, p)
	}
	var a answer
	decode(t, r.Body, &a)
	return a
}

func wantCode(t *testing.T, r testkit.Response, code, msg string) answer {
	t.Helper()
	a := parse(t, r)
	if a.ResultCode != code || (msg != "" && a.ResultMsg != msg) {
		t.Errorf("got result_code %q msg %q, want %q %q (%s)", a.ResultCode, a.ResultMsg, code, msg, r.Body)
	}
	return a
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
