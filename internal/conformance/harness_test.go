package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/app"
	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/scenario"
	"github.com/tokenmock/tokenmock/internal/server"
	"github.com/tokenmock/tokenmock/internal/session"
	"github.com/tokenmock/tokenmock/internal/testkit"
	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
)

// mockServer is every vendor of the default fixtures, the scenario engine
// and the admin API, served on a loopback listener with a clock that moves
// only when a session's is moved, and seeded ids.
type mockServer struct {
	url      string
	clock    *testkit.Clock
	sessions *session.Registry
	routes   []mock.Routes // every vendor's bound table, as the server mounted it
	panics   *testkit.ErrorLog
	next     atomic.Int64
}

func startServer(t *testing.T) *mockServer {
	t.Helper()
	fx, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	clock := testkit.NewClock()
	panics := &testkit.ErrorLog{}
	log := slog.New(panics)
	vendors, err := app.Vendors(fx, mock.Deps{Now: session.Clock{Wall: clock.Now}.Now, IDs: testkit.IDs(), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	m := &mockServer{clock: clock, sessions: session.NewRegistry(clock.Now), panics: panics}
	for _, v := range vendors {
		m.routes = append(m.routes, v.Routes())
	}
	h := server.New(server.Config{
		Vendors: vendors, Sessions: m.sessions, Log: log, Version: "test",
		Scenarios: scenario.NewEngine(app.Catalogue(), 1),
	})
	srv := httptest.NewServer(apicheck.Wrap(t, h))
	// Close waits for every handler: a hang the server never lets go of
	// would hold it (for scenario.HangLimit), so give up on it after a while.
	t.Cleanup(func() {
		closed := make(chan struct{})
		go func() {
			srv.Close()
			close(closed)
		}()
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Errorf("server close: still serving after 5s, want every request finished: a hung request was not released when its client left")
		}
		// A recovered panic is answered like an ordinary vendor failure;
		// only the log tells.
		if msgs := panics.Take(); len(msgs) > 0 {
			t.Errorf("handlers panicked:\n%s", strings.Join(msgs, "\n"))
		}
	})
	m.url = srv.URL
	return m
}

// route is one row of a table with the vendor it belongs to.
type route struct {
	vendor mock.Routes
	mock.Route
}

// rows lists every row of every table.
func (m *mockServer) rows() []route {
	var out []route
	for _, r := range m.routes {
		for _, e := range r.Endpoints {
			out = append(out, route{r, e})
		}
	}
	return out
}

// tableOf is the bound table that declares endpoint id.
func (m *mockServer) tableOf(id string) mock.Routes {
	for _, r := range m.routes {
		for _, e := range r.Endpoints {
			if e.ID == id {
				return r
			}
		}
	}
	return mock.Routes{}
}

// client is one test's session on the server, with its own HTTP client: no
// keep-alive (so no request is ever retried on a reused connection), no
// redirects followed, and a cookie jar.
type client struct {
	t      *testing.T
	srv    *mockServer
	name   string
	client *http.Client
}

func (m *mockServer) session(t *testing.T) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &client{
		t: t, srv: m,
		name: fmt.Sprintf("conformance-%d", m.next.Add(1)),
		client: &http.Client{
			Transport:     tr,
			Jar:           jar,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Timeout:       10 * time.Second,
		},
	}
}

// request builds a request of the session.
func (s *client) request(method, path string, header map[string]string, body string) *http.Request {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.srv.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	req.Header.Set("X-Mock-Session", s.name)
	return req
}

// answer is a whole HTTP answer and how long it took.
type answer struct {
	status  int
	header  http.Header
	body    []byte
	elapsed time.Duration
}

// send sends req with c and reads the whole answer.
func (s *client) send(c *http.Client, req *http.Request) (answer, error) {
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return answer{elapsed: time.Since(start)}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b, time.Since(start)}, err
}

// must sends req with the session's client and fails the test on any error.
func (s *client) must(req *http.Request) answer {
	s.t.Helper()
	a, err := s.send(s.client, req)
	if err != nil {
		s.t.Fatalf("%s %s: got error %v, want a whole answer", req.Method, req.URL.Path, err)
	}
	return a
}

// admin sends an admin call of the session and wants status back.
func (s *client) admin(method, path, body string, status int) answer {
	s.t.Helper()
	a := s.must(s.request(method, path, nil, body))
	if a.status != status {
		s.t.Fatalf("%s %s: got %d %s, want %d", method, path, a.status, a.body, status)
	}
	return a
}

// activate makes scenario (YAML) active in the session and returns the
// admin answer.
func (s *client) activate(scenario string) answer {
	s.t.Helper()
	return s.must(s.request("PUT", "/_mock/scenario", map[string]string{"Content-Type": "application/yaml"}, scenario))
}

// mustActivate is activate that wants a 200.
func (s *client) mustActivate(scenario string) {
	s.t.Helper()
	if a := s.activate(scenario); a.status != http.StatusOK {
		s.t.Fatalf("PUT /_mock/scenario: got %d %s, want 200\n%s", a.status, a.body, scenario)
	}
}

// deactivate leaves the session with no scenario.
func (s *client) deactivate() {
	s.t.Helper()
	s.admin("DELETE", "/_mock/scenario", "", http.StatusOK)
}

// now is the session's clock.
func (s *client) now() time.Time {
	s.t.Helper()
	var c struct{ Now time.Time }
	if err := json.Unmarshal(s.admin("GET", "/_mock/clock", "", http.StatusOK).body, &c); err != nil {
		s.t.Fatal(err)
	}
	return c.Now
}

// advance moves the session's clock.
func (s *client) advance(d time.Duration) {
	s.t.Helper()
	s.admin("POST", "/_mock/clock", `{"advance":"`+d.String()+`"}`, http.StatusOK)
}

// introspect asks the mock about a token of the session.
func (s *client) introspect(token string) (active bool, expires time.Time) {
	s.t.Helper()
	body, _ := json.Marshal(map[string]string{"token": token})
	var r struct {
		Active    bool      `json:"active"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal(s.admin("POST", "/_mock/introspect", string(body), http.StatusOK).body, &r); err != nil {
		s.t.Fatal(err)
	}
	return r.Active, r.ExpiresAt
}

// checkLifetime checks that the mock holds token for ttl of the session's
// clock: alive until then, expired after.
func (s *client) checkLifetime(token string, ttl time.Duration) {
	s.t.Helper()
	active, expires := s.introspect(token)
	if left := expires.Sub(s.now()); !active || left < ttl-time.Second || left > ttl {
		s.t.Errorf("introspect: got active %v, expires_at in %v of the session's clock, want active and expiring in %v", active, left, ttl)
	}
	s.advance(ttl + time.Second)
	if active, _ := s.introspect(token); active {
		s.t.Errorf("introspect %v later: got active, want expired", ttl+time.Second)
	}
}

// journalEntry is the part of a journal entry the tests look at.
type journalEntry struct {
	Endpoint string `json:"endpoint"`
	Status   int    `json:"status"`
	Rule     string `json:"rule"`
	Failure  string `json:"failure"`
	Reason   string `json:"reason"`
}

// lastRequest waits for the session's newest journal entry of endpoint:
// the server adds it once the handler has returned, which may be after the
// client has its answer (or its error).
func (s *client) lastRequest(endpoint string) journalEntry {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		a := s.admin("GET", "/_mock/requests?session="+s.name+"&limit=1", "", http.StatusOK)
		var j struct{ Requests []journalEntry }
		if err := json.Unmarshal(a.body, &j); err != nil {
			s.t.Fatalf("GET /_mock/requests: got %s (%v), want the journal", a.body, err)
		}
		if len(j.Requests) == 1 && j.Requests[0].Endpoint == endpoint {
			return j.Requests[0]
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("GET /_mock/requests: got %s, want a %s entry: the server has not finished the request", a.body, endpoint)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkRule checks that the journal names the rule that acted.
func (s *client) checkRule(endpoint, rule string) {
	s.t.Helper()
	if e := s.lastRequest(endpoint); e.Rule != rule {
		s.t.Errorf("journal of %s: got rule %q, want %q", endpoint, e.Rule, rule)
	}
}

// object decodes a JSON object answer.
func object(t *testing.T, a answer) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("got body %q (%v), want a JSON object", a.body, err)
	}
	return m
}

// field follows a dotted path into a decoded JSON object.
func field(m map[string]any, path string) any {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = obj[k]
	}
	return cur
}

// wantFields checks status and fields of a JSON answer; want values are
// JSON, so "29" and 29 differ (the integers here encode back exactly).
func wantFields(t *testing.T, a answer, status int, want map[string]string) {
	t.Helper()
	if a.status != status {
		t.Errorf("got status %d, want %d (body %s)", a.status, status, a.body)
	}
	m := object(t, a)
	for path, w := range want {
		if got, _ := json.Marshal(field(m, path)); string(got) != w {
			t.Errorf("%s: got %s, want %s (body %s)", path, got, w, a.body)
		}
	}
}

// wantPage checks an HTML answer.
func wantPage(t *testing.T, a answer, status int, contains string) {
	t.Helper()
	if a.status != status {
		t.Errorf("got status %d, want %d (body %.200s)", a.status, status, a.body)
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("got Content-Type %q, want text/html", ct)
	}
	if !strings.Contains(string(a.body), contains) {
		t.Errorf("got body %s, want it to contain %q", a.body, contains)
	}
}

// wantPrefix checks that a JSON body starts as the vendor's does: key
// order and untouched values.
func wantPrefix(t *testing.T, a answer, prefix string) {
	t.Helper()
	if !strings.HasPrefix(string(a.body), prefix) {
		t.Errorf("got body %s, want it to start with %s", a.body, prefix)
	}
}

// rule is a scenario of one rule acting on endpoint.
func rule(endpoint, do string) string {
	return "rules:\n  - when: {endpoint: " + endpoint + "}\n    do: " + do + "\n"
}

// firstRule is the journal's name of rule's rule.
const firstRule = "inline/rules[0]"

// subtests runs subtests at once, each in its own session, whatever
// -parallel says: most of them wait on purpose (delays, hangs), and with
// t.Parallel a two-CPU machine would run them two at a time.
type subtests struct {
	t     *testing.T
	wg    sync.WaitGroup
	slots chan struct{} // nil: no limit
}

func concurrently(t *testing.T) *subtests { return &subtests{t: t} }

// atMost limits how many of g's subtests run at once.
func (g *subtests) atMost(n int) *subtests {
	g.slots = make(chan struct{}, n)
	return g
}

func (g *subtests) run(name string, f func(t *testing.T)) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if g.slots != nil {
			g.slots <- struct{}{}
			defer func() { <-g.slots }()
		}
		g.t.Run(name, f)
	}()
}

// wait must run before the test function of g.t returns.
func (g *subtests) wait() { g.wg.Wait() }
