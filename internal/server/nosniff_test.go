package server_test

import "testing"

// The mock's own answers (admin JSON, admin errors, its pages) carry
// X-Content-Type-Options: nosniff; vendor answers stay as the vendors send
// them, without it.
func TestNosniffOnTheMocksOwnAnswersOnly(t *testing.T) {
	e := newEnv(t, "")
	for _, path := range []string{"/_mock/health", "/_mock/requests", "/_mock/requests?limit=x", "/_mock/nope", "/_mock/ui", "/_mock/callback?code=abc", "/_mock/openapi.json"} {
		if r := e.do("GET", path, nil, ""); r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: got %d without nosniff", path, r.Status)
		}
	}
	for _, path := range []string{"/_mock/clock", "/_mock/openapi.json"} {
		if r := e.do("GET", path, nil, ""); r.Status != 200 || r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: got %d with Cache-Control %q, want 200 with no-store", path, r.Status, r.Header.Get("Cache-Control"))
		}
	}
	if r := e.token("/openapi/apiManage/token", nil); r.Status != 200 || r.Header.Get("X-Content-Type-Options") != "" {
		t.Errorf("vendor answer: got %d with X-Content-Type-Options %q, want 200 without", r.Status, r.Header.Get("X-Content-Type-Options"))
	}
}
