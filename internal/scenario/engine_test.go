package scenario

import (
	"slices"
	"strconv"
	"testing"
)

// libraryScenario is a scenario named name whose one rule answers status
// to the first request to isolar.token.
func libraryScenario(t *testing.T, name string, status int) *Scenario {
	t.Helper()
	sc, err := Parse(name+".yaml", []byte("rules: [{when: {endpoint: isolar.token}, times: 1, do: {status: "+strconv.Itoa(status)+"}}]"), testCatalogue())
	if err != nil {
		t.Fatalf("parse %s: got %v, want a scenario", name, err)
	}
	return sc
}

// actsWith is the status of the raw answer the session's scenario gives
// the next request to isolar.token; 0 when no rule acts.
func actsWith(t *testing.T, e *Engine, session uint64) int {
	t.Helper()
	if _, a := decideOn(t, e, session, probe{endpoint: "isolar.token"}); a != nil {
		return a.Status
	}
	return 0
}

// wantActs checks the statuses the next requests of session get.
func wantActs(t *testing.T, e *Engine, session uint64, want ...int) {
	t.Helper()
	for i, w := range want {
		if got := actsWith(t, e, session); got != w {
			t.Errorf("session %d, request %d: got status %d, want %d (0: no rule)", session, i, got, w)
		}
	}
}

// mustDo fails the test when the engine call named op failed.
func mustDo(t *testing.T, op string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: got %v, want nil", op, err)
	}
}

// wantActive checks the name of the session's active scenario ("" for none).
func wantActive(t *testing.T, e *Engine, session uint64, want string) {
	t.Helper()
	got := ""
	if sc := e.Active(session); sc != nil {
		got = sc.Name
	}
	if got != want {
		t.Errorf("session %d: got active scenario %q, want %q", session, got, want)
	}
}

// newLibraryEngine has the library scenarios "once" (503) and "other" (502).
func newLibraryEngine(t *testing.T) *Engine {
	t.Helper()
	e := NewEngine(testCatalogue(), 1)
	e.Add(libraryScenario(t, "once", 503), libraryScenario(t, "other", 502))
	return e
}

func TestEngineLibrary(t *testing.T) {
	cat := testCatalogue()
	e := NewEngine(cat, 1)
	if e.Catalogue() != cat {
		t.Errorf("got catalogue %p, want %p", e.Catalogue(), cat)
	}
	c, a, b := libraryScenario(t, "c", 501), libraryScenario(t, "a", 502), libraryScenario(t, "b", 503)
	e.Add(c, a)
	e.Add(b)
	var names []string
	for _, sc := range e.Library() {
		names = append(names, sc.Name)
	}
	if want := []string{"a", "b", "c"}; !slices.Equal(names, want) {
		t.Errorf("got library %v, want %v", names, want)
	}
	b2 := libraryScenario(t, "b", 504)
	e.Add(b2)
	if got, ok := e.Lookup("b"); !ok || got != b2 {
		t.Errorf("got %p %v, want the new version %p", got, ok, b2)
	}
	if got := len(e.Library()); got != 3 {
		t.Errorf("got %d scenarios after replacing one, want 3", got)
	}
	if got, ok := e.Lookup("nope"); ok || got != nil {
		t.Errorf("got %v %v for an unknown name, want nil false", got, ok)
	}
}

func TestEngineActivation(t *testing.T) {
	t.Run("Activate and Deactivate", func(t *testing.T) {
		e := newLibraryEngine(t)
		wantActive(t, e, 1, "")
		e.Activate(1, mustParse(t, "rules: [{when: {endpoint: isolar.token}, do: {status: 501}}]"), false)
		wantActive(t, e, 1, "inline")
		wantActs(t, e, 1, 501, 501)
		e.Deactivate(1)
		wantActive(t, e, 1, "")
		wantActs(t, e, 1, 0)
	})
	t.Run("ActivateByName of the active scenario keeps its counters", func(t *testing.T) {
		e := newLibraryEngine(t)
		mustDo(t, "ActivateByName", e.ActivateByName(1, "once"))
		wantActs(t, e, 1, 503)
		mustDo(t, "ActivateByName", e.ActivateByName(1, "once"))
		wantActive(t, e, 1, "once")
		wantActs(t, e, 1, 0)
	})
	t.Run("ActivateByName of another scenario starts afresh", func(t *testing.T) {
		e := newLibraryEngine(t)
		for _, step := range []struct {
			name string
			want int
		}{{"once", 503}, {"other", 502}, {"once", 503}} {
			mustDo(t, "ActivateByName", e.ActivateByName(1, step.name))
			wantActs(t, e, 1, step.want)
		}
	})
	t.Run("ActivateByName replaces an inline scenario of the same name", func(t *testing.T) {
		e := newLibraryEngine(t)
		inline := mustParse(t, "name: once\nrules: [{when: {endpoint: isolar.token}, times: 1, do: {status: 501}}]")
		e.Activate(1, inline, false)
		wantActs(t, e, 1, 501, 0)
		mustDo(t, "ActivateByName", e.ActivateByName(1, "once"))
		wantActs(t, e, 1, 503, 0)
	})
	t.Run("ActivateFresh restarts the counters", func(t *testing.T) {
		e := newLibraryEngine(t)
		mustDo(t, "ActivateByName", e.ActivateByName(1, "once"))
		wantActs(t, e, 1, 503, 0)
		mustDo(t, "ActivateFresh", e.ActivateFresh(1, "once"))
		wantActs(t, e, 1, 503, 0)
	})
	t.Run("unknown names", func(t *testing.T) {
		e := newLibraryEngine(t)
		mustDo(t, "ActivateByName", e.ActivateByName(1, "once"))
		for name, f := range map[string]func() error{
			"ActivateByName": func() error { return e.ActivateByName(1, "nope") },
			"ActivateFresh":  func() error { return e.ActivateFresh(1, "nope") },
			"SetDefault":     func() error { return e.SetDefault("nope") },
		} {
			if err := f(); err == nil || err.Error() != `unknown scenario "nope"` {
				t.Errorf("%s: got %v, want unknown scenario \"nope\"", name, err)
			}
		}
		wantActive(t, e, 1, "once")
		wantActive(t, e, 2, "")
	})
}

func TestEngineDefaultAndReset(t *testing.T) {
	e := newLibraryEngine(t)
	e.Activate(1, mustParse(t, "rules: [{when: {endpoint: isolar.token}, do: {status: 501}}]"), false)
	mustDo(t, "SetDefault", e.SetDefault("once"))
	// A new session starts with the default; one that chose stays.
	wantActive(t, e, 2, "once")
	wantActs(t, e, 2, 503, 0)
	wantActive(t, e, 1, "inline")

	e.Reset(2)
	wantActive(t, e, 2, "once")
	wantActs(t, e, 2, 503, 0)

	e.Deactivate(2)
	wantActs(t, e, 2, 0)
	e.Reset(2)
	wantActive(t, e, 2, "once")

	e.Reset(1)
	wantActive(t, e, 1, "once")

	if err := e.SetDefault(""); err != nil {
		t.Fatalf("no default: got %v, want nil", err)
	}
	wantActive(t, e, 3, "")
	e.Reset(2)
	wantActive(t, e, 2, "")

	mustDo(t, "SetDefault", e.SetDefault("other"))
	e.ResetAll()
	for _, s := range []uint64{1, 2, 3} {
		wantActive(t, e, s, "other")
	}
}

// A library scenario replaced by Add restarts the counters of the
// sessions using it; an inline one, even of the same name, is left alone.
func TestEngineReload(t *testing.T) {
	e := newLibraryEngine(t)
	mustDo(t, "SetDefault", e.SetDefault("once"))
	mustDo(t, "ActivateByName", e.ActivateByName(1, "once"))
	e.Activate(2, mustParse(t, "name: once\nrules: [{when: {endpoint: isolar.token}, times: 1, do: {status: 501}}]"), false)
	const byDefault = 3
	wantActs(t, e, 1, 503, 0)
	wantActs(t, e, 2, 501, 0)
	wantActs(t, e, byDefault, 503, 0)

	v2 := libraryScenario(t, "once", 504)
	e.Add(v2)
	wantActs(t, e, 1, 504, 0)
	wantActs(t, e, 2, 0)
	wantActs(t, e, byDefault, 504, 0)
	if got := e.Active(1); got != v2 {
		t.Errorf("session 1: got active %p, want the new version %p", got, v2)
	}
	// ActivateByName keeps the counters of the version now in use.
	mustDo(t, "ActivateByName", e.ActivateByName(1, "once"))
	wantActs(t, e, 1, 0)

	// Adding the same version again is no reload.
	e.Add(v2)
	wantActs(t, e, 1, 0)
	wantActs(t, e, byDefault, 0)
}
