package app

import (
	"slices"
	"testing"
	"time"
)

// stamps are files' stamps for the watcher's tests: size stands for content.
func stamps(sizes map[string]int64) map[string]stamp {
	t0 := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	out := map[string]stamp{}
	for f, n := range sizes {
		out[f] = stamp{t0, n}
	}
	return out
}

// A fixture change counts once it has held for one look: a save seen half
// done (the file empty, then written) reloads once, with the whole file.
func TestWatcherFixturesWaitForASettledSave(t *testing.T) {
	w := newWatcher(files{fixtures: stamps(map[string]int64{"f.yaml": 100})})
	for i, c := range []struct {
		now  map[string]int64
		want bool
	}{
		{map[string]int64{"f.yaml": 100}, false}, // unchanged
		{map[string]int64{"f.yaml": 0}, false},   // truncated: not settled
		{map[string]int64{"f.yaml": 120}, false}, // written: not settled
		{map[string]int64{"f.yaml": 120}, true},  // settled: reload
		{map[string]int64{"f.yaml": 120}, false}, // in use
		{map[string]int64{"f.yaml": 120, "g.yaml": 5}, false},
		{map[string]int64{"f.yaml": 120, "g.yaml": 5}, true}, // a new file, settled
	} {
		if got := w.fixtures(stamps(c.now)); got != c.want {
			t.Errorf("look %d at %v: got reload %v, want %v", i, c.now, got, c.want)
		}
	}
}

// A failed reload is not tried again until the files change again; a
// successful one starts from what it read.
func TestWatcherAfterAReload(t *testing.T) {
	w := newWatcher(files{fixtures: stamps(map[string]int64{"f.yaml": 1})})
	broken := stamps(map[string]int64{"f.yaml": 2})
	w.fixtures(broken)
	if !w.fixtures(broken) {
		t.Fatal("settled change: got no reload, want one")
	}
	if w.fixtures(broken) {
		t.Error("the same broken files again: got a reload, want none")
	}
	w.reloaded(files{fixtures: stamps(map[string]int64{"f.yaml": 3}), scenarios: stamps(map[string]int64{"s.yaml": 7})})
	if got := w.scenarios(stamps(map[string]int64{"s.yaml": 7})); got != nil {
		t.Errorf("scenarios as the reload read them: got %v, want none to read", got)
	}
}

// Scenario files count one by one, each once it has held for one look.
func TestWatcherScenariosWaitForASettledSave(t *testing.T) {
	w := newWatcher(files{scenarios: stamps(map[string]int64{"a.yaml": 10, "b.yaml": 20})})
	for i, c := range []struct {
		now  map[string]int64
		want []string
	}{
		{map[string]int64{"a.yaml": 10, "b.yaml": 20}, nil},
		{map[string]int64{"a.yaml": 0, "b.yaml": 21}, nil},                 // both changing
		{map[string]int64{"a.yaml": 11, "b.yaml": 21}, []string{"b.yaml"}}, // b settled, a still changing
		{map[string]int64{"a.yaml": 11, "b.yaml": 21, "c.yaml": 3}, []string{"a.yaml"}},
		{map[string]int64{"a.yaml": 11, "b.yaml": 21, "c.yaml": 3}, []string{"c.yaml"}}, // a new file, settled
		{map[string]int64{"a.yaml": 11, "b.yaml": 21, "c.yaml": 3}, nil},
	} {
		if got := w.scenarios(stamps(c.now)); !slices.Equal(got, c.want) {
			t.Errorf("look %d at %v: got %v, want %v", i, c.now, got, c.want)
		}
	}
}
