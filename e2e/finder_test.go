package e2e

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
)

// These tests need no browser: they check how one is found, and that a
// missing one skips the test, or fails it when CI=true.

func TestFindBrowser(t *testing.T) {
	notFound := errors.New("executable file not found")
	for _, tc := range []struct {
		name       string
		env        map[string]string
		onPath     []string
		want       string
		wantErrHas string
	}{
		{name: "chromium first", onPath: []string{"google-chrome", "chromium-browser", "chromium"}, want: "/bin/chromium"},
		{name: "chromium-browser", onPath: []string{"chromium-browser", "google-chrome"}, want: "/bin/chromium-browser"},
		{name: "google-chrome", onPath: []string{"google-chrome"}, want: "/bin/google-chrome"},
		{name: "CHROME_PATH wins", env: map[string]string{"CHROME_PATH": "/opt/chrome/chrome"}, onPath: []string{"chromium", "/opt/chrome/chrome"}, want: "/opt/chrome/chrome"},
		{name: "bad CHROME_PATH does not fall back", env: map[string]string{"CHROME_PATH": "/nonexistent"}, onPath: []string{"chromium"}, wantErrHas: "CHROME_PATH=/nonexistent"},
		{name: "none", wantErrHas: "none of chromium, chromium-browser, google-chrome is on PATH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string { return tc.env[k] }
			lookPath := func(name string) (string, error) {
				for _, p := range tc.onPath {
					if p == name && strings.Contains(name, "/") {
						return name, nil
					}
					if p == name {
						return "/bin/" + name, nil
					}
				}
				return "", &fs.PathError{Op: "lookpath", Path: name, Err: notFound}
			}
			got, err := findBrowser(getenv, lookPath)
			if tc.wantErrHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErrHas) {
					t.Fatalf("got %q, %v; want an error with %q", got, err, tc.wantErrHas)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// fakeT records Skip and Fatal instead of ending the test.
type fakeT struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (f *fakeT) Helper()           {}
func (f *fakeT) Skip(args ...any)  { f.skipped, f.msg = true, args[0].(string) }
func (f *fakeT) Fatal(args ...any) { f.failed, f.msg = true, args[0].(string) }
func (f *fakeT) Skipf(format string, args ...any) {
	f.skipped, f.msg = true, fmt.Sprintf(format, args...)
}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
}

func TestRequireBrowser(t *testing.T) {
	missing := func() (string, error) { return "", errors.New("none of chromium is on PATH") }
	found := func() (string, error) { return "/usr/bin/chromium", nil }

	f := &fakeT{}
	if got := requireBrowser(f, false, missing); got != "" || !f.skipped || f.failed {
		t.Errorf("missing browser without CI: got %q, skipped %v, failed %v; want a skip", got, f.skipped, f.failed)
	}
	if !strings.Contains(f.msg, "no browser") || !strings.Contains(f.msg, "apt-get install chromium") {
		t.Errorf("skip message %q does not say what is missing and how to get it", f.msg)
	}

	f = &fakeT{}
	if got := requireBrowser(f, true, missing); got != "" || f.skipped || !f.failed {
		t.Errorf("missing browser with CI: got %q, skipped %v, failed %v; want a failure", got, f.skipped, f.failed)
	}
	if !strings.Contains(f.msg, "CI=true") {
		t.Errorf("failure message %q does not say why it fails", f.msg)
	}

	for _, ci := range []bool{false, true} {
		f = &fakeT{}
		if got := requireBrowser(f, ci, found); got != "/usr/bin/chromium" || f.skipped || f.failed {
			t.Errorf("browser found, CI %v: got %q, skipped %v, failed %v", ci, got, f.skipped, f.failed)
		}
	}
}

func TestInCI(t *testing.T) {
	for v, want := range map[string]bool{"": false, "true": true, "1": true, "false": false, "yes": false} {
		t.Setenv("CI", v)
		if got := inCI(); got != want {
			t.Errorf("CI=%q: got %v, want %v", v, got, want)
		}
	}
}

func TestFetchPattern(t *testing.T) {
	if got, want := fetchPattern(`https://a.example/cb?x=*\`), `https://a.example/cb\?x=\*\\`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
