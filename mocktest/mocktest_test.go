package mocktest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/testkit"
	"github.com/tokenmock/tokenmock/mocktest"
)

func TestStartAndHelpers(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte("rules:\n  - when: {endpoint: isolar.token}\n    times: 1\n    do: {error: ip_denied}\n"), 0o644)
	mock := mocktest.Start(t, mocktest.WithScenarios(dir), mocktest.WithAdminToken("tok"), mocktest.WithSeed(3))
	a, b := mock.SessionNamed(t, "a"), mock.SessionNamed(t, "b")
	if a.URL != mock.URL+"/s/a" || mock.Default(t).URL != mock.URL || mock.Default(t).Name != "default" {
		t.Errorf("got URLs %s %s", a.URL, mock.Default(t).URL)
	}
	a.UseScenario("mine")
	if code, _ := isolarExchange(a.URL, mocktest.IsolarStaticCode); code != "E918" {
		t.Errorf("session a: got %s, want its scenario's E918", code)
	}
	if code, _ := isolarExchange(b.URL, mocktest.IsolarStaticCode); code != "1" {
		t.Errorf("session b: got %s, want 1", code)
	}
	b.UseScenarioYAML("rules:\n  - when: {endpoint: isolar.token}\n    do: {error: user_denied}\n")
	if code, _ := isolarExchange(b.URL, mocktest.IsolarStaticCode); code != "E919" {
		t.Errorf("inline scenario: got %s, want E919", code)
	}
	b.ClearScenario()
	if code, _ := isolarExchange(b.URL, mocktest.IsolarStaticCode); code != "1" {
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
	code := a.MintCode(mocktest.CodeRequest{Vendor: "oauth", ClientID: mocktest.DIClientID, RedirectURI: mocktest.DIRedirectURI})
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
	b.ClearRequests()
	if n, m := len(b.Requests("")), len(a.Requests("")); n != 0 || m != 1 {
		t.Errorf("after b.ClearRequests: got %d requests in b and %d in a, want 0 and 1", n, m)
	}
}

// recTB is a test whose failures are recorded instead of failing the real
// test: Fatalf records and ends the goroutine, as testing.T's does.
// Everything else (Name, Cleanup, Output) is the real test's.
type recTB struct {
	testing.TB
	mu     sync.Mutex
	fatals []string
}

func (r *recTB) Helper() {}
func (r *recTB) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
	r.mu.Unlock()
	runtime.Goexit()
}
func (r *recTB) Errorf(format string, args ...any) { r.Fatalf(format, args...) }
func (r *recTB) FailNow()                          { r.Fatalf("FailNow") }

func (r *recTB) failures() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.fatals, "\n")
}

// run calls f in a goroutine of its own, so that a Goexit ends only f, and
// tells whether f returned.
func run(f func()) (returned bool) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
		returned = true
	}()
	<-done
	return returned
}

// A failing helper fails the subtest whose session it is, in parallel
// subtests too, and never the test that started the mock.
func TestHelpersFailTheirOwnTest(t *testing.T) {
	parent := &recTB{TB: t}
	mock := mocktest.Start(parent)
	subs := map[string]*recTB{}
	var mu sync.Mutex
	t.Run("group", func(t *testing.T) {
		for _, name := range []string{"bad one", "good", "bad two"} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				sub := &recTB{TB: t}
				mu.Lock()
				subs[name] = sub
				mu.Unlock()
				s := mock.Session(sub)
				scenario := "isolar-code-reused"
				if strings.HasPrefix(name, "bad") {
					scenario = "no-such-scenario"
				}
				if returned := run(func() { s.UseScenario(scenario) }); returned == strings.HasPrefix(name, "bad") {
					t.Errorf("UseScenario(%q): returned %v", scenario, returned)
				}
			})
		}
	})
	for name, sub := range subs {
		got := sub.failures()
		if strings.HasPrefix(name, "bad") != strings.Contains(got, `unknown scenario \"no-such-scenario\"`) {
			t.Errorf("subtest %q: got failures %q", name, got)
		}
		if strings.HasPrefix(name, "bad") && !strings.Contains(got, "(session TestHelpersFailTheirOwnTest.group.bad_") {
			t.Errorf("subtest %q: got %q, want the session named in the failure", name, got)
		}
	}
	if len(subs) != 3 || parent.failures() != "" {
		t.Errorf("got %d subtests and the parent failed with %q, want 3 and the parent untouched", len(subs), parent.failures())
	}
}

// Parallel subtests with the real testing.T each get a session of their
// own, reached through the path the name makes.
func TestSessionPerSubtest(t *testing.T) {
	mock := mocktest.Start(t)
	long := strings.Repeat("a very long subtest name ", 4)
	for _, name := range []string{"with/slash", "plain", long, "ünïcode & more"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := mock.Session(t)
			if len(s.Name) > mocktest.MaxNameLen || s.URL != mock.URL+"/s/"+s.Name {
				t.Errorf("got session %q at %s", s.Name, s.URL)
			}
			if again := mock.Session(t); again.Name != s.Name {
				t.Errorf("the same test: got %q, then %q", s.Name, again.Name)
			}
			s.UseScenario("isolar-code-reused")
			isolarExchange(s.URL, mocktest.IsolarStaticCode)
			if code, _ := isolarExchange(s.URL, mocktest.IsolarStaticCode); code != "2" {
				t.Errorf("the second exchange: got %s, want the scenario's 2", code)
			}
			reqs := s.Requests("isolar.token")
			if len(reqs) != 2 || reqs[0].Session != s.Name || reqs[1].Rule == "" {
				t.Errorf("got %+v, want this session's two exchanges, the second under its scenario", reqs)
			}
		})
	}
	if reqs := mock.Default(t).Requests(""); len(reqs) != 0 {
		t.Errorf("the default session: got %d requests, want none", len(reqs))
	}
}

// SessionNamed takes the name as it is and refuses one the mock would.
func TestSessionNamed(t *testing.T) {
	mock := mocktest.Start(t)
	if s := mock.SessionNamed(t, "login"); s.Name != "login" || s.URL != mock.URL+"/s/login" {
		t.Errorf("got %q at %s", s.Name, s.URL)
	}
	for _, bad := range []string{"a/b", ".", "..", "...", "", strings.Repeat("x", 65), "ü"} {
		rec := &recTB{TB: t}
		if run(func() { mock.SessionNamed(rec, bad) }) || !strings.Contains(rec.failures(), "want 1 to 64 of [A-Za-z0-9._~-]") {
			t.Errorf("%q: got %q, want the test failed", bad, rec.failures())
		}
	}
	var msg any
	func() {
		defer func() { msg = recover() }()
		mock.SessionNamed(nil, "x").UseScenario("no-such-scenario")
	}()
	if s, _ := msg.(string); !strings.Contains(s, "unknown scenario") {
		t.Errorf("no test: got %v, want a panic with the admin error", msg)
	}
}

// A bad option fails Start; New returns the error.
func TestStartFails(t *testing.T) {
	rec := &recTB{TB: t}
	if run(func() { mocktest.Start(rec, mocktest.WithScenario("nope")) }) || !strings.Contains(rec.failures(), "unknown scenario") {
		t.Errorf("got %q, want the test failed", rec.failures())
	}
	if _, err := mocktest.New(mocktest.WithScenario("nope")); err == nil {
		t.Error("New with an unknown scenario: got no error")
	}
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
	s := mock.Session(t)
	_, tok := isolarPost(s.URL, "/openapi/apiManage/token", "", isolarCodeBody(mocktest.IsolarStaticCode))
	access, _ := tok["access_token"].(string)

	before := s.Clock().Now
	in := s.Introspect(access)
	after := s.ExpireToken(access).Now
	if !in.Active || after.Sub(in.ExpiresAt) < time.Second || after.Sub(before) < 48*time.Hour {
		t.Errorf("got clock %v → %v for a token expiring at %v (active %v), want just past its expiry", before, after, in.ExpiresAt, in.Active)
	}
	if s.Introspect(access).Active {
		t.Error("after ExpireToken: got the token active, want it expired")
	}
	if again := s.ExpireToken(access).Now; again.Sub(after) > time.Minute {
		t.Errorf("an expired token: got the clock moved to %v, want it left at %v", again, after)
	}

	rec := &recTB{TB: t}
	if run(func() { mock.Session(rec).ExpireToken("nope") }) || !strings.Contains(rec.failures(), `no token "nope"`) {
		t.Errorf("unknown token: got %q, want the test failed", rec.failures())
	}
}

// FreezeClock stops the session's clock until UnfreezeClock.
func TestFreezeClock(t *testing.T) {
	mock := mocktest.Start(t)
	s := mock.Session(t)
	frozen := s.FreezeClock()
	if !frozen.Frozen || !s.Clock().Now.Equal(frozen.Now) || !s.Clock().Frozen {
		t.Errorf("frozen at %+v: got %+v, want the same time", frozen, s.Clock())
	}
	if c := s.AdvanceClock(time.Hour); !c.Frozen || !c.Now.Equal(frozen.Now.Add(time.Hour)) {
		t.Errorf("advanced while frozen: got %+v, want %v and still frozen", c, frozen.Now.Add(time.Hour))
	}
	if c := s.UnfreezeClock(); c.Frozen || s.Clock().Frozen {
		t.Errorf("UnfreezeClock: got %+v", c)
	}
	if mock.Default(t).Clock().Frozen {
		t.Error("the default session: got its clock frozen too")
	}
}

// A failed exchange is journalled with the failure's name and reason.
func TestRequestFailure(t *testing.T) {
	mock := mocktest.Start(t)
	s := mock.Session(t)
	isolarExchange(s.URL, "nOsUcH")
	isolarExchange(s.URL, mocktest.IsolarStaticCode)
	reqs := s.Requests("isolar.token")
	if len(reqs) != 2 || reqs[0].Failure != "invalid_code" || !strings.Contains(reqs[0].Reason, "nOsUcH") || reqs[1].Failure != "" || reqs[1].Reason != "" {
		t.Errorf("got %+v, want the first failed with invalid_code and why, the second not", reqs)
	}
}

// A request with more headers than the journal keeps says how many it
// dropped.
func TestRequestHeadersDropped(t *testing.T) {
	mock := mocktest.Start(t)
	s := mock.Session(t)
	h := map[string]string{"x-access-key": mocktest.IsolarSecretKey}
	for i := range 70 {
		h[fmt.Sprintf("X-Extra-%02d", i)] = "v"
	}
	testkit.Do(t, "POST", s.URL+"/openapi/apiManage/token", h, `{}`)
	reqs := s.Requests("isolar.token")
	if len(reqs) != 1 || reqs[0].HeadersDropped == 0 || len(reqs[0].Headers)+reqs[0].HeadersDropped < 71 {
		t.Errorf("got %+v, want one request with the dropped headers counted", reqs)
	}
}

// A DI code needs only the client: the user, the redirect and the scope
// default as CodeRequest says.
func TestMintCodeDefaults(t *testing.T) {
	mock := mocktest.Start(t)
	s := mock.Session(t)
	code := s.MintCode(mocktest.CodeRequest{Vendor: "oauth", ClientID: mocktest.DIClientID})
	resp, err := http.PostForm(s.URL+"/oauth/token", map[string][]string{
		"grant_type": {"authorization_code"}, "code": {code}, // no redirect_uri: the code binds none
		"client_id": {mocktest.DIClientID}, "client_secret": {mocktest.DIClientSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct{ Scope, AccessToken string }
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	json.Unmarshal(b, &tok)
	if resp.StatusCode != 200 || tok.Scope != mocktest.DIScope {
		t.Errorf("got %d %s, want a token for scope %s", resp.StatusCode, b, mocktest.DIScope)
	}
	if in := s.Introspect(jsonField(b, "access_token")); in.User != mocktest.DIUser || in.Client != mocktest.DIClientID {
		t.Errorf("got %+v, want the token of %s for %s", in, mocktest.DIUser, mocktest.DIClientID)
	}
	isolar := s.MintCode(mocktest.CodeRequest{Vendor: "isolar", AppKey: mocktest.IsolarAppKey})
	if code, _ := isolarExchange(s.URL, isolar); code != "1" {
		t.Errorf("an iSolarCloud code with only the app: got %s, want 1", code)
	}
}

func jsonField(b []byte, key string) string {
	var m map[string]any
	json.Unmarshal(b, &m)
	s, _ := m[key].(string)
	return s
}

// outTB catches what a test writes to its output.
type outTB struct {
	testing.TB
	out testkit.Buffer
}

func (o *outTB) Output() io.Writer { return &o.out }

// Start's mock logs to the test's output; WithLogLevel and WithLogger
// change that.
func TestLog(t *testing.T) {
	info := &outTB{TB: t}
	s := mocktest.Start(info).SessionNamed(t, "logged")
	isolarExchange(s.URL, "nOsUcH")
	if got := info.out.String(); !strings.Contains(got, "msg=request") || !strings.Contains(got, "session=logged") {
		t.Errorf("test output: got %q, want the request's line", got)
	}

	quiet := &outTB{TB: t}
	isolarExchange(mocktest.Start(quiet, mocktest.WithLogLevel(slog.LevelError)).URL, "nOsUcH")
	if got := quiet.out.String(); strings.Contains(got, "msg=request") {
		t.Errorf("at level error: got %q, want no request lines", got)
	}

	var elsewhere testkit.Buffer
	other := &outTB{TB: t}
	isolarExchange(mocktest.Start(other, mocktest.WithLogger(slog.New(slog.NewJSONHandler(&elsewhere, nil)))).URL, "nOsUcH")
	if !strings.Contains(elsewhere.String(), `"msg":"request"`) || other.out.String() != "" {
		t.Errorf("WithLogger: got %q there and %q in the test's output", elsewhere.String(), other.out.String())
	}
}
