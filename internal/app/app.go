// Package app assembles the whole mock from fixtures and scenario files:
// every vendor, the scenario engine and the server. The command and the
// public mocktest package both run it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenmock/tokenmock"
	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/ids"
	"github.com/tokenmock/tokenmock/internal/isolar"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/oauth"
	"github.com/tokenmock/tokenmock/internal/scenario"
	"github.com/tokenmock/tokenmock/internal/server"
	"github.com/tokenmock/tokenmock/internal/session"
	"github.com/tokenmock/tokenmock/internal/solarman"
)

// Config is what the mock is built from; zero values are the defaults.
type Config struct {
	Fixtures   string // a fixture file or folder; "": the embedded defaults
	Scenarios  string // a scenario file or folder, added to the library
	Scenario   string // active at start in every session
	AdminToken string
	Seed       uint64
	Version    string
	Log        *slog.Logger
	Wall       func() time.Time // nil: time.Now
	IDs        *ids.Generator   // nil: crypto/rand
	StoreCap   int              // bound of each session's entries in each code or token store; 0: mock.DefaultStoreCap
}

// SweepInterval is how often Run sweeps expired state.
const SweepInterval = time.Minute

// ErrUnknownScenario is returned by Load for an unknown Config.Scenario.
var ErrUnknownScenario = errors.New("unknown scenario")

// App is the running mock: an http.Handler that a reload replaces whole.
type App struct {
	cfg     Config
	handler atomic.Pointer[http.Handler]
	mu      sync.Mutex // guards engine, server and loaded
	engine  *scenario.Engine
	server  *server.Server
	loaded  files // the files as Load read them: what Watch compares with
}

// New builds the mock; on any problem it says why, with every problem.
func New(cfg Config) (*App, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Wall == nil {
		cfg.Wall = time.Now
	}
	a := &App{cfg: cfg}
	if err := a.Load(); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { (*a.handler.Load()).ServeHTTP(w, r) }

// vendors lists every vendor: what its table declares, how to build it
// from a fixture set, and what its fixtures hold (log attributes, said at
// each Load). A new vendor is one row here.
var vendors = []struct {
	spec  func() mock.Spec
	build func(fx *fixture.Fixtures, deps mock.Deps) (mock.Vendor, error)
	count func(fx *fixture.Fixtures) []any
}{
	{isolar.Spec, func(fx *fixture.Fixtures, deps mock.Deps) (mock.Vendor, error) {
		return isolar.New(fx.Isolar, deps), nil
	}, func(fx *fixture.Fixtures) []any {
		f := fx.Isolar
		if f == nil {
			f = &fixture.Isolar{}
		}
		return []any{"apps", len(f.Apps), "users", len(f.Users), "static_codes", len(f.StaticCodes), "plants", len(f.Plants)}
	}},
	{solarman.Spec, func(fx *fixture.Fixtures, deps mock.Deps) (mock.Vendor, error) {
		return solarman.New(fx.Solarman, deps)
	}, func(fx *fixture.Fixtures) []any {
		f := fx.Solarman
		if f == nil {
			f = &fixture.Solarman{}
		}
		return []any{"apps", len(f.Apps), "users", len(f.Users), "stations", len(f.Stations)}
	}},
	{oauth.Spec, func(fx *fixture.Fixtures, deps mock.Deps) (mock.Vendor, error) { return oauth.New(fx.OAuth, deps), nil },
		func(fx *fixture.Fixtures) []any {
			f := fx.OAuth
			if f == nil {
				return []any{"clients", 0, "users", 0, "records", 0}
			}
			records := len(f.Resource.Records) // one JSON object each: Load validated them
			if f.Resource.Records == nil {
				records = len(fixture.DefaultOAuthRecords())
			}
			return []any{"clients", len(f.Clients), "users", len(f.Users), "records", records}
		}},
}

// Vendors builds every vendor of one fixture set.
func Vendors(fx *fixture.Fixtures, deps mock.Deps) ([]mock.Vendor, error) {
	out := make([]mock.Vendor, 0, len(vendors))
	for _, v := range vendors {
		built, err := v.build(fx, deps)
		if err != nil {
			return nil, err
		}
		out = append(out, built)
	}
	return out, nil
}

// Specs are every vendor's endpoints and failures as its table declares
// them: no fixtures, no service.
func Specs() []mock.Spec {
	out := make([]mock.Spec, 0, len(vendors))
	for _, v := range vendors {
		out = append(out, v.spec())
	}
	return out
}

// Catalogue is what scenario files may name, from the vendors' tables.
func Catalogue() *scenario.Catalogue { return scenario.NewCatalogue(Specs()...) }

func loadFixtures(path string) (*fixture.Fixtures, error) {
	if path == "" {
		return fixture.Default()
	}
	return fixture.LoadOS(path)
}

// Load (re)builds everything from the fixtures and scenario files: sessions,
// codes and tokens start afresh. On any problem nothing changes.
func (a *App) Load() error {
	// Stamped before reading, so that a save during the read is seen as a
	// change by the next look of Watch.
	loaded := a.stamp()
	fx, err := loadFixtures(a.cfg.Fixtures)
	if err != nil {
		return fmt.Errorf("fixtures:\n%w", err)
	}
	sessions := session.NewRegistry(a.cfg.Wall)
	deps := mock.Deps{Now: session.Clock{Wall: a.cfg.Wall}.Now, IDs: a.cfg.IDs, Log: a.cfg.Log, StoreCap: a.cfg.StoreCap}
	built, err := Vendors(fx, deps)
	if err != nil {
		return fmt.Errorf("fixtures:\n%w", err)
	}
	specs := Specs() // built once: the catalogue and the log both read them
	engine := scenario.NewEngine(scenario.NewCatalogue(specs...), a.cfg.Seed)
	library, err := scenario.LoadFS(tokenmock.Scenarios, []string{"scenarios"}, engine.Catalogue())
	if err != nil {
		return fmt.Errorf("embedded scenarios:\n%w", err)
	}
	engine.Add(library...)
	if a.cfg.Scenarios != "" {
		scs, err := scenario.LoadOS(a.cfg.Scenarios, engine.Catalogue())
		if err != nil {
			return fmt.Errorf("scenarios:\n%w", err)
		}
		engine.Add(scs...)
	}
	if err := engine.SetDefault(a.cfg.Scenario); err != nil {
		return fmt.Errorf("%w %q", ErrUnknownScenario, a.cfg.Scenario)
	}
	srv := server.New(server.Config{
		Vendors: built, Sessions: sessions, Log: a.cfg.Log, AdminToken: a.cfg.AdminToken,
		Version: a.cfg.Version, Scenarios: engine,
	})
	var h http.Handler = srv
	a.mu.Lock()
	a.engine, a.server, a.loaded = engine, srv, loaded
	a.mu.Unlock()
	a.handler.Store(&h)
	a.logLoaded(fx, engine, specs)
	return nil
}

// logLoaded says at Info what a Load built: the fixtures' source, what
// each vendor's fixtures hold, and the scenarios.
func (a *App) logLoaded(fx *fixture.Fixtures, engine *scenario.Engine, specs []mock.Spec) {
	source := a.cfg.Fixtures
	if source == "" {
		source = "embedded defaults"
	}
	a.cfg.Log.Info("fixtures loaded", "source", source)
	for i, v := range vendors {
		a.cfg.Log.Info("vendor fixtures", append([]any{"vendor", specs[i].Vendor}, v.count(fx)...)...)
	}
	active := engine.Default()
	if active == "" {
		active = "none"
	}
	a.cfg.Log.Info("scenarios loaded", "count", len(engine.Library()), "active_in_every_session", active)
}

// Sweep drops expired codes and tokens and the state of gone sessions.
func (a *App) Sweep() int {
	a.mu.Lock()
	srv := a.server
	a.mu.Unlock()
	return srv.Sweep()
}

// SweepEvery sweeps until ctx ends.
func (a *App) SweepEvery(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n := a.Sweep(); n > 0 {
				a.cfg.Log.Debug("swept expired state", "entries", n)
			}
		}
	}
}

// Watch reloads changed files until ctx ends (see watch.go).
func (a *App) Watch(ctx context.Context, every time.Duration) { a.watch(ctx, every) }
