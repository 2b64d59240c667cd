package app_test

import (
	"io"
	"log/slog"
	"testing"
)

// BenchmarkIsolarTokenInfoLog is BenchmarkIsolarToken at the default
// settings of the command: one info log line per request (text, as
// --log-format text writes it), here to io.Discard.
func BenchmarkIsolarTokenInfoLog(b *testing.B) {
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	benchRequestLogged(b, log, "POST", "/openapi/apiManage/token", map[string]string{"x-access-key": "MOCKSECRETKEY0123456789ABCDEFGHI"}, isolarBody, `"result_code":"1"`)
}
