package conformance

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestActionsOnEveryEndpoint applies each action kind to each endpoint and
// observes it from a real client.
func TestActionsOnEveryEndpoint(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	// A few endpoints at a time: with every action of every endpoint at
	// once, a loaded two-CPU machine delays requests past the clients'
	// deliberate timeouts.
	endpoints := concurrently(t).atMost(4)
	defer endpoints.wait()
	for _, ep := range endpointCases() {
		endpoints.run(ep.id, func(t *testing.T) {
			actions := concurrently(t)
			defer actions.wait()
			// run prepares the request in a fresh session, activates the
			// scenario, and hands both to check.
			run := func(name, scenario string, check func(t *testing.T, s *client, req func() *http.Request)) {
				actions.run(name, func(t *testing.T) {
					s := srv.session(t)
					req := ep.prepare(t, s)
					s.mustActivate(scenario)
					check(t, s, req)
				})
			}

			run("pass", rule(ep.id, "{pass: true}"), func(t *testing.T, s *client, req func() *http.Request) {
				ep.real(t, s.must(req()))
				s.checkRule(ep.id, firstRule)
			})
			for _, d := range []struct {
				name, do string
				least    time.Duration
			}{
				{"delay", "{delay: 200ms}", 200 * time.Millisecond},
				{"delay range", "{delay: {min: 100ms, max: 150ms}}", 100 * time.Millisecond},
			} {
				run(d.name, rule(ep.id, d.do), func(t *testing.T, s *client, req func() *http.Request) {
					a := s.must(req())
					ep.real(t, a)
					// A lower bound only: a loaded machine may take longer.
					if a.elapsed < d.least {
						t.Errorf("got the answer after %v, want at least %v", a.elapsed, d.least)
					}
					s.checkRule(ep.id, firstRule)
				})
			}
			for i, f := range ep.failures {
				// The second failure's rule has a name, which the journal shows.
				scenario, rule := rule(ep.id, "{error: "+f.name+"}"), firstRule
				if i > 0 {
					scenario = "rules:\n  - name: named-" + f.name + "\n    when: {endpoint: " + ep.id + "}\n    do: {error: " + f.name + "}\n"
					rule = "inline/named-" + f.name
				}
				run("error "+f.name, scenario, func(t *testing.T, s *client, req func() *http.Request) {
					f.check(t, s.must(req()))
					s.checkRule(ep.id, rule)
					// An injected failure changes no state: the same request
					// (code, refresh token) still gets the real answer.
					s.deactivate()
					ep.real(t, s.must(req()))
				})
			}
			run("raw status", rule(ep.id, `{status: 503, body: "down", headers: {Retry-After: "5"}}`), func(t *testing.T, s *client, req func() *http.Request) {
				a := s.must(req())
				if a.status != 503 || string(a.body) != "down" || a.header.Get("Retry-After") != "5" || a.header.Get("Content-Type") != "text/plain; charset=utf-8" {
					t.Errorf("got %d %q Retry-After %q Content-Type %q, want 503 \"down\" Retry-After \"5\" Content-Type text/plain; charset=utf-8",
						a.status, a.body, a.header.Get("Retry-After"), a.header.Get("Content-Type"))
				}
				if e := s.lastRequest(ep.id); e.Rule != firstRule || e.Status != 503 {
					t.Errorf("journal: got rule %q status %d, want %q 503", e.Rule, e.Status, firstRule)
				}
				s.deactivate()
				ep.real(t, s.must(req()))
			})
			run("fault reset", rule(ep.id, "{fault: reset}"), func(t *testing.T, s *client, req func() *http.Request) {
				// Go on Linux: *url.Error{Err: *net.OpError{Op: "read", Err:
				// ... ECONNRESET}}, "read: connection reset by peer".
				_, err := s.send(s.client, req())
				var op *net.OpError
				if !errors.Is(err, syscall.ECONNRESET) || !errors.As(err, &op) || op.Op != "read" {
					t.Errorf("got error %v, want a connection reset on read (ECONNRESET)", err)
				}
				s.checkRule(ep.id, firstRule)
			})
			run("fault empty", rule(ep.id, "{fault: empty}"), func(t *testing.T, s *client, req func() *http.Request) {
				// Go: *url.Error{Err: io.EOF}: the connection ended before a
				// status line.
				_, err := s.send(s.client, req())
				var ue *url.Error
				if !errors.As(err, &ue) || ue.Err != io.EOF {
					t.Errorf("got error %v, want EOF: the connection closed with no answer", err)
				}
				s.checkRule(ep.id, firstRule)
			})
			run("fault malformed", rule(ep.id, "{fault: malformed}"), func(t *testing.T, s *client, req func() *http.Request) {
				a := s.must(req())
				var v any
				err := json.Unmarshal(a.body, &v)
				var syn *json.SyntaxError
				if a.status != 200 || !errors.As(err, &syn) || syn.Error() != "unexpected end of JSON input" || syn.Offset != int64(len(a.body)) {
					t.Errorf("got %d %q (json: %v), want 200 and a body that ends before its JSON does", a.status, a.body, err)
				}
				if ct := a.header.Get("Content-Type"); ct != "application/json;charset=UTF-8" {
					t.Errorf("got Content-Type %q, want application/json;charset=UTF-8", ct)
				}
				s.checkRule(ep.id, firstRule)
			})
			run("fault hang", rule(ep.id, "{fault: hang}"), func(t *testing.T, s *client, req func() *http.Request) {
				const patience = time.Second
				impatient := &http.Client{Transport: s.client.Transport, Timeout: patience}
				a, err := s.send(impatient, req())
				var ne net.Error
				if !errors.As(err, &ne) || !ne.Timeout() || !strings.Contains(err.Error(), "awaiting headers") {
					t.Errorf("got error %v, want a client timeout before any header came", err)
				}
				if a.elapsed < patience {
					t.Errorf("got the error after %v, want the server to hold on until the client's %v timeout", a.elapsed, patience)
				}
				// The journal entry comes once the handler lets go of the
				// connection the client gave up on.
				s.checkRule(ep.id, firstRule)
			})
			if ep.ttl != nil {
				run("token_ttl", rule(ep.id, "{token_ttl: 30s}"), func(t *testing.T, s *client, req func() *http.Request) {
					token := ep.ttl(t, s, req)
					s.checkRule(ep.id, firstRule)
					s.checkLifetime(token, 30*time.Second)
				})
			}
			if ep.set != "" {
				run("set", rule(ep.id, "{set: "+ep.set+"}"), func(t *testing.T, s *client, req func() *http.Request) {
					ep.setCheck(t, s.must(req()))
					s.checkRule(ep.id, firstRule)
				})
			}
		})
	}
}

// TestActionsRefusedWhereMeaningless checks that token_ttl and set are
// refused on endpoints that issue no token or answer no JSON, with the
// problem's line, and that the session keeps the real behaviour.
func TestActionsRefusedWhereMeaningless(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	cases := []struct {
		endpoint, do, want string
	}{
		{"isolar.authorize", "{token_ttl: 30s}", "inline:3: rules[0].do.token_ttl: not for isolar.authorize"},
		{"oauth.authorize", "{set: {scope: x}}", "inline:3: rules[0].do.set: not for oauth.authorize"},
	}
	for _, c := range cases {
		t.Run(c.endpoint, func(t *testing.T) {
			t.Parallel()
			s := srv.session(t)
			a := s.activate(rule(c.endpoint, c.do))
			var e struct {
				Error   string
				Details []string
			}
			if err := json.Unmarshal(a.body, &e); err != nil || a.status != http.StatusBadRequest || e.Error == "" {
				t.Fatalf("got %d %s, want 400 {\"error\":...,\"details\":[...]}", a.status, a.body)
			}
			line := regexp.MustCompile(`^inline:\d+: \S+: `)
			found := false
			for _, d := range e.Details {
				if !line.MatchString(d) {
					t.Errorf("got detail %q, want file:line: path: message", d)
				}
				found = found || strings.HasPrefix(d, c.want)
			}
			if !found {
				t.Errorf("got details %q, want one starting %q", e.Details, c.want)
			}
			// Nothing was activated: the real answer comes back.
			var ep endpointCase
			for _, x := range endpointCases() {
				if x.id == c.endpoint {
					ep = x
				}
			}
			ep.real(t, s.must(ep.prepare(t, s)()))
			if r := s.lastRequest(c.endpoint).Rule; r != "" {
				t.Errorf("journal: got rule %q, want none", r)
			}
		})
	}
}
