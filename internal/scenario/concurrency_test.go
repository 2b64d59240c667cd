package scenario

import (
	"maps"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
)

// sendAll sends the calls from workers goroutines at once and counts the
// answers' statuses; any error fails the test.
func (s *testServer) sendAll(t *testing.T, workers int, calls []call) map[int]int {
	t.Helper()
	client := s.pooledClient(t, workers)
	reqs := make([]*http.Request, len(calls))
	for i, c := range calls {
		reqs[i] = s.newRequest(t, c)
	}
	var (
		next  atomic.Int64
		mu    sync.Mutex
		count = map[int]int{}
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for range workers {
		wg.Go(func() {
			<-start
			for {
				i := int(next.Add(1)) - 1
				if i >= len(reqs) {
					return
				}
				a, err := send(client, reqs[i])
				if err != nil {
					t.Errorf("request %d: got error %v, want a whole answer", i, err)
					continue
				}
				mu.Lock()
				count[a.status]++
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	return count
}

// repeat is n times the call c.
func repeat(n int, c call) []call {
	out := make([]call, n)
	for i := range out {
		out[i] = c
	}
	return out
}

// rulesActed reads the records of n requests and counts them by rule.
func (s *testServer) rulesActed(t *testing.T, n int) map[string]int {
	t.Helper()
	out := map[string]int{}
	for range n {
		out[s.next(t).rule]++
	}
	return out
}

// With many requests at once, after and times are still exact.
func TestTimesExactUnderConcurrency(t *testing.T) {
	s := newTestServer(t)
	s.activate(t, "busy", "rules: [{when: {endpoint: isolar.token}, after: 10, times: 100, do: {status: 503}}]")
	got := s.sendAll(t, 64, repeat(1000, call{path: "/token", session: "busy"}))
	if want := map[int]int{http.StatusOK: 900, http.StatusServiceUnavailable: 100}; !maps.Equal(got, want) {
		t.Errorf("got statuses %v, want %v", got, want)
	}
	if got := s.calls.Load(); got != 900 {
		t.Errorf("got %d runs of the vendor's handler, want 900", got)
	}
	if got, want := s.rulesActed(t, 1000), map[string]int{"": 900, "inline/rules[0]": 100}; !maps.Equal(got, want) {
		t.Errorf("got rules %v, want %v", got, want)
	}
}

// Each step of a sequence goes to exactly one of many requests at once.
func TestSequenceUnderConcurrency(t *testing.T) {
	s := newTestServer(t)
	s.activate(t, "seq", "rules: [{when: {endpoint: isolar.token}, sequence: [{status: 501}, {status: 502}, {status: 503}]}]")
	got := s.sendAll(t, 48, repeat(48, call{path: "/token", session: "seq"}))
	if want := map[int]int{200: 45, 501: 1, 502: 1, 503: 1}; !maps.Equal(got, want) {
		t.Errorf("got statuses %v, want %v", got, want)
	}
}

// Sessions served at the same time each see their own scenario and
// budget only.
func TestSessionsSeeOnlyTheirOwn(t *testing.T) {
	s := newTestServer(t)
	s.activate(t, "a", "rules: [{when: {endpoint: isolar.token}, do: {status: 501}}]")
	s.activate(t, "b", "rules: [{when: {endpoint: isolar.token}, times: 20, do: {status: 502}}]")
	var calls []call
	for range 50 {
		for _, name := range []string{"a", "b", "c"} {
			calls = append(calls, call{path: "/token", session: name})
		}
	}
	got := s.sendAll(t, 16, calls)
	if want := map[int]int{501: 50, 502: 20, 200: 80}; !maps.Equal(got, want) {
		t.Errorf("got statuses %v, want %v", got, want)
	}
	bySession := map[string]map[string]int{}
	for range len(calls) {
		r := s.next(t)
		if bySession[r.session] == nil {
			bySession[r.session] = map[string]int{}
		}
		bySession[r.session][r.rule]++
	}
	want := map[string]map[string]int{
		"a": {"inline/rules[0]": 50},
		"b": {"inline/rules[0]": 20, "": 30},
		"c": {"": 50},
	}
	for name, w := range want {
		if got := bySession[name]; !maps.Equal(got, w) {
			t.Errorf("session %s: got rules %v, want %v", name, got, w)
		}
	}
}
