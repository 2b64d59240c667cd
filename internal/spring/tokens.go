// Package spring is what the Spring Security OAuth2 2.x authorization
// servers behind the vendors share: single-use codes and token services
// with Spring's reuse, expiry and refresh semantics. iSolarCloud and the DI
// platform both run one, each under its own wire envelope; neither vendor
// package imports the other.
package spring

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tokenmock/tokenmock/internal/memstore"
)

// Grant is what an authorization gave: to which client, for which user and
// scope, in which session. Data carries the vendor's own grant contents
// (iSolarCloud's plants, for one) and is never compared.
type Grant struct {
	Session uint64
	Client  string
	User    string
	Scope   string
	Data    any
}

// key identifies the grant as Spring's DefaultAuthenticationKeyGenerator
// does: the scope as a set, so "b a" and "a b" are one grant.
func (g Grant) key() grantKey {
	scope := g.Scope
	if strings.Contains(scope, " ") {
		parts := strings.Fields(scope)
		slices.Sort(parts)
		scope = strings.Join(parts, " ")
	}
	return grantKey{g.Session, g.Client, g.User, scope}
}

type grantKey struct {
	session             uint64
	client, user, scope string
}

type key struct {
	session uint64
	value   string
}

func sessionOf(k key) uint64 { return k.session }

// Access is an issued access token with its refresh token, as the caller
// sees it: a copy, safe to read without locks.
type Access struct {
	Value            string
	ExpiresAt        time.Time
	Refresh          string // empty when the policy issues none
	RefreshExpiresAt time.Time
	Grant            Grant
}

// ExpiresIn is Spring's expires_in: the remaining whole seconds, rounded
// up, minus one (172799 for a fresh two-day token).
func ExpiresIn(expiresAt, now time.Time) int64 {
	rem := expiresAt.Sub(now)
	secs := int64(rem / time.Second)
	if rem%time.Second > 0 {
		secs++
	}
	return secs - 1
}

// Policy is how tokens are issued and refreshed.
type Policy struct {
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	Refresh    bool // issue refresh tokens
	ReuseLive  bool // hand out the live token again for the same grant
	Rotate     bool // a refresh replaces the refresh token
}

// Token-service errors; vendors map them to their own wire bodies.
var (
	ErrInvalidRefresh = errors.New("invalid refresh token")
	ErrWrongClient    = errors.New("wrong client for this refresh token")
	ErrRefreshExpired = errors.New("refresh token expired")
)

type accessEntry struct {
	exp     time.Time
	grant   Grant
	refresh string
	seen    time.Time // wall time a sweep first found it expired
}

type refreshEntry struct {
	exp    time.Time
	grant  Grant
	access string
	seen   time.Time
}

// Tokens stores access and refresh tokens of every session.
type Tokens struct {
	newValue func() string

	mu      sync.Mutex
	access  *memstore.Map[key, *accessEntry]
	refresh *memstore.Map[key, *refreshEntry]
	live    map[grantKey]string // the grant's current access token
}

// NewTokens returns a store that draws token values from newValue and keeps
// at most perSession tokens of each kind per session (past it, the
// session's oldest token of that kind goes) and at most global in all
// (past it, the oldest of any session goes; never below perSession).
func NewTokens(newValue func() string, perSession, global int) *Tokens {
	t := &Tokens{newValue: newValue}
	t.access = memstore.New[key, *accessEntry](perSession, global, sessionOf)
	t.refresh = memstore.New[key, *refreshEntry](perSession, global, sessionOf)
	t.live = map[grantKey]string{}
	return t
}

// Issue returns an access token for g, following Spring's
// DefaultTokenServices.createAccessToken: a live token of the same grant is
// handed out again when the policy reuses; an expired one is replaced, but
// its refresh token, if still valid, is kept, since the client may hold it.
// ttl, when positive, overrides the policy's access lifetime and always
// mints a new token: a scenario asking for a short-lived token gets one.
func (t *Tokens) Issue(g Grant, now time.Time, p Policy, ttl time.Duration) Access {
	t.mu.Lock()
	defer t.mu.Unlock()
	gk := g.key()
	keepRefresh := ""
	if p.ReuseLive && ttl <= 0 {
		if v, ok := t.live[gk]; ok {
			if a, ok := t.access.Get(key{g.Session, v}); ok {
				if now.Before(a.exp) {
					return t.viewLocked(g.Session, v, a)
				}
				t.access.Delete(key{g.Session, v})
				if r, ok := t.refresh.Get(key{g.Session, a.refresh}); ok && now.Before(r.exp) {
					keepRefresh = a.refresh
				}
			}
		}
	}
	return t.mintLocked(g, now, p, ttl, keepRefresh)
}

func (t *Tokens) mintLocked(g Grant, now time.Time, p Policy, ttl time.Duration, refresh string) Access {
	if ttl <= 0 {
		ttl = p.AccessTTL
	}
	value := t.newValue()
	ae := &accessEntry{exp: now.Add(ttl), grant: g}
	if p.Refresh {
		if refresh == "" {
			refresh = t.newValue()
			t.refresh.Put(key{g.Session, refresh}, &refreshEntry{exp: now.Add(p.RefreshTTL), grant: g})
		}
		if r, ok := t.refresh.Get(key{g.Session, refresh}); ok {
			r.access = value
		}
		ae.refresh = refresh
	}
	if ok, oa, evicted := t.access.Put(key{g.Session, value}, ae); evicted {
		t.forgetLiveLocked(ok, oa)
	}
	t.live[g.key()] = value
	return t.viewLocked(g.Session, value, ae)
}

// forgetLiveLocked keeps the live index from outgrowing the store.
func (t *Tokens) forgetLiveLocked(k key, a *accessEntry) {
	if t.live[a.grant.key()] == k.value {
		delete(t.live, a.grant.key())
	}
}

func (t *Tokens) viewLocked(session uint64, value string, a *accessEntry) Access {
	v := Access{Value: value, ExpiresAt: a.exp, Refresh: a.refresh, Grant: a.grant}
	if r, ok := t.refresh.Get(key{session, a.refresh}); ok {
		v.RefreshExpiresAt = r.exp
	}
	return v
}

// Refresh trades a refresh token for a new access token, as Spring's
// DefaultTokenServices.refreshAccessToken does: the access token issued
// from it is revoked (even when the refresh then fails), and with rotation
// the old refresh token dies too. narrow, when set, may change the grant
// (a narrower scope) or refuse it. With ErrWrongClient and
// ErrRefreshExpired the Access returned carries the refresh token's grant
// and expiry, so that the refusal can be explained.
func (t *Tokens) Refresh(session uint64, client, value string, now time.Time, p Policy, ttl time.Duration, narrow func(Grant) (Grant, error)) (Access, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := key{session, value}
	r, ok := t.refresh.Get(k)
	if !ok {
		return Access{}, ErrInvalidRefresh
	}
	if r.grant.Client != client {
		return Access{Grant: r.grant, RefreshExpiresAt: r.exp}, ErrWrongClient
	}
	if r.access != "" {
		if a, ok := t.access.Get(key{session, r.access}); ok {
			t.access.Delete(key{session, r.access})
			t.forgetLiveLocked(key{session, r.access}, a)
		}
		r.access = ""
	}
	if !now.Before(r.exp) {
		t.refresh.Delete(k)
		return Access{Grant: r.grant, RefreshExpiresAt: r.exp}, ErrRefreshExpired
	}
	g := r.grant
	if narrow != nil {
		var err error
		if g, err = narrow(g); err != nil {
			return Access{}, err
		}
	}
	keep := value
	if p.Rotate {
		t.refresh.Delete(k)
		keep = ""
	}
	return t.mintLocked(g, now, p, ttl, keep), nil
}

// LiveScopes is the set of scopes of the user's unexpired access tokens of
// the client: Spring's TokenApprovalStore derives approvals from them.
func (t *Tokens) LiveScopes(session uint64, client, user string, now time.Time) map[string]bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string]bool{}
	for gk, v := range t.live {
		if gk.session != session || gk.client != client || gk.user != user {
			continue
		}
		if a, ok := t.access.Get(key{session, v}); ok && now.Before(a.exp) {
			for _, s := range strings.Fields(a.grant.Scope) {
				out[s] = true
			}
		}
	}
	return out
}

// Token describes a stored token for introspection.
type Token struct {
	Kind      string // "access" or "refresh"
	ExpiresAt time.Time
	Grant     Grant
}

// Lookup finds a token of the session by value, live or expired.
func (t *Tokens) Lookup(session uint64, value string) (Token, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if a, ok := t.access.Get(key{session, value}); ok {
		return Token{Kind: "access", ExpiresAt: a.exp, Grant: a.grant}, true
	}
	if r, ok := t.refresh.Get(key{session, value}); ok {
		return Token{Kind: "refresh", ExpiresAt: r.exp, Grant: r.grant}, true
	}
	return Token{}, false
}

// Sweep removes tokens of sessions that are gone, and tokens that a sweep
// at least SweepGrace of wall time ago already found expired: an expired
// token stays long enough to be answered as expired rather than unknown,
// however the session's clock jumps. now tells a session's mock time, and
// whether the session still exists.
func (t *Tokens) Sweep(now func(session uint64) (time.Time, bool), wall time.Time) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.access.DeleteFunc(func(k key, a *accessEntry) bool {
		if Sweepable(now, k.session, a.exp, &a.seen, wall) {
			t.forgetLiveLocked(k, a)
			return true
		}
		return false
	})
	n += t.refresh.DeleteFunc(func(k key, r *refreshEntry) bool { return Sweepable(now, k.session, r.exp, &r.seen, wall) })
	return n
}

// SweepGrace is how long an expired entry stays after a sweep first sees it.
const SweepGrace = time.Hour

// Sweepable tells whether a sweep at wall drops an entry of session that
// expires at exp: yes when the session is gone, or when a sweep at least
// SweepGrace of wall time ago already found it expired. seen is the
// entry's record of when a sweep first found it expired; Sweepable sets
// it, and clears it when the session's clock went back.
func Sweepable(now func(session uint64) (time.Time, bool), session uint64, exp time.Time, seen *time.Time, wall time.Time) bool {
	mock, live := now(session)
	switch {
	case !live:
		return true
	case mock.Before(exp):
		*seen = time.Time{} // the session's clock went back
		return false
	case seen.IsZero():
		*seen = wall
		return false
	}
	return wall.Sub(*seen) >= SweepGrace
}

// Len is the number of stored access and refresh tokens.
func (t *Tokens) Len() (access, refresh int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.access.Len(), t.refresh.Len()
}

// Clear forgets every token.
func (t *Tokens) Clear() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.access.Clear()
	t.refresh.Clear()
	t.live = map[grantKey]string{}
}
