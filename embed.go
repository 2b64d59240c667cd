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

// AdminOpenAPI is schema/admin.openapi.json, the OpenAPI 3.1 description
// of the admin API, served at GET /_mock/openapi.json.
//
//go:embed schema/admin.openapi.json
var AdminOpenAPI []byte
