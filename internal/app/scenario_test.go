package app_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/app"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// Config.Scenario is active in every session; X-Mock-Scenario picks one
// for the request's session, and an unknown one is a 400.
func TestScenarioConfigAndHeader(t *testing.T) {
	cases := []struct {
		name       string
		cfg        app.Config
		header     map[string]string
		wantStatus int
		want       string
	}{
		{"Config.Scenario", app.Config{Scenario: "isolar-gateway-rate-limited"}, map[string]string{"X-Mock-Session": "any"},
			200, `"result_code":"E999"`},
		{"no scenario", app.Config{}, map[string]string{"X-Mock-Session": "any"},
			200, `"result_code":"1"`},
		{"X-Mock-Scenario", app.Config{}, map[string]string{"X-Mock-Scenario": "isolar-gateway-rate-limited"},
			200, `"result_code":"E999"`},
		{"unknown X-Mock-Scenario", app.Config{Scenario: "isolar-gateway-rate-limited"}, map[string]string{"X-Mock-Scenario": "nope"},
			400, `"error":"unknown scenario \"nope\""`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, url := serve(t, c.cfg)
			header := map[string]string{"x-access-key": isolarKey}
			for k, v := range c.header {
				header[k] = v
			}
			got := testkit.Do(t, "POST", url+"/openapi/apiManage/token", header, isolarBody)
			if got.Status != c.wantStatus || !strings.Contains(string(got.Body), c.want) {
				t.Errorf("got %d %s, want %d %s", got.Status, got.Body, c.wantStatus, c.want)
			}
		})
	}
}

// The admin calls: list, activate by name, deactivate, and a session reset
// that gives a rule its budget back.
func TestScenarioAdminCalls(t *testing.T) {
	_, url := serve(t, app.Config{Seed: 7})
	call := func(method, path, body string) string {
		t.Helper()
		got := testkit.Do(t, method, url+path, map[string]string{"X-Mock-Session": "adm"}, body)
		return fmt.Sprintf("%d %s", got.Status, got.Body)
	}
	if got := call("PUT", "/_mock/scenario", `{"name":"isolar-gateway-rate-limited"}`); !strings.HasPrefix(got, `200 {"session":"adm","scenario":{"name":"isolar-gateway-rate-limited",`) {
		t.Errorf("PUT: got %s, want the scenario active for adm", got)
	}
	if got := call("GET", "/_mock/scenarios", ""); !strings.Contains(got, `"active":{"adm":"isolar-gateway-rate-limited"}`) ||
		!strings.Contains(got, `{"name":"oauth-invalid-code","description":"`) {
		t.Errorf("GET: got %s, want the library and adm's active scenario", got)
	}
	for range 3 {
		isolarToken(t, url, "adm") // uses up the rule's three
	}
	if body := isolarToken(t, url, "adm"); !strings.Contains(body, `"result_code":"1"`) {
		t.Errorf("after the budget: got %s, want result_code 1", body)
	}
	if got := call("POST", "/_mock/reset?session=adm", ""); !strings.HasPrefix(got, "200 ") {
		t.Errorf("reset: got %s, want 200", got)
	}
	if body := isolarToken(t, url, "adm"); strings.Contains(body, `"result_code":"E999"`) {
		t.Errorf("after reset: got %s, want the scenario off (no Config.Scenario)", body)
	}
	call("PUT", "/_mock/scenario", `{"name":"isolar-gateway-rate-limited"}`)
	if body := isolarToken(t, url, "adm"); !strings.Contains(body, `"result_code":"E999"`) {
		t.Errorf("activated again: got %s, want a fresh budget", body)
	}
	if got := call("DELETE", "/_mock/scenario", ""); got != `200 {"session":"adm","scenario":null}` {
		t.Errorf("DELETE: got %s, want no scenario for adm", got)
	}
	if body := isolarToken(t, url, "adm"); !strings.Contains(body, `"result_code":"1"`) {
		t.Errorf("deactivated: got %s, want result_code 1", body)
	}
	if got := call("PUT", "/_mock/scenario", `{"name":"nope"}`); !strings.HasPrefix(got, `400 {"error":"unknown scenario \"nope\""`) {
		t.Errorf("unknown: got %s, want 400 unknown scenario", got)
	}
}
