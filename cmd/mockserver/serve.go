package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/ids"
	"github.com/tokenmock/tokenmock/internal/isolar"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/oauth"
	"github.com/tokenmock/tokenmock/internal/server"
	"github.com/tokenmock/tokenmock/internal/session"
	"github.com/tokenmock/tokenmock/internal/solarman"
)

// buildVersion is set with -ldflags "-X main.buildVersion=v1.2.3".
var buildVersion = ""

func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// Server timeouts: slow clients cannot hold a connection.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 10 * time.Second
)

type serveConfig struct {
	addr, addrFile, fixtures, adminToken, logFormat, logLevel string
}

// flagSpec is one flag with its environment variable, so that --help, the
// README table and the parsing come from one list.
type flagSpec struct {
	name, env, def, help string
	dst                  *string
}

func serveFlags(c *serveConfig) []flagSpec {
	return []flagSpec{
		{"addr", "MOCKSERVER_ADDR", ":8080", "listen address", &c.addr},
		{"addr-file", "MOCKSERVER_ADDR_FILE", "", "write the bound address to this file once listening (for :0)", &c.addrFile},
		{"fixtures", "MOCKSERVER_FIXTURES", "", "a fixture YAML file or folder; replaces the embedded defaults", &c.fixtures},
		{"admin-token", "MOCKSERVER_ADMIN_TOKEN", "", "when set, /_mock/* (health aside) needs Authorization: Bearer <token>", &c.adminToken},
		{"log-format", "MOCKSERVER_LOG_FORMAT", "text", "log format: text or json", &c.logFormat},
		{"log-level", "MOCKSERVER_LOG_LEVEL", "info", "log level: debug, info, warn or error", &c.logLevel},
	}
}

// parseFlags reads the environment first, then the flags over it.
func parseFlags(name string, specs []flagSpec, args []string, getenv func(string) string, stderr io.Writer) (*flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, s := range specs {
		def := s.def
		if v := getenv(s.env); v != "" {
			def = v
		}
		fs.StringVar(s.dst, s.name, def, s.help+" ($"+s.env+")")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, usage)
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return nil, &exitError{code: 0}
		}
		return nil, usageErr("%v", err)
	}
	return fs, nil
}

func newLogger(format, level string, w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageErr("--log-level: want debug, info, warn or error, got %q", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageErr("--log-format: want text or json, got %q", format)
}

func loadFixtures(path string) (*fixture.Fixtures, error) {
	if path == "" {
		return fixture.Default()
	}
	return fixture.LoadOS(path)
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var c serveConfig
	fs, err := parseFlags("serve", serveFlags(&c), args, getenv, stderr)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("serve takes no arguments, got %q", fs.Arg(0))
	}
	log, err := newLogger(c.logFormat, c.logLevel, stderr)
	if err != nil {
		return err
	}
	fx, err := loadFixtures(c.fixtures)
	if err != nil {
		return fmt.Errorf("fixtures:\n%w", err)
	}
	handler, err := newHandler(fx, c.adminToken, log, time.Now, ids.New(nil))
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	if c.addrFile != "" {
		if err := os.WriteFile(c.addrFile, []byte(addr+"\n"), 0o644); err != nil {
			ln.Close()
			return err
		}
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	log.Info("listening", "addr", addr, "version", version())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		log.Warn("in-flight requests cut off at shutdown", "err", err)
	}
	return nil
}

// newHandler wires every vendor to one server.
func newHandler(fx *fixture.Fixtures, adminToken string, log *slog.Logger, wall func() time.Time, gen *ids.Generator) (http.Handler, error) {
	sessions := session.NewRegistry(wall)
	deps := mock.Deps{Now: session.Clock{Wall: wall}.Now, IDs: gen, Log: log}
	sm, err := solarman.New(fx.Solarman, deps)
	if err != nil {
		return nil, err
	}
	return server.New(server.Config{
		Vendors:    []mock.Vendor{isolar.New(fx.Isolar, deps), sm, oauth.New(fx.OAuth, deps)},
		Sessions:   sessions,
		Log:        log,
		AdminToken: adminToken,
		Version:    version(),
	}), nil
}

func validate(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErr("validate needs at least one fixture file or folder")
	}
	failed := false
	for _, path := range args {
		if _, err := fixture.LoadOS(path); err != nil {
			failed = true
			fmt.Fprintln(stdout, strings.TrimRight(err.Error(), "\n"))
			continue
		}
		fmt.Fprintln(stdout, path+": ok")
	}
	if failed {
		return &exitError{code: 1}
	}
	return nil
}

func healthcheck(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	var addr, url string
	specs := []flagSpec{
		{"addr", "MOCKSERVER_ADDR", ":8080", "the server's listen address", &addr},
		{"url", "MOCKSERVER_HEALTH_URL", "", "the base URL to check (default from --addr)", &url},
	}
	if _, err := parseFlags("healthcheck", specs, args, getenv, stderr); err != nil {
		return err
	}
	if url == "" {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return usageErr("--addr: %v", err)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		url = "http://" + net.JoinHostPort(host, port)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(url, "/")+"/_mock/health", nil)
	if err != nil {
		return usageErr("--url: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health answered %s", resp.Status)
	}
	return nil
}
