package scenario

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tokenmock/tokenmock/internal/yamlfile"
)

// scenarioFile is a valid scenario file, named name when name is not "".
func scenarioFile(name string) string {
	src := "rules: [{when: {endpoint: isolar.token}, do: {status: 503}}]\n"
	if name != "" {
		src = "name: " + name + "\n" + src
	}
	return src
}

// unreadableFS is fsys whose file bad cannot be read, though it is listed.
type unreadableFS struct {
	fstest.MapFS
	bad string
}

func (f unreadableFS) Open(name string) (fs.File, error) {
	if name == f.bad {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("input/output error")}
	}
	return f.MapFS.Open(name)
}

// names is the scenarios' names and sources, as "name@source".
func names(scs []*Scenario) []string {
	var out []string
	for _, sc := range scs {
		out = append(out, sc.Name+"@"+sc.Source)
	}
	return out
}

// wantProblems checks that err lists exactly the problems that start
// with want, in order.
func wantProblems(t *testing.T, err error, want []string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Errorf("got %v, want no problem", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("got no problem, want %q", want)
	}
	got := problemsOf(t, err)
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d: got %q, want it to start with %q", i, got[i], want[i])
		}
	}
}

func TestLoadFS(t *testing.T) {
	fsys := unreadableFS{bad: "broken/bad.yaml", MapFS: fstest.MapFS{
		"lib/b.yml":          {Data: []byte(scenarioFile(""))},
		"lib/a.yaml":         {Data: []byte(scenarioFile("first"))},
		"lib/notes.txt":      {Data: []byte("not a scenario")},
		"lib/sub/deep.yaml":  {Data: []byte(scenarioFile("deep"))},
		"more/one.yaml":      {Data: []byte(scenarioFile("first"))},
		"more/two.yaml":      {Data: []byte(scenarioFile("two"))},
		"broken/bad.yaml":    {Data: []byte(scenarioFile("bad"))},
		"broken/invalid.yml": {Data: []byte("rules: []\n")},
	}}
	cases := []struct {
		name      string
		paths     []string
		want      []string
		wantProbs []string
	}{
		{
			name:  "a folder: its YAML files, sorted, not its subfolders",
			paths: []string{"lib"},
			want:  []string{"first@lib/a.yaml", "b@lib/b.yml"},
		},
		{
			name:  "a file",
			paths: []string{"more/two.yaml"},
			want:  []string{"two@more/two.yaml"},
		},
		{
			name:  "nothing",
			paths: nil,
		},
		{
			name:      "a duplicate name",
			paths:     []string{"lib", "more"},
			want:      []string{"first@lib/a.yaml", "b@lib/b.yml", "two@more/two.yaml"},
			wantProbs: []string{`more/one.yaml:1: name: duplicate scenario name "first" (also in lib/a.yaml)`},
		},
		{
			name:      "the same file twice",
			paths:     []string{"more/two.yaml", "more/two.yaml"},
			want:      []string{"two@more/two.yaml"},
			wantProbs: []string{`more/two.yaml:1: name: duplicate scenario name "two" (also in more/two.yaml)`},
		},
		{
			name:  "every problem at once",
			paths: []string{"missing.yaml", "broken", "more/two.yaml"},
			want:  []string{"two@more/two.yaml"},
			wantProbs: []string{
				"missing.yaml: cannot read: file does not exist",
				"broken/bad.yaml: cannot read: input/output error",
				"broken/invalid.yml:1: rules: want a non-empty list of rules",
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			scs, err := LoadFS(fsys, c.paths, testCatalogue())
			if got := names(scs); !slices.Equal(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
			wantProblems(t, err, c.wantProbs)
		})
	}
}

// writeFiles writes files (name → content) under dir; a content starting
// with "->" makes a symbolic link to what follows.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatalf("mkdir: got %v, want nil", err)
		}
		var err error
		if target, ok := strings.CutPrefix(content, "->"); ok {
			err = os.Symlink(target, p)
		} else {
			err = os.WriteFile(p, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatalf("writing %s: got %v, want nil", name, err)
		}
	}
}

func TestLoadOS(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"lib/a.yaml":           scenarioFile("first"),
		"lib/b.yml":            scenarioFile(""),
		"lib/notes.txt":        "not a scenario",
		"dup/a.yaml":           scenarioFile("same"),
		"dup/b.yaml":           scenarioFile("same"),
		"broken/dangling.yaml": "->" + filepath.Join(dir, "nowhere.yaml"),
		"broken/ok.yaml":       scenarioFile("ok"),
		"invalid/x.yaml":       "name: x\n",
	})
	in := func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) }
	cases := []struct {
		name      string
		path      string
		want      []string
		wantProbs []string
	}{
		{
			name: "a folder",
			path: in("lib"),
			want: []string{"first@" + in("lib/a.yaml"), "b@" + in("lib/b.yml")},
		},
		{
			name: "a file",
			path: in("lib/b.yml"),
			want: []string{"b@" + in("lib/b.yml")},
		},
		{
			name:      "a duplicate name",
			path:      in("dup"),
			want:      []string{"same@" + in("dup/a.yaml")},
			wantProbs: []string{in("dup/b.yaml") + `:1: name: duplicate scenario name "same" (also in ` + in("dup/a.yaml") + ")"},
		},
		{
			name:      "an unreadable file",
			path:      in("broken"),
			want:      []string{"ok@" + in("broken/ok.yaml")},
			wantProbs: []string{in("broken/dangling.yaml") + ": cannot read: file does not exist"},
		},
		{
			name:      "an invalid file",
			path:      in("invalid"),
			wantProbs: []string{in("invalid/x.yaml") + ":1: rules: missing: a scenario needs rules"},
		},
		{
			name:      "a missing path",
			path:      in("missing"),
			wantProbs: []string{in("missing") + ": cannot read: file does not exist"},
		},
		{
			// named in full, as given, not by the last element alone
			name:      "a file in a missing folder, relative",
			path:      "nope/x.yaml",
			wantProbs: []string{"nope/x.yaml: cannot read: file does not exist"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			scs, err := LoadOS(c.path, testCatalogue())
			if got := names(scs); !slices.Equal(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
			wantProblems(t, err, c.wantProbs)
		})
	}
}

// LoadOSFiles reports each file on its own, a name used twice included.
func TestLoadOSFiles(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.yaml":       scenarioFile("same"),
		"b.yaml":       scenarioFile("same"),
		"c.yaml":       scenarioFile("c"),
		"invalid.yaml": "name: x\n",
	})
	in := func(p string) string { return filepath.Join(dir, p) }
	files := []string{in("a.yaml"), in("b.yaml"), in("c.yaml"), in("invalid.yaml"), in("missing.yaml")}
	scs, errs := LoadOSFiles(files, testCatalogue())
	if got, want := names(scs), []string{"same@" + in("a.yaml"), "c@" + in("c.yaml")}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	wants := [][]string{
		nil,
		{in("b.yaml") + `:1: name: duplicate scenario name "same" (also in ` + in("a.yaml") + ")"},
		nil,
		{in("invalid.yaml") + ":1: rules: missing: a scenario needs rules"},
		{in("missing.yaml") + ": cannot read: file does not exist"},
	}
	if len(errs) != len(files) {
		t.Fatalf("got %d errors, want one per file (%d)", len(errs), len(files))
	}
	for i, want := range wants {
		wantProblems(t, errs[i], want)
	}
}

func TestParseOSFile(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"good.yaml":    scenarioFile(""),
		"invalid.yaml": "rules: [{when: {endpoint: nope}, do: {pass: true}}]\n",
		"huge.yaml":    scenarioFile("") + strings.Repeat("#", yamlfile.MaxFileSize),
	})
	in := func(p string) string { return filepath.Join(dir, p) }
	cases := []struct {
		name      string
		file      string
		want      string // the scenario's name
		wantProbs []string
	}{
		{name: "a valid file", file: in("good.yaml"), want: "good"},
		{name: "an invalid file", file: in("invalid.yaml"), wantProbs: []string{in("invalid.yaml") + `:1: rules[0].when.endpoint: unknown endpoint "nope"`}},
		{name: "a missing file", file: in("missing.yaml"), wantProbs: []string{in("missing.yaml") + ": cannot read: file does not exist"}},
		{name: "a folder", file: dir, wantProbs: []string{dir + ": cannot read: not a regular file (a folder): want a YAML file"}},
		{name: "a file over MaxFileSize", file: in("huge.yaml"), wantProbs: []string{in("huge.yaml") + ": cannot read: larger than the limit of 8 MiB per file (MaxFileSize)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc, err := ParseOSFile(c.file, testCatalogue())
			wantProblems(t, err, c.wantProbs)
			got := ""
			if sc != nil {
				got = sc.Name
			}
			if got != c.want {
				t.Errorf("got scenario %q, want %q", got, c.want)
			}
			if sc != nil && sc.Source != c.file {
				t.Errorf("got source %q, want %q", sc.Source, c.file)
			}
		})
	}
}
