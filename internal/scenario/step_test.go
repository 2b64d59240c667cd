package scenario

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// oneRule is a scenario of one rule acting on isolar.token.
func oneRule(do string) string {
	return "rules:\n  - when: {endpoint: isolar.token}\n    do: " + do + "\n"
}

// wantAnswer checks a whole answer's status, Content-Type and body.
func wantAnswer(status int, contentType, body string) func(t *testing.T, a answer, err error) {
	return func(t *testing.T, a answer, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("got error %v, want a whole answer", err)
		}
		if a.status != status {
			t.Errorf("got status %d, want %d", a.status, status)
		}
		if ct := a.header.Get("Content-Type"); ct != contentType {
			t.Errorf("got Content-Type %q, want %q", ct, contentType)
		}
		if a.body != body {
			t.Errorf("got body %q, want %q", a.body, body)
		}
	}
}

// wantSlow is check, and the answer took at least d.
func wantSlow(d time.Duration, check func(t *testing.T, a answer, err error)) func(t *testing.T, a answer, err error) {
	return func(t *testing.T, a answer, err error) {
		t.Helper()
		check(t, a, err)
		if a.elapsed < d {
			t.Errorf("got an answer after %v, want at least %v", a.elapsed, d)
		}
	}
}

func TestStepActions(t *testing.T) {
	const real = "application/json"
	cases := []struct {
		name    string
		do      string // the action of the one rule, on isolar.token
		path    string
		timeout time.Duration // the client's; none when zero
		// wantRule is the rule the step names; wantVendor tells whether
		// the vendor's handler ran.
		wantRule   string
		wantVendor bool
		check      func(t *testing.T, a answer, err error)
	}{
		{
			name: "no rule for the endpoint", do: "{status: 503}", path: "/refresh",
			wantRule: "", wantVendor: true,
			check: wantAnswer(200, real, vendorJSON(0)),
		},
		{
			name: "pass", do: "{pass: true}", path: "/token",
			wantRule: "inline/rules[0]", wantVendor: true,
			check: wantAnswer(200, real, vendorJSON(0)),
		},
		{
			name: "delay then the real answer", do: "{delay: 100ms}", path: "/token",
			wantRule: "inline/rules[0]", wantVendor: true,
			check: wantSlow(100*time.Millisecond, wantAnswer(200, real, vendorJSON(0))),
		},
		{
			name: "delay between min and max", do: "{delay: {min: 60ms, max: 90ms}}", path: "/token",
			wantRule: "inline/rules[0]", wantVendor: true,
			check: wantSlow(60*time.Millisecond, wantAnswer(200, real, vendorJSON(0))),
		},
		{
			name: "error", do: "{error: invalid_code}", path: "/token",
			wantRule: "inline/rules[0]", wantVendor: false,
			check: wantAnswer(400, real, invalidCodeJSON),
		},
		{
			name: "delay then error", do: "{delay: 50ms, error: hourly_limit}", path: "/token",
			wantRule: "inline/rules[0]", wantVendor: false,
			check: wantSlow(50*time.Millisecond, wantAnswer(200, real, hourlyLimitJSON)),
		},
		{
			name: "raw answer", do: `{status: 503, body: "upstream unavailable", headers: {Retry-After: "5"}}`, path: "/token",
			wantRule: "inline/rules[0]", wantVendor: false,
			check: func(t *testing.T, a answer, err error) {
				t.Helper()
				wantAnswer(503, "text/plain; charset=utf-8", "upstream unavailable")(t, a, err)
				if got := a.header.Get("Retry-After"); got != "5" {
					t.Errorf("got Retry-After %q, want %q", got, "5")
				}
			},
		},
		{
			name: "raw answer with its own Content-Type", do: `{status: 429, body: '{"x":1}', headers: {Content-Type: application/problem+json}}`, path: "/token",
			wantRule: "inline/rules[0]", wantVendor: false,
			check: wantAnswer(429, "application/problem+json", `{"x":1}`),
		},
		{
			name: "headers alone answer 200 with no body", do: `{headers: {X-Injected: "yes"}}`, path: "/token",
			wantRule: "inline/rules[0]", wantVendor: false,
			check: func(t *testing.T, a answer, err error) {
				t.Helper()
				if err != nil || a.status != 200 || a.body != "" || a.header.Get("X-Injected") != "yes" {
					t.Errorf("got %d %q X-Injected %q (%v), want 200, no body, X-Injected yes", a.status, a.body, a.header.Get("X-Injected"), err)
				}
				if ct, sent := a.header["Content-Type"]; sent {
					t.Errorf("got Content-Type %q, want none for no body", ct)
				}
			},
		},
		{
			name: "a status alone sends no Content-Type", do: `{status: 502}`, path: "/token",
			wantRule: "inline/rules[0]", wantVendor: false,
			check: func(t *testing.T, a answer, err error) {
				t.Helper()
				if ct, sent := a.header["Content-Type"]; err != nil || a.status != 502 || a.body != "" || sent {
					t.Errorf("got %d %q Content-Type %q (sent %v, %v), want 502, no body, no Content-Type", a.status, a.body, ct, sent, err)
				}
			},
		},
		{
			name: "fault reset", do: "{fault: reset}", path: "/token",
			wantRule: "inline/rules[0]", wantVendor: false,
			check: func(t *testing.T, a answer, err error) {
				t.Helper()
				if !errors.Is(err, syscall.ECONNRESET) {
					t.Errorf("got %d %q, error %v, want connection reset by peer", a.status, a.body, err)
				}
			},
		},
		{
			name: "fault empty", do: "{fault: empty}", path: "/token",
			wantRule: "inline/rules[0]", wantVendor: false,
			check: func(t *testing.T, a answer, err error) {
				t.Helper()
				var ue *url.Error
				if !errors.As(err, &ue) || !errors.Is(err, io.EOF) {
					t.Errorf("got %d %q, error %#v, want a *url.Error with io.EOF", a.status, a.body, err)
				}
			},
		},
		{
			name: "fault malformed", do: "{fault: malformed}", path: "/token",
			wantRule: "inline/rules[0]", wantVendor: false,
			check: func(t *testing.T, a answer, err error) {
				t.Helper()
				wantAnswer(200, "application/json;charset=UTF-8", malformedBody)(t, a, err)
				var v any
				var se *json.SyntaxError
				if err := json.Unmarshal([]byte(a.body), &v); !errors.As(err, &se) || se.Error() != "unexpected end of JSON input" {
					t.Errorf("decoding the body: got %v, want unexpected end of JSON input", err)
				}
			},
		},
		{
			// The client gives up; the server must let go then (the
			// server's cleanup fails when it does not).
			name: "fault hang", do: "{fault: hang}", path: "/token", timeout: 100 * time.Millisecond,
			wantRule: "inline/rules[0]", wantVendor: false,
			check: func(t *testing.T, a answer, err error) {
				t.Helper()
				var ue *url.Error
				if !errors.As(err, &ue) || !ue.Timeout() {
					t.Errorf("got %d %q, error %v, want the client's timeout", a.status, a.body, err)
				}
			},
		},
		{
			name: "token_ttl", do: "{token_ttl: 30s}", path: "/token",
			wantRule: "inline/rules[0]", wantVendor: true,
			check: wantAnswer(200, real, vendorJSON(30*time.Second)),
		},
		{
			name: "set keeps key order, adds new keys last", do: "{set: {a: changed, b.c: 7, n.m: true}}", path: "/token",
			wantRule: "inline/rules[0]", wantVendor: true,
			check: func(t *testing.T, a answer, err error) {
				t.Helper()
				want := `{"a":"changed","b":{"c":7},"ttl":"0s","n":{"m":true}}`
				wantAnswer(200, real, want)(t, a, err)
				if got := a.header.Get("Content-Length"); got != strconv.Itoa(len(want)) {
					t.Errorf("got Content-Length %q, want %d", got, len(want))
				}
				if got := a.header.Get("X-Vendor"); got != "real" {
					t.Errorf("got X-Vendor %q, want the vendor's header %q", got, "real")
				}
			},
		},
		{
			name: "set keeps the vendor's status", do: "{set: {a: x}}", path: "/token?status=201",
			wantRule: "inline/rules[0]", wantVendor: true,
			check: wantAnswer(201, real, `{"a":"x","b":{"c":2},"ttl":"0s"}`),
		},
		{
			name: "set with token_ttl", do: "{token_ttl: 1m, set: {b: null}}", path: "/token",
			wantRule: "inline/rules[0]", wantVendor: true,
			check: wantAnswer(200, real, `{"a":"1","b":null,"ttl":"1m0s"}`),
		},
		{
			name: "error with another status and headers", do: `{error: hourly_limit, status: 429, headers: {Retry-After: "60"}}`, path: "/token",
			wantRule: "inline/rules[0]", wantVendor: false,
			check: func(t *testing.T, a answer, err error) {
				t.Helper()
				wantAnswer(429, real, hourlyLimitJSON)(t, a, err)
				if got := a.header.Get("Retry-After"); got != "60" {
					t.Errorf("got Retry-After %q, want 60", got)
				}
			},
		},
		{
			name: "failure_status on the vendor's own failure", do: `{failure_status: {hourly_limit: {status: 429, headers: {Retry-After: "60"}}}}`, path: "/token?fail=hourly_limit",
			wantRule: "inline/rules[0]", wantVendor: true,
			check: func(t *testing.T, a answer, err error) {
				t.Helper()
				wantAnswer(429, real, hourlyLimitJSON)(t, a, err)
				if got := a.header.Get("Retry-After"); got != "60" {
					t.Errorf("got Retry-After %q, want 60", got)
				}
			},
		},
		{
			name: "failure_status leaves other answers alone", do: `{failure_status: {hourly_limit: 429, invalid_code: 401}}`, path: "/token",
			wantRule: "inline/rules[0]", wantVendor: true,
			check: func(t *testing.T, a answer, err error) {
				t.Helper()
				wantAnswer(200, real, vendorJSON(0))(t, a, err)
				if got, sent := a.header["Retry-After"]; sent {
					t.Errorf("got Retry-After %q, want none", got)
				}
			},
		},
		{
			name: "failure_status as a bare status, with set", do: `{failure_status: {hourly_limit: 401}, set: {result_code: E998}}`, path: "/token?fail=hourly_limit",
			wantRule: "inline/rules[0]", wantVendor: true,
			check: wantAnswer(401, real, `{"result_code":"E998"}`),
		},
		{
			name: "set leaves a non-JSON answer alone", do: "{set: {a: x}}", path: "/token?plain=1",
			wantRule: "inline/rules[0]", wantVendor: true,
			check: wantAnswer(200, "text/plain; charset=utf-8", vendorPlain),
		},
		{
			// The vendor's answer to its own panic reaches the client,
			// and the rule was noted before it acted.
			name: "set when the vendor panics", do: "{set: {a: x}}", path: "/token?panic=1",
			wantRule: "inline/rules[0]", wantVendor: true,
			check: wantAnswer(500, real, internalJSON),
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			s.activate(t, "actions", oneRule(c.do))
			a, err := send(s.client(t, c.timeout), s.newRequest(t, call{path: c.path, session: "actions"}))
			c.check(t, a, err)
			if got := s.next(t).rule; got != c.wantRule {
				t.Errorf("step: got rule %q, want %q", got, c.wantRule)
			}
			want := int64(0)
			if c.wantVendor {
				want = 1
			}
			if got := s.calls.Load(); got != want {
				t.Errorf("got %d runs of the vendor's handler, want %d", got, want)
			}
		})
	}
}

// A client that leaves during a delay gets nothing: the step aborts with
// 499 and the vendor's handler never runs.
func TestStepClientLeavesDuringDelay(t *testing.T) {
	s := newTestServer(t)
	s.activate(t, "leaving", oneRule("{delay: 300ms}"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.arrived:
			cancel()
		case <-ctx.Done():
		}
	}()
	req := s.newRequest(t, call{path: "/token", session: "leaving"}).WithContext(ctx)
	if a, err := send(s.client(t, 0), req); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %d %q, error %v, want the client's own cancellation", a.status, a.body, err)
	}
	rec := s.next(t)
	if rec.status != StatusClientClosed || rec.rule != "inline/rules[0]" {
		t.Errorf("got status %d rule %q, want %d and inline/rules[0]", rec.status, rec.rule, StatusClientClosed)
	}
	if got := s.calls.Load(); got != 0 {
		t.Errorf("got %d runs of the vendor's handler, want 0", got)
	}
}

// A request the server has given no session (outside the server) meets
// no rule.
func TestStepWithoutSession(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	e := NewEngine(testCatalogue(), 1)
	e.Add(mustParse(t, "name: everywhere\nrules: [{when: {endpoint: '*'}, do: {fault: reset}}]\n"))
	if err := e.SetDefault("everywhere"); err != nil {
		t.Fatalf("SetDefault: got %v, want nil", err)
	}
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	c.Request = httptest.NewRequest(http.MethodPost, "/token", nil)
	if got, act := e.Step("isolar.token", nil)(c); got != "" || act != nil {
		t.Errorf("got rule %q and an action %v, want none", got, act != nil)
	}
	if c.IsAborted() || c.Writer.Written() {
		t.Errorf("got aborted %v, written %v, want the request left alone", c.IsAborted(), c.Writer.Written())
	}
}

// noHijack is a response writer with no connection to cut, as an HTTP/2
// stream's.
type noHijack struct{ gin.ResponseWriter }

func (noHijack) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, errors.New("no connection")
}

// With no connection to cut, a fault aborts the stream: net/http's
// ErrAbortHandler.
func TestFaultWithoutConnection(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	for _, kind := range []string{FaultReset, FaultEmpty, FaultHang} {
		t.Run(kind, func(t *testing.T) {
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // a hang lets go at once
			c.Request = httptest.NewRequest(http.MethodPost, "/token", nil).WithContext(ctx)
			c.Writer = noHijack{c.Writer}
			defer func() {
				if got := recover(); got != http.ErrAbortHandler {
					t.Errorf("got panic %v, want http.ErrAbortHandler", got)
				}
			}()
			fault(c, kind)
		})
	}
}

// A reset over TLS sets the linger of the TCP connection under it.
func TestNetConnUnwrapsTLS(t *testing.T) {
	raw, other := net.Pipe()
	defer raw.Close()
	defer other.Close()
	cases := []struct {
		name string
		conn net.Conn
	}{
		{"plain", raw},
		{"tls", tls.Client(raw, &tls.Config{InsecureSkipVerify: true})},
	}
	for _, c := range cases {
		if got := netConn(c.conn); got != raw {
			t.Errorf("%s: got %T, want the connection under it", c.name, got)
		}
	}
}

// The delay of a {min, max} action is drawn from the seeded source.
func TestDelayOf(t *testing.T) {
	cases := []struct {
		name     string
		min, max time.Duration
	}{
		{"fixed", 50 * time.Millisecond, 0},
		{"max equal to min", 50 * time.Millisecond, 50 * time.Millisecond},
		{"range", 10 * time.Millisecond, 20 * time.Millisecond},
	}
	for _, c := range cases {
		a := &Action{Delay: c.min, DelayMax: c.max}
		e1, e2 := NewEngine(testCatalogue(), 7), NewEngine(testCatalogue(), 7)
		seen := map[time.Duration]bool{}
		for i := range 20 {
			d1, d2 := e1.delayOf(1, "s", a), e2.delayOf(1, "s", a)
			if d1 != d2 {
				t.Errorf("%s #%d: got %v and %v from the same seed, want the same", c.name, i, d1, d2)
			}
			if hi := max(c.min, c.max); d1 < c.min || d1 > hi || (c.max > c.min && d1 == hi) {
				t.Errorf("%s #%d: got %v, want within [%v, %v)", c.name, i, d1, c.min, hi)
			}
			seen[d1] = true
		}
		if random := c.max > c.min; random != (len(seen) > 1) {
			want := map[bool]string{true: "several", false: "one"}[random]
			t.Errorf("%s: got %d different delays in 20 draws, want %s", c.name, len(seen), want)
		}
	}
}

// The buffer holds the vendor's answer back: its first status wins and
// nothing reaches the real writer.
func TestBufferWriter(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	rec := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(rec)
	w := &bufferWriter{ResponseWriter: c.Writer, status: http.StatusOK}
	if w.Written() || w.Status() != http.StatusOK || w.Size() != 0 {
		t.Errorf("new: got written %v, status %d, size %d, want false, 200, 0", w.Written(), w.Status(), w.Size())
	}
	w.WriteHeader(http.StatusCreated)
	w.WriteHeader(http.StatusInternalServerError)
	w.WriteHeaderNow()
	w.WriteString("ab")
	w.Write([]byte("c"))
	if !w.Written() || w.Status() != http.StatusCreated || w.Size() != 3 || w.buf.String() != "abc" {
		t.Errorf("got written %v, status %d, size %d, %q, want true, 201, 3, \"abc\"", w.Written(), w.Status(), w.Size(), w.buf.String())
	}
	if c.Writer.Written() || rec.Body.Len() != 0 {
		t.Errorf("got the real writer written %v with %q, want nothing written", c.Writer.Written(), rec.Body.String())
	}
}

// Over TLS, faults still break the exchange the way they say: a reset is
// a TCP reset (not a TLS close, which reads as a clean end), and on
// HTTP/2, which has no connection per request to cut, the stream is
// reset: the client never gets an answer.
func TestFaultsOverTLS(t *testing.T) {
	cases := []struct {
		name, fault string
		h2          bool
		timeout     time.Duration
		check       func(t *testing.T, err error)
	}{
		{"reset over TLS", "reset", false, 0, func(t *testing.T, err error) {
			if !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("got error %v, want a connection reset (ECONNRESET)", err)
			}
		}},
		{"empty over TLS", "empty", false, 0, func(t *testing.T, err error) {
			var ue *url.Error
			if !errors.As(err, &ue) || ue.Err != io.EOF {
				t.Errorf("got error %v, want EOF: the connection closed with no answer", err)
			}
		}},
		{"reset over HTTP/2", "reset", true, 0, wantStreamError},
		{"empty over HTTP/2", "empty", true, 0, wantStreamError},
		{"hang over HTTP/2", "hang", true, 300 * time.Millisecond, func(t *testing.T, err error) {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Errorf("got error %v, want the client's timeout", err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newTLSTestServer(t, c.h2)
			s.activate(t, "tls", oneRule("{fault: "+c.fault+"}"))
			a, err := send(s.tlsClient(t, c.timeout), s.newRequest(t, call{path: "/token", session: "tls"}))
			if err == nil {
				t.Fatalf("got %d %q, want no answer", a.status, a.body)
			}
			c.check(t, err)
			if got := s.calls.Load(); got != 0 {
				t.Errorf("got %d runs of the vendor's handler, want 0", got)
			}
		})
	}
}

// wantStreamError: the HTTP/2 stream was reset with no answer.
func wantStreamError(t *testing.T, err error) {
	t.Helper()
	if !strings.Contains(err.Error(), "stream error") && !strings.Contains(err.Error(), "INTERNAL_ERROR") {
		t.Errorf("got error %v, want the stream reset", err)
	}
}
