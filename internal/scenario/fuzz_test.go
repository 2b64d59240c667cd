package scenario

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var problemLine = regexp.MustCompile(`^[^:\n]+:\d+: \S+: .+$`)

// FuzzParse feeds the loader anything: it must never panic, and every
// problem it reports must be a well-formed file:line: path: message line.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../../scenarios/*.yaml")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("rules: [{when: {endpoint: '*'}, sequence: [{delay: {min: 1s, max: 2s}}, {fault: hang}]}]"))
	f.Add([]byte("rules:\n  - &a {when: {endpoint: isolar.token}, do: {pass: true}}\n  - *a\n"))
	f.Add([]byte("rules: &r [*r]\n"))
	f.Add([]byte("rules: [{when: {endpoint: isolar.token, match: {body.a: {regex: 'x{1000}x{1000}'}}}, probability: !!float nan, do: {status: 103, set: {a.b.c: 1}}}]"))
	cat := testCatalogue()
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := Parse("f.yaml", data, cat)
		if err == nil {
			if sc == nil || len(sc.Rules) == 0 {
				t.Fatalf("no error and no rules for %q", data)
			}
			return
		}
		for _, p := range problemsOf(t, err) {
			if !problemLine.MatchString(p) {
				t.Fatalf("malformed problem %q for %q", p, data)
			}
		}
	})
}
