package yamlfile

import (
	"bytes"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"
)

// A file of exactly MaxFileSize bytes is read; one byte more is refused
// with a problem naming the limit, whether the size is known from the
// file's information or only found while reading.
func TestReadFileSizeLimit(t *testing.T) {
	dir := t.TempDir()
	under, over := filepath.Join(dir, "under.yaml"), filepath.Join(dir, "over.yaml")
	if err := os.WriteFile(under, bytes.Repeat([]byte("#"), MaxFileSize), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(over, bytes.Repeat([]byte("#"), MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if data, err := ReadOSFile(under); err != nil || len(data) != MaxFileSize {
		t.Errorf("file of MaxFileSize bytes: got %d bytes, %v; want it read", len(data), err)
	}
	_, err := ReadOSFile(over)
	want := over + ": cannot read: larger than the limit of 8 MiB per file (MaxFileSize)"
	if err == nil || ReadProblem(over, err).Error() != want {
		t.Errorf("file of MaxFileSize+1 bytes: got %v, want %q", err, want)
	}
	// An fs.FS whose information understates the size (a file that grows).
	fsys := lyingFS{fstest.MapFS{"big.yaml": {Data: bytes.Repeat([]byte("#"), MaxFileSize+1)}}}
	if _, err := ReadFile(fsys, "big.yaml"); err == nil || !strings.Contains(err.Error(), "MaxFileSize") {
		t.Errorf("growing file: got %v, want the size limit", err)
	}
	if data, err := ReadFile(fstest.MapFS{"small.yaml": {Data: []byte("a: 1\n")}}, "small.yaml"); err != nil || string(data) != "a: 1\n" {
		t.Errorf("small file: got %q, %v", data, err)
	}
}

// lyingFS reports every file as empty.
type lyingFS struct{ fstest.MapFS }

func (l lyingFS) Open(name string) (fs.File, error) {
	f, err := l.MapFS.Open(name)
	return lyingFile{f}, err
}

func (l lyingFS) Stat(name string) (fs.FileInfo, error) {
	info, err := l.MapFS.Stat(name)
	return lyingInfo{info}, err
}

type lyingFile struct{ fs.File }

func (f lyingFile) Stat() (fs.FileInfo, error) {
	info, err := f.File.Stat()
	return lyingInfo{info}, err
}

type lyingInfo struct{ fs.FileInfo }

func (lyingInfo) Size() int64 { return 0 }

// Only regular files are read: a named pipe or a device is refused
// before it is opened, with a problem that says what it is.
func TestReadFileRefusesSpecialFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"pipe.yaml":   {Mode: fs.ModeNamedPipe},
		"zero.yaml":   {Mode: fs.ModeDevice | fs.ModeCharDevice},
		"sock.yaml":   {Mode: fs.ModeSocket},
		"folder.yaml": {Mode: fs.ModeDir},
	}
	for name, kind := range map[string]string{"pipe.yaml": "a named pipe", "zero.yaml": "a character device", "sock.yaml": "a socket", "folder.yaml": "a folder"} {
		_, err := ReadFile(fsys, name)
		want := "d/" + name + ": cannot read: not a regular file (" + kind + "): want a YAML file"
		if err == nil || ReadProblem("d/"+name, err).Error() != want {
			t.Errorf("%s: got %v, want %q", name, err, want)
		}
	}
}

func TestExpanded(t *testing.T) {
	root := func(src string) *yaml.Node {
		f := Parse("f.yaml", []byte(src))
		if f.HasProblems() {
			t.Fatalf("%q: %v", src, f.Err())
		}
		return f.Root
	}
	// a: xyz is a mapping, a key and a value: 3 nodes, 4 bytes.
	if got, want := Expanded(root("a: xyz\n")), int64(3*NodeCost+4); got != want {
		t.Errorf("plain: got %d, want %d", got, want)
	}
	// An alias counts as the whole value it names, at each use.
	one := Expanded(root("- &v [aaaa, bbbb]\n"))
	three := Expanded(root("- &v [aaaa, bbbb]\n- *v\n- *v\n"))
	if three != 3*one-2*NodeCost {
		t.Errorf("aliases: got %d for three uses, want 3×%d less the outer node twice", three, one)
	}
	// Nested aliases multiply: 10 levels of 10 aliases each is 10^10 uses
	// of the first value, measured without expanding them.
	var b strings.Builder
	b.WriteString("l0: &l0 [x]\n")
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 9)+fmt.Sprintf("*l%d", i-1))
	}
	if got := Expanded(root(b.String())); got < 1e10 {
		t.Errorf("nested aliases: got %d, want at least 10^10", got)
	}
	// A value that holds an alias to itself has no finite expansion.
	if got := Expanded(root("a: &a [x, *a]\n")); got != math.MaxInt64 {
		t.Errorf("cycle: got %d, want MaxInt64", got)
	}
	if got := Expanded(nil); got != 0 {
		t.Errorf("nil: got %d", got)
	}
}
