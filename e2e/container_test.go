package e2e

// TestContainerImage builds the image from the repository's real Dockerfile
// with buildah and runs it with podman, as an integrator's CI would run it
// with Docker. No Docker engine and no registry are needed: the Dockerfile's
// base image is a local stand-in made by deploy/standins.sh, and scratch
// needs none. The image and the stand-in stay in the local storage between
// runs (and buildah keeps the Go module and build caches of the Dockerfile's
// cache mounts), so only the first run is slow.
//
// Without buildah, podman or runc the test skips, or fails when CI=true.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
)

const (
	// containerBuildTimeout bounds making the stand-ins and building the
	// image: the first build on vfs downloads the modules and compiles
	// everything (about two minutes here); later ones take seconds.
	containerBuildTimeout = 10 * time.Minute
	// containerRunTimeout bounds everything after the build.
	containerRunTimeout = 2 * time.Minute

	// containerMaxImageBytes is the "at most 20 MB", in decimal
	// megabytes as `podman images` shows them (20 MiB would allow 4.9% more).
	containerMaxImageBytes = 20 * 1000 * 1000

	containerImageTag = "localhost/tokenmock:test"
	containerVersion  = "v0.0.0-container-test" // the VERSION build argument, as scripts/dist.sh would make it
	containerUID      = "65532"
	containerScenario = "container-mounted" // the scenario the test mounts
)

// containerTools are the programs the test runs; runc because podman's
// default runtime (crun) fails on these machines.
var containerTools = []string{"buildah", "podman", "runc"}

// The global flags of every buildah and podman call: vfs storage (as in
// .ci/run and deploy/standins.sh) works without overlay support, and
// podman's defaults (crun, systemd cgroups) fail on these machines.
var (
	buildahFlags = []string{"--storage-driver", "vfs"}
	podmanFlags  = []string{"--storage-driver", "vfs", "--runtime", "runc", "--cgroup-manager", "cgroupfs"}
)

// findContainerTools returns an error naming the containerTools that
// lookPath (exec.LookPath outside tests) does not find.
func findContainerTools(lookPath func(string) (string, error)) error {
	var missing []string
	for _, name := range containerTools {
		if _, err := lookPath(name); err != nil {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s not on PATH", strings.Join(missing, ", "))
	}
	return nil
}

// requireContainerTools skips t when find reports missing tools, or fails
// it when ci is set. It returns whether the tools are there (false only
// when t is a fake whose Skip and Fatal return).
func requireContainerTools(t testing.TB, ci bool, find func() error) bool {
	t.Helper()
	err := find()
	if err == nil {
		return true
	}
	msg := "no container tools for the image test: " + err.Error() +
		" (install Debian's packages: apt-get install buildah podman runc)"
	if ci {
		t.Fatal(msg + "; failing instead of skipping because CI=true")
	} else {
		t.Skip(msg)
	}
	return false
}

func TestRequireContainerTools(t *testing.T) {
	onPath := func(names ...string) func(string) (string, error) {
		return func(name string) (string, error) {
			for _, n := range names {
				if n == name {
					return "/usr/bin/" + name, nil
				}
			}
			return "", exec.ErrNotFound
		}
	}
	if err := findContainerTools(onPath("buildah", "podman", "runc")); err != nil {
		t.Errorf("all tools there: got %v", err)
	}
	err := findContainerTools(onPath("podman"))
	if err == nil || err.Error() != "buildah, runc not on PATH" {
		t.Errorf("buildah and runc missing: got %v", err)
	}
	missing := func() error { return findContainerTools(onPath()) }

	f := &fakeT{}
	if ok := requireContainerTools(f, false, missing); ok || !f.skipped || f.failed {
		t.Errorf("tools missing without CI: got %v, skipped %v, failed %v; want a skip", ok, f.skipped, f.failed)
	}
	if !strings.Contains(f.msg, "buildah, podman, runc not on PATH") || !strings.Contains(f.msg, "apt-get install buildah podman runc") {
		t.Errorf("skip message %q does not say what is missing and how to get it", f.msg)
	}
	f = &fakeT{}
	if ok := requireContainerTools(f, true, missing); ok || f.skipped || !f.failed {
		t.Errorf("tools missing with CI: got %v, skipped %v, failed %v; want a failure", ok, f.skipped, f.failed)
	}
	if !strings.Contains(f.msg, "CI=true") {
		t.Errorf("failure message %q does not say why it fails", f.msg)
	}
	for _, ci := range []bool{false, true} {
		f = &fakeT{}
		if ok := requireContainerTools(f, ci, func() error { return nil }); !ok || f.skipped || f.failed {
			t.Errorf("tools there, CI %v: got %v, skipped %v, failed %v", ci, ok, f.skipped, f.failed)
		}
	}
}

func TestContainerImage(t *testing.T) {
	if !requireContainerTools(t, inCI(), func() error { return findContainerTools(exec.LookPath) }) {
		return
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	statBuildContext(t, root)
	buildCtx, cancelBuild := context.WithTimeout(t.Context(), containerMargin(t, containerBuildTimeout))
	defer cancelBuild()

	// The stand-in for FROM golang:1.26 (kept between runs).
	start := time.Now()
	out, err := containerCommand(buildCtx, "bash", filepath.Join(root, "deploy", "standins.sh"))
	if err != nil {
		t.Fatalf("deploy/standins.sh: %v\n%s", err, out)
	}
	t.Logf("stand-ins (%s): %s", time.Since(start).Round(100*time.Millisecond), strings.TrimSpace(out))

	// The image, from the real Dockerfile. Run by its id, so that a
	// concurrent build that moves the tag changes nothing here.
	image := buildContainerImage(t, buildCtx, root)
	cancelBuild()

	ctx, cancel := context.WithTimeout(t.Context(), containerMargin(t, containerRunTimeout))
	defer cancel()
	checkImageConfig(t, ctx, image)

	// A scenario file mounted from the host, active from the start through
	// MOCKSERVER_SCENARIO. The folder must be readable by uid 65532.
	scenarios := t.TempDir()
	scenarioYAML := "name: " + containerScenario + `
description: mounted from the host by e2e/container_test.go
rules:
  - when:
      endpoint: isolar.token
      match:
        header.x-test: "*"
    do: {error: hourly_limit}
`
	if err := os.WriteFile(filepath.Join(scenarios, "container.yaml"), []byte(scenarioYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(scenarios, 0o755); err != nil {
		t.Fatal(err)
	}

	c := startContainer(t, ctx, image, scenarios)
	base := c.base

	// The image's HEALTHCHECK, run by hand: without systemd podman runs no
	// health timers.
	if out, err := podman(ctx, "healthcheck", "run", c.name); err != nil {
		t.Errorf("podman healthcheck run: %v\n%s", err, out)
	}

	// The process runs as uid and gid 65532, inside and on the host.
	out, err = podman(ctx, "top", c.name, "user", "huser", "group", "hgroup")
	if err != nil {
		t.Errorf("podman top: %v\n%s", err, out)
	} else if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 ||
		strings.Join(strings.Fields(lines[1]), " ") != strings.Repeat(containerUID+" ", 3)+containerUID {
		t.Errorf("podman top user huser group hgroup: got\n%s\nwant one process with 65532 in every column", out)
	} else {
		t.Logf("podman top: %s", strings.Join(strings.Fields(lines[1]), " "))
	}

	// Each vendor's documented example request.
	t.Run("isolar", func(t *testing.T) {
		status, body := containerPost(t, base+"/openapi/apiManage/token", containerIsolarHeaders(), containerIsolarBody)
		var got struct {
			ResultCode string `json:"result_code"`
			ResultData struct {
				AccessToken string `json:"access_token"`
				ExpiresIn   int    `json:"expires_in"`
			} `json:"result_data"`
		}
		containerDecode(t, body, &got)
		if status != 200 || got.ResultCode != "1" || got.ResultData.AccessToken == "" || got.ResultData.ExpiresIn != 172799 {
			t.Errorf("token exchange with rFrnww: got %d %s; want 200, result_code 1, a token living 172799 s", status, body)
		}
	})
	t.Run("solarman", func(t *testing.T) {
		status, body := containerPost(t, base+"/account/v1.0/token?appId=201911067232002&language=en",
			map[string]string{"Content-Type": "application/json"},
			`{"appSecret":"3a8791f012acc13226ca60e63ac6c1aff3","username":"cvwwb","orgId":860,"password":"472bbe83616e93d3c09a79103ae47d8f71e3d35a966d6e8b22f743218d04171d"}`)
		var got struct {
			Success     bool   `json:"success"`
			UID         int    `json:"uid"`
			AccessToken string `json:"access_token"`
		}
		containerDecode(t, body, &got)
		if status != 200 || !got.Success || got.UID != 6681 || got.AccessToken == "" {
			t.Errorf("business token: got %d %s; want 200, success true, uid 6681, a token", status, body)
		}
	})
	t.Run("oauth", func(t *testing.T) {
		const client, secret, redirect = "2aeb5a5eac1100043817950ada19e0f5", "ew3c6b0eac111239342wecf26736439", "http://localhost:8080"
		status, body := containerPost(t, base+"/_mock/codes", nil,
			`{"vendor":"oauth","client_id":"`+client+`","user":"demo","redirect_uri":"`+redirect+`"}`)
		var minted struct {
			Code string `json:"code"`
		}
		containerDecode(t, body, &minted)
		if status != 201 || minted.Code == "" {
			t.Fatalf("minting a code: got %d %s; want 201 with a code", status, body)
		}
		q := url.Values{"client_id": {client}, "code": {minted.Code}, "client_secret": {secret},
			"grant_type": {"authorization_code"}, "redirect_uri": {redirect}}
		status, body = containerPost(t, base+"/oauth/token?"+q.Encode(), nil, "")
		var got struct {
			AccessToken string `json:"access_token"`
			ExpiresIn   int    `json:"expires_in"`
		}
		containerDecode(t, body, &got)
		if status != 200 || got.AccessToken == "" || got.ExpiresIn != 604799 {
			t.Errorf("code exchange: got %d %s; want 200, a token, expires_in 604799", status, body)
		}
	})

	// The mounted scenario: listed with its file, active in the session,
	// and acting (its rule wants the X-Test header; the example above,
	// without it, got the real answer).
	t.Run("mounted scenario", func(t *testing.T) {
		status, body := containerGet(t, base+"/_mock/scenarios")
		var list struct {
			Scenarios []struct{ Name, Source string }
			Active    map[string]string
		}
		containerDecode(t, body, &list)
		source := ""
		for _, s := range list.Scenarios {
			if s.Name == containerScenario {
				source = s.Source
			}
		}
		if status != 200 || source != "/etc/tokenmock/scenarios/container.yaml" {
			t.Errorf("GET /_mock/scenarios: got %d, %s from %q; want it loaded from /etc/tokenmock/scenarios/container.yaml", status, containerScenario, source)
		}
		if len(list.Scenarios) < 2 {
			t.Errorf("GET /_mock/scenarios lists %d scenarios; want the built-in library too", len(list.Scenarios))
		}
		if list.Active["default"] != containerScenario {
			t.Errorf("active scenarios %v; want %s in session default (MOCKSERVER_SCENARIO)", list.Active, containerScenario)
		}
		h := containerIsolarHeaders()
		h["X-Test"] = "1"
		status, body = containerPost(t, base+"/openapi/apiManage/token", h, containerIsolarBody)
		var got struct {
			ResultCode string `json:"result_code"`
			ResultMsg  string `json:"result_msg"`
		}
		containerDecode(t, body, &got)
		if status != 200 || got.ResultCode != "E999" || got.ResultMsg != "er_hour_call_api_times_upper_limit" {
			t.Errorf("token exchange with X-Test: got %d %s; want the hourly_limit failure (E999)", status, body)
		}
	})

	// SIGTERM: a graceful stop with exit code 0, well within podman's
	// default 10 s stop timeout.
	if _, err := podman(ctx, "kill", "--signal", "TERM", c.name); err != nil {
		t.Fatalf("podman kill --signal TERM: %v", err)
	}
	stopped := time.Now()
	waitCtx, cancelWait := context.WithTimeout(ctx, 15*time.Second)
	out, err = podman(waitCtx, "wait", c.name)
	cancelWait()
	took := time.Since(stopped)
	if err != nil {
		t.Errorf("podman wait after SIGTERM (%s): %v\n%s", took.Round(time.Millisecond), err, out)
	} else if code := strings.TrimSpace(out); code != "0" || took > 10*time.Second {
		t.Errorf("after SIGTERM: exit code %s after %s; want 0 within 10 s", code, took.Round(time.Millisecond))
	} else {
		t.Logf("SIGTERM: exit code 0 after %s", took.Round(time.Millisecond))
	}

	// The log: JSON lines, from start to the graceful stop.
	logs, err := podman(ctx, "logs", c.name)
	if err != nil {
		t.Fatalf("podman logs: %v\n%s", err, logs)
	}
	checkContainerLog(t, logs)
}

// statBuildContext stats every file under root (.git and node_modules
// aside). go test
// caches a passing result until the files the test itself opened or
// stat'ed change; buildah reads the build context in another process, so
// without this a change to the Dockerfile or to cmd/mockserver (which this
// package does not import) would not run the test again.
func statBuildContext(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir // not in the build context (.dockerignore)
		}
		_, err = os.Stat(path)
		return err
	})
	if err != nil {
		t.Fatalf("walking the build context: %v", err)
	}
}

// buildContainerImage makes the image from the Dockerfile in root, tags it
// containerImageTag, checks and prints its size, and returns its id. The
// image that had the tag before is removed (when no container uses it),
// so that repeated runs do not pile up images.
func buildContainerImage(t *testing.T, ctx context.Context, root string) string {
	t.Helper()
	previous, err := podman(ctx, "image", "inspect", "--format", "{{.Id}}", containerImageTag)
	if previous = strings.TrimSpace(previous); err != nil {
		previous = "" // no image has the tag yet
	}

	goEnv, err := containerCommand(ctx, "go", "env", "GOPROXY", "GOSUMDB")
	if err != nil {
		t.Fatalf("go env: %v\n%s", err, goEnv)
	}
	proxy, sumdb, _ := strings.Cut(strings.TrimSpace(goEnv), "\n")
	iidFile := filepath.Join(t.TempDir(), "iid")
	args := append(append([]string{}, buildahFlags...), "bud",
		"--format", "docker", // keeps HEALTHCHECK
		"--network", "host", // module downloads
		"--pull=never",
		"--iidfile", iidFile,
		"--build-arg", "VERSION="+containerVersion,
		"--build-arg", "GOPROXY="+proxy,
		"--build-arg", "GOSUMDB="+sumdb,
		"--tag", containerImageTag,
		"--file", filepath.Join(root, "Dockerfile"),
		root)
	start := time.Now()
	out, err := containerCommand(ctx, "buildah", args...)
	took := time.Since(start).Round(100 * time.Millisecond)
	if err != nil {
		t.Fatalf("buildah bud (after %s): %v\n%s", took, err, containerTail(out, 16<<10))
	}
	id, err := os.ReadFile(iidFile)
	if err != nil {
		t.Fatal(err)
	}
	image := strings.TrimPrefix(strings.TrimSpace(string(id)), "sha256:")
	t.Logf("built %s (%s) from the Dockerfile in %s", containerImageTag, image[:12], took)
	if previous != "" && previous != image {
		if out, err := podman(ctx, "rmi", previous); err != nil {
			t.Logf("keeping the previous image %.12s: %s", previous, strings.TrimSpace(out))
		}
	}

	out, err = podman(ctx, "image", "inspect", "--format", "{{.Size}}", image)
	if err != nil {
		t.Fatalf("podman image inspect: %v\n%s", err, out)
	}
	size, err := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
	if err != nil {
		t.Fatalf("image size %q: %v", out, err)
	}
	msg := fmt.Sprintf("container image %s: %.1f MB (%d bytes; the limit is 20 MB = %d bytes)",
		containerImageTag, float64(size)/1e6, size, containerMaxImageBytes)
	t.Log(msg)
	fmt.Println(msg) // for CI logs; go test shows it with -v or on failure
	if size > containerMaxImageBytes {
		t.Errorf("the image is %d bytes, over the %d allowed", size, containerMaxImageBytes)
	}
	return image
}

// checkImageConfig checks what the Dockerfile promises: non-root user,
// port, JSON logs, the scenario folder, the healthcheck, the entrypoint.
func checkImageConfig(t *testing.T, ctx context.Context, image string) {
	t.Helper()
	out, err := podman(ctx, "image", "inspect", image)
	if err != nil {
		t.Fatalf("podman image inspect: %v\n%s", err, out)
	}
	var inspected []struct {
		Config struct {
			User         string
			ExposedPorts map[string]any
			Env          []string
			Entrypoint   []string
		}
		Healthcheck *struct {
			Test     []string
			Interval time.Duration
			Timeout  time.Duration
			Retries  int
		}
	}
	if err := json.Unmarshal([]byte(out), &inspected); err != nil || len(inspected) != 1 {
		t.Fatalf("podman image inspect: %v\n%s", err, containerTail(out, 4<<10))
	}
	cfg, hc := inspected[0].Config, inspected[0].Healthcheck
	if cfg.User != containerUID+":"+containerUID {
		t.Errorf("image user %q; want 65532:65532", cfg.User)
	}
	if _, ok := cfg.ExposedPorts["8080/tcp"]; !ok || len(cfg.ExposedPorts) != 1 {
		t.Errorf("exposed ports %v; want 8080/tcp", cfg.ExposedPorts)
	}
	for _, want := range []string{"MOCKSERVER_ADDR=:8080", "MOCKSERVER_LOG_FORMAT=json", "MOCKSERVER_SCENARIOS=/etc/tokenmock/scenarios"} {
		found := false
		for _, e := range cfg.Env {
			found = found || e == want
		}
		if !found {
			t.Errorf("image environment %v lacks %s", cfg.Env, want)
		}
	}
	if strings.Join(cfg.Entrypoint, " ") != "/mockserver" {
		t.Errorf("entrypoint %q; want [/mockserver]", cfg.Entrypoint)
	}
	if hc == nil || strings.Join(hc.Test, " ") != "CMD /mockserver healthcheck" || hc.Interval != 10*time.Second || hc.Timeout != 3*time.Second || hc.Retries != 3 {
		t.Errorf("healthcheck %+v; want CMD /mockserver healthcheck every 10s, timeout 3s, 3 retries (built with --format docker?)", hc)
	}
}

type runningContainer struct {
	name string
	base string // http://127.0.0.1:port
}

// startContainer runs image with scenarios mounted at
// /etc/tokenmock/scenarios, on a free loopback port of the host's network,
// and waits until /_mock/health answers with the build's version. The
// container is removed when t ends (its log is logged when t failed).
func startContainer(t *testing.T, ctx context.Context, image, scenarios string) runningContainer {
	t.Helper()
	for attempt := 1; ; attempt++ {
		port := containerFreePort(t)
		c := runningContainer{
			name: fmt.Sprintf("tokenmock-e2e-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6),
			base: "http://127.0.0.1:" + strconv.Itoa(port),
		}
		out, err := podman(ctx, "run", "--detach", "--name", c.name,
			"--network", "host",
			"--ulimit", "nofile=10000:10000", "--ulimit", "nproc=5000:5000",
			"--log-driver", "k8s-file",
			"--env", "MOCKSERVER_ADDR=127.0.0.1:"+strconv.Itoa(port),
			"--env", "MOCKSERVER_SCENARIO="+containerScenario,
			"--volume", scenarios+":/etc/tokenmock/scenarios:ro",
			image)
		t.Cleanup(func() { removeContainer(t, c.name) })
		if err != nil {
			t.Fatalf("podman run: %v\n%s", err, out)
		}
		start := time.Now()
		err = awaitContainerHealth(ctx, c)
		if err == nil {
			t.Logf("container %s healthy on %s after %s", c.name, c.base, time.Since(start).Round(10*time.Millisecond))
			return c
		}
		logs, _ := podman(context.Background(), "logs", c.name)
		// Another process may have taken the port between freePort and
		// the container's listen: try another one.
		if attempt < 3 && strings.Contains(logs, "address already in use") {
			t.Logf("port %d was taken; trying another", port)
			continue
		}
		t.Fatalf("container %s: %v\nits log:\n%s", c.name, err, containerTail(logs, 8<<10))
	}
}

// awaitContainerHealth polls /_mock/health until it answers 200 with
// containerVersion, the container stops, or 30 s pass.
func awaitContainerHealth(ctx context.Context, c runningContainer) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	var last string
	for {
		resp, err := client.Get(c.base + "/_mock/health")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var health struct{ Status, Version string }
			if resp.StatusCode == 200 && json.Unmarshal(body, &health) == nil {
				if health.Status == "ok" && health.Version == containerVersion {
					return nil
				}
				return fmt.Errorf("/_mock/health answered %s; want status ok, version %s (the VERSION build argument)", body, containerVersion)
			}
			last = fmt.Sprintf("%s %s", resp.Status, body)
		} else {
			last = err.Error()
		}
		state, err := podman(ctx, "inspect", "--format", "{{.State.Status}}", c.name)
		if state = strings.TrimSpace(state); err == nil && state != "running" && state != "created" && state != "initialized" {
			return fmt.Errorf("the container is %s before /_mock/health answered", state)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("/_mock/health did not answer 200 within 30 s; last: %s", last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// removeContainer removes the container, running or not; a failed test
// gets the container's log first.
func removeContainer(t *testing.T, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if t.Failed() {
		if logs, err := podman(ctx, "logs", name); err == nil {
			t.Logf("log of container %s:\n%s", name, containerTail(logs, 8<<10))
		}
	}
	if out, err := podman(ctx, "rm", "--force", "--time", "0", name); err != nil {
		t.Logf("podman rm %s: %v\n%s", name, err, out)
	}
}

// checkContainerLog checks that every line of the container's log is a JSON
// object with time, level and msg, and that the log tells the start, the
// requests (with the mounted scenario's rule) and the graceful stop.
func checkContainerLog(t *testing.T, logs string) {
	t.Helper()
	var msgs []string
	ruleSeen := false
	for i, line := range strings.Split(strings.TrimRight(logs, "\n"), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Errorf("log line %d is not JSON: %v\n%s", i+1, err, line)
			continue
		}
		for _, key := range []string{"time", "level", "msg"} {
			if _, ok := entry[key]; !ok {
				t.Errorf("log line %d has no %q: %s", i+1, key, line)
			}
		}
		msg, _ := entry["msg"].(string)
		msgs = append(msgs, msg)
		if rule, _ := entry["rule"].(string); strings.HasPrefix(rule, containerScenario+"/") {
			ruleSeen = true
		}
	}
	joined := " " + strings.Join(msgs, " | ") + " "
	for _, want := range []string{"listening", "request", "shutting down"} {
		if !strings.Contains(joined, " "+want+" ") {
			t.Errorf("no %q line in the log; messages: %s", want, joined)
		}
	}
	if !ruleSeen {
		t.Errorf("no log line names a rule of %s", containerScenario)
	}
	if !t.Failed() {
		t.Logf("log: %d JSON lines: %s", len(msgs), strings.TrimSpace(joined))
	}
}

const containerIsolarBody = `{"appkey":"B968E49385CBD8C74587A374E7B1D21A","grant_type":"authorization_code","code":"rFrnww","redirect_uri":"https://web3.isolarcloud.com.cn"}`

func containerIsolarHeaders() map[string]string {
	return map[string]string{"Content-Type": "application/json", "x-access-key": "MOCKSECRETKEY0123456789ABCDEFGHI"}
}

var containerClient = &http.Client{Timeout: 10 * time.Second}

func containerPost(t *testing.T, u string, headers map[string]string, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return containerDo(t, req)
}

func containerGet(t *testing.T, u string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return containerDo(t, req)
}

func containerDo(t *testing.T, req *http.Request) (int, []byte) {
	t.Helper()
	resp, err := containerClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	apicheck.CheckResponse(t, req, nil, resp, body)
	return resp.StatusCode, body
}

func containerDecode(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Errorf("not the JSON expected: %v\n%s", err, body)
	}
}

// podman runs podman with podmanFlags and returns its combined output.
func podman(ctx context.Context, args ...string) (string, error) {
	return containerCommand(ctx, "podman", append(append([]string{}, podmanFlags...), args...)...)
}

// containerCommand runs name with args and returns its combined output;
// ctx's end kills it.
func containerCommand(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", err, context.Cause(ctx))
	}
	return out.String(), err
}

// containerFreePort returns a loopback TCP port that was free a moment ago.
func containerFreePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// containerMargin shortens d so that it ends a minute before the test binary's
// -timeout, if that comes first: the test then fails with its own message
// (and cleans up) instead of the binary panicking.
func containerMargin(t *testing.T, d time.Duration) time.Duration {
	if deadline, ok := t.Deadline(); ok {
		if left := time.Until(deadline) - time.Minute; left < d {
			return max(left, 10*time.Second)
		}
	}
	return d
}

// containerTail returns the last n bytes of s.
func containerTail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
