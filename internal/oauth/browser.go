package oauth

import (
	"sync"
	"time"

	"github.com/tokenmock/tokenmock/internal/memstore"
)

// cookieName is the servlet container's session cookie.
const cookieName = "JSESSIONID"

type browserKey struct {
	session uint64
	id      string
}

func (k browserKey) sessionID() uint64 { return k.session }

// pending is an authorization request waiting for the user's approval.
type pending struct {
	client       string
	redirect     string
	redirectSent bool
	scopes       []string
	scopeAsked   bool // scopes were requested rather than defaulted
	state        string
	stateSent    bool
	implicit     bool
}

// browser is what the servlet session holds: the logged-in user, the URL
// to go back to after login, and at most one pending request.
type browser struct {
	user     string
	savedURL string
	pending  *pending
}

// browsers are the servlet sessions, keyed by the test session and the
// JSESSIONID cookie.
type browsers struct {
	mu sync.Mutex
	m  *memstore.Map[browserKey, browser]
}

// newBrowsers keeps at most perSession browser sessions of each test
// session (past it, the test session's oldest goes, so that unauthenticated
// /oauth/authorize requests in one test session never log out another's
// browsers) and at most global in all.
func newBrowsers(perSession, global int) *browsers {
	return &browsers{m: memstore.New[browserKey, browser](perSession, global, browserKey.sessionID)}
}

func (b *browsers) get(k browserKey) (browser, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.m.Get(k)
}

func (b *browsers) put(k browserKey, v browser) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m.Put(k, v)
}

func (b *browsers) remove(k browserKey) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m.Delete(k)
}

// takePending removes and returns the pending request, whatever follows.
func (b *browsers) takePending(k browserKey) (browser, *pending) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.m.Get(k)
	if !ok {
		return browser{}, nil
	}
	p := v.pending
	v.pending = nil
	b.m.Put(k, v)
	return v, p
}

func (b *browsers) clear() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m.Clear()
}

// sweep drops the browser sessions of test sessions that are gone.
func (b *browsers) sweep(now func(session uint64) (time.Time, bool)) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.m.DeleteFunc(func(k browserKey, _ browser) bool { _, live := now(k.session); return !live })
}
