package scenario

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
)

// LoadFS reads every scenario of the given files or folders (a folder:
// its *.yaml and *.yml files, sorted) and reports every problem at once.
func LoadFS(fsys fs.FS, paths []string, cat *Catalogue) ([]*Scenario, error) {
	var out []*Scenario
	errs := &Errors{}
	seen := map[string]string{}
	for _, p := range paths {
		files, err := scenarioFiles(fsys, p)
		if err != nil {
			errs.Problems = append(errs.Problems, fmt.Sprintf("%s:1: (document): %v", p, err))
			continue
		}
		for _, f := range files {
			sc, err := ParseFile(fsys, f, cat)
			if err != nil {
				errs.Problems = append(errs.Problems, err.(*Errors).Problems...)
				continue
			}
			if other, dup := seen[sc.Name]; dup {
				errs.Problems = append(errs.Problems, fmt.Sprintf("%s:1: name: duplicate scenario name %q (also in %s)", f, sc.Name, other))
				continue
			}
			seen[sc.Name] = f
			out = append(out, sc)
		}
	}
	if len(errs.Problems) > 0 {
		return out, errs
	}
	return out, nil
}

// ParseFile reads and parses one scenario file of fsys.
func ParseFile(fsys fs.FS, file string, cat *Catalogue) (*Scenario, error) {
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, &Errors{[]string{fmt.Sprintf("%s:1: (document): cannot read: %v", file, err)}}
	}
	return Parse(file, data, cat)
}

func scenarioFiles(fsys fs.FS, p string) ([]string, error) {
	info, err := fs.Stat(fsys, p)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{p}, nil
	}
	entries, err := fs.ReadDir(fsys, p)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if ext := path.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, path.Join(p, e.Name()))
		}
	}
	slices.Sort(files)
	return files, nil
}

// OSFiles lists the scenario files of a real file or folder, as given.
func OSFiles(p string) ([]string, error) {
	files, err := scenarioFiles(os.DirFS(filepath.Dir(p)), filepath.Base(p))
	for i, f := range files {
		files[i] = filepath.Join(filepath.Dir(p), filepath.FromSlash(f))
	}
	return files, err
}

// ParseOSFile reads and parses a scenario file of the real file system;
// problems name the file as given.
func ParseOSFile(file string, cat *Catalogue) (*Scenario, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, &Errors{[]string{fmt.Sprintf("%s:1: (document): cannot read: %v", file, err)}}
	}
	return Parse(file, data, cat)
}
