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
		if ee.msg != "" && !ee.logged {
			fmt.Fprintln(os.Stderr, "mockserver: "+ee.msg)
		}
		os.Exit(ee.code)
	}
	fmt.Fprintln(os.Stderr, "mockserver: "+err.Error())
	os.Exit(1)
}

// exitError ends the process with code; msg, when set, is its one line
// (or its lines, for a file's problems), which main prints unless it is
// logged already.
type exitError struct {
	code   int
	msg    string
	logged bool
}

func (e *exitError) Error() string { return e.msg }

func usageErr(format string, a ...any) error {
	return &exitError{code: 2, msg: fmt.Sprintf(format, a...)}
}

// run is the whole program; tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	name := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	cmd, ok := commandNamed(name)
	if !ok {
		return usageErr("unknown command %q (want serve, validate, healthcheck, version or help)", name)
	}
	return cmd.run(ctx, args, getenv, stdout, stderr)
}

// command is a subcommand: its --help text and what it does.
type command struct {
	name, usage string
	run         func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", serveUsage, serve},
		{"validate", validateUsage, func(_ context.Context, args []string, _ func(string) string, stdout, _ io.Writer) error {
			return validate(args, stdout)
		}},
		{"healthcheck", healthcheckUsage, func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
			return healthcheck(ctx, args, getenv, stdout, stderr)
		}},
		{"version", versionUsage, func(_ context.Context, args []string, _ func(string) string, stdout, _ io.Writer) error {
			if _, _, err := parseFlags("version", versionUsage, nil, args, nil, stdout); err != nil {
				return err
			}
			if len(args) > 0 {
				return usageErr("version takes no arguments, got %q", args[0])
			}
			fmt.Fprintln(stdout, "mockserver "+version())
			return nil
		}},
		{"help", helpUsage, help},
	}
}

func commandNamed(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// help prints the overview, or with a command's name that command's help.
func help(_ context.Context, args []string, _ func(string) string, stdout, _ io.Writer) error {
	if _, _, err := parseFlags("help", helpUsage, nil, args, nil, stdout); err != nil {
		return err
	}
	switch {
	case len(args) == 0:
		fmt.Fprint(stdout, overview+"\nThe flags of serve: mockserver help serve (or mockserver --help).\n")
		return nil
	case len(args) > 1:
		return usageErr("help takes one command, got %q", args)
	}
	cmd, ok := commandNamed(args[0])
	if !ok {
		return usageErr("help: unknown command %q (want serve, validate, healthcheck, version or help)", args[0])
	}
	return cmd.run(context.Background(), []string{"--help"}, func(string) string { return "" }, stdout, io.Discard)
}

const overview = `mockserver: a mock of the token endpoints of iSolarCloud, SOLARMAN and the DI open platform

Usage:
  mockserver [serve] [flags]        serve (the default command)
  mockserver validate FILE|DIR...   check fixture or scenario files; exit 1 with file:line: path: message lines
  mockserver healthcheck [flags]    exit 0 when /_mock/health answers 200
  mockserver version                print the version
  mockserver help [COMMAND]         this overview, or a command's help (as COMMAND --help)
`

const serveUsage = overview + `
Flags of serve (each also read from the environment variable shown; flags win):
`

const validateUsage = `Usage: mockserver validate FILE|DIR...

Checks fixture and scenario files as serve would load them. Each file
is classified on its own: one with a top-level rules, name or
description is a scenario (as --scenarios loads it); the other files of
a FILE or DIR are one fixture set (as --fixtures loads it). Prints a
file:line: path: message line for each problem, then for each file
"FILE: ok (scenario)", "FILE: ok (fixtures)" or its count of problems;
exits 1 when any has problems.
`

const healthcheckUsage = `Usage: mockserver healthcheck [flags]

Exits 0 when the server's /_mock/health answers 200 within 3 s: the
HEALTHCHECK of an image without a shell.

Flags (each also read from the environment variable shown; flags win):
`

const versionUsage = `Usage: mockserver version

Prints the version.
`

const helpUsage = `Usage: mockserver help [COMMAND]

Prints the overview of the commands, or COMMAND's help.
`
