package oauth_test

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/oauth"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// noting is the platform with every handler's failure note kept, so that
// a test can read what the server would log of the last vendor request.
type noting struct {
	*oauth.Service
	notes testkit.Notes
}

// Routes is the platform's routes, each handler keeping its note.
func (n *noting) Routes() mock.Routes { return n.notes.Keep(n.Service.Routes()) }

// note is the failure note of the last vendor request.
func (n *noting) note() mock.Note { return n.notes.Last() }

// bodyCode is the failure code an answer carries and the field it is in:
// error of an OAuth error (JSON, XML, a redirect or the error page) and of
// Boot's error JSON, errorCode of DI's business errors.
func bodyCode(r reply) (field, code string) {
	if loc := r.header.Get("Location"); loc != "" {
		// The first of error, code and access_token in the query or the
		// fragment tells an error from a grant (state, which may hold
		// anything, comes after them).
		u, err := url.Parse(loc)
		if err != nil {
			return "", ""
		}
		for _, raw := range []string{u.RawQuery, u.EscapedFragment()} {
			for _, kv := range strings.Split(raw, "&") {
				k, v, _ := strings.Cut(kv, "=")
				switch k {
				case "error":
					v, _ = url.QueryUnescape(v)
					return "error", v
				case "code", "access_token":
					return "", ""
				}
			}
		}
		return "", ""
	}
	if _, rest, ok := strings.Cut(r.body, "<p>error=&quot;"); ok {
		code, _, _ := strings.Cut(rest, "&quot;")
		return "error", code
	}
	if _, rest, ok := strings.Cut(r.body, "<error>"); ok {
		code, _, _ := strings.Cut(rest, "</error>")
		return "error", code
	}
	var m map[string]any
	if json.Unmarshal([]byte(r.body), &m) != nil {
		return "", ""
	}
	if v, ok := m["errorCode"].(string); ok && v != "000000" {
		return "errorCode", v
	}
	if v, ok := m["error"].(string); ok {
		return "error", v
	}
	return "", ""
}

// wantNote checks the note of the last request, answered with r: the
// catalogue failure (none: ""), the code the answer carries, and a reason
// mentioning why. A success (no failure, no why) notes nothing.
func (e *env) wantNote(t *testing.T, r reply, failure, why string) {
	t.Helper()
	got := e.svc.note()
	if failure == "" && why == "" {
		if got != (mock.Note{}) {
			t.Errorf("a success noted %+v", got)
		}
		return
	}
	field, code := bodyCode(r)
	if got.Name != failure || got.Field != field || got.Code != code {
		t.Errorf("note: got %+v, want %q %s=%q", got, failure, field, code)
	}
	if got.Reason == "" || !strings.Contains(got.Reason, why) {
		t.Errorf("note of %q: reason %q, want one mentioning %q", failure, got.Reason, why)
	}
}

// explained asserts the note of an answer w to the fuzzers' requests: a
// failure (a status of 400 or more, or an error in the body or the
// Location) notes a reason, and the code it carries when it has a body or
// a Location; anything else notes nothing.
func explained(t *testing.T, n *noting, what string, w *httptest.ResponseRecorder) {
	t.Helper()
	got := n.note()
	field, code := bodyCode(reply{w.Code, w.Header(), w.Body.String()})
	if w.Code < 400 && field == "" {
		if got != (mock.Note{}) {
			t.Fatalf("%s: a %d noted %+v", what, w.Code, got)
		}
		return
	}
	carries := w.Body.Len() > 0 || w.Header().Get("Location") != ""
	if got.Reason == "" || carries && (got.Field != field || got.Code != code) {
		t.Fatalf("%s: a %d (%s=%q) noted %+v, want its code and a reason", what, w.Code, field, code, got)
	}
}
