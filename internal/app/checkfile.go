package app

import (
	"os"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/scenario"
	"github.com/tokenmock/tokenmock/internal/yamlfile"
)

// CheckFile validates one fixture or scenario file or folder; a folder
// whose files all have top-level rules is a scenario folder.
func CheckFile(path string, cat *scenario.Catalogue) error {
	files, err := yamlfile.OSFiles(path)
	scenarios := err == nil && len(files) > 0
	for _, f := range files {
		if data, err := os.ReadFile(f); err != nil || !scenario.IsScenario(data) {
			scenarios = false
		}
	}
	if !scenarios {
		_, err := fixture.LoadOS(path)
		return err
	}
	_, err = scenario.LoadOS(path, cat)
	return err
}
