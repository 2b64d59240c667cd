package apicheck

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// Transport returns a RoundTripper (base, or http.DefaultTransport when
// nil) that checks every /_mock answer it carries, for tests that talk to
// a server in another process. A mismatch is a t.Errorf; the caller gets
// the answer unchanged.
func Transport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	mustShared()
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{t: t, base: base}
}

// Client is an http.Client with Transport(t, nil).
func Client(t testing.TB) *http.Client {
	return &http.Client{Transport: Transport(t, nil)}
}

type transport struct {
	t    testing.TB
	base http.RoundTripper
}

func (tr *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if _, admin := AdminPath(r.URL.Path); !admin {
		return tr.base.RoundTrip(r)
	}
	body, err := readAll(r.Body)
	if err != nil {
		return nil, err
	}
	r = r.Clone(r.Context())
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	resp, err := tr.base.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(got))
	if err != nil {
		return nil, err
	}
	CheckResponse(tr.t, r, body, resp, got)
	return resp, nil
}

// CheckResponse checks one answer a test already read: the request (with
// its body, which r itself may no longer hold: nil reads it again from
// r.GetBody when there is one) and the response with its body. A mismatch
// is a t.Errorf; vendor requests are not checked.
func CheckResponse(t testing.TB, r *http.Request, reqBody []byte, resp *http.Response, respBody []byte) {
	t.Helper()
	if reqBody == nil && r.GetBody != nil {
		if rc, err := r.GetBody(); err == nil {
			reqBody, _ = readAll(rc)
		}
	}
	u := *r.URL
	x := Exchange{Method: r.Method, URL: &u, Header: r.Header, Body: reqBody,
		Status: resp.StatusCode, RespHeader: resp.Header, RespBody: respBody}
	if err := mustShared().Check(x); err != nil {
		t.Errorf("%s", Report(x, err))
	}
}
