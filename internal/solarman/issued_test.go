package solarman

import (
	"context"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/session"
	"github.com/tokenmock/tokenmock/internal/spring"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// serviceAt is a service of the default fixtures whose clock is clock, with
// at most capacity tokens.
func serviceAt(t *testing.T, clock *testkit.Clock, capacity int) *Service {
	t.Helper()
	all, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(all.Solarman, mock.Deps{Now: session.Clock{Wall: clock.Now}.Now, IDs: testkit.IDs(), StoreCap: capacity})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// inSession is a context of the session with incarnation id.
func inSession(id uint64) context.Context {
	return mock.WithRequest(context.Background(), &mock.Request{Session: &session.Session{ID: id, Name: "s"}})
}

func (s *Service) issueFor(t *testing.T, ctx context.Context) string {
	t.Helper()
	tok, err := s.issue(mock.SessionID(ctx), s.users[6681], nil, "cvwwb", identityUsername, "201911067232002", s.deps.Now(ctx), 0)
	if err != nil {
		t.Fatal(err)
	}
	return *tok.AccessToken
}

func TestIssuedTokensBelongToTheirSession(t *testing.T) {
	clock := testkit.NewClock()
	s := serviceAt(t, clock, 0)
	one, two := inSession(1), inSession(2)
	tok := s.issueFor(t, one)
	if _, ok := s.accessToken(one, tok); !ok {
		t.Errorf("in its session: got the token refused, want it valid")
	}
	if _, ok := s.accessToken(two, tok); ok {
		t.Errorf("in another session: got the token valid, want it unknown")
	}
	if _, ok := s.Introspect(two, tok); ok {
		t.Errorf("introspect in another session: got it known, want unknown")
	}
	s.Reset()
	if _, ok := s.accessToken(one, tok); ok {
		t.Errorf("after Reset: got the token valid, want it forgotten")
	}
}

// The store keeps at most StoreCap tokens: the oldest makes room, and is
// then unknown (token_invalid).
func TestIssuedStoreIsBounded(t *testing.T) {
	s := serviceAt(t, testkit.NewClock(), 2)
	ctx := inSession(1)
	first := s.issueFor(t, ctx)
	second, third := s.issueFor(t, ctx), s.issueFor(t, ctx)
	if _, ok := s.accessToken(ctx, first); ok {
		t.Errorf("oldest of three in a store of two: got it valid, want it evicted")
	}
	for _, tok := range []string{second, third} {
		if _, ok := s.accessToken(ctx, tok); !ok {
			t.Errorf("newer token: got it refused, want it valid")
		}
	}
}

// The cap is per session: another session's load never evicts a token of
// a session within its cap (review m8).
func TestIssuedStoreCapIsPerSession(t *testing.T) {
	s := serviceAt(t, testkit.NewClock(), 2)
	one, two := inSession(1), inSession(2)
	tok := s.issueFor(t, one)
	for range 5 {
		s.issueFor(t, two)
	}
	if _, ok := s.accessToken(one, tok); !ok {
		t.Errorf("session 1's token after session 2 issued past the cap: got it refused, want it valid")
	}
	if n := s.issued.m.SessionLen(2); n != 2 {
		t.Errorf("session 2 keeps %d tokens, want its cap 2", n)
	}
}

// A restart (a new service on the same fixtures) forgets the tokens it
// issued: the JWT still verifies, since the fixtures' key is fixed, but
// the token is unknown in every session, as the README says.
func TestRestartForgetsIssuedTokens(t *testing.T) {
	ctx := inSession(1)
	tok := serviceAt(t, testkit.NewClock(), 0).issueFor(t, ctx)
	restarted := serviceAt(t, testkit.NewClock(), 0)
	if _, err := restarted.signer.verify(tok); err != nil {
		t.Errorf("after a restart: got the signature refused (%v), want it verified", err)
	}
	if _, p, _ := restarted.checkAccess(ctx, tok); p != tokenOtherSession {
		t.Errorf("after a restart: got token problem %d, want %d (not issued in this session: token_invalid)", p, tokenOtherSession)
	}
}

// Sweep drops the tokens of sessions that are gone at once, and expired
// ones an hour of wall time after it first found them expired; a session
// clock set back before then revives the token.
func TestIssuedSweep(t *testing.T) {
	clock := testkit.NewClock()
	s := serviceAt(t, clock, 0)
	live, gone := inSession(1), inSession(2)
	tok := s.issueFor(t, live)
	s.issueFor(t, gone)
	offset := time.Duration(0)
	now := func(id uint64) (time.Time, bool) { return clock.Now().Add(offset), id == 1 }

	if n := s.Sweep(now, clock.Now()); n != 1 || s.issued.m.Len() != 1 {
		t.Fatalf("first sweep: got %d removed, %d kept, want the gone session's 1 removed, 1 kept", n, s.issued.m.Len())
	}
	offset = tokenLifetime // the session's clock at exp: expired
	s.Sweep(now, clock.Now())
	offset = 0 // set back: alive again, and no longer seen expired
	s.Sweep(now, clock.Now().Add(2*spring.SweepGrace))
	if _, ok := s.Introspect(live, tok); !ok {
		t.Fatalf("clock set back: got the token forgotten, want it kept")
	}
	offset = tokenLifetime
	s.Sweep(now, clock.Now())
	if n := s.Sweep(now, clock.Now().Add(spring.SweepGrace-time.Second)); n != 0 {
		t.Errorf("within the grace: got %d removed, want 0", n)
	}
	if n := s.Sweep(now, clock.Now().Add(spring.SweepGrace)); n != 1 {
		t.Errorf("after the grace: got %d removed, want 1", n)
	}
}
