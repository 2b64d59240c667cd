package spring

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// Session 2 issuing past the per-session cap takes its own oldest tokens,
// never session 1's: session 1's refresh token still refreshes (review m8).
func TestSessionCapKeepsOtherSessionsTokens(t *testing.T) {
	const perSession = 4
	s := NewTokens(counter(), perSession, 1000)
	a := s.Issue(Grant{Session: 1, Client: "c", User: "alice"}, t0, policy, 0)
	var first Access
	for i := range 3 * perSession {
		got := s.Issue(Grant{Session: 2, Client: "c", User: fmt.Sprint("u", i)}, t0, policy, 0)
		if i == 0 {
			first = got
		}
	}
	if _, err := s.Refresh(1, "c", a.Refresh, t0, policy, 0, nil); err != nil {
		t.Fatalf("session 1's refresh token after session 2's load: %v", err)
	}
	// Within session 2, the oldest went.
	if _, err := s.Refresh(2, "c", first.Refresh, t0, policy, 0, nil); !errors.Is(err, ErrInvalidRefresh) {
		t.Errorf("session 2's oldest refresh token: got %v, want %v", err, ErrInvalidRefresh)
	}
	if _, ok := s.Lookup(2, first.Value); ok {
		t.Errorf("session 2's oldest access token is still there")
	}
	access, refresh := s.Len()
	if access != 1+perSession || refresh != 1+perSession {
		t.Errorf("got %d access and %d refresh tokens, want %d each", access, refresh, 1+perSession)
	}
	if len(s.live) != 1+perSession {
		t.Errorf("got %d live index entries, want %d", len(s.live), 1+perSession)
	}
}

// Past the global cap the oldest token of any session goes: the last
// resort that bounds memory however many sessions there are.
func TestGlobalCapEvictsGloballyOldestToken(t *testing.T) {
	s := NewTokens(counter(), 2, 3)
	old := s.Issue(Grant{Session: 1, Client: "c", User: "a"}, t0, policy, 0)
	for i := range 3 {
		s.Issue(Grant{Session: uint64(2 + i), Client: "c", User: "b"}, t0, policy, 0)
	}
	if _, ok := s.Lookup(1, old.Value); ok {
		t.Errorf("the globally oldest access token is still there")
	}
	if _, err := s.Refresh(1, "c", old.Refresh, t0, policy, 0, nil); !errors.Is(err, ErrInvalidRefresh) {
		t.Errorf("the globally oldest refresh token: got %v, want %v", err, ErrInvalidRefresh)
	}
	if access, refresh := s.Len(); access != 3 || refresh != 3 {
		t.Errorf("got %d access and %d refresh tokens, want 3 each", access, refresh)
	}
}

// Codes are capped per session the same way.
func TestCodesSessionCap(t *testing.T) {
	s := NewCodes(2, 100)
	if err := s.Add(Code{Value: "a", ExpiresAt: t0.Add(time.Minute), Grant: Grant{Session: 1}}); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if err := s.Add(Code{Value: fmt.Sprint("b", i), ExpiresAt: t0.Add(time.Minute), Grant: Grant{Session: 2}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Take(1, "a", t0); err != nil {
		t.Errorf("session 1's code after session 2's load: %v", err)
	}
	if _, err := s.Take(2, "b7", t0); !errors.Is(err, ErrCodeUnknown) {
		t.Errorf("session 2's third-newest code: got %v, want %v", err, ErrCodeUnknown)
	}
	if _, err := s.Take(2, "b8", t0); err != nil {
		t.Errorf("session 2's second-newest code: %v", err)
	}
}
