package spring

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func counter() func() string {
	var n atomic.Int64
	return func() string { return fmt.Sprint("tok-", n.Add(1)) }
}

var policy = Policy{AccessTTL: 48 * time.Hour, RefreshTTL: 720 * time.Hour, Refresh: true, ReuseLive: true, Rotate: true}

func TestExpiresIn(t *testing.T) {
	cases := []struct {
		rem  time.Duration
		want int64
	}{
		{48 * time.Hour, 172799},
		{48*time.Hour - 3*time.Millisecond, 172799},
		{48*time.Hour - time.Second, 172798},
		{30 * time.Second, 29},
		{time.Millisecond, 0},
	}
	for _, c := range cases {
		if got := ExpiresIn(t0.Add(c.rem), t0); got != c.want {
			t.Errorf("ExpiresIn(%v): got %d, want %d", c.rem, got, c.want)
		}
	}
}

func TestIssueReusesLiveTokenThenReplacesExpiredKeepingRefresh(t *testing.T) {
	s := NewTokens(counter(), 10, 10)
	g := Grant{Session: 1, Client: "app", User: "u"}
	a := s.Issue(g, t0, policy, 0)
	b := s.Issue(g, t0.Add(time.Hour), policy, 0)
	if a.Value != b.Value || a.Refresh != b.Refresh {
		t.Fatalf("got %v then %v, want the same pair while live", a, b)
	}
	c := s.Issue(g, t0.Add(49*time.Hour), policy, 0)
	if c.Value == a.Value {
		t.Errorf("got the expired access token again, want a new one")
	}
	if c.Refresh != a.Refresh {
		t.Errorf("got refresh %q, want the still valid %q kept", c.Refresh, a.Refresh)
	}
	other := s.Issue(Grant{Session: 2, Client: "app", User: "u"}, t0, policy, 0)
	if other.Value == c.Value {
		t.Errorf("another session got this session's token")
	}
	if d := s.Issue(g, t0.Add(49*time.Hour), policy, 30*time.Second); d.Value == c.Value || !d.ExpiresAt.Equal(t0.Add(49*time.Hour+30*time.Second)) {
		t.Errorf("a ttl override: got %v, want a new token living 30 s", d)
	}
	noReuse := policy
	noReuse.ReuseLive = false
	if d := s.Issue(g, t0.Add(49*time.Hour), noReuse, 0); d.Value == c.Value {
		t.Errorf("got a reused token with reuse off")
	}
}

func TestRefreshRotatesAndRevokes(t *testing.T) {
	s := NewTokens(counter(), 10, 10)
	g := Grant{Session: 1, Client: "app", User: "u"}
	a := s.Issue(g, t0, policy, 0)
	b, err := s.Refresh(1, "app", a.Refresh, t0.Add(time.Hour), policy, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Refresh == a.Refresh || b.Value == a.Value {
		t.Errorf("got %v, want a new pair", b)
	}
	if _, ok := s.Lookup(1, a.Value); ok {
		t.Errorf("old access token still stored, want revoked")
	}
	if _, err := s.Refresh(1, "app", a.Refresh, t0.Add(time.Hour), policy, 0, nil); !errors.Is(err, ErrInvalidRefresh) {
		t.Errorf("old refresh token: got %v, want %v", err, ErrInvalidRefresh)
	}
	if got, err := s.Refresh(1, "other", b.Refresh, t0.Add(time.Hour), policy, 0, nil); !errors.Is(err, ErrWrongClient) || got.Grant.Client != "app" {
		t.Errorf("other client: got %+v, %v, want %v naming the token's client", got, err, ErrWrongClient)
	}
	if _, err := s.Refresh(2, "app", b.Refresh, t0.Add(time.Hour), policy, 0, nil); !errors.Is(err, ErrInvalidRefresh) {
		t.Errorf("other session: got %v, want %v", err, ErrInvalidRefresh)
	}
	late := t0.Add(time.Hour + 720*time.Hour)
	if got, err := s.Refresh(1, "app", b.Refresh, late, policy, 0, nil); !errors.Is(err, ErrRefreshExpired) || !got.RefreshExpiresAt.Equal(b.RefreshExpiresAt) {
		t.Errorf("after 30 days: got %+v, %v, want %v with the expiry %v", got, err, ErrRefreshExpired, b.RefreshExpiresAt)
	}
	if _, err := s.Refresh(1, "app", b.Refresh, late, policy, 0, nil); !errors.Is(err, ErrInvalidRefresh) {
		t.Errorf("expired twice: got %v, want %v (Spring removes it)", err, ErrInvalidRefresh)
	}
}

func TestRefreshWithoutRotationKeepsRefreshToken(t *testing.T) {
	s := NewTokens(counter(), 10, 10)
	p := policy
	p.Rotate = false
	a := s.Issue(Grant{Session: 1, Client: "c"}, t0, p, 0)
	b, err := s.Refresh(1, "c", a.Refresh, t0, p, 30*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Refresh != a.Refresh {
		t.Errorf("got refresh %q, want %q kept", b.Refresh, a.Refresh)
	}
	if got := ExpiresIn(b.ExpiresAt, t0); got != 29 {
		t.Errorf("ttl override: got expires_in %d, want 29", got)
	}
}

func TestCapEvictsOldestAndSweep(t *testing.T) {
	s := NewTokens(counter(), 3, 3)
	p := Policy{AccessTTL: time.Minute}
	for i := 0; i < 5; i++ {
		s.Issue(Grant{Session: 1, User: fmt.Sprint(i)}, t0, p, 0)
	}
	if a, _ := s.Len(); a != 3 {
		t.Errorf("got %d access tokens, want 3", a)
	}
	if len(s.live) != 3 {
		t.Errorf("got %d live index entries, want 3", len(s.live))
	}
	wall := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	later := func(uint64) (time.Time, bool) { return t0.Add(2 * time.Minute), true }
	if n := s.Sweep(later, wall); n != 0 {
		t.Errorf("first sweep removed %d, want 0: it only notes what expired", n)
	}
	if n := s.Sweep(later, wall.Add(SweepGrace-time.Second)); n != 0 {
		t.Errorf("within the grace: removed %d, want 0", n)
	}
	if n := s.Sweep(later, wall.Add(SweepGrace)); n != 3 {
		t.Errorf("after the grace: removed %d, want 3", n)
	}
	if len(s.live) != 0 {
		t.Errorf("got %d live index entries after sweep, want 0", len(s.live))
	}
}

func TestSweepDropsGoneSessionsAndForgivesClockRewinds(t *testing.T) {
	s := NewTokens(counter(), 10, 10)
	p := Policy{AccessTTL: time.Minute}
	s.Issue(Grant{Session: 1, User: "a"}, t0, p, 0)
	s.Issue(Grant{Session: 2, User: "b"}, t0, p, 0)
	wall := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func(id uint64) (time.Time, bool) { return t0.Add(2 * time.Minute), id == 1 }
	if n := s.Sweep(now, wall); n != 1 {
		t.Errorf("got %d removed, want session 2's token", n)
	}
	s.Sweep(now, wall) // session 1's token is seen expired
	rewound := func(uint64) (time.Time, bool) { return t0, true }
	s.Sweep(rewound, wall.Add(2*SweepGrace))
	if a, _ := s.Len(); a != 1 {
		t.Errorf("after the clock went back: %d tokens, want 1 kept", a)
	}
	codes := NewCodes(10, 10)
	codes.Add(Code{Value: "c", ExpiresAt: t0, Grant: Grant{Session: 1}})
	codes.Sweep(now, wall)
	if codes.Sweep(now, wall.Add(SweepGrace)) != 1 || codes.Len() != 0 {
		t.Errorf("codes: want the expired code swept")
	}
}

func TestCodeConsumedOnceUnderConcurrency(t *testing.T) {
	s := NewCodes(10, 10)
	if err := s.Add(Code{Value: "abc", ExpiresAt: t0.Add(time.Minute), Grant: Grant{Session: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(Code{Value: "abc", Grant: Grant{Session: 1}}); !errors.Is(err, ErrCodeExists) {
		t.Errorf("duplicate: got %v, want %v", err, ErrCodeExists)
	}
	var wins atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, ok := s.Consume(1, "abc", t0); ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("got %d successful consumes, want 1", wins.Load())
	}
}

func TestExpiredCodeIsConsumedAndRefused(t *testing.T) {
	s := NewCodes(10, 10)
	s.Add(Code{Value: "x", ExpiresAt: t0, Grant: Grant{Session: 1}})
	if _, ok := s.Consume(1, "x", t0); ok {
		t.Errorf("expired code accepted")
	}
	if s.Len() != 0 {
		t.Errorf("got %d codes, want the expired one removed", s.Len())
	}
	// Take tells the two refusals apart; the expired code comes back with
	// its expiry.
	s.Add(Code{Value: "y", ExpiresAt: t0, Grant: Grant{Session: 1}})
	if c, err := s.Take(1, "y", t0); !errors.Is(err, ErrCodeExpired) || !c.ExpiresAt.Equal(t0) {
		t.Errorf("expired: got %+v, %v, want %v at %v", c, err, ErrCodeExpired, t0)
	}
	if _, err := s.Take(1, "y", t0); !errors.Is(err, ErrCodeUnknown) {
		t.Errorf("again: got %v, want %v", err, ErrCodeUnknown)
	}
}

// AddDrawn draws a value when the code has none, passing over values in
// use and those reserved elsewhere; a chosen value is kept as given.
func TestAddDrawnSkipsTakenValues(t *testing.T) {
	s := NewCodes(10, 10)
	if err := s.Add(Code{Value: "a", Grant: Grant{Session: 1}}); err != nil {
		t.Fatal(err)
	}
	draws := []string{"a", "r", "b"} // in use, reserved, free
	draw := func() string { v := draws[0]; draws = draws[1:]; return v }
	got, err := s.AddDrawn(Code{Grant: Grant{Session: 1}}, draw, func(v string) bool { return v == "r" })
	if err != nil || got != "b" || len(draws) != 0 {
		t.Errorf("got %q %v with %d draws left, want b, nil, 0", got, err, len(draws))
	}
	if got, err := s.AddDrawn(Code{Value: "mine", Grant: Grant{Session: 1}}, nil, nil); err != nil || got != "mine" {
		t.Errorf("chosen value: got %q %v, want mine", got, err)
	}
	if _, err := s.AddDrawn(Code{Value: "mine", Grant: Grant{Session: 1}}, nil, nil); !errors.Is(err, ErrCodeExists) {
		t.Errorf("chosen value twice: got %v, want %v", err, ErrCodeExists)
	}
	s.Clear()
	if s.Len() != 0 {
		t.Errorf("after Clear: got %d codes, want 0", s.Len())
	}
}

func TestValidCodeValue(t *testing.T) {
	for v, want := range map[string]bool{
		"rFrnww": true, "a.b_c~d-e": true, strings.Repeat("x", 64): true,
		"": false, strings.Repeat("x", 65): false, "a b": false, "a/b": false, "é": false,
	} {
		if got := ValidCodeValue(v); got != want {
			t.Errorf("ValidCodeValue(%q): got %v, want %v", v, got, want)
		}
	}
}

// LiveScopes are the scopes of the user's unexpired access tokens of the
// client in the session, as Spring's approval store derives them; Lookup
// finds access and refresh tokens, live or expired.
func TestLiveScopesAndLookup(t *testing.T) {
	s := NewTokens(counter(), 100, 100)
	p := policy
	p.AccessTTL = time.Hour
	a := s.Issue(Grant{Session: 1, Client: "c", User: "u", Scope: "read write"}, t0, p, 0)
	s.Issue(Grant{Session: 1, Client: "c", User: "u", Scope: "admin"}, t0, p, 0)
	s.Issue(Grant{Session: 1, Client: "other", User: "u", Scope: "x"}, t0, p, 0)
	s.Issue(Grant{Session: 2, Client: "c", User: "u", Scope: "y"}, t0, p, 0)
	got := s.LiveScopes(1, "c", "u", t0)
	if want := map[string]bool{"read": true, "write": true, "admin": true}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := s.LiveScopes(1, "c", "u", t0.Add(time.Hour)); len(got) != 0 {
		t.Errorf("an hour later: got %v, want none", got)
	}
	for _, c := range []struct {
		value, kind string
		ok          bool
	}{{a.Value, "access", true}, {a.Refresh, "refresh", true}, {"nope", "", false}} {
		tok, ok := s.Lookup(1, c.value)
		if ok != c.ok || tok.Kind != c.kind || (ok && tok.Grant.User != "u") {
			t.Errorf("Lookup(%q): got %+v %v, want kind %q", c.value, tok, ok, c.kind)
		}
	}
	if _, ok := s.Lookup(2, a.Value); ok {
		t.Error("another session's token: got found, want not")
	}
	// "write read" is the grant "read write": the same live token again.
	if b := s.Issue(Grant{Session: 1, Client: "c", User: "u", Scope: "write read"}, t0, p, 0); b.Value != a.Value {
		t.Errorf("same scopes in another order: got a new token %s, want %s again", b.Value, a.Value)
	}
	s.Clear()
	if acc, ref := s.Len(); acc != 0 || ref != 0 {
		t.Errorf("after Clear: got %d access and %d refresh tokens, want none", acc, ref)
	}
}
