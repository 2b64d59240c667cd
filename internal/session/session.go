// Package session keeps the mock's test sessions: each has its own clock
// (an offset from the wall clock, or a frozen time) and, through its
// incarnation id, its own vendor state.
package session

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenmock/tokenmock/internal/ids"
)

// Default is the session of requests that name none.
const Default = "default"

// Limits of the registry (DESIGN.md "Sessions").
const (
	MaxSessions = 10000
	IdleTimeout = time.Hour
	MaxNameLen  = 64
)

// ErrFull is Acquire's error when a new session is wanted while all
// MaxSessions live sessions are in use by requests in flight, so that
// none can be evicted; the caller answers 503.
var ErrFull = fmt.Errorf("all %d sessions (the most that exist at once) are in use by requests in flight: retry when one completes", MaxSessions)

// ValidName reports whether name can name a session: 1 to MaxNameLen of
// [A-Za-z0-9._~-], not made only of dots (it must survive a URL path
// segment and a header unchanged, and "." and ".." do not).
func ValidName(name string) bool {
	return ids.Unreserved(name, MaxNameLen) && strings.Trim(name, ".") != ""
}

// NameError is the error of a name that cannot name a session; nil for a
// valid one.
func NameError(name string) error {
	if ValidName(name) {
		return nil
	}
	return fmt.Errorf("invalid session name %q: want 1 to %d of [A-Za-z0-9._~-], not only dots", name, MaxNameLen)
}

// Session is one test session. Vendor stores key their state by ID, so a
// session dropped and created again under the same name starts empty.
// The zero Session (bar its name) is usable: its clock shows the wall time.
type Session struct {
	ID    uint64
	Name  string
	clock atomic.Pointer[clock] // nil: running, no offset

	// Kept by the Registry under its lock: the LRU list (a session in use
	// by a request is off the list, so neither idle nor evictable), the
	// wall time it was last used (unix nanoseconds), the requests using
	// it, and whether the registry has dropped it.
	prev, next *Session
	seen       int64
	users      int
	gone       bool
}

// clock is one state of a session's clock; a state is never changed once
// stored, so a reader needs no lock and a writer swaps whole states.
type clock struct {
	offset time.Duration // running: the mock time minus the wall time
	frozen bool
	at     time.Time // frozen: the time it shows
}

func (c *clock) now(wall time.Time) time.Time {
	switch {
	case c == nil:
		return wall
	case c.frozen:
		return c.at
	}
	return wall.Add(c.offset)
}

// Now is the session's mock time when the wall clock shows wall: the wall
// time plus the session's offset, or the time it was frozen at. Every
// reader of a session's time goes through it.
func (s *Session) Now(wall time.Time) time.Time { return s.clock.Load().now(wall) }

// Reading is a session's clock at one wall time.
type Reading struct {
	Now    time.Time
	Offset time.Duration // Now minus the wall time
	Frozen bool
}

// Read reads the session's clock when the wall clock shows wall.
func (s *Session) Read(wall time.Time) Reading { return read(s.clock.Load(), wall) }

func read(c *clock, wall time.Time) Reading {
	now := c.now(wall)
	return Reading{Now: now, Offset: now.Sub(wall), Frozen: c != nil && c.frozen}
}

// ChangeClock changes the session's clock as one step, safe against
// concurrent changes (none is lost): change gets the clock read at wall
// and returns the time it is to show and whether it is to stand still
// from there; an error from change leaves the clock as it was. change
// may run more than once (when another change came first), so it must
// only compute.
func (s *Session) ChangeClock(wall time.Time, change func(Reading) (now time.Time, frozen bool, err error)) (Reading, error) {
	for {
		old := s.clock.Load()
		now, frozen, err := change(read(old, wall))
		if err != nil {
			return read(old, wall), err
		}
		next := &clock{frozen: frozen}
		if frozen {
			next.at = now
		} else {
			next.offset = now.Sub(wall)
		}
		if s.clock.CompareAndSwap(old, next) {
			return read(next, wall), nil
		}
	}
}

// ResetClock puts the session's clock back to the wall time, running.
func (s *Session) ResetClock() { s.clock.Store(nil) }

// Registry holds the live sessions. Every operation on one session is
// O(1): the sessions not in use are kept on a list in the order they were
// last used (the head most recent), so the idle drop walks from the tail
// only while the tail is idle, and eviction at the cap takes the tail.
type Registry struct {
	// OnDrop, when set before use, learns of every session dropped, so that
	// state kept elsewhere by session id can go too.
	OnDrop func(id uint64)
	wall   func() time.Time
	mu     sync.Mutex
	byName map[string]*Session
	lru    Session // the list's sentinel: lru.next the most recent, lru.prev the least
	nextID uint64
	max    int
}

// NewRegistry returns a registry that reads the wall clock from wall
// (time.Now when nil).
func NewRegistry(wall func() time.Time) *Registry {
	if wall == nil {
		wall = time.Now
	}
	r := &Registry{wall: wall, byName: map[string]*Session{}, max: MaxSessions}
	r.lru.prev, r.lru.next = &r.lru, &r.lru
	return r
}

// Wall is the registry's wall clock.
func (r *Registry) Wall() time.Time { return r.wall() }

// Get returns the named session, creating it if needed, and marks it used
// now. An invalid name is an error (the caller answers 400), and so is
// ErrFull (503). A request uses Acquire instead, which also keeps the
// session from being dropped while the request runs.
func (r *Registry) Get(name string) (*Session, error) { return r.get(name, false) }

// Acquire is Get for a request: the session is in use, and so neither
// idle nor evictable, until Release. Every Acquire that returns a session
// needs one Release.
func (r *Registry) Acquire(name string) (*Session, error) { return r.get(name, true) }

// Release ends one use of s begun by Acquire: s is then the most recently
// used session. A session dropped meanwhile (Drop) stays gone, and OnDrop
// learns of it again, for state the request made after the drop.
func (r *Registry) Release(s *Session) {
	now := r.wall().UnixNano()
	r.mu.Lock()
	s.users--
	gone := s.gone
	if s.users == 0 && !gone {
		s.seen = now
		r.pushFrontLocked(s)
	}
	r.mu.Unlock()
	if gone {
		r.notify([]uint64{s.ID})
	}
}

func (r *Registry) get(name string, use bool) (*Session, error) {
	if name == "" {
		name = Default
	}
	if err := NameError(name); err != nil {
		return nil, err
	}
	now := r.wall().UnixNano()
	var dropped []uint64
	r.mu.Lock()
	s := r.byName[name]
	if s == nil {
		dropped = r.dropIdleLocked(now)
		if len(r.byName) >= r.max {
			victim := r.lru.prev
			if victim == &r.lru {
				r.mu.Unlock()
				r.notify(dropped)
				return nil, ErrFull
			}
			r.dropLocked(victim)
			dropped = append(dropped, victim.ID)
		}
		r.nextID++
		s = &Session{ID: r.nextID, Name: name}
		r.byName[name] = s
	} else {
		r.unlinkLocked(s)
	}
	s.seen = now
	if use {
		s.users++
	}
	if s.users == 0 {
		r.pushFrontLocked(s)
	}
	r.mu.Unlock()
	r.notify(dropped)
	return s, nil
}

// pushFrontLocked lists s as the most recently used; the default session
// is never listed, so never dropped.
func (r *Registry) pushFrontLocked(s *Session) {
	if s.Name == Default || s.next != nil {
		return
	}
	s.prev, s.next = &r.lru, r.lru.next
	s.prev.next, s.next.prev = s, s
}

func (r *Registry) unlinkLocked(s *Session) {
	if s.next == nil {
		return
	}
	s.prev.next, s.next.prev = s.next, s.prev
	s.prev, s.next = nil, nil
}

func (r *Registry) dropLocked(s *Session) {
	r.unlinkLocked(s)
	delete(r.byName, s.Name)
	s.gone = true
}

// Lookup returns the named session without creating or touching it.
func (r *Registry) Lookup(name string) *Session {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byName[name]
}

// Drop forgets every session; the next request starts afresh.
func (r *Registry) Drop() {
	r.mu.Lock()
	dropped := make([]uint64, 0, len(r.byName))
	for _, s := range r.byName {
		dropped = append(dropped, s.ID)
		s.prev, s.next, s.gone = nil, nil, true
	}
	r.byName = map[string]*Session{}
	r.lru.prev, r.lru.next = &r.lru, &r.lru
	r.mu.Unlock()
	r.notify(dropped)
}

func (r *Registry) notify(ids []uint64) {
	if r.OnDrop == nil {
		return
	}
	for _, id := range ids {
		r.OnDrop(id)
	}
}

// Times reads every live session's clock at one wall time: that time,
// and each session's mock time by id.
func (r *Registry) Times() (time.Time, map[uint64]time.Time) {
	wall := r.wall()
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[uint64]time.Time, len(r.byName))
	for _, s := range r.byName {
		out[s.ID] = s.Now(wall)
	}
	return wall, out
}

// Names lists the live sessions: each one's name by id.
func (r *Registry) Names() map[uint64]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[uint64]string, len(r.byName))
	for name, s := range r.byName {
		out[s.ID] = name
	}
	return out
}

// Len is the number of live sessions.
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byName)
}

// dropIdleLocked runs only when a session is created, and walks from the
// least recently used only while that one has been idle for IdleTimeout:
// each session is dropped once, so the walk is O(1) per creation
// amortised. Sessions in use are off the list, so never idle.
func (r *Registry) dropIdleLocked(now int64) []uint64 {
	var dropped []uint64
	limit := now - int64(IdleTimeout)
	for s := r.lru.prev; s != &r.lru && s.seen < limit; s = r.lru.prev {
		r.dropLocked(s)
		dropped = append(dropped, s.ID)
	}
	return dropped
}

type ctxKey struct{}

// With returns ctx carrying s.
func With(ctx context.Context, s *Session) context.Context {
	return context.WithValue(ctx, ctxKey{}, s)
}

// From returns the session of ctx, or nil.
func From(ctx context.Context) *Session {
	s, _ := ctx.Value(ctxKey{}).(*Session)
	return s
}

// Clock tells each session's time (see Session.Now).
type Clock struct{ Wall func() time.Time }

// Now is the mock time of the session in ctx (the wall time without one).
func (c Clock) Now(ctx context.Context) time.Time {
	now := c.Wall()
	if s := From(ctx); s != nil {
		now = s.Now(now)
	}
	return now
}
