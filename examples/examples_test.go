// Package examples checks the CI examples statically: neither Docker
// Compose nor GitHub Actions can run here.
package examples

import (
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// image is the name the release workflow (.github/workflows/release.yml)
// pushes; the examples pull it.
const image = "ghcr.io/tokenmock/tokenmock"

func load(t *testing.T, file string, v any) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// checkImage checks that ref names the released image with a tag.
func checkImage(t *testing.T, file, ref string) {
	t.Helper()
	name, tag, _ := strings.Cut(ref, ":")
	if name != image || tag == "" {
		t.Errorf("%s: image %q; want %s:<tag> (what the release workflow pushes)", file, ref, image)
	}
}

func TestComposeFile(t *testing.T) {
	var c struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Build       string            `yaml:"build"`
			Ports       []string          `yaml:"ports"`
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
			Healthcheck *struct {
				// Any form (list or string), so that the check below can
				// say why it must go.
				Test        yaml.Node `yaml:"test"`
				Disable     bool      `yaml:"disable"`
				Interval    string    `yaml:"interval"`
				Timeout     string    `yaml:"timeout"`
				Retries     int       `yaml:"retries"`
				StartPeriod string    `yaml:"start_period"`
			} `yaml:"healthcheck"`
		} `yaml:"services"`
	}
	load(t, "docker-compose.yml", &c)
	s, ok := c.Services["tokenmock"]
	if !ok {
		t.Fatal("no tokenmock service")
	}
	checkImage(t, "docker-compose.yml", s.Image)
	if s.Build != ".." || !slices.Contains(s.Ports, "8080:8080") {
		t.Errorf("got build %q ports %v", s.Build, s.Ports)
	}
	// `docker compose up --wait` waits for the image's exec-form
	// HEALTHCHECK. A test of compose's own (the equivalent of
	// --health-cmd) replaces it, and a string or CMD-SHELL one needs
	// /bin/sh, which scratch lacks.
	switch hc := s.Healthcheck; {
	case hc == nil:
		t.Error("no healthcheck: want one that tunes the image's (interval, retries)")
	case hc.Test.Kind != 0:
		t.Errorf("healthcheck.test at line %d overrides the image's exec-form HEALTHCHECK; leave it out", hc.Test.Line)
	case hc.Disable || hc.Retries < 1 || hc.Interval == "":
		t.Errorf("got healthcheck %+v; want it enabled, with an interval and retries", *hc)
	}
	for _, v := range s.Volumes {
		host, ctr, _ := strings.Cut(v, ":")
		if _, err := os.Stat(host); err != nil || !strings.HasPrefix(ctr, "/etc/tokenmock/") {
			t.Errorf("volume %q: want an existing host path mounted under /etc/tokenmock/", v)
		}
	}
	if _, err := os.Stat("../Dockerfile"); err != nil {
		t.Errorf("build context has no Dockerfile: %v", err)
	}
}

func TestGitHubWorkflow(t *testing.T) {
	var w struct {
		Name string   `yaml:"name"`
		On   []string `yaml:"on"`
		Jobs map[string]struct {
			RunsOn   string `yaml:"runs-on"`
			Services map[string]struct {
				Image   string            `yaml:"image"`
				Ports   []string          `yaml:"ports"`
				Env     map[string]string `yaml:"env"`
				Options string            `yaml:"options"`
			} `yaml:"services"`
			Steps []struct {
				Uses string            `yaml:"uses"`
				Name string            `yaml:"name"`
				With map[string]string `yaml:"with"`
				Env  map[string]string `yaml:"env"`
				Run  string            `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	load(t, "github-actions.yml", &w)
	job, ok := w.Jobs["test"]
	if !ok || job.RunsOn == "" || len(w.On) == 0 {
		t.Fatalf("got %+v, want a test job with triggers", w)
	}
	svc, ok := job.Services["tokenmock"]
	if !ok {
		t.Fatal("no tokenmock service")
	}
	checkImage(t, "github-actions.yml", svc.Image)
	if !slices.Contains(svc.Ports, "8080:8080") {
		t.Errorf("got ports %v; want 8080:8080", svc.Ports)
	}
	// The runner waits for the container to be healthy. --health-cmd
	// replaces the image's exec-form HEALTHCHECK with a CMD-SHELL one,
	// which cannot run on scratch (no /bin/sh): the job would never start.
	// --no-healthcheck would leave the runner nothing to wait for.
	opts := strings.Fields(svc.Options)
	for _, o := range opts {
		name, _, _ := strings.Cut(o, "=")
		if name == "--health-cmd" || name == "--no-healthcheck" {
			t.Errorf("service options %q set %s; the image's own HEALTHCHECK must apply", svc.Options, name)
		}
	}
	if !slices.Contains(opts, "--health-interval") || !slices.Contains(opts, "--health-retries") {
		t.Errorf("service options %q; want --health-interval and --health-retries to tune the image's HEALTHCHECK", svc.Options)
	}
	var runs bool
	for _, s := range job.Steps {
		if s.Run == "go test ./..." && s.Env["TOKENMOCK_URL"] == "http://localhost:8080" {
			runs = true
		}
	}
	if !runs {
		t.Error("no step runs the tests against the service")
	}

	// Service containers start before actions/checkout: the example must
	// say how scenarios get in without a mount.
	b, err := os.ReadFile("github-actions.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"before actions/checkout", "PUT /_mock/scenario", "application/yaml"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("github-actions.yml does not say %q: the reader must learn that scenarios are sent, not mounted", want)
		}
	}
}
