package yamlfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"gopkg.in/yaml.v3"
)

func TestParseLocatesSyntaxProblems(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		// yaml.v3's parser counts lines from 0, its scanner from 1: both
		// must come out at the line of the mistake.
		{"unclosed flow sequence (parser)", "name: x\nrules:\n  - a\n  - b\n  - [a, b\n",
			[]string{"f.yaml:5: (document): did not find expected ',' or ']'"}},
		{"unclosed flow mapping (parser)", "a: 1\nb: {c: 1\n",
			[]string{"f.yaml:2: (document): did not find expected ',' or '}'"}},
		{"missing key (parser)", "a:\n  b: 1\n c: 2\n",
			[]string{"f.yaml:3: (document): did not find expected key"}},
		{"tab indentation (scanner)", "a:\n\tb: 1\n",
			[]string{"f.yaml:2: (document): found character that cannot start any token"}},
		{"mapping value in a plain scalar (scanner)", "a: b: c\n",
			[]string{"f.yaml:1: (document): mapping values are not allowed in this context"}},
		{"second document", "a: 1\n---\nb: 2\n",
			[]string{"f.yaml:2: (document): only one YAML document allowed per file"}},
		{"broken second document", "a: 1\n---\nb: [\n",
			[]string{"f.yaml:3: (document): did not find expected node content"}},
		// yaml.v3 names the line where the mapping began: the mistake is
		// lines below.
		{"bad indent of a rule's key", "rules:\n  - name: x\n    when:\n      endpoint: isolar.token\n     do: {error: invalid_code}\n",
			[]string{"f.yaml:5: (document): did not find expected key"}},
		{"bad indent of a list item's key", "isolar:\n  users:\n    - account: a\n      password: p\n     user_id: 3\n",
			[]string{"f.yaml:5: (document): did not find expected '-' indicator"}},
		{"bad indent after a nested mapping", "rules:\n  - when: {endpoint: isolar.token}\n    do:\n      error: x\n   status: 5\n",
			[]string{"f.yaml:5: (document): did not find expected '-' indicator"}},
		// a flow mapping over two lines is no mistake of its own
		{"bad indent after a flow mapping", "a: {b: 1,\n  c: 2}\nd:\n  e: 1\n f: 2\n",
			[]string{"f.yaml:5: (document): did not find expected key"}},
		{"a bare star", "rules:\n  - when:\n      endpoint: *\n    do: {fault: reset}\n",
			[]string{`f.yaml:3: (document): did not find expected alphabetic or numeric character (a bare * starts an alias: quote it, endpoint: "*")`}},
		{"a bare star in a list", "a: [*]\n",
			[]string{`f.yaml:1: (document): did not find expected alphabetic or numeric character (a bare * starts an alias: quote it, "*")`}},
		{"empty", "", nil},
		{"comments only", "# nothing\n", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := Parse("f.yaml", []byte(c.src))
			if got := f.Problems(); !slices.Equal(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
			if (f.Err() == nil) != (c.want == nil) {
				t.Errorf("got Err %v, want one exactly when there are problems", f.Err())
			}
		})
	}
}

func TestRootIsTheDocumentsTopNode(t *testing.T) {
	f := Parse("f.yaml", []byte("# top\na: 1\nb: [x]\n"))
	if f.Root == nil || len(f.Root.Content) != 4 || f.Root.Content[0].Value != "a" || f.Root.Line != 2 {
		t.Fatalf("got root %+v, want the mapping at line 2", f.Root)
	}
	if Parse("e.yaml", nil).Root != nil {
		t.Error("empty file: got a root, want nil")
	}
}

func TestProblemsAreSortedOneLineAndLocated(t *testing.T) {
	f := Parse("f.yaml", []byte("a: 1\nb: 2\n"))
	f.Add(2, "b", "second")
	f.Add(0, "", "no line")
	f.Addf(f.Root.Content[0], "a", "control\x00chars\nand %s", "args")
	f.Addf(nil, "x", "   ")
	want := []string{
		"f.yaml:1: (document): no line",
		"f.yaml:1: a: control chars and args",
		"f.yaml:1: x: invalid",
		"f.yaml:2: b: second",
	}
	if got := f.Problems(); !slices.Equal(got, want) {
		t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	if !f.HasProblems() {
		t.Error("HasProblems: got false")
	}
	var e *Errors
	if !errors.As(f.Err(), &e) || e.Error() != strings.Join(want, "\n") {
		t.Errorf("Err: got %v, want *Errors of the problems", f.Err())
	}
}

func TestMerge(t *testing.T) {
	a := Parse("a.yaml", nil)
	a.Add(3, "x", "one")
	b := Parse("b.yaml", nil)
	b.Add(1, "y", "two")
	got := Merge(a.Err(), nil, b.Err(), errors.New("plain"))
	var e *Errors
	if !errors.As(got, &e) {
		t.Fatalf("got %T, want *Errors", got)
	}
	if want := []string{"a.yaml:3: x: one", "b.yaml:1: y: two", "plain"}; !slices.Equal(e.Problems, want) {
		t.Errorf("got %q, want %q", e.Problems, want)
	}
	if err := Merge(nil, nil); err != nil {
		t.Errorf("nothing: got %v, want nil", err)
	}
}

func TestJoin(t *testing.T) {
	for _, c := range []struct{ path, key, want string }{
		{"", "isolar", "isolar"},
		{"a", "b_c-d", "a.b_c-d"},
		{"rules[0].when.match", "body.appkey", "rules[0].when.match.body.appkey"},
		{"h", "X Mock", `h["X\x20Mock"]`},
		{"h", "a:b", `h["a\x3ab"]`},
		{"h", "é\n", `h["\u00e9\n"]`},
		{"h", "", `h[""]`},
	} {
		if got := Join(c.path, c.key); got != c.want {
			t.Errorf("Join(%q, %q): got %q, want %q", c.path, c.key, got, c.want)
		}
	}
}

// model is a small strict model, as fixtures have.
type model struct {
	Name  string            `yaml:"name"`
	TTL   time.Duration     `yaml:"ttl"`
	Count int               `yaml:"count"`
	On    bool              `yaml:"on"`
	Tags  []string          `yaml:"tags"`
	Items []item            `yaml:"items"`
	Extra map[string]string `yaml:"extra"`
}

type item struct {
	ID string `yaml:"id"`
}

func TestDecodeLocatesEveryTypeProblem(t *testing.T) {
	src := `name: ok
ttl: 10
count: many
on: maybe
tags: solo
items:
  - id: a
    bogus: 1
  - {id: [x]}
extra:
  k: v
  k: w
coutn: 2
`
	f := Parse("m.yaml", []byte(src))
	var m model
	f.Decode(&m)
	want := []string{
		`m.yaml:2: ttl: invalid duration "10" (missing unit, e.g. "10s")`,
		`m.yaml:3: count: invalid integer "many"`,
		`m.yaml:4: on: invalid boolean "maybe"`,
		`m.yaml:5: tags: want a list, got "solo"`,
		`m.yaml:8: items[0].bogus: unknown field "bogus"`,
		`m.yaml:9: items[1].id: want a string, got a list`,
		`m.yaml:12: extra.k: duplicate key (also at line 11)`,
		`m.yaml:13: coutn: unknown field "coutn" (did you mean "count"?)`,
	}
	if got := f.Problems(); !slices.Equal(got, want) {
		t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	if m.Name != "ok" {
		t.Errorf("got name %q, want the values that decoded", m.Name)
	}
	for path, line := range map[string]int{"name": 1, "items[0].id": 7, "items[0].nope": 7, "items[1]": 9, "nowhere": 1} {
		if got := f.Line(path); got != line {
			t.Errorf("Line(%s): got %d, want %d", path, got, line)
		}
	}
	// The duplicate key drops the whole mapping; the field of the wrong
	// type stays zero.
	for path, want := range map[string]bool{"extra": true, "extra.k": true, "items[1].id": true, "items[0].id": false, "name": false, "extras": false} {
		if got := f.Covers(path); got != want {
			t.Errorf("Covers(%s): got %v, want %v", path, got, want)
		}
	}
}

func TestDecodeOfAnEmptyFileDoesNothing(t *testing.T) {
	f := Parse("e.yaml", []byte("# nothing\n"))
	var m model
	f.Decode(&m)
	if f.HasProblems() || m.Name != "" {
		t.Errorf("got %q %+v, want no problem and a zero model", f.Problems(), m)
	}
}

func TestFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"d/b.yml":      {Data: []byte("a: 1")},
		"d/a.yaml":     {Data: []byte("a: 1")},
		"d/notes.txt":  {Data: []byte("x")},
		"d/sub/c.yaml": {Data: []byte("a: 1")},
		"one.yaml":     {Data: []byte("a: 1")},
	}
	if got, _ := Files(fsys, "d"); !slices.Equal(got, []string{"d/a.yaml", "d/b.yml"}) {
		t.Errorf("folder: got %q", got)
	}
	if got, _ := Files(fsys, "one.yaml"); !slices.Equal(got, []string{"one.yaml"}) {
		t.Errorf("file: got %q", got)
	}
	if _, err := Files(fsys, "missing"); err == nil {
		t.Error("missing: got nil error")
	}

	dir := t.TempDir()
	for _, n := range []string{"x.yaml", "y.txt"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("a: 1"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := OSFiles(dir); err != nil || !slices.Equal(got, []string{filepath.Join(dir, "x.yaml")}) {
		t.Errorf("OSFiles(dir): got %q %v", got, err)
	}
	if got, err := OSFiles(dir + string(filepath.Separator)); err != nil || !slices.Equal(got, []string{filepath.Join(dir, "x.yaml")}) {
		t.Errorf("OSFiles(dir/): got %q %v, want the folder's file", got, err)
	}
	if got, err := OSFiles(filepath.Join(dir, "y.txt")); err != nil || !slices.Equal(got, []string{filepath.Join(dir, "y.txt")}) {
		t.Errorf("OSFiles(file): got %q %v, want the file as named", got, err)
	}
}

// An error of OSFiles names the path in full, as given, not by its last
// element (os.DirFS's view).
func TestOSFilesErrorNamesThePath(t *testing.T) {
	_, err := OSFiles(filepath.Join("nope", "x.yaml"))
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Path != filepath.Join("nope", "x.yaml") {
		t.Errorf("got %v, want a path error on nope/x.yaml", err)
	}
}

// A file that cannot be read is a problem of the file: no line, no path.
func TestReadProblem(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{&fs.PathError{Op: "open", Path: "x.yaml", Err: fs.ErrNotExist}, "d/x.yaml: cannot read: file does not exist"},
		{&fs.PathError{Op: "open", Path: "x.yaml", Err: syscall.EACCES}, "d/x.yaml: cannot read: permission denied"},
		{&fs.PathError{Op: "read", Path: "x.yaml", Err: syscall.EISDIR}, "d/x.yaml: cannot read: is a directory"},
	}
	for _, c := range cases {
		if got := ReadProblem("d/x.yaml", c.err).Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
	f := Parse("f.yaml", []byte("a: 1\n"))
	f.Add(1, "a", "at a line")
	f.AddFile("of the whole file")
	if got, want := f.Problems(), []string{"f.yaml: of the whole file", "f.yaml:1: a: at a line"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// Decode of a valid file builds no line index (it serves messages only);
// the first Line builds it, with the same lines.
func TestIndexBuiltOnlyForMessages(t *testing.T) {
	f := Parse("m.yaml", []byte("name: x\nitems:\n  - a\n  - b\n"))
	var v struct {
		Name  string   `yaml:"name"`
		Items []string `yaml:"items"`
	}
	f.Decode(&v)
	if f.Err() != nil || f.index != nil {
		t.Fatalf("after Decode: err %v, index %v; want no error and no index", f.Err(), f.index)
	}
	if got := f.Line("items[1]"); got != 4 {
		t.Errorf("Line(items[1]): got %d, want 4", got)
	}
}

// Decode takes the parsed tree when every key is in the model and the
// strict decoder's word otherwise: either way the value and the verdict
// are the strict decoder's own, from the same text.
func TestDecodeAsStrictDecoder(t *testing.T) {
	for _, src := range []string{
		"name: ok\nttl: 10s\ncount: 3\non: true\ntags: [a, b]\nitems:\n  - id: a\n  - id: b\nextra: {k: v, j: w}\n",
		"name: ok\nbogus: 1\n",              // unknown key
		"items:\n  - id: a\n    bogus: 1\n", // unknown key deeper
		"count: many\n",                     // wrong type
		"name: a\nname: b\n",                // key twice
		"base: &b {id: x}\nitems: [*b]\n",   // anchor at an unknown key
		"items: [&i {id: x}, *i]\n",         // alias
		"extra: {k: [1]}\n",                 // wrong type in a map
		"tags: {a: 1}\n",                    // mapping for a list
		"<<: {name: merged}\n",              // merge key
		"name: ok\n\"-\": 1\n",              // the key yaml skips
		"items:\n  - {id: a, ? [x] : y}\n",  // complex key
	} {
		if err := asStrict[model](Parse("m.yaml", []byte(src)), src); err != nil {
			t.Error(err)
		}
	}
}

// A yaml.Node in the model takes any tree, on either path of Decode.
func TestDecodeNodeField(t *testing.T) {
	type nodeModel struct {
		ID    string      `yaml:"id"`
		Nodes []yaml.Node `yaml:"nodes"`
	}
	for _, src := range []string{
		"id: a\nnodes: [{any: [thing, {at: all}]}, 1, x]\n",
		"id: a\nnodes: [{any: 1}]\nbogus: 2\n",
	} {
		if err := asStrict[nodeModel](Parse("n.yaml", []byte(src)), src); err != nil {
			t.Error(err)
		}
	}
}

// FuzzDecodeAsStrict: whatever the text, Decode's value and verdict are
// the strict decoder's (see TestDecodeAsStrictDecoder).
func FuzzDecodeAsStrict(f *testing.F) {
	f.Add("name: ok\nttl: 10s\ncount: 3\non: true\ntags: [a, b]\nitems:\n  - id: a\nextra: {k: v}\n")
	f.Add("name: ok\nbogus: 1\n")
	f.Add("<<: {name: merged}\n")
	f.Fuzz(func(t *testing.T, src string) {
		p := Parse("m.yaml", []byte(src))
		if p.Err() != nil || p.Root == nil || strings.Contains(src, "*") {
			// Not a file Decode is asked to read, nothing to decode, or
			// aliases: Decode leaves those to the strict decoder (see
			// knownKeys), whose expansion of them is the slow part here.
			return
		}
		if err := asStrict[model](p, src); err != nil {
			t.Fatal(err)
		}
	})
}

// asStrict decodes f (parsed from src) into a T with Decode and src with
// yaml.v3's strict decoder, and says how they differ: in verdict, or in
// the value when both accept it.
func asStrict[T any](f *File, src string) error {
	var got, want T
	f.Decode(&got)
	strict := yaml.NewDecoder(strings.NewReader(src))
	strict.KnownFields(true)
	werr := strict.Decode(&want)
	if (f.Err() != nil) != (werr != nil) {
		return fmt.Errorf("%q: got problems %v, the strict decoder says %v", src, f.Err(), werr)
	}
	if werr == nil && !reflect.DeepEqual(got, want) {
		return fmt.Errorf("%q: got %+v, want %+v", src, got, want)
	}
	return nil
}
