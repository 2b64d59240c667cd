package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// A request with a method the endpoint does not serve gets the vendor's
// 405 and never meets the scenario: it spends no rule's budget, and the
// client's POST that follows gets the injected failure.
func TestWrongMethodSpendsNoScenarioBudget(t *testing.T) {
	e := newScenarioEnv(t, "")
	h := map[string]string{"X-Mock-Session": "m", "Content-Type": "application/yaml"}
	if r := e.do("PUT", "/_mock/scenario", h, rateLimited); r.Status != http.StatusOK {
		t.Fatalf("PUT scenario: got %d %s, want 200", r.Status, r.Body)
	}
	for _, m := range []string{"OPTIONS", "HEAD", "GET"} {
		r := e.do(m, "/openapi/apiManage/token", map[string]string{"X-Mock-Session": "m"}, "")
		if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "POST" || len(r.Body) != 0 {
			t.Errorf("%s: got %d Allow %q %s, want the vendor's 405 with Allow: POST and no body", m, r.Status, r.Header.Get("Allow"), r.Body)
		}
	}
	if r := e.token("/openapi/apiManage/token", map[string]string{"X-Mock-Session": "m"}); !strings.Contains(string(r.Body), `"result_code":"E999"`) {
		t.Errorf("POST after the wrong methods: got %s, want E999 from the scenario's one act", r.Body)
	}
	if r := e.token("/openapi/apiManage/token", map[string]string{"X-Mock-Session": "m"}); strings.Contains(string(r.Body), `"result_code":"E999"`) {
		t.Errorf("second POST: got %s, want the real answer once the rule's budget is spent", r.Body)
	}
}
