package recipe

import "github.com/tokenmock/tokenmock/internal/testkit/apicheck"

// The container's admin answers in this recipe are checked against
// schema/admin.openapi.json (the repository's own check, through
// mocktest.Connect's client; a copy of the recipe needs nothing of the kind).
func init() { apicheck.HookMocktest() }
