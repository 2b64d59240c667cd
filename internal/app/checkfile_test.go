package app_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/app"
	"github.com/tokenmock/tokenmock/internal/testkit"
	"github.com/tokenmock/tokenmock/internal/yamlfile"
)

const (
	goodFixture  = "isolar:\n  users:\n    - {account: a, password: p, user_id: 1, plants: []}\n"
	goodScenario = "rules:\n  - when: {endpoint: oauth.token}\n    do: {error: token_invalid_code}\n"
)

// checkFile is what validate checks of a path (Check), all its problems
// at once.
func checkFile(path string) error {
	var errs []error
	for _, c := range app.Check(path, app.Catalogue()) {
		errs = append(errs, c.Err)
	}
	return yamlfile.Merge(errs...)
}

// Check is what validate runs: each file with top-level rules, name or
// description is a scenario, the other files of a path are one fixture
// set; every problem has its line.
func TestCheckFile(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string // written into the test's folder
		// path is relative to the test's folder, or to this package when
		// it starts with ../../ (the repository's own files)
		path string
		want []string // the problems, each starting so, with DIR the test's folder; nil: valid
	}{
		{name: "good fixture file", files: map[string]string{"f.yaml": goodFixture}, path: "f.yaml"},
		{
			name:  "bad fixture file",
			files: map[string]string{"f.yaml": "isolar:\n  users:\n    - {account: a, password: p, user_id: 0, plants: []}\n  nope: 1\n"},
			path:  "f.yaml",
			want:  []string{"DIR/f.yaml:3: isolar.users[0].user_id: ", `DIR/f.yaml:4: isolar.nope: unknown field "nope"`},
		},
		{name: "scenario file", files: map[string]string{"s.yaml": goodScenario}, path: "s.yaml"},
		{
			name:  "bad scenario file",
			files: map[string]string{"s.yaml": "rules:\n  - when: {endpoint: oauth.token}\n    do: {error: invalid_code, delay: 1x}\n"},
			path:  "s.yaml",
			want: []string{
				`DIR/s.yaml:3: rules[0].do.delay: invalid duration "1x"`,
				`DIR/s.yaml:3: rules[0].do.error: unknown failure "invalid_code" for oauth.token`,
			},
		},
		{name: "scenario folder", files: map[string]string{"a.yaml": goodScenario, "b.yml": goodScenario}, path: "."},
		{
			name:  "scenario folder with one name twice",
			files: map[string]string{"a.yaml": "name: same\n" + goodScenario, "b.yaml": "name: same\n" + goodScenario},
			path:  ".",
			want:  []string{`DIR/b.yaml:1: name: duplicate scenario name "same"`},
		},
		{name: "folder mixing scenario and fixture files", files: map[string]string{"f.yaml": goodFixture, "s.yaml": goodScenario}, path: "."},
		{
			// name and description make a scenario, whose rules are
			// missing: no fixture noise about its fields, nor about the
			// good scenarios beside it
			name:  "folder with a scenario without rules",
			files: map[string]string{"a.yaml": goodScenario, "b.yaml": goodScenario, "f.yaml": goodFixture, "norules.yaml": "name: norules\ndescription: no rules yet\n"},
			path:  ".",
			want:  []string{"DIR/norules.yaml:1: rules: missing: a scenario needs rules"},
		},
		{
			name:  "mixed folder with a bad fixture file",
			files: map[string]string{"s.yaml": goodScenario, "f.yaml": "isolar:\n  users:\n    - {account: a, password: p, user_id: 0, plants: []}\n"},
			path:  ".",
			want:  []string{"DIR/f.yaml:3: isolar.users[0].user_id: "},
		},
		{
			name:  "scenario folder with one name twice, beside fixtures",
			files: map[string]string{"a.yaml": "name: same\n" + goodScenario, "b.yaml": "name: same\n" + goodScenario, "f.yaml": goodFixture},
			path:  ".",
			want:  []string{`DIR/b.yaml:1: name: duplicate scenario name "same"`},
		},
		{
			// A file that does not parse but starts its line with rules:
			// is a scenario: no fixture problem for the good file beside it.
			name:  "scenario folder with a file that does not parse",
			files: map[string]string{"good.yaml": goodScenario, "broken.yaml": "name: broken\nrules:\n  - when: {endpoint: isolar.token}\n    do: {error: invalid_code}\n  - [a, b\n"},
			path:  ".",
			want:  []string{`DIR/broken.yaml:5: (document): did not find expected ',' or ']'`},
		},
		{name: "empty folder", path: ".", want: []string{"DIR: no .yaml or .yml files"}},
		{name: "missing path", path: "nope.yaml", want: []string{"DIR/nope.yaml: cannot read: "}},
		{name: "the scenario library", path: "../../scenarios"},
		{name: "the default fixtures", path: "../../fixtures"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, src := range c.files {
				writeFile(t, filepath.Join(dir, name), src)
			}
			path := c.path
			if !strings.HasPrefix(path, "../../") {
				path = filepath.Join(dir, path)
			}
			err := checkFile(path)
			if c.want == nil {
				if err != nil {
					t.Errorf("got %v, want nil", err)
				}
				return
			}
			got := problems(t, err)
			if len(got) != len(c.want) {
				t.Errorf("got %d problems\n%s\nwant %d", len(got), strings.Join(got, "\n"), len(c.want))
			}
			for _, w := range c.want {
				if w = strings.ReplaceAll(w, "DIR", dir); !hasLine(got, w) {
					t.Errorf("got\n%s\nwant a line starting %q", strings.Join(got, "\n"), w)
				}
			}
		})
	}
}

// One broken scenario file is reported at the same line, with the same
// words, by validate, by serve --scenarios and by the admin API.
func TestBrokenScenarioSameLineEverywhere(t *testing.T) {
	const src = "name: broken\nrules:\n  - when: {endpoint: isolar.token}\n    do: {error: invalid_code}\n  - [a, b\n"
	file := filepath.Join(t.TempDir(), "broken.yaml")
	writeFile(t, file, src)
	cases := []struct {
		name string
		// problems are the reported lines, and the name they give the file
		problems func(t *testing.T) (file string, problems []string)
	}{
		{"validate", func(t *testing.T) (string, []string) {
			return file, problems(t, checkFile(file))
		}},
		{"serve --scenarios", func(t *testing.T) (string, []string) {
			_, err := app.New(app.Config{Scenarios: file})
			return file, problems(t, err)
		}},
		{"admin API", func(t *testing.T) (string, []string) {
			_, url := serve(t, app.Config{})
			got := testkit.Do(t, "PUT", url+"/_mock/scenario", map[string]string{"Content-Type": "application/yaml"}, src)
			var body struct {
				Error   string   `json:"error"`
				Details []string `json:"details"`
			}
			if err := json.Unmarshal(got.Body, &body); err != nil || got.Status != 400 || body.Error != "invalid scenario" {
				t.Fatalf("got %d %s, want 400 and an invalid scenario", got.Status, got.Body)
			}
			return "inline", body.Details
		}},
	}
	var first string // the first way's problem, without the file name
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name, got := c.problems(t)
			if len(got) != 1 || !strings.HasPrefix(got[0], name+":5: ") {
				t.Fatalf("got %q, want one problem at %s:5", got, name)
			}
			rest := strings.TrimPrefix(got[0], name+":")
			if first == "" {
				first = rest
			}
			if rest != first {
				t.Errorf("got %q, want %q as the others say", rest, first)
			}
		})
	}
}

// Check says what it took each file as: scenarios one by one, the fixture
// files of a path as one set.
func TestCheckSaysWhatEachFileIs(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{"a.yaml": goodScenario, "f.yaml": goodFixture, "g.yml": "solarman: {}\n", "z.yaml": goodScenario} {
		writeFile(t, filepath.Join(dir, name), src)
	}
	var got []string
	for _, c := range app.Check(dir, app.Catalogue()) {
		if c.Err != nil {
			t.Errorf("%s %q: got %v, want no problem", c.Kind, c.Files, c.Err)
		}
		for _, f := range c.Files {
			got = append(got, strings.TrimPrefix(f, dir+string(filepath.Separator))+" "+c.Kind)
		}
	}
	want := []string{"a.yaml scenario", "z.yaml scenario", "f.yaml fixtures", "g.yml fixtures"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("got %q, want %q", got, want)
	}
}
