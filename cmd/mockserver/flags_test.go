package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A bad value exits 2 with one line naming the flag, and the variable
// when the value came from the environment (in a container, the only
// place values come from); a flag given on the command line wins and is
// named alone.
func TestBadValuesNameWhereTheyCameFrom(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string // the start of the reason
	}{
		{"seed flag", []string{"--seed", "abc"}, nil, `--seed: want a non-negative integer, got "abc"`},
		{"seed env", nil, map[string]string{"MOCKSERVER_SEED": "abc"}, `--seed ($MOCKSERVER_SEED): want a non-negative integer, got "abc"`},
		{"flag over env", []string{"--seed", "abc"}, map[string]string{"MOCKSERVER_SEED": "1"}, `--seed: want`},
		{"log level flag", []string{"--log-level", "loud"}, nil, `--log-level: want debug, info, warn or error, got "loud"`},
		{"log level env", nil, map[string]string{"MOCKSERVER_LOG_LEVEL": "loud"}, `--log-level ($MOCKSERVER_LOG_LEVEL): want debug`},
		{"log format env", nil, map[string]string{"MOCKSERVER_LOG_FORMAT": "xml"}, `--log-format ($MOCKSERVER_LOG_FORMAT): want text or json`},
		{"store cap flag", []string{"--store-cap", "many"}, nil, `--store-cap: want a positive integer, got "many"`},
		{"store cap env", nil, map[string]string{"MOCKSERVER_STORE_CAP": "0"}, `--store-cap ($MOCKSERVER_STORE_CAP): want a positive integer`},
		{"watch env", nil, map[string]string{"MOCKSERVER_WATCH": "yes"}, `--watch ($MOCKSERVER_WATCH): want true or false, got "yes"`},
		{"scenario flag", []string{"--scenario", "nope"}, nil, `--scenario: unknown scenario "nope"`},
		{"scenario env", nil, map[string]string{"MOCKSERVER_SCENARIO": "nope"}, `--scenario ($MOCKSERVER_SCENARIO): unknown scenario "nope"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Done already: were the value accepted, serve would stop at
			// once with exit 0 rather than run on.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err := run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, c.args...), env(c.env), io.Discard, io.Discard)
			if exitCode(err) != 2 {
				t.Fatalf("got exit %d (%v), want 2", exitCode(err), err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, c.want) || strings.Contains(msg, "\n") {
				t.Errorf("got %q, want one line starting %q", msg, c.want)
			}
		})
	}
}

// A listen address no listener could take is a bad value (exit 2), found
// before listening; a listen that fails (the port is taken) exits 1.
func TestBadAddressExits2(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no port", []string{"serve", "--addr", "19083"}, nil, "--addr: address 19083: missing port in address"},
		{"no port in env", nil, map[string]string{"MOCKSERVER_ADDR": "19083"}, "--addr ($MOCKSERVER_ADDR): address 19083: missing port in address"},
		{"port out of range", []string{"--addr", "127.0.0.1:70000"}, nil, `--addr: invalid port "70000"`},
		{"healthcheck, env", []string{"healthcheck"}, map[string]string{"MOCKSERVER_ADDR": "19083"}, "--addr ($MOCKSERVER_ADDR): address 19083: missing port"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err := run(ctx, c.args, env(c.env), io.Discard, io.Discard)
			if exitCode(err) != 2 || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("got exit %d (%v), want 2 and %q", exitCode(err), err, c.want)
			}
		})
	}

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	err = run(context.Background(), []string{"--addr", taken.Addr().String()}, env(nil), io.Discard, io.Discard)
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("port taken: got exit %d (%v), want 1 and address already in use", exitCode(err), err)
	}
}

// With --log-format json a failure to start is the log's one JSON error
// record on stderr, and nothing else; with text it is main's plain line.
func TestStartErrorIsLoggedInTheLogFormat(t *testing.T) {
	cases := []struct {
		name    string
		env     []string
		wantErr string
		json    bool
	}{
		{"json", []string{"MOCKSERVER_LOG_FORMAT=json", "MOCKSERVER_SEED=abc"}, `--seed ($MOCKSERVER_SEED): want a non-negative integer, got "abc"`, true},
		{"text", []string{"MOCKSERVER_SEED=abc"}, `--seed ($MOCKSERVER_SEED): want a non-negative integer, got "abc"`, false},
		{"json, missing fixtures", []string{"MOCKSERVER_LOG_FORMAT=json", "MOCKSERVER_FIXTURES=/nonexistent/f.yaml"}, "fixtures:\n/nonexistent/f.yaml", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), append(c.env, "MOCKSERVER_TEST_MAIN=1", "MOCKSERVER_TEST_ARGS=--addr 127.0.0.1:0")...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() == 0 {
				t.Fatalf("got %v, want a failure to start", err)
			}
			if !c.json {
				if got := stderr.String(); got != "mockserver: "+c.wantErr+"\n" {
					t.Errorf("got stderr %q, want main's plain line", got)
				}
				return
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			var rec struct {
				Level, Msg, Err string
				Exit            int
			}
			if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &rec) != nil {
				t.Fatalf("got stderr %q, want one JSON record", stderr.String())
			}
			if rec.Level != "ERROR" || rec.Msg != "cannot start" || !strings.HasPrefix(rec.Err, c.wantErr) || rec.Exit != ee.ExitCode() {
				t.Errorf("got %+v (exit %d), want an error record with %q and the exit code", rec, ee.ExitCode(), c.wantErr)
			}
		})
	}
}

// In the container (uid 65532) a file it may not read gets a hint; the
// same error elsewhere is left as it is.
func TestPermissionDeniedHint(t *testing.T) {
	err := errors.New("scenarios:\n/etc/tokenmock/scenarios: cannot read: permission denied")
	defer func(f func() int) { getuid = f }(getuid)
	getuid = func() int { return 1000 }
	if got := hintErr(err); got.Error() != err.Error() {
		t.Errorf("outside the container: got %q, want it unchanged", got)
	}
	getuid = func() int { return containerUID }
	want := "scenarios:\n/etc/tokenmock/scenarios: cannot read: permission denied (the container runs as uid 65532: make the mount readable)"
	if got := hintErr(err); got.Error() != want {
		t.Errorf("in the container: got %q, want %q", got, want)
	}
	if got := hintErr(usageErr("x: permission denied")); exitCode(got) != 2 {
		t.Errorf("got exit %d, want the usage error's 2 kept", exitCode(got))
	}
}

// An empty fixture set is refused by validate and by serve.
func TestEmptyFixturesAreRefused(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.yaml")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"validate", empty}, env(nil), &out, io.Discard)
	if exitCode(err) != 1 || !strings.Contains(out.String(), empty+":") || !strings.Contains(out.String(), "empty fixture set") {
		t.Errorf("validate: got exit %d, output\n%s\nwant 1 and the empty set named", exitCode(err), out.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = run(ctx, []string{"--fixtures", empty, "--addr", "127.0.0.1:0"}, env(nil), io.Discard, io.Discard)
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "empty fixture set") {
		t.Errorf("serve: got exit %d (%v), want 1 and the empty set named", exitCode(err), err)
	}
}

// validate classifies each file of a folder on its own and says what it
// took each as; a scenario without rules is a scenario's problem, not
// fixture noise about its fields or its neighbours.
func TestValidateMixedFolder(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"good.yaml":    "rules:\n  - when: {endpoint: oauth.token}\n    do: {error: token_invalid_code}\n",
		"norules.yaml": "name: norules\ndescription: rules to come\n",
		"users.yaml":   "isolar:\n  users:\n    - {account: a, password: p, user_id: 1, plants: []}\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"validate", dir}, env(nil), &out, io.Discard)
	if exitCode(err) != 1 {
		t.Errorf("got exit %d, want 1 for norules.yaml", exitCode(err))
	}
	in := func(f string) string { return filepath.Join(dir, f) }
	want := in("good.yaml") + ": ok (scenario)\n" +
		in("norules.yaml") + ":1: rules: missing: a scenario needs rules\n" +
		in("norules.yaml") + ": 1 problem (scenario)\n" +
		in("users.yaml") + ": ok (fixtures)\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}

	out.Reset()
	if err := run(context.Background(), []string{"validate", in("good.yaml"), in("users.yaml")}, env(nil), &out, io.Discard); err != nil {
		t.Errorf("good files: got %v\n%s", err, out.String())
	}
	if want := in("good.yaml") + ": ok (scenario)\n" + in("users.yaml") + ": ok (fixtures)\n"; out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// The README's Flags section lists every flag of serve with its variable
// and default, and healthcheck's own variable.
func TestREADMEListsTheFlags(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Flags\n")
	if !ok {
		t.Fatal("README has no Flags section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for _, s := range serveFlags(&serveConfig{}) {
		for _, want := range []string{"`--" + s.name + "`", "`" + s.env + "`", "`" + s.def + "`"} {
			if want != "``" && !strings.Contains(section, want) {
				t.Errorf("README Flags: want %s (of --%s)", want, s.name)
			}
		}
	}
	if !strings.Contains(section, "MOCKSERVER_HEALTH_URL") {
		t.Error("README Flags: want MOCKSERVER_HEALTH_URL (healthcheck --url)")
	}
}

// A file named in a flag that cannot be used is an exit 1 naming the flag,
// and its variable when it came from there.
func TestFileFlagsNameWhereTheyCameFrom(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope", "x")
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"addr file", map[string]string{"MOCKSERVER_ADDR_FILE": missing}, "--addr-file ($MOCKSERVER_ADDR_FILE): open " + missing},
		{"tls files", map[string]string{"MOCKSERVER_TLS_CERT": missing, "MOCKSERVER_TLS_KEY": missing}, "--tls-cert ($MOCKSERVER_TLS_CERT), --tls-key ($MOCKSERVER_TLS_KEY): open " + missing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err := run(ctx, []string{"--addr", "127.0.0.1:0"}, env(c.env), io.Discard, io.Discard)
			if exitCode(err) != 1 || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("got exit %d (%v), want 1 and %q", exitCode(err), err, c.want)
			}
		})
	}
}
