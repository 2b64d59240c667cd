package tokenmock

// Static checks of the release: .github/workflows/release.yml (GitHub
// Actions cannot run here), the Dockerfile's cross-build and the dist
// script it runs. .ci/run runs scripts/dist.sh itself and checks its sums.

import (
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

const releaseImage = "ghcr.io/tokenmock/tokenmock"

type releaseStep struct {
	ID   string            `yaml:"id"`
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

type releaseWorkflow struct {
	On struct {
		Push struct {
			Tags     []string `yaml:"tags"`
			Branches []string `yaml:"branches"`
		} `yaml:"push"`
	} `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		RunsOn string            `yaml:"runs-on"`
		Env    map[string]string `yaml:"env"`
		Steps  []releaseStep     `yaml:"steps"`
	} `yaml:"jobs"`
}

// uses matches a step that uses action (owner/name) at any version.
func uses(action string) func(releaseStep) bool {
	return func(s releaseStep) bool { return strings.HasPrefix(s.Uses, action+"@") }
}

// runs matches a step whose script contains text.
func runs(text string) func(releaseStep) bool {
	return func(s releaseStep) bool { return strings.Contains(s.Run, text) }
}

func TestReleaseWorkflow(t *testing.T) {
	b, err := os.ReadFile(".github/workflows/release.yml")
	if err != nil {
		t.Fatal(err)
	}
	var w releaseWorkflow
	if err := yaml.Unmarshal(b, &w); err != nil {
		t.Fatalf("release.yml: %v", err)
	}
	if !slices.Equal(w.On.Push.Tags, []string{"v*"}) || len(w.On.Push.Branches) != 0 {
		t.Errorf("on.push: tags %v branches %v; want the tags v* only", w.On.Push.Tags, w.On.Push.Branches)
	}
	if w.Permissions["contents"] != "write" || w.Permissions["packages"] != "write" {
		t.Errorf("permissions %v; want contents: write (the release) and packages: write (ghcr.io)", w.Permissions)
	}
	job, ok := w.Jobs["release"]
	if !ok || len(w.Jobs) != 1 {
		t.Fatalf("jobs %v; want one job, release", slices.Collect(maps.Keys(w.Jobs)))
	}
	if job.Env["VERSION"] != "${{ github.ref_name }}" {
		t.Errorf("job env VERSION %q; want the tag, ${{ github.ref_name }}", job.Env["VERSION"])
	}
	steps := job.Steps
	find := func(what string, match func(releaseStep) bool) (int, releaseStep) {
		t.Helper()
		i := slices.IndexFunc(steps, match)
		if i < 0 {
			t.Fatalf("no step %s", what)
		}
		return i, steps[i]
	}

	_, checkout := find("uses actions/checkout", uses("actions/checkout"))
	if checkout.With["fetch-depth"] != "0" {
		t.Errorf("checkout with %v; want fetch-depth 0 (tags and history)", checkout.With)
	}
	iVersion, versionStep := find("with id version", func(s releaseStep) bool { return s.ID == "version" })
	iGo, setupGo := find("uses actions/setup-go", uses("actions/setup-go"))
	if iGo < iVersion || setupGo.With["go-version"] != "${{ steps.version.outputs.go }}" || setupGo.With["check-latest"] != "true" {
		t.Errorf("setup-go (step %d) with %v; want go-version from the version step (%d), check-latest", iGo, setupGo.With, iVersion)
	}
	checkVersionStep(t, versionStep.Run)

	iDist, dist := find("that runs scripts/dist.sh", runs("scripts/dist.sh"))
	if iDist < iGo || !strings.Contains(dist.Run, "bash scripts/dist.sh dist") || !strings.Contains(dist.Run, "sha256sum -c SHA256SUMS") {
		t.Errorf("the dist step runs %q after step %d; want `bash scripts/dist.sh dist` and `sha256sum -c SHA256SUMS` after setup-go", dist.Run, iGo)
	}

	iQemu, _ := find("uses docker/setup-qemu-action", uses("docker/setup-qemu-action"))
	iBuildx, _ := find("uses docker/setup-buildx-action", uses("docker/setup-buildx-action"))
	iLogin, login := find("uses docker/login-action", uses("docker/login-action"))
	if login.With["registry"] != "ghcr.io" || login.With["password"] != "${{ secrets.GITHUB_TOKEN }}" {
		t.Errorf("login with %v; want ghcr.io with GITHUB_TOKEN", login.With)
	}
	iPush, push := find("uses docker/build-push-action", uses("docker/build-push-action"))
	if iPush < iQemu || iPush < iBuildx || iPush < iLogin {
		t.Error("build-push-action runs before qemu, buildx or the login")
	}
	with := push.With
	if with["context"] != "." || with["file"] != "Dockerfile" || with["push"] != "true" {
		t.Errorf("build-push-action with %v; want context ., file Dockerfile, push true", with)
	}
	platforms := strings.Split(with["platforms"], ",")
	if !slices.Contains(platforms, "linux/amd64") || !slices.Contains(platforms, "linux/arm64") {
		t.Errorf("platforms %q; want linux/amd64 and linux/arm64", with["platforms"])
	}
	if with["build-args"] != "VERSION=${{ env.VERSION }}" {
		t.Errorf("build-args %q; want VERSION=${{ env.VERSION }}", with["build-args"])
	}
	var versionTag, latestTag bool
	for _, line := range strings.Split(with["tags"], "\n") {
		line = strings.TrimSpace(line)
		versionTag = versionTag || line == releaseImage+":${{ env.VERSION }}"
		latestTag = latestTag || strings.Contains(line, "'"+releaseImage+":latest'")
	}
	if !versionTag || !latestTag {
		t.Errorf("tags %q; want %s:<version> and %s:latest", with["tags"], releaseImage, releaseImage)
	}

	iRelease, release := find("that runs gh release create", runs("gh release create"))
	if iRelease < iDist || iRelease < iPush {
		t.Error("the release is created before the binaries or the image are built")
	}
	if !strings.Contains(release.Run, "dist/mockserver_* dist/SHA256SUMS") || release.Env["GH_TOKEN"] == "" {
		t.Errorf("gh release create: %q env %v; want the binaries and SHA256SUMS attached, GH_TOKEN set", release.Run, release.Env)
	}

	if info, err := os.Stat("scripts/dist.sh"); err != nil || info.Mode()&0o111 == 0 {
		t.Errorf("scripts/dist.sh: %v; want an executable script", err)
	}
}

// checkVersionStep runs the version step's script with bash, as the runner
// would: a semantic version tag passes (a prerelease flagged), anything else
// fails, and the Go version is go.mod's release line.
func checkVersionStep(t *testing.T, script string) {
	t.Helper()
	goMod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(goMod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	wantGo := string(m[1]) + ".x"
	for _, tc := range []struct {
		tag, prerelease string // "" prerelease: the step must fail
	}{
		{"v1.2.3", "false"},
		{"v0.1.0", "false"},
		{"v1.2.3-rc.1", "true"},
		{"v1.2", ""},
		{"1.2.3", ""},
		{"v01.2.3", ""},
		{"v1.2.3 ", ""},
		{"vnext", ""},
	} {
		out := filepath.Join(t.TempDir(), "output")
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
		cmd.Env = append(os.Environ(), "VERSION="+tc.tag, "GITHUB_OUTPUT="+out)
		log, err := cmd.CombinedOutput()
		cancel()
		if tc.prerelease == "" {
			if err == nil {
				t.Errorf("tag %q: the version step passed; want a failure", tc.tag)
			}
			continue
		}
		if err != nil {
			t.Errorf("tag %q: the version step failed: %v\n%s", tc.tag, err, log)
			continue
		}
		got, _ := os.ReadFile(out)
		want := "prerelease=" + tc.prerelease + "\ngo=" + wantGo + "\n"
		if string(got) != want {
			t.Errorf("tag %q: outputs %q; want %q", tc.tag, got, want)
		}
	}
}

// TestDockerfileCrossBuilds checks that the build stage runs on the
// builder's platform and compiles for the target's (the release builds
// linux/amd64 and linux/arm64), stamping the VERSION build argument.
func TestDockerfileCrossBuilds(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string // instructions, continuation lines joined
	cur := ""
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		cur += strings.TrimSpace(strings.TrimSuffix(line, "\\")) + " "
		if !strings.HasSuffix(line, "\\") {
			if strings.TrimSpace(cur) != "" {
				lines = append(lines, strings.Join(strings.Fields(cur), " "))
			}
			cur = ""
		}
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`^FROM --platform=\$BUILDPLATFORM golang:\S+ AS build$`),
		regexp.MustCompile(`^ARG TARGETOS$`),
		regexp.MustCompile(`^ARG TARGETARCH$`),
		regexp.MustCompile(`^ARG VERSION=`),
		regexp.MustCompile(`^RUN .*CGO_ENABLED=0 GOOS=\$TARGETOS GOARCH=\$TARGETARCH go build .*-X main\.buildVersion=\$\{VERSION\}`),
		regexp.MustCompile(`^FROM scratch$`),
	} {
		if !slices.ContainsFunc(lines, want.MatchString) {
			t.Errorf("the Dockerfile has no instruction matching %s", want)
		}
	}
}
