// Package tokenmock ships the default fixtures inside the binary.
package tokenmock

import "embed"

// Defaults holds fixtures/default.yaml.
//
//go:embed fixtures
var Defaults embed.FS
