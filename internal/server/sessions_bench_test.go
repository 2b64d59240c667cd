package server

import (
	"fmt"
	"testing"
)

// BenchmarkListScenarios is GET /_mock/scenarios with 1,000 and 10,000
// live sessions: linear, so the second costs about ten times the first
// (per session, the same).
func BenchmarkListScenarios(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint("sessions=", n), func(b *testing.B) {
			s := guarded(b, "")
			for i := range n {
				s.cfg.Sessions.Get(fmt.Sprint("s", i))
			}
			b.ReportAllocs()
			for b.Loop() {
				if w := serve(s, "GET", "/_mock/scenarios", nil, ""); w.Code != 200 {
					b.Fatalf("got %d %s", w.Code, w.Body)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/session")
		})
	}
}
