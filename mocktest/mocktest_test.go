package mocktest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/mocktest"
)

func TestStartAndHelpers(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte("rules:\n  - when: {endpoint: isolar.token}\n    times: 1\n    do: {error: ip_denied}\n"), 0o644)
	mock := mocktest.Start(t, mocktest.WithScenarios(dir), mocktest.WithAdminToken("tok"), mocktest.WithSeed(3))
	a, b := mock.Session("a"), mock.Session("b")
	if a.URL != mock.URL+"/s/a" || mock.Default().URL != mock.URL {
		t.Errorf("got URLs %s %s", a.URL, mock.Default().URL)
	}
	a.UseScenario("mine")
	if code, _ := isolarExchange(a.URL, "rFrnww"); code != "E918" {
		t.Errorf("session a: got %s, want its scenario's E918", code)
	}
	if code, _ := isolarExchange(b.URL, "rFrnww"); code != "1" {
		t.Errorf("session b: got %s, want 1", code)
	}
	b.UseScenarioYAML("rules:\n  - when: {endpoint: isolar.token}\n    do: {error: user_denied}\n")
	if code, _ := isolarExchange(b.URL, "rFrnww"); code != "E919" {
		t.Errorf("inline scenario: got %s, want E919", code)
	}
	b.ClearScenario()
	if code, _ := isolarExchange(b.URL, "rFrnww"); code != "1" {
		t.Errorf("cleared: got %s, want 1", code)
	}
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if c := a.SetClock(at); c.Now.Sub(at) > time.Minute {
		t.Errorf("SetClock: got %v", c.Now)
	}
	if c := a.AdvanceClock(time.Hour); c.Offset == "0s" {
		t.Errorf("AdvanceClock: got %+v", c)
	}
	a.Reset()
	code := a.MintCode(mocktest.CodeRequest{Vendor: "oauth", ClientID: "2aeb5a5eac1100043817950ada19e0f5", RedirectURI: "http://localhost:8080"})
	if len(code) != 6 {
		t.Errorf("MintCode: got %q", code)
	}
	reqs := a.Requests("isolar.token")
	if len(reqs) != 1 || reqs[0].Rule != "mine/rules[0]" || reqs[0].Headers["X-Access-Key"] != "***" {
		t.Errorf("Requests: got %+v", reqs)
	}
	if in := a.Introspect("nope"); in.Active {
		t.Errorf("Introspect: got %+v", in)
	}
}

// A failing admin call fails the test that made the mock.
func TestHelpersFailTheTest(t *testing.T) {
	ft := &fakeT{}
	mock := mocktest.Start(ft)
	func() {
		defer func() { recover() }() // fakeT stops the helper as t.Fatal would
		mock.Session("x").UseScenario("no-such-scenario")
	}()
	if !strings.Contains(ft.msg, `unknown scenario \"no-such-scenario\"`) {
		t.Errorf("got %q, want the admin error", ft.msg)
	}
	for _, f := range ft.cleanups {
		f()
	}
	if _, err := mocktest.New(mocktest.WithScenario("nope")); err == nil {
		t.Error("New with an unknown scenario: got no error")
	}
}

type fakeT struct {
	testing.TB
	msg      string
	cleanups []func()
}

func (f *fakeT) Helper()           {}
func (f *fakeT) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeT) Fatalf(format string, args ...any) {
	f.msg = strings.TrimSpace(strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", " "))
	panic("fatal")
}

// WithFixtures replaces the defaults: the benchmark fixtures add a DI
// client allowed client_credentials, which the defaults lack.
func TestWithFixtures(t *testing.T) {
	mock := mocktest.Start(t, mocktest.WithFixtures("../bench/fixtures.yaml"))
	resp, err := mock.Client().Post(mock.URL+"/oauth/token", "application/x-www-form-urlencoded",
		strings.NewReader("grant_type=client_credentials&client_id=bench&client_secret=bench-secret"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("got %d, want the bench client's token", resp.StatusCode)
	}
	if _, err := mocktest.New(mocktest.WithFixtures("does-not-exist.yaml")); err == nil {
		t.Error("missing fixtures: got no error")
	}
}

// ExpireToken moves the session's clock just past a token's expiry.
func TestExpireToken(t *testing.T) {
	mock := mocktest.Start(t)
	s := mock.Session("expire")
	body := `{"appkey":"B968E49385CBD8C74587A374E7B1D21A","grant_type":"authorization_code","code":"rFrnww","redirect_uri":"https://web3.isolarcloud.com.cn"}`
	req, _ := http.NewRequest("POST", s.URL+"/openapi/apiManage/token", strings.NewReader(body))
	req.Header.Set("x-access-key", "MOCKSECRETKEY0123456789ABCDEFGHI")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()

	before := s.Clock().Now
	in := s.Introspect(tok.AccessToken)
	after := s.ExpireToken(tok.AccessToken).Now
	if !in.Active || after.Sub(in.ExpiresAt) < time.Second || after.Sub(before) < 48*time.Hour {
		t.Errorf("got clock %v → %v for a token expiring at %v (active %v), want just past its expiry", before, after, in.ExpiresAt, in.Active)
	}
	if s.Introspect(tok.AccessToken).Active {
		t.Error("after ExpireToken: got the token active, want it expired")
	}
	if again := s.ExpireToken(tok.AccessToken).Now; again.Sub(after) > time.Minute {
		t.Errorf("an expired token: got the clock moved to %v, want it left at %v", again, after)
	}

	ft := &fakeT{}
	other := mocktest.Start(ft)
	func() {
		defer func() { recover() }()
		other.Session("x").ExpireToken("nope")
	}()
	if !strings.Contains(ft.msg, `no token "nope"`) {
		t.Errorf("unknown token: got %q, want the test failed", ft.msg)
	}
	for _, f := range ft.cleanups {
		f()
	}
}
