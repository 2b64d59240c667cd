package app_test

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"text/template"

	"github.com/tokenmock/tokenmock/internal/app"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// schemaTemplate is the hand-written schema; what depends on the vendors'
// tables (endpoint ids, failure names per endpoint, which endpoints issue
// tokens or answer JSON) is filled in from them.
const schemaTemplate = "../../schema/scenario.schema.json.tmpl"

// The schema is generated from the tables: an endpoint added to a table
// reaches it with `go test ./internal/app -update`, and never by hand.
func TestSchemaIsGenerated(t *testing.T) {
	src, err := os.ReadFile(schemaTemplate)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := template.New("schema").Funcs(template.FuncMap{
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
		"join": func(names []string) string { return strings.Join(names, ", ") },
		"list": quotedList,
	}).Parse(string(src))
	if err != nil {
		t.Fatal(err)
	}
	type endpoint struct {
		ID       string
		Failures []string
	}
	var data struct {
		Endpoints        []endpoint
		IDs, Failures    []string
		NoTokens, NoJSON []string
	}
	for _, s := range app.Specs() {
		for _, e := range s.Endpoints {
			data.Endpoints = append(data.Endpoints, endpoint{e.ID, e.Failures})
			data.IDs = append(data.IDs, e.ID)
			for _, f := range e.Failures {
				if !slices.Contains(data.Failures, f) {
					data.Failures = append(data.Failures, f)
				}
			}
			if !e.Tokens {
				data.NoTokens = append(data.NoTokens, e.ID)
			}
			if !e.JSON {
				data.NoJSON = append(data.NoJSON, e.ID)
			}
		}
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, data); err != nil {
		t.Fatal(err)
	}
	var check any
	if err := json.Unmarshal(out.Bytes(), &check); err != nil {
		t.Fatalf("the template makes no JSON: %v", err)
	}
	testkit.GoldenFile(t, schemaFile, out.Bytes())
}

// quotedList writes names as JSON strings, several to a line of at most
// 110 characters, each line indented by indent spaces.
func quotedList(indent int, names []string) string {
	pad := strings.Repeat(" ", indent)
	var lines []string
	line := ""
	for i, n := range names {
		item, _ := json.Marshal(n)
		s := string(item)
		if i < len(names)-1 {
			s += ","
		}
		if line != "" && len(pad)+len(line)+1+len(s) > 110 {
			lines = append(lines, pad+line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += s
	}
	if line != "" {
		lines = append(lines, pad+line)
	}
	return strings.Join(lines, "\n")
}
