package scenario

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/session"
)

// The fake vendor's answers. vendorJSON is the real answer of every
// endpoint; the handler puts the token lifetime a scenario asked for into
// "ttl" ("0s" when none).
const (
	vendorJSONStart = `{"a":"1","b":{"c":2},"ttl":"`
	vendorPlain     = "plain answer"
	internalJSON    = `{"error":"internal"}`
	hourlyLimitJSON = `{"result_code":"E999"}`
	invalidCodeJSON = `{"error":"invalid_grant"}`
)

func vendorJSON(ttl time.Duration) string { return vendorJSONStart + ttl.String() + `"}` }

// testServer is the engine's step in front of a fake vendor, chained as
// the server mounts a vendor's table (session and body first, the
// vendor's panic handler, the step, then the handler), served over real
// HTTP so that faults reach a real client.
type testServer struct {
	engine   *Engine
	sessions *session.Registry
	srv      *httptest.Server
	calls    atomic.Int64  // runs of the vendor's handler
	arrived  chan struct{} // the first request to reach a step
	served   chan served   // every request, once the server is done with it
}

// served is what the server did with a request.
type served struct {
	session, endpoint, rule string
	status                  int
}

// servedCap bounds the requests one test server may serve: the records
// wait in a channel until the test reads them.
const servedCap = 4096

// newTestServer serves the fake vendor over plain HTTP/1.1.
func newTestServer(t *testing.T) *testServer {
	t.Helper()
	return startTestServer(t, httptest.NewServer)
}

// newTLSTestServer serves the fake vendor over TLS, with HTTP/2 when h2.
func newTLSTestServer(t *testing.T, h2 bool) *testServer {
	t.Helper()
	return startTestServer(t, func(h http.Handler) *httptest.Server {
		srv := httptest.NewUnstartedServer(h)
		srv.EnableHTTP2 = h2
		srv.StartTLS()
		return srv
	})
}

func startTestServer(t *testing.T, start func(http.Handler) *httptest.Server) *testServer {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	s := &testServer{
		engine:   NewEngine(testCatalogue(), 1),
		sessions: session.NewRegistry(nil),
		arrived:  make(chan struct{}, 1),
		served:   make(chan served, servedCap),
	}
	r := gin.New()
	s.mount(r, "/token", "isolar.token", map[string]gin.HandlerFunc{
		"hourly_limit": func(c *gin.Context) { c.Data(http.StatusOK, "application/json", []byte(hourlyLimitJSON)) },
		"invalid_code": func(c *gin.Context) { c.Data(http.StatusBadRequest, "application/json", []byte(invalidCodeJSON)) },
	})
	s.mount(r, "/refresh", "isolar.refresh", map[string]gin.HandlerFunc{
		"hourly_limit": func(c *gin.Context) { c.Data(http.StatusOK, "application/json", []byte(hourlyLimitJSON)) },
	})
	s.srv = start(r)
	// Close waits for every handler: a hang the server never let go of
	// would hold it for HangLimit, so give up after a while and say so.
	t.Cleanup(func() {
		closed := make(chan struct{})
		go func() {
			s.srv.Close()
			close(closed)
		}()
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Errorf("server close: still serving after 5s, want every request finished: a hung request was not released when its client left")
		}
	})
	return s
}

// mount routes path (any method) to the endpoint id.
func (s *testServer) mount(r *gin.Engine, path, id string, failures map[string]gin.HandlerFunc) {
	step := s.engine.Step(id, failures)
	r.Any(path,
		s.request(id),
		mock.Recover(slog.New(slog.DiscardHandler), func(c *gin.Context) { c.Data(http.StatusInternalServerError, "application/json", []byte(internalJSON)) }),
		func(c *gin.Context) {
			select {
			case s.arrived <- struct{}{}:
			default:
			}
			rule, act := step(c)
			c.Set(ruleKey, rule)
			if act != nil {
				act(c)
			}
		},
		s.vendor,
	)
}

const ruleKey = "scenario-rule"

// request gives the request its session (X-Mock-Session) and its body,
// read once, as the server does; once the rest of the chain is done it
// records what happened.
func (s *testServer) request(id string) gin.HandlerFunc {
	return func(c *gin.Context) {
		sess, err := s.sessions.Get(c.GetHeader("X-Mock-Session"))
		if err != nil {
			c.AbortWithStatus(http.StatusBadRequest)
			return
		}
		body, err := io.ReadAll(c.Request.Body)
		if err != nil {
			c.AbortWithStatus(http.StatusBadRequest)
			return
		}
		c.Request = c.Request.WithContext(mock.WithRequest(c.Request.Context(), &mock.Request{Session: sess, Body: body}))
		c.Next()
		s.served <- served{session: sess.Name, endpoint: id, rule: c.GetString(ruleKey), status: c.Writer.Status()}
	}
}

// vendor is the real behaviour: a JSON answer whose "ttl" is the token
// lifetime asked for; ?plain=1 answers text instead, ?status=N answers
// with that status, ?panic=1 panics, ?fail=hourly_limit answers that
// failure of its own, as a vendor's failure writer does.
func (s *testServer) vendor(c *gin.Context) {
	s.calls.Add(1)
	switch {
	case c.Query("panic") != "":
		panic("vendor bug")
	case c.Query("fail") == "hourly_limit":
		mock.NoteFailure(c, "hourly_limit")
		c.Data(http.StatusOK, "application/json", []byte(hourlyLimitJSON))
	case c.Query("plain") != "":
		c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(vendorPlain))
	default:
		status := http.StatusOK
		if v := c.Query("status"); v != "" {
			status, _ = strconv.Atoi(v)
		}
		c.Header("X-Vendor", "real")
		c.Data(status, "application/json", []byte(vendorJSON(mock.TokenTTL(c.Request.Context()))))
	}
}

// activate makes the scenario (YAML) active in the named session and
// returns the session's id.
func (s *testServer) activate(t *testing.T, sessionName, src string) uint64 {
	t.Helper()
	sess, err := s.sessions.Get(sessionName)
	if err != nil {
		t.Fatalf("session %q: got %v, want a session", sessionName, err)
	}
	s.engine.Activate(sess.ID, mustParse(t, src), false)
	return sess.ID
}

// next is the record of the next request the server is done with.
func (s *testServer) next(t *testing.T) served {
	t.Helper()
	select {
	case r := <-s.served:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("server: got no finished request after 5s, want one")
		return served{}
	}
}

// client is a client of the server that opens a new connection for each
// request (so no request is ever retried on a reused one), with timeout
// (none when zero).
func (s *testServer) client(t *testing.T, timeout time.Duration) *http.Client {
	t.Helper()
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: timeout}
}

// tlsClient is a client of a TLS server that trusts its certificate and
// speaks HTTP/2 when the server does; a new connection for each request.
func (s *testServer) tlsClient(t *testing.T, timeout time.Duration) *http.Client {
	t.Helper()
	c := s.srv.Client()
	tr := c.Transport.(*http.Transport).Clone()
	tr.DisableKeepAlives = true
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: timeout}
}

// pooledClient is a client that keeps up to n connections open, for many
// requests in a row.
func (s *testServer) pooledClient(t *testing.T, n int) *http.Client {
	t.Helper()
	tr := &http.Transport{MaxIdleConns: n, MaxIdleConnsPerHost: n}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// call is one request to the server.
type call struct {
	method, path, session string
	header                map[string]string
	body                  string
}

func (s *testServer) newRequest(t *testing.T, c call) *http.Request {
	t.Helper()
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, s.srv.URL+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatalf("request %s %s: got %v, want a request", method, c.path, err)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	if c.session != "" {
		req.Header.Set("X-Mock-Session", c.session)
	}
	return req
}

// answer is a whole HTTP answer and how long it took.
type answer struct {
	status  int
	header  http.Header
	body    string
	elapsed time.Duration
}

// send sends req and reads the whole answer.
func send(client *http.Client, req *http.Request) (answer, error) {
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return answer{elapsed: time.Since(start)}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b), time.Since(start)}, err
}

// mustParse parses an inline scenario against testCatalogue.
func mustParse(t *testing.T, src string) *Scenario {
	t.Helper()
	sc, err := Parse("inline", []byte(src), testCatalogue())
	if err != nil {
		t.Fatalf("parse: got %v, want a scenario\n%s", err, src)
	}
	return sc
}
