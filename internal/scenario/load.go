package scenario

import (
	"fmt"
	"io/fs"

	"github.com/tokenmock/tokenmock/internal/yamlfile"
)

// LoadFS reads every scenario of the given files or folders of fsys (a
// folder: its *.yaml and *.yml files, sorted) and reports every problem at
// once, as a *yamlfile.Errors.
func LoadFS(fsys fs.FS, paths []string, cat *Catalogue) ([]*Scenario, error) {
	l := loader{cat: cat, seen: map[string]string{}}
	for _, p := range paths {
		files, err := yamlfile.Files(fsys, p)
		if err != nil {
			l.errs = append(l.errs, yamlfile.ReadProblem(p, err))
			continue
		}
		for _, f := range files {
			l.file(f, func() ([]byte, error) { return yamlfile.ReadFile(fsys, f) })
		}
	}
	return l.out, yamlfile.Merge(l.errs...)
}

// LoadOS is LoadFS for one file or folder of the real file system;
// problems name the files as p does.
func LoadOS(p string, cat *Catalogue) ([]*Scenario, error) {
	l := loader{cat: cat, seen: map[string]string{}}
	files, err := yamlfile.OSFiles(p)
	if err != nil {
		return nil, yamlfile.ReadProblem(p, err)
	}
	for _, f := range files {
		l.file(f, func() ([]byte, error) { return yamlfile.ReadOSFile(f) })
	}
	return l.out, yamlfile.Merge(l.errs...)
}

// LoadOSFiles is LoadOS for a list of files of the real file system,
// each reported on its own: errs[i] holds the problems of files[i] (nil
// when it is good), a scenario name used twice among them included.
func LoadOSFiles(files []string, cat *Catalogue) (scenarios []*Scenario, errs []error) {
	l := loader{cat: cat, seen: map[string]string{}}
	errs = make([]error, len(files))
	for i, f := range files {
		n := len(l.errs)
		l.file(f, func() ([]byte, error) { return yamlfile.ReadOSFile(f) })
		errs[i] = yamlfile.Merge(l.errs[n:]...)
	}
	return l.out, errs
}

// ParseOSFile reads and parses one scenario file of the real file system;
// problems name the file as given.
func ParseOSFile(file string, cat *Catalogue) (*Scenario, error) {
	data, err := yamlfile.ReadOSFile(file)
	if err != nil {
		return nil, yamlfile.ReadProblem(file, err)
	}
	return Parse(file, data, cat)
}

type loader struct {
	cat  *Catalogue
	seen map[string]string // scenario name → its file
	out  []*Scenario
	errs []error
}

func (l *loader) file(name string, read func() ([]byte, error)) {
	data, err := read()
	if err != nil {
		l.errs = append(l.errs, yamlfile.ReadProblem(name, err))
		return
	}
	sc, err := Parse(name, data, l.cat)
	if err != nil {
		l.errs = append(l.errs, err)
		return
	}
	if other, dup := l.seen[sc.Name]; dup {
		l.errs = append(l.errs, fileProblem(name, "name", fmt.Sprintf("duplicate scenario name %q (also in %s)", sc.Name, other)))
		return
	}
	l.seen[sc.Name] = name
	l.out = append(l.out, sc)
}

// fileProblem is a problem at the top of a file.
func fileProblem(file, path, msg string) error {
	f := yamlfile.Parse(file, nil)
	f.Add(1, path, msg)
	return f.Err()
}
