package solarman_test

import (
	"context"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/solarman"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// render answers the named catalogue failure, as a scenario would.
func render(t *testing.T, name string) []byte {
	t.Helper()
	s, err := solarman.New(defaults(t), mock.Deps{IDs: testkit.IDs()})
	if err != nil {
		t.Fatal(err)
	}
	f, ok := s.Routes().Failure(name)
	if !ok {
		t.Fatalf("no failure %q in the catalogue", name)
	}
	var note mock.Note
	eng := gin.New()
	eng.POST("/", func(c *gin.Context) {
		c.Request = c.Request.WithContext(mock.WithRequest(context.Background(), &mock.Request{}))
		f.Render(c)
		note = mock.NoteOf(c)
	})
	w := httptest.NewRecorder()
	eng.ServeHTTP(w, httptest.NewRequest("POST", "/", nil))
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json;charset=UTF-8" {
		t.Errorf("%s: got %d %q, want 200 JSON", name, w.Code, w.Header().Get("Content-Type"))
	}
	// An injected failure notes its name and code, and no reason: the
	// scenario's rule explains it.
	if note.Name != name || note.Field != "code" || !strings.Contains(w.Body.String(), `"code":"`+note.Code+`"`) || note.Reason != "" {
		t.Errorf("%s: noted %+v, want the name, the body's code and no reason", name, note)
	}
	return w.Body.Bytes()
}

func TestCatalogueGolden(t *testing.T) {
	s, _ := solarman.New(defaults(t), mock.Deps{})
	names := []string{}
	for _, f := range s.Routes().Failures {
		names = append(names, f.Name)
	}
	slices.Sort(names)
	if len(names) != 16 {
		t.Errorf("got %d failures, want the 15 of vendors/solarman.md §5.3 and not_found of vendors/solarman-data.md §4", len(names))
	}
	for _, name := range names {
		testkit.Golden(t, "catalogue_"+name, render(t, name))
	}
}

var requestIDRE = regexp.MustCompile(`"requestId":"[0-9a-f]{16}"`)

func normal(b []byte) string { return requestIDRE.ReplaceAllString(string(b), `"requestId":"<id>"`) }

// Each natural trigger of vendors/solarman.md §5.3 answers exactly the
// catalogue's body, with HTTP 200.
func TestNaturalTriggers(t *testing.T) {
	good := func(kv ...any) string {
		m := []any{"appSecret", secret1, "username", "cvwwb", "password", cvwwb}
		return body(append(m, kv...)...)
	}
	locked := defaults(t)
	locked.Apps[0].Locked = true
	quota := int64(1)
	limited := defaults(t)
	limited.Apps[0].Quota = &quota
	limited.Apps[0].RateLimit = &fixture.RateLimit{Calls: 2, WindowS: 10}
	q := "?appId=" + app1 + "&language=en"
	cases := []struct {
		name    string
		fx      *fixture.Solarman
		query   string
		body    string
		failure string
		why     string // what the log's reason says
	}{
		{"wrong password", nil, q, body("appSecret", secret1, "username", "cvwwb", "password", sunsun), "invalid_password", "wrong password for username cvwwb"},
		{"unhashed password", nil, "?appId=" + app2, body("appSecret", secret2, "email", "13255@qq.com", "password", "solarman123"), "invalid_password", "not a SHA-256 hex digest (plaintext, 11 chars) for email 13255@qq.com"},
		{"uppercase digest", nil, q, body("appSecret", secret1, "username", "cvwwb", "password", strings.ToUpper(cvwwb)), "invalid_password", "upper case"},
		{"unknown account", nil, q, body("appSecret", secret1, "username", "nobody", "password", cvwwb), "invalid_password", "user username nobody unknown"},
		{"missing appId", nil, "?language=en", good(), "missing_app_id", "appId query parameter missing"},
		{"empty appId", nil, "?appId=", good(), "missing_app_id", "appId query parameter missing"},
		{"unknown appId", nil, "?appId=999", good(), "invalid_app_id", "appId 999 unknown"},
		{"wrong appSecret", nil, q, body("appSecret", secret2, "username", "cvwwb", "password", cvwwb), "invalid_app_secret", "appSecret does not match appId " + app1},
		{"no appSecret", nil, q, body("username", "cvwwb", "password", cvwwb), "missing_param", "appSecret missing"},
		{"no password", nil, q, body("appSecret", secret1, "username", "cvwwb"), "missing_param", "password missing"},
		{"no identity", nil, q, body("appSecret", secret1, "password", cvwwb, "mobile", ""), "missing_param", "none of email, username and mobile"},
		{"mobile without countryCode", nil, "?appId=" + app2, body("appSecret", secret2, "mobile", "13255200000", "password", sunsun), "missing_param", "mobile given without countryCode"},
		{"two identities", nil, q, good("email", "13255@qq.com"), "invalid_param", "(email, username)"},
		{"orgId placeholder", nil, q, good("orgId", "orgId"), "invalid_param", "orgId"},
		{"orgId fraction", nil, q, `{"appSecret":"` + secret1 + `","username":"cvwwb","password":"` + cvwwb + `","orgId":860.5}`, "invalid_param", "orgId"},
		{"orgId negative", nil, q, good("orgId", -860), "invalid_param", "orgId"},
		{"username an object", nil, q, `{"appSecret":"` + secret1 + `","username":{},"password":"` + cvwwb + `"}`, "invalid_param", "username is not a string"},
		{"malformed JSON", nil, q, `{"appSecret":`, "invalid_param", "not a JSON object"},
		{"form-encoded", nil, q, "appSecret=" + secret1 + "&username=cvwwb", "invalid_param", "not a JSON object"},
		{"empty body", nil, q, "", "invalid_param", "not a JSON object (Content-Type \"application/json\", 0 bytes)"},
		{"foreign orgId", nil, "?appId=" + app2, body("appSecret", secret2, "email", "13255@qq.com", "password", sunsun, "orgId", 860), "invalid_org_id", "email 13255@qq.com is no member of organisation 860"},
		{"orgId of no membership", nil, q, good("orgId", 861), "invalid_org_id", "organisation 861"},
		{"locked app", locked, q, good(), "app_locked", "app " + app1 + " is locked"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, c.fx)
			r := e.token(c.query, c.body)
			if got, want := normal(r.Body), normal(render(t, c.failure)); r.Status != 200 || got != want {
				t.Errorf("got %d %s\nwant 200 %s", r.Status, got, want)
			}
			wantNote(t, e.svc.note(), c.failure, c.why)
		})
	}

	t.Run("rate limit and quota", func(t *testing.T) {
		e := newEnv(t, limited)
		if a := parse(t, e.token(q, good())); !a.Success {
			t.Fatalf("first call: got %v, want success", *a.Code)
		}
		if got, want := normal(e.token(q, good()).Body), normal(render(t, "quota_exceeded")); got != want {
			t.Errorf("second call: got %s, want %s", got, want)
		}
		wantNote(t, e.svc.note(), "quota_exceeded", "app "+app1+" used up its quota of 1 calls")
		if got, want := normal(e.token(q, good()).Body), normal(render(t, "too_frequently")); got != want {
			t.Errorf("third call in 10 s: got %s, want %s", got, want)
		}
		wantNote(t, e.svc.note(), "too_frequently", "app "+app1+": 3 calls in its 10 s window, over its rate_limit of 2")
		e.srv.Clock.Advance(10 * time.Second)
		if got, want := normal(e.token(q, good()).Body), normal(render(t, "quota_exceeded")); got != want {
			t.Errorf("after the window: got %s, want %s (the window reopened, the quota did not)", got, want)
		}
		// Another session has its own allowance.
		r := testkit.Do(t, "POST", e.srv.URL+"/s/other/account/v1.0/token"+q, nil, good())
		if a := parse(t, r); !a.Success {
			t.Errorf("other session: got %s, want success", r.Body)
		}
	})
}

func TestMethodsAndPaths(t *testing.T) {
	e := newEnv(t, nil)
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		r := testkit.Do(t, m, e.srv.URL+"/account/v1.0/token?appId="+app1, nil, "")
		if r.Status != 405 || r.Header.Get("Allow") != "POST" || len(r.Body) != 0 {
			t.Errorf("%s: got %d Allow %q body %q, want 405 POST empty", m, r.Status, r.Header.Get("Allow"), r.Body)
		}
	}
	if r := testkit.Do(t, "POST", e.srv.URL+"/account/v1.0/nothing", nil, "{}"); r.Status != 404 {
		t.Errorf("unknown path: got %d, want 404", r.Status)
	}
	if r := testkit.Do(t, "POST", e.srv.URL+"//account/v1.0/info", nil, "{}"); !strings.Contains(string(r.Body), `"code":"2101017"`) {
		t.Errorf("//info: got %d %s, want token_not_found", r.Status, r.Body)
	}
}
