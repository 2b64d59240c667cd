package mocktest

import (
	"io"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/session"
)

func TestSessionName(t *testing.T) {
	long := "TestLong/" + strings.Repeat("x", 80)
	for _, c := range []struct{ test, want string }{
		{"TestLogin", "TestLogin"},
		{"TestLogin/rate_limited", "TestLogin.rate_limited-"},
		{"TestLogin/ünï", "TestLogin._n_-"},
		{long, "TestLong." + strings.Repeat("x", 46) + "-"},
		{"", "-"},
		{".", ".-"},
		{"..", "..-"},
	} {
		got := sessionName(c.test, MaxNameLen)
		if !session.ValidName(got) || !strings.HasPrefix(got, c.want) || len(got) > MaxNameLen {
			t.Errorf("%q: got %q, want a valid name starting %q", c.test, got, c.want)
		}
		if changed := got != c.test; changed && len(got) != len(strings.TrimSuffix(c.want, "-"))+9 {
			t.Errorf("%q: got %q, want %q and an eight-digit hash", c.test, got, c.want)
		}
	}
	// Names that read alike stay apart.
	seen := map[string]string{}
	for _, test := range []string{"TestA/b", "TestA.b", "TestA_b", "TestA/b/c", "TestA/b.c", long, long + "y", long + "z", "TestA/ü", "TestA/ä"} {
		got := sessionName(test, MaxNameLen)
		if other, ok := seen[got]; ok {
			t.Errorf("%q and %q: both got %q", test, other, got)
		}
		seen[got] = test
	}
	if got := sessionName(long, 57); len(got) != 57 {
		t.Errorf("room for a tag: got %q (%d), want 57 characters", got, len(got))
	}
}

// outputTB writes a test's output to w.
type outputTB struct {
	testing.TB
	w io.Writer
}

func (o outputTB) Output() io.Writer { return o.w }

// A closed test log writes nothing more: the test may have ended.
func TestTestLogClosed(t *testing.T) {
	var out strings.Builder
	l := &testLog{t: outputTB{t, &out}}
	l.Write([]byte("one\n"))
	l.close()
	l.Write([]byte("two\n"))
	if out.String() != "one\n" {
		t.Errorf("got %q, want only the line before close", out.String())
	}
}
