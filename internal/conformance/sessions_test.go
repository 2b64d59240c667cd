package conformance

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

// Two sessions on one server, at the same time: what a scenario does in
// one never reaches the other, on every endpoint.
func TestSessionsAreIsolatedOnEveryEndpoint(t *testing.T) {
	m := startServer(t)
	for _, c := range endpointCases() {
		t.Run(c.id, func(t *testing.T) {
			a, b := m.session(t), m.session(t)
			reqA, reqB := c.prepare(t, a), c.prepare(t, b)
			a.mustActivate(rule(c.id, `{status: 418, body: "isolated"}`))
			const rounds = 4
			answers := make([][2]answer, rounds)
			var wg sync.WaitGroup
			for i := range rounds {
				wg.Add(2)
				go func() { defer wg.Done(); answers[i][0] = a.must(reqA()) }()
				go func() { defer wg.Done(); answers[i][1] = b.must(reqB()) }()
				wg.Wait() // one round at a time: a request may use up what the previous made
			}
			for i, pair := range answers {
				if pair[0].status != 418 || string(pair[0].body) != "isolated" {
					t.Errorf("round %d, session with the scenario: got %d %s, want 418 isolated", i, pair[0].status, pair[0].body)
				}
			}
			// The other session's first answer is the real one (later ones
			// may differ by design: a code is single-use).
			c.real(t, answers[0][1])
			if e := b.lastRequest(c.id); e.Rule != "" {
				t.Errorf("journal of the other session: got rule %q, want none", e.Rule)
			}
		})
	}
}

// Every endpoint follows its session's clock and no other: tokens it
// issues live by the clock of the session that got them, and what its
// requests carry expires by that clock while another session's, left
// alone, still works.
func TestClockOnEveryEndpoint(t *testing.T) {
	m := startServer(t)
	for _, c := range endpointCases() {
		t.Run(c.id, func(t *testing.T) {
			if c.ttl != nil {
				t.Run("token lifetime", func(t *testing.T) {
					a, b := m.session(t), m.session(t)
					a.advance(72 * time.Hour)
					req := c.prepare(t, a)
					a.mustActivate(rule(c.id, "{token_ttl: 30s}"))
					token := c.ttl(t, a, req)
					if now := a.now(); !now.Equal(m.clock.Now().Add(72 * time.Hour)) {
						t.Errorf("session clock: got %v, want the wall clock + 72h", now)
					}
					a.checkLifetime(token, 30*time.Second)
					if now := b.now(); !now.Equal(m.clock.Now()) {
						t.Errorf("other session's clock: got %v, want the wall clock %v", now, m.clock.Now())
					}
				})
			}
			if e := c.expire; e != nil {
				t.Run("expiry", func(t *testing.T) {
					a, b := m.session(t), m.session(t)
					prepare := e.prepare
					if prepare == nil {
						prepare = c.prepare
					}
					reqA, reqB := prepare(t, a), prepare(t, b)
					a.advance(e.after)
					e.check(t, a.must(reqA()))
					fresh := e.fresh
					if fresh == nil {
						fresh = c.real
					}
					fresh(t, b.must(reqB()))
				})
			}
		})
	}
}

// An endpoint id's requests are journalled under it in their session only.
func TestJournalNamesTheEndpoint(t *testing.T) {
	m := startServer(t)
	for _, c := range endpointCases() {
		t.Run(c.id, func(t *testing.T) {
			s := m.session(t)
			a := s.must(c.prepare(t, s)())
			if e := s.lastRequest(c.id); e.Status != a.status || e.Rule != "" {
				t.Errorf("journal: got %+v, want status %d and no rule", e, a.status)
			}
			other := m.session(t)
			if got := other.admin("GET", "/_mock/requests?session="+other.name, "", http.StatusOK); string(got.body) != `{"requests":[]}` {
				t.Errorf("another session's journal: got %s, want it empty", got.body)
			}
		})
	}
}
