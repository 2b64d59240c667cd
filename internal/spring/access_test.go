package spring

import (
	"errors"
	"testing"
	"time"
)

// A bearer token is found while live; once expired it is reported
// expired one time and then is unknown, as DefaultTokenServices removes
// it; a new grant then gets a new token, and the refresh token still works.
func TestLoadAccessRemovesExpired(t *testing.T) {
	s := NewTokens(counter(), 10, 10)
	g := Grant{Session: 1, Client: "app", User: "u", Scope: "read_cn"}
	a := s.Issue(g, t0, policy, 0)

	got, err := s.LoadAccess(1, a.Value, t0.Add(time.Hour))
	if err != nil || got.Kind != "access" || got.Grant != g || !got.ExpiresAt.Equal(a.ExpiresAt) {
		t.Fatalf("live: got %+v, %v, want the access token of %+v", got, err, g)
	}
	steps := []struct {
		name    string
		session uint64
		value   string
		at      time.Time
		want    error
	}{
		{"a refresh token is no access token", 1, a.Refresh, t0, ErrUnknownAccess},
		{"another session's token", 2, a.Value, t0, ErrUnknownAccess},
		{"expired", 1, a.Value, a.ExpiresAt, ErrAccessExpired},
		{"removed", 1, a.Value, a.ExpiresAt, ErrUnknownAccess},
	}
	for _, st := range steps {
		got, err := s.LoadAccess(st.session, st.value, st.at)
		if !errors.Is(err, st.want) {
			t.Errorf("%s: got %v, want %v", st.name, err, st.want)
		}
		// An expired token tells when it expired, for the log's reason.
		if err == ErrAccessExpired && (!got.ExpiresAt.Equal(a.ExpiresAt) || got.Grant != g) {
			t.Errorf("%s: got %+v, want the expired token's expiry and grant", st.name, got)
		}
	}
	if access, refresh := s.Len(); access != 0 || refresh != 1 {
		t.Errorf("got %d access and %d refresh tokens, want the expired access token gone and its refresh token kept", access, refresh)
	}
	// The grant's next token is new, and so is its refresh token, as
	// Spring's createAccessToken finds no existing token to reuse.
	b := s.Issue(g, a.ExpiresAt, policy, 0)
	if b.Value == a.Value || b.Refresh == a.Refresh {
		t.Errorf("after removal: got %+v, want a new pair", b)
	}
	c, err := s.Refresh(1, "app", a.Refresh, a.ExpiresAt, policy, 0, nil)
	if err != nil || c.Value == a.Value {
		t.Errorf("refresh with the removed token's refresh token: got %+v, %v, want a new access token", c, err)
	}
}
