package apicheck

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
)

// Wrap returns h with every /_mock answer checked against the document:
// a mismatch is a t.Errorf naming the method, path, status, the body's
// beginning and the validator's message. The answer still reaches the
// client unchanged (streamed as h writes it); other requests pass
// through unchecked.
func Wrap(t testing.TB, h http.Handler) http.Handler {
	return wrap(h, func(report string) { t.Errorf("%s", report) })
}

// Direct is Wrap for a handler a test calls itself (with an
// httptest.ResponseRecorder, no server in between) where no testing.TB is
// at hand: a mismatch panics with the report, in the test's goroutine.
func Direct(h http.Handler) http.Handler {
	return wrap(h, func(report string) { panic(report) })
}

func wrap(h http.Handler, fail func(report string)) http.Handler {
	c := mustShared()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, admin := AdminPath(r.URL.Path); !admin {
			h.ServeHTTP(w, r)
			return
		}
		body, err := readAll(r.Body)
		if err != nil {
			fail(fmt.Sprintf("apicheck: read the request body of %s %s: %v", r.Method, r.URL.Path, err))
		}
		u := *r.URL
		x := Exchange{Method: r.Method, URL: &u, Header: r.Header.Clone(), Body: body}
		r.Body = http.NoBody
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		tw := &teeWriter{ResponseWriter: w}
		h.ServeHTTP(tw, r)
		x.Status, x.RespHeader, x.RespBody = tw.status(), w.Header().Clone(), tw.buf.Bytes()
		x.Cut = tw.cut
		if err := c.Check(x); err != nil {
			fail(Report(x, err))
		}
	})
}

// teeWriter passes an answer through and keeps a copy of it.
type teeWriter struct {
	http.ResponseWriter
	code int
	buf  bytes.Buffer
	cut  bool // a write failed: the client left, the answer is not whole
}

func (w *teeWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *teeWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	w.buf.Write(b)
	n, err := w.ResponseWriter.Write(b)
	if err != nil {
		w.cut = true
	}
	return n, err
}

func (w *teeWriter) status() int {
	if w.code == 0 {
		return http.StatusOK // nothing written: net/http answers 200
	}
	return w.code
}

// Unwrap lets http.ResponseController reach the real writer (write
// deadlines, flushes).
func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *teeWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *teeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := w.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("apicheck: the writer cannot hijack")
}
