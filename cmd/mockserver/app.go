package main

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
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

// app is the running server: the handler of the current fixtures, which a
// fixture reload replaces whole, and its scenario engine.
type app struct {
	cfg  serveConfig
	log  *slog.Logger
	seed uint64

	handler atomic.Pointer[http.Handler]
	mu      sync.Mutex // guards engine
	engine  *scenario.Engine
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) { (*a.handler.Load()).ServeHTTP(w, r) }

// newVendors builds every vendor of one fixture set.
func newVendors(fx *fixture.Fixtures, deps mock.Deps) ([]mock.Vendor, error) {
	sm, err := solarman.New(fx.Solarman, deps)
	if err != nil {
		return nil, err
	}
	return []mock.Vendor{isolar.New(fx.Isolar, deps), sm, oauth.New(fx.OAuth, deps)}, nil
}

// load (re)builds everything from the fixtures and scenario files; on any
// problem it changes nothing and says why.
func (a *app) load() error {
	fx, err := loadFixtures(a.cfg.fixtures)
	if err != nil {
		return fmt.Errorf("fixtures:\n%w", err)
	}
	wall := time.Now
	sessions := session.NewRegistry(wall)
	deps := mock.Deps{Now: session.Clock{Wall: wall}.Now, IDs: ids.New(nil), Log: a.log}
	vendors, err := newVendors(fx, deps)
	if err != nil {
		return err
	}
	engine := scenario.NewEngine(scenario.NewCatalogue(vendors), a.seed)
	library, err := scenario.LoadFS(tokenmock.Scenarios, []string{"scenarios"}, engine.Catalogue())
	if err != nil {
		return fmt.Errorf("embedded scenarios:\n%w", err)
	}
	engine.Add(library...)
	if a.cfg.scenarios != "" {
		files, err := scenario.OSFiles(a.cfg.scenarios)
		if err != nil {
			return fmt.Errorf("--scenarios: %w", err)
		}
		var problems []string
		for _, f := range files {
			sc, err := scenario.ParseOSFile(f, engine.Catalogue())
			if err != nil {
				problems = append(problems, err.(*scenario.Errors).Problems...)
				continue
			}
			engine.Add(sc)
		}
		if len(problems) > 0 {
			return fmt.Errorf("scenarios:\n%w", &scenario.Errors{Problems: problems})
		}
	}
	if err := engine.SetDefault(a.cfg.scenario); err != nil {
		return usageErr("--scenario: %v", err)
	}
	var h http.Handler = server.New(server.Config{
		Vendors: vendors, Sessions: sessions, Log: a.log, AdminToken: a.cfg.adminToken,
		Version: version(), Scenarios: engine,
	})
	a.mu.Lock()
	a.engine = engine
	a.mu.Unlock()
	a.handler.Store(&h)
	return nil
}

// checkFile validates one fixture or scenario file or folder.
// A folder whose files all have top-level rules is a scenario folder.
func checkFile(path string, cat scenario.Catalogue) error {
	files, err := scenario.OSFiles(path)
	if err != nil {
		return err
	}
	scenarios := len(files) > 0
	for _, f := range files {
		if data, err := os.ReadFile(f); err != nil || !scenario.IsScenario(data) {
			scenarios = false
		}
	}
	if !scenarios {
		_, err := fixture.LoadOS(path)
		return err
	}
	var problems []string
	for _, f := range files {
		if _, err := scenario.ParseOSFile(f, cat); err != nil {
			problems = append(problems, err.(*scenario.Errors).Problems...)
		}
	}
	if len(problems) > 0 {
		return &scenario.Errors{Problems: problems}
	}
	return nil
}

// parseSeed reads --seed, or draws one.
func parseSeed(s string) (uint64, error) {
	if s == "" {
		var b [8]byte
		rand.Read(b[:])
		return binary.LittleEndian.Uint64(b[:]), nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, usageErr("--seed: want a non-negative integer, got %q", s)
	}
	return n, nil
}
