package spring

import (
	"errors"
	"time"
)

// Errors of LoadAccess; vendors map them to their own wire bodies.
var (
	ErrUnknownAccess = errors.New("invalid access token")
	ErrAccessExpired = errors.New("access token expired")
)

// LoadAccess is what a resource server sharing the token store does with
// a bearer token (Spring's DefaultTokenServices.loadAuthentication): an
// unknown value is ErrUnknownAccess; an expired token is removed from the
// store and reported as ErrAccessExpired once, so that its next use is
// ErrUnknownAccess. Refresh tokens are not access tokens. With
// ErrAccessExpired the Token returned is the one that expired, so that its
// expiry can be told.
func (t *Tokens) LoadAccess(session uint64, value string, now time.Time) (Token, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := key{session, value}
	a, ok := t.access.Get(k)
	if !ok {
		return Token{}, ErrUnknownAccess
	}
	if !now.Before(a.exp) {
		t.access.Delete(k)
		t.forgetLiveLocked(k, a)
		return Token{Kind: "access", ExpiresAt: a.exp, Grant: a.grant}, ErrAccessExpired
	}
	return Token{Kind: "access", ExpiresAt: a.exp, Grant: a.grant}, nil
}
