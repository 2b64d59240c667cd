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
	"regexp"
	"strconv"
	"strings"
	"time"

	iapp "github.com/tokenmock/tokenmock/internal/app"
	"github.com/tokenmock/tokenmock/internal/mock"
)

type serveConfig struct {
	addr, addrFile, fixtures, adminToken, logFormat, logLevel string
	scenarios, scenario, seed, tlsCert, tlsKey, storeCap      string
	watch                                                     bool
	timeouts                                                  timeouts
	env                                                       fromEnv
	// wrap, when set, goes around the mock's handler (tests: to see a
	// request arrive).
	wrap func(http.Handler) http.Handler
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
// a switch; value names a string flag's value in --help.
type flagSpec struct {
	name, env, def, value, help string
	dst                         *string
	boolDst                     *bool
}

func serveFlags(c *serveConfig) []flagSpec {
	return []flagSpec{
		{name: "addr", env: "MOCKSERVER_ADDR", def: ":8080", value: "host:port", help: "listen address (127.0.0.1:8080 keeps the mock off the network)", dst: &c.addr},
		{name: "addr-file", env: "MOCKSERVER_ADDR_FILE", value: "file", help: "write the bound address to this file once listening (for :0)", dst: &c.addrFile},
		{name: "fixtures", env: "MOCKSERVER_FIXTURES", value: "path", help: "a fixture YAML file or folder; replaces the embedded defaults", dst: &c.fixtures},
		{name: "admin-token", env: "MOCKSERVER_ADMIN_TOKEN", value: "token", help: "when set, /_mock/* (health, callback and ui aside) needs Authorization: Bearer <token> (any case of Bearer)", dst: &c.adminToken},
		{name: "log-format", env: "MOCKSERVER_LOG_FORMAT", def: "text", value: "format", help: "log format: text or json", dst: &c.logFormat},
		{name: "log-level", env: "MOCKSERVER_LOG_LEVEL", def: "info", value: "level", help: "log level: debug, info, warn or error", dst: &c.logLevel},
		{name: "scenarios", env: "MOCKSERVER_SCENARIOS", value: "path", help: "a scenario YAML file or folder, loaded in addition to the embedded library", dst: &c.scenarios},
		{name: "scenario", env: "MOCKSERVER_SCENARIO", value: "name", help: "the scenario active at start in every session", dst: &c.scenario},
		{name: "watch", env: "MOCKSERVER_WATCH", help: "reload changed scenario and fixture files; a broken file keeps the old version", boolDst: &c.watch},
		{name: "seed", env: "MOCKSERVER_SEED", value: "n", help: "seed for probabilistic rules (default random)", dst: &c.seed},
		{name: "tls-cert", env: "MOCKSERVER_TLS_CERT", value: "file", help: "serve HTTPS with this PEM certificate (chain)", dst: &c.tlsCert},
		{name: "tls-key", env: "MOCKSERVER_TLS_KEY", value: "file", help: "the PEM private key of --tls-cert", dst: &c.tlsKey},
		{name: "store-cap", env: "MOCKSERVER_STORE_CAP", def: "50000", value: "n", help: "most codes or tokens of one session kept per store; past it the session's oldest go", dst: &c.storeCap},
	}
}

// fromEnv names, for each flag whose value came from the environment
// rather than the command line, its variable.
type fromEnv map[string]string

// flag words a flag for a message about its value: "--seed", or
// "--seed ($MOCKSERVER_SEED)" when the value came from the environment,
// where a container's user set it.
func (e fromEnv) flag(name string) string {
	if v := e[name]; v != "" {
		return "--" + name + " ($" + v + ")"
	}
	return "--" + name
}

// parseFlags reads the environment first, then the flags over it. -h and
// --help print usage and the flags to stdout, and end the command.
func parseFlags(name, usage string, specs []flagSpec, args []string, getenv func(string) string, stdout io.Writer) (*flag.FlagSet, fromEnv, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	env := fromEnv{}
	for _, s := range specs {
		def := s.def
		if v := getenv(s.env); v != "" {
			def = v
			env[s.name] = s.env
		}
		if s.boolDst != nil {
			on, err := strconv.ParseBool(def)
			if def != "" && err != nil {
				return nil, env, usageErr("%s: want true or false, got %q", env.flag(s.name), def)
			}
			fs.BoolVar(s.boolDst, s.name, on, s.help)
			continue
		}
		fs.StringVar(s.dst, s.name, def, s.help)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			printFlags(stdout, specs)
			return nil, env, &exitError{code: 0}
		}
		// The docs spell flags --name (the flag package takes both): the
		// single-dash names of the flag package's message get a second dash.
		// Compiled here, not at start-up: only a bad command line needs it.
		dashes := regexp.MustCompile(`(^|[ :])-([A-Za-z0-9])`)
		return nil, env, usageErr("%s", dashes.ReplaceAllString(err.Error(), "$1--$2"))
	}
	fs.Visit(func(f *flag.Flag) { delete(env, f.Name) })
	return fs, env, nil
}

// printFlags lists specs as --help shows them: the flag, its value, its
// variable and default, and what it does.
func printFlags(w io.Writer, specs []flagSpec) {
	for _, s := range specs {
		left := "  --" + s.name
		if s.boolDst == nil {
			left += " " + s.value
		}
		right := "$" + s.env
		if s.def != "" {
			right += ", default " + s.def
		}
		fmt.Fprintf(w, "%s  (%s)\n      %s\n", left, right, s.help)
	}
}

func newLogger(c serveConfig, w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, usageErr("%s: want debug, info, warn or error, got %q", c.env.flag("log-level"), c.logLevel)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch c.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageErr("%s: want text or json, got %q", c.env.flag("log-format"), c.logFormat)
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parseServe(args, getenv, stdout)
	if err == nil {
		err = c.serve(ctx, stderr)
	}
	return c.logStartError(err, stderr)
}

// logStartError writes a failure to start as the log's one error record
// when the log is JSON, for a log collector that reads only JSON; main
// then prints nothing more. A text log leaves it to main's plain line.
func (c serveConfig) logStartError(err error, stderr io.Writer) error {
	var ee *exitError
	code := 1
	if errors.As(err, &ee) {
		if ee.msg == "" { // --help, or already said
			return err
		}
		code = ee.code
	}
	if err == nil || c.logFormat != "json" {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	log.Error("cannot start", "err", err.Error(), "exit", code)
	return &exitError{code: code, msg: err.Error(), logged: true}
}

// parseServe reads the flags and environment of serve; --help goes to
// stdout.
func parseServe(args []string, getenv func(string) string, stdout io.Writer) (serveConfig, error) {
	c := serveConfig{timeouts: defaultTimeouts()}
	fs, env, err := parseFlags("serve", serveUsage, serveFlags(&c), args, getenv, stdout)
	c.env = env
	if err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, usageErr("serve takes no arguments, got %q", fs.Arg(0))
	}
	return c, nil
}

// checkAddr refuses a listen address that no listener could take, so that
// a bad value exits 2 like every other; a listen failure (a port in use)
// stays exit 1.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("invalid port %q", port)
	}
	return nil
}

// serve builds the mock and serves it until ctx ends.
func (c serveConfig) serve(ctx context.Context, stderr io.Writer) error {
	log, err := newLogger(c, stderr)
	if err != nil {
		return err
	}
	if err := checkAddr(c.addr); err != nil {
		return usageErr("%s: %v (want host:port, such as :8080 or 127.0.0.1:8080)", c.env.flag("addr"), err)
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return usageErr("--tls-cert and --tls-key go together")
	}
	var tlsConfig *tls.Config
	if c.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey)
		if err != nil {
			return hintErr(fmt.Errorf("%s, %s: %w", c.env.flag("tls-cert"), c.env.flag("tls-key"), err))
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	seed, err := parseSeed(c.seed, c.env)
	if err != nil {
		return err
	}
	a := &app{cfg: c, log: log, seed: seed}
	if err := a.load(); err != nil {
		return hintErr(err)
	}

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	if c.addrFile != "" {
		if err := os.WriteFile(c.addrFile, []byte(addr+"\n"), 0o644); err != nil {
			ln.Close()
			return hintErr(fmt.Errorf("%s: %w", c.env.flag("addr-file"), err))
		}
	}
	// Requests run under reqCtx, which ends when shutdown starts: a
	// scenario's hang or delay waits on its request's context, so it lets go
	// at once instead of holding the shutdown for its full length.
	reqCtx, endRequests := mock.ShutdownContext()
	defer endRequests()
	var handler http.Handler = a
	if c.wrap != nil {
		handler = c.wrap(a)
	}
	srv := &http.Server{
		Handler:           handler,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: c.timeouts.readHeader,
		ReadTimeout:       c.timeouts.read,
		IdleTimeout:       c.timeouts.idle,
		MaxHeaderBytes:    64 << 10,
		// At warn: net/http reports here what went wrong beyond a handler
		// (a panic that escaped, a failed TLS handshake), which the
		// default level must show. No WriteTimeout: it would cut the long
		// delays and hangs of scenarios; the journal listing sets its own
		// write deadline.
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext: func(net.Listener) context.Context { return reqCtx },
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
	endRequests()
	sctx, cancel := context.WithTimeout(context.Background(), c.timeouts.shutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		log.Warn("in-flight requests cut off at shutdown", "err", err)
	}
	return nil
}

// containerUID is the user the image runs as; getuid is os.Getuid but in
// tests.
const containerUID = 65532

var getuid = os.Getuid

// hintErr adds to each line of err that ends in "permission denied" what
// to do about it, when the process runs as the image's user: a mounted
// file or folder the user cannot read.
func hintErr(err error) error {
	if err == nil || getuid() != containerUID || !strings.Contains(err.Error(), "permission denied") {
		return err
	}
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		if strings.HasSuffix(l, "permission denied") {
			lines[i] = l + " (the container runs as uid 65532: make the mount readable)"
		}
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return &exitError{code: ee.code, msg: strings.Join(lines, "\n")}
	}
	return errors.New(strings.Join(lines, "\n"))
}

func validate(args []string, stdout io.Writer) error {
	fs, _, err := parseFlags("validate", validateUsage, nil, args, nil, stdout)
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
		for _, c := range iapp.Check(path, cat) {
			var problems []string
			if c.Err != nil {
				failed = true
				problems = strings.Split(strings.TrimRight(hintErr(c.Err).Error(), "\n"), "\n")
				for _, p := range problems {
					fmt.Fprintln(stdout, p)
				}
			}
			// Then each file's verdict, with what it was taken as.
			for _, f := range c.Files {
				n := 0
				for _, p := range problems {
					if strings.HasPrefix(p, f+":") {
						n++
					}
				}
				switch {
				case n == 1:
					fmt.Fprintf(stdout, "%s: 1 problem (%s)\n", f, c.Kind)
				case n > 1:
					fmt.Fprintf(stdout, "%s: %d problems (%s)\n", f, n, c.Kind)
				default:
					fmt.Fprintf(stdout, "%s: ok (%s)\n", f, c.Kind)
				}
			}
		}
	}
	if failed {
		return &exitError{code: 1}
	}
	return nil
}

func healthcheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var addr, url, tlsCert string
	specs := []flagSpec{
		{name: "tls-cert", env: "MOCKSERVER_TLS_CERT", value: "file", help: "the server's certificate: probe over HTTPS", dst: &tlsCert},
		{name: "addr", env: "MOCKSERVER_ADDR", def: ":8080", value: "host:port", help: "the server's listen address", dst: &addr},
		{name: "url", env: "MOCKSERVER_HEALTH_URL", value: "url", help: "the base URL to check (default from --addr)", dst: &url},
	}
	fs, env, err := parseFlags("healthcheck", healthcheckUsage, specs, args, getenv, stdout)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("healthcheck takes no arguments, got %q", fs.Arg(0))
	}
	if url == "" {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return usageErr("%s: %v", env.flag("addr"), err)
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
		return usageErr("%s: %v", env.flag("url"), err)
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
