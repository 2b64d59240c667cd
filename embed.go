// Package tokenmock ships the default fixtures and the scenario library
// inside the binary.
package tokenmock

import "embed"

// Defaults holds fixtures/default.yaml.
//
//go:embed fixtures
var Defaults embed.FS

// Scenarios holds the scenario library, scenarios/*.yaml.
//
//go:embed scenarios
var Scenarios embed.FS
