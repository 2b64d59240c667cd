// Package mocktest runs tokenmock inside a Go test: the mock of the
// iSolarCloud, SOLARMAN and DI token endpoints on a random loopback port,
// stopped with the test, and helpers for the admin calls (sessions,
// scenarios, the clock, codes, the request journal).
//
//	func TestLogin(t *testing.T) {
//		mock := mocktest.Start(t)
//		s := mock.Session("login")            // parallel tests use their own sessions
//		s.UseScenario("isolar-code-reused")  // a failing admin call fails the test
//		client := myclient.New(s.URL)        // the client only needs a base URL
//		...
//	}
package mocktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/app"
)

type options struct{ cfg app.Config }

// Option configures a mock.
type Option func(*options)

// WithFixtures replaces the default fixtures with a YAML file or folder.
func WithFixtures(path string) Option { return func(o *options) { o.cfg.Fixtures = path } }

// WithScenarios adds a scenario YAML file or folder to the library.
func WithScenarios(path string) Option { return func(o *options) { o.cfg.Scenarios = path } }

// WithScenario makes a scenario active in every session from the start.
func WithScenario(name string) Option { return func(o *options) { o.cfg.Scenario = name } }

// WithAdminToken guards the admin API; the helpers send the token.
func WithAdminToken(token string) Option { return func(o *options) { o.cfg.AdminToken = token } }

// WithSeed makes probabilistic rules reproducible.
func WithSeed(seed uint64) Option { return func(o *options) { o.cfg.Seed = seed } }

// Server is a running mock.
type Server struct {
	// URL is the base URL of the default session, e.g. http://127.0.0.1:41234.
	URL   string
	srv   *httptest.Server
	token string
	t     failer // where a failing helper reports
}

// failer is the part of testing.TB the helpers need.
type failer interface {
	Helper()
	Fatalf(format string, args ...any)
}

// panicker reports a failing helper of a mock made with New.
type panicker struct{}

func (panicker) Helper()                           {}
func (panicker) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// New starts a mock; Close stops it. Tests use Start instead; with New, a
// failing helper panics.
func New(opts ...Option) (*Server, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	o.cfg.Version = "mocktest"
	a, err := app.New(o.cfg)
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(a)
	return &Server{URL: srv.URL, srv: srv, token: o.cfg.AdminToken, t: panicker{}}, nil
}

// Start starts a mock that stops when the test ends; a bad option fails
// the test.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := New(opts...)
	if err != nil {
		t.Fatalf("mocktest: %v", err)
	}
	s.t = t
	t.Cleanup(s.Close)
	return s
}

// Close stops the mock.
func (s *Server) Close() { s.srv.Close() }

// Client is an HTTP client for the mock.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Session is one test session of the mock: its own codes, tokens, clock,
// scenario and counters. Its URL carries the session in the path, so a
// client that only takes a base URL stays in it.
type Session struct {
	// Name is the session's name; URL is its base URL (…/s/Name).
	Name, URL string
	s         *Server
}

// Session returns the named session (created on first use).
func (s *Server) Session(name string) *Session {
	return &Session{Name: name, URL: s.URL + "/s/" + name, s: s}
}

// Default is the session of requests that name none.
func (s *Server) Default() *Session { return &Session{Name: "default", URL: s.URL, s: s} }

// admin calls the admin API in the session and decodes the answer into out.
func (se *Session) admin(method, path, contentType string, body any, want int, out any) {
	t := se.s.t
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("mocktest: %v", err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, se.s.URL+"/_mock"+path, rd)
	if err != nil {
		t.Fatalf("mocktest: %v", err)
	}
	req.Header.Set("X-Mock-Session", se.Name)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if se.s.token != "" {
		req.Header.Set("Authorization", "Bearer "+se.s.token)
	}
	resp, err := se.s.Client().Do(req)
	if err != nil {
		t.Fatalf("mocktest: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("mocktest: %s /_mock%s: got %d %s, want %d", method, path, resp.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("mocktest: %s /_mock%s: %v", method, path, err)
		}
	}
}

// UseScenario activates a library scenario for the session, with fresh
// counters.
func (se *Session) UseScenario(name string) {
	se.s.t.Helper()
	se.admin("PUT", "/scenario", "", map[string]string{"name": name}, http.StatusOK, nil)
}

// UseScenarioYAML activates a whole scenario given as YAML; a problem in it
// fails the test with every problem's line.
func (se *Session) UseScenarioYAML(yaml string) {
	se.s.t.Helper()
	se.admin("PUT", "/scenario", "application/yaml", yaml, http.StatusOK, nil)
}

// ClearScenario deactivates the session's scenario.
func (se *Session) ClearScenario() {
	se.s.t.Helper()
	se.admin("DELETE", "/scenario", "", nil, http.StatusOK, nil)
}

// Clock is the session's clock.
type Clock struct {
	Now    time.Time `json:"now"`
	Offset string    `json:"offset"`
}

// AdvanceClock moves the session's clock forward; tokens expire by it.
func (se *Session) AdvanceClock(d time.Duration) Clock {
	se.s.t.Helper()
	var c Clock
	se.admin("POST", "/clock", "", map[string]string{"advance": d.String()}, http.StatusOK, &c)
	return c
}

// Clock reads the session's clock.
func (se *Session) Clock() Clock {
	se.s.t.Helper()
	var c Clock
	se.admin("GET", "/clock", "", nil, http.StatusOK, &c)
	return c
}

// ExpireToken moves the session's clock one second past the expiry of an
// access token of the session, so that the token's next use meets the
// vendor's "token expired" answer. It fails the test for a token the mock
// does not know or that never expires.
func (se *Session) ExpireToken(token string) Clock {
	se.s.t.Helper()
	in := se.Introspect(token)
	if in.ExpiresAt.IsZero() {
		se.s.t.Fatalf("mocktest: ExpireToken: the session has no token %q that expires", token)
		return Clock{}
	}
	now := se.Clock().Now
	if left := in.ExpiresAt.Sub(now); left >= 0 {
		return se.AdvanceClock(left + time.Second)
	}
	return se.Clock()
}

// SetClock sets the session's clock; it keeps running from there.
func (se *Session) SetClock(at time.Time) Clock {
	se.s.t.Helper()
	var c Clock
	se.admin("POST", "/clock", "", map[string]string{"set": at.Format(time.RFC3339Nano)}, http.StatusOK, &c)
	return c
}

// Reset puts the session's clock, scenario and counters back.
func (se *Session) Reset() {
	se.s.t.Helper()
	se.admin("POST", "/reset", "", nil, http.StatusOK, nil)
}

// CodeRequest asks for an authorization code without a browser. Vendor is
// "isolar" (AppKey) or "oauth" (ClientID, Scope); the rest is optional.
type CodeRequest struct {
	Vendor      string `json:"vendor"`
	AppKey      string `json:"appkey,omitempty"`
	ClientID    string `json:"client_id,omitempty"`
	User        string `json:"user,omitempty"`
	RedirectURI string `json:"redirect_uri,omitempty"`
	Scope       string `json:"scope,omitempty"`
	Code        string `json:"code,omitempty"`
}

// MintCode mints a code in the session, bound as a browser-issued one.
func (se *Session) MintCode(req CodeRequest) string {
	se.s.t.Helper()
	var out struct{ Code string }
	se.admin("POST", "/codes", "", req, http.StatusCreated, &out)
	return out.Code
}

// Introspection describes a token.
type Introspection struct {
	Active    bool      `json:"active"`
	Vendor    string    `json:"vendor"`
	Kind      string    `json:"kind"`
	Client    string    `json:"client"`
	User      string    `json:"user"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Introspect tells whether a token of the session is active, and whose.
func (se *Session) Introspect(token string) Introspection {
	se.s.t.Helper()
	var in Introspection
	se.admin("POST", "/introspect", "", map[string]string{"token": token}, http.StatusOK, &in)
	return in
}

// Request is one journalled vendor request.
type Request struct {
	ID           uint64            `json:"id"`
	Time         time.Time         `json:"time"`
	Session      string            `json:"session"`
	Endpoint     string            `json:"endpoint"`
	Method       string            `json:"method"`
	Path         string            `json:"path"`
	Query        string            `json:"query"`
	Headers      map[string]string `json:"headers"`
	Body         string            `json:"body"`
	Status       int               `json:"status"`
	ResponseBody string            `json:"response_body"`
	Rule         string            `json:"rule"`
	DurationMS   float64           `json:"duration_ms"`
}

// Requests lists the session's requests, oldest first; endpoint, when not
// empty, keeps only that endpoint's.
func (se *Session) Requests(endpoint string) []Request {
	se.s.t.Helper()
	var out struct{ Requests []Request }
	path := fmt.Sprintf("/requests?session=%s", se.Name)
	if endpoint != "" {
		path += "&endpoint=" + endpoint
	}
	se.admin("GET", path, "", nil, http.StatusOK, &out)
	return out.Requests
}
