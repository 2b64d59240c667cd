package app_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/app"
)

// BenchmarkIsolarTokenInfoLog is BenchmarkIsolarToken at the default
// settings of the command: one info log line per request (text, as
// --log-format text writes it), here to io.Discard.
func BenchmarkIsolarTokenInfoLog(b *testing.B) {
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a, err := app.New(app.Config{Fixtures: "../../bench/fixtures.yaml", Log: log})
	if err != nil {
		b.Fatal(err)
	}
	header := map[string]string{"x-access-key": "MOCKSECRETKEY0123456789ABCDEFGHI"}
	first := httptest.NewRecorder()
	a.ServeHTTP(first, newRequest("POST", "/openapi/apiManage/token", header, isolarBody))
	if !strings.Contains(first.Body.String(), `"result_code":"1"`) {
		b.Fatalf("got %d %s", first.Code, first.Body)
	}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		a.ServeHTTP(w, newRequest("POST", "/openapi/apiManage/token", header, isolarBody))
		if w.Code >= 500 {
			b.Fatalf("got %d", w.Code)
		}
	}
}
