// Package testkit is what vendor and server tests share: a settable clock,
// a seeded id source, golden files, and a small HTTP client.
package testkit

import (
	"bytes"
	"flag"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/ids"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/server"
	"github.com/tokenmock/tokenmock/internal/session"
	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
)

var update = flag.Bool("update", false, "rewrite golden files")

// T0 is the wall time every test starts at.
func T0() time.Time { return time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC) }

// Clock is a wall clock that moves only when told.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at T0.
func NewClock() *Clock { return &Clock{t: T0()} }

// Now is the current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type chacha struct{ r *rand.ChaCha8 }

func (c chacha) Read(p []byte) (int, error) { return c.r.Read(p) }

// IDs returns a generator that yields the same ids in every run.
func IDs() *ids.Generator { return ids.New(chacha{rand.NewChaCha8([32]byte{42})}) }

// Golden compares got with testdata/name.golden, or rewrites it with -update.
func Golden(t *testing.T, name string, got []byte) {
	t.Helper()
	GoldenFile(t, filepath.Join("testdata", name+".golden"), got)
}

// GoldenFile compares got with the file at path, or rewrites it with
// -update: for files generated from code, such as a schema.
func GoldenFile(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is out of date (run go test -update):\ngot  %s\nwant %s", path, got, want)
	}
}

// Response is a finished HTTP answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends a request and reads the whole answer; redirects are not followed.
func Do(t *testing.T, method, url string, header map[string]string, body string) Response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Response{resp.StatusCode, resp.Header, b}
}

var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       30 * time.Second,
}

// Server is a mock served on a loopback listener for one test.
type Server struct {
	URL   string
	Clock *Clock
	srv   *server.Server
}

// Sweep runs the server's sweep of expired state.
func (s *Server) Sweep() int { return s.srv.Sweep() }

// Assemble builds the server assembly in-process with the vendors that
// build makes from deps: a fixed clock, seeded ids, and log (nil: none).
func Assemble(adminToken string, log *slog.Logger, build func(deps mock.Deps) []mock.Vendor) (*server.Server, *Clock) {
	clock := NewClock()
	deps := mock.Deps{Now: session.Clock{Wall: clock.Now}.Now, IDs: IDs(), Log: log}
	s := server.New(server.Config{
		Vendors: build(deps), Sessions: session.NewRegistry(clock.Now), AdminToken: adminToken, Log: log, Version: "test",
	})
	return s, clock
}

// Serve starts the server assembly on a loopback listener (see Assemble)
// and stops it with the test.
func Serve(t *testing.T, adminToken string, build func(deps mock.Deps) []mock.Vendor) *Server {
	t.Helper()
	s, clock := Assemble(adminToken, nil, build)
	srv := httptest.NewServer(apicheck.Wrap(t, s))
	t.Cleanup(srv.Close)
	return &Server{URL: srv.URL, Clock: clock, srv: s}
}
