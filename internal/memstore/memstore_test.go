package memstore

import (
	"fmt"
	"testing"
)

type key struct {
	session uint64
	value   string
}

func sessionOf(k key) uint64 { return k.session }

func newMap(perSession, global int) *Map[key, int] {
	return New[key, int](perSession, global, sessionOf)
}

// Caps are the bounds the map was made with, after New's adjustments.
func (m *Map[K, V]) Caps() (perSession, global int) { return m.perSession, m.global }

func TestCapEvictsOldest(t *testing.T) {
	m := newMap(2, 2)
	m.Put(key{1, "a"}, 1)
	m.Put(key{1, "b"}, 2)
	m.Put(key{1, "a"}, 3) // refreshing a makes b the oldest
	k, v, ok := m.Put(key{1, "c"}, 4)
	if !ok || k != (key{1, "b"}) || v != 2 {
		t.Fatalf("got evicted %v=%d %v, want {1 b}=2 true", k, v, ok)
	}
	if v, _ := m.Get(key{1, "a"}); v != 3 {
		t.Errorf("got a=%d, want 3", v)
	}
	if m.Len() != 2 {
		t.Errorf("got len %d, want 2", m.Len())
	}
}

// One session's load evicts only its own oldest entries while another
// session is within its cap (review m8).
func TestSessionCapEvictsOnlyTheSessionsOwn(t *testing.T) {
	const perSession = 3
	m := newMap(perSession, 100)
	m.Put(key{1, "a1"}, 1)
	m.Put(key{1, "a2"}, 2)
	for i := range 50 {
		k, _, evicted := m.Put(key{2, fmt.Sprint("b", i)}, i)
		if i < perSession {
			if evicted {
				t.Fatalf("put %d of session 2: evicted %v under the cap", i, k)
			}
			continue
		}
		if want := (key{2, fmt.Sprint("b", i-perSession)}); !evicted || k != want {
			t.Fatalf("put %d of session 2: got evicted %v %v, want %v", i, k, evicted, want)
		}
	}
	for _, v := range []string{"a1", "a2"} {
		if _, ok := m.Get(key{1, v}); !ok {
			t.Errorf("session 1 lost %s to session 2's load", v)
		}
	}
	if got := m.SessionLen(2); got != perSession {
		t.Errorf("session 2 holds %d, want its cap %d", got, perSession)
	}
	if got := m.SessionLen(1); got != 2 {
		t.Errorf("session 1 holds %d, want 2", got)
	}
	if m.Len() != 2+perSession {
		t.Errorf("got len %d, want %d", m.Len(), 2+perSession)
	}
	// The session's newest survive, its oldest went.
	if _, ok := m.Get(key{2, "b49"}); !ok {
		t.Errorf("session 2's newest entry is gone")
	}
	if _, ok := m.Get(key{2, "b0"}); ok {
		t.Errorf("session 2's oldest entry is still there")
	}
}

// At the cap exactly nothing goes; one past it, the oldest does.
func TestSessionCapEdge(t *testing.T) {
	m := newMap(4, 100)
	for i := range 4 {
		if k, _, evicted := m.Put(key{7, fmt.Sprint(i)}, i); evicted {
			t.Fatalf("put %d: evicted %v at or under the cap", i, k)
		}
	}
	if k, _, evicted := m.Put(key{7, "4"}, 4); !evicted || k != (key{7, "0"}) {
		t.Fatalf("fifth put: got evicted %v %v, want {7 0}", k, evicted)
	}
}

// Past the global cap, the oldest entry of all sessions goes, whichever
// session it belongs to, and each session stays within its own cap.
func TestGlobalCapEvictsGloballyOldest(t *testing.T) {
	m := newMap(3, 5)
	m.Put(key{1, "x"}, 0) // oldest of all
	m.Put(key{2, "y"}, 0)
	m.Put(key{3, "z"}, 0)
	m.Put(key{2, "y2"}, 0)
	if _, _, evicted := m.Put(key{3, "z2"}, 0); evicted {
		t.Fatalf("fifth entry evicted one at the global cap")
	}
	k, _, evicted := m.Put(key{4, "w"}, 0)
	if !evicted || k != (key{1, "x"}) {
		t.Fatalf("got evicted %v %v, want the globally oldest {1 x}", k, evicted)
	}
	if m.SessionLen(1) != 0 || m.Len() != 5 {
		t.Errorf("got session 1 %d, len %d; want 0, 5", m.SessionLen(1), m.Len())
	}
	if len(m.sessions) != 3 {
		t.Errorf("got %d session lists, want 3 (an emptied session's list is dropped)", len(m.sessions))
	}
	// Refreshing an entry makes it the newest of all: {2 y} survives, {3 z} goes.
	m.Put(key{2, "y"}, 1)
	if k, _, _ := m.Put(key{5, "v"}, 0); k != (key{3, "z"}) {
		t.Fatalf("got evicted %v, want {3 z}", k)
	}
}

// The global cap is never below the per-session cap, and both at least one.
func TestCapsAdjusted(t *testing.T) {
	if p, g := New[key, int](10, 3, sessionOf).Caps(); p != 10 || g != 10 {
		t.Errorf("got caps %d/%d, want 10/10", p, g)
	}
	if p, g := New[key, int](0, 0, sessionOf).Caps(); p != 1 || g != 1 {
		t.Errorf("got caps %d/%d, want 1/1", p, g)
	}
	m := New[key, int](0, 0, sessionOf)
	m.Put(key{1, "a"}, 1)
	if k, _, ok := m.Put(key{1, "b"}, 2); !ok || k != (key{1, "a"}) {
		t.Errorf("cap 1: got evicted %v %v, want {1 a}", k, ok)
	}
}

func TestDeleteFuncAndClear(t *testing.T) {
	m := newMap(10, 10)
	for i := range 6 {
		m.Put(key{uint64(i % 2), fmt.Sprint(i)}, i)
	}
	if n := m.DeleteFunc(func(_ key, v int) bool { return v%2 == 0 }); n != 3 {
		t.Errorf("got %d removed, want 3", n)
	}
	if _, ok := m.Get(key{0, "2"}); ok {
		t.Errorf("got key 2 kept, want removed")
	}
	if m.SessionLen(0) != 0 || m.SessionLen(1) != 3 {
		t.Errorf("got sessions 0 and 1 holding %d and %d, want 0 and 3", m.SessionLen(0), m.SessionLen(1))
	}
	if _, ok := m.sessions[0]; ok {
		t.Errorf("an emptied session's list is kept")
	}
	if !m.Delete(key{1, "1"}) || m.Delete(key{1, "1"}) {
		t.Errorf("Delete: want true once, then false")
	}
	m.Put(key{9, "9"}, 9)
	m.Clear()
	if m.Len() != 0 || m.SessionLen(9) != 0 {
		t.Errorf("got len %d after Clear, want 0", m.Len())
	}
	m.Put(key{1, "1"}, 1)
	if v, ok := m.Get(key{1, "1"}); !ok || v != 1 {
		t.Errorf("got %d %v after Clear and Put, want 1 true", v, ok)
	}
}

// Orders stay consistent through a mix of puts, refreshes and deletes:
// every session's list holds exactly its entries, oldest first in the
// global order too.
func TestOrdersConsistent(t *testing.T) {
	m := newMap(5, 12)
	for i := range 500 {
		s := uint64(i*7%4) + 1
		k := key{s, fmt.Sprint(i % 23)}
		switch i % 5 {
		case 3:
			m.Delete(k)
		default:
			m.Put(k, i)
		}
		checkOrders(t, m)
	}
}

func checkOrders(t *testing.T, m *Map[key, int]) {
	t.Helper()
	count := 0
	perSession := map[uint64][]key{}
	for n := m.head; n != nil; n = n.gnext {
		count++
		perSession[n.key.session] = append(perSession[n.key.session], n.key)
	}
	if count != len(m.items) || count > m.global {
		t.Fatalf("global order holds %d, map %d, cap %d", count, len(m.items), m.global)
	}
	if len(perSession) != len(m.sessions) {
		t.Fatalf("got %d session lists, want %d", len(m.sessions), len(perSession))
	}
	for id, keys := range perSession {
		l := m.sessions[id]
		if l == nil || l.n != len(keys) || l.n > m.perSession {
			t.Fatalf("session %d: list %+v, want %d entries", id, l, len(keys))
		}
		i := 0
		for n := l.head; n != nil; n = n.snext {
			if n.key != keys[i] {
				t.Fatalf("session %d: entry %d is %v, want %v", id, i, n.key, keys[i])
			}
			i++
		}
	}
}

func BenchmarkPut(b *testing.B) {
	m := newMap(50000, 1000000)
	for i := 0; b.Loop(); i++ {
		m.Put(key{uint64(i % 1000), fmt.Sprint(i)}, i)
	}
}
