package server_test

import (
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/server"
)

type entries struct{ Requests []server.Entry }

// sessionsOf lists the sessions of the journal's entries, oldest first.
func (e *env) sessionsOf(path string, header map[string]string) []string {
	e.t.Helper()
	r := e.do("GET", path, header, "")
	if r.Status != 200 {
		e.t.Fatalf("GET %s: got %d %s, want 200", path, r.Status, r.Body)
	}
	var out []string
	for _, x := range decode[entries](e.t, r).Requests {
		out = append(out, x.Session)
	}
	return strings.Fields(strings.Join(out, " "))
}

func same(got []string, want ...string) bool {
	return strings.Join(got, " ") == strings.Join(want, " ")
}

// Review point 5: DELETE /_mock/requests clears the named session only,
// however it is named; ?all=true clears every session.
func TestJournalClearIsPerSession(t *testing.T) {
	for _, c := range []struct {
		name, path string
		header     map[string]string
	}{
		{"prefix", "/s/aa/_mock/requests", nil},
		{"header", "/_mock/requests", map[string]string{"X-Mock-Session": "aa"}},
		{"query", "/_mock/requests?session=aa", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "")
			e.token("/s/aa/openapi/apiManage/token", nil)
			e.token("/s/bb/openapi/apiManage/token", nil)
			e.token("/openapi/apiManage/token", nil)
			if r := e.do("DELETE", c.path, c.header, ""); r.Status != 200 || string(r.Body) != `{"requests":[]}` {
				t.Fatalf("DELETE: got %d %s, want 200 and no requests", r.Status, r.Body)
			}
			if got := e.sessionsOf("/_mock/requests", nil); !same(got, "bb", "default") {
				t.Errorf("after clearing aa: got sessions %v, want bb and default", got)
			}
		})
	}
	t.Run("default", func(t *testing.T) {
		e := newEnv(t, "")
		e.token("/s/aa/openapi/apiManage/token", nil)
		e.token("/openapi/apiManage/token", nil)
		e.do("DELETE", "/_mock/requests", nil, "")
		if got := e.sessionsOf("/_mock/requests", nil); !same(got, "aa") {
			t.Errorf("after clearing default: got sessions %v, want aa", got)
		}
	})
	t.Run("all", func(t *testing.T) {
		e := newEnv(t, "")
		e.token("/s/aa/openapi/apiManage/token", nil)
		e.token("/s/bb/openapi/apiManage/token", nil)
		if r := e.do("DELETE", "/_mock/requests?all=yes", nil, ""); r.Status != 400 || !strings.Contains(string(r.Body), `all: want true or false, got \"yes\"`) {
			t.Errorf("?all=yes: got %d %s, want 400", r.Status, r.Body)
		}
		if got := e.sessionsOf("/_mock/requests", nil); !same(got, "aa", "bb") {
			t.Errorf("after a refused DELETE: got sessions %v, want aa and bb", got)
		}
		e.do("DELETE", "/s/aa/_mock/requests?all=true", nil, "")
		if got := e.sessionsOf("/_mock/requests", nil); len(got) != 0 {
			t.Errorf("after ?all=true: got sessions %v, want none", got)
		}
		// ids keep counting after a clear
		e.token("/s/aa/openapi/apiManage/token", nil)
		if got := decode[entries](t, e.do("GET", "/_mock/requests", nil, "")).Requests; len(got) != 1 || got[0].ID != 3 {
			t.Errorf("after the clear: got %+v, want one entry with id 3", got)
		}
	})
}

// Review point 6: the listing honours the /s/{id} prefix like the header
// and ?session=; with none of them it lists every session.
func TestJournalListsTheNamedSession(t *testing.T) {
	e := newEnv(t, "")
	e.token("/s/aa/openapi/apiManage/token", nil)
	e.token("/openapi/apiManage/token", map[string]string{"X-Mock-Session": "bb"})
	e.token("/openapi/apiManage/token", nil)
	for _, c := range []struct {
		name, path string
		header     map[string]string
		want       []string
	}{
		{"none", "/_mock/requests", nil, []string{"aa", "bb", "default"}},
		{"prefix", "/s/aa/_mock/requests", nil, []string{"aa"}},
		{"header", "/_mock/requests", map[string]string{"X-Mock-Session": "bb"}, []string{"bb"}},
		{"query", "/_mock/requests?session=aa", nil, []string{"aa"}},
		{"default by name", "/_mock/requests?session=default", nil, []string{"default"}},
		{"prefix over header", "/s/aa/_mock/requests", map[string]string{"X-Mock-Session": "bb"}, []string{"aa"}},
		{"header over query", "/_mock/requests?session=aa", map[string]string{"X-Mock-Session": "bb"}, []string{"bb"}},
		{"a session with nothing", "/s/zz/_mock/requests", nil, nil},
	} {
		if got := e.sessionsOf(c.path, c.header); !same(got, c.want...) {
			t.Errorf("%s: got sessions %v, want %v", c.name, got, c.want)
		}
	}
}

// Review point 22: an unknown endpoint id is a 400 that lists the known
// ones; a known id with no entries is an empty list.
func TestJournalEndpointFilter(t *testing.T) {
	e := newEnv(t, "")
	e.token("/openapi/apiManage/token", nil)
	r := e.do("GET", "/_mock/requests?endpoint=isolar.tokn", nil, "")
	if r.Status != 400 {
		t.Fatalf("unknown endpoint: got %d %s, want 400", r.Status, r.Body)
	}
	msg := decode[adminError](t, r).Error
	for _, want := range []string{`unknown id "isolar.tokn"`, "isolar.token", "isolar.refresh"} {
		if !strings.Contains(msg, want) {
			t.Errorf("unknown endpoint: got %q, want it to contain %q", msg, want)
		}
	}
	if got := e.sessionsOf("/_mock/requests?endpoint=isolar.token", nil); !same(got, "default") {
		t.Errorf("endpoint=isolar.token: got %v, want the one entry", got)
	}
	if got := e.sessionsOf("/_mock/requests?endpoint=isolar.refresh", nil); len(got) != 0 {
		t.Errorf("endpoint=isolar.refresh: got %v, want none", got)
	}
}
