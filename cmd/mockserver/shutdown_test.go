package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/testkit"
)

// Shutdown ends a scenario's hang or delay at once rather than wait it
// out: the server stops well within a container's stop timeout, with
// nothing cut off, and the waiting client sees its connection close (not
// an answer, such as the 499 the journal gives a client that left). The
// shutdown timeout is made far longer than the test's guard, so that only
// ending the wait lets serve return in time.
func TestShutdownEndsAHangAtOnce(t *testing.T) {
	for _, action := range []string{"fault: hang", "delay: 10m"} {
		t.Run(action, func(t *testing.T) { shutdownUnder(t, action) })
	}
}

func shutdownUnder(t *testing.T, action string) {
	dir := t.TempDir()
	hang := filepath.Join(dir, "test-hang-at-shutdown.yaml")
	if err := os.WriteFile(hang, []byte("rules:\n  - when: {endpoint: isolar.token}\n    do: {"+action+"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	addrFile := filepath.Join(dir, "addr")
	arrived := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &testkit.Buffer{}
	done := make(chan error, 1)
	go func() {
		c, err := parseServe([]string{"--addr", "127.0.0.1:0", "--addr-file", addrFile,
			"--scenarios", hang, "--scenario", "test-hang-at-shutdown"}, env(nil), logs)
		if err != nil {
			done <- err
			return
		}
		c.timeouts.shutdown = time.Minute
		c.wrap = func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case arrived <- struct{}{}:
				default:
				}
				h.ServeHTTP(w, r)
			})
		}
		done <- c.serve(ctx, logs)
	}()
	var url string
	for deadline := time.Now().Add(10 * time.Second); url == ""; {
		select {
		case err := <-done:
			t.Fatalf("server stopped: %v\n%s", err, logs)
		default:
		}
		if b, _ := os.ReadFile(addrFile); len(b) > 0 {
			url = "http://" + strings.TrimSpace(string(b))
		} else if time.Now().After(deadline) {
			t.Fatalf("no address written\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}

	answered := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("POST", url+"/openapi/apiManage/token", strings.NewReader(isolarTokenBody))
		req.Header.Set("x-access-key", "MOCKSECRETKEY0123456789ABCDEFGHI")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		answered <- err
	}()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the request did not arrive")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after shutdown: got %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("still serving 5 s after shutdown began: the hang held it\n%s", logs)
	}
	if err := <-answered; err == nil {
		t.Error("the waiting request got an answer, want its connection cut")
	}
	if strings.Contains(logs.String(), "cut off") {
		t.Errorf("got logs\n%s\nwant no request cut off at shutdown", logs)
	}
}
