package app_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/app"
	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// decodeJSON decodes an answer's body.
func decodeJSON[T any](t *testing.T, r testkit.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
	return v
}

// logLines are the lines of logs whose message is msg.
func logLines(logs *testkit.Buffer, msg string) []string {
	var out []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "level=INFO msg="+msg+" ") {
			out = append(out, l)
		}
	}
	return out
}

// Each Load says where the fixtures came from, what each vendor's hold,
// how many scenarios there are and which one every session starts with.
func TestLoadLogsWhatItLoaded(t *testing.T) {
	fx, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	records, err := fx.OAuth.Resource.RecordsJSON()
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.Buffer{}
	_, url := serve(t, app.Config{Scenario: "isolar-code-reused", Log: logger(logs)})
	library := len(decodeJSON[struct{ Scenarios []any }](t, testkit.Do(t, "GET", url+"/_mock/scenarios", nil, "")).Scenarios)
	want := map[string][]string{
		`"fixtures loaded"`: {`source="embedded defaults"`},
		`"vendor fixtures"`: {
			fmt.Sprintf("vendor=isolar apps=%d users=%d static_codes=%d plants=%d", len(fx.Isolar.Apps), len(fx.Isolar.Users), len(fx.Isolar.StaticCodes), len(fx.Isolar.Plants)),
			fmt.Sprintf("vendor=solarman apps=%d users=%d stations=%d", len(fx.Solarman.Apps), len(fx.Solarman.Users), len(fx.Solarman.Stations)),
			fmt.Sprintf("vendor=oauth clients=%d users=%d records=%d", len(fx.OAuth.Clients), len(fx.OAuth.Users), len(records)),
		},
		`"scenarios loaded"`: {fmt.Sprintf("count=%d active_in_every_session=isolar-code-reused", library)},
	}
	for msg, ends := range want {
		lines := logLines(logs, msg)
		if len(lines) != len(ends) {
			t.Errorf("msg=%s: got %q, want %d lines", msg, lines, len(ends))
			continue
		}
		for i, end := range ends {
			if !strings.HasSuffix(lines[i], " "+end) {
				t.Errorf("msg=%s: got %q, want it to end in %q", msg, lines[i], end)
			}
		}
	}
	if library == 0 {
		t.Errorf("got no scenario in the library, want the embedded ones")
	}
}

// A fixture file is named; a vendor without a section has nothing; with
// no start scenario, none is active.
func TestLoadLogsAFixtureFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f.yaml")
	writeFile(t, file, "isolar:\n  apps:\n    - {name: A, appkey: K, access_key: S1, application_id: \"1\", redirect_uris: [\"https://a.example\"]}\n")
	logs := &testkit.Buffer{}
	a, _ := serve(t, app.Config{Fixtures: file, Log: logger(logs)})
	if err := a.Load(); err != nil { // each Load says it again
		t.Fatal(err)
	}
	for msg, want := range map[string]string{
		`"fixtures loaded"`:  "source=" + file,
		`"vendor fixtures"`:  "vendor=solarman apps=0 users=0 stations=0",
		`"scenarios loaded"`: "active_in_every_session=none",
	} {
		found := 0
		for _, l := range logLines(logs, msg) {
			if strings.Contains(l, " "+want) {
				found++
			}
		}
		if found != 2 {
			t.Errorf("msg=%s: got %d lines with %q in\n%s\nwant 2 (one per Load)", msg, found, want, logs)
		}
	}
	if lines := logLines(logs, `"vendor fixtures"`); len(lines) != 6 || !strings.HasSuffix(lines[0], " vendor=isolar apps=1 users=0 static_codes=0 plants=0") {
		t.Errorf("got %q, want three vendor lines per Load, isolar with its one app", lines)
	}
}

// A start scenario is listed at once, active in the sessions that exist,
// before any vendor request.
func TestStartScenarioListedAtOnce(t *testing.T) {
	_, url := serve(t, app.Config{Scenario: "isolar-code-reused"})
	testkit.Do(t, "GET", url+"/_mock/clock", map[string]string{"X-Mock-Session": "early"}, "")
	got := decodeJSON[struct {
		Default string
		Active  map[string]string
	}](t, testkit.Do(t, "GET", url+"/_mock/scenarios", nil, ""))
	if got.Default != "isolar-code-reused" || got.Active["early"] != "isolar-code-reused" || got.Active["default"] != "isolar-code-reused" {
		t.Errorf("got %+v, want the start scenario as default and active in default and early", got)
	}
}
