package app_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/app"
	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/spring"
	"github.com/tokenmock/tokenmock/internal/testkit"
	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
	"github.com/tokenmock/tokenmock/internal/yamlfile"
)

// isolarKey is the x-access-key of the default fixtures' app; isolarBody
// (bench_test.go) is the spec's example exchange for it.
const isolarKey = "MOCKSECRETKEY0123456789ABCDEFGHI"

// serve builds the mock from cfg and serves it until the test ends.
func serve(t *testing.T, cfg app.Config) (*app.App, string) {
	t.Helper()
	a, err := app.New(cfg)
	if err != nil {
		t.Fatalf("New: got %v, want nil", err)
	}
	srv := httptest.NewServer(apicheck.Wrap(t, a))
	t.Cleanup(srv.Close)
	return a, srv.URL
}

// isolarToken posts the spec's example exchange in session and returns the
// answer's body.
func isolarToken(t *testing.T, url, session string) string {
	t.Helper()
	return string(testkit.Do(t, "POST", url+"/openapi/apiManage/token",
		map[string]string{"x-access-key": isolarKey, "X-Mock-Session": session}, isolarBody).Body)
}

// writeFile writes a fixture or scenario file for the test.
func writeFile(t *testing.T, file, src string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// logger writes every record, debug included, to logs as text.
func logger(logs *testkit.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// eventually polls check until it holds, for what happens on another
// goroutine (the watcher, the sweeper); it fails with the last thing seen.
func eventually(t *testing.T, want string, check func() (got string, ok bool)) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, ok := check()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %s, want %s (waited 10s)", got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// problemLine is the form of every problem a load reports: file:line:
// path: message, or file: message for a file as a whole (one that cannot
// be read, a folder with no YAML).
var problemLine = regexp.MustCompile(`^.+:[0-9]+: \S+: .+$|^.+: (cannot read|no \.yaml or \.yml files|empty fixture set)`)

// problems are the lines of err, a *yamlfile.Errors (possibly wrapped),
// each checked for the form `file:line: path: message`.
func problems(t *testing.T, err error) []string {
	t.Helper()
	var e *yamlfile.Errors
	if !errors.As(err, &e) {
		t.Fatalf("got %v (%T), want a *yamlfile.Errors", err, err)
	}
	for _, p := range e.Problems {
		if !problemLine.MatchString(p) {
			t.Errorf("got problem %q, want the form file:line: path: message (or file: message)", p)
		}
	}
	return e.Problems
}

// hasLine tells whether one of lines starts with prefix.
func hasLine(lines []string, prefix string) bool {
	return slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, prefix) })
}

// A zero Config serves the embedded defaults: the documents' own examples
// work; the other fields reach the server.
func TestNew(t *testing.T) {
	cases := []struct {
		name         string
		cfg          app.Config
		method, path string
		header       map[string]string
		body         string
		wantStatus   int
		want         []string
	}{
		{name: "health", method: "GET", path: "/_mock/health",
			wantStatus: 200, want: []string{`"status":"ok"`}},
		{name: "iSolarCloud spec example", method: "POST", path: "/openapi/apiManage/token",
			header: map[string]string{"x-access-key": isolarKey}, body: isolarBody,
			wantStatus: 200, want: []string{`"result_code":"1"`, `"auth_user":408056`}},
		{name: "Version in health", cfg: app.Config{Version: "v9.8.7"}, method: "GET", path: "/_mock/health",
			wantStatus: 200, want: []string{`"version":"v9.8.7"`}},
		{name: "AdminToken required", cfg: app.Config{AdminToken: "tok"}, method: "GET", path: "/_mock/requests",
			wantStatus: 401},
		{name: "AdminToken given", cfg: app.Config{AdminToken: "tok"}, method: "GET", path: "/_mock/requests",
			header: map[string]string{"Authorization": "Bearer tok"}, wantStatus: 200, want: []string{`"requests":[`}},
		// The serial number starts with the date in China (UTC+8).
		{name: "Wall is the clock", cfg: app.Config{Wall: testkit.T0}, method: "POST", path: "/openapi/apiManage/token",
			header: map[string]string{"x-access-key": isolarKey}, body: isolarBody,
			wantStatus: 200, want: []string{`"req_serial_num":"20260314`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, url := serve(t, c.cfg)
			got := testkit.Do(t, c.method, url+c.path, c.header, c.body)
			if got.Status != c.wantStatus {
				t.Errorf("got %d %s, want %d", got.Status, got.Body, c.wantStatus)
			}
			for _, w := range c.want {
				if !strings.Contains(string(got.Body), w) {
					t.Errorf("got %s, want %s", got.Body, w)
				}
			}
		})
	}
}

// A vendor's own admin route (SOLARMAN's GET /_mock/jwks) answers with the
// admin API's headers, like the server's own routes.
func TestVendorAdminRouteHeaders(t *testing.T) {
	_, url := serve(t, app.Config{})
	for _, path := range []string{"/_mock/jwks", "/_mock/clock"} {
		r := testkit.Do(t, "GET", url+path, nil, "")
		if r.Status != 200 || r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: got %d, Cache-Control %q, X-Content-Type-Options %q; want 200, no-store, nosniff",
				path, r.Status, r.Header.Get("Cache-Control"), r.Header.Get("X-Content-Type-Options"))
		}
	}
}

// With Config.Wall and Config.IDs fixed, two mocks answer byte for byte
// the same.
func TestNewIsRepeatable(t *testing.T) {
	var bodies []string
	for range 2 {
		_, url := serve(t, app.Config{Wall: testkit.T0, IDs: testkit.IDs()})
		bodies = append(bodies, isolarToken(t, url, "s"))
	}
	if bodies[0] != bodies[1] {
		t.Errorf("got %s, then %s, want the same answer twice", bodies[0], bodies[1])
	}
}

// Every problem of the files is reported with its line, under the name of
// what it belongs to; an unknown Config.Scenario is ErrUnknownScenario.
func TestLoadProblems(t *testing.T) {
	const scenario = "rules:\n  - when: {endpoint: isolar.token}\n    do: {error: hourly_limit}\n"
	cases := []struct {
		name   string
		files  map[string]string // written into the test's folder
		cfg    func(dir string) app.Config
		prefix string   // the error starts so; "": no error
		lines  []string // problems starting so, with DIR the test's folder
		is     error
	}{
		{
			name:   "bad fixture file",
			files:  map[string]string{"f.yaml": "isolar:\n  users:\n    - {account: a, password: p, user_id: 0, plants: []}\n  nope: 1\n"},
			cfg:    func(dir string) app.Config { return app.Config{Fixtures: filepath.Join(dir, "f.yaml")} },
			prefix: "fixtures:\n",
			lines:  []string{"DIR/f.yaml:3: isolar.users[0].user_id: ", `DIR/f.yaml:4: isolar.nope: unknown field "nope"`},
		},
		{
			name:   "missing fixture file",
			cfg:    func(dir string) app.Config { return app.Config{Fixtures: filepath.Join(dir, "none.yaml")} },
			prefix: "fixtures:\n",
			lines:  []string{"DIR/none.yaml: cannot read: "},
		},
		{
			name:   "bad scenario file",
			files:  map[string]string{"s.yaml": "name: mine\nrules:\n  - when: {endpoint: isolar.token}\n    do: {error: no_such_failure}\n"},
			cfg:    func(dir string) app.Config { return app.Config{Scenarios: filepath.Join(dir, "s.yaml")} },
			prefix: "scenarios:\n",
			lines:  []string{`DIR/s.yaml:4: rules[0].do.error: unknown failure "no_such_failure" for isolar.token`},
		},
		{
			name:   "one scenario name in two files",
			files:  map[string]string{"a.yaml": "name: same\n" + scenario, "b.yaml": "name: same\n" + scenario},
			cfg:    func(dir string) app.Config { return app.Config{Scenarios: dir} },
			prefix: "scenarios:\n",
			lines:  []string{`DIR/b.yaml:1: name: duplicate scenario name "same"`},
		},
		{
			name:   "unknown Config.Scenario",
			cfg:    func(string) app.Config { return app.Config{Scenario: "nope"} },
			prefix: `unknown scenario "nope"`,
			is:     app.ErrUnknownScenario,
		},
		{
			name:  "Config.Scenario from Config.Scenarios",
			files: map[string]string{"mine.yaml": scenario},
			cfg: func(dir string) app.Config {
				return app.Config{Scenarios: filepath.Join(dir, "mine.yaml"), Scenario: "mine"}
			},
			prefix: "",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, src := range c.files {
				writeFile(t, filepath.Join(dir, name), src)
			}
			_, err := app.New(c.cfg(dir))
			if c.prefix == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), c.prefix) {
				t.Fatalf("got %v, want an error starting %q", err, c.prefix)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("got %v, want errors.Is %v", err, c.is)
			}
			if len(c.lines) == 0 {
				return
			}
			got := problems(t, err)
			for _, l := range c.lines {
				if want := strings.ReplaceAll(l, "DIR", dir); !hasLine(got, want) {
					t.Errorf("got\n%s\nwant a line starting %q", strings.Join(got, "\n"), want)
				}
			}
		})
	}
}

// Load again rebuilds everything from the files, so every session starts
// afresh; when a file is broken it changes nothing at all: the old
// fixtures and scenarios keep serving, sessions keep their state.
func TestLoadAgain(t *testing.T) {
	const (
		fixtures = "isolar:\n  apps:\n    - {name: A, appkey: K, access_key: S1, application_id: \"1\", redirect_uris: [\"https://a.example\"]}\n"
		scen     = "name: mine\nrules:\n  - when: {endpoint: isolar.token}\n    do: {error: hourly_limit}\n"
	)
	cases := []struct {
		name     string
		fixtures string // new content; "": unchanged
		scenario string
		err      []string // lines of the error; nil: none
		secret   string   // the app's x-access-key after the load
		keepWant string   // what the session with "mine" active answers after the load
	}{
		{name: "files unchanged", secret: "S1", keepWant: `"result_code":"6"`},
		{name: "fixtures changed", fixtures: strings.Replace(fixtures, "S1", "S2", 1), secret: "S2", keepWant: `"result_code":"6"`},
		{
			name: "fixtures broken", fixtures: "isolar:\n  apps: [{nope: 1}]\n",
			err:    []string{"fixtures:", `DIR/f.yaml:2: isolar.apps[0].nope: unknown field "nope"`},
			secret: "S1", keepWant: `"result_code":"E999"`,
		},
		{
			name: "scenario broken", scenario: strings.Replace(scen, "hourly_limit", "no_such_failure", 1),
			err:    []string{"scenarios:", `DIR/mine.yaml:4: rules[0].do.error: unknown failure "no_such_failure"`},
			secret: "S1", keepWant: `"result_code":"E999"`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			fixFile, scenFile := filepath.Join(dir, "f.yaml"), filepath.Join(dir, "mine.yaml")
			writeFile(t, fixFile, fixtures)
			writeFile(t, scenFile, scen)
			a, url := serve(t, app.Config{Fixtures: fixFile, Scenarios: scenFile})
			token := func(session, secret string) string {
				t.Helper()
				// Past the gateway, the missing grant type answers 6.
				return string(testkit.Do(t, "POST", url+"/openapi/apiManage/token",
					map[string]string{"x-access-key": secret, "X-Mock-Session": session}, `{"appkey":"K"}`).Body)
			}
			if got := testkit.Do(t, "PUT", url+"/_mock/scenario", map[string]string{"X-Mock-Session": "keep"}, `{"name":"mine"}`); got.Status != 200 {
				t.Fatalf("PUT scenario: got %d %s, want 200", got.Status, got.Body)
			}
			if got := token("keep", "S1"); !strings.Contains(got, `"result_code":"E999"`) {
				t.Fatalf("before: got %s, want the scenario's E999", got)
			}
			if c.fixtures != "" {
				writeFile(t, fixFile, c.fixtures)
			}
			if c.scenario != "" {
				writeFile(t, scenFile, c.scenario)
			}

			err := a.Load()
			if c.err == nil && err != nil {
				t.Errorf("Load: got %v, want nil", err)
			}
			if c.err != nil {
				if err == nil || !strings.HasPrefix(err.Error(), c.err[0]+"\n") {
					t.Errorf("Load: got %v, want an error starting %q", err, c.err[0])
				} else if want := strings.ReplaceAll(c.err[1], "DIR", dir); !hasLine(problems(t, err), want) {
					t.Errorf("Load: got\n%v\nwant a line starting %q", err, want)
				}
			}
			if got := token("other", c.secret); !strings.Contains(got, `"result_code":"6"`) {
				t.Errorf("app after the load: got %s, want result_code 6 for secret %s", got, c.secret)
			}
			if got := token("keep", c.secret); !strings.Contains(got, c.keepWant) {
				t.Errorf("session after the load: got %s, want %s", got, c.keepWant)
			}
		})
	}
}

// The vendors' tables declare each endpoint once, under its vendor; the
// catalogue scenarios are checked against is exactly those tables.
func TestSpecsAndCatalogue(t *testing.T) {
	specs := app.Specs()
	if len(specs) == 0 {
		t.Fatal("got no specs, want one per vendor")
	}
	var ids []string
	vendors := map[string]bool{}
	for _, s := range specs {
		if s.Vendor == "" || vendors[s.Vendor] {
			t.Errorf("got vendor %q, want a name of its own", s.Vendor)
		}
		vendors[s.Vendor] = true
		if len(s.Endpoints) == 0 {
			t.Errorf("%s: got no endpoints, want some", s.Vendor)
		}
		for _, e := range s.Endpoints {
			if !strings.HasPrefix(e.ID, s.Vendor+".") {
				t.Errorf("%s: got endpoint %q, want it under %s.", s.Vendor, e.ID, s.Vendor)
			}
			if slices.Contains(ids, e.ID) {
				t.Errorf("got endpoint %q twice, want it once", e.ID)
			}
			ids = append(ids, e.ID)
		}
	}
	cat := app.Catalogue()
	if got := cat.Endpoints(); !slices.Equal(got, ids) {
		t.Errorf("catalogue: got endpoints %v, want %v", got, ids)
	}
	for _, s := range specs {
		for _, e := range s.Endpoints {
			want := slices.Sorted(slices.Values(e.Failures))
			if got := cat.Failures(e.ID); !slices.Equal(got, want) {
				t.Errorf("%s: got failures %v, want %v", e.ID, got, want)
			}
		}
	}
}

// Vendors builds one vendor per table, in table order, from one fixture
// set; a fixture set a vendor cannot use is an error.
func TestVendors(t *testing.T) {
	defaults, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		fx   *fixture.Fixtures
		err  string // the error starts so; "": none
	}{
		{name: "default fixtures", fx: defaults},
		{name: "no fixtures at all", fx: &fixture.Fixtures{Solarman: &fixture.Solarman{SigningKeyPEM: defaults.Solarman.SigningKeyPEM}}},
		{name: "a signing key that is none", fx: &fixture.Fixtures{Solarman: &fixture.Solarman{SigningKeyPEM: "garbage"}}, err: "solarman signing key: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			built, err := app.Vendors(c.fx, mock.Deps{})
			if c.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), c.err) {
					t.Errorf("got %v, want an error starting %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			specs := app.Specs()
			if len(built) != len(specs) {
				t.Fatalf("got %d vendors, want %d", len(built), len(specs))
			}
			for i, v := range built {
				if got := v.Routes().Spec(); !reflect.DeepEqual(got, specs[i]) {
					t.Errorf("vendor %d: got %+v, want %+v", i, got, specs[i])
				}
			}
		})
	}
}

// expiredState gives a mock tokens that expired long enough ago for a
// sweep to drop them: a sweep first marks what expired, the next one
// after spring.SweepGrace drops it.
func expiredState(t *testing.T, cfg app.Config, clock *testkit.Clock) *app.App {
	t.Helper()
	cfg.Wall = clock.Now
	a, url := serve(t, cfg)
	if got := isolarToken(t, url, "s"); !strings.Contains(got, `"result_code":"1"`) {
		t.Fatalf("got %s, want a token", got)
	}
	if n := a.Sweep(); n != 0 {
		t.Fatalf("sweep of live tokens: got %d entries, want 0", n)
	}
	clock.Advance(365 * 24 * time.Hour)
	if n := a.Sweep(); n != 0 {
		t.Fatalf("first sweep after expiry: got %d entries, want 0 (the grace begins)", n)
	}
	clock.Advance(spring.SweepGrace)
	return a
}

func TestSweep(t *testing.T) {
	a := expiredState(t, app.Config{}, testkit.NewClock())
	if n := a.Sweep(); n == 0 {
		t.Errorf("sweep after the grace: got 0 entries, want the expired tokens")
	}
	if n := a.Sweep(); n != 0 {
		t.Errorf("sweep again: got %d entries, want 0", n)
	}
}

func TestSweepEvery(t *testing.T) {
	logs := &testkit.Buffer{}
	a := expiredState(t, app.Config{Log: logger(logs)}, testkit.NewClock())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.SweepEvery(ctx, 10*time.Millisecond); close(done) }()
	eventually(t, "a log line of the sweep", func() (string, bool) {
		return logs.String(), strings.Contains(logs.String(), `msg="swept expired state" entries=`)
	})
	cancel()
	<-done
	if n := a.Sweep(); n != 0 {
		t.Errorf("sweep after SweepEvery: got %d entries, want 0", n)
	}
}

// The loops return once their context ends.
func TestLoopsEndWithTheirContext(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "s.yaml"), "rules:\n  - when: {endpoint: isolar.token}\n    do: {error: hourly_limit}\n")
	cases := []struct {
		name string
		cfg  app.Config
		loop func(a *app.App, ctx context.Context)
	}{
		{"Watch of the embedded files", app.Config{}, func(a *app.App, ctx context.Context) { a.Watch(ctx, 10*time.Millisecond) }},
		{"Watch of files", app.Config{Fixtures: "../../fixtures", Scenarios: dir}, func(a *app.App, ctx context.Context) { a.Watch(ctx, 10*time.Millisecond) }},
		{"SweepEvery", app.Config{}, func(a *app.App, ctx context.Context) { a.SweepEvery(ctx, 10*time.Millisecond) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := app.New(c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { c.loop(a, ctx); close(done) }()
			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("got no return 10s after the cancel, want the loop to end")
			}
		})
	}
}
