package app

import (
	"context"
	"os"
	"slices"
	"time"

	"github.com/tokenmock/tokenmock/internal/scenario"
	"github.com/tokenmock/tokenmock/internal/yamlfile"
)

// WatchInterval is how often --watch looks at the files.
const WatchInterval = 500 * time.Millisecond

// stamp is what tells a changed file: its modification time and size.
type stamp struct {
	mod  time.Time
	size int64
}

func stampsOf(files []string) map[string]stamp {
	out := map[string]stamp{}
	for _, f := range files {
		if info, err := os.Stat(f); err == nil {
			out[f] = stamp{info.ModTime(), info.Size()}
		}
	}
	return out
}

// files are the stamps of the fixture and scenario files.
type files struct{ fixtures, scenarios map[string]stamp }

func (a *App) stamp() files {
	return files{stampsOf(a.fixtureFiles()), stampsOf(a.scenarioFiles())}
}

func (a *App) loadedFiles() files {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.loaded
}

// fixtureFiles lists the fixture files --fixtures names (none: embedded).
func (a *App) fixtureFiles() []string {
	if a.cfg.Fixtures == "" {
		return nil
	}
	files, _ := yamlfile.OSFiles(a.cfg.Fixtures)
	return files
}

func (a *App) scenarioFiles() []string {
	if a.cfg.Scenarios == "" {
		return nil
	}
	files, _ := yamlfile.OSFiles(a.cfg.Scenarios)
	return files
}

// watch polls the files until ctx ends, comparing them with what Load
// read. A changed scenario file replaces its scenario in the library;
// changed fixtures rebuild the whole server (sessions, codes and tokens
// start afresh). A broken file changes nothing and its problems are logged
// with their lines.
func (a *App) watch(ctx context.Context, every time.Duration) {
	w := newWatcher(a.loadedFiles())
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if w.fixtures(stampsOf(a.fixtureFiles())) {
			if err := a.Load(); err != nil {
				a.cfg.Log.Error("fixtures not reloaded; the old ones stay", "problems", err.Error())
			} else {
				a.cfg.Log.Info("fixtures reloaded; every session starts afresh", "path", a.cfg.Fixtures)
				w.reloaded(a.loadedFiles())
				continue
			}
		}
		for _, f := range w.scenarios(stampsOf(a.scenarioFiles())) {
			a.mu.Lock()
			engine := a.engine
			a.mu.Unlock()
			sc, err := scenario.ParseOSFile(f, engine.Catalogue())
			if err != nil {
				a.cfg.Log.Error("scenario file not reloaded; the old version stays", "file", f, "problems", err.Error())
				continue
			}
			engine.Add(sc)
			a.cfg.Log.Info("scenario reloaded", "file", f, "scenario", sc.Name)
		}
	}
}

// watcher decides, look by look, what to reload. A change counts once it
// has held for one look: an editor's save (truncate, then write) can be
// seen half done, and an empty fixture file is a valid one.
type watcher struct {
	inUse files // what the mock was built from (or tried to be)
	seen  files // what the last look saw
}

func newWatcher(loaded files) *watcher { return &watcher{inUse: loaded, seen: loaded} }

// fixtures takes a look at the fixture files and tells whether to reload
// them; a reload that fails is not tried again until they change again.
func (w *watcher) fixtures(now map[string]stamp) bool {
	settled := !changed(w.seen.fixtures, now)
	w.seen.fixtures = now
	if !settled || !changed(w.inUse.fixtures, now) {
		return false
	}
	w.inUse.fixtures = now
	return true
}

// reloaded records what a successful reload read.
func (w *watcher) reloaded(loaded files) { w.inUse, w.seen = loaded, loaded }

// scenarios takes a look at the scenario files and lists, sorted, those to
// read again.
func (w *watcher) scenarios(now map[string]stamp) []string {
	var out []string
	inUse := map[string]stamp{}
	for f, st := range now {
		old, known := w.inUse.scenarios[f]
		switch {
		case known && old == st:
			inUse[f] = st
		case w.seen.scenarios[f] != st: // not settled: look again next time
			if known {
				inUse[f] = old
			}
		default:
			inUse[f] = st
			out = append(out, f)
		}
	}
	w.inUse.scenarios, w.seen.scenarios = inUse, now
	slices.Sort(out)
	return out
}

func changed(old, now map[string]stamp) bool {
	if len(old) != len(now) {
		return true
	}
	for f, st := range now {
		if old[f] != st {
			return true
		}
	}
	return false
}
