package oauth_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/oauth"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// The DI page's client and user (default fixtures).
const (
	clientID = "2aeb5a5eac1100043817950ada19e0f5"
	secret   = "ew3c6b0eac111239342wecf26736439"
	cb       = "http://localhost:8080"
)

func defaults(t *testing.T) *fixture.OAuth {
	t.Helper()
	all, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	return all.OAuth
}

type env struct {
	t   *testing.T
	srv *testkit.Server
	// browser keeps cookies and never follows redirects, like a test
	// driving the pages by hand.
	browser *http.Client
	svc     *noting
}

func newEnv(t *testing.T, fx *fixture.OAuth) *env {
	t.Helper()
	if fx == nil {
		fx = defaults(t)
	}
	svc := &noting{}
	srv := testkit.Serve(t, "", func(deps mock.Deps) []mock.Vendor {
		svc.Service = oauth.New(fx, deps)
		return []mock.Vendor{svc}
	})
	jar, _ := cookiejar.New(nil)
	return &env{t, srv, &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, svc}
}

type reply struct {
	status int
	header http.Header
	body   string
}

func (e *env) send(method, path string, header map[string]string, body string) reply {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := e.browser.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, string(b)}
}

var formType = map[string]string{"Content-Type": "application/x-www-form-urlencoded"}

// authorizeURL is the seed's authorize request with extra parameters.
func authorizeURL(extra string) string {
	return "/oauth/authorize?client_id=" + clientID + "&redirect_uri=" + cb + "&response_type=code&scope=read_cn" + extra
}

// code runs authorize (as mock_user demo) and approval, and returns the code.
func (e *env) code(extra string) string {
	e.t.Helper()
	r := e.send("GET", authorizeURL(extra+"&mock_user=demo"), nil, "")
	if r.status == http.StatusOK {
		r = e.send("POST", "/oauth/authorize", formType, "user_oauth_approval=true&scope.read_cn=true&authorize=Authorize")
	}
	loc, err := url.Parse(r.header.Get("Location"))
	if r.status != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
		e.t.Fatalf("authorize: got %d %q, want a redirect with a code", r.status, r.header.Get("Location"))
	}
	return loc.Query().Get("code")
}
