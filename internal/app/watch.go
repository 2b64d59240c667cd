package app

import (
	"context"
	"os"
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
	loaded := a.loadedFiles()
	scen, fix := loaded.scenarios, loaded.fixtures
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		nowFix := stampsOf(a.fixtureFiles())
		if changed(fix, nowFix) {
			fix = nowFix
			if err := a.Load(); err != nil {
				a.cfg.Log.Error("fixtures not reloaded; the old ones stay", "problems", err.Error())
			} else {
				a.cfg.Log.Info("fixtures reloaded; every session starts afresh", "path", a.cfg.Fixtures)
				loaded := a.loadedFiles()
				fix, scen = loaded.fixtures, loaded.scenarios
				continue
			}
		}
		nowScen := stampsOf(a.scenarioFiles())
		for f, st := range nowScen {
			if old, ok := scen[f]; ok && old == st {
				continue
			}
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
		scen = nowScen
	}
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
