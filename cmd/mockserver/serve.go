package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	iapp "github.com/tokenmock/tokenmock/internal/app"
)

type serveConfig struct {
	addr, addrFile, fixtures, adminToken, logFormat, logLevel string
	scenarios, scenario, seed, tlsCert, tlsKey, storeCap      string
	watch                                                     bool
	timeouts                                                  timeouts
}

// timeouts bound how long a client may hold a connection, so that slow
// clients cannot pile up, and how long shutdown waits for requests in
// flight.
type timeouts struct {
	readHeader, read, idle, shutdown time.Duration
}

func defaultTimeouts() timeouts {
	return timeouts{readHeader: 10 * time.Second, read: 30 * time.Second, idle: 120 * time.Second, shutdown: 10 * time.Second}
}

// flagSpec is one flag with its environment variable, so that --help, the
// README table and the parsing come from one list. A flag with boolDst is
// a switch.
type flagSpec struct {
	name, env, def, help string
	dst                  *string
	boolDst              *bool
}

func serveFlags(c *serveConfig) []flagSpec {
	return []flagSpec{
		{name: "addr", env: "MOCKSERVER_ADDR", def: ":8080", help: "listen address", dst: &c.addr},
		{name: "addr-file", env: "MOCKSERVER_ADDR_FILE", def: "", help: "write the bound address to this file once listening (for :0)", dst: &c.addrFile},
		{name: "fixtures", env: "MOCKSERVER_FIXTURES", def: "", help: "a fixture YAML file or folder; replaces the embedded defaults", dst: &c.fixtures},
		{name: "admin-token", env: "MOCKSERVER_ADMIN_TOKEN", def: "", help: "when set, /_mock/* (health aside) needs Authorization: Bearer <token>", dst: &c.adminToken},
		{name: "log-format", env: "MOCKSERVER_LOG_FORMAT", def: "text", help: "log format: text or json", dst: &c.logFormat},
		{name: "log-level", env: "MOCKSERVER_LOG_LEVEL", def: "info", help: "log level: debug, info, warn or error", dst: &c.logLevel},
		{name: "scenarios", env: "MOCKSERVER_SCENARIOS", def: "", help: "a scenario YAML file or folder, loaded in addition to the embedded library", dst: &c.scenarios},
		{name: "scenario", env: "MOCKSERVER_SCENARIO", def: "", help: "the scenario active at start in every session", dst: &c.scenario},
		{name: "watch", env: "MOCKSERVER_WATCH", help: "reload changed scenario and fixture files; a broken file keeps the old version", boolDst: &c.watch},
		{name: "seed", env: "MOCKSERVER_SEED", def: "", help: "seed for probabilistic rules (default random)", dst: &c.seed},
		{name: "tls-cert", env: "MOCKSERVER_TLS_CERT", def: "", help: "serve HTTPS with this PEM certificate (chain)", dst: &c.tlsCert},
		{name: "tls-key", env: "MOCKSERVER_TLS_KEY", def: "", help: "the PEM private key of --tls-cert", dst: &c.tlsKey},
		{name: "store-cap", env: "MOCKSERVER_STORE_CAP", def: "50000", help: "most codes or tokens kept per store; past it the oldest go", dst: &c.storeCap},
	}
}

// parseFlags reads the environment first, then the flags over it. -h and
// --help print usage and the flags to stdout, and end the command.
func parseFlags(name, usage string, specs []flagSpec, args []string, getenv func(string) string, stdout io.Writer) (*flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, s := range specs {
		def := s.def
		if v := getenv(s.env); v != "" {
			def = v
		}
		if s.boolDst != nil {
			on, err := strconv.ParseBool(def)
			if def != "" && err != nil {
				return nil, usageErr("$%s: want true or false, got %q", s.env, def)
			}
			fs.BoolVar(s.boolDst, s.name, on, s.help+" ($"+s.env+")")
			continue
		}
		fs.StringVar(s.dst, s.name, def, s.help+" ($"+s.env+")")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			fs.SetOutput(stdout)
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

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parseServe(args, getenv, stdout)
	if err != nil {
		return err
	}
	return c.serve(ctx, stderr)
}

// parseServe reads the flags and environment of serve; --help goes to
// stdout.
func parseServe(args []string, getenv func(string) string, stdout io.Writer) (serveConfig, error) {
	c := serveConfig{timeouts: defaultTimeouts()}
	fs, err := parseFlags("serve", serveUsage, serveFlags(&c), args, getenv, stdout)
	if err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, usageErr("serve takes no arguments, got %q", fs.Arg(0))
	}
	return c, nil
}

// serve builds the mock and serves it until ctx ends.
func (c serveConfig) serve(ctx context.Context, stderr io.Writer) error {
	log, err := newLogger(c.logFormat, c.logLevel, stderr)
	if err != nil {
		return err
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return usageErr("--tls-cert and --tls-key go together")
	}
	var tlsConfig *tls.Config
	if c.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey)
		if err != nil {
			return fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	seed, err := parseSeed(c.seed)
	if err != nil {
		return err
	}
	a := &app{cfg: c, log: log, seed: seed}
	if err := a.load(); err != nil {
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
		Handler:           a,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: c.timeouts.readHeader,
		ReadTimeout:       c.timeouts.read,
		IdleTimeout:       c.timeouts.idle,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	log.Info("listening", "addr", addr, "tls", tlsConfig != nil, "version", version(), "seed", seed)
	errc := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			errc <- srv.ServeTLS(ln, "", "")
			return
		}
		errc <- srv.Serve(ln)
	}()
	if c.watch {
		go a.watch(ctx, iapp.WatchInterval)
	}
	go a.inner.SweepEvery(ctx, iapp.SweepInterval)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), c.timeouts.shutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		log.Warn("in-flight requests cut off at shutdown", "err", err)
	}
	return nil
}

func validate(args []string, stdout io.Writer) error {
	fs, err := parseFlags("validate", validateUsage, nil, args, nil, stdout)
	if err != nil {
		return err
	}
	args = fs.Args()
	if len(args) == 0 {
		return usageErr("validate needs at least one fixture or scenario file or folder")
	}
	cat := iapp.Catalogue()
	failed := false
	for _, path := range args {
		if err := iapp.CheckFile(path, cat); err != nil {
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

func healthcheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var addr, url, tlsCert string
	specs := []flagSpec{
		{name: "tls-cert", env: "MOCKSERVER_TLS_CERT", help: "the server's certificate: probe over HTTPS", dst: &tlsCert},
		{name: "addr", env: "MOCKSERVER_ADDR", def: ":8080", help: "the server's listen address", dst: &addr},
		{name: "url", env: "MOCKSERVER_HEALTH_URL", def: "", help: "the base URL to check (default from --addr)", dst: &url},
	}
	fs, err := parseFlags("healthcheck", healthcheckUsage, specs, args, getenv, stdout)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("healthcheck takes no arguments, got %q", fs.Arg(0))
	}
	if url == "" {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return usageErr("--addr: %v", err)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		scheme := "http://"
		if tlsCert != "" {
			scheme = "https://"
		}
		url = scheme + net.JoinHostPort(host, port)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(url, "/")+"/_mock/health", nil)
	if err != nil {
		return usageErr("--url: %v", err)
	}
	// The probe asks its own server whether it is alive; the certificate is
	// made for the clients' host names, not for 127.0.0.1.
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health answered %s", resp.Status)
	}
	return nil
}
