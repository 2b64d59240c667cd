package scenario

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// StatusClientClosed is journalled for a request whose client left
// first (nginx's "client closed request").
const StatusClientClosed = 499

// HangLimit bounds a hang: the server lets go of the connection after it.
const HangLimit = 10 * time.Minute

// malformedBody is a 200 answer cut short: every JSON parser fails on it.
const malformedBody = `{"access_token":"`

// Step is the scenario step of one endpoint, which the server runs before
// the vendor's handler. It decides, atomically for the request's session,
// which rule acts, and returns the rule's name ("" when none) and what it
// does (nil when nothing): the server notes the rule, then runs act, which
// delays, answers instead of the vendor, cuts the connection, or changes
// the real answer. An injected answer changes no vendor state.
type Step func(c *gin.Context) (rule string, act gin.HandlerFunc)

// Step returns the step of endpoint id, whose failures renders by name;
// the server makes one per endpoint when it mounts the vendors' tables.
func (e *Engine) Step(id string, failures map[string]gin.HandlerFunc) Step {
	return func(c *gin.Context) (string, gin.HandlerFunc) {
		m := mock.Req(c)
		if m.Session == nil {
			return "", nil
		}
		sess := m.Session
		rule, a := e.decide(sess.ID, sess.Name, id, c.Request, m.Body)
		if a == nil {
			return "", nil
		}
		return rule, func(c *gin.Context) { e.act(c, sess.ID, sess.Name, a, failures) }
	}
}

// holdsRequest tells whether the action keeps the request waiting.
func (a *Action) holdsRequest() bool { return a.Delay > 0 || a.Fault == FaultHang }

// tooManyHeld is the answer of a hang or a delay past MaxHeldRequests.
const tooManyHeld = "too many requests held by hang/delay scenarios (limit %d)"

// act does what a rule's action says, in the session of that id and name.
func (e *Engine) act(c *gin.Context, session uint64, name string, a *Action, failures map[string]gin.HandlerFunc) {
	if a.holdsRequest() {
		if e.held.Add(1) > e.maxHeld {
			e.held.Add(-1)
			refuseHold(c, e.maxHeld)
			return
		}
		// A hang holds the request until it ends (a fault leaves by a
		// panic); a delay, until it is over.
		holding := true
		defer func() {
			if holding {
				e.held.Add(-1)
			}
		}()
		if a.Delay > 0 && !sleep(c.Request.Context(), e.delayOf(session, name, a)) {
			gone(c)
			return
		}
		if a.Fault != FaultHang {
			holding = false
			e.held.Add(-1)
		}
	}
	switch {
	case a.Error != "":
		// The loader checked the name against the catalogue.
		render := failures[a.Error]
		if a.Status != 0 || len(a.Headers) > 0 {
			status, body := capture(c, func() { render(c) })
			sendCaptured(c, Restatus{a.Status, a.Headers}.of(status, c), body)
		} else {
			render(c)
		}
		c.Abort()
	case a.Status != 0:
		for k, v := range a.Headers {
			c.Header(k, v)
		}
		switch ct := c.Writer.Header().Get("Content-Type"); {
		case a.Body != "":
			if ct == "" {
				ct = "text/plain; charset=utf-8"
			}
			c.Data(a.Status, ct, []byte(a.Body))
		default: // no body: no Content-Type but the rule's own
			c.Status(a.Status)
			c.Writer.WriteHeaderNow()
		}
		c.Abort()
	case a.Fault != "":
		fault(c, a.Fault)
		c.Abort()
	default:
		if a.TokenTTL > 0 {
			c.Request = c.Request.WithContext(mock.WithTokenTTL(c.Request.Context(), a.TokenTTL))
		}
		if len(a.Set) > 0 || len(a.FailureStatus) > 0 {
			rewrite(c, a)
		}
	}
}

// refuseHold answers at once, with the admin API's error body, a request
// that a hang or a delay would hold past the limit.
func refuseHold(c *gin.Context, limit int64) {
	mock.WriteAdminError(c.Writer, &mock.AdminError{Status: http.StatusServiceUnavailable, Message: fmt.Sprintf(tooManyHeld, limit),
		Details: []string{"the rule's hang or delay did not run; requests held now end when their delay or hang does"}})
	c.Abort()
}

// delayOf draws the delay of a {min, max} action from the session's source.
func (e *Engine) delayOf(session uint64, name string, a *Action) time.Duration {
	if a.DelayMax <= a.Delay {
		return a.Delay
	}
	st := e.locked(session)
	p := st.chance(e.seed, name)
	st.mu.Unlock()
	return a.Delay + time.Duration(p*float64(a.DelayMax-a.Delay))
}

// gone ends a request whose context ended: the client gave up, or the
// server is shutting down.
func gone(c *gin.Context) {
	if errors.Is(context.Cause(c.Request.Context()), mock.ErrShutdown) {
		// The server is going away under the client: it sees the
		// connection close, as from a real server stopping.
		panic(http.ErrAbortHandler)
	}
	// The client gave up: nothing reaches it, and the journal says so
	// with nginx's "client closed request".
	c.AbortWithStatus(StatusClientClosed)
}

// sleep waits d, or less when the client goes away; false then.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// fault breaks the exchange the way a network or a crashing server would.
func fault(c *gin.Context, kind string) {
	switch kind {
	case FaultMalformed:
		c.Data(http.StatusOK, "application/json;charset=UTF-8", []byte(malformedBody))
		return
	case FaultHang:
		ctx, cancel := context.WithTimeout(c.Request.Context(), HangLimit)
		defer cancel()
		<-ctx.Done()
	}
	if c.Request.ProtoMajor >= 2 {
		// An HTTP/2 stream has no connection of its own to cut (and gin's
		// Hijack panics on it): reset the stream.
		panic(http.ErrAbortHandler)
	}
	conn, _, err := http.NewResponseController(c.Writer).Hijack()
	if err != nil {
		// A writer with no connection (a test recorder): abort.
		panic(http.ErrAbortHandler)
	}
	if kind == FaultReset {
		if tc, ok := netConn(conn).(*net.TCPConn); ok {
			// RST instead of FIN, and on the TCP connection itself: over
			// TLS a close_notify first would read as a clean end.
			tc.SetLinger(0)
			tc.Close()
			return
		}
	}
	conn.Close()
}

// netConn unwraps a TLS connection to the TCP one under it.
func netConn(c net.Conn) net.Conn {
	if u, ok := c.(interface{ NetConn() net.Conn }); ok {
		return u.NetConn()
	}
	return c
}

// rewrite lets the vendor answer into a buffer, then replaces the named
// fields of its JSON (keeping key order) and the status of a named
// failure, and sends the result.
func rewrite(c *gin.Context, a *Action) {
	status, body := capture(c, c.Next)
	if c.Request.Context().Err() != nil {
		// No work for an answer nobody reads.
		gone(c)
		return
	}
	if len(a.Set) > 0 {
		if out, err := setFields(body, a.Set); err == nil {
			body = out
		}
	}
	if r, ok := a.FailureStatus[mock.FailureOf(c)]; ok {
		status = r.of(status, c)
	}
	sendCaptured(c, status, body)
}

// of is the status to answer with instead of status, after adding the
// headers to c's answer.
func (r Restatus) of(status int, c *gin.Context) int {
	for k, v := range r.Headers {
		c.Header(k, v)
	}
	if r.Status != 0 {
		return r.Status
	}
	return status
}

// capture runs answer with c's writer held back, and returns what it
// answered.
func capture(c *gin.Context, answer func()) (status int, body []byte) {
	w := &bufferWriter{ResponseWriter: c.Writer, status: http.StatusOK}
	c.Writer = w
	// A panic further down leaves through here: the writer is given back
	// so that the vendor's answer to it reaches the client.
	defer func() { c.Writer = w.ResponseWriter }()
	answer()
	return w.status, w.buf.Bytes()
}

// sendCaptured writes an answer captured (and changed) in full.
func sendCaptured(c *gin.Context, status int, body []byte) {
	c.Writer.Header().Set("Content-Length", strconv.Itoa(len(body)))
	c.Writer.WriteHeader(status)
	c.Writer.Write(body)
}

// bufferWriter holds the vendor's answer back.
type bufferWriter struct {
	gin.ResponseWriter
	status  int
	written bool
	buf     bytes.Buffer
}

func (w *bufferWriter) WriteHeader(code int) {
	if !w.written {
		w.status, w.written = code, true
	}
}
func (w *bufferWriter) WriteHeaderNow()             { w.written = true }
func (w *bufferWriter) Write(b []byte) (int, error) { w.written = true; return w.buf.Write(b) }
func (w *bufferWriter) WriteString(s string) (int, error) {
	w.written = true
	return w.buf.WriteString(s)
}
func (w *bufferWriter) Status() int   { return w.status }
func (w *bufferWriter) Size() int     { return w.buf.Len() }
func (w *bufferWriter) Written() bool { return w.written }
