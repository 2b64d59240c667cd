// Package yamlfile is the one YAML front-end of fixtures and scenarios: it
// parses a file once, reports syntax and document problems at their right
// line, decodes strictly into a model with located type errors, and words
// every problem as `file:line: path: message`. Whatever reads a file —
// validate, serve, a reload, the admin API — gets the same lines.
package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// DocumentPath names a problem that has no better place than the file.
const DocumentPath = "(document)"

// Errors is every problem of a load, each one line of the form
// `file:line: path: message`, by file and then by line.
type Errors struct{ Problems []string }

func (e *Errors) Error() string { return strings.Join(e.Problems, "\n") }

// Merge gathers the problems of several loads into one *Errors, in order;
// nil when there are none. An error that is not an *Errors counts as one
// problem with its text.
func Merge(errs ...error) error {
	var out Errors
	for _, err := range errs {
		var e *Errors
		switch {
		case err == nil:
		case errors.As(err, &e):
			out.Problems = append(out.Problems, e.Problems...)
		default:
			out.Problems = append(out.Problems, err.Error())
		}
	}
	if len(out.Problems) == 0 {
		return nil
	}
	return &out
}

// File is one YAML file, parsed once, with the problems found in it.
type File struct {
	Name string     // as problems show it
	Root *yaml.Node // the document's top node; nil when the file has none
	data []byte

	problems  []problem
	index     *nodeIndex   // of indexType's paths; nil until a message needs it
	indexType reflect.Type // what Decode decoded into
	// scopes are paths whose decoded value is incomplete because of a
	// decode problem: problems found later under them would only echo it.
	// "" covers the whole file.
	scopes []string
}

type problem struct {
	line      int
	path, msg string
}

// Parse reads one YAML document. Syntax problems, and a second document
// (which a decoder would silently ignore), are problems of the file; an
// empty file, or one of comments only, has a nil Root and no problem.
func Parse(name string, data []byte) *File {
	f := &File{Name: name, data: data}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if !errors.Is(err, io.EOF) {
			f.syntax(err)
		}
		return f
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		f.Add(extra.Line, DocumentPath, "only one YAML document allowed per file")
	case !errors.Is(err, io.EOF):
		f.syntax(err)
	}
	if len(doc.Content) > 0 {
		f.Root = doc.Content[0]
	}
	return f
}

// Add records a problem at line (1 when unknown) and path ("" for the
// file as a whole).
func (f *File) Add(line int, path, msg string) {
	if line < 1 {
		line = 1
	}
	if path == "" {
		path = DocumentPath
	}
	f.problems = append(f.problems, problem{line, path, msg})
}

// AddFile records a problem of the file as a whole that no line of it
// has, such as one that cannot be read: it is worded "file: message",
// without a line or a path.
func (f *File) AddFile(msg string) {
	f.problems = append(f.problems, problem{0, "", msg})
}

// fileProblem is an *Errors with one problem of file as a whole (see
// AddFile).
func fileProblem(file, msg string) error {
	f := Parse(file, nil)
	f.AddFile(msg)
	return f.Err()
}

// ReadProblem words a file or folder that cannot be read, or listed, alike
// for every fs.FS (os's and fstest's messages differ): "file: cannot read:
// reason", the name being the file's already.
func ReadProblem(file string, err error) error {
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		err = fs.ErrNotExist
	case errors.Is(err, fs.ErrPermission):
		err = fs.ErrPermission
	case errors.As(err, &pe):
		err = pe.Err
	}
	return fileProblem(file, "cannot read: "+err.Error())
}

// Addf records a problem at the line of n (1 when n is nil).
func (f *File) Addf(n *yaml.Node, path, format string, args ...any) {
	line := 1
	if n != nil {
		line = n.Line
	}
	f.Add(line, path, fmt.Sprintf(format, args...))
}

// HasProblems tells whether any problem was found so far.
func (f *File) HasProblems() bool { return len(f.problems) > 0 }

// Problems words the file's problems, sorted by line (in the order found
// within a line). A problem is always one line, whatever the file smuggled
// into its message.
func (f *File) Problems() []string {
	ps := slices.Clone(f.problems)
	slices.SortStableFunc(ps, func(a, b problem) int { return a.line - b.line })
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		if p.line == 0 {
			out = append(out, fmt.Sprintf("%s: %s", f.Name, oneLine(p.msg)))
			continue
		}
		out = append(out, fmt.Sprintf("%s:%d: %s: %s", f.Name, p.line, p.path, oneLine(p.msg)))
	}
	return out
}

// Err is an *Errors with the file's problems, or nil.
func (f *File) Err() error {
	if len(f.problems) == 0 {
		return nil
	}
	return &Errors{Problems: f.Problems()}
}

// Line is the line of path, or of its nearest ancestor Decode indexed (1
// when none).
func (f *File) Line(path string) int { return f.nodes().line(path) }

// Covers tells whether a decode problem already covers path, so that a
// problem found there later would only echo it.
func (f *File) Covers(path string) bool {
	for _, s := range f.scopes {
		if s == "" || path == s || strings.HasPrefix(path, s+".") || strings.HasPrefix(path, s+"[") {
			return true
		}
	}
	return false
}

func oneLine(msg string) string {
	msg = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, msg))
	if msg == "" {
		return "invalid"
	}
	return msg
}

var reSyntax = lazyRE(`(?s)^yaml: line (\d+): (.*)$`)

// parserProblems are the messages of yaml.v3's parser (not its scanner).
// For them yaml.v3 prints a 0-based line; the scanner's are 1-based.
var parserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"found undefined tag handle":             true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

// syntax records an error of the parser or the scanner at its line.
func (f *File) syntax(err error) {
	msg := err.Error()
	line := 1 // yaml.v3 omits the line on the first line and when it has none
	if m := reSyntax().FindStringSubmatch(msg); m != nil {
		line, msg = atoi(m[1]), m[2]
		if parserProblems[msg] {
			line = problemLine(f.data, min(line+1, lineCount(f.data)), msg)
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	f.Add(line, DocumentPath, msg+aliasHint(f.data, line, msg))
}

// problemLine finds the line of a parser problem. yaml.v3 gives the line
// where the construct holding the mistake began (a block mapping, say),
// which may be well above the mistake: the mistake is on the first line
// whose addition makes the text fail with the same message. The search
// starts at yaml.v3's line and is bounded, so that a large text costs
// little; failing, yaml.v3's line stands.
func problemLine(data []byte, from int, msg string) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	budget := 4 << 20 // bytes parsed in all
	for k := from; k <= len(lines) && k < from+200; k++ {
		prefix := bytes.Join(lines[:k], nil)
		if budget -= len(prefix); budget < 0 {
			break
		}
		if m := reSyntax().FindStringSubmatch(firstError(prefix)); m != nil && m[2] == msg {
			return k
		}
	}
	return from
}

// firstError is the text of the first error of decoding every document of
// data ("" when there is none).
func firstError(data []byte) string {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		switch err := dec.Decode(&n); {
		case errors.Is(err, io.EOF):
			return ""
		case err != nil:
			return err.Error()
		}
	}
}

// starValue is a line whose value is a bare *, which YAML reads as the
// start of an alias: endpoint: *
var starValue = lazyRE(`^\s*(?:-\s+)?([^\s:#'"]+):\s+\*\s*(?:#.*)?$`)

// aliasHint explains the scanner's complaint about a bare *, which a
// scenario's endpoint: * means as a wildcard.
func aliasHint(data []byte, line int, msg string) string {
	if msg != "did not find expected alphabetic or numeric character" {
		return ""
	}
	lines := strings.Split(string(data), "\n")
	if line < 1 || line > len(lines) || !strings.Contains(lines[line-1], "*") {
		return ""
	}
	if m := starValue().FindStringSubmatch(lines[line-1]); m != nil {
		return fmt.Sprintf(` (a bare * starts an alias: quote it, %s: "*")`, m[1])
	}
	return ` (a bare * starts an alias: quote it, "*")`
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

func lineCount(data []byte) int {
	n := bytes.Count(data, []byte("\n"))
	if len(data) == 0 || data[len(data)-1] != '\n' {
		n++
	}
	return max(n, 1)
}

// Join extends path by a mapping key. A plain key joins with a dot (one
// that is itself a dotted path, such as a scenario's match key
// body.appkey, stays as written); any other is quoted, so that a path
// never holds a space or a colon of its own.
func Join(path, key string) string {
	if plainKey(key) {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	seg := strings.ReplaceAll(strconv.QuoteToASCII(key), " ", `\x20`)
	seg = strings.ReplaceAll(seg, ":", `\x3a`)
	return path + "[" + seg + "]"
}

// plainKey: one or more of A-Z a-z 0-9 _ . -
func plainKey(key string) bool {
	for i := range len(key) {
		switch c := key[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == '-':
		default:
			return false
		}
	}
	return key != ""
}

// joinKey extends path by the key node of a mapping.
func joinKey(path string, k *yaml.Node) string {
	if k.Kind != yaml.ScalarNode {
		return path + "[(key)]"
	}
	return Join(path, k.Value)
}

// Files lists the YAML files p names in fsys: p itself when it is a file,
// else the *.yaml and *.yml files directly in the folder p, sorted.
func Files(fsys fs.FS, p string) ([]string, error) {
	info, err := fs.Stat(fsys, p)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{p}, nil
	}
	entries, err := fs.ReadDir(fsys, p) // sorted by name
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if ext := path.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, path.Join(p, e.Name()))
		}
	}
	return files, nil
}

// OSFiles is Files on the real file system, naming files as p does
// (cleaned: a folder given as "dir/" is "dir"), errors included.
func OSFiles(p string) ([]string, error) {
	p = filepath.Clean(p)
	dir, base := filepath.Dir(p), filepath.Base(p)
	files, err := Files(os.DirFS(dir), base)
	for i, f := range files {
		files[i] = filepath.Join(dir, filepath.FromSlash(f))
	}
	if pe, ok := err.(*fs.PathError); ok {
		err = &fs.PathError{Op: pe.Op, Path: filepath.Join(dir, filepath.FromSlash(pe.Path)), Err: pe.Err}
	}
	return files, err
}
