package oauth

import (
	"fmt"
	"testing"
)

// Browser sessions are capped per test session: unauthenticated
// /oauth/authorize requests filling one test session never drop another's
// logged-in browser (review m8); within the session the oldest goes.
func TestBrowsersCapIsPerSession(t *testing.T) {
	b := newBrowsers(3, 100)
	mine := browserKey{1, "mine"}
	b.put(mine, browser{user: "alice"})
	for i := range 10 {
		b.put(browserKey{2, fmt.Sprint("anon", i)}, browser{savedURL: "/oauth/authorize"})
	}
	if v, ok := b.get(mine); !ok || v.user != "alice" {
		t.Errorf("session 1's browser after session 2's load: got %+v %v, want alice's", v, ok)
	}
	if _, ok := b.get(browserKey{2, "anon6"}); ok {
		t.Errorf("session 2's fourth-newest browser is kept past its cap of 3")
	}
	if _, ok := b.get(browserKey{2, "anon7"}); !ok {
		t.Errorf("session 2's third-newest browser is gone within its cap")
	}
	if n := b.m.Len(); n != 4 {
		t.Errorf("got %d browsers, want 4", n)
	}
}
