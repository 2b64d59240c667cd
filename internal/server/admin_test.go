package server_test

import (
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/isolar"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/scenario"
	"github.com/tokenmock/tokenmock/internal/server"
	"github.com/tokenmock/tokenmock/internal/session"
	"github.com/tokenmock/tokenmock/internal/testkit"
	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
)

// The admin token's scheme is matched without regard to case (RFC 7235).
func TestAdminTokenSchemeAnyCase(t *testing.T) {
	e := newEnv(t, "secret")
	for _, good := range []string{"Bearer secret", "bearer secret", "BEARER secret", "bEaReR secret", "bearer  secret"} {
		if r := e.do("GET", "/_mock/clock", map[string]string{"Authorization": good}, ""); r.Status != 200 {
			t.Errorf("%q: got %d %s, want 200", good, r.Status, r.Body)
		}
	}
	for _, bad := range []string{"bearer secret2", "bearersecret", "Token secret", "bearer"} {
		if r := e.do("GET", "/_mock/clock", map[string]string{"Authorization": bad}, ""); r.Status != 401 {
			t.Errorf("%q: got %d %s, want 401", bad, r.Status, r.Body)
		}
	}
}

// An introspection without a token is a mistake, not an inactive token.
func TestIntrospectWantsAToken(t *testing.T) {
	e := newEnv(t, "")
	if r := e.do("POST", "/_mock/introspect", nil, ""); r.Status != 400 {
		t.Errorf("no body: got %d %s, want 400", r.Status, r.Body)
	}
	for _, body := range []string{`{}`, `{"token":""}`} {
		r := e.do("POST", "/_mock/introspect", nil, body)
		if got := decode[adminError](t, r); r.Status != 400 || !strings.Contains(got.Error, "token") {
			t.Errorf("%q: got %d %s, want 400 naming the token", body, r.Status, r.Body)
		}
	}
	if r := e.do("POST", "/_mock/introspect", nil, `{"token":"nope"}`); r.Status != 200 || string(r.Body) != `{"active":false}` {
		t.Errorf("unknown token: got %d %s, want 200 inactive", r.Status, r.Body)
	}
}

type clockAnswer struct {
	Session string    `json:"session"`
	Now     time.Time `json:"now"`
	Offset  string    `json:"offset"`
	Frozen  bool      `json:"frozen"`
}

type introspection struct {
	Active    bool      `json:"active"`
	ExpiresAt time.Time `json:"expires_at"`
}

// A frozen clock holds for the vendors too: a token minted while frozen
// never expires by wall time, an advance while frozen moves its time by
// exactly that much, and unfrozen the clock runs on from where it stood.
func TestFrozenClock(t *testing.T) {
	e := newEnv(t, "")
	h := map[string]string{"X-Mock-Session": "fz"}
	at := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	clock := func(body string) clockAnswer {
		t.Helper()
		r := e.do("POST", "/_mock/clock", h, body)
		if r.Status != 200 {
			t.Fatalf("%s: got %d %s", body, r.Status, r.Body)
		}
		return decode[clockAnswer](t, r)
	}
	if got := clock(`{"set":"2026-01-02T15:04:05Z","freeze":true}`); !got.Now.Equal(at) || !got.Frozen {
		t.Fatalf("set and freeze: got %+v, want frozen at %v", got, at)
	}
	tok := decode[struct {
		AccessToken string `json:"access_token"`
	}](t, e.token("/openapi/apiManage/token", h))
	intro := `{"token":"` + tok.AccessToken + `"}`
	info := decode[introspection](t, e.do("POST", "/_mock/introspect", h, intro))
	if !info.Active || !info.ExpiresAt.Equal(at.Add(48*time.Hour)) {
		t.Fatalf("token minted frozen: got %+v, want active until %v", info, at.Add(48*time.Hour))
	}
	e.clock.Advance(100 * time.Hour) // the wall clock runs; the session's does not
	if got := decode[clockAnswer](t, e.do("GET", "/_mock/clock", h, "")); !got.Now.Equal(at) || !got.Frozen {
		t.Errorf("frozen, wall +100h: got %+v, want still %v", got, at)
	}
	if info := decode[introspection](t, e.do("POST", "/_mock/introspect", h, intro)); !info.Active {
		t.Errorf("frozen, wall +100h: got %+v, want the token still active", info)
	}
	if got := clock(`{"advance":"47h59m59s"}`); !got.Now.Equal(at.Add(48*time.Hour-time.Second)) || !got.Frozen {
		t.Errorf("advance while frozen: got %+v, want frozen 1s before the expiry", got)
	}
	if info := decode[introspection](t, e.do("POST", "/_mock/introspect", h, intro)); !info.Active {
		t.Errorf("1s before the expiry: got %+v, want active", info)
	}
	clock(`{"advance":"2s"}`)
	if info := decode[introspection](t, e.do("POST", "/_mock/introspect", h, intro)); info.Active {
		t.Errorf("1s after the expiry: got %+v, want inactive", info)
	}
	stood := at.Add(48*time.Hour + time.Second)
	if got := clock(`{"freeze":false}`); !got.Now.Equal(stood) || got.Frozen {
		t.Errorf("unfreeze: got %+v, want running from %v", got, stood)
	}
	e.clock.Advance(time.Minute)
	if got := decode[clockAnswer](t, e.do("GET", "/_mock/clock", h, "")); !got.Now.Equal(stood.Add(time.Minute)) || got.Frozen {
		t.Errorf("unfrozen, wall +1m: got %+v, want %v", got, stood.Add(time.Minute))
	}
	clock(`{"freeze":true}`)
	if got := clock(`{"reset":true}`); got.Frozen || got.Offset != "0s" || !got.Now.Equal(e.clock.Now()) {
		t.Errorf("reset: got %+v, want the wall time, running", got)
	}
	clock(`{"freeze":true}`)
	if r := e.do("POST", "/_mock/reset", h, ""); !strings.Contains(string(r.Body), `"offset":"0s","frozen":false`) {
		t.Errorf("session reset: got %s, want the clock running at 0s", r.Body)
	}
	for _, bad := range []string{`{"freeze":"yes"}`, `{"set":"2026-01-02T15:04:05Z","advance":"1h","freeze":true}`, `{"freeze":null}`} {
		if r := e.do("POST", "/_mock/clock", h, bad); r.Status != 400 {
			t.Errorf("%s: got %d %s, want 400", bad, r.Status, r.Body)
		}
	}
}

// The journal's times are the session's frozen time too.
func TestFrozenClockJournal(t *testing.T) {
	e := newEnv(t, "")
	h := map[string]string{"X-Mock-Session": "fj"}
	e.do("POST", "/_mock/clock", h, `{"set":"2030-05-06T07:08:09Z","freeze":true}`)
	e.clock.Advance(time.Hour)
	e.token("/openapi/apiManage/token", h)
	r := e.do("GET", "/_mock/requests?session=fj", nil, "")
	if !strings.Contains(string(r.Body), `"time":"2030-05-06T07:08:09Z"`) {
		t.Errorf("journal: got %s, want the frozen time", r.Body)
	}
}

// Advances sent at once all count, frozen or running (run with -race).
func TestConcurrentClockAdvances(t *testing.T) {
	for _, frozen := range []string{"true", "false"} {
		e := newEnv(t, "")
		h := map[string]string{"X-Mock-Session": "cc"}
		e.do("POST", "/_mock/clock", h, `{"freeze":`+frozen+`}`)
		const n = 40
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r := testkit.Do(t, "POST", e.url+"/_mock/clock", h, `{"advance":"1m"}`); r.Status != 200 {
					t.Errorf("advance: got %d %s", r.Status, r.Body)
				}
			}()
		}
		wg.Wait()
		got := decode[clockAnswer](t, e.do("GET", "/_mock/clock", h, ""))
		if got.Offset != "40m0s" || !got.Now.Equal(e.clock.Now().Add(n*time.Minute)) {
			t.Errorf("frozen=%s: got %+v, want 40 minutes ahead", frozen, got)
		}
	}
}

const rateLimited = "name: limited\nrules:\n  - when: {endpoint: isolar.token}\n    times: 1\n    do: {error: hourly_limit}\n"

// newScenarioEnv serves iSolarCloud with a scenario engine whose library
// holds "limited", active in every new session when def says so.
func newScenarioEnv(t *testing.T, def string) *env {
	t.Helper()
	fx, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	clock := testkit.NewClock()
	engine := scenario.NewEngine(scenario.NewCatalogue(isolar.Spec()), 1)
	sc, err := scenario.Parse("limited.yaml", []byte(rateLimited), engine.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	engine.Add(sc)
	if err := engine.SetDefault(def); err != nil {
		t.Fatal(err)
	}
	deps := mock.Deps{Now: session.Clock{Wall: clock.Now}.Now, IDs: testkit.IDs()}
	srv := httptest.NewServer(apicheck.Wrap(t, server.New(server.Config{
		Vendors: []mock.Vendor{isolar.New(fx.Isolar, deps)}, Sessions: session.NewRegistry(clock.Now), Scenarios: engine,
	})))
	t.Cleanup(srv.Close)
	return &env{t, srv.URL, clock}
}

type scenarioList struct {
	Default string            `json:"default"`
	Active  map[string]string `json:"active"`
}

// The scenario every session starts with is listed at once, and so is
// each live session's, before it has sent a vendor request.
func TestScenariosListDefault(t *testing.T) {
	e := newScenarioEnv(t, "limited")
	got := decode[scenarioList](t, e.do("GET", "/_mock/scenarios", nil, ""))
	if got.Default != "limited" || got.Active["default"] != "limited" || len(got.Active) != 1 {
		t.Errorf("at start: got %+v, want default limited, active in the default session", got)
	}
	e.do("GET", "/_mock/clock?session=quiet", nil, "")
	e.do("DELETE", "/_mock/scenario?session=off", nil, "")
	got = decode[scenarioList](t, e.do("GET", "/_mock/scenarios", nil, ""))
	if got.Active["quiet"] != "limited" || got.Active["off"] != "" || len(got.Active) != 2 {
		t.Errorf("after two sessions: got %+v, want quiet with limited, off with none", got)
	}
	e.do("POST", "/_mock/reset?session=off", nil, "")
	if got := decode[scenarioList](t, e.do("GET", "/_mock/scenarios", nil, "")); got.Active["off"] != "limited" {
		t.Errorf("after a reset: got %+v, want off back on the default", got)
	}

	e = newScenarioEnv(t, "")
	if r := e.do("GET", "/_mock/scenarios", nil, ""); !strings.Contains(string(r.Body), `"default":"","active":{}`) {
		t.Errorf("no default: got %s, want default \"\" and nothing active", r.Body)
	}
}

// PUT /_mock/scenario takes a scenario as YAML, or as JSON with "rules";
// any other body gets a 400 that says what to send.
func TestPutScenarioBodies(t *testing.T) {
	const asJSON = `{"name":"inj","rules":[{"when":{"endpoint":"isolar.token"},"times":1,"do":{"error":"hourly_limit"}}]}`
	const hint = "Content-Type: application/yaml"
	cases := []struct {
		name, ct, body string
		status         int
		want           string // in the answer
	}{
		{"YAML", "application/yaml", rateLimited, 200, `"scenario":{"name":"limited","description":"","source":"inline"}`},
		{"JSON scenario", "application/json", asJSON, 200, `"scenario":{"name":"inj",`},
		{"JSON scenario, no type", "", asJSON, 200, `"scenario":{"name":"inj",`},
		{"library name", "application/json", `{"name":"limited"}`, 200, `"source":"limited.yaml"`},
		{"YAML as a form", "application/x-www-form-urlencoded", rateLimited, 400, hint},
		{"YAML, no type", "", rateLimited, 400, hint},
		{"unknown field", "application/json", `{"nam":"limited"}`, 400, hint},
		{"empty object", "application/json", `{}`, 400, hint},
		{"empty body", "", "", 400, hint},
		{"array", "application/json", `[1]`, 400, hint},
		{"unknown name", "application/json", `{"name":"nope"}`, 400, `{"error":"unknown scenario \"nope\"","details":[]}`},
		{"bad JSON scenario", "application/json", `{"rules":[{"when":{"endpoint":"isolar.nope"}}]}`, 400, `"error":"invalid scenario"`},
	}
	for _, c := range cases {
		e := newScenarioEnv(t, "")
		h := map[string]string{"X-Mock-Session": "p"}
		if c.ct != "" {
			h["Content-Type"] = c.ct
		}
		r := e.do("PUT", "/_mock/scenario", h, c.body)
		if r.Status != c.status || !strings.Contains(string(r.Body), c.want) {
			t.Errorf("%s: got %d %s, want %d with %s", c.name, r.Status, r.Body, c.status, c.want)
		}
		if c.status != 200 {
			continue
		}
		// The scenario acts: its one rule refuses the first token call.
		if r := e.token("/openapi/apiManage/token", h); !strings.Contains(string(r.Body), `"result_code":"E999"`) {
			t.Errorf("%s: the token call got %s, want E999 from the scenario", c.name, r.Body)
		}
	}
}
