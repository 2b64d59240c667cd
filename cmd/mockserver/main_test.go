package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/testkit"
	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// start runs the server until the test ends and returns its base URL.
func start(t *testing.T, args []string, vars map[string]string) (string, *testkit.Buffer) {
	t.Helper()
	return startServing(t, func(ctx context.Context, addrFile string, logs io.Writer) error {
		return run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--addr-file", addrFile}, args...), env(vars), io.Discard, logs)
	})
}

// startServing runs serve until the test ends; serve must listen on a
// port of its choice and write it to addrFile.
func startServing(t *testing.T, serve func(ctx context.Context, addrFile string, logs io.Writer) error) (string, *testkit.Buffer) {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	ctx, cancel := context.WithCancel(context.Background())
	logs := &testkit.Buffer{}
	done := make(chan error, 1)
	go func() { done <- serve(ctx, addrFile, logs) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run after cancel: got %v, want nil", err)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("server stopped: %v\n%s", err, logs)
		default:
		}
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 {
			return "http://" + strings.TrimSpace(string(b)), logs
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no address written\n%s", logs)
	return "", nil
}

func TestServeAnswersTheSpecExample(t *testing.T) {
	url, logs := start(t, []string{"--log-format", "json"}, nil)
	body := `{"appkey":"B968E49385CBD8C74587A374E7B1D21A","grant_type":"authorization_code","code":"rFrnww","redirect_uri":"https://web3.isolarcloud.com.cn"}`
	req, _ := http.NewRequest("POST", url+"/openapi/apiManage/token", strings.NewReader(body))
	req.Header.Set("x-access-key", "MOCKSECRETKEY0123456789ABCDEFGHI")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"result_code":"1"`) || !strings.Contains(string(b), `"auth_user":408056`) {
		t.Errorf("got %s, want a success for auth_user 408056", b)
	}
	// The SOLARMAN document's example request, and a plaintext password.
	for _, c := range []struct{ password, want string }{
		{"472bbe83616e93d3c09a79103ae47d8f71e3d35a966d6e8b22f743218d04171d", `"success":true`},
		{"not-a-digest", `"code":"2101025"`},
	} {
		resp, err := http.Post(url+"/account/v1.0/token?appId=201911067232002&language=en", "application/json",
			strings.NewReader(`{"appSecret":"3a8791f012acc13226ca60e63ac6c1aff3","username":"cvwwb","orgId":860,"password":"`+c.password+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), c.want) {
			t.Errorf("SOLARMAN example: got %s, want %s", b, c.want)
		}
	}
	if err := run(context.Background(), []string{"healthcheck", "--url", url}, env(nil), io.Discard, io.Discard); err != nil {
		t.Errorf("healthcheck: got %v, want nil", err)
	}
	if !strings.Contains(logs.String(), `"msg":"request","session":"default","endpoint":"isolar.token"`) {
		t.Errorf("got logs %s, want one JSON line per request", logs)
	}
}

func TestAdminTokenFromEnvironment(t *testing.T) {
	url, _ := start(t, nil, map[string]string{"MOCKSERVER_ADMIN_TOKEN": "tok"})
	resp, err := apicheck.Client(t).Get(url + "/_mock/requests")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("got %d, want 401", resp.StatusCode)
	}
}

func TestFlagsWinOverEnvironment(t *testing.T) {
	// The environment names a port that cannot be bound; the flag's :0 wins.
	start(t, nil, map[string]string{"MOCKSERVER_ADDR": "256.0.0.1:1"})
}

func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if err != nil {
		return 1
	}
	return 0
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want int
	}{
		{"unknown flag", []string{"--nope"}, nil, 2},
		{"unknown command", []string{"frobnicate"}, nil, 2},
		{"bad log level", []string{"--log-level", "loud"}, nil, 2},
		{"bad log format in env", nil, map[string]string{"MOCKSERVER_LOG_FORMAT": "xml"}, 2},
		{"stray argument", []string{"serve", "extra"}, nil, 2},
		{"help", []string{"--help"}, nil, 0},
		{"missing fixtures", []string{"--fixtures", "/does/not/exist.yaml", "--addr", "127.0.0.1:0"}, nil, 1},
		{"validate without files", []string{"validate"}, nil, 2},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		err := run(context.Background(), c.args, env(c.env), &out, &errOut)
		if got := exitCode(err); got != c.want {
			t.Errorf("%s: got exit %d (%v), want %d", c.name, got, err, c.want)
		}
		if c.want == 2 && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got a multi-line reason %q, want one line", c.name, err)
		}
	}
}

// Every command answers -h and --help with its own usage on stdout and
// exit 0; none takes the flag for an argument.
func TestEveryCommandHasHelp(t *testing.T) {
	for _, cmd := range commands() {
		for _, args := range [][]string{{cmd.name, "--help"}, {cmd.name, "-h"}, {"help", cmd.name}} {
			var out, errOut bytes.Buffer
			err := run(context.Background(), args, env(nil), &out, &errOut)
			if code := exitCode(err); code != 0 || errOut.Len() > 0 {
				t.Errorf("%q: got exit %d (%v), stderr %q, want 0 and nothing", args, code, err, errOut.String())
			}
			if !strings.HasPrefix(out.String(), cmd.usage) || strings.Contains(out.String(), "no such file") {
				t.Errorf("%q: got %q, want the usage of %s", args, out.String(), cmd.name)
			}
		}
	}
	// The flags are listed as the README spells them, with their value,
	// variable and default; the overview ends with where to find them.
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, env(nil), &out, io.Discard); exitCode(err) != 0 {
		t.Fatal(err)
	}
	for _, s := range serveFlags(&serveConfig{}) {
		if !strings.Contains(out.String(), "\n  --"+s.name+" ") || !strings.Contains(out.String(), "($"+s.env) {
			t.Errorf("serve --help: got\n%s\nwant --%s and $%s", out.String(), s.name, s.env)
		}
	}
	for _, want := range []string{"--addr host:port  ($MOCKSERVER_ADDR, default :8080)", "--store-cap n  ($MOCKSERVER_STORE_CAP, default 50000)", "--watch  ($MOCKSERVER_WATCH)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("serve --help: got\n%s\nwant %q", out.String(), want)
		}
	}
	if strings.Contains(out.String(), "\n  -a") || strings.Contains(out.String(), " string") {
		t.Errorf("serve --help: got\n%s\nwant no -flag or string value", out.String())
	}
	out.Reset()
	run(context.Background(), []string{"healthcheck", "--help"}, env(nil), &out, io.Discard)
	if !strings.Contains(out.String(), "--url url  ($MOCKSERVER_HEALTH_URL)") {
		t.Errorf("healthcheck --help: got\n%s\nwant --url and $MOCKSERVER_HEALTH_URL", out.String())
	}
	out.Reset()
	run(context.Background(), []string{"help"}, env(nil), &out, io.Discard)
	if got := strings.TrimSpace(out.String()); strings.HasSuffix(got, ":") || !strings.Contains(got, "mockserver help serve") {
		t.Errorf("help: got\n%s\nwant it to say where the flags are, and no heading left empty", got)
	}
	// The flag package's own messages spell flags as the docs do.
	if err := run(context.Background(), []string{"--nope"}, env(nil), io.Discard, io.Discard); err == nil || err.Error() != "flag provided but not defined: --nope" {
		t.Errorf("unknown flag: got %v", err)
	}

	for _, args := range [][]string{{"help", "nope"}, {"version", "x"}, {"validate", "-x", "a.yaml"}, {"healthcheck", "extra"}} {
		if err := run(context.Background(), args, env(nil), io.Discard, io.Discard); exitCode(err) != 2 {
			t.Errorf("%q: got exit %d (%v), want 2", args, exitCode(err), err)
		}
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(good, []byte("isolar:\n  users:\n    - {account: a, password: p, user_id: 1, plants: []}\n"), 0o644)
	os.WriteFile(bad, []byte("isolar:\n  users:\n    - {account: a, password: p, user_id: 0, plants: []}\n  nope: 1\n"), 0o644)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"validate", good, "../../fixtures"}, env(nil), &out, io.Discard); err != nil {
		t.Errorf("good files: got %v\n%s", err, out.String())
	}
	out.Reset()
	err := run(context.Background(), []string{"validate", bad}, env(nil), &out, io.Discard)
	if exitCode(err) != 1 {
		t.Errorf("bad file: got exit %d, want 1", exitCode(err))
	}
	for _, want := range []string{bad + ":3: isolar.users[0].user_id: ", bad + ":4: isolar.nope: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("got output\n%s\nwant a line starting %q", out.String(), want)
		}
	}
}

func TestVersionAndHealthcheckFailure(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, env(nil), &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "mockserver ") {
		t.Errorf("version: got %q %v", out.String(), err)
	}
	if err := run(context.Background(), []string{"healthcheck", "--addr", "127.0.0.1:1"}, env(nil), io.Discard, io.Discard); exitCode(err) != 1 {
		t.Errorf("healthcheck of nothing: got %v, want exit 1", err)
	}
}
