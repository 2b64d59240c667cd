package app_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tokenmock/tokenmock/internal/app"
	"github.com/tokenmock/tokenmock/internal/scenario"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

const schemaFile = "../../schema/scenario.schema.json"

// yamlToJSON reads YAML as the JSON value an editor's schema check sees.
func yamlToJSON(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return testkit.SchemaInstance(t, v)
}

var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// Every example (the library, and the complete scenarios of
// docs/scenarios.md) passes both the JSON Schema and the loader.
func TestExamplesPassSchemaAndLoader(t *testing.T) {
	sch := testkit.CompileSchema(t, schemaFile)
	cat := app.Catalogue()
	files, _ := filepath.Glob("../../scenarios/*.yaml")
	if len(files) < 15 {
		t.Fatalf("got %d library files, want the library", len(files))
	}
	examples := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("# yaml-language-server: $schema=../schema/scenario.schema.json\n")) {
			t.Errorf("%s: got first line %q, want the schema reference", f, bytes.SplitN(b, []byte("\n"), 2)[0])
		}
		examples[f] = b
	}
	doc, err := os.ReadFile("../../docs/scenarios.md")
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range yamlBlock.FindAllSubmatch(doc, -1) {
		if scenario.IsScenario(m[1]) {
			examples[filepath.Join("docs/scenarios.md", "example", string(rune('a'+i)))] = m[1]
		}
	}
	if len(examples) == len(files) {
		t.Errorf("got no complete scenario among the examples of docs/scenarios.md, want some")
	}
	for name, b := range examples {
		if err := sch.Validate(yamlToJSON(t, b)); err != nil {
			t.Errorf("%s: schema: got %v, want nil", name, err)
		}
		if _, err := scenario.Parse(name, b, cat); err != nil {
			t.Errorf("%s: loader: got %v, want nil", name, err)
		}
	}
}

// The schema's failure names are the catalogues' (edit both together).
func TestSchemaKnowsTheCatalogue(t *testing.T) {
	raw, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Defs struct {
			FailuresOf map[string]struct{ Enum []string } `json:"failuresOf"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	cat := app.Catalogue()
	for _, ep := range cat.Endpoints() {
		want := cat.Failures(ep)
		got := slices.Clone(s.Defs.FailuresOf[ep].Enum)
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: got schema failures %v, want the catalogue's %v", ep, got, want)
		}
	}
}

// The schema refuses what the loader refuses, for the common mistakes.
func TestSchemaRefusesMistakes(t *testing.T) {
	sch := testkit.CompileSchema(t, schemaFile)
	for name, src := range map[string]string{
		"unknown key":                        "rules: [{when: {endpoint: isolar.token}, do: {pass: true}, extra: 1}]",
		"unknown endpoint":                   "rules: [{when: {endpoint: isolar.nope}, do: {pass: true}}]",
		"unknown failure":                    "rules: [{when: {endpoint: isolar.token}, do: {error: nope}}]",
		"two primaries":                      "rules: [{when: {endpoint: isolar.token}, do: {pass: true, fault: reset}}]",
		"bad duration":                       "rules: [{when: {endpoint: isolar.token}, do: {delay: soon}}]",
		"no rules":                           "name: x",
		"failure_status of another endpoint": "rules: [{when: {endpoint: isolar.token}, do: {failure_status: {token_invalid_code: 401}}}]",
		"failure_status with endpoint *":     "rules: [{when: {endpoint: '*'}, do: {failure_status: {hourly_limit: 401}}}]",
		"failure_status without a status":    "rules: [{when: {endpoint: isolar.token}, do: {failure_status: {hourly_limit: {headers: {X: y}}}}}]",
		"failure_status with error":          "rules: [{when: {endpoint: isolar.token}, do: {error: hourly_limit, failure_status: {hourly_limit: 401}}}]",
		"error with a body":                  "rules: [{when: {endpoint: isolar.token}, do: {error: hourly_limit, body: x}}]",
	} {
		if err := sch.Validate(yamlToJSON(t, []byte(src))); err == nil {
			t.Errorf("%s: got the schema accepting it, want a refusal", name)
		}
		if _, err := scenario.Parse("x.yaml", []byte(src), app.Catalogue()); err == nil {
			t.Errorf("%s: got the loader accepting it, want a refusal", name)
		}
	}
	// What the loader takes, the schema takes.
	for name, src := range map[string]string{
		"failure_status":          "rules: [{when: {endpoint: [isolar.token, isolar.refresh]}, do: {failure_status: {hourly_limit: {status: 429, headers: {Retry-After: '60'}}, token_invalid: 401}}}]",
		"error with status":       "rules: [{when: {endpoint: isolar.token}, do: {error: hourly_limit, status: 429, headers: {Retry-After: '60'}}}]",
		"failure_status with set": "rules: [{when: {endpoint: isolar.token}, do: {failure_status: {hourly_limit: 429}, set: {a: 1}, delay: 1s}}]",
	} {
		if _, err := scenario.Parse("x.yaml", []byte(src), app.Catalogue()); err != nil {
			t.Errorf("%s: loader: got %v, want it accepted", name, err)
		}
		if err := sch.Validate(yamlToJSON(t, []byte(src))); err != nil {
			t.Errorf("%s: schema: got %v, want it accepted", name, err)
		}
	}
}
