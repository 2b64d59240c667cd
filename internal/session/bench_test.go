package session

import (
	"fmt"
	"testing"
)

// BenchmarkFirstGet is the first request of a new session with 0 and with
// 9,000 other sessions alive: the two should cost the same (creation is
// O(1)). Each iteration creates one session, ends its request, and drops
// it again (that too is timed, the same in both), so the registry stays
// at its size. The ratio alive=9000 / alive=0 is bench/run.sh's figure.
func BenchmarkFirstGet(b *testing.B) {
	for _, alive := range []int{0, 9000} {
		b.Run(fmt.Sprint("alive=", alive), func(b *testing.B) {
			r := NewRegistry(nil)
			for i := range alive {
				r.Get(fmt.Sprint("alive-", i))
			}
			names := make([]string, 1024)
			for i := range names {
				names[i] = fmt.Sprint("new-", i)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				s, err := r.Acquire(names[i%len(names)])
				if err != nil {
					b.Fatal(err)
				}
				r.Release(s)
				r.mu.Lock()
				r.dropLocked(s)
				r.mu.Unlock()
			}
		})
	}
}

// BenchmarkFirstGetAtTheCap is the first request of a new session with
// the registry full: each one evicts the least recently used.
func BenchmarkFirstGetAtTheCap(b *testing.B) {
	r := NewRegistry(nil)
	for i := range MaxSessions {
		r.Get(fmt.Sprint("alive-", i))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s, err := r.Acquire(fmt.Sprint("new-", i))
		if err != nil {
			b.Fatal(err)
		}
		r.Release(s)
	}
}
