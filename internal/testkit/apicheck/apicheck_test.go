package apicheck

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func exchange(method, target, body string, status int, ct, respBody string) Exchange {
	u, err := url.Parse(target)
	if err != nil {
		panic(err)
	}
	h := http.Header{}
	if body != "" {
		h.Set("Content-Type", "application/json")
	}
	rh := http.Header{}
	if ct != "" {
		rh.Set("Content-Type", ct)
	}
	return Exchange{Method: method, URL: u, Header: h, Body: []byte(body), Status: status, RespHeader: rh, RespBody: []byte(respBody)}
}

const (
	clockBody = `{"session":"px","now":"2026-03-14T09:26:53Z","offset":"0s","frozen":false}`
	errBody   = `{"error":"bad","details":[]}`
)

func TestCheck(t *testing.T) {
	c, err := Shared()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		x    Exchange
		bad  string // a part of the error, "" for none
	}{
		{"health", exchange("GET", "/_mock/health", "", 200, "application/json", `{"status":"ok","version":"v1"}`), ""},
		{"health without version", exchange("GET", "/_mock/health", "", 200, "application/json", `{"status":"ok"}`), "version"},
		{"health with more", exchange("GET", "/_mock/health", "", 200, "application/json", `{"status":"ok","version":"v1","x":1}`), "x"},
		{"undocumented status", exchange("GET", "/_mock/health", "", 418, "application/json", errBody), "status is not supported"},
		{"wrong content type", exchange("GET", "/_mock/clock", "", 200, "text/plain", clockBody), "text/plain"},
		{"prefix stripped", exchange("GET", "/s/px/_mock/clock", "", 200, "application/json", clockBody), ""},
		{"prefix and // stripped", exchange("GET", "/s/px//_mock/clock", "", 200, "application/json", clockBody), ""},
		{"error body", exchange("GET", "/_mock/clock?session=..", "", 400, "application/json", errBody), ""},
		{"error body without details", exchange("GET", "/_mock/clock", "", 400, "application/json", `{"error":"bad"}`), "details"},
		{"vendor", exchange("POST", "/openapi/apiManage/token", "", 418, "text/plain", "teapot"), ""},
		{"wrong method", exchange("PATCH", "/_mock/clock", "", 405, "application/json", errBody), ""},
		{"wrong method, other status", exchange("PATCH", "/_mock/clock", "", 200, "application/json", clockBody), "405"},
		{"unknown path", exchange("GET", "/_mock/nothing", "", 404, "application/json", errBody), ""},
		{"unknown path, refused", exchange("GET", "/s/a/_mock/nothing", "", 401, "application/json", errBody), ""},
		{"unknown path, not the error body", exchange("GET", "/_mock/nothing", "", 404, "application/json", `{}`), "error"},
		{"invalid request refused", exchange("POST", "/_mock/clock", `{"advance":1}`, 400, "application/json", errBody), ""},
		{"invalid request accepted", exchange("POST", "/_mock/clock", `{"advance":"1h","extra":true}`, 200, "application/json", clockBody), "accepted"},
		{"page", exchange("GET", "/_mock/ui", "", 200, "text/html; charset=utf-8", "<!DOCTYPE html>"), ""},
	}
	for _, tc := range cases {
		err := c.Check(tc.x)
		switch {
		case tc.bad == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.bad != "" && err == nil:
			t.Errorf("%s: passed, want an error about %q", tc.name, tc.bad)
		case tc.bad != "" && !strings.Contains(err.Error(), tc.bad):
			t.Errorf("%s: error %q does not mention %q", tc.name, err, tc.bad)
		}
	}
}

// recordingTB keeps what Errorf reports.
type recordingTB struct {
	testing.TB
	errs []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recordingTB) Helper() {}

func TestWrapAndTransport(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		p, _ := AdminPath(r.URL.Path)
		switch p {
		case "/_mock/health":
			io.WriteString(w, `{"status":"ok"}`) // no version: a drift
		case "/_mock/introspect":
			fmt.Fprintf(w, `{"active":false,"echo":%q}`, body)
		default:
			io.WriteString(w, `{"anything":1}`)
		}
	})
	rec := &recordingTB{TB: t}
	srv := httptest.NewServer(Wrap(rec, h))
	defer srv.Close()
	client := &http.Client{Transport: Transport(rec, nil)}
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/_mock/health", ""},
		{"POST", "/s/px/_mock/introspect", `{"token":"t"}`},
		{"GET", "/vendor/path", ""},
	} {
		req, err := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if c.path == "/s/px/_mock/introspect" && !strings.Contains(string(got), `\"token\"`) {
			t.Errorf("the handler did not get the request body: %s", got)
		}
	}
	// health is reported twice (server side and client side), introspect
	// twice (an extra field), the vendor path never.
	if len(rec.errs) != 4 {
		t.Fatalf("%d reports, want 4: %q", len(rec.errs), rec.errs)
	}
	for _, e := range rec.errs {
		if !strings.Contains(e, "/_mock/") || strings.Contains(e, "/vendor/") {
			t.Errorf("report %q", e)
		}
	}
	if !strings.Contains(rec.errs[0], "GET /_mock/health → 200") || !strings.Contains(rec.errs[0], `{"status":"ok"}`) {
		t.Errorf("the report names no method, path, status or body: %q", rec.errs[0])
	}
}
