package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// isolarTokenBody is the spec's example exchange (tls_test.go sends it).
const isolarTokenBody = `{"appkey":"B968E49385CBD8C74587A374E7B1D21A","grant_type":"authorization_code","code":"rFrnww","redirect_uri":"https://web3.isolarcloud.com.cn"}`

// validate checks scenario files too.
func TestValidateScenarioFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(good, []byte("rules:\n  - when: {endpoint: oauth.token}\n    do: {error: token_invalid_code}\n"), 0o644)
	os.WriteFile(bad, []byte("rules:\n  - when: {endpoint: oauth.token}\n    do: {error: invalid_code, delay: 1x}\n"), 0o644)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"validate", good, "../../scenarios", "../../fixtures"}, env(nil), &out, io.Discard); err != nil {
		t.Errorf("good: got %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"validate", bad}, env(nil), &out, io.Discard); exitCode(err) != 1 {
		t.Errorf("bad: got %v, want exit 1", err)
	}
	for _, want := range []string{bad + `:3: rules[0].do.delay: invalid duration "1x"`, bad + `:3: rules[0].do.error: unknown failure "invalid_code" for oauth.token`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("got\n%s\nwant a line %q", out.String(), want)
		}
	}
}
