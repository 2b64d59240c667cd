package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	iapp "github.com/tokenmock/tokenmock/internal/app"
)

// app is the mock the command serves, built from the flags.
type app struct {
	cfg   serveConfig
	log   *slog.Logger
	seed  uint64
	inner *iapp.App
}

// load builds the mock from the flags.
func (a *app) load() error {
	storeCap := 0
	if a.cfg.storeCap != "" {
		n, err := strconv.Atoi(a.cfg.storeCap)
		if err != nil || n < 1 {
			return usageErr("%s: want a positive integer, got %q", a.cfg.env.flag("store-cap"), a.cfg.storeCap)
		}
		storeCap = n
	}
	inner, err := iapp.New(iapp.Config{
		Fixtures: a.cfg.fixtures, Scenarios: a.cfg.scenarios, Scenario: a.cfg.scenario,
		AdminToken: a.cfg.adminToken, Seed: a.seed, Version: version(), Log: a.log, StoreCap: storeCap,
	})
	if errors.Is(err, iapp.ErrUnknownScenario) {
		return usageErr("%s: %v", a.cfg.env.flag("scenario"), err)
	}
	if err != nil {
		return err
	}
	a.inner = inner
	return nil
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.inner.ServeHTTP(w, r) }

func (a *app) watch(ctx context.Context, every time.Duration) { a.inner.Watch(ctx, every) }

// parseSeed reads --seed, or draws one.
func parseSeed(s string, env fromEnv) (uint64, error) {
	if s == "" {
		var b [8]byte
		rand.Read(b[:])
		return binary.LittleEndian.Uint64(b[:]), nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, usageErr("%s: want a non-negative integer, got %q", env.flag("seed"), s)
	}
	return n, nil
}
