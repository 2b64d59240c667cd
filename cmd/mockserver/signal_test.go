package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test start this binary as the real mockserver.
func TestMain(m *testing.M) {
	if os.Getenv("MOCKSERVER_TEST_MAIN") == "1" {
		os.Args = append([]string{"mockserver"}, strings.Fields(os.Getenv("MOCKSERVER_TEST_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestSIGTERMStopsGracefully(t *testing.T) {
	addrFile := filepath.Join(t.TempDir(), "addr")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MOCKSERVER_TEST_MAIN=1",
		"MOCKSERVER_TEST_ARGS=--addr 127.0.0.1:0 --addr-file "+addrFile)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, _ := os.ReadFile(addrFile); len(b) > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the server wrote no address")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after SIGTERM: got %v, want exit 0", err)
		}
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Error("still running 15 s after SIGTERM")
	}
}
