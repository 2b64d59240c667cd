package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/app"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// watch runs a.Watch until the test ends, and waits for it to return.
func watch(t *testing.T, a *app.App) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Watch(ctx, 20*time.Millisecond); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// save writes src to file, as an editor that saves atomically does (a new
// file renamed over the old one), and waits until check sees the change.
// A save seen half done is the watcher's own matter, tested look by look
// in watcher_test.go; here a loaded machine must not make it flaky. The
// file's size changes (src gets trailing newlines if need be), so that the
// change shows whatever the file system's time resolution.
func save(t *testing.T, file, src, want string, check func() (string, bool)) {
	t.Helper()
	if old, err := os.Stat(file); err == nil {
		for int64(len(src)) == old.Size() {
			src += "\n"
		}
	}
	tmp := filepath.Join(t.TempDir(), filepath.Base(file))
	writeFile(t, tmp, src)
	if err := os.Rename(tmp, file); err != nil {
		t.Fatal(err)
	}
	eventually(t, want, check)
}

// logged is a check that logs has a line containing want.
func logged(logs *testkit.Buffer, want string) func() (string, bool) {
	return func() (string, bool) { return "logs:\n" + logs.String(), strings.Contains(logs.String(), want) }
}

// Under Watch an edited scenario file changes behaviour; a broken save
// keeps the old version and logs the problem with its line.
func TestScenarioHotReload(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mine.yaml")
	src := func(code string) string {
		return "name: mine\nrules:\n  - when: {endpoint: isolar.token}\n    do: {error: " + code + "}\n"
	}
	writeFile(t, file, src("hourly_limit"))
	logs := &testkit.Buffer{}
	a, url := serve(t, app.Config{Scenarios: dir, Scenario: "mine", Seed: 1, Log: logger(logs)})
	watch(t, a)
	answers := func(want string) func() (string, bool) {
		return func() (string, bool) {
			body := isolarToken(t, url, "w")
			return body + "\nlogs:\n" + logs.String(), strings.Contains(body, want)
		}
	}

	if got, ok := answers(`"result_code":"E999"`)(); !ok {
		t.Fatalf("got %s, want E999", got)
	}
	save(t, file, src("access_not_authorized"), "E900", answers(`"result_code":"E900"`))
	// A broken save: the old version stays, the log names the line.
	want := file + `:4: rules[0].do.error: unknown failure \"no_such_failure\"`
	save(t, file, src("no_such_failure"), want, logged(logs, want))
	if got, ok := answers(`"result_code":"E900"`)(); !ok {
		t.Errorf("after a broken save: got %s, want the old version's E900", got)
	}
}

// Under Watch, changed fixtures rebuild the mock; broken ones keep the
// old fixtures and log why.
func TestFixtureHotReload(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.yaml")
	src := func(secret string) string {
		return "isolar:\n  apps:\n    - {name: A, appkey: K, access_key: " + secret + ", application_id: \"1\", redirect_uris: [\"https://a.example\"]}\n"
	}
	writeFile(t, file, src("S1"))
	logs := &testkit.Buffer{}
	a, url := serve(t, app.Config{Fixtures: dir, Seed: 1, Log: logger(logs)})
	watch(t, a)
	// Past the gateway, the missing grant type answers 6: the secret is the app's.
	accepts := func(secret string) func() (string, bool) {
		return func() (string, bool) {
			body := string(testkit.Do(t, "POST", url+"/openapi/apiManage/token", map[string]string{"x-access-key": secret}, `{"appkey":"K"}`).Body)
			return body + "\nlogs:\n" + logs.String(), strings.Contains(body, `"result_code":"6"`)
		}
	}

	if got, ok := accepts("S1")(); !ok {
		t.Fatalf("first fixtures: got %s, want result_code 6", got)
	}
	save(t, file, src("S2-longer"), "the reloaded fixtures' secret accepted", accepts("S2-longer"))
	save(t, file, "isolar:\n  apps: [{nope: 1}]\n", "the problem logged", logged(logs, `unknown field \"nope\"`))
	if got, ok := accepts("S2-longer")(); !ok {
		t.Errorf("after a broken save: got %s, want the old fixtures still served", got)
	}
}

// A scenario file that appears in the watched folder joins the library.
func TestWatchAddsNewScenarioFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.yaml"), goodScenario)
	logs := &testkit.Buffer{}
	a, url := serve(t, app.Config{Scenarios: dir, Log: logger(logs)})
	watch(t, a)
	activate := func() (string, bool) {
		got := testkit.Do(t, "PUT", url+"/_mock/scenario", map[string]string{"X-Mock-Session": "new"}, `{"name":"added"}`)
		return string(got.Body) + "\nlogs:\n" + logs.String(), got.Status == 200
	}

	if got, ok := activate(); ok {
		t.Fatalf("before the file: got %s, want an unknown scenario", got)
	}
	save(t, filepath.Join(dir, "b.yaml"), "name: added\nrules:\n  - when: {endpoint: isolar.token}\n    do: {error: ip_denied}\n",
		"the new scenario activated", activate)
	if got := isolarToken(t, url, "new"); !strings.Contains(got, `"result_code":"E918"`) {
		t.Errorf("got %s, want the new scenario's E918", got)
	}
}

// A fixture file that appears in the watched folder rebuilds the mock with
// its sections.
func TestWatchAddsNewFixtureFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "f.yaml"), goodFixture)
	logs := &testkit.Buffer{}
	a, url := serve(t, app.Config{Fixtures: dir, Log: logger(logs)})
	watch(t, a)
	token := func() (string, bool) {
		got := testkit.Do(t, "POST", url+"/oauth/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			"grant_type=client_credentials&client_id=c&client_secret=s")
		return fmt.Sprintf("%d %s\nlogs:\n%s", got.Status, got.Body, logs), got.Status == 200 && strings.Contains(string(got.Body), `"access_token"`)
	}

	if got, ok := token(); ok {
		t.Fatalf("before the file: got %s, want no client c", got)
	}
	save(t, filepath.Join(dir, "o.yaml"),
		"oauth:\n  clients:\n    - {client_id: c, client_secret: s, redirect_uris: [\"http://localhost\"], scopes: [read], grant_types: [client_credentials]}\n",
		"a token for the new client", token)
}

// A file saved after the mock loaded it but before Watch took its first
// look is still seen as changed: Watch compares with what Load read.
func TestWatchSeesSavesBeforeItStarts(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mine.yaml")
	src := func(code string) string {
		return "name: mine\nrules:\n  - when: {endpoint: isolar.token}\n    do: {error: " + code + "}\n"
	}
	writeFile(t, file, src("hourly_limit"))
	logs := &testkit.Buffer{}
	a, url := serve(t, app.Config{Scenarios: dir, Scenario: "mine", Log: logger(logs)})
	writeFile(t, file, src("access_not_authorized"))
	watch(t, a)
	eventually(t, "E900", func() (string, bool) {
		body := isolarToken(t, url, "early")
		return body + "\nlogs:\n" + logs.String(), strings.Contains(body, `"result_code":"E900"`)
	})
}
