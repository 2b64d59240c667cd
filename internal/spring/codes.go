package spring

import (
	"errors"
	"sync"
	"time"

	"github.com/tokenmock/tokenmock/internal/ids"
	"github.com/tokenmock/tokenmock/internal/memstore"
)

// ErrCodeExists is returned when a chosen code value is already taken.
var ErrCodeExists = errors.New("code already exists")

// Errors of Take: why a code was refused, for the vendor's log reason.
var (
	ErrCodeUnknown = errors.New("code unknown or already used")
	ErrCodeExpired = errors.New("code expired")
)

// Code is an authorization code (or any one-time ticket) and what it is
// bound to.
type Code struct {
	Value       string
	ExpiresAt   time.Time
	RedirectURI string
	// RedirectSent tells whether redirect_uri was sent at /authorize; if it
	// was, the exchange must send the same (Spring's rule).
	RedirectSent bool
	State        string
	Grant        Grant
	seen         time.Time // wall time a sweep first found it expired
}

// Codes holds one-time codes of every session.
type Codes struct {
	mu sync.Mutex
	m  *memstore.Map[key, *Code]
}

// NewCodes returns a store of at most perSession codes per session (past
// it, the session's oldest code goes) and at most global in all (past it,
// the oldest of any session goes; never below perSession).
func NewCodes(perSession, global int) *Codes {
	return &Codes{m: memstore.New[key, *Code](perSession, global, sessionOf)}
}

// Add stores c; a value in use in the same session is refused.
func (s *Codes) Add(c Code) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key{c.Grant.Session, c.Value}
	if _, ok := s.m.Get(k); ok {
		return ErrCodeExists
	}
	s.m.Put(k, &c)
	return nil
}

// AddDrawn stores c; when c has no value it draws one with draw, skipping
// values in use and those reserved says are taken elsewhere (static codes).
func (s *Codes) AddDrawn(c Code, draw func() string, reserved func(string) bool) (string, error) {
	if c.Value != "" {
		return c.Value, s.Add(c)
	}
	for {
		c.Value = draw()
		if reserved != nil && reserved(c.Value) {
			continue
		}
		if err := s.Add(c); !errors.Is(err, ErrCodeExists) {
			return c.Value, err
		}
	}
}

// ValidCodeValue tells whether a code chosen through the admin API is
// acceptable: 1 to 64 characters that need no escaping in a URL.
func ValidCodeValue(v string) bool { return ids.Unreserved(v, 64) }

// Consume removes the code and returns it when it was still valid at now.
// Exactly one of any number of concurrent calls for one code wins.
func (s *Codes) Consume(session uint64, value string, now time.Time) (Code, bool) {
	c, err := s.Take(session, value, now)
	return c, err == nil
}

// Take is Consume telling why a code is refused: ErrCodeUnknown (never
// issued in the session, already used, or swept), or ErrCodeExpired with
// the code as it was, so that its expiry can be told; an expired code is
// removed all the same.
func (s *Codes) Take(session uint64, value string, now time.Time) (Code, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key{session, value}
	c, ok := s.m.Get(k)
	if !ok {
		return Code{}, ErrCodeUnknown
	}
	s.m.Delete(k)
	if !now.Before(c.ExpiresAt) {
		return *c, ErrCodeExpired
	}
	return *c, nil
}

// Sweep removes codes as Tokens.Sweep removes tokens.
func (s *Codes) Sweep(now func(session uint64) (time.Time, bool), wall time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.DeleteFunc(func(k key, c *Code) bool { return Sweepable(now, k.session, c.ExpiresAt, &c.seen, wall) })
}

// Len is the number of stored codes.
func (s *Codes) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.Len()
}

// Clear forgets every code.
func (s *Codes) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m.Clear()
}
