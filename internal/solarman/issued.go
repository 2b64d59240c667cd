package solarman

import (
	"sync"
	"time"

	"github.com/tokenmock/tokenmock/internal/memstore"
	"github.com/tokenmock/tokenmock/internal/spring"
)

type issuedKey struct {
	session uint64
	jti     string
}

func (k issuedKey) sessionID() uint64 { return k.session }

type issuedToken struct {
	exp  int64     // the JWT's exp, epoch seconds
	seen time.Time // wall time a sweep first found it expired
}

// issued remembers the access tokens each session was given, by jti, so
// that a token is unknown in every other session. The JWT itself stays as
// the real platform makes it; a refresh token is known by its ati.
type issued struct {
	mu sync.Mutex
	m  *memstore.Map[issuedKey, *issuedToken]
}

// newIssued keeps at most perSession tokens of each session (past it, the
// session's oldest is forgotten) and at most global in all.
func newIssued(perSession, global int) *issued {
	return &issued{m: memstore.New[issuedKey, *issuedToken](perSession, global, issuedKey.sessionID)}
}

func (i *issued) add(session uint64, jti string, exp int64) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.m.Put(issuedKey{session, jti}, &issuedToken{exp: exp})
}

// known tells whether session was given the access token jti.
func (i *issued) known(session uint64, jti string) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	_, ok := i.m.Get(issuedKey{session, jti})
	return ok
}

func (i *issued) clear() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.m.Clear()
}

// sweep drops the tokens of sessions that are gone, and those a sweep
// found expired by their session's clock at least spring.SweepGrace of
// wall time ago: long enough to be answered as expired rather than
// unknown, however the session's clock jumps.
func (i *issued) sweep(now func(session uint64) (time.Time, bool), wall time.Time) int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.m.DeleteFunc(func(k issuedKey, t *issuedToken) bool {
		return spring.Sweepable(now, k.session, time.Unix(t.exp, 0), &t.seen, wall)
	})
}
