// Package session keeps the mock's test sessions: each has its own clock
// offset and, through its incarnation id, its own vendor state.
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
type Session struct {
	ID       uint64
	Name     string
	offset   atomic.Int64 // mock clock minus wall clock, in nanoseconds
	lastSeen atomic.Int64 // wall clock, unix nanoseconds
}

// Offset is how far the session's clock is ahead of the wall clock.
func (s *Session) Offset() time.Duration { return time.Duration(s.offset.Load()) }

// SetOffset moves the session's clock.
func (s *Session) SetOffset(d time.Duration) { s.offset.Store(int64(d)) }

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

// Offsets is a snapshot of every live session's clock offset, by id.
func (r *Registry) Offsets() map[uint64]time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[uint64]time.Duration, len(r.byName))
	for _, s := range r.byName {
		out[s.ID] = s.Offset()
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

// Clock tells each session's time: the wall clock plus the session's offset.
type Clock struct{ Wall func() time.Time }

// Now is the mock time of the session in ctx (the wall time without one).
func (c Clock) Now(ctx context.Context) time.Time {
	now := c.Wall()
	if s := From(ctx); s != nil {
		now = now.Add(s.Offset())
	}
	return now
}
