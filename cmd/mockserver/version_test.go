package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
)

func TestBuildVersionWins(t *testing.T) {
	old := buildVersion
	t.Cleanup(func() { buildVersion = old })
	buildVersion = "v9.8.7-rc.1"
	if got := version(); got != "v9.8.7-rc.1" {
		t.Errorf("version() with buildVersion set: got %q", got)
	}
}

// TestVersionIsStamped builds mockserver the way scripts/dist.sh and the
// Dockerfile do (-ldflags -X main.buildVersion=…) and checks that both
// `mockserver version` and GET /_mock/health report the stamped version:
// it fails when stamping breaks (a renamed variable makes -X a silent
// no-op).
func TestVersionIsStamped(t *testing.T) {
	const stamped = "v1.2.3"
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "mockserver")

	// scripts/dist.sh's flags for this platform, so that the build shares
	// the compiled packages of the dist run in .ci/run.
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-tags", "nomsgpack",
		"-ldflags", "-s -w -X main.buildVersion="+stamped, "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.WaitDelay = 5 * time.Second
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	cmd := exec.CommandContext(ctx, bin, "version")
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.Output()
	if err != nil || string(out) != "mockserver "+stamped+"\n" {
		t.Errorf("mockserver version: got %q, %v; want %q", out, err, "mockserver "+stamped+"\n")
	}

	addrFile := filepath.Join(dir, "addr")
	srv := exec.CommandContext(ctx, bin, "--addr", "127.0.0.1:0", "--addr-file", addrFile)
	srv.Stdout, srv.Stderr = io.Discard, io.Discard
	srv.WaitDelay = 5 * time.Second
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		srv.Process.Kill()
		srv.Wait()
	}()
	var addr string
	for deadline := time.Now().Add(30 * time.Second); ; {
		// The file is complete once its line ends.
		if b, _ := os.ReadFile(addrFile); strings.HasSuffix(string(b), "\n") {
			addr = strings.TrimSpace(string(b))
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server wrote no address within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/_mock/health", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second, Transport: apicheck.Transport(t, nil)}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var health struct{ Status, Version string }
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, &health); err != nil || resp.StatusCode != 200 || health.Version != stamped {
		t.Errorf("GET /_mock/health: got %d %s; want 200 with version %s", resp.StatusCode, body, stamped)
	}
}
