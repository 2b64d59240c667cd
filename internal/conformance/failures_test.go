package conformance

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// Every failure of every endpoint's catalogue, asked for by a scenario
// `error`, answers exactly what its renderer writes for the same request
// (status, headers that matter, body), is journalled with the rule that
// acted, the failure's name and a reason, notes the vendor's code that its
// body carries (for the log line), and changes no state: the same request afterwards gets the real
// answer (no code burnt, no token rotated).
func TestEveryFailureThroughAScenario(t *testing.T) {
	m := startServer(t)
	for _, c := range endpointCases() {
		routes := m.tableOf(c.id)
		names := routes.Spec().Endpoints
		var failures []string
		for _, e := range names {
			if e.ID == c.id {
				failures = e.Failures
			}
		}
		if len(failures) == 0 {
			t.Errorf("%s: no failure in its vendor's catalogue", c.id)
		}
		for _, name := range failures {
			t.Run(c.id+"/"+name, func(t *testing.T) {
				s := m.session(t)
				req := c.prepare(t, s)
				s.mustActivate("rules:\n  - when: {endpoint: " + c.id + "}\n    times: 1\n    do: {error: " + name + "}\n")
				got := s.must(req())
				e := s.lastRequest(c.id)
				if e.Rule != firstRule || e.Failure != name || !strings.Contains(e.Reason, firstRule) {
					t.Errorf("journal: got rule %q failure %q reason %q, want %q, %q and a reason naming the rule", e.Rule, e.Failure, e.Reason, firstRule, name)
				}

				f, _ := routes.Failure(name)
				want, noted := m.render(t, s, f, req())
				if noted.Name != name {
					t.Errorf("the renderer noted failure %q, want %q (mock.NoteFailure): failure_status could not find it", noted.Name, name)
				}
				if body := want.Body.String(); body != "" && (noted.Field == "" || noted.Code == "" || !strings.Contains(body, noted.Code)) {
					t.Errorf("the renderer noted code %s=%q, want the vendor's code that its body carries (mock.NoteCode):\n%s", noted.Field, noted.Code, body)
				}
				if got.status != want.Code {
					t.Errorf("got status %d, want %d as rendered", got.status, want.Code)
				}
				for _, h := range []string{"Content-Type", "Location", "WWW-Authenticate", "Cache-Control", "Allow"} {
					if g, w := got.header.Get(h), want.Header().Get(h); g != w {
						t.Errorf("%s: got %q, want %q as rendered", h, g, w)
					}
				}
				if g, w := volatile(got.body), volatile(want.Body.Bytes()); g != w {
					t.Errorf("got body\n%s\nwant as rendered\n%s", g, w)
				}

				// The rule is spent: the same request gets the real answer.
				c.real(t, s.must(req()))
			})
		}
	}
}

// render writes the failure f for req in the session of s, as the scenario
// step calls it, without the server.
func (m *mockServer) render(t *testing.T, s *client, f mock.BoundFailure, req *http.Request) (*httptest.ResponseRecorder, mock.Note) {
	t.Helper()
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			t.Fatal(err)
		}
		body = b
	}
	sess := m.sessions.Lookup(s.name)
	if f.Render == nil || sess == nil {
		t.Fatalf("got renderer %v and session %v, want both", f.Render != nil, sess)
	}
	r := httptest.NewRequest(req.Method, req.URL.RequestURI(), bytes.NewReader(body))
	r.Header = req.Header.Clone()
	r.Host = req.URL.Host
	r = r.WithContext(mock.WithRequest(context.Background(), &mock.Request{Session: sess, Body: body}))
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	c.Request = r
	f.Render(c)
	c.Writer.WriteHeaderNow()
	return w, mock.NoteOf(c)
}

// ids are what two answers may differ in: drawn request ids and serials.
var ids = regexp.MustCompile(`[0-9a-f]{16,}`)

func volatile(b []byte) string { return ids.ReplaceAllString(string(b), "<id>") }

// An `error` with status and headers answers the failure's own body with
// that status and those headers added, on every endpoint.
func TestFailureWithAnotherStatus(t *testing.T) {
	m := startServer(t)
	for _, c := range endpointCases() {
		t.Run(c.id, func(t *testing.T) {
			routes := m.tableOf(c.id)
			name := ""
			for _, e := range routes.Spec().Endpoints {
				if e.ID == c.id {
					name = e.Failures[0]
				}
			}
			s := m.session(t)
			req := c.prepare(t, s)
			s.mustActivate("rules:\n  - when: {endpoint: " + c.id + "}\n    do: {error: " + name + ", status: 429, headers: {Retry-After: \"60\"}}\n")
			got := s.must(req())
			f, _ := routes.Failure(name)
			want, _ := m.render(t, s, f, req())
			if got.status != 429 || got.header.Get("Retry-After") != "60" {
				t.Errorf("%s: got %d Retry-After %q, want 429 and 60", name, got.status, got.header.Get("Retry-After"))
			}
			if g, w := volatile(got.body), volatile(want.Body.Bytes()); g != w {
				t.Errorf("%s: got body\n%s\nwant the failure's own\n%s", name, g, w)
			}
		})
	}
}
