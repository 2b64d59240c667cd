// Package server assembles the mock: session and body handling in front of
// gin, the vendors' routes, the journal, the request log and the admin API.
package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/scenario"
	"github.com/tokenmock/tokenmock/internal/session"
)

// MaxBody is the largest request body served; larger ones get 413.
const MaxBody = 1 << 20

// Config is what the server is made of; zero fields get defaults.
type Config struct {
	Vendors    []mock.Vendor
	Sessions   *session.Registry
	Log        *slog.Logger
	AdminToken string
	Version    string
	Scenarios  *scenario.Engine // nil: no scenarios at all
}

// Server is an http.Handler serving every vendor and the admin API.
type Server struct {
	cfg     Config
	routes  []mock.Routes // each vendor's bound table, in cfg.Vendors order
	engine  *gin.Engine
	journal *Journal
}

// New returns a server for cfg. A vendor table that fails mock.Routes.Check
// is a programming error: New panics with every problem.
func New(cfg Config) *Server {
	if cfg.Sessions == nil {
		cfg.Sessions = session.NewRegistry(nil)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, journal: NewJournal(JournalSize, JournalBytes)}
	if cfg.Scenarios != nil {
		cfg.Sessions.OnDrop = cfg.Scenarios.Reset
	}
	// gin's debug mode prints every route at start and warns on stdout.
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	// The vendors' servers do not redirect near-miss paths; neither do we.
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.HandleMethodNotAllowed = true
	// The last resort: vendors render their own internal errors, so this
	// only answers for the admin API and unknown routes.
	e.Use(mock.Recover(cfg.Log, func(c *gin.Context) {
		mock.WriteAdminError(c.Writer, &mock.AdminError{Status: http.StatusInternalServerError, Message: "internal error"})
	}))
	for _, v := range cfg.Vendors {
		r := v.Routes()
		if err := r.Check(); err != nil {
			panic(err)
		}
		s.routes = append(s.routes, r)
		s.mount(e, r)
	}
	s.mountAdmin(e.Group("/_mock"))
	e.NoRoute(s.noRoute)
	e.NoMethod(func(c *gin.Context) {
		mock.WriteAdminError(c.Writer, &mock.AdminError{Status: http.StatusMethodNotAllowed, Message: c.Request.Method + " not allowed on " + c.Request.URL.Path})
	})
	s.engine = e
	return s
}

// Admin paths open to every client, also with an admin token (a browser's
// navigation carries none): they neither create nor touch a session.
var openAdminPaths = map[string]bool{"/_mock/health": true, "/_mock/openapi.json": true, "/_mock/callback": true, "/_mock/ui": true}

// ScenarioTokenHeader carries the admin token beside X-Mock-Scenario on a
// vendor request when the server has one (vendor requests use
// Authorization for the vendor's own credentials).
const ScenarioTokenHeader = "X-Mock-Admin-Token"

// ServeHTTP resolves the session, reads the bounded body, serves, and
// records the request: a vendor request in the journal and the log, an
// admin call in the log. Whatever needs the admin token is refused before
// a session is looked up, so a refused request never creates one nor
// evicts another.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	path := r.URL.Path
	if strings.HasPrefix(path, "//") {
		path = "/" + strings.TrimLeft(path, "/")
	}
	name, prefix := "", ""
	if rest, ok := strings.CutPrefix(path, "/s/"); ok {
		seg, tail, _ := strings.Cut(rest, "/")
		// The vendor's path after the prefix: a leading // is routed like /
		// here too (a client whose base URL ends in / sends /s/x//path).
		name, prefix, path = seg, "/s/"+seg, "/"+strings.TrimLeft(tail, "/")
	}
	admin := strings.HasPrefix(path, "/_mock/") || path == "/_mock"
	if name == "" {
		name = r.Header.Get("X-Mock-Session")
	}
	if name == "" && admin {
		name = r.URL.Query().Get("session")
	}
	r.URL.Path, r.URL.RawPath = path, ""
	open := admin && openAdminPaths[path]
	if admin && !open && !s.adminAllowed(r) {
		rec := &recorder{ResponseWriter: w}
		denyAdmin(rec)
		s.logAdmin(r, name, rec, start)
		return
	}
	// X-Mock-Scenario acts on vendor requests only; with an admin token,
	// only beside it. The token never reaches the vendor or the journal.
	scenarioName := ""
	if !admin {
		scenarioName = r.Header.Get("X-Mock-Scenario")
		token, hasToken := r.Header[ScenarioTokenHeader]
		delete(r.Header, ScenarioTokenHeader)
		if scenarioName != "" && s.cfg.AdminToken != "" && (!hasToken || len(token) != 1 || !s.isAdminToken(token[0])) {
			s.refuse(w, r, name, &mock.AdminError{Status: http.StatusUnauthorized,
				Message: "X-Mock-Scenario needs the admin token in the " + ScenarioTokenHeader + " header: this server has --admin-token"})
			return
		}
	}
	var sess *session.Session
	if open {
		// nothing of a session is used: its name, shown on the callback page
		if name == "" {
			name = session.Default
		}
		if err := session.NameError(name); err != nil {
			s.refuse(w, r, name, mock.BadRequest(err.Error()))
			return
		}
		sess = &session.Session{Name: name}
	} else {
		var err error
		sess, err = s.cfg.Sessions.Acquire(name)
		if errors.Is(err, session.ErrFull) {
			s.refuse(w, r, name, &mock.AdminError{Status: http.StatusServiceUnavailable, Message: err.Error()})
			return
		}
		if err != nil {
			s.refuse(w, r, name, mock.BadRequest(err.Error()))
			return
		}
		defer s.cfg.Sessions.Release(sess)
	}
	body, err := readBody(w, r)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.refuse(w, r, sess.Name, &mock.AdminError{Status: http.StatusRequestEntityTooLarge, Message: "request body larger than 1 MiB"})
		} else {
			s.refuse(w, r, sess.Name, mock.BadRequest("could not read the request body: "+err.Error()))
		}
		return
	}
	req := &mock.Request{Session: sess, Prefix: prefix, Body: body}
	if e := s.cfg.Scenarios; e != nil && scenarioName != "" {
		if err := e.ActivateByName(sess.ID, scenarioName); err != nil {
			s.refuse(w, r, sess.Name, mock.BadRequest(err.Error()))
			return
		}
	}
	ctx := mock.WithRequest(r.Context(), req)
	rec := &recorder{ResponseWriter: w}
	if admin {
		r = r.WithContext(ctx)
		s.engine.ServeHTTP(rec, r)
		s.logAdmin(r, sess.Name, rec, start)
		return
	}
	// only vendor requests are journalled
	x := &exchange{}
	r = r.WithContext(context.WithValue(ctx, exchangeKey{}, x))
	defer func() {
		// The only panic that leaves the engine is a scenario fault's
		// http.ErrAbortHandler (mock.Recover answers the others): the
		// request is recorded with what was written (status 0: nothing),
		// then the panic goes on to net/http, which drops the connection.
		v := recover()
		if v != nil && x.rule != "" {
			x.injected = true
		}
		s.record(r, sess, path, body, rec, x, start)
		if v != nil {
			panic(v)
		}
	}()
	s.engine.ServeHTTP(rec, r)
}

// adminAllowed reports whether r may make a guarded admin call: no admin
// token is configured, or r carries it as `Authorization: Bearer <token>`
// (the scheme matched without regard to case, RFC 7235 section 2.1).
func (s *Server) adminAllowed(r *http.Request) bool {
	if s.cfg.AdminToken == "" {
		return true
	}
	scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return strings.EqualFold(scheme, "Bearer") && s.isAdminToken(strings.TrimLeft(got, " "))
}

// isAdminToken compares got with the configured admin token in constant
// time (but for the length).
func (s *Server) isAdminToken(got string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.AdminToken)) == 1
}

// denyAdmin is the answer to an admin call without the admin token.
func denyAdmin(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="tokenmock"`)
	mock.WriteAdminError(w, &mock.AdminError{Status: http.StatusUnauthorized, Message: "missing or wrong admin token"})
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	r.Body = http.NoBody
	return b, err
}

// now is the session's mock time.
func (s *Server) now(sess *session.Session) time.Time {
	return sess.Now(s.cfg.Sessions.Wall())
}

// Sweep drops the expired state of every vendor (see mock.Sweeper), and
// the state of sessions that are gone; call it periodically.
func (s *Server) Sweep() int {
	wall, times := s.cfg.Sessions.Times()
	now := func(id uint64) (time.Time, bool) {
		t, ok := times[id]
		return t, ok
	}
	n := 0
	for _, v := range s.cfg.Vendors {
		if sw, ok := v.(mock.Sweeper); ok {
			n += sw.Sweep(now, wall)
		}
	}
	return n
}

// noRoute lets a vendor answer unknown paths under its prefix in its own
// way (gin cannot mix a catch-all with the vendor's static routes).
func (s *Server) noRoute(c *gin.Context) {
	for _, r := range s.routes {
		if r.NotFound != nil && strings.HasPrefix(c.Request.URL.Path, r.Prefix) {
			defer keepNote(c, exchangeOf(c))
			if r.Use != nil {
				r.Use(c)
			}
			r.NotFound(c)
			return
		}
	}
	mock.WriteAdminError(c.Writer, &mock.AdminError{Status: http.StatusNotFound, Message: "no route for " + c.Request.Method + " " + c.Request.URL.Path})
}
