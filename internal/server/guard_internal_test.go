package server

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/isolar"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/scenario"
	"github.com/tokenmock/tokenmock/internal/session"
	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
)

const guardToken = "S3cr3t-admin-token"

// guarded is iSolarCloud with the scenario library's "limited" and an
// admin token, served without a network.
func guarded(t testing.TB, token string) *Server {
	t.Helper()
	fx, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	engine := scenario.NewEngine(scenario.NewCatalogue(isolar.Spec()), 1)
	sc, err := scenario.Parse("limited.yaml", []byte("name: limited\nrules:\n  - when: {endpoint: isolar.token}\n    do: {error: hourly_limit}\n"), engine.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	engine.Add(sc)
	deps := mock.Deps{}.WithDefaults()
	return New(Config{
		Vendors:    []mock.Vendor{isolar.New(fx.Isolar, deps)},
		Sessions:   session.NewRegistry(nil),
		Scenarios:  engine,
		AdminToken: token,
	})
}

func serve(s *Server, method, target string, header map[string]string, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	apicheck.Direct(s).ServeHTTP(w, r)
	return w
}

// Every admin route but the open pages needs the token, and is refused
// before a session is looked up: a refused call creates no session, so
// it cannot evict one either. The open pages (openAdminPaths, exactly the
// routes mounted before the guard) create none either.
func TestRefusedAdminCallsMakeNoSession(t *testing.T) {
	s := guarded(t, guardToken)
	auth := map[string]string{"Authorization": "Bearer " + guardToken}
	if w := serve(s, "POST", "/_mock/clock?session=victim", auth, `{"advance":"49h"}`); w.Code != 200 {
		t.Fatalf("victim's clock: got %d %s", w.Code, w.Body)
	}
	victim := s.cfg.Sessions.Lookup("victim")
	routes := s.engine.Routes()
	open := 0
	for i, rt := range routes {
		if !strings.HasPrefix(rt.Path, "/_mock") {
			continue
		}
		for j, target := range []string{rt.Path, "/s/a" + strings.Repeat("x", i) + rt.Path} {
			h := map[string]string{"X-Mock-Session": "h" + strings.Repeat("y", i+j), "X-Mock-Scenario": "limited"}
			w := serve(s, rt.Method, target+"?session=q", h, `{}`)
			if openAdminPaths[rt.Path] {
				if w.Code == http.StatusUnauthorized {
					t.Errorf("%s %s: got 401, want it open", rt.Method, target)
				}
				open++
				continue
			}
			if w.Code != http.StatusUnauthorized || w.Header().Get("WWW-Authenticate") == "" || !strings.Contains(w.Body.String(), "admin token") {
				t.Errorf("%s %s: got %d %s, want 401 asking for the admin token", rt.Method, target, w.Code, w.Body)
			}
		}
	}
	if open != 2*len(openAdminPaths) {
		t.Errorf("reached %d open routes, want the %d of openAdminPaths twice: they must be the routes before the guard", open, len(openAdminPaths))
	}
	for _, target := range []string{"/_mock/nope", "/_mock", "/s/z/_mock/reset?all=true"} {
		if w := serve(s, "POST", target, nil, ""); w.Code != http.StatusUnauthorized {
			t.Errorf("POST %s: got %d, want 401", target, w.Code)
		}
	}
	if n := s.cfg.Sessions.Len(); n != 1 || s.cfg.Sessions.Lookup("victim") != victim {
		t.Errorf("got %d sessions (%v), want only the victim's, unchanged", n, s.cfg.Sessions.Names())
	}
	if w := serve(s, "GET", "/_mock/scenarios", auth, ""); !strings.Contains(w.Body.String(), `"active":{}`) {
		t.Errorf("a refused call activated a scenario: %s", w.Body)
	}
}

// With an admin token, X-Mock-Scenario acts only beside the token in
// X-Mock-Admin-Token; a vendor request without it is refused with 401
// before its session is made. The token is not journalled. On an admin
// call the header does nothing.
func TestScenarioHeaderNeedsTheAdminToken(t *testing.T) {
	s := guarded(t, guardToken)
	auth := map[string]string{"Authorization": "Bearer " + guardToken}
	token := "/openapi/apiManage/token"
	for _, bad := range []string{"", "wrong", guardToken + "x"} {
		h := map[string]string{"X-Mock-Session": "v", "X-Mock-Scenario": "limited"}
		if bad != "" {
			h[ScenarioTokenHeader] = bad
		}
		w := serve(s, "POST", token, h, "{}")
		if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), ScenarioTokenHeader) {
			t.Errorf("token %q: got %d %s, want 401 naming %s", bad, w.Code, w.Body, ScenarioTokenHeader)
		}
	}
	if n := s.cfg.Sessions.Len(); n != 0 {
		t.Errorf("got %d sessions after refused requests, want none", n)
	}
	serve(s, "GET", "/_mock/health", map[string]string{"X-Mock-Session": "h", "X-Mock-Scenario": "limited"}, "")
	serve(s, "GET", "/_mock/clock", map[string]string{"X-Mock-Session": "a", "X-Mock-Scenario": "limited", "Authorization": "Bearer " + guardToken}, "")
	w := serve(s, "POST", token, map[string]string{"X-Mock-Session": "v", "X-Mock-Scenario": "limited", ScenarioTokenHeader: guardToken}, "{}")
	if w.Code == http.StatusUnauthorized {
		t.Fatalf("with the token: got %d %s", w.Code, w.Body)
	}
	list := serve(s, "GET", "/_mock/scenarios", auth, "").Body.String()
	if !strings.Contains(list, `"v":"limited"`) || strings.Contains(list, `"a":"limited"`) || strings.Contains(list, `"h":`) {
		t.Errorf("got %s, want limited active in v only (not by an admin call's header)", list)
	}
	journal := serve(s, "GET", "/_mock/requests?session=v", auth, "").Body.String()
	if !strings.Contains(journal, "X-Mock-Scenario") || strings.Contains(journal, guardToken) || strings.Contains(journal, ScenarioTokenHeader) {
		t.Errorf("journal: got %s, want the request without the admin token", journal)
	}

	// no admin token: the header alone activates, as before
	s = guarded(t, "")
	serve(s, "POST", token, map[string]string{"X-Mock-Session": "v", "X-Mock-Scenario": "limited"}, "{}")
	if list := serve(s, "GET", "/_mock/scenarios", nil, "").Body.String(); !strings.Contains(list, `"v":"limited"`) {
		t.Errorf("without an admin token: got %s, want limited active in v", list)
	}
}

// The open pages neither create nor touch a session, but still refuse an
// invalid name; names made only of dots are invalid everywhere.
func TestOpenPagesAndDotNames(t *testing.T) {
	s := guarded(t, "")
	for _, target := range []string{"/_mock/health", "/_mock/ui", "/s/p/_mock/callback?code=x"} {
		if w := serve(s, "GET", target, map[string]string{"X-Mock-Session": "h"}, ""); w.Code != 200 {
			t.Errorf("GET %s: got %d %s", target, w.Code, w.Body)
		}
	}
	if w := serve(s, "GET", "/s/p/_mock/callback?code=x", nil, ""); !strings.Contains(w.Body.String(), "<code>p</code>") {
		t.Errorf("callback page: got %s, want the session p named", w.Body)
	}
	if n := s.cfg.Sessions.Len(); n != 0 {
		t.Errorf("got %d sessions after the open pages, want none", n)
	}
	for _, c := range []struct{ target, session string }{
		{"/_mock/clock", ".."}, {"/_mock/clock", "."}, {"/_mock/health", "..."}, {"/openapi/apiManage/token", ".."},
		{"/s/../_mock/clock", ""}, {"/s/./openapi/apiManage/token", ""},
	} {
		w := serve(s, "POST", c.target, map[string]string{"X-Mock-Session": c.session}, "{}")
		if c.target == "/_mock/health" {
			w = serve(s, "GET", c.target, map[string]string{"X-Mock-Session": c.session}, "")
		}
		if w.Code != 400 || !strings.Contains(w.Body.String(), "invalid session name") {
			t.Errorf("%s with session %q: got %d %s, want 400 invalid session name", c.target, c.session, w.Code, w.Body)
		}
	}
	if n := s.cfg.Sessions.Len(); n != 0 {
		t.Errorf("got %d sessions, want none", n)
	}
}

// At the session cap with every session in use by a request in flight,
// a request for a new session is refused with a 503 naming the limit;
// one fewer in use, it is served (and the free one evicted).
func TestAllSessionsInUse(t *testing.T) {
	s := guarded(t, "")
	reg := s.cfg.Sessions
	held := make([]*session.Session, 0, session.MaxSessions)
	for i := range session.MaxSessions {
		sess, err := reg.Acquire("held-" + strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, sess)
	}
	w := serve(s, "GET", "/_mock/clock", map[string]string{"X-Mock-Session": "new"}, "")
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "10000 sessions") {
		t.Errorf("all in use: got %d %s, want 503 naming the 10000 sessions", w.Code, w.Body)
	}
	reg.Release(held[0])
	if w := serve(s, "GET", "/_mock/clock", map[string]string{"X-Mock-Session": "new"}, ""); w.Code != 200 {
		t.Errorf("one free: got %d %s, want 200", w.Code, w.Body)
	}
	if reg.Lookup("held-0") != nil || reg.Lookup("held-1") != held[1] || reg.Len() != session.MaxSessions {
		t.Errorf("want held-0 (the one not in use) evicted, the others kept")
	}
	for _, sess := range held[1:] {
		reg.Release(sess)
	}
}

// The attack review's f07 in-process: at the cap, clients create sessions
// by moving their clock an hour and read it back, while others create
// sessions as fast as they can. The registry is full of older sessions
// first, and fewer are created than the cap, so exact LRU evicts only
// those: no new session loses its first request's clock.
func TestNewSessionsKeepTheirFirstRequestAtTheCap(t *testing.T) {
	s := guarded(t, "")
	for i := range session.MaxSessions {
		s.cfg.Sessions.Get("filler-" + strconv.Itoa(i))
	}
	const twosteps, churners, each = 4, 4, 400
	var wg sync.WaitGroup
	var lost atomic.Int64
	for w := range twosteps + churners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				h := map[string]string{"X-Mock-Session": "w" + strconv.Itoa(w) + "-" + strconv.Itoa(i)}
				if w >= twosteps {
					serve(s, "GET", "/_mock/health/x", h, "") // a 404 that makes a session
					continue
				}
				if r := serve(s, "POST", "/_mock/clock", h, `{"advance":"1h"}`); r.Code != 200 {
					t.Errorf("advance: got %d %s", r.Code, r.Body)
					return
				}
				if r := serve(s, "GET", "/_mock/clock", h, ""); !strings.Contains(r.Body.String(), `"offset":"1h0m0s"`) {
					lost.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := lost.Load(); n != 0 {
		t.Errorf("%d of %d new sessions lost their first request's clock", n, twosteps*each)
	}
	if n := s.cfg.Sessions.Len(); n != session.MaxSessions {
		t.Errorf("got %d sessions, want the cap %d", n, session.MaxSessions)
	}
}
