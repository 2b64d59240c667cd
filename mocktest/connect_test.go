package mocktest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/app"
	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
	"github.com/tokenmock/tokenmock/mocktest"
)

// running starts a mock as a Compose service would be: another server,
// which the test reaches only by its URL.
func running(t *testing.T, cfg app.Config) string {
	t.Helper()
	a, err := app.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(apicheck.Wrap(t, a))
	t.Cleanup(srv.Close)
	return srv.URL
}

// Connect drives the running mock: what it does is seen there, what is
// done there is seen through it, and closing it leaves the mock running.
func TestConnect(t *testing.T) {
	url := running(t, app.Config{AdminToken: "s3cret"})
	mock := mocktest.Connect(t, url+"/", mocktest.WithAdminToken("s3cret"))
	if mock.URL != url || mock.Tag() == "" {
		t.Fatalf("got URL %s and tag %q, want %s and a tag", mock.URL, mock.Tag(), url)
	}

	// A request made straight at the server shows in the session's journal.
	s := mock.SessionNamed(t, "seen")
	if code, _ := isolarExchange(url+"/s/seen", "nOsUcH"); code != "2" {
		t.Errorf("straight at the server: got %s, want 2", code)
	}
	if reqs := s.Requests("isolar.token"); len(reqs) != 1 || reqs[0].Failure != "invalid_code" {
		t.Errorf("through Connect: got %+v, want the request made straight at the server", reqs)
	}

	// A scenario set through Connect acts on requests made straight at it.
	mine := mock.Session(t)
	if !strings.HasPrefix(mine.Name, "TestConnect-") || !strings.HasSuffix(mine.Name, "-"+mock.Tag()) {
		t.Errorf("Session(t) on Connect: got %q, want the test's name and the tag", mine.Name)
	}
	mine.UseScenario("isolar-code-reused")
	isolarExchange(url+"/s/"+mine.Name, mocktest.IsolarStaticCode)
	if code, _ := isolarExchange(url+"/s/"+mine.Name, mocktest.IsolarStaticCode); code != "2" {
		t.Errorf("straight at the server: got %s, want the scenario set through Connect", code)
	}
	if reqs := mine.Requests(""); len(reqs) != 2 || reqs[1].Rule == "" {
		t.Errorf("got %+v, want the two exchanges, the second under the scenario", reqs)
	}
	mine.ClearScenario()
	code := mine.MintCode(mocktest.CodeRequest{Vendor: "isolar", AppKey: mocktest.IsolarAppKey})
	mock.Close()
	if got, _ := isolarExchange(url+"/s/"+mine.Name, code); got != "1" {
		t.Errorf("after Close: got %s, want the mock still running and the code minted through Connect good", got)
	}

	// Another handle gets another tag: two runs never share a session.
	if other := mocktest.Connect(t, url, mocktest.WithAdminToken("s3cret")); other.Session(t).Name == mine.Name {
		t.Errorf("two handles: got the same session %q", mine.Name)
	}
}

func TestConnectFails(t *testing.T) {
	url := running(t, app.Config{})
	for _, c := range []struct {
		url  string
		opts []mocktest.Option
		want string
	}{
		{url, []mocktest.Option{mocktest.WithFixtures("x.yaml"), mocktest.WithLogger(nil)}, "WithFixtures, WithLogger configure a mock that mocktest starts"},
		{"http://127.0.0.1:1", nil, "no tokenmock at http://127.0.0.1:1"},
		{url + "/nothing", nil, "GET /_mock/health got 404"},
	} {
		rec := &recTB{TB: t}
		if run(func() { mocktest.Connect(rec, c.url, c.opts...) }) || !strings.Contains(rec.failures(), c.want) {
			t.Errorf("%s: got %q, want %q", c.url, rec.failures(), c.want)
		}
	}
	// Without the admin token the first helper fails, with the mock's word.
	locked := running(t, app.Config{AdminToken: "s3cret"})
	rec := &recTB{TB: t}
	if run(func() { mocktest.Connect(rec, locked).Session(rec).Reset() }) || !strings.Contains(rec.failures(), "missing or wrong admin token") {
		t.Errorf("no admin token: got %q", rec.failures())
	}
}

// FromEnv connects to $TOKENMOCK_URL when set, else starts a mock.
func TestFromEnv(t *testing.T) {
	url := running(t, app.Config{AdminToken: "s3cret"})
	t.Setenv(mocktest.EnvURL, url)
	t.Setenv(mocktest.EnvAdminToken, "s3cret")
	mock := mocktest.FromEnv(t, mocktest.WithScenarios("does-not-matter"))
	if mock.URL != url {
		t.Errorf("with %s set: got %s, want %s", mocktest.EnvURL, mock.URL, url)
	}
	mock.Session(t).Reset() // the token from the environment

	t.Setenv(mocktest.EnvURL, "")
	started := mocktest.FromEnv(t, mocktest.WithAdminToken("other"))
	if started.URL == url || started.Tag() != "" {
		t.Errorf("without %s: got %s, want a mock of its own", mocktest.EnvURL, started.URL)
	}
	started.Session(t).Reset()
	resp, err := http.Get(started.URL + "/_mock/clock")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the started mock without its token: got %d, want 401", resp.StatusCode)
	}
}
