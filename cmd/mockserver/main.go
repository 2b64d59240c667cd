// Command mockserver serves the token endpoints of iSolarCloud, SOLARMAN
// and the DI open platform for client tests. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if err == nil {
		return
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(os.Stderr, "mockserver: "+ee.msg)
		}
		os.Exit(ee.code)
	}
	fmt.Fprintln(os.Stderr, "mockserver: "+err.Error())
	os.Exit(1)
}

// exitError ends the process with code; msg, when set, is its one line.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErr(format string, a ...any) error {
	return &exitError{code: 2, msg: fmt.Sprintf(format, a...)}
}

// run is the whole program; tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "validate":
		return validate(args, stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, args, getenv, stderr)
	case "version":
		fmt.Fprintln(stdout, "mockserver "+version())
		return nil
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return usageErr("unknown command %q (want serve, validate, healthcheck or version)", cmd)
	}
}

const usage = `mockserver: a mock of the token endpoints of iSolarCloud, SOLARMAN and the DI open platform

Usage:
  mockserver [serve] [flags]        serve (the default command)
  mockserver validate FILE|DIR...   check fixture or scenario files; exit 1 with file:line: path: message lines
  mockserver healthcheck [--url U]  exit 0 when /_mock/health answers 200
  mockserver version                print the version

Flags of serve (each also read from the environment variable shown; flags win):
`
