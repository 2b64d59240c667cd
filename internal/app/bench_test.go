package app_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/app"
)

// benchRequest serves one request per iteration in-process, the whole
// stack (session, journal, scenario hook, vendor) but no network.
func benchRequest(b *testing.B, method, target string, header map[string]string, body string, want string) {
	benchRequestLogged(b, nil, method, target, header, body, want)
}

// benchRequestLogged is benchRequest with the mock logging to log (nil:
// nowhere).
func benchRequestLogged(b *testing.B, log *slog.Logger, method, target string, header map[string]string, body string, want string) {
	a, err := app.New(app.Config{Fixtures: "../../bench/fixtures.yaml", Log: log})
	if err != nil {
		b.Fatal(err)
	}
	first := httptest.NewRecorder()
	a.ServeHTTP(first, newRequest(method, target, header, body))
	if !strings.Contains(first.Body.String(), want) {
		b.Fatalf("got %d %s, want %s", first.Code, first.Body, want)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		a.ServeHTTP(w, newRequest(method, target, header, body))
		if w.Code >= 500 {
			b.Fatalf("got %d", w.Code)
		}
	}
}

func newRequest(method, target string, header map[string]string, body string) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range header {
		r.Header.Set(k, v)
	}
	return r
}

const isolarBody = `{"appkey":"B968E49385CBD8C74587A374E7B1D21A","grant_type":"authorization_code","code":"rFrnww","redirect_uri":"https://web3.isolarcloud.com.cn"}`

// The static code and live-token reuse: the steady state of a client.
func BenchmarkIsolarToken(b *testing.B) {
	benchRequest(b, "POST", "/openapi/apiManage/token", map[string]string{"x-access-key": "MOCKSECRETKEY0123456789ABCDEFGHI"}, isolarBody, `"result_code":"1"`)
}

// A fresh pair at every exchange (token_scope_mode authorization_bound):
// the store grows to its cap and then evicts.
func BenchmarkIsolarTokenFresh(b *testing.B) {
	body := strings.Replace(isolarBody, `}`, `,"token_scope_mode":"authorization_bound"}`, 1)
	benchRequest(b, "POST", "/openapi/apiManage/token", map[string]string{"x-access-key": "MOCKSECRETKEY0123456789ABCDEFGHI"}, body, `"result_code":"1"`)
}

// Two RS256 signatures per answer.
func BenchmarkSolarmanToken(b *testing.B) {
	benchRequest(b, "POST", "/account/v1.0/token?appId=202304010000001", nil,
		`{"appSecret":"0f1e2d3c4b5a69788796a5b4c3d2e1f0","username":"cvwwb","password":"472bbe83616e93d3c09a79103ae47d8f71e3d35a966d6e8b22f743218d04171d"}`, `"success":true`)
}

func BenchmarkOAuthToken(b *testing.B) {
	benchRequest(b, "POST", "/oauth/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		"grant_type=client_credentials&client_id=bench&client_secret=bench-secret", `"access_token"`)
}

func BenchmarkHealth(b *testing.B) {
	benchRequest(b, "GET", "/_mock/health", nil, "", `"status":"ok"`)
}

// BenchmarkNew is the start-up work after the runtime: fixtures, vendors,
// the scenario library, the server.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := app.New(app.Config{}); err != nil {
			b.Fatal(err)
		}
	}
}
