package mocktest

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
)

// Every mock the package's tests and examples start has its admin answers
// checked against schema/admin.openapi.json. The package itself does not
// import the checker (nor kin-openapi): its users do not need them.
func init() {
	checkAnswers = func(t testing.TB, h http.Handler) http.Handler {
		if t == nil {
			t = stdoutTB{} // New, in examples: a report breaks their Output
		}
		return apicheck.Wrap(t, h)
	}
}

// stdoutTB reports on standard output, for mocks started with New.
type stdoutTB struct{ testing.TB }

func (stdoutTB) Helper() {}

func (stdoutTB) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
