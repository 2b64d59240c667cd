package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/session"
)

func (s *Server) mountAdmin(g *gin.RouterGroup) {
	g.GET("/health", s.health)
	g.GET("/openapi.json", openAPI)
	s.mountPages(g) // /callback and /ui, before the guard: a browser's navigation carries no token
	g.Use(s.guard)
	g.GET("/requests", s.listRequests)
	g.DELETE("/requests", s.clearRequests)
	g.POST("/reset", s.reset)
	g.GET("/clock", s.clock)
	g.POST("/clock", s.setClock)
	g.POST("/codes", s.mintCode)
	g.POST("/introspect", s.introspect)
	g.GET("/scenarios", s.listScenarios)
	g.PUT("/scenario", s.putScenario)
	g.DELETE("/scenario", s.deleteScenario)
	// A vendor's own admin routes answer with the admin API's headers (the
	// Content-Type they write replaces the default).
	vg := g.Group("", func(c *gin.Context) { mock.SetAdminHeaders(c.Writer.Header()) })
	for _, v := range s.cfg.Vendors {
		if am, ok := v.(mock.AdminMounter); ok {
			am.MountAdmin(vg)
		}
	}
}

// guard asks for the admin token when one is configured. ServeHTTP makes
// the same check before it looks up a session (see adminAllowed); this is
// the guard of the routes themselves.
func (s *Server) guard(c *gin.Context) {
	if !s.adminAllowed(c.Request) {
		denyAdmin(c.Writer)
		c.Abort()
	}
}

// openAPI serves the admin API's OpenAPI document; like health, it needs
// no admin token.
func openAPI(c *gin.Context) {
	mock.SetAdminHeaders(c.Writer.Header())
	c.Writer.WriteHeader(http.StatusOK)
	c.Writer.Write(tokenmock.AdminOpenAPI)
}

func (s *Server) health(c *gin.Context) {
	mock.WriteAdminJSON(c.Writer, http.StatusOK, struct {
		Status  string `json:"status"`
		Version string `json:"version"`
	}{"ok", s.cfg.Version})
}

// Journal listing limits (README, docs/scenarios.md): GET /_mock/requests
// shows the newest DefaultListLimit matching entries unless ?limit= asks
// for another number, at most MaxListLimit (0 asks for that many: every
// entry the journal can hold).
const (
	DefaultListLimit = 1000
	MaxListLimit     = JournalSize
)

// The listing is written a chunk of entries at a time, each chunk within
// listWriteTimeout: a client that stops reading is cut off, and holds no
// more than a chunk meanwhile. (No server-wide WriteTimeout: it would cut
// the long delays and hangs of scenarios.)
const listChunk = 16

var listWriteTimeout = 30 * time.Second // a variable for tests

func (s *Server) listRequests(c *gin.Context) {
	limit := DefaultListLimit
	if v, ok := c.GetQuery("limit"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxListLimit {
			mock.WriteAdminError(c.Writer, mock.BadRequest("limit: want an integer from 0 to "+strconv.Itoa(MaxListLimit)+
				" (the most a listing shows; 0 for that many), got "+strconv.Quote(v), "without limit, the newest "+strconv.Itoa(DefaultListLimit)+" entries are listed"))
			return
		}
		limit = n
		if n == 0 {
			limit = MaxListLimit
		}
	}
	endpoint := c.Query("endpoint")
	if endpoint != "" && !s.knownEndpoint(endpoint) {
		mock.WriteAdminError(c.Writer, mock.BadRequest("endpoint: unknown id "+strconv.Quote(endpoint)+" (want one of "+strings.Join(s.endpointIDs(), ", ")+")"))
		return
	}
	// Unlike the other calls, the journal lists every session unless one
	// is named: by the /s/{id} prefix, X-Mock-Session or ?session= (that
	// precedence, as ServeHTTP resolved it).
	sess := ""
	if req := mock.Req(c); req.Prefix != "" || c.GetHeader("X-Mock-Session") != "" || c.Query("session") != "" {
		sess = req.Session.Name
	}
	keep := func(e *Entry) bool {
		return (endpoint == "" || e.Endpoint == endpoint) && (sess == "" || e.Session == sess)
	}
	from, to := s.journal.window(keep, limit)
	w := c.Writer
	mock.SetAdminHeaders(w.Header())
	w.WriteHeader(http.StatusOK)
	// Streamed: an entry at a time, never the whole answer in memory.
	rc := http.NewResponseController(w)
	out := bufio.NewWriterSize(w, 16<<10)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	out.WriteString(`{"requests":[`)
	chunk := make([]Entry, 0, listChunk)
	sep := ""
	for from != 0 {
		chunk, from = s.journal.chunk(chunk[:0], keep, from, to, listChunk)
		_ = rc.SetWriteDeadline(time.Now().Add(listWriteTimeout)) // not supported by every writer (tests)
		for i := range chunk {
			buf.Reset()
			if err := enc.Encode(&chunk[i]); err != nil {
				panic("server: unencodable journal entry: " + err.Error())
			}
			out.WriteString(sep)
			sep = ","
			if _, err := out.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))); err != nil {
				return // the client left or stopped reading
			}
		}
		clear(chunk) // the entries' text may be dropped from the journal meanwhile
	}
	out.WriteString("]}")
	out.Flush()
}

// clearRequests forgets the session's journal entries, or with ?all=true
// every session's, and answers with what is left of them: none.
func (s *Server) clearRequests(c *gin.Context) {
	all, ok := allQuery(c)
	if !ok {
		return
	}
	if all {
		s.journal.Clear()
	} else {
		name := mock.Req(c).Session.Name
		s.journal.Remove(func(e *Entry) bool { return e.Session == name })
	}
	mock.WriteAdminJSON(c.Writer, http.StatusOK, struct {
		Requests []Entry `json:"requests"`
	}{[]Entry{}})
}

// allQuery reads ?all= (absent means false); on any other value than true
// or false it answers a 400 and ok is false.
func allQuery(c *gin.Context) (all, ok bool) {
	switch v := c.Query("all"); v {
	case "", "false":
		return false, true
	case "true":
		return true, true
	default:
		mock.WriteAdminError(c.Writer, mock.BadRequest("all: want true or false, got "+strconv.Quote(v)))
		return false, false
	}
}

type clockState struct {
	Session string    `json:"session"`
	Now     time.Time `json:"now"`
	Offset  string    `json:"offset"`
	Frozen  bool      `json:"frozen"`
}

func clockOf(sess *session.Session, r session.Reading) clockState {
	return clockState{sess.Name, r.Now.UTC(), r.Offset.String(), r.Frozen}
}

func (s *Server) clock(c *gin.Context) {
	sess := mock.Req(c).Session
	mock.WriteAdminJSON(c.Writer, http.StatusOK, clockOf(sess, sess.Read(s.cfg.Sessions.Wall())))
}

// maxOffset bounds how far a session's clock may be from the real one:
// 250 years, short of time.Duration's limit of 292.
const maxOffset = 250 * 365 * 24 * time.Hour

type clockRequest struct {
	Advance string `json:"advance"`
	Set     string `json:"set"`
	Reset   bool   `json:"reset"`
	Freeze  *bool  `json:"freeze"`
}

// setClock moves the session's clock, freezes it or lets it run again. A
// running clock keeps flowing from where it is put; a frozen one shows
// the same time until it is moved, unfrozen or reset.
func (s *Server) setClock(c *gin.Context) {
	var req clockRequest
	if err := mock.DecodeStrict(mock.Req(c).Body, &req); err != nil {
		mock.WriteAdminError(c.Writer, err)
		return
	}
	given := 0
	for _, b := range []bool{req.Advance != "", req.Set != "", req.Reset} {
		if b {
			given++
		}
	}
	if given > 1 || given == 0 && req.Freeze == nil {
		mock.WriteAdminError(c.Writer, mock.BadRequest(`want one of "advance", "set", "reset", with or without "freeze"; or "freeze" alone`))
		return
	}
	var (
		advance time.Duration
		set     time.Time
	)
	if req.Advance != "" {
		d, err := time.ParseDuration(req.Advance)
		if err != nil || d < 0 {
			mock.WriteAdminError(c.Writer, mock.BadRequest("advance: want a non-negative Go duration such as \"49h\", got "+strconv.Quote(req.Advance)))
			return
		}
		advance = d
	}
	if req.Set != "" {
		t, err := time.Parse(time.RFC3339Nano, req.Set)
		if err != nil {
			mock.WriteAdminError(c.Writer, mock.BadRequest("set: want an RFC 3339 time such as \"2026-01-02T15:04:05Z\", got "+strconv.Quote(req.Set)))
			return
		}
		set = t
	}
	sess := mock.Req(c).Session
	wall := s.cfg.Sessions.Wall()
	r, err := sess.ChangeClock(wall, func(r session.Reading) (time.Time, bool, error) {
		now, frozen := r.Now, r.Frozen
		switch {
		case req.Advance != "":
			now = now.Add(advance)
			if now.Sub(wall) > maxOffset {
				return now, frozen, mock.BadRequest(fmt.Sprintf("advance: the clock would go more than %v past the real time", maxOffset))
			}
		case req.Set != "":
			now = set
			if off := now.Sub(wall); off > maxOffset || off < -maxOffset {
				return now, frozen, mock.BadRequest(fmt.Sprintf("set: want a time within %v of the real time, got %s", maxOffset, req.Set))
			}
		case req.Reset:
			now, frozen = wall, false
		}
		if req.Freeze != nil {
			frozen = *req.Freeze
		}
		return now, frozen, nil
	})
	if err != nil {
		mock.WriteAdminError(c.Writer, err)
		return
	}
	mock.WriteAdminJSON(c.Writer, http.StatusOK, clockOf(sess, r))
}

// reset answers with the session's clock after the reset.
func (s *Server) reset(c *gin.Context) {
	all, ok := allQuery(c)
	if !ok {
		return
	}
	sess := mock.Req(c).Session
	if !all {
		sess.ResetClock()
		if s.cfg.Scenarios != nil {
			s.cfg.Scenarios.Reset(sess.ID)
		}
	} else {
		s.cfg.Sessions.Drop()
		for _, v := range s.cfg.Vendors {
			v.Reset()
		}
		if s.cfg.Scenarios != nil {
			s.cfg.Scenarios.ResetAll()
		}
		s.journal.Clear()
		fresh, err := s.cfg.Sessions.Get(sess.Name)
		if err != nil {
			mock.WriteAdminError(c.Writer, err)
			return
		}
		sess = fresh
	}
	mock.WriteAdminJSON(c.Writer, http.StatusOK, clockOf(sess, sess.Read(s.cfg.Sessions.Wall())))
}

func (s *Server) mintCode(c *gin.Context) {
	body := mock.Req(c).Body
	var head struct {
		Vendor string `json:"vendor"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		mock.WriteAdminError(c.Writer, mock.BadRequest("invalid JSON body", err.Error()))
		return
	}
	var names []string
	for i, v := range s.cfg.Vendors {
		m, ok := v.(mock.CodeMinter)
		if !ok {
			continue
		}
		name := s.routes[i].Vendor
		names = append(names, name)
		if name != head.Vendor {
			continue
		}
		code, err := m.MintCode(c.Request.Context(), body)
		if err != nil {
			mock.WriteAdminError(c.Writer, err)
			return
		}
		mock.WriteAdminJSON(c.Writer, http.StatusCreated, struct {
			Code string `json:"code"`
		}{code})
		return
	}
	mock.WriteAdminError(c.Writer, mock.BadRequest("vendor: want one of "+strings.Join(names, ", ")+", got "+strconv.Quote(head.Vendor)))
}

func (s *Server) introspect(c *gin.Context) {
	var req struct {
		Token string `json:"token"`
	}
	if err := mock.DecodeStrict(mock.Req(c).Body, &req); err != nil {
		mock.WriteAdminError(c.Writer, err)
		return
	}
	if req.Token == "" {
		mock.WriteAdminError(c.Writer, mock.BadRequest(`token: want the token to describe, as {"token": "..."}`))
		return
	}
	for _, v := range s.cfg.Vendors {
		if info, ok := v.Introspect(c.Request.Context(), req.Token); ok {
			mock.WriteAdminJSON(c.Writer, http.StatusOK, info)
			return
		}
	}
	mock.WriteAdminJSON(c.Writer, http.StatusOK, mock.Introspection{})
}
