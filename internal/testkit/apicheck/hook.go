package apicheck

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/tokenmock/tokenmock/internal/testhook"
)

// HookMocktest makes every mock that mocktest starts (Start, New) check
// its admin answers with Wrap, and every client of a running mock
// (Connect) check them with Transport. Call it from an init function of a
// _test file.
func HookMocktest() {
	testhook.Handler = func(t testing.TB, h http.Handler) http.Handler { return Wrap(orStdout(t), h) }
	testhook.Transport = func(t testing.TB, rt http.RoundTripper) http.RoundTripper {
		return Transport(orStdout(t), rt)
	}
}

func orStdout(t testing.TB) testing.TB {
	if t == nil {
		return stdoutTB{} // mocktest.New in examples: a report breaks their Output
	}
	return t
}

// stdoutTB reports on standard output, where no testing.TB is at hand.
type stdoutTB struct{ testing.TB }

func (stdoutTB) Helper() {}

func (stdoutTB) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
