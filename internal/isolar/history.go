package isolar

import (
	"sync"
	"time"

	"github.com/tokenmock/tokenmock/internal/memstore"
	"github.com/tokenmock/tokenmock/internal/spring"
)

// history remembers, for the log only, what became of one-time values the
// service handed out (minted codes, consent tickets, refresh tokens that a
// refresh rotated) once the stores have forgotten them, so that a refusal
// can say "already used" or "expired" rather than "unknown". It never
// changes an answer.
type history struct {
	mu sync.Mutex
	m  *memstore.Map[historyKey, *fate]
}

type historyKey struct {
	session uint64
	value   string
}

func (k historyKey) sessionID() uint64 { return k.session }

// fate is what is known of one value: when it stops being valid, and
// when it was used (zero: not yet).
type fate struct {
	expires, used time.Time
	seen          time.Time // wall time a sweep first found it expired
}

// newHistory keeps at most perSession values of each session (past it, the
// session's oldest is forgotten) and at most global in all.
func newHistory(perSession, global int) *history {
	return &history{m: memstore.New[historyKey, *fate](perSession, global, historyKey.sessionID)}
}

// issued records a value valid until expires.
func (h *history) issued(session uint64, value string, expires time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.m.Put(historyKey{session, value}, &fate{expires: expires})
}

// spent records that a value was used (or rotated) at now.
func (h *history) spent(session uint64, value string, expires, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if f, ok := h.m.Get(historyKey{session, value}); ok {
		f.used = now
		return
	}
	h.m.Put(historyKey{session, value}, &fate{expires: expires, used: now})
}

// of is what is known of a value; ok is false when nothing is.
func (h *history) of(session uint64, value string) (f fate, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p, ok := h.m.Get(historyKey{session, value})
	if !ok {
		return fate{}, false
	}
	return *p, true
}

// sweep drops what belongs to sessions that are gone, and values expired
// long enough ago, as the stores drop the values themselves.
func (h *history) sweep(now func(session uint64) (time.Time, bool), wall time.Time) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.m.DeleteFunc(func(k historyKey, f *fate) bool {
		return spring.Sweepable(now, k.session, f.expires, &f.seen, wall)
	})
}

func (h *history) clear() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.m.Clear()
}
