// Package mocktest runs tokenmock inside a Go test: the mock of the
// iSolarCloud, SOLARMAN and DI token endpoints on a random loopback port,
// stopped with the test, and helpers for the admin calls (sessions,
// scenarios, the clock, codes, the request journal). Connect and FromEnv
// drive a mock that already runs (Docker Compose, a CI service container)
// with the same helpers.
//
//	func TestLogin(t *testing.T) {
//		mock := mocktest.Start(t)             // its log goes to the test's output
//		t.Run("rate limited", func(t *testing.T) {
//			t.Parallel()
//			s := mock.Session(t)              // this subtest's own session
//			s.UseScenario("isolar-code-reused") // a failing helper fails this subtest
//			client := myclient.New(s.URL)     // the client only needs a base URL
//			...
//		})
//	}
//
// The default fixtures' values are constants here (IsolarAppKey,
// SolarmanAppID, DIClientID, …), checked against the fixtures by the
// package's tests.
package mocktest

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/app"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/testhook"
)

type options struct {
	cfg      app.Config
	logger   *slog.Logger
	loggerOK bool                            // WithLogger was given (its logger may be nil)
	level    slog.Level                      // of the test log
	server   []string                        // the options that configure a server mocktest starts
	wrap     func(http.Handler) http.Handler // the package's tests: around the mock
	t        testing.TB                      // Start's test; nil for New
}

// Option configures a mock.
type Option func(*options)

// WithFixtures replaces the default fixtures with a YAML file or folder.
func WithFixtures(path string) Option {
	return func(o *options) { o.cfg.Fixtures = path; o.server = append(o.server, "WithFixtures") }
}

// WithScenarios adds a scenario YAML file or folder to the library.
func WithScenarios(path string) Option {
	return func(o *options) { o.cfg.Scenarios = path; o.server = append(o.server, "WithScenarios") }
}

// WithScenario makes a scenario active in every session from the start.
func WithScenario(name string) Option {
	return func(o *options) { o.cfg.Scenario = name; o.server = append(o.server, "WithScenario") }
}

// WithSeed makes probabilistic rules reproducible.
func WithSeed(seed uint64) Option {
	return func(o *options) { o.cfg.Seed = seed; o.server = append(o.server, "WithSeed") }
}

// WithAdminToken guards the admin API of a mock that mocktest starts; the
// helpers send the token. With Connect it is the token of the running
// mock (its --admin-token).
func WithAdminToken(token string) Option { return func(o *options) { o.cfg.AdminToken = token } }

// WithLogger sends the mock's log to l instead of the test's output (nil:
// nowhere). The logger's handler decides the level.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger, o.loggerOK = l, true; o.server = append(o.server, "WithLogger") }
}

// WithLogLevel sets the level of the log that Start writes to the test's
// output; the default is slog.LevelInfo, one line per vendor request.
func WithLogLevel(level slog.Level) Option {
	return func(o *options) { o.level = level; o.server = append(o.server, "WithLogLevel") }
}

// Server is a mock: one that mocktest started (Start, New) or a running
// one that it drives (Connect).
type Server struct {
	// URL is the base URL of the default session, e.g. http://127.0.0.1:41234.
	URL    string
	srv    *httptest.Server // nil for Connect
	cancel context.CancelFunc
	client *http.Client
	token  string
	tag    string   // Connect: added to the names Session(t) makes
	log    *testLog // Start's test log, closed with the mock
	once   sync.Once
}

func build(opts []Option) options {
	o := options{level: slog.LevelInfo}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// New starts a mock; Close stops it. Tests use Start instead; New is for
// code without a testing.TB (examples, TestMain), where sessions come from
// SessionNamed(nil, name) and a failing helper panics. Its log goes
// nowhere unless WithLogger says where.
func New(opts ...Option) (*Server, error) {
	o := build(opts)
	return start(o, o.logger, nil)
}

func start(o options, log *slog.Logger, tl *testLog) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o.cfg.Version = "mocktest"
	o.cfg.Log = log
	a, err := app.New(o.cfg)
	if err != nil {
		return nil, err
	}
	// Every request's context ends when Close begins, so that scenario
	// hangs and delays in flight end at once instead of holding Close.
	ctx, cancel := mock.ShutdownContext()
	var h http.Handler = a
	if o.wrap != nil {
		h = o.wrap(h)
	}
	if testhook.Handler != nil { // the module's own tests: check the admin answers
		h = testhook.Handler(o.t, h)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.BaseContext = func(net.Listener) context.Context { return ctx }
	srv.Start()
	return &Server{URL: srv.URL, srv: srv, cancel: cancel, client: srv.Client(), token: o.cfg.AdminToken, log: tl}, nil
}

// Start starts a mock that stops when the test ends; a bad option fails
// the test. The mock's log goes to the test's output (shown on failure
// or with -v), at info level unless WithLogLevel or WithLogger say
// otherwise.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	o := build(opts)
	o.t = t
	log, tl := o.logger, (*testLog)(nil)
	if !o.loggerOK {
		tl = &testLog{t: t}
		log = slog.New(slog.NewTextHandler(tl, &slog.HandlerOptions{Level: o.level}))
	}
	s, err := start(o, log, tl)
	if err != nil {
		tl.close()
		t.Fatalf("mocktest: %v", err)
		return nil
	}
	t.Cleanup(s.Close)
	return s
}

// Connect drives the tokenmock already running at url (a Compose service,
// a CI service container) with the same helpers as Start. It fails t when
// nothing answers url's /_mock/health (t nil, as in TestMain: it panics).
// Only WithAdminToken applies: the options that configure a server belong
// to the running one. Close, and the end of the test, leave the server
// alone.
//
// Tests of other runs and other packages may use the same mock, so
// Session(t) adds a tag of this handle to the names it makes (see Tag).
func Connect(t testing.TB, url string, opts ...Option) *Server {
	f := failerOf(t)
	f.Helper()
	o := build(opts)
	if len(o.server) > 0 {
		f.Fatalf("mocktest: Connect: %s configure a mock that mocktest starts; give them to the running mock", strings.Join(o.server, ", "))
		return nil
	}
	s := &Server{URL: strings.TrimRight(url, "/"), client: &http.Client{Timeout: time.Minute}, token: o.cfg.AdminToken, tag: newTag()}
	if testhook.Transport != nil { // the module's own tests: check the admin answers
		s.client.Transport = testhook.Transport(t, http.DefaultTransport)
	}
	resp, err := s.client.Get(s.URL + "/_mock/health")
	if err != nil {
		f.Fatalf("mocktest: Connect: no tokenmock at %s: %v", s.URL, err)
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"status":"ok"`) {
		f.Fatalf("mocktest: Connect: no tokenmock at %s: GET /_mock/health got %d %s", s.URL, resp.StatusCode, body)
		return nil
	}
	return s
}

// EnvURL and EnvAdminToken are the environment variables FromEnv reads.
const (
	EnvURL        = "TOKENMOCK_URL"
	EnvAdminToken = "TOKENMOCK_ADMIN_TOKEN"
)

// FromEnv connects to the mock at $TOKENMOCK_URL when it is set (with
// $TOKENMOCK_ADMIN_TOKEN as the admin token unless WithAdminToken is
// given), and otherwise starts one with Start. Options that configure a
// server are used only by Start: a running mock must have been started
// with the same fixtures and scenarios.
func FromEnv(t testing.TB, opts ...Option) *Server {
	t.Helper()
	url := os.Getenv(EnvURL)
	if url == "" {
		return Start(t, opts...)
	}
	o := build(opts)
	token := o.cfg.AdminToken
	if token == "" {
		token = os.Getenv(EnvAdminToken)
	}
	return Connect(t, url, WithAdminToken(token))
}

func newTag() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 6)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Tag is what Session(t) adds to the names it makes on a mock from
// Connect ("" for a mock that mocktest started).
func (s *Server) Tag() string { return s.tag }

// Close stops a mock that mocktest started: requests in flight, even in
// a scenario's hang or delay, end at once, and the mock logs nothing
// after. On a mock from Connect it does nothing. Calling it again does
// nothing.
func (s *Server) Close() {
	s.once.Do(func() {
		if s.srv == nil {
			return
		}
		s.cancel()
		s.srv.Close()
		s.log.close()
	})
}

// Client is an HTTP client for the mock.
func (s *Server) Client() *http.Client { return s.client }

// testLog writes the mock's log to a test's output, one record a line,
// until it is closed: a test's output must not be written once the test
// has ended.
type testLog struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return len(p), nil
	}
	// Output writes like t.Log, without the file and line of this call.
	return l.t.Output().Write(p)
}

func (l *testLog) close() {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.done = true
	l.mu.Unlock()
}

// failer is the part of testing.TB the helpers need.
type failer interface {
	Helper()
	Fatalf(format string, args ...any)
}

// failerOf is t, or with t nil (code without a test) a panicker.
func failerOf(t testing.TB) failer {
	if t == nil {
		return panicker{}
	}
	return t
}

// panicker reports a failing helper of a session bound to no test.
type panicker struct{}

func (panicker) Helper()                           {}
func (panicker) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
