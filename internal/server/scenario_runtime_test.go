package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/isolar"
	"github.com/tokenmock/tokenmock/internal/scenario"
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

// An inline scenario that would keep more than scenario.SessionBudget of
// memory is refused with a 413 naming the limit, and the session keeps
// the scenario it had.
func TestPutScenarioPastSessionBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString("rules:\n")
	for range 60 {
		fmt.Fprintf(&b, "  - when: {endpoint: isolar.token, match: {body.code: {regex: %q}}}\n    do: {status: 503}\n", strings.Repeat("x", 1000))
	}
	big := b.String()
	sc, err := scenario.Parse("inline", []byte(big), scenario.NewCatalogue(isolar.Spec()))
	if err != nil || sc.Size <= scenario.SessionBudget {
		t.Fatalf("the test's scenario: got size %d (%v), want a valid scenario past %d bytes", sc.Size, err, scenario.SessionBudget)
	}
	e := newScenarioEnv(t, "")
	h := map[string]string{"X-Mock-Session": "big", "Content-Type": "application/yaml"}
	if r := e.do("PUT", "/_mock/scenario", h, rateLimited); r.Status != http.StatusOK {
		t.Fatalf("PUT a small scenario: got %d %s, want 200", r.Status, r.Body)
	}
	r := e.do("PUT", "/_mock/scenario", h, big)
	want := `{"error":"scenario too large (limit 2 MiB of memory per session)","details":["the scenario needs about `
	if r.Status != http.StatusRequestEntityTooLarge || !strings.HasPrefix(string(r.Body), want) {
		t.Errorf("PUT past the budget: got %d %s, want 413 starting %s", r.Status, r.Body, want)
	}
	if r := e.token("/openapi/apiManage/token", map[string]string{"X-Mock-Session": "big"}); !strings.Contains(string(r.Body), `"result_code":"E999"`) {
		t.Errorf("after the refusal: got %s, want E999 from the scenario the session kept", r.Body)
	}
}

// The authorization page's routes have no vendor 405: a wrong method gets
// the mock's own 405 JSON (a documented limit), and meets no rule either.
func TestWrongMethodOnAPageMeetsNoRule(t *testing.T) {
	e := newScenarioEnv(t, "")
	h := map[string]string{"X-Mock-Session": "p", "Content-Type": "application/yaml"}
	once := "rules:\n  - when: {endpoint: isolar.authorize}\n    times: 1\n    do: {status: 503}\n"
	if r := e.do("PUT", "/_mock/scenario", h, once); r.Status != http.StatusOK {
		t.Fatalf("PUT scenario: got %d %s, want 200", r.Status, r.Body)
	}
	for _, m := range []string{"PUT", "DELETE", "HEAD"} {
		r := e.do(m, "/", map[string]string{"X-Mock-Session": "p"}, "")
		if r.Status != http.StatusMethodNotAllowed || (m != "HEAD" && !strings.HasPrefix(string(r.Body), `{"error":"`+m+` not allowed on /"`)) {
			t.Errorf("%s /: got %d %s, want the mock's 405", m, r.Status, r.Body)
		}
	}
	if r := e.do("GET", "/", map[string]string{"X-Mock-Session": "p"}, ""); r.Status != http.StatusServiceUnavailable {
		t.Errorf("GET / after the wrong methods: got %d, want 503 from the rule's one act", r.Status)
	}
}
