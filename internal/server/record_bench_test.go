package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// BenchmarkRecord is the per-request cost of the journal entry and the log
// line of a token request, alone: without a logger at info, with one
// writing text to io.Discard (formatting only), and with one writing to
// /dev/null (formatting and a write per line, as bench/run.sh runs the
// server).
func BenchmarkRecord(b *testing.B) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()
	for _, c := range []struct {
		name string
		log  *slog.Logger
	}{
		{"nolog", slog.New(slog.DiscardHandler)},
		{"info-discard", slog.New(slog.NewTextHandler(io.Discard, nil))},
		{"info-devnull", slog.New(slog.NewTextHandler(devnull, nil))},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := New(Config{Log: c.log})
			sess, err := s.cfg.Sessions.Get("")
			if err != nil {
				b.Fatal(err)
			}
			body := []byte(`{"appkey":"B968E49385CBD8C74587A374E7B1D21A","grant_type":"authorization_code","code":"rFrnww","redirect_uri":"https://web3.isolarcloud.com.cn"}`)
			r := httptest.NewRequest("POST", "/openapi/apiManage/token", nil)
			r.Header.Set("X-Access-Key", "MOCKSECRETKEY0123456789ABCDEFGHI")
			r.Header.Set("Content-Type", "application/json")
			answer := []byte(`{"req_serial_num":"` + strings.Repeat("0", 32) + `","result_code":"1","result_msg":"success","result_data":{"access_token":"` + strings.Repeat("a", 32) + `"}}`)
			x := &exchange{endpoint: "isolar.token"}
			b.ReportAllocs()
			for b.Loop() {
				rec := &recorder{ResponseWriter: discardWriter{}}
				rec.Write(answer)
				s.record(r, sess, r.URL.Path, body, rec, x, time.Now())
			}
		})
	}
}

type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}
