package server_test

import (
	"strings"
	"testing"
)

// The journal page needs no admin token (it holds no data), and the
// journal it reads still does.
func TestUIPage(t *testing.T) {
	e := newEnv(t, "secret")
	r := e.do("GET", "/_mock/ui", nil, "")
	if r.Status != 200 || r.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("got %d %q, want 200 text/html without the admin token", r.Status, r.Header.Get("Content-Type"))
	}
	body := string(r.Body)
	for _, want := range []string{`fetch("requests?"`, `"Bearer " + $("token").value`, "textContent"} {
		if !strings.Contains(body, want) {
			t.Errorf("got page without %q", want)
		}
	}
	// Journal values go in as text only.
	if strings.Contains(body, "innerHTML") {
		t.Errorf("got innerHTML in the page, want every value set as textContent")
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self'") {
		t.Errorf("got Content-Security-Policy %q, want connect-src 'self'", csp)
	}
	if r := e.do("GET", "/_mock/requests", nil, ""); r.Status != 401 {
		t.Errorf("got the journal %d without the token, want 401", r.Status)
	}
}
