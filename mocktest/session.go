package mocktest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/ids"
	"github.com/tokenmock/tokenmock/internal/session"
)

// Session is one test session of the mock: its own codes, tokens, clock,
// scenario and counters. Its URL carries the session in the path, so a
// client that only takes a base URL stays in it. Its helpers report to
// the test it is bound to: a failing one fails that test, and only it.
type Session struct {
	// Name is the session's name; URL is its base URL (…/s/Name).
	Name, URL string
	s         *Server
	t         failer
}

// MaxNameLen is the longest session name the mock takes; a name is 1 to
// MaxNameLen of [A-Za-z0-9._~-], not made only of dots.
const MaxNameLen = session.MaxNameLen

// Session returns the session of test t, named after t.Name(), with every
// helper reporting to t: a failing helper fails t (a subtest, parallel or
// not) and never its parent. The same test gets the same session.
//
// A name the mock would refuse is made safe: '/' becomes '.', any other
// character outside [A-Za-z0-9._~-] becomes '_', and then, so that two
// tests never share a session, a hash of the full name is added, the name
// cut short to fit 64 characters: subtest "rate limited" of TestLogin is
// session "TestLogin.rate_limited-4f1c0a9e". On a mock from Connect the
// handle's Tag is added as well.
func (s *Server) Session(t testing.TB) *Session {
	t.Helper()
	room := MaxNameLen
	if s.tag != "" {
		room -= len(s.tag) + 1
	}
	name := sessionName(t.Name(), room)
	if s.tag != "" {
		name += "-" + s.tag
	}
	return &Session{Name: name, URL: s.URL + "/s/" + name, s: s, t: t}
}

// SessionNamed returns the session name (created on first use), with
// every helper reporting to t; a name the mock refuses (outside
// [A-Za-z0-9._~-]{1,64}, or only dots) fails t at once. With t nil (code without a test, such as
// examples) a failing helper panics. The name is taken as it is, also on
// a mock from Connect: what earlier runs left in that session stays.
func (s *Server) SessionNamed(t testing.TB, name string) *Session {
	f := failerOf(t)
	f.Helper()
	if err := session.NameError(name); err != nil {
		f.Fatalf("mocktest: %v (Session(t) makes one from the test's name)", err)
		return nil
	}
	return &Session{Name: name, URL: s.URL + "/s/" + name, s: s, t: f}
}

// Default is the session of requests that name none (URL is the mock's
// own), with every helper reporting to t (t nil: a failing helper
// panics). On a mock from Connect every client of the mock shares it.
func (s *Server) Default(t testing.TB) *Session {
	return &Session{Name: "default", URL: s.URL, s: s, t: failerOf(t)}
}

// sessionName is the session name that Session gives a test named
// testName, at most limit characters long (limit at least 10): testName
// itself when the mock takes it, else a safe form of it with a hash of
// testName.
func sessionName(testName string, limit int) string {
	var b strings.Builder
	changed := false
	for _, r := range testName {
		switch {
		case ids.Unreserved(string(r), 1):
			b.WriteRune(r)
		case r == '/':
			b.WriteByte('.')
			changed = true
		default:
			b.WriteByte('_')
			changed = true
		}
	}
	out := b.String()
	if !changed && len(out) <= limit && session.ValidName(out) {
		return out
	}
	sum := sha256.Sum256([]byte(testName))
	suffix := "-" + hex.EncodeToString(sum[:4])
	if cut := limit - len(suffix); len(out) > cut {
		out = out[:max(cut, 0)]
	}
	return out + suffix
}

// admin calls the admin API in the session and decodes the answer into out.
func (se *Session) admin(method, path, contentType string, body any, want int, out any) {
	t := se.t
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("mocktest: %v", err)
			return
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, se.s.URL+"/_mock"+path, rd)
	if err != nil {
		t.Fatalf("mocktest: %v", err)
		return
	}
	req.Header.Set("X-Mock-Session", se.Name)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if se.s.token != "" {
		req.Header.Set("Authorization", "Bearer "+se.s.token)
	}
	resp, err := se.s.client.Do(req)
	if err != nil {
		t.Fatalf("mocktest: %s /_mock%s: %v", method, path, err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("mocktest: %s /_mock%s (session %s): got %d %s, want %d", method, path, se.Name, resp.StatusCode, b, want)
		return
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
	se.t.Helper()
	se.admin("PUT", "/scenario", "", map[string]string{"name": name}, http.StatusOK, nil)
}

// UseScenarioYAML activates a whole scenario given as YAML; a problem in it
// fails the test with every problem's line. It is the way to bring a
// scenario to a running mock whose library lacks it (Connect).
func (se *Session) UseScenarioYAML(yaml string) {
	se.t.Helper()
	se.admin("PUT", "/scenario", "application/yaml", yaml, http.StatusOK, nil)
}

// ClearScenario deactivates the session's scenario.
func (se *Session) ClearScenario() {
	se.t.Helper()
	se.admin("DELETE", "/scenario", "", nil, http.StatusOK, nil)
}

// Clock is the session's clock. Unless frozen it keeps running from where
// SetClock and AdvanceClock put it.
type Clock struct {
	Now    time.Time `json:"now"`
	Offset string    `json:"offset"` // from the real time, a Go duration
	Frozen bool      `json:"frozen"` // FreezeClock stopped it
}

// FreezeClock stops the session's clock where it is: it shows the same
// time until SetClock or AdvanceClock move it, UnfreezeClock lets it run
// again, or Reset.
func (se *Session) FreezeClock() Clock {
	se.t.Helper()
	var c Clock
	se.admin("POST", "/clock", "", map[string]bool{"freeze": true}, http.StatusOK, &c)
	return c
}

// UnfreezeClock lets the session's clock run again from the time it shows.
func (se *Session) UnfreezeClock() Clock {
	se.t.Helper()
	var c Clock
	se.admin("POST", "/clock", "", map[string]bool{"freeze": false}, http.StatusOK, &c)
	return c
}

// AdvanceClock moves the session's clock forward; tokens expire by it.
func (se *Session) AdvanceClock(d time.Duration) Clock {
	se.t.Helper()
	var c Clock
	se.admin("POST", "/clock", "", map[string]string{"advance": d.String()}, http.StatusOK, &c)
	return c
}

// Clock reads the session's clock.
func (se *Session) Clock() Clock {
	se.t.Helper()
	var c Clock
	se.admin("GET", "/clock", "", nil, http.StatusOK, &c)
	return c
}

// ExpireToken moves the session's clock one second past the expiry of an
// access token of the session, so that the token's next use meets the
// vendor's "token expired" answer. It fails the test for a token the mock
// does not know or that never expires.
func (se *Session) ExpireToken(token string) Clock {
	se.t.Helper()
	in := se.Introspect(token)
	if in.ExpiresAt.IsZero() {
		se.t.Fatalf("mocktest: ExpireToken: the session has no token %q that expires", token)
		return Clock{}
	}
	now := se.Clock().Now
	if left := in.ExpiresAt.Sub(now); left >= 0 {
		return se.AdvanceClock(left + time.Second)
	}
	return se.Clock()
}

// SetClock sets the session's clock; it keeps running from there unless
// frozen.
func (se *Session) SetClock(at time.Time) Clock {
	se.t.Helper()
	var c Clock
	se.admin("POST", "/clock", "", map[string]string{"set": at.Format(time.RFC3339Nano)}, http.StatusOK, &c)
	return c
}

// Reset puts the session's clock (running again), scenario and counters
// back.
func (se *Session) Reset() {
	se.t.Helper()
	se.admin("POST", "/reset", "", nil, http.StatusOK, nil)
}

// CodeRequest asks for an authorization code without a browser, bound as
// the vendor's consent page would bind it.
//
// Vendor "isolar" (iSolarCloud) needs AppKey; User (an account, default
// the fixtures' first user) and RedirectURI (default the app's first
// registered one) are optional.
//
// Vendor "oauth" (DI) needs ClientID; User (default the fixtures'
// default_user, else the first user), RedirectURI (default the client's
// first registered one; the code then binds no redirect_uri, as when an
// authorize request sends none, so the token request may omit it) and
// Scope (space-separated; default every scope of the client) are
// optional.
//
// Code, when set, is the code's value (1 to 64 of [A-Za-z0-9._~-]);
// otherwise the mock draws one. SOLARMAN has no codes.
type CodeRequest struct {
	Vendor      string `json:"vendor"`
	AppKey      string `json:"appkey,omitempty"`
	ClientID    string `json:"client_id,omitempty"`
	User        string `json:"user,omitempty"`
	RedirectURI string `json:"redirect_uri,omitempty"`
	Scope       string `json:"scope,omitempty"`
	Code        string `json:"code,omitempty"`
}

// MintCode mints a code in the session, bound as a browser-issued one; a
// request the mock refuses fails the test with every problem.
func (se *Session) MintCode(req CodeRequest) string {
	se.t.Helper()
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
	se.t.Helper()
	var in Introspection
	se.admin("POST", "/introspect", "", map[string]string{"token": token}, http.StatusOK, &in)
	return in
}

// Request is one journalled vendor request.
type Request struct {
	ID       uint64    `json:"id"`
	Time     time.Time `json:"time"`
	Session  string    `json:"session"`
	Endpoint string    `json:"endpoint"`
	Method   string    `json:"method"`
	Path     string    `json:"path"`
	Query    string    `json:"query"`
	// Headers maps each header's canonical name to its value; the journal
	// joins a repeated header's values with ", " (one value then holds
	// them all) and shows secrets as "***".
	Headers map[string]string `json:"headers"`
	// HeadersDropped counts the headers the journal did not keep (it
	// keeps at most 64 per request, in name order).
	HeadersDropped int    `json:"headers_dropped,omitempty"`
	Body           string `json:"body"`
	Status         int    `json:"status"`
	ResponseBody   string `json:"response_body"`
	Rule           string `json:"rule"` // the scenario rule that acted, "" for none
	// Failure is the failure's name in the vendor's catalogue (as a
	// scenario names it, e.g. "invalid_code") when the mock answered with
	// one, also with HTTP 200; Reason says why, e.g. "code rFrnww2
	// unknown in session default". Both are "" for a success.
	Failure    string  `json:"failure"`
	Reason     string  `json:"reason"`
	DurationMS float64 `json:"duration_ms"`
}

// ClearRequests forgets the session's journalled requests (other
// sessions' stay).
func (se *Session) ClearRequests() {
	se.t.Helper()
	se.admin("DELETE", "/requests", "", nil, http.StatusOK, nil)
}

// Requests lists the session's requests, oldest first (every one the
// journal keeps: limit=0); endpoint, when not empty, keeps only that
// endpoint's.
func (se *Session) Requests(endpoint string) []Request {
	se.t.Helper()
	var out struct{ Requests []Request }
	q := url.Values{"session": {se.Name}, "limit": {"0"}}
	if endpoint != "" {
		q.Set("endpoint", endpoint)
	}
	se.admin("GET", "/requests?"+q.Encode(), "", nil, http.StatusOK, &out)
	return out.Requests
}
