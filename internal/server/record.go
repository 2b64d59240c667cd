package server

import (
	"bufio"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/scenario"
	"github.com/tokenmock/tokenmock/internal/session"
)

// recorder remembers the status and the start of the body for the journal.
type recorder struct {
	http.ResponseWriter
	status int
	body   []byte
	// small holds the body of most token answers (about 600 bytes),
	// saving an allocation or two per request.
	small [640]byte
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.body == nil {
		r.body = r.small[:0]
	}
	if room := maxBodyShown - len(r.body); room > 0 {
		r.body = append(r.body, b[:min(room, len(b))]...)
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack is needed by faults that cut the connection.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

// record journals a vendor request and writes its log line: the failure
// the vendor noted (or the scenario rule that answered instead) and, at
// debug, both bodies. The info line costs no more on success than the
// fields it always has.
func (s *Server) record(r *http.Request, sess *session.Session, path string, body []byte, rec *recorder, x *exchange, start time.Time) {
	ms := float64(time.Since(start).Microseconds()) / 1000
	reason := x.note.Reason
	if reason == "" && x.injected {
		reason = injectedReason(x.rule, rec.status)
	}
	headers, dropped := maskHeaders(r.Header)
	reqBody, respBody := journalBodies(body, rec.body)
	e := Entry{
		Time:           s.now(sess).UTC(),
		Session:        sess.Name,
		Endpoint:       x.endpoint,
		Method:         r.Method,
		Path:           path,
		Query:          maskQuery(r.URL.RawQuery),
		Headers:        headers,
		HeadersDropped: dropped,
		Body:           reqBody,
		Status:         rec.status,
		ResponseBody:   respBody,
		Rule:           x.rule,
		Failure:        x.note.Name,
		Reason:         reason,
		DurationMS:     ms,
	}
	// The log line first: whoever sees the entry can find the line.
	s.logRequest(r, sess.Name, path, body, rec, x, reason, ms)
	s.journal.Add(e)
}

// journalBodies are the request body, masked, and the start of the
// answer, as the journal keeps them: copies of at most maxBodyShown bytes
// each, made in one allocation when masking changes nothing (both belong
// to the same entry and go together).
func journalBodies(body, answer []byte) (string, string) {
	body = body[:min(len(body), maxBodyShown)]
	var b strings.Builder
	b.Grow(len(body) + len(answer))
	b.Write(body)
	b.Write(answer)
	both := b.String()
	req, resp := both[:len(body)], both[len(body):]
	if masked := maskText(req); masked != req {
		// the unmasked copy must not stay alive beside the masked one
		return masked, strings.Clone(resp)
	}
	return req, resp
}

// logRequest writes a vendor request's log line.
func (s *Server) logRequest(r *http.Request, session, path string, body []byte, rec *recorder, x *exchange, reason string, ms float64) {
	ctx := r.Context()
	log := s.cfg.Log
	if !log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	var buf [12]slog.Attr
	a := append(buf[:0],
		slog.String("session", session), slog.String("endpoint", x.endpoint), slog.String("method", r.Method),
		slog.String("path", path), slog.Int("status", rec.status), slog.String("rule", x.rule))
	// Only a failed request has these, each only when known: a fault has
	// a reason but no catalogue failure.
	if n := x.note; n.Name != "" {
		a = append(a, slog.String("failure", n.Name))
	}
	if n := x.note; n.Field != "" {
		a = append(a, slog.String(logField(n.Field), n.Code))
	}
	if reason != "" {
		a = append(a, slog.String("reason", reason))
	}
	a = append(a, slog.Float64("duration_ms", ms))
	if log.Enabled(ctx, slog.LevelDebug) {
		a = append(a, slog.String("body", logBody(body)), slog.String("response_body", logBody(rec.body)))
	}
	log.LogAttrs(ctx, slog.LevelInfo, "request", a...)
}

// logField is the key of the vendor's code in the log line: the vendor's
// own field name, unless the line already has a key of that name.
func logField(field string) string {
	switch field {
	case "session", "endpoint", "method", "path", "status", "rule", "failure", "reason", "duration_ms", "body", "response_body":
		return "vendor_" + field
	}
	return field
}

// injectedReason says what a scenario rule did when it answered instead of
// the vendor and the vendor gave no reason (a rendered failure).
func injectedReason(rule string, status int) string {
	switch status {
	case 0:
		return "scenario rule " + rule + " cut the connection without an answer (fault)"
	case scenario.StatusClientClosed:
		return "the client gave up during the delay of scenario rule " + rule
	}
	return "scenario rule " + rule + " answered instead of the vendor"
}

// logAdmin writes an admin call's log line: at warn when it failed (with
// the error it answered), at debug otherwise.
func (s *Server) logAdmin(r *http.Request, session string, rec *recorder, start time.Time) {
	level := slog.LevelDebug
	if rec.status >= 400 {
		level = slog.LevelWarn
	}
	ctx := r.Context()
	if !s.cfg.Log.Enabled(ctx, level) {
		return
	}
	a := []slog.Attr{slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("session", session), slog.Int("status", rec.status)}
	if rec.status >= 400 {
		a = append(a, adminErrorAttrs(rec.body)...)
	}
	a = append(a, slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000))
	s.cfg.Log.LogAttrs(ctx, level, "admin", a...)
}

// adminErrorAttrs are the error and details of an admin error body, or
// the start of whatever else was answered.
func adminErrorAttrs(body []byte) []slog.Attr {
	var e mock.AdminErrorBody
	if json.Unmarshal(body, &e) != nil || e.Error == "" {
		return []slog.Attr{slog.String("error", logBody(body))}
	}
	a := []slog.Attr{slog.String("error", e.Error)}
	if len(e.Details) > 0 {
		a = append(a, slog.Any("details", e.Details))
	}
	return a
}

// refuse answers a request the server cannot serve at all (a bad session
// name, a body too large, an unknown X-Mock-Scenario) and logs it at warn;
// such a request reaches no vendor and is not journalled.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, session string, err *mock.AdminError) {
	mock.WriteAdminError(w, err)
	s.cfg.Log.LogAttrs(r.Context(), slog.LevelWarn, "request refused",
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("session", session),
		slog.Int("status", err.Status), slog.String("error", err.Message))
}
