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

func TestComposeFile(t *testing.T) {
	var c struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Build       string            `yaml:"build"`
			Ports       []string          `yaml:"ports"`
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
			Healthcheck struct {
				Test     []string `yaml:"test"`
				Interval string   `yaml:"interval"`
				Timeout  string   `yaml:"timeout"`
				Retries  int      `yaml:"retries"`
			} `yaml:"healthcheck"`
		} `yaml:"services"`
	}
	load(t, "docker-compose.yml", &c)
	s, ok := c.Services["tokenmock"]
	if !ok {
		t.Fatal("no tokenmock service")
	}
	if s.Build != ".." || !slices.Contains(s.Ports, "8080:8080") {
		t.Errorf("got build %q ports %v", s.Build, s.Ports)
	}
	if strings.Join(s.Healthcheck.Test, " ") != "CMD /mockserver healthcheck" || s.Healthcheck.Retries < 1 {
		t.Errorf("got healthcheck %+v", s.Healthcheck)
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
	svc := job.Services["tokenmock"]
	if svc.Image == "" || !slices.Contains(svc.Ports, "8080:8080") || !strings.Contains(svc.Options, `--health-cmd "/mockserver healthcheck"`) {
		t.Errorf("got service %+v", svc)
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
}
