// Package session keeps the mock's test sessions: each has its own clock
// (an offset from the wall clock, or a frozen time) and, through its
// incarnation id, its own vendor state.
package session

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"time"
)

// Default is the session of requests that name none.
const Default = "default"

// Limits of the registry (DESIGN.md "Sessions").
const (
	MaxSessions = 10000
	IdleTimeout = time.Hour
)

var validName = regexp.MustCompile(`^[A-Za-z0-9._~-]{1,64}$`)

// ValidName reports whether name can name a session (it must survive a URL
// path segment and a header unchanged).
func ValidName(name string) bool { return validName.MatchString(name) }

// Session is one test session. Vendor stores key their state by ID, so a
// session dropped and created again under the same name starts empty.
// The zero Session (bar its name) is usable: its clock shows the wall time.
type Session struct {
	ID       uint64
	Name     string
	clock    atomic.Pointer[clock] // nil: running, no offset
	lastSeen atomic.Int64          // wall clock, unix nanoseconds
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

// Registry holds the live sessions.
type Registry struct {
	// OnDrop, when set before use, learns of every session dropped, so that
	// state kept elsewhere by session id can go too.
	OnDrop func(id uint64)
	wall   func() time.Time
	mu     sync.Mutex
	byName map[string]*Session
	nextID uint64
	max    int
}

// NewRegistry returns a registry that reads the wall clock from wall
// (time.Now when nil).
func NewRegistry(wall func() time.Time) *Registry {
	if wall == nil {
		wall = time.Now
	}
	return &Registry{wall: wall, byName: map[string]*Session{}, max: MaxSessions}
}

// Wall is the registry's wall clock.
func (r *Registry) Wall() time.Time { return r.wall() }

// Get returns the named session, creating it if needed. An invalid name is
// an error; the caller answers 400.
func (r *Registry) Get(name string) (*Session, error) {
	if name == "" {
		name = Default
	}
	if !ValidName(name) {
		return nil, fmt.Errorf("invalid session name %q: want 1 to 64 of [A-Za-z0-9._~-]", name)
	}
	now := r.wall()
	var dropped []uint64
	r.mu.Lock()
	s := r.byName[name]
	if s == nil {
		dropped = r.dropIdleLocked(now)
		if len(r.byName) >= r.max {
			dropped = append(dropped, r.evictOldestLocked()...)
		}
		r.nextID++
		s = &Session{ID: r.nextID, Name: name}
		// Seen now, before another Get can look: a session with no time
		// of its own would look idle since 1970 and be dropped at once.
		s.lastSeen.Store(now.UnixNano())
		r.byName[name] = s
	}
	r.mu.Unlock()
	r.notify(dropped)
	s.lastSeen.Store(now.UnixNano())
	return s, nil
}

// Lookup returns the named session without creating it.
func (r *Registry) Lookup(name string) *Session {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byName[name]
}

// Drop forgets every session; the next request starts afresh.
func (r *Registry) Drop() {
	r.mu.Lock()
	var dropped []uint64
	for _, s := range r.byName {
		dropped = append(dropped, s.ID)
	}
	r.byName = map[string]*Session{}
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

// NameOf returns the name of the live session with that id, or "".
func (r *Registry) NameOf(id uint64) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, s := range r.byName {
		if s.ID == id {
			return name
		}
	}
	return ""
}

// Len is the number of live sessions.
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byName)
}

// dropIdleLocked runs only when a session is created, so its cost is paid
// by new sessions, never by the hot path of an existing one.
func (r *Registry) dropIdleLocked(now time.Time) []uint64 {
	var dropped []uint64
	limit := now.Add(-IdleTimeout).UnixNano()
	for name, s := range r.byName {
		if name != Default && s.lastSeen.Load() < limit {
			delete(r.byName, name)
			dropped = append(dropped, s.ID)
		}
	}
	return dropped
}

func (r *Registry) evictOldestLocked() []uint64 {
	var oldest *Session
	for name, s := range r.byName {
		if name == Default {
			continue
		}
		if oldest == nil || s.lastSeen.Load() < oldest.lastSeen.Load() {
			oldest = s
		}
	}
	if oldest == nil {
		return nil
	}
	delete(r.byName, oldest.Name)
	return []uint64{oldest.ID}
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
