package app

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/scenario"
	"github.com/tokenmock/tokenmock/internal/yamlfile"
)

// What Check took a file as.
const (
	KindScenario = "scenario"
	KindFixtures = "fixtures"
)

// Checked is the outcome of one check: a scenario file, or the fixture
// files of a path, which make one set together.
type Checked struct {
	Kind  string
	Files []string // as the problems name them
	Err   error    // nil when good; else a *yamlfile.Errors
}

// Check validates a fixture or scenario file or folder as validate does.
// Each file is classified on its own (see scenario.IsScenario): every
// scenario file is checked as a scenario, its name unique among them, and
// the other files together as one fixture set, as --fixtures would load
// them. A path that cannot be listed, or a folder with no YAML file, is
// checked as fixtures, which says what is wrong with it.
func Check(path string, cat *scenario.Catalogue) []Checked {
	files, err := yamlfile.OSFiles(path)
	if err != nil || len(files) == 0 {
		_, err := fixture.LoadOS(path)
		return []Checked{{Kind: KindFixtures, Files: []string{filepath.Clean(path)}, Err: err}}
	}
	var scenarios, fixtures []string
	for _, f := range files {
		if data, err := yamlfile.ReadOSFile(f); err == nil && scenario.IsScenario(data) {
			scenarios = append(scenarios, f)
		} else {
			fixtures = append(fixtures, f)
		}
	}
	var out []Checked
	_, errs := scenario.LoadOSFiles(scenarios, cat)
	for i, f := range scenarios {
		out = append(out, Checked{Kind: KindScenario, Files: []string{f}, Err: errs[i]})
	}
	if len(fixtures) > 0 {
		out = append(out, Checked{Kind: KindFixtures, Files: fixtures, Err: checkFixtures(path, files, fixtures)})
	}
	return out
}

// checkFixtures loads the fixture files of path, all of its files when it
// has no scenario (exactly as --fixtures would).
func checkFixtures(path string, all, fixtures []string) error {
	if len(fixtures) == len(all) {
		_, err := fixture.LoadOS(path)
		return err
	}
	// Some of a folder's files: load them from the folder by their base
	// names, then name them as the folder does.
	dir := filepath.Dir(fixtures[0])
	bases := make([]string, len(fixtures))
	for i, f := range fixtures {
		bases[i] = filepath.Base(f)
	}
	_, err := fixture.Load(os.DirFS(dir), bases...)
	var errs *yamlfile.Errors
	if !errors.As(err, &errs) {
		return err
	}
	renamed := &yamlfile.Errors{}
	for _, p := range errs.Problems {
		for _, b := range bases {
			if strings.HasPrefix(p, b+":") {
				p = filepath.Join(dir, b) + p[len(b):]
				break
			}
		}
		renamed.Problems = append(renamed.Problems, p)
	}
	return renamed
}
