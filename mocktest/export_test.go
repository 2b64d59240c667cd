package mocktest

import "github.com/tokenmock/tokenmock/internal/testkit/apicheck"

// Every mock the package's tests and examples start or connect to has its
// admin answers checked against schema/admin.openapi.json. The package
// itself does not import the checker (nor kin-openapi): its users do not
// need them.
func init() { apicheck.HookMocktest() }
