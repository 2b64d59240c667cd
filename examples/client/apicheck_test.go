package client_test

import "github.com/tokenmock/tokenmock/internal/testkit/apicheck"

// The mock's admin answers in these tests are checked against
// schema/admin.openapi.json (the repository's own check; a client's tests
// need nothing of the kind).
func init() { apicheck.HookMocktest() }
